"""Every route of a real gunicorn model_api (2 workers on a free loopback port), called with requests.

Expected values are computed here from the session's tables and registry, never hard-coded.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import requests
from scipy import stats

from lakemodel import features as F
from lakemodel.registry import open_registry

TIMEOUT = 30
LAKE = "70007200"           # Upper Prior Lake: monitoring and property data
ICE_LAKE = "27013700"       # a lake with a long ice-out record


@pytest.fixture(scope="module")
def api(live_api):
    session = requests.Session()

    def call(method, path, **kw):
        kw.setdefault("timeout", TIMEOUT)
        return session.request(method, live_api + path, **kw)

    yield call
    session.close()


@pytest.fixture(scope="module")
def registry(trained_registry):
    return open_registry(trained_registry)


def _error_body(resp):
    body = resp.json()
    assert set(body) == {"error", "detail"} and isinstance(body["error"], str) and body["error"]
    for item in body["detail"]:
        assert set(item) == {"loc", "msg"}
    return body


# -- health, state, metrics ----------------------------------------------------------------------
def test_health_ready_state(api, registry, tables):
    assert api("GET", "/health/live").json() == {"status": "ok"}
    ready = api("GET", "/health/ready")
    assert ready.status_code == 200
    versions = {name: registry.production_version(name) for name in registry.list_models()}
    assert ready.json()["models"] == versions
    state = api("GET", "/v1/state").json()
    assert state["models"] == versions and state["data_checksum"] == tables.checksum


def test_metrics_count_requests_across_workers(api):
    for _ in range(6):
        api("GET", "/health/live")
    text = api("GET", "/metrics").text
    line = next(l for l in text.splitlines()
                if l.startswith("lakes_api_requests_total{") and 'route="/health/live"' in l and 'status="200"' in l)
    assert float(line.rsplit(" ", 1)[1]) >= 6
    assert "lakes_api_request_duration_seconds_bucket" in text


def test_request_log_is_json_lines(api, live_api_server):
    api("GET", f"/v1/lakes/{LAKE}")
    api("POST", "/v1/models/iceout_doy/predict", json={"rows": [{"latitude": 45.0, "longitude": -93.0, "year": 2010}]})
    lines = [json.loads(l) for l in live_api_server.log_text().splitlines() if l.startswith("{")]
    requests_logged = [l for l in lines if l.get("event") == "request"]
    lake = next(l for l in requests_logged if l["path"] == f"/v1/lakes/{LAKE}")
    assert lake["method"] == "GET" and lake["status"] == 200 and lake["duration_ms"] >= 0
    pred = next(l for l in requests_logged if l["path"] == "/v1/models/iceout_doy/predict")
    assert pred["model"] == "iceout_doy" and pred["model_version"]


# -- models and predictions ------------------------------------------------------------------------
def test_models_list_and_detail(api, registry):
    listed = api("GET", "/v1/models").json()["models"]
    assert sorted(m["name"] for m in listed) == registry.list_models()
    detail = api("GET", "/v1/models/property_value").json()
    manifest = registry.manifest("property_value")
    assert detail["version"] == manifest["version"]
    assert detail["metrics"]["baseline"] == manifest["metrics"]["baseline"]
    assert detail["interval"]["coverage"] == manifest["interval"]["coverage"]
    assert [f["name"] for f in detail["features"]] == [f["name"] for f in manifest["features"]]
    assert detail["data_checksums"] == manifest["data_checksums"]


@pytest.mark.parametrize("n", [1, 300])  # fast path and pandas pipeline
def test_predict_equals_in_process_model(api, registry, tables, n):
    loaded = registry.load("property_value")
    frame = F.property_value_frame(tables).head(n)
    rows = json.loads(frame[loaded.feature_names].to_json(orient="records"))
    resp = api("POST", "/v1/models/property_value/predict", json={"rows": rows})
    assert resp.status_code == 200
    body = resp.json()
    assert body["model"] == "property_value" and body["version"] == loaded.version and body["unit"] == "USD"
    expected = loaded.predict(frame[loaded.feature_names])
    got = body["predictions"]
    assert [p["index"] for p in got] == list(range(n))
    np.testing.assert_allclose([p["value"] for p in got], expected.value, rtol=1e-9)
    np.testing.assert_allclose([p["lower"] for p in got], expected.lower, rtol=1e-9)
    np.testing.assert_allclose([p["upper"] for p in got], expected.upper, rtol=1e-9)


def test_predict_partial_batch_imputes_and_reports_errors(api, registry):
    loaded = registry.load("iceout_doy")
    rows = [{"latitude": 46.0, "longitude": -94.0, "year": 2000},
            {"latitude": "north", "longitude": -94.0, "year": 2000},
            {"longitude": -94.0, "year": 2000, "area_acres": 100.0}]
    body = api("POST", "/v1/models/iceout_doy/predict", json={"rows": rows}).json()
    ok, bad_type, missing = body["predictions"]
    assert body["n_predicted"] == 1 and body["n_errors"] == 2
    optional = [f["name"] for f in loaded.features if not f["required"]]
    assert ok["imputed"] == optional
    expected = loaded.predict(pd.DataFrame([rows[0]]))
    assert ok["value"] == pytest.approx(float(expected.value[0]), rel=1e-9)
    assert bad_type["value"] is None and bad_type["errors"] == [
        {"loc": ["body", "rows", 1, "latitude"], "msg": "must be a number"}]
    assert missing["errors"] == [{"loc": ["body", "rows", 2, "latitude"], "msg": "field required"}]


def test_predict_batch_limit(api, live_api_server):
    # the configured limit (default 10,000) + 1 rows of the smallest valid shape
    rows = [{"latitude": 46.0, "longitude": -94.0, "year": 2000}] * 10_001
    resp = api("POST", "/v1/models/iceout_doy/predict", json={"rows": rows})
    assert resp.status_code == 422
    assert _error_body(resp)["detail"][0]["loc"] == ["body", "rows"]


# -- original API --------------------------------------------------------------------------------
def test_original_api_with_a_record_from_the_original_training_table(api, registry, data_mirror):
    original = pd.read_csv(data_mirror / "lakemodel_train.csv")
    payload_names = {csv: key for csv, key in F.ORIGINAL_NAMES.values()}
    loaded = registry.load("property_value")
    required = [f["original_name"] for f in loaded.features if f["required"]]
    renamed = original.rename(columns=payload_names)
    records = renamed[renamed[required].notna().all(axis=1)].head(3)
    payload = json.loads(records.to_json(orient="records"))  # includes extra original columns
    resp = api("POST", "/v1/predict/lakePrediction", json=payload)
    assert resp.status_code == 200
    body = resp.json()
    assert body["version"] == loaded.version and body["errors"] is None
    tidy = records.rename(columns={key: tidy for tidy, (_, key) in F.ORIGINAL_NAMES.items()})
    expected = loaded.predict(tidy[loaded.feature_names]).value
    np.testing.assert_allclose(body["predictions"], expected, rtol=1e-9)
    # an invalid record is reported like the original (index -> field -> messages), others predicted
    payload[1]["Mean_Secchi_Depth_RESULT"] = "clear"
    body = api("POST", "/v1/predict/lakePrediction", json=payload).json()
    assert len(body["predictions"]) == 2
    assert body["errors"] == {"1": {"Mean_Secchi_Depth_RESULT": ["must be a number"]}}


def test_original_health_and_version(api, registry):
    resp = api("GET", "/health")
    assert resp.status_code == 200 and resp.text == "ok"
    assert api("GET", "/version").json() == {"model_version": registry.production_version("property_value"),
                                               "api_version": "1.0.0"}


# -- lakes ----------------------------------------------------------------------------------------
def test_lake_list_filters_and_search(api, tables):
    lakes = tables.lakes
    body = api("GET", "/v1/lakes", params={"county": "hennepin", "limit": 5}).json()
    assert body["total"] == int((lakes["county"].str.lower() == "hennepin").sum())
    assert len(body["items"]) == 5 and all(i["county"] == "Hennepin" for i in body["items"])
    both = api("GET", "/v1/lakes", params={"has": "iceout,water_quality", "limit": 1000}).json()
    assert both["total"] == int((lakes["has_iceout"] & lakes["has_water_quality"]).sum())
    by_display = api("GET", "/v1/lakes", params={"q": "70-0072-00"}).json()
    assert [i["lake_id"] for i in by_display["items"]] == [LAKE]
    by_name = api("GET", "/v1/lakes", params={"q": "prior", "limit": 1000}).json()
    assert by_name["total"] == int(lakes["name"].str.lower().str.contains("prior", regex=False).sum())
    page = api("GET", "/v1/lakes", params={"limit": 3, "offset": 3}).json()
    first = api("GET", "/v1/lakes", params={"limit": 6}).json()
    assert [i["lake_id"] for i in page["items"]] == [i["lake_id"] for i in first["items"][3:6]]


def test_lake_detail_accepts_both_id_forms(api, tables):
    a = api("GET", f"/v1/lakes/{LAKE}").json()
    b = api("GET", "/v1/lakes/70-0072-00").json()
    assert a == b
    row = tables.lakes.set_index("lake_id").loc[LAKE]
    assert a["name"] == row["name"] and a["latitude"] == pytest.approx(row["latitude"])
    years = tables.lake_years[tables.lake_years["lake_id"] == LAKE]
    latest = years.sort_values("year").iloc[-1]
    assert a["latest"]["year"] == int(latest["year"])
    assert a["latest"]["secchi_mean_m"] == pytest.approx(latest["secchi_mean_m"])
    assert a["water_quality_years"] == [int(years["year"].min()), int(years["year"].max())]


def test_series_ice_out_and_lake_years(api, tables):
    series = api("GET", f"/v1/lakes/{LAKE}/series", params={"metrics": "secchi_mean_m,grade"}).json()
    assert [m["name"] for m in series["metrics"]] == ["secchi_mean_m", "grade"]
    assert series["metrics"][0]["unit"] == "m" and series["metrics"][0]["std_field"] == "secchi_std_m"
    expected = tables.lake_years[tables.lake_years["lake_id"] == LAKE].sort_values("year")
    assert [r["year"] for r in series["rows"]] == expected["year"].tolist()
    np.testing.assert_allclose([r["secchi_mean_m"] for r in series["rows"]], expected["secchi_mean_m"])
    ice = api("GET", f"/v1/lakes/{ICE_LAKE}/ice-out").json()
    rows = tables.ice_out[tables.ice_out["lake_id"] == ICE_LAKE].sort_values("year")
    assert [r["doy"] for r in ice["rows"]] == rows["doy"].tolist()
    assert ice["rows"][0]["date"] == rows["date"].iloc[0].date().isoformat()
    year = api("GET", "/v1/lake-years", params={"year": 2010, "metrics": "secchi_mean_m"}).json()
    in_year = tables.lake_years[tables.lake_years["year"] == 2010]
    assert sorted(i["lake_id"] for i in year["items"]) == sorted(in_year["lake_id"])


def test_trend_matches_scipy(api, tables):
    body = api("GET", f"/v1/lakes/{ICE_LAKE}/trend", params={"metric": "iceout_doy"}).json()
    rows = tables.ice_out[tables.ice_out["lake_id"] == ICE_LAKE]
    slope = stats.theilslopes(rows["doy"].astype(float), rows["year"].astype(float))[0]
    p_value = stats.kendalltau(rows["year"], rows["doy"])[1]
    assert body["slope_per_year"] == pytest.approx(slope) and body["p_value"] == pytest.approx(p_value)
    assert body["n_years"] == len(rows) and body["method"] == "Sen's slope, Mann-Kendall"
    assert body["direction"] in {"improving", "worsening", "no significant trend"}


def test_aggregates_are_medians(api, tables):
    body = api("GET", "/v1/aggregates", params={"metric": "secchi_mean_m", "by": "county", "year": 2012}).json()
    merged = tables.lake_years[tables.lake_years["year"] == 2012][["lake_id", "secchi_mean_m"]].merge(
        tables.lakes[["lake_id", "county"]], on="lake_id").dropna()
    expected = merged.groupby("county")["secchi_mean_m"].median()
    got = {r["group"]: r["median"] for r in body["rows"]}
    assert got.keys() == set(expected.index)
    for county, median in expected.items():
        assert got[county] == pytest.approx(median)


# -- forecasts and scenarios -----------------------------------------------------------------------
@pytest.mark.parametrize("model,lake", [("secchi_forecast", LAKE), ("iceout_doy", ICE_LAKE)])
def test_forecast(api, registry, model, lake):
    body = api("GET", f"/v1/lakes/{lake}/forecast", params={"model": model, "horizon": 3}).json()
    assert body["model"] == model and body["version"] == registry.production_version(model)
    assert len(body["forecast"]) == 3
    last = max(p["year"] for p in body["observed"])
    assert [p["year"] for p in body["forecast"]] == [last + 1, last + 2, last + 3]
    for point in body["forecast"]:
        assert point["lower"] <= point["value"] <= point["upper"]
    assert body["fitted"] and body["interval_level"] == registry.manifest(model)["interval"]["level"]


def test_property_value_scenario(api, registry, tables):
    from lakemodel.forecast import property_value_scenario

    year = int(tables.lake_years[(tables.lake_years["lake_id"] == LAKE)
                                 & tables.lake_years["median_sale_value_usd"].notna()]["year"].max())
    body = {"lake_id": "70-0072-00", "year": year, "secchi_mean_m": 4.0}
    got = api("POST", "/v1/scenarios/property-value", json=body).json()
    expected = property_value_scenario(registry.load("property_value"), tables, LAKE, year, secchi_mean_m=4.0)
    assert got["scenario"]["secchi_mean_m"] == 4.0
    assert got["baseline"]["value"] == pytest.approx(expected["baseline"]["value"], rel=1e-9)
    assert got["difference"] == pytest.approx(expected["difference"], rel=1e-6, abs=1e-6)
    assert got["version"] == registry.production_version("property_value")


def _value_lakes(tables, manifest):
    """(a lake with some valued and some skipped years, its skipped years) from the tables and manifest."""
    required = [f["name"] for f in manifest["features"] if f["required"]]
    ly = tables.lake_years[tables.lake_years[manifest["target"]].notna()]
    lacking = ly[required].isna().any(axis=1)
    per_lake = ly.assign(lacking=lacking).groupby("lake_id")["lacking"].agg(["sum", "size"])
    mixed = per_lake[(per_lake["sum"] > 0) & (per_lake["sum"] < per_lake["size"])].index
    assert len(mixed) > 0
    lake = "82004600" if "82004600" in mixed else str(mixed[0])   # Square Lake: phosphorus missing in 2008
    rows = ly[ly["lake_id"] == lake]
    return lake, rows, required


def test_model_values_skip_exactly_the_years_missing_required_features(api, registry, tables):
    manifest = registry.manifest("property_value")
    lake, rows, required = _value_lakes(tables, manifest)
    resp = api("GET", f"/v1/lakes/{lake}/model-values", params={"model": "property_value"})
    assert resp.status_code == 200 and resp.headers["ETag"]
    body = resp.json()
    lacking = rows[required].isna()
    want_skipped = sorted(int(y) for y in rows.loc[lacking.any(axis=1), "year"])
    want_valued = sorted(int(y) for y in rows.loc[~lacking.any(axis=1), "year"])
    assert [s["year"] for s in body["skipped"]] == want_skipped
    assert [v["year"] for v in body["values"]] == want_valued
    for skip in body["skipped"]:
        row = rows[rows["year"] == skip["year"]].iloc[0]
        assert skip["missing"] == [n for n in required if pd.isna(row[n])]
        if all("phosphorus" in n for n in skip["missing"]) and "log_phosphorus_mean" in skip["missing"]:
            assert skip["reason"] == "phosphorus not measured"
    # the same numbers as the scenario route's baseline, and the observed target
    model = registry.load("property_value")
    from lakemodel.forecast import property_value_scenario
    for point in body["values"]:
        base = property_value_scenario(model, tables, lake, point["year"])["baseline"]
        assert point["value"] == pytest.approx(base["value"], rel=1e-9)
        assert point["lower"] == pytest.approx(base["lower"], rel=1e-9)
        assert point["lower"] <= point["value"] <= point["upper"]
        observed = rows.loc[rows["year"] == point["year"], manifest["target"]].iloc[0]
        assert point["observed"] == pytest.approx(observed)
    assert body["version"] == registry.production_version("property_value") and body["unit"] == "USD"
    assert body["interval_level"] == manifest["interval"]["level"]
    again = api("GET", f"/v1/lakes/{lake}/model-values", params={"model": "property_value"},
                headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("model,lake", [("secchi_forecast", LAKE), ("iceout_doy", ICE_LAKE)])
def test_model_values_of_the_forecast_models_cover_every_observed_year(api, registry, tables, model, lake):
    body = api("GET", f"/v1/lakes/{lake}/model-values", params={"model": model}).json()
    if model == "secchi_forecast":
        ly = tables.lake_years
        years = ly.loc[(ly["lake_id"] == lake) & ly["secchi_mean_m"].notna(), "year"].astype(int).tolist()
        # a value needs Secchi in the year before (the model forecasts one year ahead)
        want_skipped = [y for y in years if y - 1 not in years]
    else:
        ice = tables.ice_out
        years = ice.loc[ice["lake_id"] == lake, "year"].astype(int).tolist()
        min_year = registry.manifest(model)["config"]["model"]["min_year"]
        want_skipped = [y for y in years if y < min_year]
    assert sorted([v["year"] for v in body["values"]] + [s["year"] for s in body["skipped"]]) == sorted(years)
    assert [s["year"] for s in body["skipped"]] == sorted(want_skipped)
    assert body["values"] and all(p["lower"] <= p["value"] <= p["upper"] for p in body["values"])


# -- caching ----------------------------------------------------------------------------------------
def test_etag_and_304(api):
    first = api("GET", f"/v1/lakes/{LAKE}/series")
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = api("GET", f"/v1/lakes/{LAKE}/series", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    other = api("GET", f"/v1/lakes/{LAKE}/series", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200


# -- errors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method,path,kwargs,status", [
    ("POST", "/v1/models/iceout_doy/predict", {"data": "{\"rows\": [", "headers": {"Content-Type": "application/json"}}, 400),
    ("GET", "/v1/lakes/12345678", {}, 404),
    ("GET", "/v1/lakes/not-a-lake/series", {}, 404),
    ("GET", "/v1/models/no_such_model", {}, 404),
    ("POST", "/v1/models/no_such_model/predict", {"json": {"rows": [{}]}}, 404),
    ("GET", "/v2/nothing/here", {}, 404),
    ("DELETE", "/v1/lakes", {}, 405),
    ("GET", "/v1/models/iceout_doy/predict", {}, 405),
    ("POST", "/v1/models/iceout_doy/predict", {"data": "rows=1", "headers": {"Content-Type": "text/plain"}}, 415),
    ("POST", "/v1/models/iceout_doy/predict", {"json": {"rows": []}}, 422),
    ("POST", "/v1/models/iceout_doy/predict", {"json": {"rows": [{}], "extra": 1}}, 422),
    ("GET", "/v1/lakes", {"params": {"limit": "many"}}, 422),
    ("GET", "/v1/lakes", {"params": {"has": "fish"}}, 422),
    ("GET", "/v1/lake-years", {}, 422),
    ("GET", f"/v1/lakes/{LAKE}/trend", {"params": {"metric": "colour"}}, 422),
    ("GET", f"/v1/lakes/{LAKE}/forecast", {"params": {"model": "secchi_forecast", "horizon": 0}}, 422),
    ("POST", "/v1/scenarios/property-value", {"json": {"lake_id": LAKE, "year": 1850}}, 422),
    ("POST", "/v1/scenarios/property-value", {"json": {"lake_id": "99999999", "year": 2010}}, 404),
    ("GET", f"/v1/lakes/{LAKE}/model-values", {}, 422),
    ("GET", f"/v1/lakes/{LAKE}/model-values", {"params": {"model": "property-value"}}, 422),
    ("GET", "/v1/lakes/99999999/model-values", {"params": {"model": "property_value"}}, 404),
    ("POST", "/v1/admin/reload", {}, 401),
    ("POST", "/v1/admin/reload", {"headers": {"X-API-Key": "wrong"}}, 403),
])
def test_client_errors_are_json(api, method, path, kwargs, status):
    resp = api(method, path, **kwargs)
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    _error_body(resp)


def test_body_too_large_is_413(api):
    # 17 MiB > the configured 16 MiB MAX_CONTENT_LENGTH
    big = b'{"rows": [' + b" " * (17 * 1024 * 1024) + b"]}"
    resp = api("POST", "/v1/models/iceout_doy/predict", data=big, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    assert "too large" in _error_body(resp)["error"]


def test_docs_work_offline(api):
    spec = api("GET", "/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/v1/models/{name}/predict" in spec["paths"]
    page = api("GET", "/docs")
    assert page.status_code == 200 and "http" not in page.text.replace("http-equiv", "")
    for asset in ("/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"):
        assert api("GET", asset).status_code == 200
