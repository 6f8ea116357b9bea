"""Hot swap of a production model under load, refusal of a tampered artifact, readiness.

A private gunicorn server (2 workers) serves a private copy of the session registry, so
publishing and promoting here never disturbs other tests.
"""
from __future__ import annotations

import copy
import shutil
import threading
import time

import pytest
import requests

from lakemodel.registry import open_registry

MODEL = "iceout_doy"
ROW = {"latitude": 46.0, "longitude": -94.0, "year": 2010}


@pytest.fixture(scope="module")
def swap(api_servers, trained_registry, tmp_path_factory):
    registry_dir = tmp_path_factory.mktemp("swap") / "registry"
    shutil.copytree(trained_registry, registry_dir)
    server = api_servers.start(env={"LAKES_REGISTRY": str(registry_dir)}, workers=2)
    yield server, open_registry(str(registry_dir))
    server.stop()


def _publish_variant(registry, widen: float, promote: bool = True) -> str:
    """A new version of MODEL whose interval is ``widen`` times wider (visible in answers)."""
    loaded = registry.load(MODEL)
    model = copy.deepcopy(loaded.model)
    model.radius_ = loaded.model.radius_ * widen
    manifest = {k: v for k, v in loaded.manifest.items()
                if k not in ("name", "version", "created_at", "artifact_sha256")}
    return registry.publish(MODEL, model, manifest, promote=promote)


def _predict(session, url, close: bool = False):
    headers = {"Connection": "close"} if close else {}
    resp = session.post(f"{url}/v1/models/{MODEL}/predict", json={"rows": [ROW]}, headers=headers, timeout=30)
    body = resp.json()
    p = body["predictions"][0] if resp.status_code == 200 else {}
    return resp.status_code, body.get("version"), (p.get("upper") or 0) - (p.get("lower") or 0)


def _wait_for_every_worker(server, needle: str, workers: int = 2, timeout: float = 30) -> None:
    """Wait until each worker has logged ``needle`` (fresh connections cannot pick a worker)."""
    deadline = time.monotonic() + timeout
    while server.log_text().count(needle) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.log_text().count(needle) >= workers, server.log_tail(40)


def _reload(url, key):
    return requests.post(f"{url}/v1/admin/reload", headers={"X-API-Key": key}, timeout=60)


def test_hot_swap_under_concurrent_requests_has_no_failures(swap, api_env):
    server, registry = swap
    old = registry.production_version(MODEL)
    results: list[tuple[float, int, str, float]] = []  # (started, status, version, interval width)
    failures: list[str] = []
    stop = threading.Event()

    def hammer():
        with requests.Session() as session:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    status, version, width = _predict(session, server.url)
                    results.append((started, status, version, width))
                except Exception as exc:  # a connection error is a failed request
                    failures.append(repr(exc))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        new = _publish_variant(registry, widen=2.0)
        resp = _reload(server.url, api_env["LAKES_API_KEY"])
        assert resp.status_code == 200, resp.text
        assert resp.json()["loaded"] == {MODEL: new} and resp.json()["models"][MODEL] == new
        # Fresh connections land on either worker; the other worker follows the reload signal
        # (checked every watch_interval_s = 1 s) while the hammering goes on.
        deadline = time.monotonic() + 20
        streak = 0
        while streak < 12 and time.monotonic() < deadline:
            status, version, _ = _predict(requests, server.url, close=True)
            streak = streak + 1 if version == new else 0
        assert streak == 12, server.log_tail(60)
        # the next test starts from a server whose every worker serves the new version
        _wait_for_every_worker(server, f"loaded model {MODEL} version {new}")
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []
    assert results and all(status == 200 for _, status, _, _ in results)
    assert {version for _, _, version, _ in results} == {old, new}
    widths = {version: width for _, _, version, width in results}
    assert widths[new] == pytest.approx(2 * widths[old], rel=1e-9)


def test_tampered_artifact_is_refused_and_current_model_keeps_serving(swap, api_env):
    server, registry = swap
    serving = registry.production_version(MODEL)
    bad = _publish_variant(registry, widen=3.0, promote=False)
    artifact = registry.root + f"/{MODEL}/{bad}/model.skops"
    with open(artifact, "r+b") as fh:  # flip bytes in the middle of the artifact
        fh.seek(200)
        chunk = fh.read(16)
        fh.seek(200)
        fh.write(bytes(b ^ 0xFF for b in chunk))
    registry.promote(MODEL, bad)
    resp = _reload(server.url, api_env["LAKES_API_KEY"])
    assert resp.status_code == 200
    body = resp.json()
    assert body["models"].get(MODEL) == serving and body["loaded"] == {}, (serving, body, server.log_tail(30))
    assert body["refused"][MODEL]["version"] == bad and "sha256" in body["refused"][MODEL]["reason"]
    _wait_for_every_worker(server, f"version {bad} refused")
    # every worker (fresh connections reach both) refuses it too and keeps serving
    deadline = time.monotonic() + 20
    streak = 0
    while streak < 8 and time.monotonic() < deadline:
        ready = requests.get(f"{server.url}/health/ready", headers={"Connection": "close"}, timeout=10)
        body = ready.json()
        ok = (ready.status_code == 200 and body["models"][MODEL] == serving  # ready: a model serves
              and bad in (body.get("refused") or {}).get(MODEL, ""))
        streak = streak + 1 if ok else 0
    assert streak == 8, (body, server.log_tail(40))
    with requests.Session() as session:
        versions = {_predict(session, server.url, close=True)[1] for _ in range(10)}
    assert versions == {serving}
