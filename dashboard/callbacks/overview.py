"""Overview callbacks: options, map + table + key figures, regional charts, URL sync, click-to-open."""
from __future__ import annotations

from dash import Input, Output, ctx, no_update
from dash.exceptions import PreventUpdate

from model_client import LakeApiError

from .. import charts, data, figures
from ..components import chart_error_values, chart_outputs, chart_values, error_alert, info_alert
from ..context import current
from ..ids import Overview as ids
from ..ids import Shell
from ..metrics import metric_info
from ..apistatus import note_api_error
from .common import query_string, skip_when_api_goes_down

MAP, WATERSHEDS, COUNTIES = "overview-map", "watershed-properties", "county-grades"


def filter_options(client, metric: str, ds) -> tuple[list, list, list]:
    """County, watershed and year choices (years that have ``metric``; the configured range as fallback)."""
    lakes = data.all_lakes(client)
    counties = sorted({c for c in lakes["county"].dropna().astype(str)})
    watersheds = sorted({w for w in lakes["major_watershed"].dropna().astype(str)})
    try:
        years = data.metric_years(client, metric)
    except LakeApiError:
        years = []
    if not years:
        years = list(range(ds.year_range[0], ds.year_range[1] + 1))
    return ([{"label": c, "value": c} for c in counties], [{"label": w, "value": w} for w in watersheds],
            [{"label": str(y), "value": y} for y in sorted(years, reverse=True)])


def table_columns(metric: str) -> list[dict]:
    return [{"name": "Rank", "id": "rank", "type": "numeric"}, {"name": "Lake", "id": "name"},
            {"name": "DOW id", "id": "display_id"}, {"name": "County", "id": "county"},
            {"name": "Watershed", "id": "major_watershed"},
            {"name": metric_info(metric).axis_title, "id": "value",
             "type": "numeric" if metric_info(metric).numeric else "text"},
            {"name": "Grade", "id": "grade"}]


def kpi_texts(figs: dict) -> tuple[str, str, str]:
    clarity = f"{figs['median_secchi_m']:.2f} m" if figs["median_secchi_m"] is not None else "no data"
    share = f"{figs['share_ab']:.0%}" if figs["share_ab"] is not None else "no grades"
    return f"{figs['n_lakes']:,}", clarity, share


def overview_view(client, ds, params: charts.ChartParams, base: str) -> tuple:
    """Outputs: map chart (6), table data, table columns, 3 key figures, alert."""
    metric = params.metric or ds.default_metric
    query = params.model_dump(exclude={"lake", "lakes"}, exclude_defaults=True)
    try:
        frame, metric, year = charts.overview_table(client, params, ds)
    except LakeApiError as exc:
        note_api_error(exc)
        return (*chart_error_values(exc, params.template, ds), [], table_columns(metric), "-", "-", "-",
                error_alert(exc))
    title = f"Minnesota lakes: {metric_info(metric).label.lower()} in {year}"
    fig = figures.overview_map_figure(frame, metric, year, template=params.template, title=title)
    result = charts.ChartResult(fig, title, f"lakes-map-{metric}-{year}")
    records = data.table_records(data.ranking(frame, metric), metric)
    for r in records:
        r["id"] = r["lake_id"]
    alert = None
    if frame.empty:
        alert = info_alert("No lakes match these filters: clear a filter or the search to see more.")
    return (*chart_values(MAP, "overview-map", result, query, base, ds), records, table_columns(metric),
            *kpi_texts(data.key_figures(frame)), alert)


def regional_view(client, ds, year: int | None, theme: str | None, base: str) -> tuple:
    p = charts.ChartParams(year=year or ds.default_year, theme=theme if theme in ("light", "dark") else "light")
    out = []
    for cid in (WATERSHEDS, COUNTIES):
        try:
            result = charts.build_chart(cid, client, p, ds)
            out.extend(chart_values(cid, cid, result, {"year": p.year}, base, ds))
        except (LakeApiError, charts.ChartParamError) as exc:
            note_api_error(exc)
            out.extend(chart_error_values(exc, p.template, ds))
    return tuple(out)


def clicked_lake(trigger: str | None, click_data, active_cell) -> str | None:
    """The lake id from a map click (customdata[0]) or a table cell (row id), whichever ``trigger`` says."""
    if trigger == f"{MAP}-graph" and click_data:
        points = click_data.get("points") or []
        if points and points[0].get("customdata"):
            return str(points[0]["customdata"][0])
    if trigger == ids.TABLE and active_cell and active_cell.get("row_id"):
        return str(active_cell["row_id"])
    return None


def register(app, client, ds) -> None:
    @app.callback(
        Output(ids.COUNTY, "options"), Output(ids.WATERSHED, "options"), Output(ids.YEAR, "options"),
        Input(ids.METRIC, "value"), Input(Shell.API_STATUS, "data"),
    )
    def _options(metric, status):
        skip_when_api_goes_down(status)
        try:
            return filter_options(client, metric, ds)
        except LakeApiError as exc:
            note_api_error(exc)
            return no_update, no_update, no_update

    @app.callback(
        *chart_outputs(MAP), Output(ids.TABLE, "data"), Output(ids.TABLE, "columns"),
        Output(ids.KPI_LAKES, "children"), Output(ids.KPI_CLARITY, "children"), Output(ids.KPI_GRADES, "children"),
        Output(ids.ALERT, "children"),
        Input(ids.METRIC, "value"), Input(ids.YEAR, "value"), Input(ids.COUNTY, "value"),
        Input(ids.WATERSHED, "value"), Input(ids.GRADE, "value"), Input(ids.HAS_ICEOUT, "value"),
        Input(ids.SEARCH, "value"), Input(Shell.THEME_STORE, "data"), Input(Shell.API_STATUS, "data"),
    )
    def _view(metric, year, county, watershed, grades, has_iceout, q, theme, status):
        skip_when_api_goes_down(status)
        try:
            params = charts.ChartParams(metric=metric, year=year, county=county or None,
                                        watershed=watershed or None, grade=grades or [],
                                        has_iceout=bool(has_iceout), q=(q or "").strip() or None,
                                        theme=theme if theme in ("light", "dark") else "light")
        except Exception:
            raise PreventUpdate from None
        return overview_view(client, ds, params, current().public_base())

    @app.callback(
        *chart_outputs(WATERSHEDS), *chart_outputs(COUNTIES),
        Input(ids.YEAR, "value"), Input(Shell.THEME_STORE, "data"), Input(Shell.API_STATUS, "data"),
    )
    def _regional(year, theme, status):
        skip_when_api_goes_down(status)
        return regional_view(client, ds, year, theme, current().public_base())

    @app.callback(
        Output(ids.URL, "search"),
        Input(ids.METRIC, "value"), Input(ids.YEAR, "value"), Input(ids.COUNTY, "value"),
        Input(ids.WATERSHED, "value"), Input(ids.GRADE, "value"), Input(ids.HAS_ICEOUT, "value"),
        Input(ids.SEARCH, "value"),
        prevent_initial_call=True,
    )
    def _url(metric, year, county, watershed, grades, has_iceout, q):
        return query_string({"metric": metric, "year": year, "county": county, "watershed": watershed,
                             "grade": grades, "has_iceout": bool(has_iceout), "q": (q or "").strip()})

    @app.callback(
        Output(Shell.NAV_LOCATION, "pathname", allow_duplicate=True),
        Input(f"{MAP}-graph", "clickData"), Input(ids.TABLE, "active_cell"),
        prevent_initial_call=True,
    )
    def _open(click_data, active_cell):
        lake_id = clicked_lake(ctx.triggered_id, click_data, active_cell)
        if not lake_id:
            raise PreventUpdate
        return f"/lake/{lake_id}"
