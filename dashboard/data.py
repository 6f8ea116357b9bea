"""From the model API (through ``model_client``) to the tidy frames the figures take.

Functions taking a ``client`` make the calls; the others are pure transforms (joins, filters,
rankings, key figures, sentences) so they can be tested on frames built from the real tables.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .metrics import GRADES, METRICS, metric_info

#: What the lake page asks the series route for (std fields come with their metrics).
LAKE_SERIES_METRICS = ("secchi_mean_m", "phosphorus_mean_mg_l", "grade", "median_sale_value_usd")
#: Everything the series route serves, for the CSV download.
CSV_METRICS = ("secchi_mean_m", "phosphorus_mean_mg_l", "log_phosphorus_mean", "grade", "rec_avg", "physical_avg",
               "median_sale_value_usd", "median_emv_total_usd", "n_properties", "n_sales")
#: Forecast models served by the API.
SECCHI_MODEL, ICEOUT_MODEL, VALUE_MODEL = "secchi_forecast", "iceout_doy", "property_value"
PAGE_SIZE = 1000

LAKE_COLUMNS = ["lake_id", "display_id", "name", "county", "city", "major_watershed", "latitude", "longitude",
                "area_acres", "max_depth_ft", "has_water_quality", "has_property", "has_iceout"]


# -- calls -----------------------------------------------------------------------------------------
def all_lakes(client, *, county: str | None = None, watershed: str | None = None,
              has: Sequence[str] | None = None, q: str | None = None) -> pd.DataFrame:
    """Every lake matching the API-side filters, paging through ``list_lakes``."""
    frames, offset = [], 0
    while True:
        page = client.list_lakes(county=county or None, watershed=watershed or None, has=list(has) if has else None,
                                 q=q or None, limit=PAGE_SIZE, offset=offset)
        frames.append(page.to_frame())
        offset += len(page.items)
        if not page.items or offset >= page.total:
            break
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return frame.reset_index(drop=True)


def year_values(client, year: int, metrics: Iterable[str]) -> pd.DataFrame:
    """All lakes' values for ``metrics`` in ``year`` (columns lake_id, year, metric...)."""
    table = client.lake_years(int(year), metrics=list(dict.fromkeys(metrics)))
    frame = table.to_frame()
    for m in metrics:
        if m not in frame.columns:
            frame[m] = np.nan
    return frame


def metric_years(client, metric: str) -> list[int]:
    """Years that have ``metric`` for at least one lake (from the county aggregates; grades come with
    the Secchi monitoring, which the aggregates route covers)."""
    agg = client.aggregates("secchi_mean_m" if metric == "grade" else metric, by="county")
    return sorted({int(r.year) for r in agg.rows if r.year is not None and r.median is not None})


def lake_series(client, lake_id: str, metrics: Sequence[str] = LAKE_SERIES_METRICS) -> pd.DataFrame:
    return client.series(lake_id, list(metrics)).to_frame()


def forecast_frame(client, lake_id: str, model: str, horizon: int) -> tuple[pd.DataFrame, float | None, str]:
    """(long frame kind/year/value/lower/upper, interval level, model version)."""
    fc = client.forecast(lake_id, model, int(horizon))
    return fc.to_frame(), fc.interval_level, fc.version


def rank_property_lakes(table: pd.DataFrame) -> list[str]:
    """Lake ids with a sale value in ``table`` (one year's ``lake_years``), most nearby properties first."""
    if table.empty or "median_sale_value_usd" not in table.columns:
        return []
    rows = table[table["median_sale_value_usd"].notna()]
    counts = pd.to_numeric(rows.get("n_properties", pd.Series(np.nan, index=rows.index)), errors="coerce")
    order = rows.assign(_n=counts.fillna(-1)).sort_values(["_n", "lake_id"], ascending=[False, True], kind="stable")
    return order["lake_id"].astype(str).tolist()


def default_scenario(client, tries: int = 5) -> tuple[str, int] | None:
    """The what-if's first view when the URL names no lake: the lake with the most nearby properties in
    the latest year with sale values, and the latest year the property-value model can value for it."""
    years = metric_years(client, "median_sale_value_usd")
    if not years:
        return None
    table = year_values(client, years[-1], ["n_properties", "median_sale_value_usd"])
    for lake_id in rank_property_lakes(table)[:tries]:
        values = client.model_values(lake_id, VALUE_MODEL).values
        if values:
            return lake_id, max(v.year for v in values)
    return None


def skipped_notes(skipped) -> list[str]:
    """One sentence per reason for the years a model could not value, e.g.
    "No model value for 2008: phosphorus not measured." (``skipped``: ``SkippedYear`` items or dicts)."""
    by_reason: dict[str, list[int]] = {}
    for item in skipped:
        year, reason = (item["year"], item["reason"]) if isinstance(item, dict) else (item.year, item.reason)
        by_reason.setdefault(reason, []).append(int(year))
    return [f"No model value for {', '.join(map(str, sorted(years)))}: {reason}."
            for reason, years in sorted(by_reason.items(), key=lambda kv: min(kv[1]))]


def group_medians(client, metric: str, by: str, group: str | None) -> pd.DataFrame:
    """Median of ``metric`` by year over the lakes of one county / watershed (year, median, n_lakes)."""
    if not group:
        return pd.DataFrame(columns=["group", "year", "median", "n_lakes"])
    return client.aggregates(metric, by=by, group=group).to_frame()


def metric_series(client, lake_id: str, metric: str) -> pd.DataFrame:
    """One lake's yearly values of one numeric metric as (year, value); ice-out comes from its own route."""
    if metric == "iceout_doy":
        frame = client.ice_out(lake_id).to_frame()
        return pd.DataFrame({"year": frame["year"], "value": pd.to_numeric(frame["doy"], errors="coerce")})
    frame = lake_series(client, lake_id, [metric])
    return pd.DataFrame({"year": frame["year"], "value": pd.to_numeric(frame[metric], errors="coerce")})


def lake_choices(client) -> list[dict]:
    """Dropdown options for every lake (name, DOW id, county), with ``property`` telling whether it
    has property data (the what-if needs it). Sent to the browser once per page load."""
    lakes = all_lakes(client).sort_values(["name", "display_id"], kind="stable")
    return [{"label": f"{r.name} ({r.display_id}{', ' + r.county if isinstance(r.county, str) else ''})",
             "value": r.lake_id, "search": f"{r.name} {r.display_id} {r.lake_id}",
             "property": bool(r.has_property)} for r in lakes.itertuples()]


# -- pure transforms -----------------------------------------------------------------------------------
def overview_frame(lakes: pd.DataFrame, values: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Lakes joined with one year's values; ``value`` is ``metric`` (grade letters stay strings)."""
    keep = [c for c in LAKE_COLUMNS if c in lakes.columns]
    extra = [c for c in values.columns if c not in ("year",) and c != "lake_id"]
    merged = lakes[keep].merge(values[["lake_id", *extra]], on="lake_id", how="left")
    merged["value"] = merged[metric] if metric in merged.columns else np.nan
    if metric_info(metric).numeric:
        merged["value"] = pd.to_numeric(merged["value"], errors="coerce")
    return merged


def filter_grades(frame: pd.DataFrame, grades: Sequence[str] | None) -> pd.DataFrame:
    """Keep lakes whose grade in the chosen year is one of ``grades`` (no filter when empty)."""
    if not grades or "grade" not in frame.columns:
        return frame
    return frame[frame["grade"].isin(list(grades))].reset_index(drop=True)


def key_figures(frame: pd.DataFrame) -> dict:
    """Lakes shown, median Secchi depth (m) and the share graded A or B among graded lakes."""
    secchi = pd.to_numeric(frame.get("secchi_mean_m", pd.Series(dtype=float)), errors="coerce").dropna()
    grades = frame.get("grade", pd.Series(dtype=object))
    graded = grades[grades.isin(GRADES)] if len(grades) else grades
    share = float(graded.isin(["A", "B"]).mean()) if len(graded) else None
    return {"n_lakes": int(len(frame)), "median_secchi_m": float(secchi.median()) if len(secchi) else None,
            "n_secchi": int(len(secchi)), "share_ab": share, "n_graded": int(len(graded))}


def ranking(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Lakes with a value, best first (by the metric's direction; grades A..F), with a 1-based rank."""
    info = metric_info(metric)
    data = frame[frame["value"].notna()].copy()
    if info.numeric:
        key = pd.to_numeric(data["value"], errors="coerce")
        ascending = info.better == "lower"
    else:
        key = data["value"].map({g: i for i, g in enumerate(GRADES)})
        ascending = True
    data = data.assign(_key=key).sort_values(["_key", "name"], ascending=[ascending, True], kind="stable")
    data = data.drop(columns="_key").reset_index(drop=True)
    data.insert(0, "rank", np.arange(1, len(data) + 1))
    return data


def table_records(ranked: pd.DataFrame, metric: str) -> list[dict]:
    """Rows for the ranking table: plain JSON values, rounded for reading."""
    info = metric_info(metric)
    out = []
    for r in ranked.itertuples(index=False):
        value = r.value
        if info.numeric and value is not None and not (isinstance(value, float) and math.isnan(value)):
            value = round(float(value), 3 if metric == "phosphorus_mean_mg_l" else 2)
        out.append({"rank": int(r.rank), "lake_id": r.lake_id, "name": r.name, "display_id": r.display_id,
                    "county": _text(getattr(r, "county", None)),
                    "major_watershed": _text(getattr(r, "major_watershed", None)),
                    "value": value, "grade": _text(getattr(r, "grade", None))})
    return out


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def trend_sentence(trend, metric: str) -> str:
    """The trend in words, e.g. "Clarity improved 0.04 m per year from 2004 to 2014 (Sen's slope, Mann-Kendall
    p = 0.03, 11 years)." ``trend`` is a ``model_client.Trend``."""
    info = metric_info(metric)
    if trend.slope_per_year is None or trend.n_years < 3:
        return f"Not enough years of {info.label.lower()} data for a trend (need at least 3, have {trend.n_years})."
    slope = trend.slope_per_year
    unit = trend.unit or info.unit
    span = f"from {trend.first_year} to {trend.last_year}" if trend.first_year else ""
    method = trend.method or "Sen's slope, Mann-Kendall"
    stats = f"({method} p = {trend.p_value:.2g}, {trend.n_years} years)" if trend.p_value is not None \
        else f"({method}, {trend.n_years} years)"
    if metric == "iceout_doy":
        if trend.direction == "no significant trend":
            return f"No significant change in the ice-out date {span} {stats}."
        way = "earlier" if slope < 0 else "later"
        return f"Ice-out came {abs(slope) * 10:.1f} days per decade {way} {span} {stats}."
    subject = {"secchi_mean_m": "Clarity", "phosphorus_mean_mg_l": "Phosphorus"}.get(metric, info.label)
    if trend.direction == "no significant trend":
        return (f"{subject} shows no significant trend {span}: {slope:+.3g} {unit} per year {stats}.")
    verb = "improved" if trend.direction == "improving" else "worsened"
    change = "rising" if slope > 0 else "falling"
    return f"{subject} {verb} ({change} {abs(slope):.3g} {unit} per year) {span} {stats}."


def lake_csv(series: pd.DataFrame, iceout: pd.DataFrame | None, lake: dict) -> str:
    """One lake's yearly data as CSV: identity columns, then water quality, grade, sale value, ice-out."""
    data = series.copy()
    if iceout is not None and len(iceout):
        ice = iceout[["year", "date", "doy"]].rename(columns={"date": "iceout_date", "doy": "iceout_doy"})
        data = data.merge(ice, on="year", how="outer") if len(data) else ice
    data = data.sort_values("year")
    for key in ("lake_id", "display_id", "name"):
        data.insert(list(("lake_id", "display_id", "name")).index(key), key, lake.get(key))
    return data.to_csv(index=False)


def normalize_lake_id(raw: str | None) -> str | None:
    """``27013300`` or ``27-0133-00`` -> ``27013300``; None when it is not a DOW number."""
    match = re.fullmatch(r"\s*(\d{2})-?(\d{4})-?(\d{2})\s*", raw or "")
    return "".join(match.groups()) if match else None


def known_metric(metric: str | None, default: str) -> str:
    return metric if metric in METRICS else default
