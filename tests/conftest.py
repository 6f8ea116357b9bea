"""Shared fixtures: real data from the mirror, tables and models built once per session.

The session works in a temporary folder (data cache, tables, registry), so tests never touch the
developer's own `data/` or `registry/`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from lakemodel.settings import PROJECT_ROOT, Settings, load_settings

SHARED_DATA = (PROJECT_ROOT.parent / "shared" / "data").resolve()


def mirror_dir() -> Path:
    mirror = os.environ.get("LAKES_DATA_MIRROR") or str(SHARED_DATA)
    path = Path(mirror)
    if not (path / "lake_data_for_viz.csv").is_file():
        pytest.exit(f"the real data mirror is missing: set LAKES_DATA_MIRROR (tried {path})", returncode=2)
    return path


@pytest.fixture(scope="session")
def data_mirror() -> Path:
    return mirror_dir()


@pytest.fixture(scope="session")
def session_env(tmp_path_factory, data_mirror) -> dict[str, str]:
    """Environment overrides pointing every location into a per-session temporary folder."""
    root = tmp_path_factory.mktemp("lakes")
    return {
        "LAKES_DATA_MIRROR": str(data_mirror),
        "LAKES_DATA_DIR": str(root / "data"),
        "LAKES_REGISTRY": str(root / "registry"),
    }


@pytest.fixture(scope="session")
def settings(session_env) -> Settings:
    return load_settings(env=session_env)


@pytest.fixture(scope="session")
def tables(settings):
    """The real tidy tables, built once from the mirrored raw files."""
    from lakemodel.tables import build_tables

    return build_tables(settings)


@pytest.fixture(scope="session")
def trained_registry(settings, tables) -> str:
    """Every configured model trained on the real tables and promoted to production."""
    from lakemodel.train import train_all

    train_all(settings)
    return settings.registry_uri


# -- live model API (model_api) -----------------------------------------------------------------
#: API key the test servers accept for POST /v1/admin/reload.
from support.constants import TEST_API_KEY  # noqa: E402  (re-exported for fixtures)


@pytest.fixture(scope="session")
def api_env(session_env, trained_registry) -> dict[str, str]:
    """Environment for API servers: the session's data and registry, a known admin key."""
    return {**session_env, "LAKES_API_KEY": TEST_API_KEY}


@pytest.fixture(scope="session")
def api_servers(api_env):
    """Factory for extra real API servers (gunicorn, free loopback port); all stopped at the end.

    ``server = api_servers.start()`` -> ``server.url``; ``server.stop()`` / ``server.start()`` to take
    it down and bring it back on the same port; ``api_servers.start(env={...})`` to override env.
    """
    from support.live_server import ApiServers

    servers = ApiServers(api_env)
    yield servers
    servers.stop_all()


@pytest.fixture(scope="session")
def live_api_server(api_servers):
    """The real gunicorn model_api (2 workers) behind ``live_api`` (its log: ``.log_text()``)."""
    server = api_servers.start(workers=2)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_api(live_api_server) -> str:
    """Base URL of a real gunicorn model_api (2 workers) serving the session's data and models."""
    return live_api_server.url
