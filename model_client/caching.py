"""Memoization of the client's read calls in a flask-caching ``Cache`` owned by the dashboard server.

Keys include the API state token (production model versions + data checksum, refreshed at most every
``state_ttl`` seconds), so a new model version or new data is never answered from an old entry.
Only successful results are stored; errors always go back to the API. If the cache backend fails
(e.g. Redis is down) calls go through uncached: one warning is logged, the user sees no error.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from flask_caching import Cache

from .client import LakeApiClient
from .errors import ApiTimeout, ApiUnavailable, LakeApiError
from .settings import CacheSettings, client_settings

log = logging.getLogger(__name__)

#: Read methods whose answers depend only on their arguments and the API state token.
CACHED_METHODS = ("list_lakes", "get_lake", "lake_years", "series", "ice_out", "trend", "forecast", "model_values",
                  "models", "model", "predict", "property_value_scenario", "aggregates")
_MISSING = object()


def _canonical(value: Any) -> Any:
    """Arguments as JSON-able data with a stable order (DataFrames as records)."""
    if hasattr(value, "to_dict") and hasattr(value, "columns"):
        value = value.to_dict(orient="records")
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_canonical(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    return value


def _memoized(name: str) -> Callable[..., Any]:
    target = getattr(LakeApiClient, name)
    signature = inspect.signature(target)

    @functools.wraps(target)
    def method(self: CachedLakeApiClient, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self.client, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(list(bound.arguments.items())[1:])  # drop the client itself
        return self._call(name, arguments)

    return method


class CachedLakeApiClient:
    """The ``LakeApiClient`` interface with read methods memoized for ``ttl`` seconds.

    ``health()`` and ``state()`` always go to the API. Anything else is delegated unchanged.
    """

    def __init__(self, client: LakeApiClient, cache: Cache, ttl: int = 300, *, state_ttl: float = 10.0,
                 key_prefix: str = "lakeapi", retry_after: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.cache = cache
        self.ttl = int(ttl)
        self.state_ttl = float(state_ttl)
        self.key_prefix = key_prefix
        self.retry_after = float(retry_after)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_at = -float("inf")
        self._cache_down_until = -float("inf")
        self._cache_down = False
        #: counters for diagnostics: hits, misses, bypassed (cache unusable)
        self.stats = {"hits": 0, "misses": 0, "bypassed": 0}

    def __getattr__(self, name: str) -> Any:  # everything not memoized: health, state, close, base_url ...
        if name == "client":  # not yet set (copy/pickle): avoid infinite recursion
            raise AttributeError(name)
        return getattr(self.client, name)

    def __repr__(self) -> str:
        return f"CachedLakeApiClient({self.client!r}, ttl={self.ttl})"

    # -- state token ------------------------------------------------------------------------
    def state_token(self) -> str | None:
        """The API state token, refreshed at most every ``state_ttl`` s; None if the API has no usable state.

        An unreachable API raises (the call itself would fail the same way, and slower).
        """
        with self._lock:
            if self._token is not None and self._clock() - self._token_at < self.state_ttl:
                return self._token
        try:
            token = self.client.state().token
        except (ApiUnavailable, ApiTimeout):
            raise
        except LakeApiError as exc:
            log.warning("model API state unavailable (%s); calls go uncached", exc)
            return None
        with self._lock:
            if token != self._token and self._token is not None:
                log.info("model API state changed: %s -> %s", self._token, token)
            self._token, self._token_at = token, self._clock()
        return token

    def invalidate_state(self) -> None:
        """Force the next call to re-read ``/v1/state``."""
        with self._lock:
            self._token, self._token_at = None, -float("inf")

    def key(self, name: str, arguments: Mapping[str, Any], token: str) -> str:
        blob = json.dumps([token, _canonical(dict(arguments))], sort_keys=True, default=str)
        return f"{self.key_prefix}:{name}:{hashlib.sha256(blob.encode()).hexdigest()[:32]}"

    # -- backend access that never fails -------------------------------------------------------
    def _backend(self, op: str, *args: Any) -> Any:
        if self._clock() < self._cache_down_until:
            self.stats["bypassed"] += 1
            return _MISSING
        try:
            result = getattr(self.cache, op)(*args)
        except Exception as exc:  # a cache must never break a page: redis errors, OSError, unpicklable data
            self.stats["bypassed"] += 1
            self._cache_down_until = self._clock() + self.retry_after
            if not self._cache_down:
                log.warning("cache bypassed: %s %s failed (%s: %s); calls go to the API uncached for %g s",
                            type(self.cache.cache).__name__, op, type(exc).__name__, exc, self.retry_after)
            self._cache_down = True
            return _MISSING
        if self._cache_down:
            log.warning("cache available again (%s)", type(self.cache.cache).__name__)
            self._cache_down = False
        return result

    def _call(self, name: str, arguments: dict[str, Any]) -> Any:
        call = getattr(self.client, name)
        token = self.state_token()
        if token is None:
            return call(**arguments)
        key = self.key(name, arguments, token)
        cached = self._backend("get", key)
        if cached is not _MISSING and cached is not None:
            self.stats["hits"] += 1
            return cached
        self.stats["misses"] += 1
        result = call(**arguments)  # errors propagate and are never stored
        self._backend("set", key, result, self.ttl)
        return result


for _name in CACHED_METHODS:
    setattr(CachedLakeApiClient, _name, _memoized(_name))
del _name


def make_cache(server: Flask, cs: CacheSettings) -> Cache:
    """A flask-caching ``Cache`` on ``server`` configured by ``cs`` (``[client.cache]``)."""
    if cs.type == "FileSystemCache":
        cs.dir_path.mkdir(parents=True, exist_ok=True)
    return Cache(server, config=cs.flask_config())


def make_cached_client(server: Flask, settings, env: Mapping[str, str] | None = None,
                       client: LakeApiClient | None = None,
                       cache_settings: CacheSettings | None = None) -> CachedLakeApiClient:
    """The dashboard's client: ``LakeApiClient.from_settings`` memoized in a Cache on ``server``.

    ``cache_settings`` overrides ``[client.cache]`` (e.g. a test's own Redis).
    """
    cs = client_settings(settings, env)
    cache_cfg = cache_settings or cs.cache
    client = client or LakeApiClient.from_client_settings(cs)
    return CachedLakeApiClient(client, make_cache(server, cache_cfg), ttl=cache_cfg.ttl_s,
                               state_ttl=cache_cfg.state_ttl_s, key_prefix=cache_cfg.key_prefix.rstrip(":"),
                               retry_after=cache_cfg.retry_after_s)
