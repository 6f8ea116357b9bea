"""Reusable layout pieces: chart cards with export/embed actions, key-figure cards, alerts."""
from __future__ import annotations

import html as html_escape
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import Output, dcc, html

from model_client import ApiTimeout, ApiUnavailable, InvalidRequest, LakeApiError, NotFound, ServerError

from . import figures
from .charts import ChartParamError, ChartResult
from .ids import Chart
from .settings import DashboardSettings


def graph_config(filename: str, ds: DashboardSettings) -> dict:
    """Mode bar: PNG at a print-friendly size with a meaningful file name; no Plotly logo."""
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "filename": filename, "width": ds.image_width,
                                 "height": ds.image_height, "scale": ds.image_scale},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def chart_card(cid: str, title: str, *, embeddable: bool = True, height: int = 420, controls=None,
               description: str | None = None, values: tuple | None = None) -> dbc.Card:
    """A titled card: optional controls, notes, the graph (with a loading spinner), export and embed actions.
    ``values``: the ``chart_values`` tuple when the layout already has the chart (else a callback fills it)."""
    figure, config, notes, href, snippet, meta = values or (
        figures.no_data_figure("Loading..."), {"displaylogo": False}, None, "#", "", None)
    actions = [
        dbc.Button("SVG", id=Chart.svg_button(cid), size="sm", color="secondary", outline=True,
                   title="Download this chart as SVG (vector, for reports)", className="me-1"),
        html.A("HTML", id=Chart.html(cid), href=href, className="btn btn-sm btn-outline-secondary me-1",
               title="Download this chart as a standalone interactive HTML file (works offline)"),
    ]
    body = [
        html.P(description, className="text-body-secondary small mb-2") if description else None,
        controls,
        html.Div(notes, id=Chart.notes(cid)),
        dcc.Loading(dcc.Graph(id=Chart.graph(cid), figure=figure, style={"height": f"{height}px"}, config=config),
                    type="circle", delay_show=200),
        html.Div(actions, className="d-flex flex-wrap align-items-center mt-2 chart-actions"),
        dcc.Store(id=Chart.svg_meta(cid), data=meta),
    ]
    if embeddable:
        body.append(html.Details([
            html.Summary("Embed this chart", className="small"),
            dbc.Label("Copy this snippet into a web page:", html_for=Chart.embed(cid), className="small mt-1"),
            html.Div([
                dcc.Textarea(id=Chart.embed(cid), readOnly=True, className="form-control form-control-sm embed-snippet",
                             rows=3, value=snippet),
                dcc.Clipboard(target_id=Chart.embed(cid), title="Copy the snippet", className="copy-button"),
            ], className="d-flex gap-1 align-items-start"),
        ], className="mt-2"))
    return dbc.Card([dbc.CardHeader(html.H2(title, className="h6 mb-0")),
                     dbc.CardBody([b for b in body if b is not None])], className="mb-3 chart-card")


def chart_outputs(cid: str) -> list[Output]:
    """The outputs a callback fills for one chart card (see ``chart_values``)."""
    return [Output(Chart.graph(cid), "figure"), Output(Chart.graph(cid), "config"), Output(Chart.notes(cid), "children"),
            Output(Chart.html(cid), "href"), Output(Chart.embed(cid), "value"), Output(Chart.svg_meta(cid), "data")]


def share_query(chart: str, query: dict) -> str:
    clean = {k: (",".join(v) if isinstance(v, (list, tuple)) else v) for k, v in query.items()
             if v not in (None, "", [], False)}
    return urlencode({k: ("true" if v is True else v) for k, v in clean.items()})


def embed_snippet(base: str, chart: str, query: dict, title: str, height: int = 480) -> str:
    src = f"{base}/embed/{chart}?{share_query(chart, query)}"
    return (f'<iframe src="{html_escape.escape(src)}" title="{html_escape.escape(title)}" width="100%" '
            f'height="{height}" style="border:0" loading="lazy"></iframe>')


def chart_values(cid: str, chart: str, result: ChartResult, query: dict, base: str, ds: DashboardSettings) -> tuple:
    """Values for ``chart_outputs(cid)`` from a built chart."""
    notes = [dbc.Alert(n, color="warning", className="py-1 px-2 small mb-2") for n in result.notes]
    notes += [html.P(r, className="small text-body-secondary mb-1 chart-remark") for r in result.remarks]
    qs = share_query(chart, query)
    return (result.figure, graph_config(result.filename, ds), notes, f"/download/{chart}.html?{qs}",
            embed_snippet(base, chart, query, result.title),
            {"graph": Chart.graph(cid), "filename": result.filename, "width": ds.image_width,
             "height": ds.image_height})


def chart_error_values(exc: Exception, template: str, ds: DashboardSettings) -> tuple:
    """Values for ``chart_outputs`` when the chart could not be built: a figure saying why, and an alert."""
    message = error_message(exc)
    return (figures.no_data_figure(message.split(":")[0], template), {"displaylogo": False},
            error_alert(exc), "#", "", None)


def error_message(exc: Exception) -> str:
    """A sentence for a person, from a typed client error (never a traceback)."""
    if isinstance(exc, ApiUnavailable):
        return "The model API is not reachable right now: this part will come back when it does"
    if isinstance(exc, ApiTimeout):
        return "The model API is too slow to answer right now: try again in a moment"
    if isinstance(exc, NotFound):
        return f"Not found: {exc}"
    if isinstance(exc, ChartParamError):
        return f"Invalid selection: {exc}"
    if isinstance(exc, InvalidRequest):
        detail = "; ".join(str(d) for d in exc.detail)
        return f"The API rejected the request: {exc}" + (f" ({detail})" if detail else "")
    if isinstance(exc, ServerError):
        return f"The model API had a problem: {exc}"
    if isinstance(exc, LakeApiError):
        return f"Unexpected answer from the model API: {exc}"
    return "Something went wrong while building this view"


def error_alert(exc: Exception, **kwargs) -> dbc.Alert:
    color = "danger" if isinstance(exc, (ApiUnavailable, ApiTimeout, ServerError)) else "warning"
    return dbc.Alert(error_message(exc), color=color, className="api-error small", **kwargs)


def kpi_card(value_id: str, label: str) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.Div("-", id=value_id, className="kpi-value h3 mb-0"),
        html.Div(label, className="kpi-label small text-body-secondary"),
    ]), className="kpi-card h-100")


def info_alert(text: str) -> dbc.Alert:
    """An empty state that says why (not an error)."""
    return dbc.Alert(text, color="info", className="small empty-state")
