"""Feature frames on the real tables: right values, no leakage, the original model's names."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lakemodel import features as F


@pytest.fixture(scope="module")
def original_train(data_mirror) -> pd.DataFrame:
    return pd.read_csv(data_mirror / "lakemodel_train.csv")


def test_property_value_has_the_original_27_features_with_their_api_keys(original_train):
    assert len(F.PROPERTY_VALUE_FEATURES) == 27
    names = [f.name for f in F.PROPERTY_VALUE_FEATURES]
    assert len(set(names)) == 27
    # every original column the names come from is a real column of the original training table
    for name in names:
        column, key = F.ORIGINAL_NAMES[name]
        assert column in original_train.columns, column
    keys = {f.original_name for f in F.PROPERTY_VALUE_FEATURES}
    assert len(keys) == 27
    # the keys quoted by the original API's payload
    assert {"Mean_log_phosphorus", "Std_Dev_Secchi_Depth_RESULT", "MAJOR_WATERSHED", "NSalesthatyear"} <= keys
    required = {f.name for f in F.PROPERTY_VALUE_FEATURES if f.required}
    assert required == {"log_phosphorus_mean", "log_phosphorus_std", "secchi_mean_m", "secchi_std_m", "major_watershed"}


def test_tidy_feature_values_equal_the_original_columns(tables, original_train):
    """For single-site lakes the tidy lake-year carries exactly the original table's numbers."""
    orig = original_train.copy()
    orig["lake_id"] = orig["DNR_ID_Site_Number"].str[:8]
    single = tables.lake_years[tables.lake_years["n_sites"] == 1]
    merged = single.merge(orig, left_on=["lake_id", "year"], right_on=["lake_id", "Year"])
    assert len(merged) > 500
    checked = 0
    for name, (column, _) in F.ORIGINAL_NAMES.items():
        if name == "major_watershed":
            assert (merged["major_watershed"] == merged["MAJOR_WATERSHED"]).mean() > 0.99
            continue
        both = merged[[name, column]].dropna()
        assert len(both) > 100, name
        np.testing.assert_allclose(both[name].to_numpy(float), both[column].to_numpy(float), rtol=1e-6, err_msg=name)
        checked += 1
    assert checked == 26


def test_original_train_and_test_overlap_is_why_we_rebuild(data_mirror, tables):
    train = pd.read_csv(data_mirror / "lakemodel_train.csv")
    test = pd.read_csv(data_mirror / "lakemodel_test.csv")
    keys = ["DNR_ID_Site_Number", "Year"]
    shared = train[keys].drop_duplicates().merge(test[keys].drop_duplicates())
    assert len(shared) == 878
    frame = F.property_value_frame(tables)
    assert not frame.duplicated(["lake_id", "year"]).any()


def test_property_value_frame_rows(tables):
    frame = F.property_value_frame(tables)
    required = [f.name for f in F.PROPERTY_VALUE_FEATURES if f.required]
    assert frame[required].notna().all().all()
    assert (frame[F.PROPERTY_VALUE_TARGET] > 0).all()
    with_target = tables.lake_years[F.PROPERTY_VALUE_TARGET].gt(0).sum()
    assert 0.8 * with_target < len(frame) <= with_target


def test_secchi_frame_uses_only_the_past(tables):
    frame = F.secchi_forecast_frame(tables, window=3)
    ly = tables.lake_years.set_index(["lake_id", "year"])["secchi_mean_m"]
    assert len(frame) > 1000
    for row in frame.sample(200, random_state=0).itertuples(index=False):
        assert row.secchi_next_m == pytest.approx(ly[(row.lake_id, row.year)])
        assert row.secchi_last_m == pytest.approx(ly[(row.lake_id, row.year - 1)])
        history = ly.loc[row.lake_id]
        past = history[history.index < row.year].dropna()
        assert row.years_observed == len(past)
        assert row.secchi_recent_mean_m == pytest.approx(past.iloc[-3:].mean())


def test_secchi_history_features_by_hand():
    years = np.array([2000, 2001, 2002, 2004])
    secchi = np.array([1.0, 2.0, np.nan, 4.0])
    phosphorus = np.array([0.1, np.nan, 0.3, np.nan])
    got = F.secchi_history_features(years, secchi, phosphorus, window=2)
    assert got["secchi_last_m"] == 4.0
    assert got["secchi_recent_mean_m"] == 3.0           # 2001 and 2004
    assert got["secchi_trend_m_per_year"] == pytest.approx(2.0 / 3.0)
    assert got["years_observed"] == 3
    assert got["phosphorus_last_mg_l"] == 0.3
    assert got["phosphorus_recent_mean_mg_l"] == pytest.approx(0.2)
    single = F.secchi_history_features(years[:1], secchi[:1], phosphorus[:1], window=3)
    assert np.isnan(single["secchi_trend_m_per_year"])


def test_iceout_frame_joins_lake_location(tables):
    frame = F.iceout_frame(tables, min_year=1950)
    assert frame["year"].min() >= 1950
    assert not frame.duplicated(["lake_id", "year"]).any()
    lakes = tables.lakes.set_index("lake_id")
    sample = frame.sample(50, random_state=1)
    assert np.allclose(sample["latitude"], lakes.loc[sample["lake_id"], "latitude"])
    ice = tables.ice_out.set_index(["lake_id", "year"])["doy"]
    assert (sample.set_index(["lake_id", "year"])["doy"] == ice.loc[list(zip(sample.lake_id, sample.year))].to_numpy()).all()


def test_feature_schema_ranges_and_categories(tables):
    frame = F.property_value_frame(tables)
    schema = {f["name"]: f for f in F.feature_schema(F.PROPERTY_VALUE_FEATURES, frame)}
    assert schema["secchi_mean_m"]["min"] == pytest.approx(frame["secchi_mean_m"].min())
    assert schema["secchi_mean_m"]["max"] == pytest.approx(frame["secchi_mean_m"].max())
    assert schema["major_watershed"]["categories"] == sorted(frame["major_watershed"].dropna().unique())
    assert schema["n_sales"]["dtype"] == "int" and isinstance(schema["n_sales"]["max"], int)


def test_coerce_features_names_problems(tables):
    schema = F.feature_schema(F.ICEOUT_FEATURES, F.iceout_frame(tables, 1950))
    ok = F.coerce_features(pd.DataFrame({"latitude": [46.0], "longitude": ["-94.5"], "year": [2020]}), schema)
    assert list(ok.columns) == [f.name for f in F.ICEOUT_FEATURES]
    assert ok.loc[0, "longitude"] == -94.5 and np.isnan(ok.loc[0, "area_acres"])
    with pytest.raises(F.FeatureError, match="latitude is required"):
        F.coerce_features(pd.DataFrame({"longitude": [-94.5], "year": [2020]}), schema)
    with pytest.raises(F.FeatureError, match="area_acres must be a number"):
        F.coerce_features(pd.DataFrame({"latitude": [46], "longitude": [-94], "year": [2020], "area_acres": ["big"]}), schema)
