"""Lake facts as JSON-ready dicts, computed from the tidy tables once per data version.

``LakeData.from_tables`` builds the per-lake summaries (with latest values) and indexes up front,
so lake routes only filter and slice; everything here is a pure function of the tables.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from lakemodel.settings import Settings


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    std_field: str | None = None
    higher_is_better: bool | None = None   # None: no good direction (e.g. counts)
    source: str = "lake_years"             # or "ice_out"
    numeric: bool = True


#: The metrics the API serves; names are the same in every route.
METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("secchi_mean_m", "Secchi depth", "m", "secchi_std_m", True),
    Metric("phosphorus_mean_mg_l", "Total phosphorus", "mg/L", "phosphorus_std_mg_l", False),
    Metric("log_phosphorus_mean", "log total phosphorus", "log(mg/L)", "log_phosphorus_std", False),
    Metric("grade", "Seasonal water-quality grade", "", None, None, numeric=False),
    Metric("rec_avg", "Recreational suitability (1 best - 5 worst)", "", None, False),
    Metric("physical_avg", "Physical condition (1 best - 5 worst)", "", None, False),
    Metric("median_sale_value_usd", "Median sale value of nearby properties", "USD", "iqr_sale_value_usd", True),
    Metric("median_emv_total_usd", "Median estimated market value", "USD", "iqr_emv_total_usd", True),
    Metric("n_properties", "Properties near the lake", "count", None, None),
    Metric("n_sales", "Property sales", "count", None, None),
    Metric("iceout_doy", "Ice-out day of year", "day of year", None, True, source="ice_out"),
]}
SERIES_METRICS = [m for m in METRICS if METRICS[m].source == "lake_years"]
TREND_METRICS = [m for m in METRICS if METRICS[m].numeric and METRICS[m].higher_is_better is not None]
HAS_FLAGS = {"water_quality": "has_water_quality", "property": "has_property", "iceout": "has_iceout"}

_ID_RE = re.compile(r"^(\d{2})-?(\d{4})-?(\d{2})$")


def normalize_lake_id(raw: str) -> str | None:
    """``70-0072-00`` or ``70007200`` -> ``70007200``; None when it is not a DOW number."""
    match = _ID_RE.match(raw.strip())
    return "".join(match.groups()) if match else None


def clean(value: Any) -> Any:
    """numpy / pandas scalars -> JSON-safe Python values (NaN, NaT, NA -> None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict]:
    """Rows as JSON-safe dicts (vectorised: one pass per column, not per cell type check)."""
    cols = list(columns)
    out_cols = {}
    for col in cols:
        series = frame[col]
        if pd.api.types.is_bool_dtype(series):
            out_cols[col] = series.astype(bool).tolist()
        elif pd.api.types.is_integer_dtype(series):
            out_cols[col] = [None if pd.isna(v) else int(v) for v in series.astype(object)] \
                if series.hasnans else series.astype("int64").tolist()
        elif pd.api.types.is_float_dtype(series):
            values = series.to_numpy(dtype=float, na_value=np.nan)
            out_cols[col] = [None if not math.isfinite(v) else v for v in values.tolist()]
        elif pd.api.types.is_datetime64_any_dtype(series):
            out_cols[col] = [None if pd.isna(v) else v.date().isoformat() for v in series]
        else:
            out_cols[col] = [clean(v) for v in series.astype(object).tolist()]
    n = len(frame)
    return [{col: out_cols[col][i] for col in cols} for i in range(n)]


SUMMARY_COLUMNS = ["lake_id", "display_id", "name", "county", "city", "major_watershed", "latitude",
                   "longitude", "area_acres", "max_depth_ft", "has_water_quality", "has_property",
                   "has_iceout"]
DETAIL_COLUMNS = ["ecoregion", "mean_depth_ft", "n_sites"]
LATEST_FIELDS = ["secchi_mean_m", "phosphorus_mean_mg_l", "grade", "median_sale_value_usd"]


def latest_values(lake_years: pd.DataFrame, ice_out: pd.DataFrame) -> pd.DataFrame:
    """Per lake: the most recent monitoring year's values and the most recent ice-out."""
    last = (lake_years.sort_values(["lake_id", "year"]).groupby("lake_id", sort=False).tail(1)
            .set_index("lake_id")[["year", *LATEST_FIELDS]])
    ice = (ice_out.sort_values(["lake_id", "year"]).groupby("lake_id", sort=False).tail(1)
           .set_index("lake_id")[["year", "doy"]].rename(columns={"year": "iceout_year", "doy": "iceout_doy"}))
    out = last.join(ice, how="outer")
    return out.astype({"year": "Int64", "iceout_year": "Int64", "iceout_doy": "Int64"})


def year_range(frame: pd.DataFrame, value_cols: list[str]) -> pd.DataFrame:
    """Per lake: first and last year with any of ``value_cols`` observed, and the count."""
    has = frame[value_cols].notna().any(axis=1)
    sub = frame.loc[has, ["lake_id", "year"]]
    return sub.groupby("lake_id")["year"].agg(["min", "max", "count"])


class LakeData:
    """Indexes over one version of the tables; immutable once built."""

    def __init__(self, tables, settings: Settings | None = None):
        self.tables = tables
        lakes = tables.lakes.sort_values(["name", "lake_id"], kind="stable").reset_index(drop=True)
        latest = latest_values(tables.lake_years, tables.ice_out).reindex(lakes["lake_id"])
        self.lakes = lakes
        self.lake_index = pd.Index(lakes["lake_id"])
        base = records(lakes, SUMMARY_COLUMNS)
        latest_rows = records(latest.reset_index(drop=True),
                              ["year", *LATEST_FIELDS, "iceout_year", "iceout_doy"])
        for row, lat in zip(base, latest_rows):
            row["latest"] = lat
        self.summaries: list[dict] = base
        # filter columns (lower-case for case-insensitive matching)
        self.latest_grade = latest["grade"].astype(object).where(latest["grade"].notna(), None).tolist()
        self._county = lakes["county"].str.lower().fillna("")
        self._watershed = lakes["major_watershed"].str.lower().fillna("")
        self._name = lakes["name"].str.lower().fillna("")
        wq = year_range(tables.lake_years, ["secchi_mean_m", "phosphorus_mean_mg_l", "grade"])
        ice = year_range(tables.ice_out, ["doy"])
        detail = records(lakes, DETAIL_COLUMNS)
        for i, lake_id in enumerate(lakes["lake_id"]):
            d = detail[i]
            d["water_quality_years"] = [int(wq.at[lake_id, "min"]), int(wq.at[lake_id, "max"])] \
                if lake_id in wq.index else None
            d["iceout_years"] = [int(ice.at[lake_id, "min"]), int(ice.at[lake_id, "max"])] \
                if lake_id in ice.index else None
            d["n_iceout"] = int(ice.at[lake_id, "count"]) if lake_id in ice.index else 0
        self._detail = detail
        self.years_by_lake = {k: g for k, g in tables.lake_years.groupby("lake_id", sort=False)}
        self.ice_by_lake = {k: g for k, g in tables.ice_out.groupby("lake_id", sort=False)}
        self.lake_years_by_year = {int(k): g for k, g in tables.lake_years.groupby("year", sort=True)}
        self.ice_by_year = {int(k): g for k, g in tables.ice_out.groupby("year", sort=True)}

    @classmethod
    def from_tables(cls, tables, settings: Settings | None = None) -> "LakeData":
        return cls(tables, settings)

    # -- lookups ------------------------------------------------------------------------------
    def position(self, lake_id: str) -> int | None:
        norm = normalize_lake_id(lake_id)
        if norm is None or norm not in self.lake_index:
            return None
        return int(self.lake_index.get_loc(norm))

    def summary(self, pos: int) -> dict:
        return self.summaries[pos]

    def detail(self, pos: int) -> dict:
        return {**self.summaries[pos], **self._detail[pos]}

    def search(self, county: str | None = None, watershed: str | None = None, grades: list[str] | None = None,
               has: list[str] | None = None, q: str | None = None) -> np.ndarray:
        """Positions of lakes matching every given filter (vectorised boolean masks)."""
        mask = np.ones(len(self.lakes), dtype=bool)
        if county:
            mask &= (self._county == county.strip().lower()).to_numpy()
        if watershed:
            mask &= (self._watershed == watershed.strip().lower()).to_numpy()
        if grades:
            wanted = {g.upper() for g in grades}
            mask &= np.array([g in wanted for g in self.latest_grade], dtype=bool)
        for flag in has or []:
            mask &= self.lakes[HAS_FLAGS[flag]].to_numpy(dtype=bool)
        if q:
            text = q.strip().lower()
            norm = normalize_lake_id(text)
            by_name = self._name.str.contains(text, regex=False).to_numpy()
            digits = text.replace("-", "")
            by_id = self.lakes["lake_id"].str.startswith(digits).to_numpy() if digits.isdigit() else False
            if norm is not None:
                by_id = by_id | (self.lakes["lake_id"] == norm).to_numpy()
            mask &= by_name | by_id
        return np.flatnonzero(mask)

    # -- per-lake data ------------------------------------------------------------------------
    def series(self, lake_id: str, metrics: list[str]) -> list[dict]:
        frame = self.years_by_lake.get(lake_id)
        if frame is None:
            return []
        cols = ["year"]
        for name in metrics:
            cols.append(name)
            std = METRICS[name].std_field
            if std:
                cols.append(std)
        frame = frame.sort_values("year")
        return records(frame, dict.fromkeys(cols))

    def ice_out(self, lake_id: str) -> list[dict]:
        frame = self.ice_by_lake.get(lake_id)
        if frame is None:
            return []
        return records(frame.sort_values("year"), ["year", "date", "doy", "source"])

    def metric_series(self, lake_id: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Years and values of one numeric metric for one lake (ice-out or monitoring)."""
        if METRICS[metric].source == "ice_out":
            frame = self.ice_by_lake.get(lake_id)
            col = "doy"
        else:
            frame = self.years_by_lake.get(lake_id)
            col = metric
        if frame is None:
            return np.array([]), np.array([])
        frame = frame.sort_values("year")
        return frame["year"].to_numpy(dtype=float), frame[col].to_numpy(dtype=float, na_value=np.nan)

    def lake_years(self, year: int, metrics: list[str]) -> list[dict]:
        """All lakes' values of ``metrics`` in ``year`` (rows for lakes with any data that year)."""
        yearly = [m for m in metrics if METRICS[m].source == "lake_years"]
        frame = self.lake_years_by_year.get(year)
        frame = frame[["lake_id", "year", *yearly]] if frame is not None else None
        if "iceout_doy" in metrics:
            ice = self.ice_by_year.get(year)
            ice = ice[["lake_id", "year", "doy"]].rename(columns={"doy": "iceout_doy"}) if ice is not None else None
            if frame is None:
                frame = ice
            elif ice is not None:
                frame = frame.merge(ice, on=["lake_id", "year"], how="outer")
            else:
                frame = frame.assign(iceout_doy=np.nan)
        if frame is None or frame.empty:
            return []
        for m in metrics:
            if m not in frame.columns:
                frame = frame.assign(**{m: np.nan})
        if "iceout_doy" in metrics:
            frame = frame.astype({"iceout_doy": "Int64"})
        return records(frame.sort_values("lake_id"), ["lake_id", "year", *metrics])

    def aggregates(self, metric: str, by: str, group: str | None, year: int | None) -> list[dict]:
        """Median of ``metric`` per group (county / major_watershed) and year, with lake counts."""
        if METRICS[metric].source == "ice_out":
            frame = self.tables.ice_out.rename(columns={"doy": metric})[["lake_id", "year", metric]]
            frame = frame.merge(self.lakes[["lake_id", by]], on="lake_id", how="left")
        else:
            frame = self.tables.lake_years[["lake_id", "year", metric]]
            frame = frame.merge(self.lakes[["lake_id", by]], on="lake_id", how="left")
        frame = frame.dropna(subset=[metric, by])
        if group:
            frame = frame[frame[by].str.lower() == group.strip().lower()]
        if year is not None:
            frame = frame[frame["year"] == year]
        if frame.empty:
            return []
        out = (frame.groupby([by, "year"], sort=True)
               .agg(median=(metric, "median"), n_lakes=("lake_id", "nunique")).reset_index()
               .rename(columns={by: "group"}))
        return records(out, ["group", "year", "median", "n_lakes"])
