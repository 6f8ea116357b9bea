"""Lake page layout: the lake id comes from the path, the benchmark metric from the query."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from ..components import chart_card
from ..context import current
from ..ids import Lake as ids
from ..data import normalize_lake_id
from ..lakepage import lake_content
from ..metrics import NUMERIC_METRICS, metric_info


def title(lake_id=None, **_):
    return f"Lake {lake_id}" if lake_id else "Lake"


def layout(lake_id=None, metric=None, theme=None, **_):
    """The whole page for one lake, charts included: rendered on navigation in one round trip
    (``theme`` comes from the browser's stored choice via the router's extra inputs)."""
    metric = metric if metric in NUMERIC_METRICS else "secchi_mean_m"
    ctx = current()
    content = lake_content(ctx.client, ctx.dash, lake_id, theme, ctx.public_base(), metric) if lake_id else {}
    heading, facts, trend, alert = content.get("header") or (f"Lake {lake_id or ''}", None, None, None)
    benchmark_control = dbc.Row([
        dbc.Col(dbc.Label("Metric", html_for=ids.BENCHMARK_METRIC, className="small mb-0"), width="auto",
                className="d-flex align-items-center"),
        dbc.Col(dcc.Dropdown([{"label": metric_info(m).axis_title, "value": m} for m in NUMERIC_METRICS], metric,
                             id=ids.BENCHMARK_METRIC, clearable=False), xs=12, sm=8, md=6),
    ], className="g-2 mb-2")
    return html.Div([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.STORE, data=normalize_lake_id(lake_id) or lake_id),
        dbc.Row([
            dbc.Col(html.H1(id=ids.FACTS + "-name", children=heading, className="h3"), md=7),
            dbc.Col([dbc.Label("Open another lake", html_for=ids.SELECT, className="small mb-1"),
                     dcc.Dropdown([{"label": lake_id, "value": lake_id}] if lake_id else [], lake_id, id=ids.SELECT,
                                  placeholder="Type a lake name or DOW id",
                                  clearable=False)], md=5),
        ], className="mb-2"),
        html.Div(alert, id=ids.ALERT),
        dbc.Row([
            dbc.Col(dbc.Card([dbc.CardHeader(html.H2("Facts", className="h6 mb-0")),
                              dbc.CardBody(dcc.Loading(html.Div(facts, id=ids.FACTS), type="circle",
                                                       delay_show=200))],
                             className="mb-3 h-100"), lg=5),
            dbc.Col(dbc.Card([dbc.CardHeader(html.H2("Trend in words", className="h6 mb-0")),
                              dbc.CardBody([dcc.Loading(html.Div(trend, id=ids.TREND), type="circle", delay_show=200),
                                            dbc.Button("Download this lake's data (CSV)", id=ids.CSV_BUTTON,
                                                       color="primary", outline=True, size="sm", className="mt-2"),
                                            dcc.Download(id=ids.CSV_DOWNLOAD)])],
                             className="mb-3 h-100"), lg=7),
        ], className="mb-3"),
        chart_card(ids.CLARITY, "Secchi depth and phosphorus over the years", height=460,
                   values=content.get(ids.CLARITY),
                   description="Error bars: standard deviation across the season's readings. The dotted line is the "
                               "model's fit; the dashed line and band are the forecast and its interval. "
                               "Phosphorus has no forecast model."),
        dbc.Row([
            dbc.Col(chart_card(ids.GRADES, "Seasonal grade by year", height=220, values=content.get(ids.GRADES)), lg=6),
            dbc.Col(chart_card(ids.VALUE, "Median sale value of nearby properties", height=380,
                               values=content.get(ids.VALUE),
                               description="Error bars: half the inter-quartile range either side, cut at $0 "
                                           "(a sale value is never negative). Model: the property-value model's "
                                           "value for that year's conditions, with its interval; years lacking "
                                           "a measurement it needs are left out."), lg=6),
        ]),
        chart_card(ids.ICEOUT, "Ice-out history", height=400, values=content.get(ids.ICEOUT)),
        chart_card(ids.BENCHMARK, "Compared with the county and watershed", height=400, controls=benchmark_control,
                   values=content.get(ids.BENCHMARK)),
    ])
