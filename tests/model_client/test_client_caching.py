"""Caching measured, not assumed: a counting reverse proxy in front of the live API counts what reaches it."""
from __future__ import annotations

import logging
import shutil
import time

import pytest
from flask import Flask
from flask_caching import Cache

from mc_servers import CountingProxy, RedisServer
from model_client import CacheSettings, LakeApiClient, NotFound
from model_client.caching import CachedLakeApiClient, make_cache, make_cached_client

DATA_PATHS = ("/v1/lakes", "/v1/models", "/v1/scenarios", "/v1/lake-years", "/v1/aggregates")


@pytest.fixture(scope="module")
def proxy(live_api):
    server = CountingProxy(live_api).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lake_id(tables) -> str:
    lakes = tables.lakes
    return str(lakes.loc[lakes["has_water_quality"] & lakes["has_property"], "lake_id"].iloc[0])


@pytest.fixture
def counting(proxy):
    proxy.reset()
    proxy.rewrite_state = None
    yield proxy
    proxy.rewrite_state = None


def data_requests(proxy: CountingProxy) -> int:
    return sum(proxy.count(p) for p in DATA_PATHS)


def cached_client(proxy, cache_type="SimpleCache", *, state_ttl=60.0, **cache_kw) -> CachedLakeApiClient:
    cache = make_cache(Flask(__name__), CacheSettings(type=cache_type, **cache_kw))
    return CachedLakeApiClient(LakeApiClient(proxy.url, retries=0, timeout=20), cache, ttl=60,
                               state_ttl=state_ttl, retry_after=0)


def test_second_identical_call_makes_no_request(counting, lake_id):
    api = cached_client(counting)
    first = api.get_lake(lake_id)
    assert data_requests(counting) == 1
    assert api.get_lake(lake_id) == first
    assert api.get_lake(lake_id=lake_id) == first  # same arguments, spelled differently
    series = api.series(lake_id, ["secchi_mean_m"])
    assert api.series(lake_id, ("secchi_mean_m",)) == series
    assert data_requests(counting) == 2
    assert counting.count("/v1/state") == 1  # state token read once within state_ttl
    assert api.stats["hits"] == 3


def test_posts_are_memoized_too(counting, tables):
    """Batch predictions are pure given the model version, so they are cached like reads."""
    from lakemodel.features import property_value_frame

    api = cached_client(counting)
    names = [f.name for f in api.model("property_value").features]
    rows = property_value_frame(tables)[names].head(3)
    one = api.predict("property_value", rows)
    two = api.predict("property_value", rows.to_dict(orient="records"))
    assert one == two and counting.count("/v1/models/property_value/predict", method="POST") == 1
    api.predict("property_value", rows.head(2))
    assert counting.count("/v1/models/property_value/predict", method="POST") == 2


def test_model_values_are_memoized(counting, lake_id):
    api = cached_client(counting)
    first = api.model_values(lake_id, "property_value")
    assert api.model_values(lake_id, model="property_value") == first
    assert counting.count(f"/v1/lakes/{lake_id}/model-values") == 1
    api.model_values(lake_id, "secchi_forecast")   # another model is another answer
    assert counting.count(f"/v1/lakes/{lake_id}/model-values") == 2


def test_uncached_client_revalidates_with_etag(counting, lake_id):
    client = LakeApiClient(counting.url)
    first = client.series(lake_id, ["secchi_mean_m"])
    second = client.series(lake_id, ["secchi_mean_m"])
    assert first == second
    assert [status for _, status in counting.statuses] == [200, 304]


def test_model_version_change_makes_a_new_request(counting, lake_id):
    api = cached_client(counting, state_ttl=0.2)
    before = api.models()
    api.models()
    assert counting.count("/v1/models") == 1
    # The API starts serving a new secchi_forecast version: its /v1/state token changes.
    counting.rewrite_state = lambda s: {**s, "models": {**s["models"], "secchi_forecast": "2099-01-01-new"},
                                        "token": "new-token"}
    api.models()  # still within state_ttl: the old token is trusted
    assert counting.count("/v1/models") == 1
    time.sleep(0.25)
    assert api.models() == before
    assert counting.count("/v1/models") == 2  # new token -> new key -> one new request
    api.models()
    assert counting.count("/v1/models") == 2  # and cached again under the new token
    assert counting.count("/v1/state") == 2


def test_errors_are_never_cached(counting):
    api = cached_client(counting)
    for _ in range(2):
        with pytest.raises(NotFound):
            api.get_lake("99999999")
    assert counting.count("/v1/lakes/99999999") == 2


def test_health_and_state_are_never_cached(counting):
    api = cached_client(counting)
    assert api.health().ready and api.health().ready
    assert counting.count("/health/ready") == 2


def test_filesystem_cache_is_shared_between_workers(counting, lake_id, tmp_path):
    workers = [cached_client(counting, "FileSystemCache", dir=str(tmp_path / "cache")) for _ in range(2)]
    first = workers[0].get_lake(lake_id)
    assert workers[1].get_lake(lake_id) == first
    assert data_requests(counting) == 1


def test_make_cached_client_uses_the_configured_simple_cache(counting, settings, lake_id):
    api = make_cached_client(Flask(__name__), settings, env={"MODEL_API_URL": counting.url})
    assert type(api.cache.cache).__name__ == "SimpleCache"
    api.list_lakes(limit=3)
    api.list_lakes(limit=3)
    assert counting.count("/v1/lakes?") == 1


@pytest.mark.skipif(shutil.which("redis-server") is None,
                    reason="redis-server binary not installed (make test installs the Debian package)")
def test_redis_cache_shared_and_bypassed_when_redis_stops(counting, lake_id, caplog):
    redis = RedisServer().start()
    try:
        workers = [cached_client(counting, "RedisCache", redis_url=redis.url) for _ in range(2)]
        first = workers[0].get_lake(lake_id)
        assert workers[1].get_lake(lake_id) == first  # the second worker reads what the first stored
        assert data_requests(counting) == 1

        redis.stop()  # the cache dies mid-session
        with caplog.at_level(logging.WARNING, logger="model_client.caching"):
            assert workers[1].get_lake(lake_id) == first  # still answered, uncached
            assert workers[1].get_lake(lake_id) == first
        assert data_requests(counting) == 3
        bypass = [r for r in caplog.records if "cache bypassed" in r.getMessage()]
        assert len(bypass) == 1 and "RedisCache" in bypass[0].getMessage()
        assert workers[1].stats["bypassed"] >= 2

        redis.start()  # back (empty): the cache is used again
        workers[1].get_lake(lake_id)
        workers[0].get_lake(lake_id)
        assert data_requests(counting) == 4
    finally:
        redis.close()
