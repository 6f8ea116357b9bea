"""Feature frames and feature schemas for the three models: pure functions of the tidy tables.

Each ``*_frame(tables)`` returns one row per training example: the features, ``lake_id``,
``year`` and the target. Each model has a ``FeatureSpec`` list that becomes the manifest's
feature schema (dtype, unit, range, categories, required, the original API's name), so the
API can validate a request without knowing how the model was built.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd


class FeatureError(ValueError):
    """Prediction input lacks required features or has values of the wrong kind."""


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    dtype: Literal["float", "int", "category"]
    unit: str
    description: str
    required: bool = False
    original_name: str | None = None


# -- property_value --------------------------------------------------------------------------
#: The original lakeModel's 27 features: tidy column -> (original CSV column in
#: lakemodel_train.csv, the original API's payload key). The keys are the original package's
#: own Feature_FIELD_MAP (config.py); they are irregular by history, so they are listed, not
#: derived by a rule.
ORIGINAL_NAMES: dict[str, tuple[str, str]] = {
    "log_phosphorus_mean": ("Mean(log_phosphorus)", "Mean_log_phosphorus"),
    "log_phosphorus_std": ("Std Dev(log_phosphorus)", "Std_Dev_log_phosphorus"),
    "secchi_mean_m": ("Mean(Secchi_Depth_RESULT)", "Mean_Secchi_Depth_RESULT"),
    "secchi_std_m": ("Std Dev(Secchi_Depth_RESULT)", "Std_Dev_Secchi_Depth_RESULT"),
    "n_properties": ("Number Properties", "Number_Properties"),
    "parcel_acres_mean": ("Mean(ACRES_POLY)", "Mean_ACRES_POLY"),
    "parcel_acres_std": ("Std Dev(ACRES_POLY)", "Std_Dev_ACRES_POLY"),
    "n_ag_preserve": ("N(Ag Preserve - Yes)", "N_Ag_Preserve_Yes"),
    "n_basement": ("N(Basement - Yes)", "N_Basement_Yes"),
    "median_emv_total_usd": ("Median(EMV_TOTAL)", "MedianEMV_TOTAL"),
    "iqr_emv_total_usd": ("Interquartile Range(EMV_TOTAL)", "InterquartileRangeEMV_TOTAL"),
    "median_fin_sq_ft": ("Median(FIN_SQ_FT)", "MedianFIN_SQ_FT"),
    "iqr_fin_sq_ft": ("Interquartile Range(FIN_SQ_FT)", "InterquartileRangeFIN_SQ_FT"),
    "n_green_acre": ("N(Green ACRE - Yes)", "NGreenACRE_Yes"),
    "n_homestead_partial": ("N(Homestead - Partial)", "NHomestead_Partial"),
    "n_homestead_yes": ("N(Homestead - Yes)", "NHomestead_Yes"),
    "n_single_unit": ("N(Single Unit)", "NSingleUnit"),
    "n_multiple_unit": ("N(Multiple Unit)", "NMultipleUnit"),
    "median_total_tax_usd": ("Median(TOTAL_TAX)", "MedianTOTAL_TAX"),
    "iqr_total_tax_usd": ("Interquartile Range(TOTAL_TAX)", "InterquartileRangeTOTAL_TAX"),
    "n_sales": ("N(Sales that year)", "NSalesthatyear"),
    "n_built": ("N(Built that year)", "NBuiltthatyear"),
    "rec_readings": ("num.rec.readings", "numrecreadings"),
    "physical_readings": ("num.physical.readings", "numphysicalreadings"),
    "rec_avg": ("rec.avg", "recavg"),
    "physical_avg": ("physical.avg", "physicalavg"),
    "major_watershed": ("MAJOR_WATERSHED", "MAJOR_WATERSHED"),
}


def _pv(name: str, dtype: str, unit: str, description: str, required: bool = False) -> FeatureSpec:
    return FeatureSpec(name, dtype, unit, description, required, ORIGINAL_NAMES[name][1])  # type: ignore[arg-type]


PROPERTY_VALUE_FEATURES: list[FeatureSpec] = [
    _pv("log_phosphorus_mean", "float", "ln(mg/L)", "mean of the natural log of total phosphorus samples that year", True),
    _pv("log_phosphorus_std", "float", "ln(mg/L)", "standard deviation of the log phosphorus samples", True),
    _pv("secchi_mean_m", "float", "m", "mean Secchi depth (water clarity) that year", True),
    _pv("secchi_std_m", "float", "m", "standard deviation of the Secchi depth samples", True),
    _pv("n_properties", "int", "count", "parcels near the lake"),
    _pv("parcel_acres_mean", "float", "acres", "mean parcel area"),
    _pv("parcel_acres_std", "float", "acres", "standard deviation of parcel area"),
    _pv("n_ag_preserve", "int", "count", "parcels enrolled in Ag Preserve"),
    _pv("n_basement", "int", "count", "parcels with a basement"),
    _pv("median_emv_total_usd", "float", "USD", "median estimated market value (total)"),
    _pv("iqr_emv_total_usd", "float", "USD", "interquartile range of estimated market value"),
    _pv("median_fin_sq_ft", "float", "sq ft", "median finished floor area"),
    _pv("iqr_fin_sq_ft", "float", "sq ft", "interquartile range of finished floor area"),
    _pv("n_green_acre", "int", "count", "parcels enrolled in Green Acres"),
    _pv("n_homestead_partial", "int", "count", "partially homesteaded parcels"),
    _pv("n_homestead_yes", "int", "count", "homesteaded parcels"),
    _pv("n_single_unit", "int", "count", "single-unit parcels"),
    _pv("n_multiple_unit", "int", "count", "multiple-unit parcels"),
    _pv("median_total_tax_usd", "float", "USD", "median total property tax"),
    _pv("iqr_total_tax_usd", "float", "USD", "interquartile range of total property tax"),
    _pv("n_sales", "int", "count", "parcels sold that year"),
    _pv("n_built", "int", "count", "parcels built that year"),
    _pv("rec_readings", "int", "count", "recreational-suitability readings that year"),
    _pv("physical_readings", "int", "count", "physical-condition readings that year"),
    _pv("rec_avg", "float", "rating 1-5", "mean recreational-suitability rating (1 best)"),
    _pv("physical_avg", "float", "rating 1-5", "mean physical-condition rating (1 best)"),
    _pv("major_watershed", "category", "", "major watershed of the lake", True),
]
PROPERTY_VALUE_TARGET = "median_sale_value_usd"


def property_value_frame(tables) -> pd.DataFrame:
    """Lake-years with a sale value and the water-quality features the model requires.

    Built from the tidy (deduplicated, lake-level) ``lake_years``, never from the original
    train/test CSVs, which share 878 lake-years.
    """
    names = [f.name for f in PROPERTY_VALUE_FEATURES]
    required = [f.name for f in PROPERTY_VALUE_FEATURES if f.required]
    frame = tables.lake_years[["lake_id", "year", *names, PROPERTY_VALUE_TARGET]]
    keep = frame[PROPERTY_VALUE_TARGET].gt(0) & frame[required].notna().all(axis=1)
    return frame[keep].sort_values(["lake_id", "year"]).reset_index(drop=True)


# -- secchi_forecast -------------------------------------------------------------------------
SECCHI_FEATURES: list[FeatureSpec] = [
    FeatureSpec("secchi_last_m", "float", "m", "mean Secchi depth in the latest observed year", True),
    FeatureSpec("secchi_recent_mean_m", "float", "m", "mean of the yearly Secchi means over the recent window", True),
    FeatureSpec("secchi_trend_m_per_year", "float", "m/year", "least-squares slope of Secchi over the recent window"),
    FeatureSpec("years_observed", "int", "count", "years with a Secchi mean up to the latest year"),
    FeatureSpec("phosphorus_last_mg_l", "float", "mg/L", "mean total phosphorus in the latest year with one"),
    FeatureSpec("phosphorus_recent_mean_mg_l", "float", "mg/L", "mean phosphorus over the recent window"),
    FeatureSpec("area_acres", "float", "acres", "lake area"),
    FeatureSpec("max_depth_ft", "float", "ft", "maximum depth"),
    FeatureSpec("mean_depth_ft", "float", "ft", "mean depth"),
    FeatureSpec("major_watershed", "category", "", "major watershed of the lake"),
]
SECCHI_TARGET = "secchi_next_m"
MORPHOMETRY = ["area_acres", "max_depth_ft", "mean_depth_ft", "major_watershed"]


def secchi_history_features(years: np.ndarray, secchi: np.ndarray, phosphorus: np.ndarray, window: int) -> dict[str, float]:
    """Features from one lake's history (years ascending, all <= the forecast origin).

    ``secchi``/``phosphorus`` may hold NaN for years without that measurement. Used both to
    build the training frame and, with predicted values appended, for recursive forecasts.
    """
    seen = ~np.isnan(secchi)
    s_years, s_vals = years[seen], secchi[seen]
    recent_years, recent = s_years[-window:], s_vals[-window:]
    if recent.size >= 2 and np.ptp(recent_years) > 0:
        trend = float(np.polyfit(recent_years.astype(float), recent, 1)[0])
    else:
        trend = np.nan
    p_seen = ~np.isnan(phosphorus)
    p_vals = phosphorus[p_seen]
    return {
        "secchi_last_m": float(s_vals[-1]) if s_vals.size else np.nan,
        "secchi_recent_mean_m": float(recent.mean()) if recent.size else np.nan,
        "secchi_trend_m_per_year": trend,
        "years_observed": int(s_vals.size),
        "phosphorus_last_mg_l": float(p_vals[-1]) if p_vals.size else np.nan,
        "phosphorus_recent_mean_mg_l": float(p_vals[-window:].mean()) if p_vals.size else np.nan,
    }


def lake_history(tables, lake_id: str) -> pd.DataFrame:
    """One lake's yearly Secchi and phosphorus means, ascending by year."""
    ly = tables.lake_years
    rows = ly.loc[ly["lake_id"] == lake_id, ["year", "secchi_mean_m", "phosphorus_mean_mg_l"]]
    return rows.sort_values("year").reset_index(drop=True)


def morphometry(tables, lake_id: str) -> dict[str, Any]:
    lakes = tables.lakes
    row = lakes.loc[lakes["lake_id"] == lake_id, MORPHOMETRY]
    if row.empty:
        return {name: np.nan for name in MORPHOMETRY}
    return {k: (np.nan if pd.isna(v) else v) for k, v in row.iloc[0].to_dict().items()}


def secchi_lake_rows(history: pd.DataFrame, lake: dict[str, Any], window: int) -> list[dict[str, Any]]:
    """Training rows of one lake: each origin year t with Secchi observed in t and t+1.

    ``history`` is ``lake_history`` output; ``year`` of a row is t+1, the year predicted.
    """
    years = history["year"].to_numpy()
    secchi = history["secchi_mean_m"].to_numpy(dtype=float)
    phosphorus = history["phosphorus_mean_mg_l"].to_numpy(dtype=float)
    rows = []
    for i in range(len(years) - 1):
        if years[i + 1] != years[i] + 1 or np.isnan(secchi[i]) or np.isnan(secchi[i + 1]):
            continue
        feats = secchi_history_features(years[: i + 1], secchi[: i + 1], phosphorus[: i + 1], window)
        rows.append({"year": int(years[i + 1]), **feats, **lake, SECCHI_TARGET: float(secchi[i + 1])})
    return rows


def secchi_forecast_frame(tables, window: int = 3) -> pd.DataFrame:
    """One row per lake and origin year t with Secchi observed in t and t+1.

    Features use years <= t only; the target is the Secchi mean of t+1, ``year`` is t+1.
    """
    rows = []
    ly = tables.lake_years.sort_values(["lake_id", "year"])
    for lake_id, group in ly.groupby("lake_id", sort=True):
        history = group[["year", "secchi_mean_m", "phosphorus_mean_mg_l"]]
        rows += [{"lake_id": lake_id, **row} for row in secchi_lake_rows(history, morphometry(tables, lake_id), window)]
    columns = ["lake_id", "year", *[f.name for f in SECCHI_FEATURES], SECCHI_TARGET]
    return pd.DataFrame(rows, columns=columns)


# -- iceout_doy ------------------------------------------------------------------------------
ICEOUT_FEATURES: list[FeatureSpec] = [
    FeatureSpec("latitude", "float", "degrees", "lake latitude (WGS84)", True),
    FeatureSpec("longitude", "float", "degrees", "lake longitude (WGS84)", True),
    FeatureSpec("area_acres", "float", "acres", "lake area"),
    FeatureSpec("max_depth_ft", "float", "ft", "maximum depth"),
    FeatureSpec("mean_depth_ft", "float", "ft", "mean depth"),
    FeatureSpec("year", "int", "year", "calendar year (a linear trend)", True),
]
ICEOUT_TARGET = "doy"
ICEOUT_LAKE_COLUMNS = ["latitude", "longitude", "area_acres", "max_depth_ft", "mean_depth_ft"]


def iceout_frame(tables, min_year: int | None = None) -> pd.DataFrame:
    """Ice-out lake-years (from ``min_year``) joined with the lake's location and morphometry."""
    ice = tables.ice_out[["lake_id", "year", "doy"]]
    if min_year is not None:
        ice = ice[ice["year"] >= min_year]
    lakes = tables.lakes[["lake_id", *ICEOUT_LAKE_COLUMNS]]
    frame = ice.merge(lakes, on="lake_id", how="inner", validate="many_to_one")
    frame = frame.dropna(subset=["latitude", "longitude"])
    columns = ["lake_id", "year", *ICEOUT_LAKE_COLUMNS, ICEOUT_TARGET]
    return frame[columns].sort_values(["lake_id", "year"]).reset_index(drop=True)


def iceout_rows(tables, lake_id: str, years: Sequence[int]) -> pd.DataFrame:
    """Feature rows for one lake in the given years (for fitted values and forecasts)."""
    lakes = tables.lakes
    row = lakes.loc[lakes["lake_id"] == lake_id, ICEOUT_LAKE_COLUMNS]
    base = row.iloc[0].to_dict() if not row.empty else {c: np.nan for c in ICEOUT_LAKE_COLUMNS}
    return pd.DataFrame([{**base, "year": int(y)} for y in years], columns=[f.name for f in ICEOUT_FEATURES])


# -- registry of frames and schemas ------------------------------------------------------------
FEATURES: dict[str, list[FeatureSpec]] = {
    "property_value": PROPERTY_VALUE_FEATURES,
    "secchi_forecast": SECCHI_FEATURES,
    "iceout_doy": ICEOUT_FEATURES,
}
TARGETS: dict[str, tuple[str, str]] = {  # model -> (target column, unit)
    "property_value": (PROPERTY_VALUE_TARGET, "USD"),
    "secchi_forecast": (SECCHI_TARGET, "m"),
    "iceout_doy": (ICEOUT_TARGET, "day of year"),
}


def feature_schema(specs: Sequence[FeatureSpec], frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The manifest's feature list: spec plus range (numeric) or categories seen in training."""
    out = []
    for spec in specs:
        values = frame[spec.name]
        entry: dict[str, Any] = {
            "name": spec.name, "dtype": spec.dtype, "unit": spec.unit, "description": spec.description,
            "min": None, "max": None, "categories": None, "required": spec.required,
            "original_name": spec.original_name,
        }
        if spec.dtype == "category":
            entry["categories"] = sorted(str(v) for v in values.dropna().unique())
        elif values.notna().any():
            cast = int if spec.dtype == "int" else float
            entry["min"], entry["max"] = cast(values.min()), cast(values.max())
        out.append(entry)
    return out


def coerce_features(frame: pd.DataFrame, schema: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Order and type the columns a model expects; absent optional features become NaN.

    Raises ``FeatureError`` naming required features that are absent or null, or values that
    are not numbers where numbers are expected.
    """
    frame = pd.DataFrame(frame)
    out = {}
    problems = []
    for feat in schema:
        name = feat["name"]
        column = frame[name] if name in frame.columns else pd.Series(np.nan, index=frame.index)
        if feat.get("required") and column.isna().any():
            problems.append(f"{name} is required")
            continue
        if feat["dtype"] == "category":
            values = column.astype(object)
            out[name] = values.where(values.notna(), None).map(lambda v: v if v is None else str(v))
        else:
            numbers = pd.to_numeric(column, errors="coerce")
            if (numbers.isna() & column.notna()).any():
                problems.append(f"{name} must be a number")
                continue
            out[name] = numbers.astype(float)
    if problems:
        raise FeatureError("; ".join(problems))
    return pd.DataFrame(out, index=frame.index)
