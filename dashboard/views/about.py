"""About page: metric meanings, data provenance (from the configured sources) and caveats."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from ..context import current
from ..metrics import GRADE_COLORS, GRADE_TEXT, GRADES, METRICS

CAVEATS = [
    ("Lakes, not sites", "Several monitoring sites on one lake are rolled up to one value per lake and year "
                         "(documented in docs/data.md), so a lake's number can hide differences between its bays."),
    ("An honest split", "The original model's train and test files shared 878 lake-years, so its test score was "
                        "optimistic. Here models are evaluated on lakes (or years) they never saw in training."),
    ("Association, not cause", "The property-value model learns how sale values moved with water quality and "
                               "the properties around a lake. A what-if is the model's answer, not a promise that "
                               "cleaning a lake will raise prices by that amount."),
    ("Coverage", "Water quality and property data cover about 260 Twin Cities metro lakes from 2004 to 2014; "
                 "ice-out records cover about 435 lakes statewide. Lakes outside those sets show 'no data'."),
    ("Intervals", "Forecast and prediction bands have the nominal level shown on each chart; the Models page "
                  "reports how often they actually contained the truth on held-out data."),
]


def layout(**_):
    settings = current().settings
    metric_rows = [html.Tr([html.Th(m.label, scope="row"), html.Td(m.unit), html.Td(m.description),
                            html.Td({"higher": "higher is better", "lower": "lower is better"}.get(m.better, ""))])
                   for m in METRICS.values()]
    grade_legend = html.Div([html.Span(g, className="grade-chip",
                                       style={"backgroundColor": GRADE_COLORS[g], "color": GRADE_TEXT[g]})
                             for g in GRADES], className="d-flex gap-1 mb-2", **{"aria-label": "grade colours"})
    sources = [html.Tr([html.Td(html.Code(name)), html.Td(src.description),
                        html.Td(html.A(src.file, href=src.url, rel="noopener")),
                        html.Td(html.Code(src.sha256, className="text-break small"))])
               for name, src in settings.sources.items()]
    return html.Div([
        html.H1("About this dashboard", className="h3"),
        html.P("For lake associations, watershed districts, city staff and residents: how Minnesota's lakes are "
               "doing, what is coming for them, and what clean water is worth to the properties around them."),
        html.H2("What the numbers mean", className="h4 mt-3"),
        dbc.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Metric", "Unit", "Meaning", "Direction")])),
                   html.Tbody(metric_rows)], size="sm", responsive=True),
        html.H3("Seasonal grades", className="h5"),
        html.P("The Metropolitan Council grades each monitored lake every summer from its clarity, phosphorus and "
               "chlorophyll: A is excellent, F is very poor. Charts use these colours (viridis, readable with "
               "colour-vision deficiencies):"),
        grade_legend,
        html.H2("Where the data comes from", className="h4 mt-3"),
        html.P("Every file is downloaded from a pinned public source and checked against its sha256 before use."),
        dbc.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Source", "What", "File", "sha256")])),
                   html.Tbody(sources)], size="sm", responsive=True, className="small"),
        html.H2("Caveats", className="h4 mt-3"),
        html.Dl([item for title, text in CAVEATS for item in (html.Dt(title), html.Dd(text))]),
        html.H2("Sharing charts", className="h4 mt-3"),
        html.P(["Every chart has a PNG button in its tool bar, an SVG button and a standalone HTML download under it. "
                "The 'Embed this chart' box gives an iframe snippet for your own site. Every view's settings are in "
                "its address, so a copied link reopens the same view."]),
        dcc.Link("Back to the overview", href="/"),
    ])


def not_found(**_):
    return html.Div([
        html.H1("Page not found", className="h3"),
        html.P("There is no page at this address."),
        dcc.Link("Go to the overview", href="/"),
    ])
