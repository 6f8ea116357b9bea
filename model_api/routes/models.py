"""Model metadata and batch prediction."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from ..errors import Unprocessable
from ..routing import api_route
from ..schemas import ModelInfo, ModelList, PredictRequest, PredictResponse
from ..validation import finite_or_none, validate_rows
from .common import api_settings, require_model, snapshot, state

bp = Blueprint("models", __name__, url_prefix="/v1")
NAME = {"name": "model name (property_value, secchi_forecast, iceout_doy)"}


@api_route(bp, "/models", summary="Served models with metrics and feature schemas", tags=["models"],
           response=ModelList, cacheable=True)
def list_models():
    snap = snapshot()
    return jsonify({"models": [snap.models[n].info() for n in state().configured if n in snap.models]})


@api_route(bp, "/models/<name>", summary="One served model: manifest, metrics, feature schema",
           tags=["models"], response=ModelInfo, errors=(404, 503), cacheable=True, path_params=NAME)
def get_model(name: str):
    return jsonify(require_model(snapshot(), name).info())


def predict_rows(model, rows: list, **kwargs):
    """Validate and predict; returns (per-row results in request order, n_predicted, n_errors)."""
    checked = validate_rows(rows, model.features, **kwargs)
    value, lower, upper = model.predict_columns(checked.columns, len(checked.valid))
    current_app.extensions["lakes_metrics"].predictions.labels(model.name).inc(len(checked.valid))
    values, lowers, uppers = finite_or_none(value), finite_or_none(lower), finite_or_none(upper)
    results: list[dict | None] = [None] * checked.n
    for k, i in enumerate(checked.valid.tolist()):
        row = {"index": i, "value": values[k], "lower": lowers[k] if lowers else None,
               "upper": uppers[k] if uppers else None, "imputed": checked.imputed[k]}
        if i in checked.warnings:
            row["warnings"] = checked.warnings[i]
        results[i] = row
    for i, errs in checked.errors.items():
        results[i] = {"index": i, "value": None, "errors": errs}
    return results, len(checked.valid), len(checked.errors)


@api_route(bp, "/models/<name>/predict", "POST", summary="Predict a batch of rows", tags=["models"],
           body=PredictRequest, response=PredictResponse, errors=(400, 404, 413, 415, 422, 503),
           path_params=NAME)
def predict(name: str, body: PredictRequest):
    model = require_model(snapshot(), name)
    limit = api_settings().max_rows
    if len(body.rows) > limit:
        raise Unprocessable("too many rows", [{"loc": ["body", "rows"],
                                               "msg": f"at most {limit} rows per request, got {len(body.rows)}"}])
    results, n_ok, n_err = predict_rows(model, body.rows)
    g.model_name, g.model_version = model.name, model.version
    return jsonify({"model": model.name, "version": model.version, "unit": model.unit,
                    "interval_level": model.interval_level, "n_predicted": n_ok, "n_errors": n_err,
                    "predictions": results})
