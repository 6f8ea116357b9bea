"""Tidy Parquet tables built from the verified raw files: ``lakes``, ``lake_years``, ``ice_out``.

``build_tables(settings)`` fetches (checksum-verified), then calls ``build_tables_from_files``,
which reads, validates, rolls monitoring sites up to lakes, de-duplicates ice-out records and
writes Parquet plus ``validation_report.json``. The rules are in docs/data.md; the column
contract is docs/architecture.md section 2. The transforming steps are pure functions of frames
so they can be tested without files.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from . import readers
from .settings import Settings
from .sources import DataError, fetch, sha256_of
from .validation import (
    DOW_PATTERN,
    SITE_PATTERN,
    TableReport,
    coerce_numeric,
    drop_duplicates,
    null_negative,
    null_out_of_range,
    null_unknown_category,
    parse_dates,
    repair_to_derived,
    report_dict,
    require_int_range,
    require_key,
)

#: Config source names of the raw files the tables are built from.
MONITORING, ICEOUT, METADATA, FISHERIES = (
    "lake_data_for_viz", "mn_iceout", "mnlakesmetadata", "mn_lakes_dnr_fisheries")
TABLE_SOURCES = (MONITORING, ICEOUT, METADATA, FISHERIES)
#: Files whose bytes make up ``Tables.checksum`` (the API's ETag), in this order.
CHECKSUMMED = ("lakes", "lake_years", "ice_out")
REPORT_FILE = "validation_report.json"
GRADES = ("A", "B", "C", "D", "F")

#: lake_data_for_viz.csv column -> tidy column (site_years / lake_years).
MONITORING_COLUMNS: dict[str, str] = {
    "DNR_ID_Site_Number": "site_id",
    "Year": "year",
    "LAKE_NAME_x": "name",
    "CITY": "city",
    "COUNTY": "county",
    "MAJOR_WATERSHED_x": "major_watershed",
    "latitude": "latitude",
    "longitude": "longitude",
    "Mean(Secchi_Depth_RESULT)": "secchi_mean_m",
    "Std Dev(Secchi_Depth_RESULT)": "secchi_std_m",
    "avg(Total_Phosphorus_RESULT)": "phosphorus_mean_mg_l",
    "stddev_samp(Total_Phosphorus_RESULT)": "phosphorus_std_mg_l",
    "Mean(log_phosphorus)": "log_phosphorus_mean",
    "Std Dev(log_phosphorus)": "log_phosphorus_std",
    "seasonal.grade": "grade",
    "rec.avg": "rec_avg",
    "physical.avg": "physical_avg",
    "num.rec.readings": "rec_readings",
    "num.physical.readings": "physical_readings",
    **{f"{kind}_{i}": f"{kind}_{i}" for kind in ("rec", "seasonal", "physical") for i in range(1, 6)},
    "Number Properties": "n_properties",
    "Median(SALE_VALUE)": "median_sale_value_usd",
    "Interquartile Range(SALE_VALUE)": "iqr_sale_value_usd",
    "Median(EMV_TOTAL)": "median_emv_total_usd",
    "Interquartile Range(EMV_TOTAL)": "iqr_emv_total_usd",
    "Median(TOTAL_TAX)": "median_total_tax_usd",
    "Interquartile Range(TOTAL_TAX)": "iqr_total_tax_usd",
    "Median(FIN_SQ_FT)": "median_fin_sq_ft",
    "Interquartile Range(FIN_SQ_FT)": "iqr_fin_sq_ft",
    "Mean(ACRES_POLY)": "parcel_acres_mean",
    "Std Dev(ACRES_POLY)": "parcel_acres_std",
    "N(Ag Preserve - Yes)": "n_ag_preserve",
    "N(Basement - Yes)": "n_basement",
    "N(Green ACRE - Yes)": "n_green_acre",
    "N(Homestead - Partial)": "n_homestead_partial",
    "N(Homestead - Yes)": "n_homestead_yes",
    "N(Single Unit)": "n_single_unit",
    "N(Multiple Unit)": "n_multiple_unit",
    "N(Sales that year)": "n_sales",
    "N(Built that year)": "n_built",
}
#: tidy column -> original column name (the original lakeModel payload uses these).
ORIGINAL_NAMES: dict[str, str] = {v: k for k, v in MONITORING_COLUMNS.items()}
ORIGINAL_NAMES["lake_id"] = "DNR_ID_Site_Number"

TEXT_COLUMNS = ("site_id", "name", "city", "county", "major_watershed", "grade")
WATER_QUALITY = ("secchi", "phosphorus", "log_phosphorus")
READING_COUNTS = tuple(f"{kind}_{i}" for kind in ("rec", "seasonal", "physical") for i in range(1, 6))
PROPERTY_COLUMNS = (
    "n_properties", "median_sale_value_usd", "iqr_sale_value_usd", "median_emv_total_usd",
    "iqr_emv_total_usd", "median_total_tax_usd", "iqr_total_tax_usd", "median_fin_sq_ft",
    "iqr_fin_sq_ft", "parcel_acres_mean", "parcel_acres_std", "n_ag_preserve", "n_basement",
    "n_green_acre", "n_homestead_partial", "n_homestead_yes", "n_single_unit", "n_multiple_unit",
    "n_sales", "n_built",
)
NUMERIC_MONITORING = tuple(c for c in MONITORING_COLUMNS.values() if c not in TEXT_COLUMNS + ("year",))

LAKE_YEAR_COLUMNS = (
    "lake_id", "year", "secchi_mean_m", "secchi_std_m", "phosphorus_mean_mg_l", "phosphorus_std_mg_l",
    "log_phosphorus_mean", "log_phosphorus_std", "grade", "rec_avg", "physical_avg", "rec_readings",
    "physical_readings", *PROPERTY_COLUMNS, "major_watershed", "county", *READING_COUNTS,
    "n_sites", "site_ids", "grade_site_id", "property_site_id",
)
LAKE_COLUMNS = (
    "lake_id", "display_id", "name", "county", "city", "major_watershed", "ecoregion", "latitude",
    "longitude", "area_acres", "max_depth_ft", "mean_depth_ft", "has_water_quality", "has_property",
    "has_iceout", "n_sites",
)
ICE_OUT_COLUMNS = ("lake_id", "year", "date", "doy", "source", "n_sources", "n_records", "spread_days")


@dataclass(frozen=True)
class Tables:
    """The tidy tables plus their checksum (API ETag) and the validation report."""

    lakes: pd.DataFrame
    lake_years: pd.DataFrame
    ice_out: pd.DataFrame
    checksum: str
    report: dict[str, Any] = field(default_factory=dict)
    #: Per monitoring site and year, before the roll-up (extra; not part of ``checksum``).
    site_years: pd.DataFrame | None = None


# -- public API ----------------------------------------------------------------------------

def build_tables(settings: Settings) -> Tables:
    """Fetch the raw files (checksum-verified) and build, validate and write the tables."""
    paths = {name: fetch(settings, name).path for name in TABLE_SOURCES}
    return build_tables_from_files(paths, settings)


def build_tables_from_files(paths: Mapping[str, Path], settings: Settings) -> Tables:
    """Build the tables from raw files at ``paths`` (config source name -> file), unverified.

    Separate from ``build_tables`` so tests can feed tampered copies of the real files.
    """
    missing = [name for name in TABLE_SOURCES if name not in paths]
    if missing:
        raise DataError(f"raw files missing for: {', '.join(missing)}")
    examples = settings.tables.report_examples

    def rep(name: str, key: tuple[str, ...]) -> TableReport:
        return TableReport(name=name, key=key, max_examples=examples)

    site_rep = rep("site_years", ("DNR_ID_Site_Number", "Year"))
    site_years = clean_monitoring(readers.read_monitoring(paths[MONITORING]), settings, site_rep)
    ice_rep = rep("ice_out", ("id", "year", "source"))
    ice_records = clean_iceout(readers.read_iceout(paths[ICEOUT]), settings, ice_rep)
    meta_rep = rep("lake_metadata", ("LakeId",))
    metadata = clean_metadata(readers.read_lake_metadata(paths[METADATA]), settings, meta_rep)
    fish_rep = rep("fisheries", ("FISHERIES_WATERBODY_ID", "DOW_NBR_PRIMARY"))
    fisheries = clean_fisheries(readers.read_fisheries(paths[FISHERIES]), settings, fish_rep)

    lake_years = roll_up_sites(site_years)
    ice_out = dedupe_iceout(ice_records, settings.tables.iceout_source_priority)
    ice_rep.rows_out = len(ice_out)
    ice_rep.notes = {"records_after_validation": len(ice_records),
                     "lake_years_with_disagreeing_sources": int((ice_out["spread_days"] > 0).sum())}
    lakes = assemble_lakes(site_years, lake_years, ice_records, metadata, fisheries)

    lake_year_rep = rep("lake_years", ("lake_id", "year"))
    lake_year_rep.rows_in, lake_year_rep.rows_out = len(site_years), len(lake_years)
    lake_year_rep.notes = {"lake_years_from_several_sites": int((lake_years["n_sites"] > 1).sum())}
    lake_rep = rep("lakes", ("lake_id",))
    lake_rep.rows_in = lake_rep.rows_out = len(lakes)
    monitored = set(lake_years["lake_id"])
    iced = set(ice_out["lake_id"])
    summary = {
        "monitored_lakes": len(monitored),
        "monitoring_sites": int(site_years["site_id"].nunique()),
        "iceout_lakes": len(iced),
        "lakes_union": len(monitored | iced),
        "lakes_overlap": len(monitored & iced),
        "lake_years": len(lake_years),
        "iceout_lake_years": len(ice_out),
        "lakes_without_dnr_metadata": int((~lakes["lake_id"].isin(metadata["LakeId"])).sum()),
        "lakes_without_coordinates": int(lakes["latitude"].isna().sum()),
    }
    report = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sources": {name: {"file": Path(paths[name]).name, "sha256": sha256_of(Path(paths[name]))}
                    for name in TABLE_SOURCES},
        "summary": summary,
        "tables": report_dict([site_rep, lake_year_rep, ice_rep, lake_rep, meta_rep, fish_rep]),
    }
    write_tables(settings.tables_dir, {"lakes": lakes, "lake_years": lake_years,
                                       "ice_out": ice_out, "site_years": site_years}, report)
    return load_tables(settings)


def load_tables(settings: Settings) -> Tables:
    """Read the built tables; ``DataError`` if they have not been built yet."""
    folder = settings.tables_dir
    needed = [folder / f"{name}.parquet" for name in CHECKSUMMED] + [folder / REPORT_FILE]
    absent = [p.name for p in needed if not p.is_file()]
    if absent:
        raise DataError(f"tables not built in {folder} (missing {', '.join(absent)}): "
                        "run `lakemodel build-tables` first")
    try:
        frames = {name: pd.read_parquet(folder / f"{name}.parquet") for name in CHECKSUMMED}
        site_path = folder / "site_years.parquet"
        site_years = pd.read_parquet(site_path) if site_path.is_file() else None
        report = json.loads((folder / REPORT_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"tables in {folder} are unreadable: {exc}") from None
    return Tables(checksum=tables_checksum(folder), report=report, site_years=site_years, **frames)


def tables_checksum(folder: Path) -> str:
    """sha256 over the three contract Parquet files (in ``CHECKSUMMED`` order)."""
    digest = hashlib.sha256()
    for name in CHECKSUMMED:
        digest.update(name.encode())
        digest.update(bytes.fromhex(sha256_of(folder / f"{name}.parquet")))
    return digest.hexdigest()


def write_tables(folder: Path, frames: Mapping[str, pd.DataFrame], report: dict) -> None:
    """Write each file to a temporary name then rename, so readers never see half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    for name, frame in frames.items():
        tmp = folder / f".{name}.parquet.{pid}.tmp"
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, folder / f"{name}.parquet")
    tmp = folder / f".{REPORT_FILE}.{pid}.tmp"
    tmp.write_text(json.dumps(report, indent=2, default=str))
    os.replace(tmp, folder / REPORT_FILE)


# -- cleaning (raw -> validated frames) -----------------------------------------------------

def clean_monitoring(raw: pd.DataFrame, settings: Settings, report: TableReport) -> pd.DataFrame:
    """lake_data_for_viz rows -> ``site_years`` (one row per site and year, tidy names)."""
    limits = settings.validation
    report.rows_in = len(raw)
    absent = [c for c in MONITORING_COLUMNS if c not in raw.columns]
    if absent:
        raise DataError(f"lake_data_for_viz.csv lacks columns: {', '.join(absent)}")
    frame = require_key(raw, "DNR_ID_Site_Number", SITE_PATTERN, report)
    frame = require_int_range(frame, "Year", limits.monitoring_years, report)
    frame = drop_duplicates(frame, ["DNR_ID_Site_Number", "Year"], report)
    frame = coerce_numeric(frame, [c for c, t in MONITORING_COLUMNS.items() if t in NUMERIC_MONITORING], report)
    frame = frame[list(MONITORING_COLUMNS)].rename(columns=MONITORING_COLUMNS)
    report.key = ("site_id", "year")
    frame = null_out_of_range(frame, "secchi_mean_m", limits.secchi_m, report, also=["secchi_std_m"])
    frame = null_out_of_range(frame, "phosphorus_mean_mg_l", limits.phosphorus_mg_l, report,
                              also=["phosphorus_std_mg_l", "log_phosphorus_mean", "log_phosphorus_std"])
    lo, hi = limits.phosphorus_mg_l
    log_bounds = (np.log(lo) if lo > 0 else -np.inf, np.log(hi))
    frame = null_out_of_range(frame, "log_phosphorus_mean", log_bounds, report,
                              also=["log_phosphorus_std", "phosphorus_mean_mg_l", "phosphorus_std_mg_l"])
    frame = null_out_of_range(frame, "latitude", limits.latitude, report, also=["longitude"])
    frame = null_out_of_range(frame, "longitude", limits.longitude, report, also=["latitude"])
    frame = null_out_of_range(frame, "rec_avg", (1, 5), report)
    frame = null_out_of_range(frame, "physical_avg", (1, 5), report)
    nonnegative = [c for c in NUMERIC_MONITORING if c not in ("latitude", "longitude", "log_phosphorus_mean")]
    frame = null_negative(frame, nonnegative, report)
    frame = null_unknown_category(frame, "grade", GRADES, report)
    for col in ("name", "city", "county", "major_watershed"):
        frame[col] = frame[col].astype("string").str.strip().astype(object).where(frame[col].notna(), None)
    frame.insert(0, "lake_id", frame["site_id"].str[:8])
    frame = frame.sort_values(["lake_id", "year", "site_id"], ignore_index=True)
    report.rows_out = len(frame)
    return frame


def clean_iceout(raw: pd.DataFrame, settings: Settings, report: TableReport) -> pd.DataFrame:
    """mn_iceout records -> validated records (still several per lake-year)."""
    limits = settings.validation
    report.rows_in = len(raw)
    frame = require_key(raw, "id", DOW_PATTERN, report)
    frame = parse_dates(frame, "date", report)
    frame = repair_to_derived(frame, "year", frame["date"].dt.year, report, "year_disagrees_with_date")
    frame = repair_to_derived(frame, "doy", frame["date"].dt.day_of_year, report, "doy_disagrees_with_date")
    lo, hi = limits.iceout_years
    bad_year = (frame["year"] < lo) | (frame["year"] > hi)
    report.add("out_of_range", "year", "dropped", frame, bad_year)
    frame = frame.loc[~bad_year]
    lo, hi = limits.iceout_doy
    bad_doy = (frame["doy"] < lo) | (frame["doy"] > hi)
    report.add("out_of_range", "doy", "dropped", frame, bad_doy)
    frame = frame.loc[~bad_doy].copy()
    frame = coerce_numeric(frame, ["lat", "lon"], report)
    frame = null_out_of_range(frame, "lat", limits.latitude, report, also=["lon"])
    frame = null_out_of_range(frame, "lon", limits.longitude, report, also=["lat"])
    source = frame["source"].astype("string").str.strip()
    no_source = source.isna() | (source == "")
    report.add("missing_source", "source", "repaired", frame, no_source)
    frame["source"] = source.fillna("unknown").mask(no_source, "unknown").astype(str)
    frame = drop_duplicates(frame, ["id", "date", "source"], report, rule="duplicate_record")
    frame = frame.rename(columns={"id": "lake_id", "body_name": "name"})
    return frame[["lake_id", "name", "date", "year", "doy", "lat", "lon", "source"]].reset_index(drop=True)


def clean_metadata(raw: pd.DataFrame, settings: Settings, report: TableReport) -> pd.DataFrame:
    """mnlakesmetadata -> one row per DOW (the largest basin polygon when a DOW repeats)."""
    report.rows_in = len(raw)
    frame = require_key(raw, "LakeId", DOW_PATTERN, report)
    frame = coerce_numeric(frame, ["Acres", "Lat", "Lon"], report)
    frame = null_out_of_range(frame, "Lat", settings.validation.latitude, report, also=["Lon"])
    frame = null_out_of_range(frame, "Lon", settings.validation.longitude, report, also=["Lat"])
    frame = null_negative(frame, ["Acres"], report)
    frame = frame.sort_values(["LakeId", "Acres"], ascending=[True, False], na_position="last")
    frame = drop_duplicates(frame, ["LakeId"], report)
    report.rows_out = len(frame)
    return frame[["LakeId", "Lake", "County", "Ecoregion", "Acres", "Lat", "Lon"]].reset_index(drop=True)


FISHERIES_NUMERIC = ("DOW_NBR_PRIMARY", "DOW_SUB_BASIN_NBR_PRIMARY", "LAKE_AREA_GIS_ACRES",
                     "LAKE_AREA_DOW_ACRES", "MAX_DEPTH_FEET", "MEAN_DEPTH_FEET",
                     "LAKE_CENTER_LAT_DD5", "LAKE_CENTER_LONG_DD5")


def clean_fisheries(raw: pd.DataFrame, settings: Settings, report: TableReport) -> pd.DataFrame:
    """DNR Fisheries table -> one row per 8-digit DOW with area and depths.

    ``DOW_NBR_PRIMARY`` is the 6-digit county+lake number stored as a float (380552.0) and
    ``DOW_SUB_BASIN_NBR_PRIMARY`` the 2-digit basin: DOW = f"{dow:06d}{basin:02d}" (38055200).
    """
    report.rows_in = len(raw)
    frame = coerce_numeric(raw, FISHERIES_NUMERIC, report, thousands=True)
    dow, basin = frame["DOW_NBR_PRIMARY"], frame["DOW_SUB_BASIN_NBR_PRIMARY"].fillna(0)
    usable = dow.notna() & (dow >= 0) & (dow < 1e6) & (dow == dow.round()) & (basin >= 0) & (basin < 100)
    report.add("missing_key", "DOW_NBR_PRIMARY", "dropped", frame, dow.isna())
    report.add("malformed_key", "DOW_NBR_PRIMARY", "dropped", frame, dow.notna() & ~usable)
    frame = frame.loc[usable].copy()
    frame["lake_id"] = [f"{int(d):06d}{int(b):02d}" for d, b in zip(frame["DOW_NBR_PRIMARY"],
                                                                     basin.loc[frame.index])]
    frame = null_out_of_range(frame, "LAKE_CENTER_LAT_DD5", settings.validation.latitude, report,
                              also=["LAKE_CENTER_LONG_DD5"])
    frame = null_out_of_range(frame, "LAKE_CENTER_LONG_DD5", settings.validation.longitude, report,
                              also=["LAKE_CENTER_LAT_DD5"])
    frame = null_negative(frame, ["LAKE_AREA_GIS_ACRES", "LAKE_AREA_DOW_ACRES", "MAX_DEPTH_FEET",
                                  "MEAN_DEPTH_FEET"], report)
    frame = drop_duplicates(frame, ["lake_id"], report)
    report.rows_out = len(frame)
    return frame[["lake_id", "LAKE_NAME", *FISHERIES_NUMERIC[2:]]].reset_index(drop=True)


# -- roll-up and de-duplication (pure) ------------------------------------------------------

def _pooled_std(means: pd.Series, stds: pd.Series) -> float:
    """Std of an equal-weight mixture of the sites: sqrt(mean(s_i^2) + var(m_i))."""
    ok = means.notna() & stds.notna()
    if not ok.any():
        return float("nan")
    m, s = means[ok].to_numpy(float), stds[ok].to_numpy(float)
    return float(np.sqrt(np.mean(s**2) + np.var(m)))


def primary_sites(site_years: pd.DataFrame) -> pd.Series:
    """lake_id -> the site with the most monitored years (ties: lowest site number)."""
    counts = site_years.groupby(["lake_id", "site_id"]).size().rename("n").reset_index()
    counts = counts.sort_values(["lake_id", "n", "site_id"], ascending=[True, False, True])
    return counts.drop_duplicates("lake_id").set_index("lake_id")["site_id"]


def roll_up_sites(site_years: pd.DataFrame) -> pd.DataFrame:
    """Site-years -> lake-years, by the rule in docs/data.md ("Sites to lakes").

    Water quality: equal-weight mean over sites, std pooled; grade from the site with most
    readings; perception averages weighted by readings and counts summed; property summaries
    and names from the lake's primary site (most years), else the year's most-read site.
    """
    frame = site_years.copy()
    frame["_readings"] = frame["rec_readings"].fillna(0) + frame["physical_readings"].fillna(0)
    primary = primary_sites(frame)
    frame["_primary"] = frame["site_id"].eq(frame["lake_id"].map(primary))
    group_keys = ["lake_id", "year"]
    sizes = frame.groupby(group_keys)["site_id"].transform("size")
    single = frame.loc[sizes == 1].copy()
    single["n_sites"] = 1
    single["site_ids"] = single["site_id"]
    single["grade_site_id"] = single["site_id"].where(single["grade"].notna(), None)
    single["property_site_id"] = single["site_id"]
    rows = [single]
    for _, group in frame.loc[sizes > 1].groupby(group_keys, sort=False):
        rows.append(pd.DataFrame([_combine_sites(group)]))
    out = pd.concat(rows, ignore_index=True)
    out = out.sort_values(group_keys, ignore_index=True)
    out["n_sites"] = out["n_sites"].astype("int64")
    out["year"] = out["year"].astype("int64")
    return out[list(LAKE_YEAR_COLUMNS)]


def _combine_sites(group: pd.DataFrame) -> dict[str, Any]:
    by_readings = group.sort_values(["_readings", "site_id"], ascending=[False, True])
    prop = group.loc[group["_primary"]]
    prop_row = (prop if len(prop) else by_readings).iloc[0]
    graded = by_readings.loc[by_readings["grade"].notna()]
    row: dict[str, Any] = {
        "lake_id": group["lake_id"].iloc[0],
        "year": int(group["year"].iloc[0]),
        "n_sites": len(group),
        "site_ids": ",".join(sorted(group["site_id"])),
        "grade": graded["grade"].iloc[0] if len(graded) else None,
        "grade_site_id": graded["site_id"].iloc[0] if len(graded) else None,
        "property_site_id": prop_row["site_id"],
        "county": prop_row["county"],
        "major_watershed": prop_row["major_watershed"],
    }
    for stem, unit in (("secchi", "_m"), ("phosphorus", "_mg_l"), ("log_phosphorus", "")):
        mean_col, std_col = f"{stem}_mean{unit}", f"{stem}_std{unit}"
        row[mean_col] = float(group[mean_col].mean()) if group[mean_col].notna().any() else np.nan
        row[std_col] = _pooled_std(group[mean_col], group[std_col])
    for avg, count in (("rec_avg", "rec_readings"), ("physical_avg", "physical_readings")):
        ok = group[avg].notna() & group[count].notna()
        weights = group.loc[ok, count]
        if ok.any() and weights.sum() > 0:
            row[avg] = float(np.average(group.loc[ok, avg], weights=weights))
        else:
            row[avg] = float(group[avg].mean()) if group[avg].notna().any() else np.nan
        row[count] = float(group[count].sum(min_count=1))
    for col in READING_COUNTS:
        row[col] = float(group[col].sum(min_count=1))
    for col in PROPERTY_COLUMNS:
        row[col] = prop_row[col]
    return row


def dedupe_iceout(records: pd.DataFrame, priority: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Ice-out records -> one row per lake-year, by the rule in docs/data.md ("Ice-out").

    Each source casts one vote per lake-year (the lower median of its own dates, so a network
    filing several reports does not outvote the others); the lake-year's date is the median of
    the votes and, for an even number, the vote of the more trusted source of the middle two.
    """
    rank = {name: i for i, name in enumerate(priority)}
    frame = records[["lake_id", "year", "date", "source"]].copy()
    n_records = frame.groupby(["lake_id", "year"]).size().rename("n_records")
    frame = frame.sort_values(["lake_id", "year", "source", "date"], ignore_index=True)
    grp = frame.groupby(["lake_id", "year", "source"], sort=False)
    pos, size = grp.cumcount(), grp["date"].transform("size")
    votes = frame.loc[pos == (size - 1) // 2].copy()
    votes["rank"] = votes["source"].map(rank).fillna(len(rank)).astype(int)
    votes = votes.sort_values(["lake_id", "year", "date", "rank"], ignore_index=True)
    grp = votes.groupby(["lake_id", "year"], sort=False)
    votes["pos"], votes["n_sources"] = grp.cumcount(), grp["date"].transform("size")
    stats = grp["date"].agg(["min", "max"])
    spread = (stats["max"] - stats["min"]).dt.days.rename("spread_days")
    n, pos = votes["n_sources"], votes["pos"]
    odd_pick = (n % 2 == 1) & (pos == n // 2)
    even_pick = (n % 2 == 0) & ((pos == n // 2 - 1) | (pos == n // 2))
    candidates = votes.loc[odd_pick | even_pick].sort_values(["lake_id", "year", "rank", "date"])
    chosen = candidates.drop_duplicates(["lake_id", "year"]).set_index(["lake_id", "year"])
    out = chosen[["date", "source", "n_sources"]].join(n_records).join(spread).reset_index()
    out["doy"] = out["date"].dt.day_of_year.astype("int64")
    out["date"] = out["date"].astype("datetime64[ns]")
    for col in ("year", "n_sources", "n_records", "spread_days"):
        out[col] = out[col].astype("int64")
    out["lake_id"] = out["lake_id"].astype(str)
    out["source"] = out["source"].astype(str)
    return out.sort_values(["lake_id", "year"], ignore_index=True)[list(ICE_OUT_COLUMNS)]


# -- lakes ----------------------------------------------------------------------------------

def display_id(lake_id: str) -> str:
    """``70007200`` -> ``70-0072-00`` (county, lake, basin)."""
    return f"{lake_id[:2]}-{lake_id[2:6]}-{lake_id[6:]}"


def _first_valid(*series: pd.Series) -> pd.Series:
    out = series[0]
    for s in series[1:]:
        out = out.where(out.notna(), s.reindex(out.index))
    return out


def _county_from_code(index: pd.Index, metadata: pd.DataFrame) -> pd.Series:
    """County named from the DOW's first two digits (the county code), learned from the metadata."""
    names = metadata.dropna(subset=["County"]).groupby(metadata["LakeId"].str[:2])["County"].agg(
        lambda s: s.mode().iloc[0])
    return pd.Series(names.reindex(index.str[:2]).to_numpy(), index=index)


def assemble_lakes(site_years: pd.DataFrame, lake_years: pd.DataFrame, ice_records: pd.DataFrame,
                   metadata: pd.DataFrame, fisheries: pd.DataFrame) -> pd.DataFrame:
    """One row per lake with observations (monitoring or ice-out), enriched by DNR tables.

    Priority per field (first non-null wins), see docs/data.md "Lakes".
    """
    ids = sorted(set(site_years["lake_id"]) | set(ice_records["lake_id"]))
    index = pd.Index(ids, name="lake_id")
    primary = primary_sites(site_years)
    prim = site_years.loc[site_years["site_id"].isin(primary.values)]
    prim = prim.sort_values("year").drop_duplicates("lake_id", keep="last").set_index("lake_id")
    site_coords = site_years.groupby("lake_id")[["latitude", "longitude"]].mean()
    meta = metadata.set_index("LakeId").reindex(index)
    fish = fisheries.set_index("lake_id").reindex(index)
    ice = ice_records.groupby("lake_id").agg(
        name=("name", lambda s: s.mode().iloc[0] if s.notna().any() else None),
        lat=("lat", "median"), lon=("lon", "median"))
    prim, site_coords, ice = prim.reindex(index), site_coords.reindex(index), ice.reindex(index)

    def pair(*candidates: tuple[pd.Series, pd.Series]) -> tuple[pd.Series, pd.Series]:
        lat = pd.Series(np.nan, index=index)
        lon = pd.Series(np.nan, index=index)
        for clat, clon in candidates:
            take = lat.isna() & clat.notna() & clon.notna()
            lat, lon = lat.mask(take, clat), lon.mask(take, clon)
        return lat, lon

    lat, lon = pair((meta["Lat"], meta["Lon"]), (fish["LAKE_CENTER_LAT_DD5"], fish["LAKE_CENTER_LONG_DD5"]),
                    (ice["lat"], ice["lon"]), (site_coords["latitude"], site_coords["longitude"]))
    wq = lake_years.assign(_wq=lake_years[["secchi_mean_m", "phosphorus_mean_mg_l"]].notna().any(axis=1),
                           _prop=lake_years["n_properties"].fillna(0).gt(0)
                           | lake_years["median_sale_value_usd"].notna())
    flags = wq.groupby("lake_id")[["_wq", "_prop"]].any().reindex(index, fill_value=False)
    lakes = pd.DataFrame({
        "display_id": [display_id(i) for i in ids],
        "name": _first_valid(prim["name"], meta["Lake"], ice["name"], fish["LAKE_NAME"]),
        "county": _first_valid(prim["county"], meta["County"], _county_from_code(index, metadata)),
        "city": prim["city"],
        "major_watershed": prim["major_watershed"],
        "ecoregion": meta["Ecoregion"],
        "latitude": lat.astype("float64"),
        "longitude": lon.astype("float64"),
        "area_acres": _first_valid(meta["Acres"], fish["LAKE_AREA_GIS_ACRES"],
                                   fish["LAKE_AREA_DOW_ACRES"]).astype("float64"),
        "max_depth_ft": fish["MAX_DEPTH_FEET"].astype("float64"),
        "mean_depth_ft": fish["MEAN_DEPTH_FEET"].astype("float64"),
        "has_water_quality": flags["_wq"].astype(bool),
        "has_property": flags["_prop"].astype(bool),
        "has_iceout": index.isin(ice_records["lake_id"]),
        "n_sites": site_years.groupby("lake_id")["site_id"].nunique().reindex(index, fill_value=0)
        .astype("int64"),
    }, index=index).reset_index()
    for col in ("name", "county", "city", "major_watershed", "ecoregion"):
        lakes[col] = lakes[col].astype(object).where(lakes[col].notna(), None)
    return lakes[list(LAKE_COLUMNS)]
