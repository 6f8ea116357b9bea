"""Benchmark: full fetch + build + train of every configured model on the real data.

Works in a temporary folder (data cache, tables, registry), takes the raw files from
LAKES_DATA_MIRROR (default ../shared/data next to the repository) and prints the seconds of each
stage. Target: the whole run under 60 s on 2 cores. Usage: python bench/train.py [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lakemodel.registry import open_registry_from_settings  # noqa: E402
from lakemodel.settings import load_settings  # noqa: E402
from lakemodel.sources import fetch_all  # noqa: E402
from lakemodel.tables import build_tables  # noqa: E402
from lakemodel.train import train_model  # noqa: E402


def one_run(mirror: str) -> dict[str, float]:
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="lakes-bench-") as tmp:
        settings = load_settings(env={"LAKES_DATA_MIRROR": mirror, "LAKES_DATA_DIR": f"{tmp}/data",
                                      "LAKES_REGISTRY": f"{tmp}/registry"})
        start = time.perf_counter()
        fetch_all(settings)
        timings["fetch (copy + verify sha256)"] = time.perf_counter() - start
        t = time.perf_counter()
        tables = build_tables(settings)
        timings["build tables (read, validate, write)"] = time.perf_counter() - t
        registry = open_registry_from_settings(settings)
        for name in settings.models:
            t = time.perf_counter()
            trained = train_model(settings, name, tables)
            registry.publish(name, trained.model, trained.manifest)
            timings[f"train {name} ({trained.manifest['estimator']}, {trained.manifest['metrics']['n_rows']} rows)"] = \
                time.perf_counter() - t
        timings["total"] = time.perf_counter() - start
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs; the median of each stage is printed")
    args = parser.parse_args()
    mirror = os.environ.get("LAKES_DATA_MIRROR") or str(ROOT.parent / "shared" / "data")
    if not (Path(mirror) / "lake_data_for_viz.csv").is_file():
        print(f"no data mirror at {mirror}: set LAKES_DATA_MIRROR", file=sys.stderr)
        return 1
    runs = [one_run(mirror) for _ in range(max(1, args.repeat))]
    print(f"bench/train.py: {len(runs)} run(s), {os.cpu_count()} cores, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    for stage in runs[0]:
        values = [r[stage] for r in runs]
        print(f"  {stage:60s} {statistics.median(values):7.2f} s" + (f"  (min {min(values):.2f})" if len(values) > 1 else ""))
    total = statistics.median(r["total"] for r in runs)
    print(f"  target < 60 s: {'met' if total < 60 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
