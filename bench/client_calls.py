"""How much the client's caching layers save: latency of the same call uncached, ETag-revalidated, memoized.

Needs a running model API (``[client] base_url`` / ``MODEL_API_URL``). Prints figures; asserts nothing.

    python bench/client_calls.py [--n 200] [--lake 70007200]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402

from lakemodel.settings import ConfigError, load_settings  # noqa: E402
from model_client import CacheSettings, LakeApiClient, LakeApiError  # noqa: E402
from model_client.caching import CachedLakeApiClient, make_cache  # noqa: E402


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(label: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"{label:<52} p50 {statistics.median(ms):8.3f} ms   p95 {p95:8.3f} ms   n={len(ms)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--lake", default=None, help="lake id (default: the first listed lake)")
    args = parser.parse_args()
    try:
        settings = load_settings()
        plain = LakeApiClient.from_settings(settings)
        lake = args.lake or plain.list_lakes(limit=1).items[0].lake_id
        no_etag = LakeApiClient(plain.base_url, etag_cache_size=0)
        cached = CachedLakeApiClient(plain, make_cache(Flask(__name__), CacheSettings()), ttl=300, state_ttl=10)
        print(f"model API {plain.base_url}, lake {lake}")
        for name, call in [("get_lake", lambda c: c.get_lake(lake)),
                           ("series", lambda c: c.series(lake, ["secchi_mean_m", "phosphorus_mean_mg_l"])),
                           ("forecast(secchi_forecast, 5)", lambda c: c.forecast(lake, "secchi_forecast", 5))]:
            call(plain)
            report(f"{name}: full GET (no ETag)", timed(lambda: call(no_etag), args.n))
            report(f"{name}: If-None-Match -> 304", timed(lambda: call(plain), args.n))
            call(cached)
            report(f"{name}: memoized (SimpleCache)", timed(lambda: call(cached), args.n))
    except (ConfigError, LakeApiError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
