"""/openapi.json and /docs: Swagger UI served from the vendored swagger-ui-bundle package (no CDN)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_from_directory

from ..errors import NotFound
from ..openapi import build_spec
from ..routing import api_route
from .common import api_settings, state

bp = Blueprint("docs", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lake model API - docs</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout",
  validatorUrl: null});
</script></body></html>
"""
_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"}


@api_route(bp, "/openapi.json", summary="This OpenAPI 3 description", tags=["docs"])
def openapi():
    spec = current_app.extensions.get("lakes_openapi")
    if spec is None:
        spec = build_spec(api_settings().api_version, state().configured)
        current_app.extensions["lakes_openapi"] = spec
    return jsonify(spec)


@api_route(bp, "/docs", summary="Interactive API docs (offline Swagger UI)", tags=["docs"], response_media="text/html")
def docs():
    return current_app.response_class(_PAGE, mimetype="text/html")


@bp.route("/docs/static/<path:filename>")
def docs_static(filename: str):
    from swagger_ui_bundle import swagger_ui_path

    if filename not in _ASSETS:
        raise NotFound(f"no such docs asset: {filename}")
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)
