"""Lake page callbacks: facts and trend sentences, one callback per chart, CSV download, lake switcher."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from model_client import LakeApiError, NotFound

from .. import charts, data
from ..components import chart_error_values, chart_outputs, chart_values, error_alert
from ..context import current
from ..ids import Lake as ids
from ..ids import Shell
from ..metrics import metric_info
from .common import note_api_error, query_string, skip_when_api_goes_down



def options_js(property_only: bool = False) -> str:
    """Dropdown options from the shell's lake list, client-side (no server round trip per page).
    Second argument: the lake id(s) to keep as options until the list arrives."""
    keep = "l.property" if property_only else "true"
    return """
function(lakes, keep) {
    if (!lakes || !lakes.length) {
        const ids = Array.isArray(keep) ? keep : (keep ? [keep] : []);
        return ids.map(id => ({label: String(id), value: id}));
    }
    return lakes.filter(l => %s).map(l => ({label: l.label, value: l.value, search: l.search}));
}
""" % keep


OPTIONS_JS = options_js()

CHART_IDS = {ids.CLARITY: "lake-clarity", ids.GRADES: "lake-grades", ids.VALUE: "lake-value",
             ids.ICEOUT: "lake-iceout", ids.BENCHMARK: "lake-benchmark"}


def _fmt(value, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f} {unit}".strip()


def facts_list(lake) -> html.Dl:
    """The lake's identity and size as a definition list (a pure function of a ``LakeDetail``)."""
    latest = lake.latest
    grade = f"{latest.grade} ({latest.year})" if latest.grade else "not graded"
    wq = "{}-{}".format(*lake.water_quality_years) if lake.water_quality_years else "none"
    ice = ("{}-{}".format(*lake.iceout_years) + f" ({lake.n_iceout} years)") if lake.iceout_years else "none"
    items = [("DOW id", lake.display_id), ("County", lake.county or "n/a"),
             ("Watershed", lake.major_watershed or "n/a"), ("City", lake.city or "n/a"),
             ("Ecoregion", lake.ecoregion or "n/a"), ("Area", _fmt(lake.area_acres, "acres")),
             ("Maximum depth", _fmt(lake.max_depth_ft, "ft")), ("Mean depth", _fmt(lake.mean_depth_ft, "ft")),
             ("Latest seasonal grade", grade), ("Water-quality monitoring", wq),
             ("Monitoring sites rolled up", str(lake.n_sites)), ("Ice-out records", ice)]
    return html.Dl([x for k, v in items for x in (html.Dt(k, className="col-6 col-md-5"),
                                                   html.Dd(v, className="col-6 col-md-7 mb-1"))],
                   className="row small mb-0 lake-facts")


def trend_items(client, lake) -> list:
    """One sentence per metric with a trend (Secchi, phosphorus, ice-out); failures become a short note."""
    metrics = []
    if lake.has_water_quality:
        metrics += ["secchi_mean_m", "phosphorus_mean_mg_l"]
    if lake.has_iceout:
        metrics.append("iceout_doy")
    if not metrics:
        return [html.P("No monitoring or ice-out series for this lake, so no trend to report.")]
    out = []
    for metric in metrics:
        try:
            out.append(html.Li(data.trend_sentence(client.trend(lake.lake_id, metric), metric)))
        except LakeApiError as exc:
            note_api_error(exc)
            out.append(html.Li(f"{metric_info(metric).label}: trend unavailable ({exc})",
                               className="text-body-secondary"))
    return [html.Ul(out, className="mb-0 trend-list")]


def lake_header(client, lake_id: str | None) -> tuple:
    """Outputs: heading, facts, trend sentences, alert."""
    if not lake_id:
        return "Lake", None, None, dbc.Alert("No lake chosen: pick one from the list.", color="info")
    try:
        lake = client.get_lake(lake_id)
    except NotFound:
        return (f"Lake {lake_id}", None, None,
                dbc.Alert([f"There is no lake with DOW id {lake_id}. ", dcc.Link("Find a lake on the overview",
                                                                                 href="/")], color="warning"))
    except LakeApiError as exc:
        note_api_error(exc)
        return f"Lake {lake_id}", None, None, error_alert(exc)
    return f"{lake.name} ({lake.display_id})", facts_list(lake), trend_items(client, lake), None


def chart_view(client, ds, cid: str, lake_id: str | None, theme: str | None, base: str, metric: str | None = None):
    chart = CHART_IDS[cid]
    params = charts.ChartParams(lake=lake_id, theme=theme if theme in ("light", "dark") else "light",
                                metric=metric if chart == "lake-benchmark" else None)
    try:
        result = charts.build_chart(chart, client, params, ds)
    except (LakeApiError, charts.ChartParamError) as exc:
        note_api_error(exc)
        return chart_error_values(exc, params.template, ds)
    return chart_values(cid, chart, result, params.model_dump(include={"lake", "metric", "theme"},
                                                                exclude_defaults=True), base, ds)


def csv_download(client, lake_id: str) -> dict:
    lake = client.get_lake(lake_id)
    series = data.lake_series(client, lake_id, data.CSV_METRICS)
    iceout = client.ice_out(lake_id).to_frame() if lake.has_iceout else None
    text = data.lake_csv(series, iceout, lake.model_dump())
    return dcc.send_string(text, f"lake-{lake_id}-data.csv")


def register(app, client, ds) -> None:
    @app.callback(
        Output(ids.FACTS + "-name", "children"), Output(ids.FACTS, "children"), Output(ids.TREND, "children"),
        Output(ids.ALERT, "children"),
        Input(ids.STORE, "data"), Input(Shell.API_STATUS, "data"),
    )
    def _header(lake_id, status):
        skip_when_api_goes_down(status)
        return lake_header(client, lake_id)

    def _register_chart(cid: str) -> None:
        @app.callback(*chart_outputs(cid), Input(ids.STORE, "data"), Input(Shell.THEME_STORE, "data"),
                      Input(Shell.API_STATUS, "data"))
        def _chart(lake_id, theme, status):
            skip_when_api_goes_down(status)
            if not lake_id:
                raise PreventUpdate
            return chart_view(client, ds, cid, lake_id, theme, current().public_base())

    for cid in (ids.CLARITY, ids.GRADES, ids.VALUE, ids.ICEOUT):
        _register_chart(cid)

    @app.callback(*chart_outputs(ids.BENCHMARK), Input(ids.STORE, "data"), Input(ids.BENCHMARK_METRIC, "value"),
                  Input(Shell.THEME_STORE, "data"), Input(Shell.API_STATUS, "data"))
    def _benchmark(lake_id, metric, theme, status):
        skip_when_api_goes_down(status)
        if not lake_id:
            raise PreventUpdate
        return chart_view(client, ds, ids.BENCHMARK, lake_id, theme, current().public_base(), metric)

    @app.callback(Output(ids.URL, "search"), Input(ids.BENCHMARK_METRIC, "value"), prevent_initial_call=True)
    def _url(metric):
        return query_string({"metric": metric if metric != "secchi_mean_m" else None})

    app.clientside_callback(OPTIONS_JS, Output(ids.SELECT, "options"), Input(Shell.LAKES_STORE, "data"),
                            Input(ids.STORE, "data"))

    @app.callback(Output(Shell.NAV_LOCATION, "pathname", allow_duplicate=True), Input(ids.SELECT, "value"),
                  State(ids.STORE, "data"), prevent_initial_call=True)
    def _switch(selected, current_id):
        if not selected or selected == current_id:
            raise PreventUpdate
        return f"/lake/{selected}"

    @app.callback(Output(ids.CSV_DOWNLOAD, "data"), Output(ids.ALERT, "children", allow_duplicate=True),
                  Input(ids.CSV_BUTTON, "n_clicks"), State(ids.STORE, "data"), prevent_initial_call=True)
    def _csv(n_clicks, lake_id):
        if not n_clicks or not lake_id:
            raise PreventUpdate
        try:
            return csv_download(client, lake_id), no_update
        except LakeApiError as exc:
            note_api_error(exc)
            return no_update, error_alert(exc)
