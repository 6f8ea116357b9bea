"""Estimator factory, RareLabelEncoder (estimator contract), conformal radius, trend, interval wrapper."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge

from lakemodel import features as F
from lakemodel.models import (
    IntervalRegressor,
    RareLabelEncoder,
    build_pipeline,
    conformal_quantile,
    make_estimator,
    within_group_slope,
)
from lakemodel.settings import ConfigError


def test_make_estimator_by_name_with_params():
    assert isinstance(make_estimator("ridge", {"alpha": 3.0}), Ridge)
    rf = make_estimator("random_forest", {"n_estimators": 7}, seed=5)
    assert isinstance(rf, RandomForestRegressor) and rf.n_estimators == 7 and rf.random_state == 5
    hgb = make_estimator("hist_gradient_boosting", {"max_iter": 9}, seed=3)
    assert isinstance(hgb, HistGradientBoostingRegressor) and hgb.max_iter == 9 and hgb.random_state == 3
    with pytest.raises(ConfigError, match="unknown estimator 'lasso'"):
        make_estimator("lasso")
    with pytest.raises(ConfigError, match="unknown parameter.*learning_rate"):
        make_estimator("ridge", {"learning_rate": 0.1})


def test_rare_label_encoder_learns_in_fit_only():
    X = pd.DataFrame({"w": ["a"] * 50 + ["b"] * 45 + ["c"] * 3 + [None] * 2})
    enc = RareLabelEncoder(min_share=0.05)
    with pytest.raises(NotFittedError):
        enc.transform(X)
    enc.fit(X)
    assert enc.frequent_labels_ == [["a", "b"]]
    out = enc.transform(pd.DataFrame({"w": ["a", "c", "zzz", None, "b"]}))
    assert out[:, 0].tolist() == ["a", "Rare", "Rare", "Rare", "b"]  # Missing is rare here (2%)
    assert enc.frequent_labels_ == [["a", "b"]]  # transform did not learn the new labels
    again = clone(enc)
    assert again.get_params() == {"min_share": 0.05, "rare_label": "Rare", "missing_label": "Missing"}
    assert not hasattr(again, "frequent_labels_")
    kept_missing = RareLabelEncoder(min_share=0.01).fit(X).transform(pd.DataFrame({"w": [None]}))
    assert kept_missing[0, 0] == "Missing"


def test_conformal_quantile_rank():
    residuals = np.arange(1, 11, dtype=float)  # |r| = 1..10, n = 10
    assert conformal_quantile(residuals, 0.8) == 9.0  # ceil(11 * 0.8) = 9th smallest
    assert conformal_quantile(-residuals, 0.5) == 6.0
    assert conformal_quantile(residuals, 0.99) == 10.0
    with pytest.raises(ValueError):
        conformal_quantile(np.array([np.nan]), 0.8)


def test_within_group_slope_ignores_group_levels():
    # three lakes with very different levels, all falling 0.5/year; observed in different eras
    t = np.array([1950, 1951, 1952, 1990, 1991, 1992, 2010, 2011, 2012], dtype=float)
    g = np.repeat(["a", "b", "c"], 3)
    level = np.repeat([100.0, 80.0, 120.0], 3)
    y = level - 0.5 * (t - t.reshape(3, 3).mean(axis=1).repeat(3))
    assert within_group_slope(t, y, g) == pytest.approx(-0.5)
    pooled = np.polyfit(t, y, 1)[0]
    assert abs(pooled - (-0.5)) > 0.1  # why the within-lake slope is used


def test_interval_regressor_on_real_ice_out(tables):
    frame = F.iceout_frame(tables, 1950)
    schema = F.feature_schema(F.ICEOUT_FEATURES, frame)
    X = F.coerce_features(frame, schema)
    y = frame["doy"].to_numpy(float)
    pipe = build_pipeline(["latitude", "longitude", "area_acres", "max_depth_ft", "mean_depth_ft"], [], "ridge")
    plain = IntervalRegressor(pipe, level=0.8, trend_feature="year").fit(X, y, groups=frame["lake_id"])
    value, lower, upper = plain.predict_interval(X.head(5))
    assert lower is None and upper is None
    assert plain.trend_slope_ < 0  # ice goes out earlier over the decades
    later = X.head(1).assign(year=X.head(1)["year"] + 10)
    assert plain.predict(later)[0] - plain.predict(X.head(1))[0] == pytest.approx(10 * plain.trend_slope_)

    residuals = np.linspace(-12, 12, 101)
    calibrated = IntervalRegressor(pipe, level=0.8, trend_feature="year").fit(
        X, y, groups=frame["lake_id"], calibration_residuals=residuals)
    value, lower, upper = calibrated.predict_interval(X.head(5), scale=2.0)
    assert calibrated.radius_ == conformal_quantile(residuals, 0.8)
    np.testing.assert_allclose(upper - value, 2.0 * calibrated.radius_)
    np.testing.assert_allclose(value - lower, 2.0 * calibrated.radius_)


def test_log_target_interval_is_multiplicative(tables):
    frame = F.property_value_frame(tables)
    X = F.coerce_features(frame, F.feature_schema(F.PROPERTY_VALUE_FEATURES, frame))
    y = frame[F.PROPERTY_VALUE_TARGET].to_numpy(float)
    numeric = [f.name for f in F.PROPERTY_VALUE_FEATURES if f.dtype != "category"]
    pipe = build_pipeline(numeric, ["major_watershed"], "ridge", {"alpha": 10.0})
    model = IntervalRegressor(pipe, level=0.8, log_target=True).fit(X, y, calibration_residuals=[0.1, -0.2, 0.3, 0.4])
    value, lower, upper = model.predict_interval(X.head(10))
    assert np.all(lower > 0) and np.all(lower < value) and np.all(value < upper)
    np.testing.assert_allclose(np.log(upper / value), model.radius_)
    np.testing.assert_allclose(np.log(value / lower), model.radius_)
    with pytest.raises(ValueError, match="strictly positive"):
        model.fit(X.head(3), np.array([1.0, 0.0, 2.0]))
