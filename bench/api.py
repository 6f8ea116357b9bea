"""Benchmark: the model API under gunicorn (2 workers) against the in-process pipeline.

Builds the tables and trains every model into a temporary folder (raw files from
LAKES_DATA_MIRROR, default ../shared/data), starts ``gunicorn -c model_api/gunicorn_conf.py`` with 2
workers on a free loopback port, and prints:
- single-row predict latency p50 / p99 over 500 sequential requests (keep-alive session);
- requests/s with 8 concurrent clients (threads, one session each);
- one 1,000-row batch, median of 20;
- the physical limit: the same predictions made in-process by the loaded pipeline
  (``LoadedModel.predict`` on a DataFrame), and the ratio HTTP / in-process.
Targets (2-core machine): single-row p50 < 5 ms; 1,000-row batch < 1.5x in-process.
Usage: python bench/api.py [--model property_value] [--requests 500]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

# Before numpy/scikit-learn load: the in-process baseline runs single-threaded, as a worker does.
os.environ["OMP_NUM_THREADS"] = "1"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import requests  # noqa: E402

from lakemodel import features as F  # noqa: E402
from lakemodel.fastpath import FastPredictor  # noqa: E402
from model_api.validation import validate_rows  # noqa: E402
from lakemodel.registry import open_registry_from_settings  # noqa: E402
from lakemodel.settings import load_settings  # noqa: E402
from lakemodel.tables import build_tables  # noqa: E402
from lakemodel.train import train_all  # noqa: E402
from support.live_server import ApiServer  # noqa: E402

FRAMES = {"property_value": F.property_value_frame, "secchi_forecast": F.secchi_forecast_frame,
          "iceout_doy": F.iceout_frame}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="property_value", choices=sorted(FRAMES))
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    mirror = os.environ.get("LAKES_DATA_MIRROR") or str(ROOT.parent / "shared" / "data")

    with tempfile.TemporaryDirectory(prefix="lakes-bench-api-") as tmp:
        env = {"LAKES_DATA_MIRROR": mirror, "LAKES_DATA_DIR": f"{tmp}/data", "LAKES_REGISTRY": f"{tmp}/registry"}
        settings = load_settings(env={**os.environ, **env})
        t = time.perf_counter()
        tables = build_tables(settings)
        train_all(settings)
        print(f"setup: tables + training in {time.perf_counter() - t:.1f} s")
        loaded = open_registry_from_settings(settings).load(args.model)
        frame = FRAMES[args.model](tables)[loaded.feature_names]
        batch = frame.sample(args.batch, replace=len(frame) < args.batch, random_state=0)
        one_row = json.dumps({"rows": json.loads(frame.head(1).to_json(orient="records"))}).encode()
        batch_body = json.dumps({"rows": json.loads(batch.to_json(orient="records"))}).encode()
        headers = {"Content-Type": "application/json"}

        one_frame = frame.head(1)
        loaded.predict(one_frame)
        fast = FastPredictor.from_model(loaded.model)

        one_dicts = json.loads(one_row)["rows"]
        batch_dicts = json.loads(batch_body)["rows"]

        def fast_predict(rows):  # what a worker runs between parsing JSON and writing JSON
            checked = validate_rows(rows, loaded.features)
            return fast.predict_interval(checked.columns, len(checked.valid))
        server = ApiServer(env, workers=2)
        server.start()
        try:
            url = f"{server.url}/v1/models/{args.model}/predict"
            session = requests.Session()
            for _ in range(20):  # warm both workers
                session.post(url, data=one_row, headers=headers).raise_for_status()

            def single():
                resp = session.post(url, data=one_row, headers=headers)
                assert resp.status_code == 200, resp.text

            def big():
                resp = session.post(url, data=batch_body, headers=headers)
                assert resp.status_code == 200 and resp.json()["n_predicted"] == len(batch), resp.text[:300]

            # HTTP and in-process measurements interleaved in blocks, so that load from other
            # processes on the machine affects both sides of each ratio alike.
            lat, inproc_one, fast_one, fast_batch = [], [], [], []
            blocks = 10
            for _ in range(blocks):
                lat += timed(single, args.requests // blocks)
                inproc_one += timed(lambda: loaded.predict(one_frame), 20)
                fast_one += timed(lambda: fast_predict(one_dicts), 20)
            batch_http, inproc_batch = [], []
            for _ in range(20):
                batch_http += timed(big, 1)
                inproc_batch += timed(lambda: loaded.predict(batch), 1)
                fast_batch += timed(lambda: fast_predict(batch_dicts), 1)

            done = []
            errors = []

            def client(n: int):
                with requests.Session() as s:
                    for _ in range(n):
                        r = s.post(url, data=one_row, headers=headers)
                        (done if r.status_code == 200 else errors).append(1)

            per_client = max(1, args.requests // 2)
            threads = [threading.Thread(target=client, args=(per_client,)) for _ in range(args.clients)]
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            rps = len(done) / (time.perf_counter() - t)
        finally:
            server.stop()
        inproc_one = statistics.median(inproc_one)
        fast_one, fast_batch = statistics.median(fast_one), statistics.median(fast_batch)
        batch_http = statistics.median(batch_http)
        inproc_batch = statistics.median(inproc_batch)
        with open("/proc/loadavg") as fh:
            load = fh.read().split()[:3]

    print(f"model: {args.model} ({loaded.manifest.get('estimator')}), API under gunicorn, 2 workers, "
          f"OMP_NUM_THREADS=1; machine load average {' '.join(load)} (2 cores)")
    print(f"single-row predict over HTTP, {args.requests} sequential requests:")
    print(f"  p50 {ms(percentile(lat, 50))}   p99 {ms(percentile(lat, 99))}   (target p50 < 5 ms)")
    print(f"  in-process pipeline, 1 row:   {ms(inproc_one)}   ratio HTTP p50 / in-process "
          f"{percentile(lat, 50) / inproc_one:.2f}x")
    print(f"  in-process fast path (validation + prediction), 1 row: {ms(fast_one)}")
    print(f"throughput, {args.clients} concurrent clients: {rps:8.1f} requests/s ({len(errors)} errors)")
    print(f"{len(batch)}-row batch over HTTP (median of 20): {ms(batch_http)}")
    print(f"  in-process pipeline, {len(batch)} rows:   {ms(inproc_batch)}   ratio HTTP / in-process "
          f"{batch_http / inproc_batch:.2f}x   (target < 1.5x)")
    print(f"  in-process fast path (validation + prediction), {len(batch)} rows: {ms(fast_batch)}   ratio HTTP / fast path "
          f"{batch_http / fast_batch:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
