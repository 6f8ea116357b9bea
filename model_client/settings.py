"""Typed ``[client]`` and ``[client.cache]`` settings, read from ``settings.client`` plus environment overrides.

Environment overrides (locations/URLs and the knobs operators change):
``MODEL_API_URL``, ``MODEL_API_TIMEOUT``, ``MODEL_API_RETRIES``, ``MODEL_API_BUDGET``,
``LAKES_CACHE_TYPE``, ``LAKES_CACHE_DIR``, ``LAKES_CACHE_REDIS_URL``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lakemodel.settings import PROJECT_ROOT, ConfigError, Settings

#: Environment variable -> key path inside ``[client]``.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "MODEL_API_URL": ("base_url",),
    "MODEL_API_TIMEOUT": ("timeout_s",),
    "MODEL_API_RETRIES": ("retries",),
    "MODEL_API_BUDGET": ("total_budget_s",),
    "LAKES_CACHE_TYPE": ("cache", "type"),
    "LAKES_CACHE_DIR": ("cache", "dir"),
    "LAKES_CACHE_REDIS_URL": ("cache", "redis_url"),
}

#: flask-caching 2.x backend class names we support, and the old aliases people still write.
CACHE_TYPES = ("SimpleCache", "FileSystemCache", "RedisCache", "NullCache")
_OLD_ALIASES = {"simple": "SimpleCache", "filesystem": "FileSystemCache", "redis": "RedisCache",
                "null": "NullCache", "redissentinel": "RedisSentinelCache", "memcached": "MemcachedCache"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CacheSettings(_Strict):
    """Memoization of the client's read calls in a flask-caching backend owned by the dashboard server."""

    type: str = "SimpleCache"
    ttl_s: int = Field(300, ge=1)                 # how long a cached answer lives
    state_ttl_s: float = Field(10.0, ge=0)        # how often the /v1/state token (model versions) is refreshed
    dir: str = "data/cache"                       # FileSystemCache folder (relative to the project root)
    redis_url: str = "redis://127.0.0.1:6379/0"   # RedisCache server
    key_prefix: str = "lakeapi:"
    threshold: int = Field(2000, ge=1)            # max entries for SimpleCache / FileSystemCache
    socket_timeout_s: float = Field(0.5, gt=0)    # Redis connect/read timeout: a dead cache must not stall pages
    retry_after_s: float = Field(5.0, ge=0)       # after a cache failure, bypass the cache this long

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value in CACHE_TYPES:
            return value
        hint = _OLD_ALIASES.get(value.lower())
        if hint:
            raise ValueError(f"{value!r} is an old flask-caching alias that 2.x no longer accepts; write {hint!r}")
        raise ValueError(f"unknown cache type {value!r}; choose one of {', '.join(CACHE_TYPES)}")

    @property
    def dir_path(self) -> Path:
        path = Path(self.dir).expanduser()
        return path if path.is_absolute() else PROJECT_ROOT / path

    def flask_config(self) -> dict[str, Any]:
        """The ``Cache(config=...)`` dict for flask-caching."""
        config: dict[str, Any] = {"CACHE_TYPE": self.type, "CACHE_DEFAULT_TIMEOUT": self.ttl_s,
                                  "CACHE_KEY_PREFIX": self.key_prefix, "CACHE_THRESHOLD": self.threshold}
        if self.type == "FileSystemCache":
            config["CACHE_DIR"] = str(self.dir_path)
        if self.type == "RedisCache":
            config["CACHE_REDIS_URL"] = self.redis_url
            config["CACHE_OPTIONS"] = {"socket_timeout": self.socket_timeout_s,
                                       "socket_connect_timeout": self.socket_timeout_s}
        if self.type == "NullCache":
            config["CACHE_NO_NULL_WARNING"] = True
        return config


class ClientSettings(_Strict):
    """How the dashboard reaches the model API."""

    base_url: str = Field("http://127.0.0.1:8000", pattern=r"^https?://[^\s/]+")
    timeout_s: float = Field(5.0, gt=0)          # per attempt (connect and each read)
    total_budget_s: float = Field(15.0, gt=0)    # whole call, retries and back-off included
    retries: int = Field(2, ge=0)                # extra attempts, idempotent GETs only
    backoff_s: float = Field(0.2, ge=0)          # first back-off; doubles each retry
    pool_maxsize: int = Field(10, ge=1)          # pooled connections per host
    etag_cache_size: int = Field(256, ge=0)      # URLs whose last ETag + body are kept for If-None-Match
    cache: CacheSettings = CacheSettings()


def _set(raw: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    node = raw
    for key in path[:-1]:
        child = node.get(key)
        node[key] = child = dict(child) if isinstance(child, Mapping) else {}
        node = child
    node[path[-1]] = value


def client_settings(settings: Settings, env: Mapping[str, str] | None = None) -> ClientSettings:
    """``ClientSettings`` from ``settings.client`` with environment overrides; ``ConfigError`` if invalid."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in settings.client.items()}
    for var, path in ENV_OVERRIDES.items():
        if env.get(var):
            _set(raw, path, env[var])
    try:
        return ClientSettings.model_validate(raw)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            parts.append(f"client.{loc}: {msg}")
        raise ConfigError("invalid [client] configuration: " + "; ".join(parts)) from None
