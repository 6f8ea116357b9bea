"""Forecast and scenario helpers on real lakes with the session's production models."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lakemodel import features as F
from lakemodel.forecast import (
    ForecastError,
    NoDataError,
    UnknownLakeError,
    forecast_iceout,
    forecast_secchi,
    missing_reason,
    model_values,
    property_value_scenario,
)
from lakemodel.registry import open_registry


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Many one-row predictions: OpenMP threads would only fight the other test processes."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def models(trained_registry, settings):
    registry = open_registry(trained_registry)
    return {name: registry.load(name) for name in settings.models}


@pytest.fixture(scope="module")
def secchi_lake(tables) -> str:
    """The lake with the most Secchi years."""
    counts = tables.lake_years.dropna(subset=["secchi_mean_m"]).groupby("lake_id").size()
    return counts.idxmax()


@pytest.fixture(scope="module")
def iceout_lake(tables) -> str:
    return tables.ice_out.groupby("lake_id").size().idxmax()


def test_secchi_forecast_shapes_and_values(models, tables, secchi_lake):
    model = models["secchi_forecast"]
    result = forecast_secchi(model, tables, secchi_lake, 4)
    history = F.lake_history(tables, secchi_lake).dropna(subset=["secchi_mean_m"])
    assert result.observed["year"].tolist() == history["year"].tolist()
    np.testing.assert_allclose(result.observed["value"], history["secchi_mean_m"])
    observed_years = set(history["year"])
    assert len(result.fitted) > 0
    for year in result.fitted["year"]:  # one-step-ahead: the previous year was observed
        assert year in observed_years and year - 1 in observed_years
    last = history["year"].max()
    assert result.forecast["year"].tolist() == [last + 1, last + 2, last + 3, last + 4]
    f = result.forecast
    assert (f["lower"] < f["value"]).all() and (f["value"] < f["upper"]).all() and (f["lower"] > 0).all()
    width = np.log(f["upper"] / f["lower"]).to_numpy()  # log-space width grows like sqrt(h)
    np.testing.assert_allclose(width / width[0], np.sqrt([1, 2, 3, 4]))
    assert result.unit == "m" and result.interval_level == 0.8


def test_secchi_first_step_equals_a_direct_prediction(models, tables, secchi_lake):
    model = models["secchi_forecast"]
    history = F.lake_history(tables, secchi_lake)
    feats = F.secchi_history_features(history["year"].to_numpy(), history["secchi_mean_m"].to_numpy(float),
                                      history["phosphorus_mean_mg_l"].to_numpy(float), 3)
    direct = model.predict(pd.DataFrame([{**feats, **F.morphometry(tables, secchi_lake)}]))
    first = forecast_secchi(model, tables, secchi_lake, 1).forecast.iloc[0]
    assert first["value"] == pytest.approx(direct.value[0])
    assert first["lower"] == pytest.approx(direct.lower[0])


def test_iceout_forecast_follows_the_trend(models, tables, iceout_lake):
    model = models["iceout_doy"]
    result = forecast_iceout(model, tables, iceout_lake, 5)
    ice = tables.ice_out[tables.ice_out["lake_id"] == iceout_lake].sort_values("year")
    assert result.observed["year"].tolist() == ice["year"].tolist()
    assert result.fitted["year"].min() >= model.manifest["config"]["model"]["min_year"]
    assert result.forecast["year"].tolist() == list(range(ice["year"].max() + 1, ice["year"].max() + 6))
    slope = model.manifest["trend"]["slope_per_year"]
    assert slope < 0
    np.testing.assert_allclose(np.diff(result.forecast["value"]), slope)
    width = (result.forecast["upper"] - result.forecast["lower"]).to_numpy()
    np.testing.assert_allclose(width, 2 * model.manifest["interval"]["radius"])
    assert result.unit == "day of year"


def test_iceout_forecast_for_a_lake_without_records(models, tables):
    lakes = tables.lakes
    lake = lakes[~lakes["has_iceout"] & lakes["latitude"].notna()]["lake_id"].iloc[0]
    result = forecast_iceout(models["iceout_doy"], tables, lake, 2)
    assert result.observed.empty and result.fitted.empty
    start = int(tables.ice_out["year"].max()) + 1
    assert result.forecast["year"].tolist() == [start, start + 1]


def test_clearer_water_changes_the_predicted_value(models, tables):
    model = models["property_value"]
    frame = F.property_value_frame(tables)
    rows = frame[frame["year"] == 2010].sample(60, random_state=0)
    changed = 0
    for row in rows.itertuples(index=False):
        result = property_value_scenario(model, tables, row.lake_id, 2010, secchi_mean_m=3 * row.secchi_mean_m)
        assert result["difference"] == pytest.approx(result["scenario"]["value"] - result["baseline"]["value"])
        assert result["baseline"]["secchi_mean_m"] == pytest.approx(row.secchi_mean_m)
        assert result["scenario"]["secchi_mean_m"] == pytest.approx(3 * row.secchi_mean_m)
        changed += result["difference"] != 0
    assert changed > 0.5 * len(rows)
    same = property_value_scenario(model, tables, rows["lake_id"].iloc[0], 2010)
    assert same["difference"] == 0 and same["difference_pct"] == 0
    assert same["baseline"]["lower"] < same["baseline"]["value"] < same["baseline"]["upper"]
    assert same["unit"] == "USD" and same["version"] == model.version


def test_phosphorus_scenario_shifts_log_phosphorus(models, tables):
    model = models["property_value"]
    row = F.property_value_frame(tables).query("year == 2012").iloc[0]
    lake_year = tables.lake_years.query("lake_id == @row.lake_id and year == 2012").reset_index(drop=True)
    old = lake_year.at[0, "phosphorus_mean_mg_l"]
    result = property_value_scenario(model, tables, row.lake_id, 2012, phosphorus_mean_mg_l=old / 2)
    manual = lake_year.copy()
    manual.at[0, "log_phosphorus_mean"] = lake_year.at[0, "log_phosphorus_mean"] - math.log(2)
    assert result["scenario"]["value"] == pytest.approx(model.predict(manual).value[0])
    assert result["scenario"]["phosphorus_mean_mg_l"] == pytest.approx(old / 2)


def test_bad_requests_raise_clear_errors(models, tables, secchi_lake):
    with pytest.raises(UnknownLakeError, match="unknown lake '99999999'"):
        forecast_secchi(models["secchi_forecast"], tables, "99999999", 3)
    for horizon in (0, 11, 2.5, True):
        with pytest.raises(ForecastError, match="horizon must be a whole number of years from 1 to 10"):
            forecast_secchi(models["secchi_forecast"], tables, secchi_lake, horizon)
    no_secchi = tables.lakes.loc[~tables.lakes["has_water_quality"], "lake_id"].iloc[0]
    with pytest.raises(NoDataError, match="no Secchi"):
        forecast_secchi(models["secchi_forecast"], tables, no_secchi, 3)
    with pytest.raises(NoDataError, match="no monitoring data for 1990"):
        property_value_scenario(models["property_value"], tables, secchi_lake, 1990)
    with pytest.raises(ForecastError, match="secchi_mean_m must be a positive number"):
        property_value_scenario(models["property_value"], tables, secchi_lake, 2010, secchi_mean_m=-1)


def test_missing_reason_in_words():
    assert missing_reason(["log_phosphorus_mean", "log_phosphorus_std"]) == "phosphorus not measured"
    assert missing_reason(["secchi_std_m"]) == "Secchi depth spread not measured (fewer than two readings)"
    assert missing_reason(["log_phosphorus_mean", "secchi_mean_m", "secchi_std_m"]) == \
        "phosphorus not measured; Secchi depth not measured"
    assert missing_reason(["major_watershed"]) == "major_watershed missing"


def test_model_values_every_valued_year_equals_the_scenario_baseline(models, tables):
    """All lakes with a sale value: skipped years are exactly those lacking a required feature; valued
    years (checked on a sample) equal the scenario route's baseline."""
    model = models["property_value"]
    required = [f["name"] for f in model.features if f["required"]]
    ly = tables.lake_years[tables.lake_years["median_sale_value_usd"].notna()]
    lacking = ly[required].isna().any(axis=1)
    for lake_id in sorted(set(ly.loc[lacking, "lake_id"]))[:5]:
        rows = ly[ly["lake_id"] == lake_id]
        result = model_values(model, tables, lake_id)
        assert [s["year"] for s in result.skipped] == sorted(rows.loc[lacking[rows.index], "year"])
        assert result.values["year"].tolist() == sorted(rows.loc[~lacking[rows.index], "year"])
        for row in result.values.head(2).itertuples():
            base = property_value_scenario(model, tables, lake_id, int(row.year))["baseline"]
            assert row.value == pytest.approx(base["value"], rel=1e-9)
    with pytest.raises(UnknownLakeError):
        model_values(model, tables, "00000000")
