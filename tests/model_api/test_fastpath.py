"""The numpy fast path predicts exactly what the registry model's pipeline predicts."""
import numpy as np
import pytest

from lakemodel import features as F
from lakemodel.fastpath import FastPredictor
from lakemodel.registry import open_registry

FRAMES = {"property_value": F.property_value_frame, "secchi_forecast": F.secchi_forecast_frame,
          "iceout_doy": F.iceout_frame}


@pytest.fixture(scope="module")
def registry(trained_registry):
    return open_registry(trained_registry)


def _columns(X, features):
    return {f["name"]: (X[f["name"]].tolist() if f["dtype"] == "category" else X[f["name"]].to_numpy(dtype=float))
            for f in features}


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_fast_path_equals_pipeline_on_real_rows(registry, tables, name):
    loaded = registry.load(name)
    fast = FastPredictor.from_model(loaded.model)
    assert fast is not None
    X = F.coerce_features(FRAMES[name](tables)[loaded.feature_names], loaded.features)
    # every training row, plus rows with all optional features missing and an unseen category
    blank = X.head(20).copy()
    for f in loaded.features:
        if not f["required"]:
            blank[f["name"]] = None if f["dtype"] == "category" else np.nan
        elif f["dtype"] == "category":
            blank[f["name"]] = "A watershed never seen in training"
    is_hgb = type(loaded.model.pipeline_.steps[-1][1]).__name__ == "HistGradientBoostingRegressor"
    assert (fast.walker is not None) == is_hgb  # gradient-boosted trees are walked level-wise
    for frame in (X, X.head(7), blank):  # sklearn's own predict on numpy; the walker (<= 32 rows)
        value, lower, upper = loaded.model.predict_interval(frame, scale=1.5)
        fv, fl, fu = fast.predict_interval(_columns(frame, loaded.features), len(frame), scale=1.5)
        np.testing.assert_allclose(fv, value, rtol=1e-12, atol=0)
        np.testing.assert_allclose(fl, lower, rtol=1e-12, atol=0)
        np.testing.assert_allclose(fu, upper, rtol=1e-12, atol=0)


def test_unknown_pipeline_shape_is_not_accelerated(registry):
    from sklearn.pipeline import Pipeline

    model = registry.load("iceout_doy").model
    odd = type(model)(pipeline=model.pipeline, level=model.level)
    odd.pipeline_ = Pipeline([("only", model.pipeline_.steps[1][1])])
    assert FastPredictor.from_model(odd) is None
