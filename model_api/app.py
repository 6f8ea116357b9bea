"""Application factory: ``create_app(settings)`` builds the Flask app; nothing happens at import."""
from __future__ import annotations

import time

from flask import Flask, g, request

from lakemodel.settings import Settings

from .errors import register_error_handlers
from .jsonio import OrjsonProvider
from .settings import ApiSettings, load_api_settings
from .state import ServiceState


def create_app(settings: Settings, api: ApiSettings | None = None, *, state: ServiceState | None = None,
               load: bool = True, background: bool = True, metrics_dir: str | None = None) -> Flask:
    """Build the API for ``settings``.

    ``load`` reads data and models now (a worker is useful only once loaded; readiness reports
    what failed); ``background`` starts the thread that follows reload signals and polling.
    """
    from . import metrics as metrics_mod
    from .logs import configure_logging, log_request
    from .routes import register_blueprints

    api = api or load_api_settings(settings)
    app = Flask("model_api")
    app.config["MAX_CONTENT_LENGTH"] = api.max_content_length
    app.json = OrjsonProvider(app)
    app.url_map.strict_slashes = False
    state = state or ServiceState(settings, api)
    app.extensions["lakes_state"] = state
    app.extensions["lakes_api_settings"] = api
    app.extensions["lakes_settings"] = settings
    configure_logging(api)
    metrics = metrics_mod.Metrics(metrics_dir)
    app.extensions["lakes_metrics"] = metrics

    register_error_handlers(app)
    register_blueprints(app)

    @app.before_request
    def _start():
        g.t0 = time.perf_counter()
        g.snapshot = state.current()  # one snapshot per request, even across a swap
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        op = getattr(view, "operation", None)
        g.operation = op
        if op is not None and op.cacheable and request.method in ("GET", "HEAD"):
            etag = f'"{g.snapshot.token}"'
            if etag in request.headers.get("If-None-Match", "") or request.headers.get("If-None-Match") == "*":
                resp = app.response_class(status=304)
                _cache_headers(resp, etag, api)
                return resp

    @app.after_request
    def _finish(resp):
        op = getattr(g, "operation", None)
        if op is not None and op.cacheable and resp.status_code == 200:
            _cache_headers(resp, f'"{g.snapshot.token}"', api)
        duration = time.perf_counter() - g.get("t0", time.perf_counter())
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        metrics.observe(request.method, route, resp.status_code, duration)
        if api.access_log:
            log_request(request.method, request.path, resp.status_code, duration * 1000.0,
                        g.get("model_version"), g.get("model_name"))
        return resp

    if load:
        state.reload()
    if background:
        state.start_watcher()
    return app


def _cache_headers(resp, etag: str, api: ApiSettings) -> None:
    resp.headers["ETag"] = etag
    resp.headers["Cache-Control"] = f"public, max-age={api.cache_max_age_s}"
