"""Compare page layout: the selection (lakes, metric) comes from the URL query."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from ..components import chart_card
from ..context import current
from ..ids import Compare as ids
from ..metrics import NUMERIC_METRICS, metric_info
from .common import as_list


def layout(lakes=None, metric=None, **_):
    ds = current().dash
    selected = as_list(lakes)
    metric = metric if metric in NUMERIC_METRICS else "secchi_mean_m"
    return html.Div([
        dcc.Location(id=ids.URL, refresh=False),
        html.H1("Compare lakes", className="h3"),
        dbc.Row([
            dbc.Col([dbc.Label(f"Lakes (up to {ds.max_compare})", html_for=ids.LAKES, className="small mb-1"),
                     dcc.Dropdown([{"label": i, "value": i} for i in selected], selected, multi=True, id=ids.LAKES,
                                  placeholder="Type lake names or DOW ids")], lg=8, className="mb-2"),
            dbc.Col([dbc.Label("Metric", html_for=ids.METRIC, className="small mb-1"),
                     dcc.Dropdown([{"label": metric_info(m).axis_title, "value": m} for m in NUMERIC_METRICS],
                                  metric, id=ids.METRIC, clearable=False)], lg=4, className="mb-2"),
        ]),
        html.Div(id=ids.ALERT),
        chart_card(ids.SERIES, "Over the years", height=420,
                   description="Each lake keeps its colour (by its position in the selection) in every chart."),
        dbc.Row([
            dbc.Col(chart_card(ids.DISTRIBUTION, "Spread of yearly values"), lg=6),
            dbc.Col(chart_card(ids.LATEST, "Latest values, best first"), lg=6),
        ]),
    ])
