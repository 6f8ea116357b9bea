"""Forecasts and what-if scenarios for one lake: pure functions of (model, tables, lake).

``model`` is a registry ``LoadedModel`` (or anything with ``.predict(frame, scale)`` returning
value/lower/upper, ``.manifest`` and ``.unit``). Nothing here reads files or the network, so the
API calls these directly and tests run them on the real tables.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import features as F


class ForecastError(ValueError):
    """A forecast or scenario cannot be made for this input (message says why)."""


class UnknownLakeError(ForecastError):
    """The lake id is not in the tables."""


class NoDataError(ForecastError):
    """The lake exists but lacks the data this model needs."""


@dataclass(frozen=True)
class ForecastResult:
    observed: pd.DataFrame  # year, value
    fitted: pd.DataFrame    # year, value, lower, upper
    forecast: pd.DataFrame  # year, value, lower, upper
    unit: str
    interval_level: float | None = None


INTERVAL_COLUMNS = ["year", "value", "lower", "upper"]


def _check_lake(tables, lake_id: str) -> pd.Series:
    lakes = tables.lakes
    match = lakes[lakes["lake_id"] == lake_id]
    if match.empty:
        raise UnknownLakeError(f"unknown lake {lake_id!r}")
    return match.iloc[0]


def _check_horizon(model, horizon) -> int:
    limit = int((model.manifest.get("config") or {}).get("model", {}).get("max_horizon", 10))
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or not 1 <= horizon <= limit:
        raise ForecastError(f"horizon must be a whole number of years from 1 to {limit}")
    return int(horizon)


def _interval_frame(years, prediction) -> pd.DataFrame:
    n = len(years)
    lower = prediction.lower if prediction.lower is not None else np.full(n, np.nan)
    upper = prediction.upper if prediction.upper is not None else np.full(n, np.nan)
    return pd.DataFrame({"year": np.asarray(years, dtype=int), "value": prediction.value,
                         "lower": lower, "upper": upper}, columns=INTERVAL_COLUMNS)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"year": pd.Series(dtype=int), "value": pd.Series(dtype=float),
                         "lower": pd.Series(dtype=float), "upper": pd.Series(dtype=float)})


# -- Secchi --------------------------------------------------------------------------------------
def forecast_secchi(model, tables, lake_id: str, horizon: int) -> ForecastResult:
    """Observed yearly Secchi, one-step-ahead fitted values, and a recursive forecast.

    Each forecast year feeds its predicted value back as the latest observation; phosphorus
    is carried forward unchanged. The one-step conformal radius is widened by sqrt(h) for the
    h-th year ahead (a random-walk approximation, documented in docs/models.md).
    """
    horizon = _check_horizon(model, horizon)
    _check_lake(tables, lake_id)
    window = int(model.manifest["config"]["model"].get("window_years", 3))
    history = F.lake_history(tables, lake_id)
    observed = history.dropna(subset=["secchi_mean_m"])
    if observed.empty:
        raise NoDataError(f"lake {lake_id} has no Secchi measurements")
    lake = F.morphometry(tables, lake_id)

    fitted_rows = pd.DataFrame(F.secchi_lake_rows(history, lake, window))
    fitted = _empty()
    if not fitted_rows.empty:
        fitted = _interval_frame(fitted_rows["year"], model.predict(fitted_rows))

    years = history["year"].to_numpy()
    secchi = history["secchi_mean_m"].to_numpy(dtype=float)
    phosphorus = history["phosphorus_mean_mg_l"].to_numpy(dtype=float)
    last = int(observed["year"].max())
    keep = years <= last
    years, secchi, phosphorus = years[keep], secchi[keep], phosphorus[keep]
    out = []
    for h in range(1, horizon + 1):
        row = {**F.secchi_history_features(years, secchi, phosphorus, window), **lake}
        pred = model.predict(pd.DataFrame([row]), scale=math.sqrt(h))
        out.append(_interval_frame([last + h], pred))
        years = np.append(years, last + h)
        secchi = np.append(secchi, pred.value[0])
        phosphorus = np.append(phosphorus, np.nan)
    observed_frame = pd.DataFrame({"year": observed["year"].astype(int).to_numpy(),
                                   "value": observed["secchi_mean_m"].to_numpy(dtype=float)})
    return ForecastResult(observed_frame, fitted, pd.concat(out, ignore_index=True), model.unit,
                          model.manifest.get("interval", {}).get("level"))


# -- ice-out -------------------------------------------------------------------------------------
def forecast_iceout(model, tables, lake_id: str, horizon: int) -> ForecastResult:
    """Observed ice-out days, model values for the observed years (from the model's
    ``min_year``), and the next ``horizon`` years after the lake's last record.

    Works for any lake with coordinates: one without records is forecast from the year after
    the latest record statewide. Years are independent, so the interval is not widened.
    """
    horizon = _check_horizon(model, horizon)
    lake = _check_lake(tables, lake_id)
    if pd.isna(lake["latitude"]) or pd.isna(lake["longitude"]):
        raise NoDataError(f"lake {lake_id} has no coordinates")
    ice = tables.ice_out
    rows = ice[ice["lake_id"] == lake_id].sort_values("year")
    observed = pd.DataFrame({"year": rows["year"].astype(int).to_numpy(), "value": rows["doy"].to_numpy(dtype=float)})
    min_year = (model.manifest["config"]["model"].get("min_year") or 0)
    fit_years = observed.loc[observed["year"] >= min_year, "year"].tolist()
    fitted = _interval_frame(fit_years, model.predict(F.iceout_rows(tables, lake_id, fit_years))) if fit_years else _empty()
    start = int(observed["year"].max()) if not observed.empty else int(ice["year"].max())
    future = list(range(start + 1, start + horizon + 1))
    forecast = _interval_frame(future, model.predict(F.iceout_rows(tables, lake_id, future)))
    return ForecastResult(observed, fitted, forecast, model.unit, model.manifest.get("interval", {}).get("level"))


# -- property value scenario ---------------------------------------------------------------------
def _positive(name: str, value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value) or value <= 0:
        raise ForecastError(f"{name} must be a positive number")
    return float(value)


def property_value_scenario(model, tables, lake_id: str, year: int, secchi_mean_m: float | None = None,
                            phosphorus_mean_mg_l: float | None = None) -> dict[str, Any]:
    """Predicted median sale value for a lake-year as observed and with changed water quality.

    A new phosphorus mean shifts the year's mean log phosphorus by log(new/old) (keeping its
    spread); a new Secchi mean replaces the observed one. ``difference`` = scenario - baseline.
    """
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
        raise ForecastError("year must be a whole number")
    secchi_mean_m = _positive("secchi_mean_m", secchi_mean_m)
    phosphorus_mean_mg_l = _positive("phosphorus_mean_mg_l", phosphorus_mean_mg_l)
    _check_lake(tables, lake_id)
    ly = tables.lake_years
    match = ly[(ly["lake_id"] == lake_id) & (ly["year"] == year)]
    if match.empty:
        raise NoDataError(f"lake {lake_id} has no monitoring data for {year}")
    base = match.iloc[[0]].reset_index(drop=True)
    names = [f["name"] for f in model.features]
    missing = [f["name"] for f in model.features if f["required"] and pd.isna(base.at[0, f["name"]])]
    if missing:
        raise NoDataError(f"lake {lake_id} in {year} lacks {', '.join(missing)}")
    scenario = base.copy()
    old_p = base.at[0, "phosphorus_mean_mg_l"]
    if secchi_mean_m is not None:
        scenario.at[0, "secchi_mean_m"] = secchi_mean_m
    if phosphorus_mean_mg_l is not None:
        scenario.at[0, "phosphorus_mean_mg_l"] = phosphorus_mean_mg_l
        if pd.notna(old_p) and old_p > 0:
            scenario.at[0, "log_phosphorus_mean"] = base.at[0, "log_phosphorus_mean"] + math.log(phosphorus_mean_mg_l / old_p)
        else:
            scenario.at[0, "log_phosphorus_mean"] = math.log(phosphorus_mean_mg_l)
    both = pd.concat([base, scenario], ignore_index=True)
    pred = model.predict(both[names])

    def side(i: int, frame: pd.DataFrame) -> dict[str, Any]:
        p = frame.at[0, "phosphorus_mean_mg_l"]
        return {"secchi_mean_m": float(frame.at[0, "secchi_mean_m"]),
                "phosphorus_mean_mg_l": None if pd.isna(p) else float(p),
                "value": float(pred.value[i]),
                "lower": None if pred.lower is None else float(pred.lower[i]),
                "upper": None if pred.upper is None else float(pred.upper[i])}

    baseline, changed = side(0, base), side(1, scenario)
    difference = changed["value"] - baseline["value"]
    return {"lake_id": lake_id, "year": int(year), "model": model.name, "version": model.version, "unit": model.unit,
            "baseline": baseline, "scenario": changed, "difference": difference,
            "difference_pct": 100.0 * difference / baseline["value"]}


# -- model values for every observed year ------------------------------------------------------
@dataclass(frozen=True)
class ModelValues:
    """A model's value for each year in which a lake's target was observed.

    ``values``: year, observed (the target that year), value, lower, upper (intervals NaN without one).
    ``skipped``: observed years the model cannot value, ``{"year", "reason", "missing"}`` (feature names).
    """

    target: str
    unit: str
    interval_level: float | None
    values: pd.DataFrame
    skipped: list[dict[str, Any]]


#: Words for the measurements behind required features, so a skipped year reads "phosphorus not measured".
_MEASUREMENTS = (("phosphorus", "phosphorus"), ("secchi", "Secchi depth"))


def missing_reason(missing: list[str]) -> str:
    """Why a year has no model value, from the required features it lacks (in plain words)."""
    parts, rest = [], list(missing)
    for key, label in _MEASUREMENTS:
        names = [m for m in missing if key in m]
        if not names:
            continue
        rest = [m for m in rest if m not in names]
        only_spread = all(n.endswith("_std") or "_std_" in n for n in names)
        parts.append(f"{label} spread not measured (fewer than two readings)" if only_spread
                     else f"{label} not measured")
    parts += [f"{m} missing" for m in rest]
    return "; ".join(parts)


def _values_frame(years, observed, prediction=None) -> pd.DataFrame:
    frame = _empty() if prediction is None else _interval_frame(years, prediction)
    frame.insert(1, "observed", np.asarray(observed, dtype=float))
    return frame


def _property_values(model, tables, lake_id: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    target = model.manifest.get("target") or F.PROPERTY_VALUE_TARGET
    ly = tables.lake_years
    rows = ly[(ly["lake_id"] == lake_id) & ly[target].notna()].sort_values("year").reset_index(drop=True)
    required = [f["name"] for f in model.features if f["required"]]
    lacking = rows[required].isna()
    skipped = []
    for i in rows.index[lacking.any(axis=1)]:
        missing = [n for n in required if lacking.at[i, n]]
        skipped.append({"year": int(rows.at[i, "year"]), "missing": missing, "reason": missing_reason(missing)})
    ok = rows[~lacking.any(axis=1)].reset_index(drop=True)
    if ok.empty:
        return _values_frame([], []), skipped
    pred = model.predict(ok[[f["name"] for f in model.features]])
    return _values_frame(ok["year"], ok[target], pred), skipped


def _secchi_values(model, tables, lake_id: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    window = int(model.manifest["config"]["model"].get("window_years", 3))
    history = F.lake_history(tables, lake_id)
    observed = history.dropna(subset=["secchi_mean_m"])
    rows = pd.DataFrame(F.secchi_lake_rows(history, F.morphometry(tables, lake_id), window))
    fitted = set() if rows.empty else set(rows["year"].astype(int))
    skipped = [{"year": int(y), "missing": ["secchi_last_m"],
                "reason": "Secchi depth not measured the year before"}
               for y in observed["year"] if int(y) not in fitted]
    if rows.empty:
        return _values_frame([], []), skipped
    return _values_frame(rows["year"], rows[F.SECCHI_TARGET], model.predict(rows)), skipped


def _iceout_values(model, tables, lake_id: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    lake = _check_lake(tables, lake_id)
    ice = tables.ice_out
    rows = ice[ice["lake_id"] == lake_id].sort_values("year")
    min_year = int(model.manifest["config"]["model"].get("min_year") or 0)
    no_place = pd.isna(lake["latitude"]) or pd.isna(lake["longitude"])
    skipped, years, observed = [], [], []
    for year, doy in zip(rows["year"].astype(int), rows["doy"].astype(float)):
        if no_place:
            skipped.append({"year": int(year), "missing": ["latitude", "longitude"], "reason": "lake has no coordinates"})
        elif year < min_year:
            skipped.append({"year": int(year), "missing": [], "reason": f"before {min_year}, the model's first year"})
        else:
            years.append(int(year))
            observed.append(doy)
    if not years:
        return _values_frame([], []), skipped
    return _values_frame(years, observed, model.predict(F.iceout_rows(tables, lake_id, years))), skipped


_MODEL_VALUES = {"property_value": _property_values, "secchi_forecast": _secchi_values, "iceout_doy": _iceout_values}


def model_values(model, tables, lake_id: str) -> ModelValues:
    """The model's value (with interval) for every year the lake's target was observed.

    Years whose required features are missing are not predicted but listed in ``skipped`` with the
    reason, so one unmeasured year never hides the others. One batch prediction per call.
    """
    _check_lake(tables, lake_id)
    build = _MODEL_VALUES.get(model.name)
    if build is None:
        raise ForecastError(f"model {model.name!r} has no per-year values; one of {', '.join(_MODEL_VALUES)}")
    values, skipped = build(model, tables, lake_id)
    return ModelValues(target=model.manifest.get("target", ""), unit=model.unit,
                       interval_level=model.manifest.get("interval", {}).get("level"), values=values,
                       skipped=sorted(skipped, key=lambda s: s["year"]))
