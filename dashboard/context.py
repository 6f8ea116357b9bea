"""The per-app context (settings + API client) that page layouts and routes look up.

Dash Pages calls layout functions with URL arguments only, so the app factory stores its context
on the Flask server (``server.extensions``) and code running in a request finds it with ``current()``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flask

from lakemodel.settings import Settings

from .settings import DashboardSettings

EXTENSION_KEY = "lake_dashboard"


@dataclass(frozen=True)
class DashboardContext:
    settings: Settings
    dash: DashboardSettings
    client: Any   # model_client.caching.CachedLakeApiClient (or a plain LakeApiClient)

    def public_base(self) -> str:
        """Base URL for links shared outside the app (iframe snippets)."""
        if self.dash.public_url:
            return self.dash.public_url.rstrip("/")
        if flask.has_request_context():
            return flask.request.host_url.rstrip("/")
        return f"http://{self.dash.host}:{self.dash.port}"


def install(server: flask.Flask, context: DashboardContext) -> None:
    server.extensions[EXTENSION_KEY] = context


def current() -> DashboardContext:
    return flask.current_app.extensions[EXTENSION_KEY]
