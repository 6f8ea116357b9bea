"""The original lakeModel API, kept working: GET /health, GET /version, POST /v1/predict/lakePrediction.

Same payload (a JSON list of records keyed by the original column names, i.e. the manifest's
``original_name``), same answer shape as the original Flask service: ``predictions`` holds the
valid rows' predictions in order (rows with errors are left out, as the original did), ``errors``
is null or ``{"<row index>": {"<field>": ["message", ...]}}`` like its marshmallow messages.
Unknown keys are ignored, as marshmallow did.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from ..errors import Unprocessable
from ..routing import api_route, json_body
from ..schemas import CompatResponse, VersionBody
from .common import api_settings, require_model, snapshot
from .models import predict_rows

bp = Blueprint("compat", __name__)
COMPAT_MODEL = "property_value"

_ORIGINAL_BODY = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "additionalProperties": {
        "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]}},
    "description": "records keyed by the original column names (Mean_log_phosphorus, MAJOR_WATERSHED, ...)",
}


@api_route(bp, "/health", summary="Original API: health (plain text 'ok')", tags=["original API"],
           response_media="text/plain")
def health():
    return current_app.response_class("ok", mimetype="text/plain")


@api_route(bp, "/version", summary="Original API: model and API versions", tags=["original API"],
           response=VersionBody)
def version():
    model = snapshot().models.get(COMPAT_MODEL)
    return jsonify({"model_version": model.version if model else None,
                    "api_version": api_settings().api_version})


@api_route(bp, "/v1/predict/lakePrediction", "POST", summary="Original API: predict median sale value",
           tags=["original API"], body_schema=_ORIGINAL_BODY, response=CompatResponse,
           errors=(400, 413, 415, 422, 503))
def lake_prediction():
    payload = json_body()
    if isinstance(payload, dict):
        payload = [payload]  # a single record is accepted as a batch of one
    if not isinstance(payload, list) or not payload:
        raise Unprocessable("invalid request body", [{"loc": ["body"], "msg": "expected a non-empty JSON list of records"}])
    limit = api_settings().max_rows
    if len(payload) > limit:
        raise Unprocessable("too many rows", [{"loc": ["body"], "msg": f"at most {limit} records per request"}])
    model = require_model(snapshot(), COMPAT_MODEL)
    results, _, n_err = predict_rows(model, payload, loc=("body",), original_names=True, ignore_unknown=True)
    predictions = [r["value"] for r in results if "errors" not in r]
    errors = None
    if n_err:
        errors = {}
        for r in results:
            for err in r.get("errors", []):
                field = str(err["loc"][2]) if len(err["loc"]) > 2 else "_schema"
                errors.setdefault(str(r["index"]), {}).setdefault(field, []).append(err["msg"])
    g.model_name, g.model_version = model.name, model.version
    return jsonify({"predictions": predictions, "version": model.version, "errors": errors})
