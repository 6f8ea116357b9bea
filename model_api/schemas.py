"""pydantic models of request bodies, query parameters and responses.

Requests are validated with them; responses are built as plain dicts on the hot paths and these
models document them in OpenAPI (tests validate live responses against the spec).
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Live(_Out):
    status: Literal["ok"]


class Ready(_Out):
    status: Literal["ready"]
    models: dict[str, str]
    data_checksum: str | None = None
    refused: dict[str, str] | None = Field(None, description="newer versions refused; the listed model keeps serving")


class NotReadyBody(_Out):
    status: Literal["not ready"]
    reasons: dict[str, str]
    models: dict[str, str] = {}


class StateBody(_Out):
    models: dict[str, str]
    data_checksum: str | None
    token: str


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str


class ErrorBody(BaseModel):
    error: str
    detail: list[ErrorItem]


# -- query parameters ---------------------------------------------------------------------------
# Comma-separated lists are plain strings with a pattern, so OpenAPI (and property-based tests)
# describe exactly what is accepted.
def _csv_pattern(words) -> str:
    alt = "|".join(words)
    return rf"^({alt})(,({alt}))*$"


_SERIES = ["secchi_mean_m", "phosphorus_mean_mg_l", "log_phosphorus_mean", "grade", "rec_avg",
           "physical_avg", "median_sale_value_usd", "median_emv_total_usd", "n_properties", "n_sales"]
_YEAR_METRICS = [*_SERIES, "iceout_doy"]
_TREND_METRICS = ["secchi_mean_m", "phosphorus_mean_mg_l", "log_phosphorus_mean", "rec_avg", "physical_avg",
                  "median_sale_value_usd", "median_emv_total_usd", "iceout_doy"]
_AGG_METRICS = [m for m in _YEAR_METRICS if m != "grade"]


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @staticmethod
    def split(value: str | None) -> list[str]:
        return [v for v in (value or "").split(",") if v]


class LakesQuery(_Query):
    county: str | None = Field(None, max_length=100, description="county name, case-insensitive")
    watershed: str | None = Field(None, max_length=100, description="major watershed, case-insensitive")
    grade: str | None = Field(None, pattern=r"^[ABCDFabcdf](,[ABCDFabcdf])*$",
                              description="latest seasonal grade(s), comma-separated")
    has: str | None = Field(None, pattern=_csv_pattern(["water_quality", "property", "iceout"]),
                            description="lakes having all these kinds of data, comma-separated")
    q: str | None = Field(None, min_length=1, max_length=100,
                          description="name contains (case-insensitive), or lake id prefix (70007200 or 70-0072-00)")
    limit: int | None = Field(None, ge=1, description="page size (default and maximum from config [api])")
    offset: int = Field(0, ge=0, le=1_000_000)


class SeriesQuery(_Query):
    metrics: str = Field(",".join(["secchi_mean_m", "phosphorus_mean_mg_l"]), pattern=_csv_pattern(_SERIES),
                         description="comma-separated metric names")


class LakeYearsQuery(_Query):
    year: int = Field(ge=1800, le=2100)
    metrics: str = Field("secchi_mean_m,phosphorus_mean_mg_l,grade", pattern=_csv_pattern(_YEAR_METRICS))


class TrendQuery(_Query):
    metric: Literal[tuple(_TREND_METRICS)]  # type: ignore[valid-type]


class AggregatesQuery(_Query):
    metric: Literal[tuple(_AGG_METRICS)]  # type: ignore[valid-type]
    by: Literal["county", "major_watershed"] = "county"
    group: str | None = Field(None, min_length=1, max_length=100, description="one county / watershed")
    year: int | None = Field(None, ge=1800, le=2100)


class ForecastQuery(_Query):
    model: Literal["secchi_forecast", "iceout_doy"]
    horizon: int = Field(3, ge=1, le=50, description="years ahead (maximum from config [api])")


class ModelValuesQuery(_Query):
    model: Literal["property_value", "secchi_forecast", "iceout_doy"] = Field(
        description="the model whose value is wanted for each year the lake's target was observed")


# -- lake responses -------------------------------------------------------------------------------
class LatestValues(_Out):
    year: int | None
    secchi_mean_m: float | None
    phosphorus_mean_mg_l: float | None
    grade: str | None
    median_sale_value_usd: float | None
    iceout_year: int | None
    iceout_doy: int | None


class LakeSummary(_Out):
    lake_id: str = Field(description="8-digit DOW number")
    display_id: str
    name: str
    county: str | None
    city: str | None
    major_watershed: str | None
    latitude: float | None
    longitude: float | None
    area_acres: float | None
    max_depth_ft: float | None
    has_water_quality: bool
    has_property: bool
    has_iceout: bool
    latest: LatestValues


class LakeDetail(LakeSummary):
    ecoregion: str | None
    mean_depth_ft: float | None
    n_sites: int
    water_quality_years: list[int] | None = Field(description="[first, last]")
    iceout_years: list[int] | None = Field(description="[first, last]")
    n_iceout: int


class LakeList(_Out):
    items: list[LakeSummary]
    total: int
    limit: int
    offset: int


class _YearRow(_Out):
    year: int


class LakeYearRow(_Out):
    lake_id: str
    year: int


class LakeYears(_Out):
    year: int
    metrics: list[str]
    items: list[LakeYearRow]


class SeriesMetric(_Out):
    name: str
    label: str
    unit: str
    std_field: str | None


class LakeSeries(_Out):
    lake_id: str
    metrics: list[SeriesMetric]
    rows: list[_YearRow]


class IceOutRow(_Out):
    year: int
    date: str | None
    doy: int | None
    source: str | None


class IceOutSeries(_Out):
    lake_id: str
    rows: list[IceOutRow]


class TrendBody(_Out):
    lake_id: str
    metric: str
    unit: str
    method: str
    slope_per_year: float | None
    p_value: float | None
    n_years: int
    first_year: int | None
    last_year: int | None
    direction: Literal["improving", "worsening", "no significant trend", "insufficient data"]


class AggregateRow(_Out):
    group: str
    year: int
    median: float
    n_lakes: int


class Aggregates(_Out):
    metric: str
    unit: str
    by: str
    rows: list[AggregateRow]


# -- models and predictions ------------------------------------------------------------------------
class FeatureInfo(_Out):
    name: str
    dtype: Literal["float", "int", "category"]
    unit: str | None = None
    description: str | None = None
    min: float | None = None
    max: float | None = None
    categories: list[str] | None = None
    required: bool = False
    original_name: str | None = None


class ModelInfo(_Out):
    name: str
    version: str
    created_at: str
    estimator: str | None = None
    target: str | None = None
    target_unit: str | None = None
    features: list[FeatureInfo]
    metrics: dict | None = None
    interval: dict | None = None
    data_checksums: dict[str, str] | None = None


class ModelList(_Out):
    models: list[ModelInfo]




class PredictRequest(BaseModel):
    """Rows keyed by the model's feature names (see GET /v1/models/{name} for the schema)."""

    model_config = ConfigDict(extra="forbid")
    # list[Any] on purpose: rows are checked column-wise against the manifest (model_api.validation),
    # so a bad row gets its own error instead of failing the whole batch.
    rows: list[Any] = Field(
        min_length=1, description="one object per row: {feature: value}; at most [api] max_rows rows",
        json_schema_extra={"items": {"type": "object", "additionalProperties": {
            "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]}}})


class RowIssue(BaseModel):
    loc: list[str | int]
    msg: str


class PredictionRow(_Out):
    index: int
    value: float | None
    lower: float | None = None
    upper: float | None = None
    imputed: list[str] | None = None
    warnings: list[RowIssue] | None = None
    errors: list[RowIssue] | None = None


class PredictResponse(_Out):
    model: str
    version: str
    unit: str
    interval_level: float | None
    n_predicted: int
    n_errors: int
    predictions: list[PredictionRow]


# -- scenarios ---------------------------------------------------------------------------------------
class ScenarioRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lake_id: str = Field(min_length=1, max_length=20, description="70007200 or 70-0072-00")
    year: int = Field(ge=1800, le=2100)
    secchi_mean_m: float | None = Field(None, ge=0, le=30, description="scenario Secchi depth (m)")
    phosphorus_mean_mg_l: float | None = Field(None, gt=0, le=5, description="scenario total phosphorus (mg/L)")


class ScenarioSide(_Out):
    secchi_mean_m: float | None
    phosphorus_mean_mg_l: float | None
    value: float
    lower: float | None = None
    upper: float | None = None


class ScenarioResponse(_Out):
    lake_id: str
    year: int
    model: str
    version: str
    unit: str
    baseline: ScenarioSide
    scenario: ScenarioSide
    difference: float
    difference_pct: float | None


# -- forecasts ---------------------------------------------------------------------------------------
class ObservedPoint(_Out):
    year: int
    value: float | None


class IntervalPoint(_Out):
    year: int
    value: float | None
    lower: float | None = None
    upper: float | None = None


class ForecastResponse(_Out):
    lake_id: str
    model: str
    version: str
    unit: str
    interval_level: float | None
    observed: list[ObservedPoint]
    fitted: list[IntervalPoint]
    forecast: list[IntervalPoint]


class ModelValuePoint(_Out):
    year: int
    observed: float | None = Field(description="the target observed that year (in unit)")
    value: float | None = Field(description="the model's value from that year's features")
    lower: float | None = None
    upper: float | None = None


class SkippedYear(_Out):
    year: int
    reason: str = Field(description="why the model gives no value, e.g. 'phosphorus not measured'")
    missing: list[str] = Field(description="required features missing that year")


class ModelValuesResponse(_Out):
    lake_id: str
    model: str
    version: str
    target: str
    unit: str
    interval_level: float | None
    values: list[ModelValuePoint]
    skipped: list[SkippedYear]


# -- original API ------------------------------------------------------------------------------------
class CompatResponse(_Out):
    predictions: list[float | None]
    version: str
    errors: dict | None


class VersionBody(_Out):
    model_version: str | None
    api_version: str


class ReloadResponse(_Out):
    models: dict[str, str]
    loaded: dict[str, str]
    refused: dict[str, dict]
    data_checksum: str | None
    data_reloaded: bool
