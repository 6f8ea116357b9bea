"""Flask routes for sharing: ``/embed/<chart>`` (the chart alone, filling its iframe) and
``/download/<chart>.html`` (a standalone interactive file with plotly.js inlined, so it works offline).

Bad input answers with a status and a JSON body ``{"error", "detail"}``, like the model API.
"""
from __future__ import annotations

import functools
import html

import flask
import plotly
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from model_client import ApiTimeout, ApiUnavailable, BadResponse, LakeApiError, ServerError

from .charts import ChartParamError, build_chart
from .components import error_message, graph_config
from .context import current

#: plotly.js served by this app (the version in the name busts caches on upgrade; plotly's to_html
#: takes a string ending in ".js" as a script URL).
PLOTLY_JS_PATH = f"/embed/plotly-{plotly.__version__}.min.js"
_FILL_STYLE = "html,body{height:100%;margin:0;padding:0}"

bp = flask.Blueprint("lake_embed", __name__)


@functools.lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    return get_plotlyjs().encode()


def _json_error(status: int, message: str, detail: list | None = None) -> flask.Response:
    response = flask.jsonify({"error": message, "detail": detail or []})
    response.status_code = status
    return response


def _status_for(exc: LakeApiError) -> int:
    if isinstance(exc, (ApiUnavailable, ApiTimeout, ServerError)):
        return 503
    if isinstance(exc, BadResponse):
        return 502
    return exc.status if exc.status and 400 <= exc.status < 500 else 502


def _document(fig: go.Figure, title: str, config: dict, plotlyjs) -> str:
    """A full HTML page holding only the figure, sized to the window (i.e. to its iframe)."""
    fig = go.Figure(fig)
    fig.update_layout(autosize=True, height=None, width=None)
    page = fig.to_html(full_html=True, include_plotlyjs=plotlyjs, config={**config, "responsive": True},
                       default_width="100%", default_height="100%")
    head = (f'<head>\n    <meta name="viewport" content="width=device-width, initial-scale=1" />'
            f"<title>{html.escape(title)}</title><style>{_FILL_STYLE}</style>")
    return page.replace("<html>", '<html lang="en">', 1).replace("<head>", head, 1)


def _build(chart: str):
    ctx = current()
    return build_chart(chart, ctx.client, flask.request.args.to_dict(), ctx.dash), ctx


@bp.get("/embed/plotly-<version>.min.js")
def plotly_js(version: str):
    response = flask.Response(_plotly_js(), mimetype="application/javascript")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if version == plotly.__version__ \
        else "no-cache"
    response.headers["ETag"] = f'"plotly-{plotly.__version__}"'
    return response


@bp.errorhandler(ChartParamError)
def _bad_chart_params(exc: ChartParamError) -> flask.Response:
    return _json_error(exc.status, str(exc), exc.detail)


@bp.errorhandler(LakeApiError)
def _api_failed(exc: LakeApiError) -> flask.Response:
    return _json_error(_status_for(exc), error_message(exc))


@bp.get("/embed/<chart>")
def embed(chart: str):
    result, ctx = _build(chart)
    page = _document(result.figure, result.title, graph_config(result.filename, ctx.dash),
                     PLOTLY_JS_PATH)
    return flask.Response(page, mimetype="text/html")


@bp.get("/download/<chart>.html")
def download(chart: str):
    result, ctx = _build(chart)
    page = _document(result.figure, result.title, graph_config(result.filename, ctx.dash), True)
    response = flask.Response(page, mimetype="text/html")
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}.html"'
    return response
