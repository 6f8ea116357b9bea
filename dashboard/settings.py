"""Typed ``[dashboard]`` settings: defaults shown to users, limits, framing policy.

The API address and the cache backend belong to ``[client]`` / ``[client.cache]`` (model_client).
Built once by the entry point (``app.py``) from the shared ``Settings`` plus ``LAKES_DASHBOARD_*``
environment overrides; everything below receives the object and never reads ``os.environ``.
"""
from __future__ import annotations

from typing import Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lakemodel.settings import ConfigError, Settings

#: Environment variables that override ``[dashboard]`` keys (locations and URLs only).
DASHBOARD_ENV_OVERRIDES = {
    "LAKES_DASHBOARD_HOST": "host",
    "LAKES_DASHBOARD_PORT": "port",
    "LAKES_DASHBOARD_URL": "public_url",
}

Metric = Literal["secchi_mean_m", "phosphorus_mean_mg_l", "grade", "median_sale_value_usd", "iceout_doy"]


class DashboardSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "Minnesota Lake Dashboard"
    host: str = "127.0.0.1"
    port: int = Field(8050, ge=0, le=65535)
    workers: int = Field(2, ge=1)             # gunicorn processes
    threads: int = Field(4, ge=1)             # gthread threads per process
    public_url: str = ""                      # base URL in <iframe> snippets; empty = the request's host
    default_metric: Metric = "secchi_mean_m"
    default_year: int = 2014
    year_range: tuple[int, int] = (2004, 2018)  # fallback year choices when the API cannot list them
    forecast_horizon: int = Field(5, ge=1, le=10)
    max_compare: int = Field(8, ge=2, le=8)   # the Okabe-Ito palette has 8 colours
    secchi_slider_m: tuple[float, float, float] = (0.1, 8.0, 0.1)          # min, max, step
    phosphorus_slider_mg_l: tuple[float, float, float] = (0.005, 0.4, 0.005)
    max_upload_bytes: int = Field(2_000_000, ge=1024)
    max_upload_rows: int = Field(5000, ge=1)
    health_poll_s: float = Field(5.0, gt=0)   # how often the page checks that the API is back
    frame_ancestors: list[str] = Field(default_factory=lambda: ["'self'"])  # who may frame /embed/*
    image_width: int = Field(1200, ge=200)    # PNG/SVG export size (px)
    image_height: int = Field(700, ge=200)
    image_scale: float = Field(2.0, gt=0, le=5)
    compress: bool = True

    @model_validator(mode="after")
    def _check(self) -> "DashboardSettings":
        for name in ("secchi_slider_m", "phosphorus_slider_mg_l"):
            low, high, step = getattr(self, name)
            if not (0 <= low < high and 0 < step <= high - low):
                raise ValueError(f"{name} must be [min, max, step] with 0 <= min < max and 0 < step")
        if self.year_range[0] > self.year_range[1]:
            raise ValueError("year_range must be [first, last]")
        return self


def load_dashboard_settings(settings: Settings, env: Mapping[str, str] | None = None) -> DashboardSettings:
    """``settings.dashboard`` validated, with ``LAKES_DASHBOARD_*`` overrides; ``ConfigError`` names the key."""
    raw = dict(settings.dashboard)
    for var, key in DASHBOARD_ENV_OVERRIDES.items():
        if env and env.get(var):
            raw[key] = env[var]
    try:
        return DashboardSettings.model_validate(raw)
    except ValidationError as exc:
        parts = [f"dashboard.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}".replace("dashboard.: ", "dashboard: ")
                 for e in exc.errors()]
        raise ConfigError("invalid [dashboard] configuration: " + "; ".join(parts)) from None
