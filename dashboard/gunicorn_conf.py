"""gunicorn configuration of the dashboard, read from config/lakes.toml ``[dashboard]``
(+ ``LAKES_DASHBOARD_*`` overrides).

Run: ``OMP_NUM_THREADS=1 .venv/bin/gunicorn -c dashboard/gunicorn_conf.py app:server``.
Each worker builds its own app (``preload_app = False``); with several workers point
``[client.cache]`` at Redis so they share cached API answers.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.settings import load_dashboard_settings  # noqa: E402
from lakemodel.settings import ConfigError, load_settings  # noqa: E402

try:
    _ds = load_dashboard_settings(load_settings(), os.environ)
except ConfigError as _exc:
    sys.stderr.write(f"error: {_exc}\n")
    sys.exit(2)

os.environ["OMP_NUM_THREADS"] = "1"

bind = f"{_ds.host}:{_ds.port}"
workers = _ds.workers
threads = _ds.threads
worker_class = "gthread" if _ds.threads > 1 else "sync"
timeout = 60
graceful_timeout = 10
keepalive = 5
preload_app = False
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "lakes-dashboard"
control_socket_disable = True
