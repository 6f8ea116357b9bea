"""Typed, cached client of the model API: the dashboard's only way to reach it."""
from .client import LakeApiClient
from .errors import (
    ApiTimeout,
    ApiUnavailable,
    BadResponse,
    FieldError,
    InvalidRequest,
    LakeApiError,
    NotFound,
    ServerError,
)
from .settings import CacheSettings, ClientSettings, client_settings
from .types import (
    Aggregates,
    AggregateRow,
    ApiState,
    FeatureInfo,
    Forecast,
    Health,
    IceOutRow,
    IceOutSeries,
    IntervalPoint,
    Lake,
    LakeDetail,
    LakeList,
    LakeSeries,
    LakeSummary,
    LakeYearRow,
    LakeYearTable,
    LatestValues,
    ModelInfo,
    ModelValuePoint,
    ModelValues,
    ObservedPoint,
    Prediction,
    PredictionBatch,
    Scenario,
    ScenarioPoint,
    SeriesMetric,
    SkippedYear,
    Trend,
)

import types as _types

__all__ = [n for n, v in dict(globals()).items() if not n.startswith("_") and not isinstance(v, _types.ModuleType)]
