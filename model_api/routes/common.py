"""Helpers shared by the route modules: the request's snapshot, settings, readiness guards."""
from __future__ import annotations

from flask import current_app, g

from ..errors import NotFound, NotReady
from ..settings import ApiSettings
from ..state import ServiceState, Snapshot


def snapshot() -> Snapshot:
    return g.snapshot


def state() -> ServiceState:
    return current_app.extensions["lakes_state"]


def api_settings() -> ApiSettings:
    return current_app.extensions["lakes_api_settings"]


def require_lakes(snap: Snapshot):
    if snap.lakes is None:
        raise NotReady(f"lake data is not loaded: {snap.data_error}")
    return snap.lakes


def require_model(snap: Snapshot, name: str):
    """The served model ``name``: 404 if not configured, 503 if configured but not loaded."""
    model = snap.models.get(name)
    if model is not None:
        g.model_name, g.model_version = name, model.version
        return model
    configured = state().configured
    if name not in configured:
        raise NotFound(f"unknown model {name!r}; known: {', '.join(configured)}",
                       [{"loc": ["path", "name"], "msg": "unknown model"}])
    raise NotReady(f"model {name!r} is not loaded: {snap.reasons.get(name, 'unknown reason')}")
