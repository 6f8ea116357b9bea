"""Every client method against the real model API (gunicorn, real registry trained from the real data).

Expected values come from the session's tidy tables, so the tests check the whole chain
(tables -> API -> JSON -> typed result -> DataFrame), not hard-coded numbers.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import theilslopes

from model_client import (
    Forecast,
    InvalidRequest,
    LakeApiClient,
    LakeDetail,
    ModelValues,
    NotFound,
)

METRICS = ["secchi_mean_m", "phosphorus_mean_mg_l"]


@pytest.fixture(scope="module")
def client(live_api):
    with LakeApiClient(live_api, timeout=20, retries=1, total_budget=60) as api:
        yield api


@pytest.fixture(scope="module")
def lake(tables) -> pd.Series:
    """A real lake with water quality, property and ice-out data, and the most Secchi years among those."""
    lakes = tables.lakes
    rich = lakes[lakes["has_water_quality"] & lakes["has_iceout"] & lakes["has_property"]]
    counts = tables.lake_years.dropna(subset=["secchi_mean_m"]).groupby("lake_id").size()
    best = counts.reindex(rich["lake_id"]).idxmax()
    return lakes.set_index("lake_id").loc[best].rename(best)


@pytest.fixture(scope="module")
def busiest_year(tables) -> int:
    return int(tables.lake_years.dropna(subset=["secchi_mean_m"])["year"].value_counts().idxmax())


def _close(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b is not None and math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def test_health_and_state_agree_on_the_production_models(client, settings):
    health = client.health()
    state = client.state()
    assert health.ready and health.status == "ready"
    assert set(health.models) == set(settings.models) == set(state.models)
    assert health.models == state.models
    assert state.token == client.state().token  # stable while nothing changes


def test_list_lakes_totals_and_paging(client, tables):
    everything = client.list_lakes(limit=len(tables.lakes))
    assert everything.total == len(tables.lakes) == len(everything.items)
    assert {lake.lake_id for lake in everything.items} == set(tables.lakes["lake_id"])
    first = client.list_lakes(limit=7)
    second = client.list_lakes(limit=7, offset=7)
    assert (first.limit, first.offset, second.offset) == (7, 0, 7)
    ids = [lake.lake_id for lake in first.items + second.items]
    assert ids == [lake.lake_id for lake in everything.items[:14]]
    frame = first.to_frame()
    assert len(frame) == 7 and {"lake_id", "name", "latitude", "latest_secchi_mean_m"} <= set(frame.columns)


def test_list_lakes_filters(client, tables, lake):
    county = lake["county"]
    in_county = client.list_lakes(county=county.upper(), limit=1000)
    assert in_county.total == int((tables.lakes["county"] == county).sum())
    assert {item.county for item in in_county.items} == {county}
    with_ice = client.list_lakes(has=["iceout", "water_quality"], limit=1000)
    expected = tables.lakes[tables.lakes["has_iceout"] & tables.lakes["has_water_quality"]]
    assert {i.lake_id for i in with_ice.items} == set(expected["lake_id"])
    found = client.list_lakes(q=lake["name"][:5].lower(), limit=1000)
    assert lake.name in {i.lake_id for i in found.items}
    assert all(lake["name"][:5].lower() in i.name.lower() for i in found.items)


def test_get_lake_matches_the_table(client, tables, lake):
    detail = client.get_lake(lake.name)
    assert isinstance(detail, LakeDetail)
    assert (detail.lake_id, detail.display_id, detail.name) == (lake.name, lake["display_id"], lake["name"])
    assert _close(detail.latitude, lake["latitude"]) and _close(detail.longitude, lake["longitude"])
    ice_years = tables.ice_out.loc[tables.ice_out["lake_id"] == lake.name, "year"]
    assert detail.iceout_years == (ice_years.min(), ice_years.max())
    assert detail.n_iceout == len(ice_years)
    assert client.get_lake(lake["display_id"]) == detail  # the display form names the same lake


def test_series_matches_the_table(client, tables, lake):
    series = client.series(lake.name, METRICS)
    assert [m.name for m in series.metrics] == METRICS
    assert series.metric("secchi_mean_m").unit == "m"
    frame = series.to_frame()
    expected = tables.lake_years[tables.lake_years["lake_id"] == lake.name].sort_values("year")
    assert frame["year"].tolist() == expected["year"].tolist()
    for col in ["secchi_mean_m", "secchi_std_m", "phosphorus_mean_mg_l"]:
        assert all(_close(a, b) for a, b in zip(frame[col], expected[col]))


def test_ice_out_matches_the_table(client, tables, lake):
    frame = client.ice_out(lake.name).to_frame()
    expected = tables.ice_out[tables.ice_out["lake_id"] == lake.name].sort_values("year")
    assert frame["year"].tolist() == expected["year"].tolist()
    assert frame["doy"].tolist() == expected["doy"].tolist()
    assert frame["date"].dt.dayofyear.tolist() == expected["doy"].tolist()


def test_lake_years_for_the_overview_map(client, tables, busiest_year):
    table = client.lake_years(busiest_year, METRICS)
    assert table.year == busiest_year
    frame = table.to_frame().set_index("lake_id")
    expected = tables.lake_years[tables.lake_years["year"] == busiest_year].set_index("lake_id")
    assert set(expected.dropna(subset=["secchi_mean_m"]).index) <= set(frame.index)
    for lake_id in expected.index[:25]:
        assert _close(frame.loc[lake_id, "secchi_mean_m"], expected.loc[lake_id, "secchi_mean_m"])


def test_trend_is_sens_slope_of_the_series(client, tables, lake):
    trend = client.trend(lake.name, "secchi_mean_m")
    observed = tables.lake_years[tables.lake_years["lake_id"] == lake.name].dropna(subset=["secchi_mean_m"])
    assert trend.n_years == len(observed)
    assert (trend.first_year, trend.last_year) == (observed["year"].min(), observed["year"].max())
    slope = theilslopes(observed["secchi_mean_m"], observed["year"]).slope
    assert math.isclose(trend.slope_per_year, slope, rel_tol=1e-6, abs_tol=1e-9)
    assert 0 <= trend.p_value <= 1 and trend.unit == "m"
    if trend.direction == "improving":  # deeper Secchi = clearer water
        assert trend.slope_per_year > 0


def test_forecast_extends_the_observations(client, tables, lake):
    fc = client.forecast(lake.name, "secchi_forecast", 3)
    assert isinstance(fc, Forecast) and fc.version == client.state().models["secchi_forecast"]
    observed = tables.lake_years[tables.lake_years["lake_id"] == lake.name].dropna(subset=["secchi_mean_m"])
    assert [p.year for p in fc.observed] == observed["year"].tolist()
    last = observed["year"].max()
    assert [p.year for p in fc.forecast] == [last + 1, last + 2, last + 3]
    for point in fc.forecast:
        assert point.lower <= point.value <= point.upper
    frame = fc.to_frame()
    assert frame["kind"].value_counts().to_dict()["forecast"] == 3


def test_models_and_model_detail(client, settings):
    infos = client.models()
    state = client.state()
    assert {m.name for m in infos} == set(settings.models)
    for info in infos:
        assert info.version == state.models[info.name]
        assert info.features, info.name
    one = client.model("property_value")
    assert one.name == "property_value" and one.version == state.models["property_value"]
    assert one.target_unit


def test_batch_predict(client, tables):
    info = client.model("property_value")
    from lakemodel.features import property_value_frame

    frame = property_value_frame(tables)
    names = [f.name for f in info.features]
    rows = frame[names].head(5)
    batch = client.predict("property_value", rows)
    assert (batch.model, batch.version, len(batch.predictions)) == ("property_value", info.version, 5)
    assert [p.index for p in batch.predictions] == list(range(5))
    for p in batch.predictions:
        assert p.ok and np.isfinite(p.value) and p.lower <= p.value <= p.upper
    out = batch.to_frame()
    assert out["value"].tolist() == [p.value for p in batch.predictions]


def test_property_value_scenario(client, tables, lake):
    years = tables.lake_years[(tables.lake_years["lake_id"] == lake.name)
                              & tables.lake_years["secchi_mean_m"].notna()
                              & tables.lake_years["median_sale_value_usd"].notna()]
    row = years.sort_values("year").iloc[-1]
    clearer = float(row["secchi_mean_m"]) + 1.0
    sc = client.property_value_scenario(lake.name, int(row["year"]), secchi_mean_m=clearer)
    assert (sc.lake_id, sc.year, sc.unit) == (lake.name, int(row["year"]), "USD")
    assert _close(sc.baseline.secchi_mean_m, row["secchi_mean_m"])
    assert _close(sc.scenario.secchi_mean_m, clearer)
    assert math.isclose(sc.difference, sc.scenario.value - sc.baseline.value, rel_tol=1e-6, abs_tol=1e-6)


def test_model_values_skip_the_years_without_required_features(client, tables):
    """One call gives the property-value model's value for every observed year, minus the years lacking a
    required feature (each with the reason); the values equal the scenario route's baselines."""
    manifest = client.model("property_value")
    required = [f.name for f in manifest.features if f.required]
    ly = tables.lake_years[tables.lake_years["median_sale_value_usd"].notna()]
    lacking = ly[required].isna().any(axis=1)
    counts = ly.assign(lacking=lacking).groupby("lake_id")["lacking"].agg(["sum", "size"])
    lake_id = str(counts[(counts["sum"] > 0) & (counts["sum"] < counts["size"])].index[0])
    rows = ly[ly["lake_id"] == lake_id]
    mv = client.model_values(lake_id, "property_value")
    assert isinstance(mv, ModelValues) and mv.version == client.state().models["property_value"]
    assert (mv.lake_id, mv.unit, mv.target) == (lake_id, "USD", "median_sale_value_usd")
    assert [s.year for s in mv.skipped] == sorted(rows.loc[lacking[rows.index], "year"].astype(int))
    assert all(s.reason and s.missing for s in mv.skipped)
    frame = mv.to_frame()
    assert frame["year"].tolist() == sorted(rows.loc[~lacking[rows.index], "year"].astype(int))
    assert (frame["lower"] <= frame["value"]).all() and (frame["value"] <= frame["upper"]).all()
    first = frame.iloc[0]
    baseline = client.property_value_scenario(lake_id, int(first["year"])).baseline
    assert _close(first["value"], baseline.value) and _close(first["upper"], baseline.upper)
    observed = rows.set_index("year")["median_sale_value_usd"]
    assert all(_close(r.observed, observed[r.year]) for r in frame.itertuples())


def test_aggregates_are_medians_of_the_table(client, tables, lake, busiest_year):
    agg = client.aggregates("secchi_mean_m", "county", year=busiest_year)
    assert (agg.metric, agg.by, agg.unit) == ("secchi_mean_m", "county", "m")
    ly = tables.lake_years[tables.lake_years["year"] == busiest_year][["lake_id", "secchi_mean_m"]]
    ly = ly.merge(tables.lakes[["lake_id", "county"]], on="lake_id").dropna()
    expected = ly.groupby("county")["secchi_mean_m"].agg(["median", "size"])
    frame = agg.to_frame().set_index("group")
    assert set(frame.index) == set(expected.index)
    for county, row in expected.iterrows():
        assert _close(frame.loc[county, "median"], row["median"])
        assert frame.loc[county, "n_lakes"] == row["size"]
    one = client.aggregates("secchi_mean_m", "county", group=lake["county"])
    assert {r.group for r in one.rows} == {lake["county"]}


# -- typed errors from the real API --------------------------------------------------------------
def test_unknown_lake_is_not_found(client):
    with pytest.raises(NotFound, match=r"GET /v1/lakes/99999999: lake '99999999' not found \(HTTP 404\)") as info:
        client.get_lake("99999999")
    assert info.value.status == 404
    with pytest.raises(NotFound):
        client.series("99999999", METRICS)


def test_unknown_model_is_not_found(client):
    with pytest.raises(NotFound, match="no_such_model"):
        client.model("no_such_model")


@pytest.mark.parametrize(("call", "field"), [
    (lambda c, lake: c.trend(lake, "bogus_metric"), "metric"),
    (lambda c, lake: c.forecast(lake, "secchi_forecast", 0), "horizon"),
    (lambda c, lake: c.forecast(lake, "not_a_model", 2), "model"),
    (lambda c, lake: c.model_values(lake, "not_a_model"), "model"),
    (lambda c, lake: c.lake_years(1500), "year"),
    (lambda c, lake: c.list_lakes(grade="Z"), "grade"),
    (lambda c, lake: c.aggregates("secchi_mean_m", "planet"), "by"),
])
def test_bad_query_is_invalid_request_with_field_detail(client, lake, call, field):
    with pytest.raises(InvalidRequest) as info:
        call(client, lake.name)
    assert info.value.status == 422
    assert any(field in [str(p) for p in d.loc] for d in info.value.detail), info.value.detail


def test_bad_bodies_are_invalid_request(client, lake):
    with pytest.raises(InvalidRequest) as info:
        client.property_value_scenario(lake.name, 2010, secchi_mean_m=-3.0)
    assert info.value.status == 422 and any("secchi_mean_m" in map(str, d.loc) for d in info.value.detail)
    with pytest.raises(InvalidRequest) as info:
        client.predict("property_value", [])
    assert info.value.status == 422 and any("rows" in map(str, d.loc) for d in info.value.detail)


def test_invalid_rows_get_their_own_errors(client, tables):
    from lakemodel.features import property_value_frame

    names = [f.name for f in client.model("property_value").features]
    good = property_value_frame(tables)[names].head(1).to_dict(orient="records")[0]
    batch = client.predict("property_value", [good, {"no_such_feature": 1}, 7])
    ok, unknown, not_object = batch.predictions
    assert ok.ok and not unknown.ok and not not_object.ok
    assert unknown.value is None and any("unknown feature" in e.msg for e in unknown.errors)
    assert any("JSON object" in e.msg for e in not_object.errors)
