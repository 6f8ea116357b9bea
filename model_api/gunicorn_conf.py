"""gunicorn configuration, read from config/lakes.toml ``[api]`` (+ ``LAKES_API_*`` overrides).

Run: ``OMP_NUM_THREADS=1 .venv/bin/gunicorn -c model_api/gunicorn_conf.py 'model_api.wsgi:make_app()'``
(OMP_NUM_THREADS is forced to 1 here as well, before any worker imports scikit-learn.)

Per-worker loading (``preload_app = False``): each worker reads the tables and models itself after
the fork and runs its own reload watcher thread. Preloading would share a few MB of memory but a
model swapped in the master would not reach the forked workers, and a reload must happen in every
worker anyway (they follow the reload signal file). Command-line options (``--bind``, ``--workers``)
override these values.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lakemodel.settings import ConfigError, load_settings  # noqa: E402
from model_api.settings import load_api_settings  # noqa: E402

try:
    _settings = load_settings()
    _api = load_api_settings(_settings, os.environ)
except ConfigError as _exc:
    sys.stderr.write(f"error: {_exc}\n")
    sys.exit(2)

# One OpenMP thread per worker: HistGradientBoosting would otherwise start one per core per call.
os.environ["OMP_NUM_THREADS"] = "1"

# Prometheus multiprocess mode: every worker writes samples here; /metrics aggregates them.
_metrics_dir = _api.runtime_path(_settings) / f"prometheus-{os.getpid()}"
shutil.rmtree(_metrics_dir, ignore_errors=True)
_metrics_dir.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)

bind = f"{_api.host}:{_api.port}"
workers = _api.workers
threads = _api.threads
worker_class = "gthread" if _api.threads > 1 else "sync"
timeout = _api.timeout_s
graceful_timeout = 10
keepalive = 5
preload_app = False
# Longest request line gunicorn accepts (its maximum short of "unlimited"); a longer URL gets
# gunicorn's own 414 page before the app sees it (see docs/api.md).
limit_request_line = 8190
accesslog = None          # model_api logs one JSON line per request itself
errorlog = "-"
loglevel = _api.log_level
# gunicorn's own lines (boot, worker exits) as JSON too, so the whole stream is JSON lines
logconfig_dict = {  # replaces gunicorn's defaults section by section (shallow update)
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["console"]},
    "formatters": {"json": {"()": "model_api.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "gunicorn.error": {"level": _api.log_level.upper(), "handlers": ["error_console"], "propagate": False,
                           "qualname": "gunicorn.error"},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False,  # replaced by ours
                            "qualname": "gunicorn.access"},
    },
}
proc_name = "lakes-model-api"
control_socket_disable = True  # several servers (tests, bench) must not share ~/.gunicorn/gunicorn.ctl


def when_ready(server):  # noqa: D103 - gunicorn hook
    for address in server.cfg.address:
        host, port = address if isinstance(address, tuple) else (address, "")
        server.log.info("model API listening on http://%s:%s (docs: /docs, ready: /health/ready)", host, port)


def child_exit(server, worker):  # noqa: D103 - gunicorn hook
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: D103 - gunicorn hook
    shutil.rmtree(_metrics_dir, ignore_errors=True)
