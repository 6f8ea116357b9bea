"""[client] / [client.cache] settings: defaults from config/lakes.toml, env overrides, clear errors."""
from __future__ import annotations

import pytest
from flask import Flask

from lakemodel.settings import ConfigError
from model_client import LakeApiClient, client_settings
from model_client.caching import CachedLakeApiClient, make_cached_client


def test_config_file_values_are_used(settings):
    cs = client_settings(settings, env={})
    assert cs.base_url == settings.client["base_url"]
    assert cs.timeout_s == settings.client["timeout_s"]
    assert cs.cache.type == settings.client["cache"]["type"]
    assert cs.cache.state_ttl_s == settings.client["cache"]["state_ttl_s"]


def test_environment_overrides_locations_and_knobs(settings):
    env = {"MODEL_API_URL": "http://10.1.2.3:9000", "MODEL_API_TIMEOUT": "1.5", "MODEL_API_RETRIES": "0",
           "MODEL_API_BUDGET": "4", "LAKES_CACHE_TYPE": "RedisCache", "LAKES_CACHE_REDIS_URL": "redis://h:1/2"}
    client = LakeApiClient.from_settings(settings, env=env)
    assert (client.base_url, client.timeout, client.retries, client.total_budget) == (
        "http://10.1.2.3:9000", 1.5, 0, 4.0)
    cache = client_settings(settings, env=env).cache
    assert cache.type == "RedisCache"
    assert cache.flask_config()["CACHE_REDIS_URL"] == "redis://h:1/2"


@pytest.mark.parametrize(("value", "message"), [
    ("redis", "'redis' is an old flask-caching alias that 2.x no longer accepts; write 'RedisCache'"),
    ("simple", "write 'SimpleCache'"),
    ("Memcache", "unknown cache type 'Memcache'; choose one of SimpleCache, FileSystemCache, RedisCache"),
])
def test_cache_type_is_validated_with_a_clear_message(settings, value, message):
    with pytest.raises(ConfigError, match="client.cache.type") as info:
        client_settings(settings, env={"LAKES_CACHE_TYPE": value})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("env", "key"), [
    ({"MODEL_API_URL": "ftp://nowhere"}, "client.base_url"),
    ({"MODEL_API_TIMEOUT": "soon"}, "client.timeout_s"),
    ({"MODEL_API_RETRIES": "-1"}, "client.retries"),
])
def test_bad_client_values_name_the_key(settings, env, key):
    with pytest.raises(ConfigError, match=key):
        client_settings(settings, env=env)


def test_make_cached_client_builds_the_configured_backend(settings, tmp_path):
    server = Flask(__name__)
    cached = make_cached_client(server, settings, env={"LAKES_CACHE_TYPE": "FileSystemCache",
                                                       "LAKES_CACHE_DIR": str(tmp_path / "c"),
                                                       "MODEL_API_URL": "http://127.0.0.1:9"})
    assert isinstance(cached, CachedLakeApiClient)
    assert type(cached.cache.cache).__name__ == "FileSystemCache"
    assert cached.base_url == "http://127.0.0.1:9"
    cached.cache.set("probe", 1)
    assert cached.cache.get("probe") == 1 and any((tmp_path / "c").iterdir())
