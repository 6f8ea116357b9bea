"""``create_dash_app(settings)``: the Dash app with its pages, callbacks, routes and headers.

Nothing happens at import time: the app, its API client (memoized in a flask-caching Cache on
this server) and its context are built here, so tests and gunicorn workers each build their own.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import dash
import flask
from dash import State, set_props
from werkzeug.exceptions import HTTPException

from lakemodel.settings import PROJECT_ROOT, Settings
from model_client.caching import make_cached_client

from . import context, embed, layout
from .callbacks import register_all
from .ids import Shell
from .security import install_security_headers
from .timing import install_server_timing
from .settings import DashboardSettings, load_dashboard_settings

log = logging.getLogger(__name__)

PAGES_FOLDER = Path(__file__).resolve().parent / "pages"
ASSETS_FOLDER = PROJECT_ROOT / "assets"
BOOTSTRAP_CSS = "/assets/vendor/bootstrap.min.css"   # served locally: no CDN is reachable offline


def _on_callback_error(err: Exception) -> None:
    """Last resort for an unexpected callback failure: log it, show a generic banner, keep the page."""
    log.exception("callback failed", exc_info=err)
    set_props(Shell.ERROR_ALERT, {"is_open": True,
                                  "children": "Something went wrong while updating this view. "
                                              "Other parts of the page still work; try another selection."})


def _install_error_handler(server: flask.Flask) -> None:
    @server.errorhandler(Exception)
    def _error(exc: Exception):
        if isinstance(exc, HTTPException):
            response = flask.jsonify({"error": exc.description or exc.name, "detail": []})
            response.status_code = exc.code or 500
            return response
        log.exception("unhandled error on %s", flask.request.path, exc_info=exc)
        response = flask.jsonify({"error": "internal error", "detail": []})
        response.status_code = 500
        return response


def create_dash_app(settings: Settings, *, env: Mapping[str, str] | None = None, client=None,
                    dash_settings: DashboardSettings | None = None) -> dash.Dash:
    """Build the dashboard. ``client``: a ready ``LakeApiClient`` (else built from ``[client]``);
    either way it is memoized in a flask-caching Cache on the app's server."""
    ds = dash_settings or load_dashboard_settings(settings, env)
    server = flask.Flask("dashboard", root_path=str(PROJECT_ROOT))
    app = dash.Dash(
        "dashboard",
        server=server,
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        assets_folder=str(ASSETS_FOLDER),
        assets_ignore=r"vendor/.*",
        external_stylesheets=[BOOTSTRAP_CSS],
        title=ds.title,
        update_title=None,
        suppress_callback_exceptions=True,
        compress=ds.compress,
        serve_locally=True,
        on_error=_on_callback_error,
        # Page layouts get the stored theme, so a page can be rendered whole (charts included) at once.
        routing_callback_inputs={"theme": State(Shell.THEME_STORE, "data")},
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],  # descriptions: pages/
    )
    app.index_string = layout.INDEX_STRING
    app.layout = layout.shell(ds)
    cached = make_cached_client(server, settings, env, client=client)
    context.install(server, context.DashboardContext(settings=settings, dash=ds, client=cached))
    server.register_blueprint(embed.bp)
    install_security_headers(server, ds.frame_ancestors)
    install_server_timing(server)
    _install_error_handler(server)
    register_all(app, cached, ds)
    return app
