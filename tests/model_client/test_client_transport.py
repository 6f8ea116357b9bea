"""Transport behaviour against real loopback servers: typed errors, retries, budget, ETag revalidation."""
from __future__ import annotations

import json
import time

import pytest

from mc_servers import BlackHole, ScriptedServer
from model_client import (
    ApiTimeout,
    ApiUnavailable,
    BadResponse,
    InvalidRequest,
    LakeApiClient,
    ServerError,
    Trend,
)

TREND = {"metric": "secchi_mean_m", "unit": "m", "method": "Sen's slope, Mann-Kendall", "slope_per_year": 0.05,
         "p_value": 0.01, "n_years": 11, "first_year": 2004, "last_year": 2014, "direction": "improving"}


@pytest.fixture
def scripted():
    servers = []

    def make(respond):
        server = ScriptedServer(respond).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def _json(status, data):
    return status, "application/json", json.dumps(data).encode()


def test_stopped_server_is_api_unavailable(scripted):
    server = scripted(lambda req: _json(200, TREND))
    client = LakeApiClient(server.url, retries=1, backoff=0.01)
    assert client.trend("1", "secchi_mean_m").slope_per_year == 0.05
    server.stop()
    with pytest.raises(ApiUnavailable, match=r"cannot reach the model API at http://127\.0\.0\.1:\d+ "
                                             r"\(connection refused\)") as info:
        client.trend("1", "secchi_mean_m")
    assert info.value.status is None


def test_unknown_host_is_api_unavailable():
    client = LakeApiClient("http://no-such-host.invalid:8000", retries=0)
    with pytest.raises(ApiUnavailable, match="no-such-host.invalid"):
        client.state()


def test_black_hole_is_api_timeout_within_the_budget():
    hole = BlackHole()
    try:
        client = LakeApiClient(hole.url, timeout=0.3, retries=5, total_budget=1.0, backoff=0.05)
        start = time.monotonic()
        with pytest.raises(ApiTimeout, match="did not answer within"):
            client.get_lake("70007200")
        elapsed = time.monotonic() - start
        assert 2 <= client.attempts < 6  # retried, but stopped by the 1 s budget
        assert elapsed < 2.0
    finally:
        hole.close()


def test_slow_endpoint_is_api_timeout(scripted):
    def slow(req):
        time.sleep(1.5)
        return _json(200, TREND)

    client = LakeApiClient(scripted(slow).url, timeout=0.3, retries=0)
    with pytest.raises(ApiTimeout):
        client.trend("1", "secchi_mean_m")


def test_get_is_retried_on_503_with_backoff(scripted):
    answers = iter([_json(503, {"error": "warming up"}), _json(503, {"error": "warming up"})])
    server = scripted(lambda req: next(answers, _json(200, TREND)))
    client = LakeApiClient(server.url, retries=2, backoff=0.05)
    assert client.trend("1", "secchi_mean_m") == Trend.model_validate(TREND)
    assert server.hits["GET"] == 3


def test_get_gives_up_with_server_error_after_retries(scripted):
    server = scripted(lambda req: _json(503, {"error": "models not loaded", "detail": []}))
    client = LakeApiClient(server.url, retries=2, backoff=0.01)
    with pytest.raises(ServerError, match=r"GET /v1/state: models not loaded \(HTTP 503\)"):
        client.state()
    assert server.hits["GET"] == 3


def test_post_is_never_retried(scripted):
    server = scripted(lambda req: _json(503, {"error": "busy"}))
    client = LakeApiClient(server.url, retries=3, backoff=0.01)
    with pytest.raises(ServerError, match="busy"):
        client.property_value_scenario("70007200", 2014, secchi_mean_m=3.0)
    assert server.hits["POST"] == 1


def test_post_sends_clean_json(scripted):
    import numpy as np

    seen = []

    def echo(req):
        seen.append((req.method, req.path, json.loads(req.body)))
        return _json(200, {"model": "m", "version": "v1", "unit": "USD",
                           "predictions": [{"index": 0, "value": 1.0, "lower": 0.5, "upper": 2.0, "imputed": []},
                                           {"index": 1, "value": None, "errors": [{"loc": ["x"], "msg": "bad"}]}]})

    client = LakeApiClient(scripted(echo).url)
    import pandas as pd

    batch = client.predict("property_value", [{"a": np.float64(1.5), "b": float("nan"), "c": np.int64(3)},
                                              {"a": pd.NA, "b": pd.Timestamp("2014-05-01"), "c": np.bool_(True)}])
    assert seen == [("POST", "/v1/models/property_value/predict",
                     {"rows": [{"a": 1.5, "b": None, "c": 3}, {"a": None, "b": "2014-05-01T00:00:00", "c": True}]})]
    assert [p.ok for p in batch.predictions] == [True, False]
    assert str(batch.predictions[1].errors[0]) == "x: bad"
    with pytest.raises(InvalidRequest, match="cannot send a value of type object"):
        client.predict("property_value", [{"a": object()}])


@pytest.mark.parametrize(("answer", "message"), [
    ((200, "text/html", b"<html>proxy error</html>"), "expected JSON but the API sent 'text/html'"),
    ((200, "application/json", b"{not json"), "invalid JSON"),
    ((200, "application/json", b'{"metric": "x", "n_years": "many"}'), "n_years"),
    ((200, "application/json", b"[1, 2]"), "does not match the contract"),
])
def test_malformed_answers_are_bad_response(scripted, answer, message):
    client = LakeApiClient(scripted(lambda req: answer).url)
    with pytest.raises(BadResponse, match=message):
        client.trend("1", "secchi_mean_m")


def test_etag_is_revalidated_and_304_reuses_the_body(scripted):
    seen = []

    def etagged(req):
        seen.append(req.headers.get("If-None-Match"))
        if req.headers.get("If-None-Match") == '"v1"':
            return 304, None, b"", {"ETag": '"v1"'}
        return *_json(200, TREND), {"ETag": '"v1"'}

    client = LakeApiClient(scripted(etagged).url)
    first = client.trend("1", "secchi_mean_m")
    second = client.trend("1", "secchi_mean_m")
    other = client.trend("2", "secchi_mean_m")
    assert first == second == other == Trend.model_validate(TREND)
    assert seen == [None, '"v1"', None]  # only the URL seen before is revalidated


def test_304_without_a_stored_body_is_a_bad_response(scripted):
    client = LakeApiClient(scripted(lambda req: (304, None, b"")).url)
    with pytest.raises(BadResponse, match="304"):
        client.trend("1", "secchi_mean_m")


def test_not_ready_api_is_a_health_result_not_an_error(scripted):
    body = {"status": "not ready", "reasons": {"iceout_doy": "no production version"}, "models": {}}
    server = scripted(lambda req: _json(503, body))
    health = LakeApiClient(server.url, retries=2).health()
    assert not health.ready and health.reasons == body["reasons"]
    assert server.hits["GET"] == 1  # readiness is reported at once, not retried


def test_empty_path_segments_are_rejected_locally():
    client = LakeApiClient("http://127.0.0.1:9")
    with pytest.raises(InvalidRequest, match="lake_id must not be empty"):
        client.get_lake(" ")
    with pytest.raises(InvalidRequest, match="name must not be empty"):
        client.model("")


def test_bad_base_url_is_rejected_at_construction():
    with pytest.raises(ValueError, match="must look like http://host:port"):
        LakeApiClient("localhost:8000")
