"""Typed ``[api]`` settings: limits, cache headers, reload policy and where the server listens.

Built once by the entry point (``wsgi.py``, ``gunicorn_conf.py``) from the shared ``Settings`` plus
environment overrides; everything below receives the object and never reads ``os.environ``.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lakemodel.settings import ConfigError, Settings

#: Environment variables that override ``[api]`` keys (secrets and locations only).
API_ENV_OVERRIDES = {
    "LAKES_API_KEY": "api_key",
    "LAKES_API_HOST": "host",
    "LAKES_API_PORT": "port",
    "LAKES_API_WORKERS": "workers",
    "LAKES_API_RUNTIME_DIR": "runtime_dir",
}


class ApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(2, ge=1)
    threads: int = Field(4, ge=1)            # gthread worker threads per process
    timeout_s: int = Field(30, ge=1)         # gunicorn worker timeout
    api_version: str = "1.0.0"
    api_key: str = ""                        # LAKES_API_KEY; empty disables POST /v1/admin/reload
    max_rows: int = Field(10_000, ge=1)      # rows per predict request
    max_content_length: int = Field(16 * 1024 * 1024, ge=1024)  # bytes; larger bodies get 413
    cache_max_age_s: int = Field(60, ge=0)   # Cache-Control max-age of data responses
    poll_interval_s: float = Field(0.0, ge=0)    # 0 = no registry polling; reload endpoint only
    watch_interval_s: float = Field(1.0, gt=0)   # how often a worker checks the reload signal
    fast_path_max_rows: int = Field(10_000, ge=0)  # batches up to this size use lakemodel.fastpath (0 = never)
    forecast_max_horizon: int = Field(10, ge=1)
    trend_alpha: float = Field(0.05, gt=0, lt=1)     # Mann-Kendall significance level
    lakes_default_limit: int = Field(100, ge=1)
    lakes_max_limit: int = Field(5000, ge=1)
    runtime_dir: str = ""                    # reload signal + Prometheus files; default <data_dir>/api
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    access_log: bool = True                  # one JSON line per request

    def runtime_path(self, settings: Settings) -> Path:
        return Path(self.runtime_dir) if self.runtime_dir else settings.data_dir / "api"

    def reload_signal_path(self, settings: Settings) -> Path:
        """One signal file per registry, so servers on other registries are not disturbed."""
        key = hashlib.sha1(settings.registry_uri.encode()).hexdigest()[:12]
        return self.runtime_path(settings) / f"reload-{key}.generation"


def load_api_settings(settings: Settings, env: Mapping[str, str] | None = None) -> ApiSettings:
    """``settings.api`` validated, with ``LAKES_API_*`` overrides; ``ConfigError`` names the bad key."""
    raw = dict(settings.api)
    for var, key in API_ENV_OVERRIDES.items():
        if env and env.get(var):
            raw[key] = env[var]
    try:
        return ApiSettings.model_validate(raw)
    except ValidationError as exc:
        parts = [f"api.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("invalid [api] configuration: " + "; ".join(parts)) from None
