"""Compare page callbacks: lake options, the three charts (same colour per lake), URL sync."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, no_update

from model_client import LakeApiError

from .. import charts, figures
from ..components import chart_error_values, chart_outputs, chart_values, info_alert
from ..context import current
from ..ids import Compare as ids
from ..ids import Shell
from ..apistatus import note_api_error
from .common import query_string, skip_when_api_goes_down
from .common import options_inputs, options_js

OPTIONS_JS = options_js()

CHARTS = ((ids.SERIES, "compare-series"), (ids.DISTRIBUTION, "compare-distribution"), (ids.LATEST, "compare-latest"))


def compare_view(client, ds, lakes: list[str] | None, metric: str | None, theme: str | None, base: str) -> tuple:
    """Outputs: the dropdown value (trimmed to the maximum), alert, then 3 charts (6 outputs each)."""
    selected = list(dict.fromkeys(lakes or []))
    alert, value = None, no_update
    if len(selected) > ds.max_compare:
        selected = selected[:ds.max_compare]
        value = selected
        alert = dbc.Alert(f"At most {ds.max_compare} lakes can be compared; kept the first {ds.max_compare}.",
                          color="warning", className="small")
    theme = theme if theme in ("light", "dark") else "light"
    if not selected:
        alert = info_alert("Pick lakes to compare (type a name or a DOW id above).")
    try:
        params = charts.ChartParams(lakes=selected, metric=metric, theme=theme)
    except Exception as exc:  # ids not in the 8-digit form (e.g. typed into the URL)
        err = charts.ChartParamError(str(exc).splitlines()[-1])
        return (value, dbc.Alert(f"Invalid selection: {err}", color="warning"),
                *[v for _ in CHARTS for v in chart_error_values(err, figures.template_for(theme), ds)])
    out = []
    for cid, chart in CHARTS:
        if not selected:
            out.extend(chart_error_values(charts.ChartParamError("no lakes selected"), params.template, ds))
            continue
        try:
            result = charts.build_chart(chart, client, params, ds)
            out.extend(chart_values(cid, chart, result, {"lakes": selected, "metric": params.metric,
                                                          "theme": theme if theme != "light" else None}, base, ds))
        except (LakeApiError, charts.ChartParamError) as exc:
            note_api_error(exc)
            out.extend(chart_error_values(exc, params.template, ds))
    return (value, alert, *out)


def register(app, client, ds) -> None:
    app.clientside_callback(OPTIONS_JS, Output(ids.LAKES, "options"),
                            *options_inputs(ids.LAKES, Shell.LAKES_STORE))

    @app.callback(
        Output(ids.LAKES, "value"), Output(ids.ALERT, "children"),
        *[o for cid, _ in CHARTS for o in chart_outputs(cid)],
        Input(ids.LAKES, "value"), Input(ids.METRIC, "value"), Input(Shell.THEME_STORE, "data"),
        Input(Shell.API_STATUS, "data"),
    )
    def _view(lakes, metric, theme, status):
        skip_when_api_goes_down(status)
        return compare_view(client, ds, lakes, metric, theme, current().public_base())

    @app.callback(Output(ids.URL, "search"), Input(ids.LAKES, "value"), Input(ids.METRIC, "value"),
                  prevent_initial_call=True)
    def _url(lakes, metric):
        return query_string({"lakes": (lakes or [])[:ds.max_compare], "metric": metric})
