"""One training path for every configured model: frame -> honest evaluation -> final fit -> manifest.

Evaluation never lets a lake (group_kfold) or a future year (forward_time) leak into the rows it
scores. The model and a naive baseline are scored on the very same split; the interval's
coverage is measured on rows whose residuals did not calibrate it.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import GroupKFold
from sklearn.utils._param_validation import InvalidParameterError

from . import features as F
from .models import IntervalRegressor, build_pipeline, conformal_quantile
from .settings import ESTIMATORS, ConfigError, ModelSpec, Settings, UnknownModelError

Progress = Callable[[str], None]
__all__ = ["UnknownModelError", "train_all", "train_model", "TrainedModel", "model_spec"]


@dataclass(frozen=True)
class TrainedModel:
    name: str
    model: IntervalRegressor
    manifest: dict[str, Any]
    seconds: float = 0.0
    version: str | None = None


@dataclass
class Split:
    """Evaluation folds: each (train, test) pair of row positions; ``description`` for the manifest."""

    folds: list[tuple[np.ndarray, np.ndarray]]
    description: str
    calibrate_within_train: bool = False  # forward_time: calibrate on the train part only


# -- frames -----------------------------------------------------------------------------------
FRAMES: dict[str, Callable[[Any, ModelSpec], pd.DataFrame]] = {
    "property_value": lambda tables, spec: F.property_value_frame(tables),
    "secchi_forecast": lambda tables, spec: F.secchi_forecast_frame(tables, spec.window_years),
    "iceout_doy": lambda tables, spec: F.iceout_frame(tables, spec.min_year),
}


def model_spec(settings: Settings, name: str, estimator: str | None = None) -> ModelSpec:
    """The configured spec, optionally with another estimator (its params come from config)."""
    if name not in settings.models:
        raise UnknownModelError(f"unknown model {name!r}; configured: {', '.join(settings.models)}")
    if name not in FRAMES:
        raise ConfigError(f"model {name!r} is configured but lakemodel has no feature frame for it")
    spec = settings.models[name]
    if estimator is not None:
        if estimator not in ESTIMATORS:
            raise ConfigError(f"unknown estimator {estimator!r}; known: {', '.join(ESTIMATORS)}")
        spec = spec.model_copy(update={"estimator": estimator})
    return spec


# -- splits and baselines ---------------------------------------------------------------------
def make_split(spec: ModelSpec, frame: pd.DataFrame, settings: Settings) -> Split:
    groups = frame["lake_id"].to_numpy()
    if spec.split == "group_kfold":
        n_groups = len(np.unique(groups))
        k = min(settings.training.cv_folds, n_groups)
        folds = list(GroupKFold(n_splits=k).split(frame, groups=groups))
        return Split(folds, f"GroupKFold({k}) by lake_id")
    if spec.test_from_year is None:
        raise ConfigError("a forward_time split needs test_from_year")
    years = frame["year"].to_numpy()
    train, test = np.flatnonzero(years < spec.test_from_year), np.flatnonzero(years >= spec.test_from_year)
    if train.size == 0 or test.size == 0:
        raise ConfigError(f"test_from_year={spec.test_from_year} leaves no training or no test rows")
    return Split([(train, test)], f"forward in time: train on years < {spec.test_from_year}, test on later years",
                 calibrate_within_train=True)


def _haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def baseline_predict(spec: ModelSpec, train: pd.DataFrame, test: pd.DataFrame, target: str) -> np.ndarray:
    """The naive prediction for ``test`` using ``train`` only.

    median: the training median. last_value: the lake's latest observed value (a feature).
    lake_mean: the lake's own historical mean when it is in ``train``; for an unseen lake (always
    the case in a grouped split) the mean of the ``baseline_neighbors`` nearest training lakes'
    means, by great-circle distance.
    """
    if spec.baseline == "median":
        return np.full(len(test), float(train[target].median()))
    if spec.baseline == "last_value":
        return test["secchi_last_m"].to_numpy(dtype=float)
    lake_means = train.groupby("lake_id").agg(
        value=(target, "mean"), latitude=("latitude", "first"), longitude=("longitude", "first"))
    test_lakes = test.groupby("lake_id", sort=False).agg(latitude=("latitude", "first"), longitude=("longitude", "first"))
    k = min(spec.baseline_neighbors, len(lake_means))
    dist = _haversine_km(test_lakes["latitude"].to_numpy()[:, None], test_lakes["longitude"].to_numpy()[:, None],
                         lake_means["latitude"].to_numpy()[None, :], lake_means["longitude"].to_numpy()[None, :])
    nearest = np.argsort(dist, axis=1)[:, :k]
    per_lake = pd.Series(lake_means["value"].to_numpy()[nearest].mean(axis=1), index=test_lakes.index)
    seen = test_lakes.index.isin(lake_means.index)
    per_lake[seen] = lake_means.loc[test_lakes.index[seen], "value"].to_numpy()
    return test["lake_id"].map(per_lake).to_numpy(dtype=float)


def baseline_description(spec: ModelSpec) -> str:
    return {
        "median": "median of the training fold",
        "last_value": "last year's value (persistence)",
        "lake_mean": f"lake's historical mean; unseen lakes: mean of the {spec.baseline_neighbors} nearest training lakes",
    }[spec.baseline]


def scores(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """MAE (the metric that decides "beats baseline"), RMSE, R^2, and the median absolute
    percentage error, which outliers (a few lake-years of multi-million sales) cannot swamp."""
    return {
        "mae": float(mean_absolute_error(y, pred)),
        "rmse": float(np.sqrt(mean_squared_error(y, pred))),
        "r2": float(r2_score(y, pred)),
        "median_ape": float(np.median(np.abs(pred - y) / np.abs(y))),
    }


# -- fitting ----------------------------------------------------------------------------------
def make_model(spec: ModelSpec, settings: Settings, specs: list[F.FeatureSpec]) -> IntervalRegressor:
    categorical = [f.name for f in specs if f.dtype == "category"]
    numeric = [f.name for f in specs if f.dtype != "category" and f.name != spec.trend_feature]
    pipeline = build_pipeline(numeric, categorical, spec.estimator, spec.estimator_params(),
                              settings.training.seed, spec.rare_label_min_share)
    return IntervalRegressor(pipeline, level=settings.training.interval_level,
                             log_target=spec.log_target, trend_feature=spec.trend_feature,
                             offset_feature=spec.offset_feature)


def _fit(model: IntervalRegressor, X, y, groups, residuals=None) -> IntervalRegressor:
    try:
        return model.fit(X, y, groups=groups, calibration_residuals=residuals)
    except InvalidParameterError as exc:
        raise ConfigError(f"invalid estimator parameters: {exc}") from None


def out_of_fold(template: IntervalRegressor, X, y, groups, folds) -> np.ndarray:
    """Predictions (transformed target space) for every test row of ``folds``; NaN elsewhere."""
    pred = np.full(len(X), np.nan)
    for train, test in folds:
        fitted = _fit(clone(template), X.iloc[train], y[train], groups[train])
        pred[test] = fitted.predict_transformed(X.iloc[test])
    return pred


def train_model(settings: Settings, name: str, tables, estimator: str | None = None,
                progress: Progress | None = None) -> TrainedModel:
    """Evaluate ``name`` honestly, then fit it on all rows with a calibrated interval."""
    threads = settings.training.threads
    if not threads:
        return _train_model(settings, name, tables, estimator, progress)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        return _train_model(settings, name, tables, estimator, progress)


def _train_model(settings: Settings, name: str, tables, estimator: str | None,
                 progress: Progress | None) -> TrainedModel:
    started = time.perf_counter()
    say = progress or (lambda message: None)
    spec = model_spec(settings, name, estimator)
    specs = F.FEATURES[name]
    target, unit = F.TARGETS[name]
    frame = FRAMES[name](tables, spec)
    if len(frame) < 2 * settings.training.cv_folds:
        raise ConfigError(f"model {name}: only {len(frame)} training rows")
    X = F.coerce_features(frame, F.feature_schema(specs, frame))
    y = frame[target].to_numpy(dtype=float)
    groups = frame["lake_id"].to_numpy()
    template = make_model(spec, settings, specs)
    z = template.transform_target(y)
    level = settings.training.interval_level
    inner = GroupKFold(n_splits=min(settings.training.cv_folds, len(np.unique(groups))))

    say(f"{name}: {len(frame)} rows, {len(np.unique(groups))} lakes, estimator {spec.estimator}")
    split = make_split(spec, frame, settings)
    if split.calibrate_within_train:
        (train, test), = split.folds
        inner_folds = [(train[a], train[b]) for a, b in inner.split(train, groups=groups[train])]
        cal = z[train] - out_of_fold(template, X, y, groups, inner_folds)[train]
        fitted = _fit(clone(template), X.iloc[train], y[train], groups[train], cal)
        z_test = fitted.predict_transformed(X.iloc[test])
        covered = np.abs(z[test] - z_test) <= fitted.radius_
        test_rows, pred_test = test, template.inverse_target(z_test)
        base = baseline_predict(spec, frame.iloc[train], frame.iloc[test], target)
        oof_all = None
    else:
        oof_all = out_of_fold(template, X, y, groups, split.folds)
        resid = z - oof_all
        covered = np.zeros(len(frame), dtype=bool)
        base = np.empty(len(frame))
        for train, test in split.folds:
            radius = conformal_quantile(resid[train], level)  # calibrated without this fold
            covered[test] = np.abs(resid[test]) <= radius
            base[test] = baseline_predict(spec, frame.iloc[train], frame.iloc[test], target)
        test_rows, pred_test = np.arange(len(frame)), template.inverse_target(oof_all)
    say(f"{name}: evaluated ({split.description})")

    y_test = y[test_rows]
    model_scores, base_scores = scores(y_test, pred_test), scores(y_test, base)

    # Final model: every row, interval calibrated on out-of-fold residuals over all rows.
    if oof_all is None:
        oof_all = out_of_fold(template, X, y, groups, list(inner.split(X, groups=groups)))
    final = _fit(clone(template), X, y, groups, z - oof_all)
    say(f"{name}: fitted on all rows")

    manifest = {
        "estimator": spec.estimator,
        "target": target,
        "target_unit": unit,
        "config": {"model": {**spec.model_dump(mode="json"), "params": spec.estimator_params()},
                   "training": settings.training.model_dump(mode="json")},
        "data_checksums": data_checksums(settings, tables),
        "features": F.feature_schema(specs, frame),
        "metrics": {
            "model": model_scores,
            "baseline": {"name": spec.baseline, "description": baseline_description(spec), **base_scores},
            "beats_baseline": model_scores["mae"] < base_scores["mae"],
            "split": split.description,
            "n_rows": int(len(frame)),
            "n_groups": int(len(np.unique(groups))),
            "n_test_rows": int(len(test_rows)),
        },
        "interval": {
            "level": level,
            "method": "split-conformal: absolute out-of-fold residual quantile"
                      + (" in log space" if spec.log_target else ""),
            "coverage": float(covered.mean()),
            "radius": final.radius_,
            "space": "log" if spec.log_target else "target",
        },
    }
    if spec.trend_feature:
        manifest["trend"] = {"feature": spec.trend_feature, "slope_per_year": final.trend_slope_,
                             "method": "within-lake least-squares slope"}
    return TrainedModel(name, final, manifest, time.perf_counter() - started)


def data_checksums(settings: Settings, tables) -> dict[str, str]:
    """sha256 of each raw source the tables were built from, plus the tables' own checksum."""
    out = {}
    sources = (tables.report or {}).get("sources", {})
    for name, info in sources.items():
        out[info.get("file", name)] = info.get("sha256", settings.sources[name].sha256 if name in settings.sources else "")
    out["tables"] = tables.checksum
    return out


def train_all(settings: Settings, names: list[str] | None = None, estimator: str | None = None,
              tables=None, promote: bool = True, progress: Progress | None = None) -> dict[str, TrainedModel]:
    """Train every configured model (or ``names``), publish each to the registry, promote it."""
    from .registry import open_registry_from_settings
    from .tables import load_tables

    names = list(settings.models) if names is None else names
    for name in names:
        model_spec(settings, name, estimator)  # fail fast on a bad name before any work
    tables = load_tables(settings) if tables is None else tables
    registry = open_registry_from_settings(settings)
    out = {}
    for name in names:
        trained = train_model(settings, name, tables, estimator, progress)
        version = registry.publish(name, trained.model, trained.manifest, promote=promote)
        out[name] = TrainedModel(name, trained.model, {**trained.manifest, "version": version},
                                 trained.seconds, version)
        if progress:
            progress(f"{name}: published {version}" + (" (production)" if promote else ""))
    return out
