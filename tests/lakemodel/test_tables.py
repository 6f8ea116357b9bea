"""The tidy tables built from the real files: counts, keys, units, the roll-up and dedup rules.

Expected values are recomputed here from the raw files with plain pandas (independently of the
pipeline), and checked against the facts published in shared/data/SOURCES.md.
"""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pyreadr
import pytest

from lakemodel.sources import DataError
from lakemodel.tables import (
    LAKE_COLUMNS,
    LAKE_YEAR_COLUMNS,
    dedupe_iceout,
    load_tables,
    roll_up_sites,
)


@pytest.fixture(scope="module")
def raw_viz(data_mirror):
    frame = pd.read_csv(data_mirror / "lake_data_for_viz.csv", dtype={"DNR_ID_Site_Number": str})
    frame["lake"] = frame["DNR_ID_Site_Number"].str[:8]
    return frame


@pytest.fixture(scope="module")
def raw_ice(data_mirror):
    return pyreadr.read_r(str(data_mirror / "mn_iceout.rda"))["mn_iceout"]


# -- counts and keys ------------------------------------------------------------------------

def test_counts_match_raw_files(tables, raw_viz, raw_ice):
    monitored = set(raw_viz["lake"])
    iced = set(raw_ice["id"])
    assert len(monitored) == 262 and raw_viz["DNR_ID_Site_Number"].nunique() == 264
    assert len(iced) == 435
    assert tables.lake_years["lake_id"].nunique() == len(monitored)
    assert set(tables.ice_out["lake_id"]) == iced
    assert set(tables.lakes["lake_id"]) == monitored | iced
    assert len(tables.lake_years) == raw_viz.drop_duplicates(["lake", "Year"]).shape[0]
    assert len(tables.ice_out) == raw_ice.drop_duplicates(["id", "year"]).shape[0] == 7408
    summary = tables.report["summary"]
    assert summary["lakes_union"] == len(monitored | iced)
    assert summary["lakes_overlap"] == len(monitored & iced)
    assert summary["monitored_lakes"] == 262 and summary["iceout_lakes"] == 435
    assert tables.lakes["n_sites"].sum() == 264


def test_keys_unique_and_well_formed(tables):
    assert tables.lakes["lake_id"].is_unique
    assert not tables.lake_years.duplicated(["lake_id", "year"]).any()
    assert not tables.ice_out.duplicated(["lake_id", "year"]).any()
    for frame in (tables.lakes, tables.lake_years, tables.ice_out):
        assert frame["lake_id"].str.fullmatch(r"\d{8}").all()
    lakes = tables.lakes
    rebuilt = lakes["lake_id"].str[:2] + "-" + lakes["lake_id"].str[2:6] + "-" + lakes["lake_id"].str[6:]
    assert (lakes["display_id"] == rebuilt).all()
    assert set(tables.lake_years["lake_id"]) <= set(lakes["lake_id"])
    assert set(tables.ice_out["lake_id"]) <= set(lakes["lake_id"])


def test_contract_columns_present(tables):
    assert list(tables.lakes.columns) == list(LAKE_COLUMNS)
    assert list(tables.lake_years.columns[: len(LAKE_YEAR_COLUMNS)]) == list(LAKE_YEAR_COLUMNS)
    assert {"lake_id", "year", "date", "doy", "source", "n_sources"} <= set(tables.ice_out.columns)
    assert str(tables.ice_out["date"].dtype).startswith("datetime64")
    assert tables.ice_out["doy"].dtype == np.int64 and tables.lake_years["year"].dtype == np.int64
    for col in ("has_water_quality", "has_property", "has_iceout"):
        assert tables.lakes[col].dtype == bool


def test_units_and_ranges(tables, settings):
    v = settings.validation
    ly = tables.lake_years
    assert ly["secchi_mean_m"].dropna().between(*v.secchi_m).all()
    assert ly["phosphorus_mean_mg_l"].dropna().between(*v.phosphorus_mg_l).all()
    assert ly["year"].between(*v.monitoring_years).all()
    assert set(ly["grade"].dropna()) <= set("ABCDF")
    both = ly.dropna(subset=["phosphorus_mean_mg_l", "log_phosphorus_mean"])
    # mean of logs <= log of mean (Jensen): a unit mix-up (ug/L, log10) would break this
    assert (both["log_phosphorus_mean"] <= np.log(both["phosphorus_mean_mg_l"]) + 1e-9).all()
    lakes = tables.lakes
    assert lakes["latitude"].notna().all() and lakes["longitude"].notna().all()
    assert lakes["latitude"].between(*v.latitude).all() and lakes["longitude"].between(*v.longitude).all()
    assert (lakes["area_acres"].dropna() > 0).all()
    depths = lakes.dropna(subset=["max_depth_ft", "mean_depth_ft"])
    assert (depths["mean_depth_ft"] <= depths["max_depth_ft"]).all()
    ice = tables.ice_out
    assert ice["doy"].between(*v.iceout_doy).all() and ice["year"].between(*v.iceout_years).all()
    assert (ice["date"].dt.year == ice["year"]).all() and (ice["date"].dt.day_of_year == ice["doy"]).all()


def test_out_of_range_phosphorus_in_real_data_is_nulled_and_reported(tables, raw_viz, settings):
    hi = settings.validation.phosphorus_mg_l[1]
    bad = raw_viz.loc[raw_viz["avg(Total_Phosphorus_RESULT)"] > hi, ["DNR_ID_Site_Number", "Year"]]
    assert len(bad) > 0
    issues = tables.report["tables"]["site_years"]["issues"]
    hit = [i for i in issues if i["rule"] == "out_of_range" and i["column"] == "phosphorus_mean_mg_l"]
    assert hit and hit[0]["count"] == len(bad) and hit[0]["action"] == "nulled"
    sites = tables.site_years.set_index(["site_id", "year"])
    for site, year in bad.itertuples(index=False):
        assert np.isnan(sites.loc[(site, year), "phosphorus_mean_mg_l"])
        assert np.isnan(sites.loc[(site, year), "log_phosphorus_mean"])
        assert not np.isnan(sites.loc[(site, year), "n_properties"])  # the row itself is kept


# -- lakes: joins and flags ------------------------------------------------------------------

def test_lake_enrichment_from_dnr_tables(tables, data_mirror):
    meta = pyreadr.read_r(str(data_mirror / "mnlakesmetadata.rda"))["mnlakesmetadata"]
    meta = meta.sort_values("Acres", ascending=False).drop_duplicates("LakeId").set_index("LakeId")
    lakes = tables.lakes.set_index("lake_id")
    joined = lakes.index.intersection(meta.index)
    assert len(joined) > 600
    assert np.allclose(lakes.loc[joined, "area_acres"], meta.loc[joined, "Acres"])
    assert (lakes.loc[joined, "ecoregion"] == meta.loc[joined, "Ecoregion"]).all()
    assert np.allclose(lakes.loc[joined, "latitude"], meta.loc[joined, "Lat"])


def test_fisheries_dow_padding_and_depths(tables, data_mirror):
    fish = pd.read_csv(data_mirror / "mn_lakes_dnr_fisheries.csv", thousands=",")
    fish = fish.dropna(subset=["DOW_NBR_PRIMARY"])
    # DOW_NBR_PRIMARY holds county+lake (6 digits), the basin is separate: 380552.0 + 0 -> 38055200
    fish["lake_id"] = (fish["DOW_NBR_PRIMARY"].astype(int).map("{:06d}".format)
                       + fish["DOW_SUB_BASIN_NBR_PRIMARY"].astype(int).map("{:02d}".format))
    fish = fish.drop_duplicates("lake_id").set_index("lake_id")
    lakes = tables.lakes.set_index("lake_id")
    common = lakes.index.intersection(fish.index)
    assert len(common) > 600
    assert np.allclose(lakes.loc[common, "max_depth_ft"], fish.loc[common, "MAX_DEPTH_FEET"], equal_nan=True)
    # a wrong padding would join other lakes: the fisheries lake centres must sit on our lakes
    near = (lakes.loc[common, "latitude"] - fish.loc[common, "LAKE_CENTER_LAT_DD5"]).abs() < 0.05
    assert near.mean() > 0.95


def test_every_lake_has_a_county(tables, data_mirror):
    """County falls back to the DOW county code (first two digits), named from the DNR metadata."""
    lakes = tables.lakes
    assert lakes["county"].notna().all()
    meta = pyreadr.read_r(str(data_mirror / "mnlakesmetadata.rda"))["mnlakesmetadata"]
    code_names = meta.groupby(meta["LakeId"].str[:2])["County"].agg(lambda s: s.mode().iloc[0])
    unmatched = lakes[~lakes["lake_id"].isin(meta["LakeId"]) & (lakes["n_sites"] == 0)]
    assert len(unmatched) > 0
    assert (unmatched["county"].values == code_names.reindex(unmatched["lake_id"].str[:2]).values).all()


def test_flags(tables, raw_viz, raw_ice):
    lakes = tables.lakes.set_index("lake_id")
    assert lakes["has_iceout"].sum() == raw_ice["id"].nunique()
    assert set(lakes.index[lakes["n_sites"] > 0]) == set(raw_viz["lake"])
    with_wq = raw_viz.dropna(subset=["Mean(Secchi_Depth_RESULT)", "avg(Total_Phosphorus_RESULT)"], how="all")
    assert set(lakes.index[lakes["has_water_quality"]]) == set(with_wq["lake"])
    assert not lakes.loc[lakes["n_sites"] == 0, ["has_water_quality", "has_property"]].any().any()


# -- roll-up rule (docs/data.md "Sites to lakes") --------------------------------------------

def test_rollup_on_real_multi_site_lake_years(tables, raw_viz):
    site_counts = raw_viz.groupby("lake")["DNR_ID_Site_Number"].nunique()
    multi_lakes = site_counts[site_counts > 1].index
    assert len(multi_lakes) >= 2
    ly = tables.lake_years.set_index(["lake_id", "year"])
    checked = 0
    for (lake, year), group in raw_viz[raw_viz["lake"].isin(multi_lakes)].groupby(["lake", "Year"]):
        row = ly.loc[(lake, year)]
        assert row["n_sites"] == len(group)
        secchi = group["Mean(Secchi_Depth_RESULT)"].dropna()
        assert row["secchi_mean_m"] == pytest.approx(secchi.mean()) if len(secchi) else np.isnan(row["secchi_mean_m"])
        if len(group) < 2:
            continue
        checked += 1
        ok = group.dropna(subset=["Mean(Secchi_Depth_RESULT)", "Std Dev(Secchi_Depth_RESULT)"])
        pooled = np.sqrt((ok["Std Dev(Secchi_Depth_RESULT)"] ** 2).mean() + ok["Mean(Secchi_Depth_RESULT)"].var(ddof=0))
        assert row["secchi_std_m"] == pytest.approx(pooled)
        readings = group["num.rec.readings"] + group["num.physical.readings"]
        most = group.loc[readings.idxmax()]
        assert row["grade"] == most["seasonal.grade"]
        assert row["rec_readings"] == group["num.rec.readings"].sum()
        weighted = np.average(group["rec.avg"], weights=group["num.rec.readings"])
        assert row["rec_avg"] == pytest.approx(weighted)
        years_per_site = raw_viz[raw_viz["lake"] == lake].groupby("DNR_ID_Site_Number").size()
        primary = years_per_site.sort_index().idxmax()
        prop = group.set_index("DNR_ID_Site_Number").loc[primary]
        assert row["property_site_id"] == primary
        assert row["n_properties"] == prop["Number Properties"]
        assert row["median_sale_value_usd"] == pytest.approx(prop["Median(SALE_VALUE)"], nan_ok=True)
    assert checked >= 5


def test_rollup_pure_function():
    base = {"name": "L", "city": "C", "county": "K", "major_watershed": "W", "latitude": 45.0, "longitude": -93.0,
            "secchi_std_m": 1.0, "phosphorus_mean_mg_l": np.nan, "phosphorus_std_mg_l": np.nan,
            "log_phosphorus_mean": np.nan, "log_phosphorus_std": np.nan, "physical_avg": 2.0}
    base |= {c: 0.0 for c in LAKE_YEAR_COLUMNS if c.startswith(("n_", "median_", "iqr_", "parcel_", "rec_", "seasonal_", "physical_"))
             and c not in ("n_sites", "rec_avg", "physical_avg")}
    rows = [
        base | {"lake_id": "11111111", "site_id": "11111111-01", "year": 2010, "secchi_mean_m": 1.0, "grade": "C",
                "rec_avg": 2.0, "rec_readings": 10.0, "physical_readings": 10.0, "n_properties": 50.0},
        base | {"lake_id": "11111111", "site_id": "11111111-02", "year": 2010, "secchi_mean_m": 3.0, "grade": "A",
                "rec_avg": 4.0, "rec_readings": 30.0, "physical_readings": 30.0, "n_properties": 900.0},
        base | {"lake_id": "11111111", "site_id": "11111111-01", "year": 2011, "secchi_mean_m": 2.0, "grade": "B",
                "rec_avg": 3.0, "rec_readings": 5.0, "physical_readings": 5.0, "n_properties": 55.0},
    ]
    out = roll_up_sites(pd.DataFrame(rows)).set_index("year")
    both = out.loc[2010]
    assert both["secchi_mean_m"] == 2.0
    assert both["secchi_std_m"] == pytest.approx(np.sqrt(1.0 + 1.0))  # within-site 1, between-site var 1
    assert both["grade"] == "A" and both["grade_site_id"] == "11111111-02"  # most readings
    assert both["rec_avg"] == pytest.approx((2 * 10 + 4 * 30) / 40) and both["rec_readings"] == 40
    assert both["n_properties"] == 50.0 and both["property_site_id"] == "11111111-01"  # primary: most years
    assert np.isnan(both["phosphorus_mean_mg_l"])
    assert out.loc[2011, "n_sites"] == 1 and out.loc[2011, "secchi_mean_m"] == 2.0


# -- ice-out dedup rule (docs/data.md "Ice-out") -------------------------------------------

def _records(rows):
    frame = pd.DataFrame(rows, columns=["lake_id", "date", "source"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["year"] = frame["date"].dt.year
    return frame


PRIORITY = ("MNDNR-SCO", "MNDNR-LAKESDB", "MNDNR-LLMMP", "MNPCA")


def test_dedup_median_of_source_votes():
    out = dedupe_iceout(_records([
        ("11111111", "2010-04-10", "MNPCA"), ("11111111", "2010-04-15", "MNDNR-SCO"),
        ("11111111", "2010-05-20", "MNDNR-LAKESDB"),
    ]), PRIORITY).iloc[0]
    assert out["date"] == pd.Timestamp("2010-04-15") and out["source"] == "MNDNR-SCO"
    assert out["n_sources"] == 3 and out["n_records"] == 3 and out["spread_days"] == 40


def test_dedup_even_votes_prefer_trusted_source():
    out = dedupe_iceout(_records([
        ("11111111", "2010-04-01", "MNPCA"), ("11111111", "2010-04-20", "MNDNR-SCO"),
    ]), PRIORITY).iloc[0]
    assert out["date"] == pd.Timestamp("2010-04-20") and out["source"] == "MNDNR-SCO"


def test_dedup_one_vote_per_source():
    # three volunteer reports from one network cannot outvote the climatology office
    out = dedupe_iceout(_records([
        ("11111111", "2010-04-01", "MNPCA"), ("11111111", "2010-04-03", "MNPCA"),
        ("11111111", "2010-04-30", "MNPCA"), ("11111111", "2010-04-20", "MNDNR-SCO"),
    ]), PRIORITY).iloc[0]
    assert out["date"] == pd.Timestamp("2010-04-20") and out["n_sources"] == 2 and out["n_records"] == 4


def test_dedup_on_real_records(tables, raw_ice):
    raw = raw_ice.assign(date=pd.to_datetime(raw_ice["date"].astype(str)))
    ice = tables.ice_out.set_index(["lake_id", "year"])
    grouped = raw.groupby(["id", "year"])
    n_sources = grouped["source"].nunique()
    assert (ice["n_sources"] == n_sources.reindex(ice.index).values).all()
    reported = set(zip(raw["id"], raw["date"], raw["source"]))
    assert all((lake, row.date, row.source) in reported for (lake, _), row in ice.iterrows())
    agree = grouped["date"].nunique()
    agree = agree[agree == 1].index
    first = grouped["date"].first().loc[agree]
    assert (ice.loc[agree, "date"].values == first.values).all()
    assert (ice.loc[agree, "spread_days"] == 0).all()
    assert (ice["spread_days"] > 0).sum() == tables.report["tables"]["ice_out"]["notes"][
        "lake_years_with_disagreeing_sources"]


# -- persistence -----------------------------------------------------------------------------

def test_load_tables_round_trip(tables, settings):
    again = load_tables(settings)
    assert again.checksum == tables.checksum and len(again.checksum) == 64
    pd.testing.assert_frame_equal(again.lakes, tables.lakes)
    pd.testing.assert_frame_equal(again.ice_out, tables.ice_out)
    report = json.loads((settings.tables_dir / "validation_report.json").read_text())
    assert report == tables.report
    for name in ("lake_data_for_viz", "mn_iceout", "mnlakesmetadata", "mn_lakes_dnr_fisheries"):
        assert report["sources"][name]["sha256"] == settings.sources[name].sha256
    with pytest.raises(dataclasses.FrozenInstanceError):
        tables.checksum = "x"  # type: ignore[misc]


def test_rebuild_is_deterministic(tables, tmp_path, data_mirror):
    """Same raw bytes -> same Parquet bytes -> same checksum (the API's ETag survives a rebuild)."""
    from lakemodel.settings import load_settings
    from lakemodel.tables import build_tables

    other = load_settings(env={"LAKES_DATA_MIRROR": str(data_mirror), "LAKES_DATA_DIR": str(tmp_path / "d")})
    again = build_tables(other)
    assert again.checksum == tables.checksum
    assert again.report["tables"] == tables.report["tables"]


def test_load_tables_not_built(tmp_path):
    from lakemodel.settings import load_settings

    settings = load_settings(env={"LAKES_DATA_DIR": str(tmp_path / "nothing")})
    with pytest.raises(DataError, match="tables not built"):
        load_tables(settings)
