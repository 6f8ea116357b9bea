"""Bad rows injected into COPIES of the real files: the pipeline survives and counts each one.

The copies no longer match the recorded checksums, so they go through
``build_tables_from_files`` (what ``build_tables`` calls after verifying); the refusal of a
tampered mirror by ``build_tables`` itself is tested at the end.
"""
from __future__ import annotations

import csv
import shutil

import numpy as np
import pandas as pd
import pyreadr
import pytest

from lakemodel.settings import load_settings
from lakemodel.sources import ChecksumError
from lakemodel.tables import TABLE_SOURCES, build_tables, build_tables_from_files
from lakemodel.validation import TableReport, coerce_numeric, drop_duplicates, null_out_of_range, parse_dates

VIZ = "lake_data_for_viz.csv"


def _edit_csv(path, edit):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    edit(header, body)
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([header, *body])


@pytest.fixture(scope="module")
def injected(tmp_path_factory, data_mirror):
    """Build the tables from tampered copies; returns (tables, facts about what was injected)."""
    root = tmp_path_factory.mktemp("injected")
    mirror = root / "mirror"
    mirror.mkdir()
    settings = load_settings(env={"LAKES_DATA_MIRROR": str(mirror), "LAKES_DATA_DIR": str(root / "data")})
    paths = {}
    for name in TABLE_SOURCES:
        paths[name] = mirror / settings.sources[name].file
        shutil.copyfile(data_mirror / settings.sources[name].file, paths[name])
    facts = {}

    def edit_viz(header, body):
        col = {name: i for i, name in enumerate(header)}
        key = lambda row: (row[col["DNR_ID_Site_Number"]], int(row[col["Year"]]))  # noqa: E731
        body[0][col["Mean(Secchi_Depth_RESULT)"]] = "25.0"
        facts["secchi"] = key(body[0])
        body[1][col["avg(Total_Phosphorus_RESULT)"]] = "5.0"
        facts["phosphorus"] = key(body[1])
        body[2][col["latitude"]] = "10.0"
        facts["latitude"] = key(body[2])
        facts["missing_id"] = body[3][col["LakeSite"]]
        body[3][col["DNR_ID_Site_Number"]] = ""
        body.append(list(body[4]))
        body[-1][col["Median(SALE_VALUE)"]] = "1"  # a different value: the first row must win
        facts["duplicate"] = key(body[4])
        facts["duplicate_sale"] = float(body[4][col["Median(SALE_VALUE)"]] or "nan")
        body[5][col["Median(SALE_VALUE)"]] = "12O,000"
        facts["unparseable"] = key(body[5])
        body[6][col["seasonal.grade"]] = "Z"
        facts["grade"] = key(body[6])
        facts["rows"] = len(body)

    _edit_csv(paths["lake_data_for_viz"], edit_viz)

    ice = pyreadr.read_r(str(paths["mn_iceout"]))["mn_iceout"].reset_index(drop=True)
    ice["date"] = ice["date"].astype(str)
    ice.loc[0, "date"] = "not a date"
    facts["ice_bad_date"] = (ice.loc[0, "id"], int(ice.loc[0, "year"]))
    ice.loc[1, "year"] = ice.loc[1, "year"] + 1
    facts["ice_wrong_year"] = (ice.loc[1, "id"], ice.loc[1, "date"])
    facts["ice_rows"] = len(ice)
    pyreadr.write_rdata(str(paths["mn_iceout"]), ice, df_name="mn_iceout")

    meta = pyreadr.read_r(str(paths["mnlakesmetadata"]))["mnlakesmetadata"].reset_index(drop=True)
    viz_lakes = set(pd.read_csv(data_mirror / VIZ, usecols=["DNR_ID_Site_Number"], dtype=str)
                    ["DNR_ID_Site_Number"].str[:8])
    target = meta.index[meta["LakeId"].isin(viz_lakes)][0]
    meta.loc[target, "Lat"] = 10.0
    facts["meta_bad_lat"] = meta.loc[target, "LakeId"]
    pyreadr.write_rdata(str(paths["mnlakesmetadata"]), meta, df_name="mnlakesmetadata")

    tables = build_tables_from_files(paths, settings)
    return tables, facts, settings


def _issue(tables, table, rule, column):
    hits = [i for i in tables.report["tables"][table]["issues"] if i["rule"] == rule and i["column"] == column]
    assert hits, f"no {rule} issue on {table}.{column}: {tables.report['tables'][table]['issues']}"
    return hits[0]


def _site_row(tables, key):
    return tables.site_years.set_index(["site_id", "year"]).loc[key]


def test_out_of_range_secchi_is_nulled(injected):
    tables, facts, _ = injected
    issue = _issue(tables, "site_years", "out_of_range", "secchi_mean_m")
    assert issue["count"] == 1 and issue["action"] == "nulled"
    assert issue["examples"][0] == {"row": f"{facts['secchi'][0]}/{facts['secchi'][1]}", "value": "25.0"}
    row = _site_row(tables, facts["secchi"])
    assert np.isnan(row["secchi_mean_m"]) and np.isnan(row["secchi_std_m"])


def test_phosphorus_5_mg_l_is_nulled(injected, tables):
    injected_tables, facts, _ = injected
    real = _issue(tables, "site_years", "out_of_range", "phosphorus_mean_mg_l")["count"]
    issue = _issue(injected_tables, "site_years", "out_of_range", "phosphorus_mean_mg_l")
    assert issue["count"] == real + 1 and issue["action"] == "nulled"
    row = _site_row(injected_tables, facts["phosphorus"])
    assert np.isnan(row["phosphorus_mean_mg_l"]) and np.isnan(row["log_phosphorus_mean"])
    assert not np.isnan(row["n_properties"])


def test_latitude_10_is_nulled_and_lake_keeps_coordinates(injected, settings):
    tables, facts, _ = injected
    issue = _issue(tables, "site_years", "out_of_range", "latitude")
    assert issue["count"] == 1 and issue["action"] == "nulled"
    row = _site_row(tables, facts["latitude"])
    assert np.isnan(row["latitude"]) and np.isnan(row["longitude"])
    meta_issue = _issue(tables, "lake_metadata", "out_of_range", "Lat")
    assert meta_issue["count"] == 1 and meta_issue["examples"][0]["row"] == facts["meta_bad_lat"]
    lakes = tables.lakes.set_index("lake_id")
    for lake in (facts["latitude"][0][:8], facts["meta_bad_lat"]):
        assert settings.validation.latitude[0] <= lakes.loc[lake, "latitude"] <= settings.validation.latitude[1]


def test_missing_lake_id_is_dropped(injected, tables):
    injected_tables, facts, _ = injected
    issue = _issue(injected_tables, "site_years", "missing_key", "DNR_ID_Site_Number")
    assert issue["count"] == 1 and issue["action"] == "dropped"
    report = injected_tables.report["tables"]["site_years"]
    assert report["rows_in"] == facts["rows"]
    assert report["rows_out"] == facts["rows"] - 2  # the missing id and the duplicate
    assert len(injected_tables.site_years) == report["rows_out"]


def test_duplicated_lake_year_keeps_first(injected):
    tables, facts, _ = injected
    issue = _issue(tables, "site_years", "duplicate_key", "DNR_ID_Site_Number+Year")
    assert issue["count"] == 1 and issue["action"] == "dropped"
    assert not tables.site_years.duplicated(["site_id", "year"]).any()
    kept = _site_row(tables, facts["duplicate"])["median_sale_value_usd"]
    assert kept == pytest.approx(facts["duplicate_sale"], nan_ok=True)


def test_unparseable_number_is_nulled(injected):
    tables, facts, _ = injected
    issue = _issue(tables, "site_years", "unparseable_number", "Median(SALE_VALUE)")
    assert issue["count"] == 1 and issue["action"] == "nulled" and issue["examples"][0]["value"] == "12O,000"
    assert np.isnan(_site_row(tables, facts["unparseable"])["median_sale_value_usd"])


def test_unknown_grade_is_nulled(injected):
    tables, facts, _ = injected
    issue = _issue(tables, "site_years", "unknown_category", "grade")
    assert issue["count"] == 1 and issue["examples"][0]["value"] == "Z"
    assert _site_row(tables, facts["grade"])["grade"] is None or pd.isna(_site_row(tables, facts["grade"])["grade"])


def test_non_date_ice_out_is_dropped_and_year_repaired(injected, tables):
    injected_tables, facts, _ = injected
    issue = _issue(injected_tables, "ice_out", "unparseable_date", "date")
    assert issue["count"] == 1 and issue["action"] == "dropped" and issue["examples"][0]["value"] == "not a date"
    repaired = _issue(injected_tables, "ice_out", "year_disagrees_with_date", "year")
    assert repaired["count"] == 1 and repaired["action"] == "repaired"
    assert injected_tables.report["tables"]["ice_out"]["rows_in"] == facts["ice_rows"]
    ice = injected_tables.ice_out
    assert (ice["date"].dt.year == ice["year"]).all()
    lake, date = facts["ice_wrong_year"]
    year = pd.Timestamp(date).year
    assert ((ice["lake_id"] == lake) & (ice["year"] == year)).any()
    # the injected faults change at most the two affected lake-years
    assert abs(len(ice) - len(tables.ice_out)) <= 2


def test_report_file_matches(injected):
    tables, _, settings = injected
    import json

    on_disk = json.loads((settings.tables_dir / "validation_report.json").read_text())
    assert on_disk == tables.report
    for table in on_disk["tables"].values():
        assert {"rows_in", "rows_out", "issues"} <= set(table)
        for issue in table["issues"]:
            assert issue["action"] in {"dropped", "repaired", "nulled"} and issue["count"] > 0


def test_build_tables_refuses_tampered_mirror(tmp_path, data_mirror):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for file in data_mirror.iterdir():
        shutil.copyfile(file, mirror / file.name)
    with open(mirror / VIZ, "a") as fh:
        fh.write("\n")
    settings = load_settings(env={"LAKES_DATA_MIRROR": str(mirror), "LAKES_DATA_DIR": str(tmp_path / "data")})
    with pytest.raises(ChecksumError, match=VIZ):
        build_tables(settings)
    assert not (settings.raw_dir / VIZ).exists()
    assert not settings.tables_dir.exists() or not any(settings.tables_dir.iterdir())


# -- the checks as pure functions ------------------------------------------------------------

def test_checks_on_small_frames():
    rep = TableReport("t", key=("k",))
    frame = pd.DataFrame({"k": ["a", "b", "c", "c"], "x": ["1,5", "2.5", "", "x"], "y": [1.0, 30.0, -1.0, 2.0]})
    out = coerce_numeric(frame, ["x"], rep)
    assert out["x"].isna().tolist() == [True, False, True, True]
    assert rep.count("unparseable_number") == 2  # "1,5" and "x"; the blank is just missing
    assert coerce_numeric(frame, ["x"], TableReport("t", ("k",)), thousands=True)["x"].iloc[0] == 15.0
    out = null_out_of_range(out, "y", (0, 20), rep, also=["x"])
    assert out["y"].isna().tolist() == [False, True, True, False] and np.isnan(out["x"].iloc[1])
    out = drop_duplicates(out, ["k"], rep)
    assert out["k"].tolist() == ["a", "b", "c"] and rep.count("duplicate_key") == 1
    dates = parse_dates(pd.DataFrame({"k": ["a", "b"], "d": ["2010-04-01", "2010-13-01"]}), "d", rep)
    assert dates["k"].tolist() == ["a"] and rep.count("unparseable_date") == 1
    typed = parse_dates(pd.DataFrame({"k": ["a"], "d": pd.to_datetime(["2010-04-01"])}), "d", rep)
    assert typed["d"].iloc[0] == pd.Timestamp("2010-04-01") and rep.count("unparseable_date") == 1
