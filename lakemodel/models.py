"""Estimator factory, the one pipeline every model uses, and the interval wrapper.

Every model is ``IntervalRegressor(Pipeline[prepare -> estimator])``: the pipeline imputes,
groups rare categories and one-hot encodes; the configured estimator (ridge, random_forest,
hist_gradient_boosting) is picked by name from the config, so swapping it never touches code.
The wrapper adds what the registry contract needs: an optional log target, an optional linear
trend, and split-conformal prediction intervals calibrated on out-of-fold residuals.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, PowerTransformer
from sklearn.utils.validation import check_is_fitted

from .settings import ESTIMATORS, ConfigError

RARE = "Rare"
MISSING = "Missing"


def make_estimator(name: str, params: dict[str, Any] | None = None, seed: int = 0) -> BaseEstimator:
    """Build the configured estimator; unknown names or parameters are configuration errors."""
    params = dict(params or {})
    if name == "ridge":
        factory, defaults = Ridge, {}
    elif name == "random_forest":
        factory, defaults = RandomForestRegressor, {"random_state": seed, "n_jobs": 1}
    elif name == "hist_gradient_boosting":
        factory, defaults = HistGradientBoostingRegressor, {"random_state": seed}
    else:
        raise ConfigError(f"unknown estimator {name!r}; known: {', '.join(ESTIMATORS)}")
    unknown = sorted(set(params) - set(factory().get_params()))
    if unknown:
        raise ConfigError(f"unknown parameter(s) for {name}: {', '.join(unknown)}")
    return factory(**{**defaults, **params})


class RareLabelEncoder(BaseEstimator, TransformerMixin):
    """Replace categories seen in less than ``min_share`` of the training rows by ``"Rare"``.

    Unseen categories at predict time are rare too, so the encoder downstream only ever sees
    labels it learned; missing values become ``"Missing"``.
    """

    def __init__(self, min_share: float = 0.01, rare_label: str = RARE, missing_label: str = MISSING):
        self.min_share = min_share
        self.rare_label = rare_label
        self.missing_label = missing_label

    def _as_frame(self, X) -> pd.DataFrame:
        frame = pd.DataFrame(X).copy()
        for col in frame.columns:
            values = frame[col].astype(object)
            frame[col] = values.where(values.notna(), self.missing_label).astype(str)
        return frame

    def fit(self, X, y=None):
        frame = self._as_frame(X)
        self.n_features_in_ = frame.shape[1]
        self.frequent_labels_ = []
        for col in frame.columns:
            share = frame[col].value_counts(normalize=True)
            self.frequent_labels_.append(sorted(str(v) for v in share.index[share >= self.min_share]))
        return self

    def transform(self, X):
        check_is_fitted(self, "frequent_labels_")
        frame = self._as_frame(X)
        if frame.shape[1] != self.n_features_in_:
            raise ValueError(f"expected {self.n_features_in_} columns, got {frame.shape[1]}")
        out = np.empty(frame.shape, dtype=object)
        for i, col in enumerate(frame.columns):
            values = frame[col].to_numpy(dtype=object)
            keep = np.isin(values, self.frequent_labels_[i])
            out[:, i] = np.where(keep, values, self.rare_label)
        return out

    def get_feature_names_out(self, input_features=None):
        if input_features is None:
            input_features = [f"x{i}" for i in range(self.n_features_in_)]
        return np.asarray(input_features, dtype=object)


def build_pipeline(
    numeric: Sequence[str],
    categorical: Sequence[str],
    estimator: str,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    rare_label_min_share: float = 0.01,
) -> Pipeline:
    """Imputation, rare-label + one-hot encoding, then the configured estimator."""
    numeric_steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
    if estimator == "ridge":  # a linear model needs comparable, unskewed scales; trees do not
        numeric_steps.append(("scale", PowerTransformer(method="yeo-johnson", standardize=True)))
    transformers: list[tuple[str, Any, list[str]]] = [("numeric", Pipeline(numeric_steps), list(numeric))]
    if categorical:
        categorical_steps = Pipeline(
            [
                ("rare", RareLabelEncoder(min_share=rare_label_min_share)),
                ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
            ]
        )
        transformers.append(("categorical", categorical_steps, list(categorical)))
    prepare = ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False)
    return Pipeline([("prepare", prepare), ("estimator", make_estimator(estimator, params, seed))])


def conformal_quantile(residuals: np.ndarray, level: float) -> float:
    """Split-conformal radius: the ceil((n+1)*level)-th smallest absolute residual."""
    scores = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    scores = scores[np.isfinite(scores)]
    if scores.size == 0:
        raise ValueError("no residuals to calibrate the interval on")
    rank = min(scores.size, math.ceil((scores.size + 1) * level))
    return float(scores[rank - 1])


def within_group_slope(t: np.ndarray, y: np.ndarray, groups: np.ndarray | None) -> float:
    """Slope of y on t after removing each group's mean (a fixed-effects trend).

    Pooled over lakes the slope would mix the trend with which lakes were observed when;
    within-lake it is the average change per year of a lake.
    """
    frame = pd.DataFrame({"t": t, "y": y, "g": groups if groups is not None else 0})
    dt = frame["t"] - frame.groupby("g")["t"].transform("mean")
    dy = frame["y"] - frame.groupby("g")["y"].transform("mean")
    denom = float((dt * dt).sum())
    return float((dt * dy).sum() / denom) if denom > 0 else 0.0


class IntervalRegressor(BaseEstimator, RegressorMixin):
    """A pipeline plus target transform, optional linear trend and a conformal interval.

    ``fit(X, y, groups=None, calibration_residuals=None)``: ``calibration_residuals`` are
    out-of-fold residuals in the transformed target space (see ``transform_target``); their
    conformal quantile becomes ``radius_``. ``predict_interval`` then returns
    value +- radius (times ``scale`` for multi-step forecasts), back-transformed.
    """

    def __init__(self, pipeline=None, level: float = 0.8, log_target: bool = False,
                 trend_feature: str | None = None, offset_feature: str | None = None):
        self.pipeline = pipeline
        self.level = level
        self.log_target = log_target
        self.trend_feature = trend_feature
        self.offset_feature = offset_feature

    # -- target space ----------------------------------------------------------------------
    def transform_target(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if self.log_target:
            if np.any(y <= 0):
                raise ValueError("a log target needs strictly positive values")
            return np.log(y)
        return y

    def inverse_target(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        return np.exp(z) if self.log_target else z

    def _trend(self, X) -> np.ndarray:
        """The part of the (transformed) target not left to the estimator: trend and offset."""
        out = np.zeros(len(X))
        if self.trend_feature:
            t = pd.to_numeric(pd.DataFrame(X)[self.trend_feature], errors="coerce").to_numpy(dtype=float)
            out = out + self.trend_slope_ * (t - self.trend_origin_)
        if self.offset_feature:
            out = out + self.transform_target(pd.DataFrame(X)[self.offset_feature].to_numpy(dtype=float))
        return out

    # -- estimator contract ----------------------------------------------------------------
    def fit(self, X, y, groups=None, calibration_residuals=None):
        if self.pipeline is None:
            raise ValueError("IntervalRegressor needs a pipeline")
        z = self.transform_target(y)
        if self.trend_feature:
            t = pd.to_numeric(pd.DataFrame(X)[self.trend_feature], errors="coerce").to_numpy(dtype=float)
            self.trend_origin_ = float(np.nanmean(t))
            self.trend_slope_ = within_group_slope(t, z, None if groups is None else np.asarray(groups))
        if self.offset_feature and pd.DataFrame(X)[self.offset_feature].isna().any():
            raise ValueError(f"the offset feature {self.offset_feature} must not be missing")
        self.pipeline_ = clone(self.pipeline).fit(X, z - self._trend(X))
        self.radius_ = None if calibration_residuals is None else conformal_quantile(calibration_residuals, self.level)
        self.n_features_in_ = len(pd.DataFrame(X).columns)
        return self

    def predict_transformed(self, X) -> np.ndarray:
        """Prediction in the transformed target space (log for a log target)."""
        check_is_fitted(self, "pipeline_")
        return np.asarray(self.pipeline_.predict(X), dtype=float) + self._trend(X)

    def predict(self, X) -> np.ndarray:
        return self.inverse_target(self.predict_transformed(X))

    def predict_interval(self, X, scale=1.0) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """(value, lower, upper); bounds are None when the model was fitted without calibration."""
        z = self.predict_transformed(X)
        value = self.inverse_target(z)
        if self.radius_ is None:
            return value, None, None
        half = self.radius_ * np.broadcast_to(np.asarray(scale, dtype=float), z.shape)
        return value, self.inverse_target(z - half), self.inverse_target(z + half)


#: Types an artifact may contain. Fixed here, checked by tests against real artifacts of every
#: estimator; never taken from the artifact itself (skops' get_untrusted_types).
#: scikit-learn estimators, transformers and plain numpy arrays are on skops' default list; these
#: are the types beyond it that our three estimators need.
TRUSTED_TYPES: list[str] = [
    "lakemodel.models.IntervalRegressor",
    "lakemodel.models.RareLabelEncoder",
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
]
