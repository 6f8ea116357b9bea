"""Training on the real data: honest splits, each model beats its naive baseline, manifests complete."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from lakemodel import features as F
from lakemodel.models import TRUSTED_TYPES
from lakemodel.registry import open_registry, serialize
from lakemodel.settings import ESTIMATORS, ConfigError
from lakemodel.train import (
    UnknownModelError,
    baseline_predict,
    make_split,
    model_spec,
    train_model,
)

MANIFEST_KEYS = {"name", "version", "created_at", "estimator", "target", "target_unit", "config", "data_checksums",
                 "features", "metrics", "interval", "artifact_sha256"}
FEATURE_KEYS = {"name", "dtype", "unit", "description", "min", "max", "categories", "required", "original_name"}


@pytest.fixture(scope="module")
def manifests(settings, trained_registry) -> dict[str, dict]:
    registry = open_registry(trained_registry)
    return {name: registry.manifest(name) for name in settings.models}


@pytest.mark.parametrize("name", ["property_value", "secchi_forecast", "iceout_doy"])
def test_model_beats_its_baseline_on_the_honest_split(manifests, name):
    metrics = manifests[name]["metrics"]
    assert metrics["model"]["mae"] < metrics["baseline"]["mae"], metrics
    assert metrics["beats_baseline"] is True
    assert metrics["baseline"]["name"] == {"property_value": "median", "secchi_forecast": "last_value",
                                           "iceout_doy": "lake_mean"}[name]
    assert metrics["n_test_rows"] > 300 and metrics["n_groups"] > 200


@pytest.mark.parametrize("name", ["property_value", "secchi_forecast", "iceout_doy"])
def test_interval_coverage_is_measured_near_nominal(manifests, name):
    interval = manifests[name]["interval"]
    assert interval["level"] == 0.8
    assert interval["method"].startswith("split-conformal")
    assert 0.7 <= interval["coverage"] <= 0.9, interval
    assert interval["radius"] > 0


def test_manifest_is_complete(settings, manifests, tables):
    for name, manifest in manifests.items():
        assert MANIFEST_KEYS <= set(manifest), name
        assert manifest["name"] == name
        assert manifest["estimator"] == settings.models[name].estimator
        assert manifest["config"]["model"]["estimator"] == settings.models[name].estimator
        assert [f["name"] for f in manifest["features"]] == [f.name for f in F.FEATURES[name]]
        for feat in manifest["features"]:
            assert FEATURE_KEYS <= set(feat)
            if feat["dtype"] == "category":
                assert feat["categories"]
            else:
                assert feat["min"] <= feat["max"]
        assert manifest["data_checksums"]["lake_data_for_viz.csv"] == settings.sources["lake_data_for_viz"].sha256
        assert manifest["data_checksums"]["mn_iceout.rda"] == settings.sources["mn_iceout"].sha256
        assert manifest["data_checksums"]["tables"] == tables.checksum
    originals = {f["original_name"] for f in manifests["property_value"]["features"]}
    assert "Mean_log_phosphorus" in originals and None not in originals


def test_group_split_never_shares_a_lake(settings, tables):
    spec = model_spec(settings, "iceout_doy")
    frame = F.iceout_frame(tables, spec.min_year)
    split = make_split(spec, frame, settings)
    assert len(split.folds) == settings.training.cv_folds
    seen = np.concatenate([test for _, test in split.folds])
    assert sorted(seen) == list(range(len(frame)))  # every row scored exactly once
    for train, test in split.folds:
        assert not set(frame["lake_id"].iloc[train]) & set(frame["lake_id"].iloc[test])


def test_forward_split_trains_on_the_past(settings, tables):
    spec = model_spec(settings, "secchi_forecast")
    frame = F.secchi_forecast_frame(tables, spec.window_years)
    (train, test), = make_split(spec, frame, settings).folds
    assert frame["year"].iloc[train].max() < spec.test_from_year <= frame["year"].iloc[test].min()


def test_lake_mean_baseline_falls_back_to_nearest_lakes(settings):
    spec = model_spec(settings, "iceout_doy").model_copy(update={"baseline_neighbors": 2})
    train = pd.DataFrame({
        "lake_id": ["n1", "n1", "n2", "far"], "latitude": [47.0, 47.0, 47.1, 44.0],
        "longitude": [-94.0, -94.0, -94.1, -92.0], "doy": [110.0, 120.0, 100.0, 80.0]})
    test = pd.DataFrame({"lake_id": ["new", "n2"], "latitude": [47.05, 47.1], "longitude": [-94.05, -94.1]})
    got = baseline_predict(spec, train, test, "doy")
    assert got[0] == pytest.approx((115.0 + 100.0) / 2)  # mean of the two nearest lakes' means
    assert got[1] == 100.0  # a lake seen in training keeps its own mean


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_training_with_each_estimator_is_a_config_change(settings, tables, estimator):
    """Swapping the estimator needs only settings; the artifact stays within the trusted types."""
    spec = settings.models["property_value"]
    params = dict(spec.params)
    if estimator == "random_forest":  # keep the test quick: fewer trees, same code path
        params["random_forest"] = {**params.get("random_forest", {}), "n_estimators": 25}
    swapped = settings.model_copy(update={"models": {**settings.models, "property_value": spec.model_copy(
        update={"estimator": estimator, "params": params})}})
    trained = train_model(swapped, "property_value", tables)
    assert trained.manifest["estimator"] == estimator
    assert type(trained.model.pipeline_.named_steps["estimator"]).__name__ == {
        "ridge": "Ridge", "random_forest": "RandomForestRegressor",
        "hist_gradient_boosting": "HistGradientBoostingRegressor"}[estimator]
    frame = F.property_value_frame(tables).head(20)
    value, lower, upper = trained.model.predict_interval(F.coerce_features(frame, trained.manifest["features"]))
    assert np.all(np.isfinite(value)) and np.all(lower < value) and np.all(value < upper)
    untrusted = set(sio.get_untrusted_types(data=serialize(trained.model)))
    assert untrusted <= set(TRUSTED_TYPES), untrusted - set(TRUSTED_TYPES)


def test_cli_estimator_override_and_bad_names(settings, tables):
    trained = train_model(settings, "iceout_doy", tables, estimator="hist_gradient_boosting")
    assert trained.manifest["estimator"] == "hist_gradient_boosting"
    assert trained.manifest["config"]["model"]["params"] == settings.models["iceout_doy"].params["hist_gradient_boosting"]
    with pytest.raises(UnknownModelError, match="unknown model 'nope'"):
        train_model(settings, "nope", tables)
    with pytest.raises(ConfigError, match="unknown estimator"):
        train_model(settings, "iceout_doy", tables, estimator="lasso")
    spec = settings.models["iceout_doy"]
    bad = settings.model_copy(update={"models": {**settings.models, "iceout_doy": spec.model_copy(
        update={"params": {"ridge": {"alpha": -5.0}}})}})
    with pytest.raises(ConfigError, match="alpha"):
        train_model(bad, "iceout_doy", tables)
