"""Predict page layout: the what-if (lake, year, sliders from the URL) and the batch upload."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dash_table, dcc, html

from model_client import LakeApiError

from .. import batch, data
from ..context import current
from ..ids import Predict as ids
from .common import as_float, as_int


def _slider(cid: str, bounds: tuple[float, float, float], value, marks_fmt: str) -> dcc.Slider:
    low, high, step = bounds
    marks = {round(low + (high - low) * i / 4, 4): marks_fmt.format(low + (high - low) * i / 4) for i in range(5)}
    return dcc.Slider(low, high, step, value=value, id=cid, marks=marks, updatemode="mouseup",
                      allow_direct_input=True)


def upload_help(client) -> list:
    """The batch help text, with real feature names (new and original) from the property-value manifest."""
    try:
        examples = batch.name_examples(client.model(data.VALUE_MODEL).features)
    except LakeApiError:
        examples = []
    models_link = dcc.Link("Models page", href="/models")
    if not examples:
        return ["Upload a CSV or JSON file of feature rows, with the original lakeModel column names or the new "
                "names (both listed for every feature on the ", models_link, ", property_value, Features). "
                "Each row gets a predicted median sale value or the reason it could not."]

    def codes(names):
        out = []
        for i, name in enumerate(names):
            out += ([", "] if i else []) + [html.Code(name)]
        return out

    return ["Upload a CSV or JSON file of feature rows, with the original lakeModel column names such as ",
            *codes([o for _, o in examples]), " or the new names such as ", *codes([n for n, _ in examples]),
            ". Every feature with both names is listed on the ", models_link, " (property_value, Features). "
            "Each row gets a predicted median sale value or the reason it could not."]


def default_selection(client) -> tuple[str | None, int | None]:
    """A first-time visitor (no lake in the URL) sees a prediction at once; None when the API cannot say."""
    try:
        chosen = data.default_scenario(client)
    except LakeApiError:
        chosen = None
    return chosen if chosen else (None, None)


def layout(lake=None, year=None, secchi=None, phosphorus=None, **_):
    ctx = current()
    ds = ctx.dash
    secchi_v = as_float(secchi, None)
    phos_v = as_float(phosphorus, None)
    year_v = as_int(year, None)
    if not lake:
        lake, year_v = default_selection(ctx.client)
    initial = {"lake": lake, "year": year_v, "secchi": secchi_v, "phosphorus": phos_v}
    whatif = dbc.Card([
        dbc.CardHeader(html.H2("What if the water were clearer?", className="h6 mb-0")),
        dbc.CardBody([
            html.P("Pick a lake and a year, then move the sliders: the property-value model predicts the median "
                   "sale value of nearby properties under those water-quality conditions.",
                   className="text-body-secondary small"),
            dbc.Row([
                dbc.Col([dbc.Label("Lake", html_for=ids.LAKE, className="small mb-1"),
                         dcc.Dropdown([{"label": lake, "value": lake}] if lake else [], lake, id=ids.LAKE,
                                      placeholder="Lakes with property data")], md=8, className="mb-2"),
                dbc.Col([dbc.Label("Year", html_for=ids.YEAR, className="small mb-1"),
                         dcc.Dropdown([{"label": str(initial["year"]), "value": initial["year"]}]
                                      if initial["year"] else [], initial["year"], id=ids.YEAR, clearable=False)],
                        md=4, className="mb-2"),
            ]),
            html.Div([dbc.Label("Secchi depth (m): higher is clearer", html_for=ids.SECCHI, className="small"),
                      _slider(ids.SECCHI, ds.secchi_slider_m, secchi_v, "{:.1f} m")], className="mb-4"),
            html.Div([dbc.Label("Total phosphorus (mg/L): lower is better", html_for=ids.PHOSPHORUS,
                                className="small"),
                      _slider(ids.PHOSPHORUS, ds.phosphorus_slider_mg_l, phos_v, "{:.2f}")], className="mb-4"),
            html.Div(id=ids.ALERT),
            dcc.Loading(html.Div(id=ids.RESULT, className="predict-result"), type="circle", delay_show=200),
        ]),
    ], className="mb-3")
    batch = dbc.Card([
        dbc.CardHeader(html.H2("Batch prediction from a file", className="h6 mb-0")),
        dbc.CardBody([
            html.P(upload_help(ctx.client), className="text-body-secondary small", id=ids.UPLOAD_HELP),
            dcc.Upload(id=ids.UPLOAD, children=html.Div(["Drag a file here or ", html.A("choose a file")]),
                       className="upload-zone", max_size=ds.max_upload_bytes, multiple=False,
                       accept=".csv,.json,text/csv,application/json"),
            html.Div(id=ids.UPLOAD_ALERT, className="mt-2"),
            dcc.Store(id=ids.BATCH_STORE),
            dcc.Loading(dash_table.DataTable(id=ids.BATCH_TABLE, data=[], columns=[], page_size=15,
                                             style_table={"overflowX": "auto"},
                                             style_cell={"textAlign": "left", "fontFamily": "var(--bs-body-font-family)",
                                                         "fontSize": "0.85rem"}),
                        type="circle", delay_show=200),
            dbc.Button("Download predictions (CSV)", id=ids.BATCH_DOWNLOAD_BUTTON, color="primary", outline=True,
                       size="sm", className="mt-2", disabled=True),
            dcc.Download(id=ids.BATCH_DOWNLOAD),
        ]),
    ], className="mb-3")
    return html.Div([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.INITIAL, data=initial),
        html.H1("Predict property values", className="h3"),
        dbc.Row([dbc.Col(whatif, lg=6), dbc.Col(batch, lg=6)]),
    ])
