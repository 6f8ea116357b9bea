"""Forecasts for one lake and the property-value what-if scenario (lakemodel.forecast)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from ..errors import NotFound, Unprocessable
from ..lakedata import records
from ..routing import api_route
from ..schemas import (ForecastQuery, ForecastResponse, ModelValuesQuery, ModelValuesResponse, ScenarioRequest,
                       ScenarioResponse)
from ..serving import FastModelView
from .common import api_settings, require_lakes, require_model, snapshot
from .lakes import LAKE_ID, find_lake

bp = Blueprint("scenarios", __name__, url_prefix="/v1")


def _forecast_errors(exc: Exception, lake_id: str):
    from lakemodel.forecast import ForecastError, UnknownLakeError

    if isinstance(exc, UnknownLakeError):
        return NotFound(f"lake {lake_id!r} not found", [{"loc": ["path", "lake_id"], "msg": str(exc)}])
    if isinstance(exc, ForecastError):
        return Unprocessable(str(exc), [{"loc": ["lake_id"], "msg": str(exc)}])
    return None


@api_route(bp, "/lakes/<lake_id>/forecast", summary="Forecast Secchi depth or ice-out for the next years",
           tags=["forecasts"], query=ForecastQuery, response=ForecastResponse, errors=(404, 422, 503),
           cacheable=True, path_params=LAKE_ID)
def forecast(lake_id: str, query: ForecastQuery):
    from lakemodel.forecast import forecast_iceout, forecast_secchi

    limit = api_settings().forecast_max_horizon
    if query.horizon > limit:
        raise Unprocessable("invalid query parameters", [
            {"loc": ["query", "horizon"], "msg": f"Input should be less than or equal to {limit}"}])
    snap = snapshot()
    lakes = require_lakes(snap)
    lake_id = lakes.summary(find_lake(lakes, lake_id))["lake_id"]
    served = require_model(snap, query.model)
    fn = forecast_secchi if query.model == "secchi_forecast" else forecast_iceout
    try:
        result = fn(FastModelView(served), snap.tables, lake_id, query.horizon)
    except Exception as exc:
        mapped = _forecast_errors(exc, lake_id)
        if mapped is None:
            raise
        raise mapped from None
    cols = ["year", "value", "lower", "upper"]
    return jsonify({
        "lake_id": lake_id, "model": served.name, "version": served.version, "unit": result.unit,
        "interval_level": result.interval_level,
        "observed": records(result.observed, ["year", "value"]),
        "fitted": records(result.fitted, cols), "forecast": records(result.forecast, cols),
    })


@api_route(bp, "/lakes/<lake_id>/model-values", summary="A model's value for every year the lake was observed",
           tags=["forecasts"], query=ModelValuesQuery, response=ModelValuesResponse, errors=(404, 422, 503),
           cacheable=True, path_params=LAKE_ID)
def model_values(lake_id: str, query: ModelValuesQuery):
    """One batch prediction for the lake's observed years; years lacking a required feature are listed
    in ``skipped`` with the reason instead of failing the whole answer."""
    from lakemodel.forecast import model_values as compute

    snap = snapshot()
    lakes = require_lakes(snap)
    lake_id = lakes.summary(find_lake(lakes, lake_id))["lake_id"]
    served = require_model(snap, query.model)
    try:
        result = compute(FastModelView(served), snap.tables, lake_id)
    except Exception as exc:
        mapped = _forecast_errors(exc, lake_id)
        if mapped is None:
            raise
        raise mapped from None
    return jsonify({
        "lake_id": lake_id, "model": served.name, "version": served.version, "target": result.target,
        "unit": result.unit, "interval_level": result.interval_level,
        "values": records(result.values, ["year", "observed", "value", "lower", "upper"]),
        "skipped": result.skipped,
    })


@api_route(bp, "/scenarios/property-value", "POST", summary="What clearer water is worth: property value scenario",
           tags=["forecasts"], body=ScenarioRequest, response=ScenarioResponse, errors=(404, 422, 503))
def property_value(body: ScenarioRequest):
    from lakemodel.forecast import property_value_scenario

    snap = snapshot()
    lakes = require_lakes(snap)
    pos = lakes.position(body.lake_id)
    if pos is None:
        raise NotFound(f"lake {body.lake_id!r} not found", [{"loc": ["body", "lake_id"], "msg": "unknown lake"}])
    lake_id = lakes.summary(pos)["lake_id"]
    served = require_model(snap, "property_value")
    try:
        result = property_value_scenario(FastModelView(served), snap.tables, lake_id, body.year,
                                         secchi_mean_m=body.secchi_mean_m,
                                         phosphorus_mean_mg_l=body.phosphorus_mean_mg_l)
    except Exception as exc:
        mapped = _forecast_errors(exc, lake_id)
        if mapped is None:
            raise
        raise mapped from None
    g.model_name, g.model_version = served.name, served.version
    return jsonify(result)
