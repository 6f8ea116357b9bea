"""A private real API server (own copy of the registry): hot-swapping a model version, and outages."""
from __future__ import annotations

import shutil

import pytest
import requests
from flask import Flask

from support.constants import TEST_API_KEY
from lakemodel.registry import open_registry
from mc_servers import CountingProxy
from model_client import ApiUnavailable, CacheSettings, LakeApiClient
from model_client.caching import CachedLakeApiClient, make_cache


@pytest.fixture(scope="module")
def private_api(api_servers, settings, tmp_path_factory):
    registry = tmp_path_factory.mktemp("mc-registry") / "registry"
    shutil.copytree(settings.registry_uri, registry)
    server = api_servers.start(env={"LAKES_REGISTRY": str(registry)}, workers=1)
    yield server, str(registry)
    server.stop()


def _republish(registry_uri: str, name: str) -> str:
    """Publish the current production model again as a new version (what a retrain does)."""
    registry = open_registry(registry_uri)
    loaded = registry.load(name)
    manifest = {k: v for k, v in loaded.manifest.items()
                if k not in {"name", "version", "created_at", "artifact_sha256"}}
    return registry.publish(name, loaded.model, manifest)


def test_hot_swapped_model_version_is_never_answered_from_the_cache(private_api, tables):
    from lakemodel.features import secchi_forecast_frame

    server, registry_uri = private_api
    proxy = CountingProxy(server.url).start()
    try:
        api = CachedLakeApiClient(LakeApiClient(proxy.url, timeout=20), make_cache(Flask(__name__), CacheSettings()),
                                  ttl=300, state_ttl=0)
        old = api.model("secchi_forecast").version
        names = [f.name for f in api.model("secchi_forecast").features]
        rows = secchi_forecast_frame(tables)[names].head(2)
        before = api.predict("secchi_forecast", rows)
        assert api.predict("secchi_forecast", rows) == before
        assert proxy.count("/v1/models/secchi_forecast/predict") == 1

        new = _republish(registry_uri, "secchi_forecast")
        reload = requests.post(f"{server.url}/v1/admin/reload", headers={"X-API-Key": TEST_API_KEY}, timeout=60)
        assert reload.status_code == 200, reload.text
        assert new != old

        after = api.predict("secchi_forecast", rows)
        assert after.version == new and before.version == old
        assert proxy.count("/v1/models/secchi_forecast/predict") == 2  # the new version was asked, not the cache
        assert [p.value for p in after.predictions] == [p.value for p in before.predictions]  # same estimator
        assert api.model("secchi_forecast").version == new
    finally:
        proxy.stop()


def test_stopped_api_is_unavailable_and_recovers(private_api, tables):
    server, _ = private_api
    client = LakeApiClient(server.url, retries=1, backoff=0.05)
    cached = CachedLakeApiClient(client, make_cache(Flask(__name__), CacheSettings()), ttl=300, state_ttl=0)
    lake_id = str(tables.lakes["lake_id"].iloc[0])
    detail = cached.get_lake(lake_id)
    server.stop()
    try:
        with pytest.raises(ApiUnavailable, match=r"cannot reach the model API at .* \(connection refused\)"):
            client.get_lake(lake_id)
        with pytest.raises(ApiUnavailable):
            cached.get_lake(lake_id)  # the state token cannot be checked: no possibly stale answer
    finally:
        server.start()
    assert client.health().ready
    assert cached.get_lake(lake_id) == detail
