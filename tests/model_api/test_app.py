"""In-process app (Flask test client) for states a healthy live server never shows."""
from __future__ import annotations

import shutil
import time

from lakemodel.settings import load_settings
from model_api import create_app


def test_not_ready_without_models_then_ready_when_they_appear(session_env, trained_registry, tables, tmp_path):
    empty = tmp_path / "registry"
    settings = load_settings(env={**session_env, "LAKES_REGISTRY": str(empty)})
    app = create_app(settings, background=True)
    state = app.extensions["lakes_state"]
    try:
        client = app.test_client()
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        body = ready.get_json()
        assert body["status"] == "not ready" and set(body["reasons"]) == set(settings.models)
        resp = client.post("/v1/models/iceout_doy/predict", json={"rows": [{"latitude": 46.0}]})
        assert resp.status_code == 503 and "not loaded" in resp.get_json()["error"]
        assert client.get("/v1/lakes/70007200").status_code == 200  # data still serves
        shutil.copytree(trained_registry, empty)  # models appear: the watcher loads them
        deadline = time.monotonic() + 15
        while client.get("/health/ready").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.get("/health/ready").get_json()["status"] == "ready"
    finally:
        state.stop_watcher()


def test_without_data_lake_routes_answer_503(session_env, trained_registry, tmp_path):
    settings = load_settings(env={**session_env, "LAKES_DATA_DIR": str(tmp_path / "nodata")})
    client = create_app(settings, background=False).test_client()
    ready = client.get("/health/ready")
    assert ready.status_code == 503 and "data" in ready.get_json()["reasons"]
    resp = client.get("/v1/lakes")
    assert resp.status_code == 503 and set(resp.get_json()) == {"error", "detail"}


def test_unexpected_exception_is_a_json_500(settings, tables, trained_registry):
    app = create_app(settings, background=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("bug")

    resp = app.test_client().get("/boom")
    assert resp.status_code == 500
    assert resp.get_json() == {"error": "internal server error", "detail": []}


def test_polling_picks_up_a_new_production_version_without_reload_call(session_env, trained_registry, tables,
                                                                         tmp_path):
    import copy

    from lakemodel.registry import open_registry
    from model_api.settings import ApiSettings

    registry_dir = tmp_path / "registry"
    shutil.copytree(trained_registry, registry_dir)
    settings = load_settings(env={**session_env, "LAKES_REGISTRY": str(registry_dir)})
    app = create_app(settings, ApiSettings(poll_interval_s=0.3, watch_interval_s=0.1), background=True)
    state = app.extensions["lakes_state"]
    try:
        client = app.test_client()
        registry = open_registry(str(registry_dir))
        loaded = registry.load("iceout_doy")
        manifest = {k: v for k, v in loaded.manifest.items()
                    if k not in ("name", "version", "created_at", "artifact_sha256")}
        new = registry.publish("iceout_doy", copy.deepcopy(loaded.model), manifest)
        deadline = time.monotonic() + 10
        while client.get("/v1/state").get_json()["models"]["iceout_doy"] != new and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.get("/v1/state").get_json()["models"]["iceout_doy"] == new
    finally:
        state.stop_watcher()
