"""Admin: reload the production models without a restart (API key required)."""
from __future__ import annotations

import hmac

from flask import Blueprint, jsonify, request

from ..errors import Forbidden, Unauthorized
from ..routing import api_route
from ..schemas import ReloadResponse
from .common import api_settings, state

bp = Blueprint("admin", __name__, url_prefix="/v1/admin")


def _presented_key() -> str | None:
    key = request.headers.get("X-API-Key")
    if key:
        return key
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return None


def require_admin() -> None:
    """401 without a key, 403 with a wrong one (or when no key is configured at all)."""
    configured = api_settings().api_key
    presented = _presented_key()
    if presented is None:
        raise Unauthorized("API key required: send it in the X-API-Key header",
                           [{"loc": ["header", "X-API-Key"], "msg": "missing"}])
    if not configured:
        raise Forbidden("admin API disabled: no api key configured (LAKES_API_KEY)")
    if not hmac.compare_digest(presented.encode(), configured.encode()):
        raise Forbidden("invalid API key", [{"loc": ["header", "X-API-Key"], "msg": "invalid"}])


@api_route(bp, "/reload", "POST", summary="Load new production versions now (all workers follow)",
           tags=["admin"], response=ReloadResponse, errors=(401, 403), security=True)
def reload():
    """Reload in this worker, then signal the other workers (they watch the signal file).

    A new version is loaded and smoke-tested before it replaces the served one; a refused
    version is reported here and in /health/ready while the previous version keeps serving.
    """
    require_admin()
    svc = state()
    result = svc.reload()
    svc.publish_signal()
    snap = result.snapshot
    return jsonify({"models": snap.versions, "loaded": result.loaded, "refused": result.refused,
                    "data_checksum": snap.data_checksum, "data_reloaded": result.data_reloaded})
