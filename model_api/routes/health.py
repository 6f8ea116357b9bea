"""Liveness, readiness, the cheap cache token, Prometheus metrics."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..routing import api_route
from ..schemas import Live, Ready, StateBody
from .common import snapshot, state

bp = Blueprint("health", __name__)


@api_route(bp, "/health/live", summary="Process is up", tags=["health"], response=Live)
def live():
    return jsonify({"status": "ok"})


@api_route(bp, "/health/ready", summary="Data and every configured model loaded", tags=["health"],
           response=Ready, errors=(503,))
def ready():
    """503 until data and all models serve; a refused newer version is listed but still 200."""
    snap = snapshot()
    configured = state().configured
    if snap.ready(configured):
        body = {"status": "ready", "models": snap.versions, "data_checksum": snap.data_checksum}
        if snap.refused:
            body["refused"] = {name: r["reason"] for name, r in snap.refused.items()}
        return jsonify(body)
    reasons = dict(snap.reasons)
    if snap.tables is None:
        reasons["data"] = snap.data_error or "not loaded"
    resp = jsonify({"status": "not ready", "reasons": reasons, "models": snap.versions})
    resp.status_code = 503
    return resp


@api_route(bp, "/v1/state", summary="Served model versions and data checksum (cache key)",
           tags=["health"], response=StateBody)
def state_token():
    snap = snapshot()
    return jsonify({"models": snap.versions, "data_checksum": snap.data_checksum, "token": snap.token})


@api_route(bp, "/metrics", summary="Prometheus metrics", tags=["health"], response_media="text/plain")
def metrics():
    body, content_type = current_app.extensions["lakes_metrics"].render()
    return current_app.response_class(body, content_type=content_type)


