"""Overview layout. Control values come from the URL query, so a copied link reopens the same view."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dash_table, dcc, html

from ..components import chart_card, kpi_card
from ..context import current
from ..ids import Overview as ids
from ..metrics import GRADES, METRICS
from .common import as_bool, as_int, as_list

METRIC_OPTIONS = [{"label": m.axis_title, "value": name} for name, m in METRICS.items()]


def _labelled(label: str, control, cid: str, width: dict) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=cid, className="small mb-1"), control], **width, className="mb-2")


def _own(value) -> list[dict]:
    """The URL's value as the first option, so the dropdown keeps it until the real options arrive."""
    return [{"label": value, "value": value}] if value else []


def layout(metric=None, year=None, county=None, watershed=None, grade=None, has_iceout=None, q=None, **_):
    ds = current().dash
    metric = metric if metric in METRICS else ds.default_metric
    year = as_int(year, ds.default_year)
    grades = [g for g in as_list(grade) if g in GRADES]
    controls = dbc.Row([
        _labelled("Colour lakes by", dcc.Dropdown(METRIC_OPTIONS, metric, id=ids.METRIC, clearable=False),
                  ids.METRIC, {"xs": 12, "md": 6, "lg": 3}),
        _labelled("Year", dcc.Dropdown([{"label": str(year), "value": year}], year, id=ids.YEAR, clearable=False),
                  ids.YEAR, {"xs": 6, "md": 3, "lg": 2}),
        _labelled("County", dcc.Dropdown(_own(county), county or None, id=ids.COUNTY, placeholder="All counties"),
                  ids.COUNTY, {"xs": 6, "md": 3, "lg": 2}),
        _labelled("Watershed", dcc.Dropdown(_own(watershed), watershed or None, id=ids.WATERSHED,
                                                placeholder="All watersheds"),
                  ids.WATERSHED, {"xs": 12, "md": 6, "lg": 3}),
        _labelled("Grade that year", dcc.Dropdown([{"label": g, "value": g} for g in GRADES], grades, multi=True,
                                                  id=ids.GRADE, placeholder="Any grade"),
                  ids.GRADE, {"xs": 12, "md": 6, "lg": 2}),
        _labelled("Search by name or DOW id", dbc.Input(id=ids.SEARCH, value=q or "", type="search", debounce=True,
                                                        placeholder="e.g. Minnetonka or 27-0133"),
                  ids.SEARCH, {"xs": 12, "md": 6, "lg": 4}),
        dbc.Col(dbc.Checkbox(id=ids.HAS_ICEOUT, label="Only lakes with ice-out records", value=as_bool(has_iceout)),
                xs=12, md=6, lg=4, className="d-flex align-items-end mb-2"),
    ], className="g-2")
    kpis = dbc.Row([
        dbc.Col(kpi_card(ids.KPI_LAKES, "lakes shown"), xs=4),
        dbc.Col(kpi_card(ids.KPI_CLARITY, "median clarity (Secchi depth) that year"), xs=4),
        dbc.Col(kpi_card(ids.KPI_GRADES, "of graded lakes got A or B that year"), xs=4),
    ], className="g-2 mb-3")
    table = dash_table.DataTable(
        id=ids.TABLE,
        columns=[{"name": "Rank", "id": "rank", "type": "numeric"}, {"name": "Lake", "id": "name"},
                 {"name": "DOW id", "id": "display_id"}, {"name": "County", "id": "county"},
                 {"name": "Watershed", "id": "major_watershed"},
                 {"name": METRICS[metric].axis_title, "id": "value", "type": "numeric"},
                 {"name": "Grade", "id": "grade"}],
        data=[], sort_action="native", page_size=12, page_action="native",
        style_table={"overflowX": "auto"}, style_cell={"textAlign": "left", "padding": "4px 8px",
                                                       "fontFamily": "var(--bs-body-font-family)", "fontSize": "0.9rem"},
        style_header={"fontWeight": "bold"}, cell_selectable=True,
        tooltip_header={"name": "Click a lake to open its page"},
    )
    return html.Div([
        dcc.Location(id=ids.URL, refresh=False),
        html.H1("Minnesota lakes at a glance", className="h3"),
        html.P("Pick a metric and a year; click a lake on the map or in the table to open its page.",
               className="text-body-secondary"),
        controls,
        html.Div(id=ids.ALERT),
        kpis,
        dbc.Row([
            dbc.Col(chart_card("overview-map", "Lakes on the map", height=540,
                               description="Background map tiles are not loaded (works offline); "
                                           "lakes are placed by their coordinates."), lg=7),
            dbc.Col(dbc.Card([dbc.CardHeader(html.H2("Ranking (click a lake to open it)", className="h6 mb-0")),
                              dbc.CardBody(dcc.Loading(table, type="circle", delay_show=200))],
                             className="mb-3"), lg=5),
        ]),
        html.H2("Regional view", className="h4 mt-2"),
        dbc.Row([
            dbc.Col(chart_card("watershed-properties", "Properties by watershed"), lg=6),
            dbc.Col(chart_card("county-grades", "Grade against number of properties, by county"), lg=6),
        ]),
    ])
