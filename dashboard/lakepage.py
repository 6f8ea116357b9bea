"""The lake page's content from the API: header (facts, trend sentences) and the five charts.

Used twice: by the page layout, which renders everything server-side on navigation (one round trip,
the parts fetched in parallel), and by the callbacks that redraw a part when the theme, the
benchmark metric or the API's availability changes.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import dash_bootstrap_components as dbc
from dash import dcc, html

from model_client import LakeApiError, NotFound

from . import charts, data
from .apistatus import note_api_error
from .components import chart_error_values, chart_values, error_alert
from .ids import Lake as ids
from .metrics import metric_info

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
    theme = theme if theme in ("light", "dark") else "light"
    if not data.normalize_lake_id(lake_id or ""):
        return not_a_lake_id(str(lake_id), ds, theme)[cid]
    params = charts.ChartParams(lake=data.normalize_lake_id(lake_id), theme=theme,
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




def not_a_lake_id(raw: str, ds, theme: str | None) -> dict:
    """The page for a path that is not a DOW number: say so everywhere, ask the API nothing."""
    message = f"{raw!r} is not a lake id: use the 8-digit DOW number, e.g. 27013300 or 27-0133-00"
    exc = charts.ChartParamError(message)
    header = (f"Lake {raw}", None, None, dbc.Alert([message + ". ", dcc.Link("Find a lake on the overview", href="/")],
                                                   color="warning"))
    template = charts.figures.template_for(theme)
    return {"header": header, **{cid: chart_error_values(exc, template, ds) for cid in CHART_IDS}}


def lake_content(client, ds, lake_id: str | None, theme: str | None, base: str, metric: str | None) -> dict:
    """Everything the page shows for ``lake_id``: {"header": (...), chart id: chart values}, fetched in parallel."""
    if lake_id and not data.normalize_lake_id(lake_id):
        return not_a_lake_id(lake_id, ds, theme)
    lake_id = data.normalize_lake_id(lake_id) if lake_id else None
    jobs = {"header": lambda: lake_header(client, lake_id)}
    if lake_id:
        for cid in CHART_IDS:
            jobs[cid] = (lambda c=cid: chart_view(client, ds, c, lake_id, theme, base,
                                                  metric if c == ids.BENCHMARK else None))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {key: pool.submit(job) for key, job in jobs.items()}
        return {key: f.result() for key, f in futures.items()}
