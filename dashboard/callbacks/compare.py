"""Compare page callbacks: lake options, the three charts (same colour per lake), URL sync."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, html, no_update

from model_client import LakeApiError, NotFound

from .. import charts, data
from ..components import chart_error_values, chart_outputs, chart_values, info_alert
from ..context import current
from ..ids import Compare as ids
from ..ids import Shell
from ..apistatus import note_api_error
from .common import query_string, skip_when_api_goes_down
from .common import options_inputs, options_js

OPTIONS_JS = options_js()

CHARTS = ((ids.SERIES, "compare-series"), (ids.DISTRIBUTION, "compare-distribution"), (ids.LATEST, "compare-latest"))


def resolve_lakes(client, selected: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(lake ids to draw, entries that are not DOW ids, DOW ids with no lake), in selection order.

    Dashed ids are accepted. Only a definite "no such lake" (404) leaves a lake out; any other API error
    keeps it, so the charts report the outage as usual."""
    known, not_ids, unknown = [], [], []
    for raw in selected:
        lake_id = data.normalize_lake_id(str(raw))
        if lake_id is None:
            not_ids.append(str(raw))
            continue
        try:
            client.get_lake(lake_id)
        except NotFound:
            unknown.append(lake_id)
            continue
        except LakeApiError:
            pass
        if lake_id not in known:
            known.append(lake_id)
    return known, not_ids, unknown


def left_out_notice(not_ids: list[str], unknown: list[str]) -> dbc.Alert | None:
    """A small notice naming the entries left out of the comparison (None when nothing was)."""
    parts = []
    if unknown:
        parts.append(f"No lake with DOW id {', '.join(unknown)}")
    if not_ids:
        parts.append(f"not a lake id (8-digit DOW number expected): {', '.join(repr(v) for v in not_ids)}")
    if not parts:
        return None
    return dbc.Alert(f"Left out of the comparison: {'; '.join(parts)}.", color="warning",
                     className="small py-1 px-2 mb-2 compare-left-out")


def compare_view(client, ds, lakes: list[str] | None, metric: str | None, theme: str | None, base: str) -> tuple:
    """Outputs: the dropdown value (trimmed to the maximum), alert, then 3 charts (6 outputs each).

    Entries that are not lakes (a typo in a shared URL) are named in a notice and left out; the other
    lakes are drawn, with colours by their position among the lakes drawn."""
    selected = list(dict.fromkeys(lakes or []))
    alerts, value = [], no_update
    if len(selected) > ds.max_compare:
        selected = selected[:ds.max_compare]
        value = selected
        alerts.append(dbc.Alert(f"At most {ds.max_compare} lakes can be compared; kept the first {ds.max_compare}.",
                                color="warning", className="small"))
    theme = theme if theme in ("light", "dark") else "light"
    known, not_ids, unknown = resolve_lakes(client, selected)
    notice = left_out_notice(not_ids, unknown)
    if notice is not None:
        alerts.append(notice)
    if not known and notice is None:
        alerts.append(info_alert("Pick lakes to compare (type a name or a DOW id above)."))
    params = charts.ChartParams(lakes=known, metric=metric if metric in charts.METRICS else None, theme=theme)
    out = []
    for cid, chart in CHARTS:
        if not known:
            out.extend(chart_error_values(charts.ChartParamError("no lakes selected"), params.template, ds))
            continue
        try:
            result = charts.build_chart(chart, client, params, ds)
            out.extend(chart_values(cid, chart, result, {"lakes": known, "metric": params.metric,
                                                          "theme": theme if theme != "light" else None}, base, ds))
        except (LakeApiError, charts.ChartParamError) as exc:
            note_api_error(exc)
            out.extend(chart_error_values(exc, params.template, ds))
    alert = None if not alerts else alerts[0] if len(alerts) == 1 else html.Div(alerts)
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
