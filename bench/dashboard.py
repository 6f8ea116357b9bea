"""Benchmark: selecting a lake in the dashboard until its charts are drawn, in headless Chromium.

Builds the tables and trains every model into a temporary folder (raw files from LAKES_DATA_MIRROR,
default ../shared/data), starts the model API under gunicorn (2 workers) and the dashboard under
gunicorn (1 worker, 4 threads, so every request sees the same in-memory cache) on free loopback
ports, drives Chromium through selenium (/usr/bin/chromedriver) and prints:
- cold: a lake never shown before (the dashboard's cache has nothing for it), median and p90 of N;
- warm: the same lakes again (answers from the dashboard's cache), median and p90 of N;
- server time of the slowest callback per selection (the ``Server-Timing`` header, from Chrome's
  DevTools network log), cold and warm medians;
- bytes transferred for the first page load (compressed, as on the wire), with the largest items.
"Selecting a lake" is the client-side navigation a click on the map or in the ranking table does;
"drawn" means all five lake charts show that lake (their titles name it) and a frame was painted.
Targets: warm < 150 ms, cold < 600 ms.
Usage: python bench/dashboard.py [--lakes 20]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["OMP_NUM_THREADS"] = "1"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402
from selenium import webdriver  # noqa: E402

from lakemodel.settings import load_settings  # noqa: E402
from lakemodel.tables import build_tables  # noqa: E402
from lakemodel.train import train_all  # noqa: E402
from support.live_server import ApiServer, free_port  # noqa: E402

CHARTS = ("lake-clarity-graph", "lake-grades-graph", "lake-value-graph", "lake-iceout-graph", "lake-benchmark-graph")

#: Navigate like dcc.Link / a callback does, then resolve once every chart's title names the lake.
SELECT_AND_WAIT_JS = """
const [lakeId, lakeName, charts, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
const t0 = performance.now();
window.history.pushState({}, "", "/lake/" + lakeId);
window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
function drawn() {
  return charts.every(id => {
    const gd = document.querySelector("#" + id + " .js-plotly-plot");
    const title = gd && gd.layout && gd.layout.title && gd.layout.title.text;
    return title && title.startsWith(lakeName + ":") && gd._fullLayout && gd.querySelector(".main-svg");
  });
}
function poll() {
  if (drawn()) { requestAnimationFrame(() => done(performance.now() - t0)); return; }
  if (performance.now() - t0 > 30000) { done(-1); return; }
  setTimeout(poll, 2);
}
poll();
"""


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not up after {timeout}s")


def start_dashboard(env: dict[str, str], api_url: str, port: int, log: Path) -> subprocess.Popen:
    full = {**os.environ, **env, "MODEL_API_URL": api_url, "LAKES_DASHBOARD_PORT": str(port),
            "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "dashboard" / "gunicorn_conf.py"),
           "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "app:server"]
    with open(log, "ab") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    wait_http(f"http://127.0.0.1:{port}/assets/dashboard.css")
    return proc


def chrome() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,2000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "SEVERE"})
    return webdriver.Chrome(service=webdriver.chrome.service.Service(shutil.which("chromedriver")), options=options)


def network_events(driver) -> list[dict]:
    return [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]


def callback_server_ms(events: list[dict]) -> list[float]:
    """Server-Timing durations of the Dash callback requests in these events."""
    out = []
    for ev in events:
        if ev.get("method") != "Network.responseReceived":
            continue
        resp = ev["params"]["response"]
        if "_dash-update-component" not in resp.get("url", ""):
            continue
        header = {k.lower(): v for k, v in (resp.get("headers") or {}).items()}.get("server-timing", "")
        if "dur=" in header:
            out.append(float(header.split("dur=")[1].split(",")[0].split(";")[0]))
    return out


def first_load_bytes(events: list[dict]) -> tuple[int, list[tuple[int, str]]]:
    urls, sizes = {}, {}
    for ev in events:
        params = ev.get("params", {})
        if ev.get("method") == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif ev.get("method") == "Network.loadingFinished":
            sizes[params["requestId"]] = int(params.get("encodedDataLength", 0))
    items = sorted(((size, urls.get(rid, "?")) for rid, size in sizes.items()), reverse=True)
    return sum(sizes.values()), items


def stats(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):7.1f} ms   p90 {p90:7.1f} ms   (n={len(ordered)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lakes", type=int, default=20, help="lakes to select (median over these)")
    args = parser.parse_args()
    if not shutil.which("chromedriver"):
        print("chromedriver is not on PATH: install chromium-driver (make system-deps)")
        return 2

    mirror = os.environ.get("LAKES_DATA_MIRROR") or str(ROOT.parent / "shared" / "data")
    work = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    env = {"LAKES_DATA_MIRROR": mirror, "LAKES_DATA_DIR": str(work / "data"), "LAKES_REGISTRY": str(work / "registry")}
    settings = load_settings(env=env)
    t = time.perf_counter()
    tables = build_tables(settings)
    train_all(settings)
    print(f"setup: tables + models in {time.perf_counter() - t:.1f} s ({work})")

    api = ApiServer(env, workers=2).start()
    dash_port = free_port()
    dash_log = work / "dashboard.log"
    dash = start_dashboard(env, api.url, dash_port, dash_log)
    base = f"http://127.0.0.1:{dash_port}"
    driver = chrome()
    try:
        # First page load: everything the browser downloads for the overview, compressed.
        driver.get(base + "/")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not driver.execute_script(
                "const g = document.querySelector('#overview-map-graph .js-plotly-plot');"
                "return g && g.data && g.data.length > 0;"):
            time.sleep(0.1)
        time.sleep(1.0)
        total, items = first_load_bytes(network_events(driver))

        lakes = tables.lakes
        chosen = lakes[lakes["has_water_quality"]].sort_values("lake_id").head(args.lakes + 1)
        names = dict(zip(chosen["lake_id"], chosen["name"]))
        ids = list(names)
        driver.set_script_timeout(40)
        driver.get(f"{base}/lake/{ids[0]}")            # a lake page to start from (not measured)
        driver.execute_async_script(SELECT_AND_WAIT_JS, ids[0], names[ids[0]], list(CHARTS))
        network_events(driver)

        def select(lake_id: str) -> tuple[float, float]:
            elapsed = driver.execute_async_script(SELECT_AND_WAIT_JS, lake_id, names[lake_id], list(CHARTS))
            if elapsed < 0:
                raise RuntimeError(f"charts for {lake_id} not drawn within 30 s")
            time.sleep(0.3)                               # let trailing callbacks (options, URL) finish
            server = callback_server_ms(network_events(driver))
            return elapsed, max(server) if server else float("nan")

        cold = [select(lake_id) for lake_id in ids[1:]]
        warm = [select(lake_id) for lake_id in ids[1:]]
        severe = driver.get_log("browser")
    finally:
        driver.quit()
        os.killpg(dash.pid, 15)
        dash.wait(20)
        api.stop()

    print(f"\nSelecting a lake until its {len(CHARTS)} charts are drawn (headless Chromium, loopback):")
    print(f"  cold cache  {stats([c[0] for c in cold])}   target < 600 ms")
    print(f"  warm cache  {stats([w[0] for w in warm])}   target < 150 ms")
    print("Slowest callback's server time per selection (Server-Timing):")
    print(f"  cold cache  {stats([c[1] for c in cold])}")
    print(f"  warm cache  {stats([w[1] for w in warm])}")
    print(f"\nFirst page load (overview): {total / 1024:,.0f} KiB transferred (compressed), {len(items)} requests")
    for size, url in items[:6]:
        print(f"  {size / 1024:8,.0f} KiB  {url.replace(base, '')[:90]}")
    print(f"browser console errors: {len(severe)}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
