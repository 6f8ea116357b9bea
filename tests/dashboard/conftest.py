"""Dashboard fixtures: a real client of the live model API, the app built against it, a browser.

Browser tests use dash.testing's ``dash_duo`` (headless Chromium via chromedriver); they skip with a
reason when chromedriver is not on PATH instead of failing or hanging.
"""
from __future__ import annotations

import shutil

import pytest

from model_client import LakeApiClient


@pytest.fixture(scope="session")
def api_client(live_api) -> LakeApiClient:
    client = LakeApiClient(live_api, timeout=10, retries=1, total_budget=20)
    yield client
    client.close()


@pytest.fixture(scope="session")
def dash_settings(settings):
    from dashboard.settings import load_dashboard_settings

    return load_dashboard_settings(settings, env={})


def make_app(settings, base_url: str, health_poll_s: float | None = None, **client_kwargs):
    """The dashboard built by its factory, its client pointed at ``base_url`` (a real API)."""
    from dashboard import create_dash_app
    from dashboard.settings import load_dashboard_settings

    ds = load_dashboard_settings(settings, env={})
    if health_poll_s:
        ds = ds.model_copy(update={"health_poll_s": health_poll_s})
    client = LakeApiClient(base_url, **{"timeout": 5, "retries": 0, "total_budget": 8, **client_kwargs})
    return create_dash_app(settings, env={}, client=client, dash_settings=ds)


@pytest.fixture(scope="session")
def app_for(settings):
    """``app_for(base_url, **client_kwargs)``: a fresh dashboard app against that API."""
    return lambda base_url, **kwargs: make_app(settings, base_url, **kwargs)


@pytest.fixture(scope="session")
def dash_app(settings, live_api):
    return make_app(settings, live_api)


@pytest.fixture(scope="session")
def web(dash_app):
    """Flask test client of the dashboard server (headers, embed and download routes)."""
    return dash_app.server.test_client()


@pytest.fixture
def ctx_client(dash_app):
    """The app's own (cached) client, as callbacks see it."""
    from dashboard.context import EXTENSION_KEY

    return dash_app.server.extensions[EXTENSION_KEY].client


@pytest.fixture
def browser(request):
    """``dash_duo``, or a skip with the reason when no chromedriver is installed."""
    if shutil.which("chromedriver") is None:
        pytest.skip("chromedriver is not on PATH (install chromium-driver: `make system-deps`)")
    return request.getfixturevalue("dash_duo")
