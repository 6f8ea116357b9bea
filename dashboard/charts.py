"""Every shareable chart by name: validated parameters -> API calls -> figure.

The pages, the ``/embed/<chart>`` pages and the standalone-HTML downloads all build their charts
here, so an embedded or downloaded chart is exactly the one on screen. A failure of a secondary
call (e.g. the forecast) becomes a note under the chart; a failure of the main call raises the
client's typed error, which the caller turns into an alert or an HTTP error.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import plotly.graph_objects as go
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from model_client import LakeApiError, NotFound

from . import data, figures
from .metrics import GRADES, METRICS, NUMERIC_METRICS, metric_info
from .settings import DashboardSettings


class ChartParamError(ValueError):
    """The chart name or its parameters are invalid; ``detail`` lists per-field problems."""

    def __init__(self, message: str, detail: list[dict] | None = None, status: int = 422):
        super().__init__(message)
        self.detail = detail or []
        self.status = status


def _split(value):
    if value is None or isinstance(value, list):
        return value
    return [v for v in (s.strip() for s in str(value).split(",")) if v]


class ChartParams(BaseModel):
    """Query parameters of a chart (as in its page URL); unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lake: str | None = Field(None, pattern=r"^[0-9]{8}$")
    lakes: list[str] = Field(default_factory=list)
    metric: str | None = None
    year: int | None = Field(None, ge=1800, le=2100)
    county: str | None = Field(None, max_length=100)
    watershed: str | None = Field(None, max_length=100)
    grade: list[str] = Field(default_factory=list)
    has_iceout: bool = False
    q: str | None = Field(None, max_length=100)
    theme: str = Field("light", pattern=r"^(light|dark)$")

    @field_validator("lakes", "grade", mode="before")
    @classmethod
    def _csv(cls, value):
        return _split(value) or []

    @field_validator("lakes")
    @classmethod
    def _lake_ids(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(r"[0-9]{8}", v)]
        if bad:
            raise ValueError(f"lake ids are 8-digit DOW numbers; not: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))

    @field_validator("grade")
    @classmethod
    def _grades(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in GRADES]
        if bad:
            raise ValueError(f"grades are {', '.join(GRADES)}; not: {', '.join(bad)}")
        return value

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str | None) -> str | None:
        if value is not None and value not in METRICS:
            raise ValueError(f"unknown metric {value!r}; choose one of {', '.join(METRICS)}")
        return value

    @property
    def template(self) -> str:
        return figures.template_for(self.theme)

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> "ChartParams":
        try:
            return cls.model_validate({k: v for k, v in args.items() if v != ""})
        except ValidationError as exc:
            detail = [{"loc": ["query", *[str(p) for p in e["loc"]]], "msg": e["msg"].removeprefix("Value error, ")}
                      for e in exc.errors()]
            raise ChartParamError("invalid chart parameters: " + "; ".join(
                f"{'.'.join(d['loc'][1:])}: {d['msg']}" for d in detail), detail) from None


@dataclass
class ChartResult:
    """A built chart. ``notes``: a part failed (shown as warnings, never cached); ``remarks``: facts about
    the data worth a small line under the chart (e.g. years the model skipped), cached with the chart."""

    figure: go.Figure
    title: str
    filename: str
    notes: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChartSpec:
    name: str
    description: str
    required: tuple[str, ...]
    build: Callable[..., ChartResult]


def _slug(*parts) -> str:
    text = "-".join(str(p) for p in parts if p)
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower()[:120]


def _note(what: str, exc: LakeApiError) -> str:
    return f"{what} unavailable: {exc}"


def _lake(client, lake_id: str):
    return client.get_lake(lake_id)


# -- lake charts -------------------------------------------------------------------------------------
def lake_clarity(client, p: ChartParams, ds: DashboardSettings) -> ChartResult:
    lake = _lake(client, p.lake)
    title = f"{lake.name}: Secchi depth and phosphorus"
    series = data.lake_series(client, p.lake)
    forecast, level, notes = None, None, []
    if lake.has_water_quality:
        try:
            forecast, level, _ = data.forecast_frame(client, p.lake, data.SECCHI_MODEL, ds.forecast_horizon)
        except LakeApiError as exc:
            notes.append(_note("Secchi forecast", exc))
    fig = figures.clarity_figure(series, forecast, interval_level=level, template=p.template, title=title)
    return ChartResult(fig, title, _slug("lake", p.lake, "clarity"), notes)


def lake_grades(client, p: ChartParams, ds: DashboardSettings) -> ChartResult:
    lake = _lake(client, p.lake)
    title = f"{lake.name}: seasonal grade by year"
    series = data.lake_series(client, p.lake)
    fig = figures.grade_strip_figure(series, template=p.template, title=title)
    return ChartResult(fig, title, _slug("lake", p.lake, "grades"))


def lake_value(client, p: ChartParams, ds: DashboardSettings) -> ChartResult:
    lake = _lake(client, p.lake)
    title = f"{lake.name}: median sale value of nearby properties"
    series = data.lake_series(client, p.lake)
    notes, remarks, model, level = [], [], None, None
    observed = "median_sale_value_usd" in series.columns and series["median_sale_value_usd"].notna().any()
    if observed:
        try:
            values = client.model_values(p.lake, data.VALUE_MODEL)
            model, level = values.to_frame(), values.interval_level
            remarks = data.skipped_notes(values.skipped)
        except LakeApiError as exc:
            notes.append(_note("Model values", exc))
    fig = figures.sale_value_figure(series, model, interval_level=level, template=p.template, title=title)
    return ChartResult(fig, title, _slug("lake", p.lake, "sale-value"), notes, remarks)


def lake_iceout(client, p: ChartParams, ds: DashboardSettings) -> ChartResult:
    lake = _lake(client, p.lake)
    title = f"{lake.name}: ice-out date"
    if not lake.has_iceout:
        return ChartResult(figures.no_data_figure("No ice-out records for this lake", p.template, title), title,
                           _slug("lake", p.lake, "ice-out"))
    iceout = client.ice_out(p.lake).to_frame()
    notes, trend, forecast, level = [], None, None, None
    try:
        trend = client.trend(p.lake, "iceout_doy").model_dump()
    except LakeApiError as exc:
        notes.append(_note("Ice-out trend", exc))
    try:
        forecast, level, _ = data.forecast_frame(client, p.lake, data.ICEOUT_MODEL, ds.forecast_horizon)
    except LakeApiError as exc:
        notes.append(_note("Ice-out forecast", exc))
    fig = figures.iceout_figure(iceout, trend, forecast, interval_level=level, template=p.template, title=title)
    return ChartResult(fig, title, _slug("lake", p.lake, "ice-out"), notes)


def lake_benchmark(client, p: ChartParams, ds: DashboardSettings) -> ChartResult:
    metric = p.metric or "secchi_mean_m"
    if metric not in NUMERIC_METRICS:
        raise ChartParamError(f"lake-benchmark needs a numeric metric, one of {', '.join(NUMERIC_METRICS)}",
                              [{"loc": ["query", "metric"], "msg": "not a numeric metric"}])
    info = metric_info(metric)
    lake = _lake(client, p.lake)
    title = f"{lake.name}: {info.label.lower()} against county and watershed medians"
    values = data.metric_series(client, p.lake, metric)
    groups, notes = [], []
    for by, group, label in (("county", lake.county, f"{lake.county} County"),
                             ("major_watershed", lake.major_watershed, f"{lake.major_watershed} watershed")):
        if not group:
            continue
        try:
            groups.append((label, data.group_medians(client, metric, by, group)))
        except LakeApiError as exc:
            notes.append(_note(f"{label} median", exc))
    fig = figures.benchmark_figure(values, groups, metric, lake_name=lake.name, template=p.template, title=title)
    return ChartResult(fig, title, _slug("lake", p.lake, "benchmark", metric), notes)


# -- overview charts ------------------------------------------------------------------------------------
OVERVIEW_VALUE_METRICS = ("secchi_mean_m", "grade", "n_properties")


def overview_table(client, p: ChartParams, ds: DashboardSettings):
    """The joined, filtered overview frame (lakes + the year's values) for the map, table and key figures."""
    metric = p.metric or ds.default_metric
    year = p.year or ds.default_year
    lakes = data.all_lakes(client, county=p.county, watershed=p.watershed,
                           has=["iceout"] if p.has_iceout else None, q=p.q)
    values = data.year_values(client, year, dict.fromkeys((metric, *OVERVIEW_VALUE_METRICS)))
    frame = data.overview_frame(lakes, values, metric)
    return data.filter_grades(frame, p.grade), metric, year


def overview_map(client, p: ChartParams, ds: DashboardSettings) -> ChartResult:
    frame, metric, year = overview_table(client, p, ds)
    title = f"Minnesota lakes: {metric_info(metric).label.lower()} in {year}"
    fig = figures.overview_map_figure(frame, metric, year, template=p.template, title=title)
    return ChartResult(fig, title, _slug("lakes-map", metric, year))


def _year_frame(client, p: ChartParams, ds: DashboardSettings):
    year = p.year or ds.default_year
    lakes = data.all_lakes(client, has=["property"])
    values = data.year_values(client, year, ["n_properties", "grade"])
    return data.overview_frame(lakes, values, "grade"), year


def watershed_properties(client, p: ChartParams, ds: DashboardSettings) -> ChartResult:
    frame, year = _year_frame(client, p, ds)
    title = f"Properties near monitored lakes by watershed, {year}"
    fig = figures.watershed_properties_figure(frame, year, template=p.template, title=title)
    return ChartResult(fig, title, _slug("properties-by-watershed", year))


def county_grades(client, p: ChartParams, ds: DashboardSettings) -> ChartResult:
    frame, year = _year_frame(client, p, ds)
    title = f"Seasonal grade against number of properties, by county, {year}"
    fig = figures.county_grade_figure(frame, year, template=p.template, title=title)
    return ChartResult(fig, title, _slug("grade-vs-properties", year))


# -- compare charts -------------------------------------------------------------------------------------
def compare_data(client, p: ChartParams, ds: DashboardSettings) -> tuple[list[figures.LakeSeriesData], str]:
    metric = p.metric if p.metric in NUMERIC_METRICS else "secchi_mean_m"
    if len(p.lakes) > ds.max_compare:
        raise ChartParamError(f"compare at most {ds.max_compare} lakes (got {len(p.lakes)})",
                              [{"loc": ["query", "lakes"], "msg": f"at most {ds.max_compare} lakes"}])
    out = []
    for lake_id in p.lakes:
        lake = _lake(client, lake_id)
        out.append(figures.LakeSeriesData(lake_id, lake.name, data.metric_series(client, lake_id, metric)))
    return out, metric


def _compare(kind: str, builder) -> Callable[..., ChartResult]:
    def build(client, p: ChartParams, ds: DashboardSettings) -> ChartResult:
        lakes, metric = compare_data(client, p, ds)
        info = metric_info(metric)
        title = {"series": f"{info.label} by year", "distribution": f"{info.label}: spread of yearly values",
                 "latest": f"Latest {info.label.lower()}, best first"}[kind]
        fig = builder(lakes, metric, template=p.template, title=title)
        return ChartResult(fig, title, _slug("compare", kind, metric, *p.lakes))
    return build


CHARTS: dict[str, ChartSpec] = {s.name: s for s in (
    ChartSpec("lake-clarity", "Secchi depth and phosphorus by year, model fit and forecast", ("lake",), lake_clarity),
    ChartSpec("lake-grades", "Seasonal grade by year", ("lake",), lake_grades),
    ChartSpec("lake-value", "Median sale value by year with the model's values", ("lake",), lake_value),
    ChartSpec("lake-iceout", "Ice-out history, trend and forecast", ("lake",), lake_iceout),
    ChartSpec("lake-benchmark", "A lake against its county and watershed medians", ("lake",), lake_benchmark),
    ChartSpec("overview-map", "All lakes on a map coloured by a metric", (), overview_map),
    ChartSpec("watershed-properties", "Properties by watershed", (), watershed_properties),
    ChartSpec("county-grades", "Grade against number of properties by county", (), county_grades),
    ChartSpec("compare-series", "Selected lakes' series overlaid", ("lakes",),
              _compare("series", figures.compare_series_figure)),
    ChartSpec("compare-distribution", "Selected lakes' value distributions", ("lakes",),
              _compare("distribution", figures.compare_distribution_figure)),
    ChartSpec("compare-latest", "Selected lakes' latest values ranked", ("lakes",),
              _compare("latest", figures.compare_latest_figure)),
)}


def build_chart(name: str, client, params: ChartParams | Mapping[str, str], ds: DashboardSettings) -> ChartResult:
    """Validate and build chart ``name``; ``ChartParamError`` for bad input, ``LakeApiError`` from the API.

    With a caching client (``CachedLakeApiClient``) a complete chart is memoized in the same cache, keyed
    on the API state token like the answers it was drawn from; charts with notes (a part failed) are not."""
    spec = CHARTS.get(name)
    if spec is None:
        raise ChartParamError(f"unknown chart {name!r}; charts: {', '.join(CHARTS)}", status=404)
    p = params if isinstance(params, ChartParams) else ChartParams.from_query(params)
    missing = [r for r in spec.required if not getattr(p, r)]
    if missing:
        raise ChartParamError(f"chart {name} needs {', '.join(missing)}",
                              [{"loc": ["query", m], "msg": "field required"} for m in missing])
    key = _cache_key(client, name, p, ds)
    hit = _cache_op(client, "get", key) if key else None
    if hit:
        return ChartResult(go.Figure(hit["figure"], _validate=False), hit["title"], hit["filename"],
                           remarks=list(hit.get("remarks") or []))
    try:
        result = spec.build(client, p, ds)
    except NotFound as exc:
        raise ChartParamError(str(exc), [{"loc": ["query"], "msg": str(exc)}], status=404) from None
    if key and not result.notes:
        _cache_op(client, "set", key, {"figure": result.figure.to_plotly_json(), "title": result.title,
                                       "filename": result.filename, "remarks": result.remarks},
                  getattr(client, "ttl", 300))
    return result


def _cache_key(client, name: str, p: ChartParams, ds: DashboardSettings) -> str | None:
    if not hasattr(client, "cache") or not hasattr(client, "state_token"):
        return None
    token = client.state_token()          # raises like any call when the API is unreachable
    if token is None:
        return None
    blob = json.dumps([name, p.model_dump(mode="json"), ds.forecast_horizon, token], sort_keys=True)
    return "chart:" + hashlib.sha256(blob.encode()).hexdigest()[:32]


def _cache_op(client, op: str, *args):
    """A cache failure (e.g. Redis down) must never break a chart: it only costs the rebuild."""
    try:
        return getattr(client.cache, op)(*args)
    except Exception:  # noqa: BLE001 - any backend error
        return None
