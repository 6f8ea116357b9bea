"""Typed, frozen results of the model API (docs/architecture.md section 5).

Units are in the field names (``_m``, ``_mg_l``, ``_usd``, ``_ft``, ``_acres``, ``doy``) or stated in a
``unit`` field. Unknown extra fields are ignored so the API can grow without breaking the dashboard;
missing or mistyped fields fail validation, which the client turns into ``BadResponse``.
``.to_frame()`` gives the pandas DataFrame a chart needs.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .errors import FieldError

#: A metric value in a row: number, grade letter, or missing.
Scalar = float | int | str | bool | None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """DataFrame with the given columns first, even when there are no rows."""
    frame = pd.DataFrame(rows)
    for col in columns:
        if col not in frame.columns:
            frame[col] = pd.Series(dtype="float64")
    rest = [c for c in frame.columns if c not in columns]
    return frame[columns + rest]


# -- health and state ---------------------------------------------------------------------
class Health(_Frozen):
    """Readiness of the API: ``ready`` is False (with ``reasons``) while models are not loaded."""

    status: str
    models: dict[str, str] = Field(default_factory=dict)
    reasons: dict[str, str] = Field(default_factory=dict)
    data_checksum: str | None = None
    refused: dict[str, str] | None = None  # newer model versions the API refused to load (old ones keep serving)

    @property
    def ready(self) -> bool:
        return self.status == "ready"


class ApiState(_Frozen):
    """Production model versions + data checksum: changes exactly when answers may change."""

    models: dict[str, str]
    data_checksum: str | None = None
    api_token: str | None = Field(None, validation_alias="token")  # the API's own summary, when it sends one

    @property
    def token(self) -> str:
        """Stable string used in cache keys: changes when any model version, the data or the API token does."""
        versions = ",".join(f"{k}={v}" for k, v in sorted(self.models.items()))
        return f"{versions};{self.data_checksum};{self.api_token or ''}"


# -- lakes ----------------------------------------------------------------------------------
class LatestValues(_Frozen):
    """The most recent monitoring year's values (Secchi m, phosphorus mg/L, sale value USD, ice-out day of year)."""

    year: int | None = None
    secchi_mean_m: float | None = None
    phosphorus_mean_mg_l: float | None = None
    grade: str | None = None
    median_sale_value_usd: float | None = None
    iceout_year: int | None = None
    iceout_doy: int | None = None


class LakeSummary(_Frozen):
    """One lake in a list: identity, location (WGS84 degrees), size (acres, feet), which data it has."""

    lake_id: str
    display_id: str
    name: str
    county: str | None = None
    city: str | None = None
    major_watershed: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    area_acres: float | None = None
    max_depth_ft: float | None = None
    has_water_quality: bool = False
    has_property: bool = False
    has_iceout: bool = False
    latest: LatestValues = Field(default_factory=LatestValues)


Lake = LakeSummary


class LakeDetail(LakeSummary):
    """A lake with everything the detail page shows; year ranges are ``(first, last)`` or None."""

    ecoregion: str | None = None
    mean_depth_ft: float | None = None
    n_sites: int = 0
    water_quality_years: tuple[int, int] | None = None
    iceout_years: tuple[int, int] | None = None
    n_iceout: int = 0


class LakeList(_Frozen):
    """A page of lakes: ``total`` counts all matches, ``items`` holds ``limit`` of them from ``offset``."""

    items: list[LakeSummary]
    total: int
    limit: int | None = None
    offset: int = 0

    def to_frame(self) -> pd.DataFrame:
        """One row per lake; ``latest`` fields are flattened to ``latest_<name>`` columns."""
        rows = []
        for lake in self.items:
            row = lake.model_dump(exclude={"latest"})
            row.update({f"latest_{k}": v for k, v in lake.latest.model_dump().items()})
            rows.append(row)
        return _frame(rows, list(LakeSummary.model_fields.keys() - {"latest"}))


class LakeYearRow(_Frozen):
    """One lake in one year; the requested metrics are extra fields (units in their names)."""

    model_config = ConfigDict(frozen=True, extra="allow")
    lake_id: str
    year: int


class LakeYearTable(_Frozen):
    """All lakes for one year (the overview map)."""

    year: int
    metrics: list[str] = Field(default_factory=list)
    items: list[LakeYearRow]

    def to_frame(self) -> pd.DataFrame:
        return _frame([r.model_dump() for r in self.items], ["lake_id", "year"])


# -- series, ice-out, trend --------------------------------------------------------------------
class SeriesMetric(_Frozen):
    """A metric in a series: ``name`` is the column, ``std_field`` its standard-deviation column."""

    name: str
    label: str = ""
    unit: str = ""
    std_field: str | None = None


class SeriesRow(_Frozen):
    model_config = ConfigDict(frozen=True, extra="allow")
    year: int


class LakeSeries(_Frozen):
    """Yearly values of one lake's metrics."""

    lake_id: str
    metrics: list[SeriesMetric]
    rows: list[SeriesRow]

    def metric(self, name: str) -> SeriesMetric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def to_frame(self) -> pd.DataFrame:
        """Columns ``year``, each metric and each ``std_field``, sorted by year."""
        cols = ["year"]
        for m in self.metrics:
            cols.append(m.name)
            if m.std_field:
                cols.append(m.std_field)
        frame = _frame([r.model_dump() for r in self.rows], cols)
        return frame.sort_values("year", ignore_index=True)


class IceOutRow(_Frozen):
    """Ice-out in one year: calendar ``date`` and ``doy`` (day of year)."""

    year: int
    date: dt.date | None = None
    doy: int | None = None
    source: str | None = None


class IceOutSeries(_Frozen):
    lake_id: str
    rows: list[IceOutRow]

    def to_frame(self) -> pd.DataFrame:
        frame = _frame([r.model_dump() for r in self.rows], ["year", "date", "doy", "source"])
        frame["date"] = pd.to_datetime(frame["date"])
        return frame.sort_values("year", ignore_index=True)


class Trend(_Frozen):
    """Sen's slope (``unit`` per year) with the Mann-Kendall p-value."""

    lake_id: str | None = None
    metric: str
    unit: str = ""
    method: str = ""
    slope_per_year: float | None = None
    p_value: float | None = None
    n_years: int = 0
    first_year: int | None = None
    last_year: int | None = None
    direction: str = "no significant trend"  # improving / worsening / no significant trend / insufficient data


# -- forecasts ------------------------------------------------------------------------------------
class ObservedPoint(_Frozen):
    year: int
    value: float | None = None


class IntervalPoint(_Frozen):
    """A predicted value with its interval (same unit as the forecast; bounds None without interval)."""

    year: int
    value: float | None = None
    lower: float | None = None
    upper: float | None = None


class Forecast(_Frozen):
    """Observed history, in-sample fit and the forecast for one lake, in ``unit``."""

    lake_id: str
    model: str
    version: str
    unit: str = ""
    interval_level: float | None = None
    observed: list[ObservedPoint] = Field(default_factory=list)
    fitted: list[IntervalPoint] = Field(default_factory=list)
    forecast: list[IntervalPoint] = Field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Long frame: ``kind`` (observed / fitted / forecast), ``year``, ``value``, ``lower``, ``upper``."""
        rows = [{"kind": "observed", **p.model_dump()} for p in self.observed]
        rows += [{"kind": "fitted", **p.model_dump()} for p in self.fitted]
        rows += [{"kind": "forecast", **p.model_dump()} for p in self.forecast]
        return _frame(rows, ["kind", "year", "value", "lower", "upper"])


class ModelValuePoint(_Frozen):
    """The model's value (with interval) for a year, next to the target observed that year."""

    year: int
    observed: float | None = None
    value: float | None = None
    lower: float | None = None
    upper: float | None = None


class SkippedYear(_Frozen):
    """An observed year the model could not value: ``reason`` in words, ``missing`` feature names."""

    year: int
    reason: str
    missing: list[str] = Field(default_factory=list)


class ModelValues(_Frozen):
    """A model's value for every year a lake's target was observed; years it cannot value are in ``skipped``."""

    model_config = ConfigDict(frozen=True, extra="ignore", protected_namespaces=())
    lake_id: str
    model: str
    version: str
    target: str = ""
    unit: str = ""
    interval_level: float | None = None
    values: list[ModelValuePoint] = Field(default_factory=list)
    skipped: list[SkippedYear] = Field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """``year``, ``observed``, ``value``, ``lower``, ``upper`` (valued years only), sorted by year."""
        frame = _frame([p.model_dump() for p in self.values], ["year", "observed", "value", "lower", "upper"])
        return frame.sort_values("year", ignore_index=True)


# -- models and predictions ---------------------------------------------------------------------
class FeatureInfo(_Frozen):
    name: str
    dtype: str = "float"
    unit: str | None = None
    description: str | None = None
    min: float | None = None
    max: float | None = None
    categories: list[str] | None = None
    required: bool = False
    original_name: str | None = None


class ModelInfo(_Frozen):
    """A model's manifest: what it predicts (``target_unit``), its features and its measured quality."""

    model_config = ConfigDict(frozen=True, extra="ignore", protected_namespaces=())
    name: str
    version: str
    created_at: str | None = None
    estimator: str | None = None
    target: str | None = None
    target_unit: str | None = None
    features: list[FeatureInfo] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    interval: dict[str, Any] | None = None
    data_checksums: dict[str, str] = Field(default_factory=dict)
    artifact_sha256: str | None = None


class Prediction(_Frozen):
    """One row's prediction; ``value`` is None and ``errors`` says why when the row was invalid."""

    index: int
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    imputed: list[str] = Field(default_factory=list)
    errors: list[FieldError] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.value is not None and not self.errors


class PredictionBatch(_Frozen):
    model_config = ConfigDict(frozen=True, extra="ignore", protected_namespaces=())
    model: str
    version: str
    unit: str | None = None
    predictions: list[Prediction]

    def to_frame(self) -> pd.DataFrame:
        rows = [p.model_dump(exclude={"errors"}) | {"errors": "; ".join(map(str, p.errors))} for p in self.predictions]
        return _frame(rows, ["index", "value", "lower", "upper", "imputed", "errors"])


class ScenarioPoint(_Frozen):
    """Inputs (Secchi m, phosphorus mg/L) and the predicted value with its interval (USD)."""

    secchi_mean_m: float | None = None
    phosphorus_mean_mg_l: float | None = None
    value: float | None = None
    lower: float | None = None
    upper: float | None = None


class Scenario(_Frozen):
    """Property value now vs. with changed water quality; ``difference`` in ``unit``, ``difference_pct`` in %."""

    model_config = ConfigDict(frozen=True, extra="ignore", protected_namespaces=())
    lake_id: str
    year: int
    model: str
    version: str
    unit: str = "USD"
    baseline: ScenarioPoint
    scenario: ScenarioPoint
    difference: float | None = None
    difference_pct: float | None = None


class AggregateRow(_Frozen):
    group: str | None = None
    year: int | None = None
    median: float | None = None
    n_lakes: int = 0


class Aggregates(_Frozen):
    """Median of ``metric`` (in ``unit``) over lakes, per group (county or watershed) and year."""

    metric: str
    unit: str = ""
    by: str
    rows: list[AggregateRow]

    def to_frame(self) -> pd.DataFrame:
        return _frame([r.model_dump() for r in self.rows], ["group", "year", "median", "n_lakes"])
