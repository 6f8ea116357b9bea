"""Entry point: ``gunicorn app:server`` (production) or ``python app.py`` (development server).

Reads the configuration and the environment once, here, and hands them to the app factory.
"""
from __future__ import annotations

import os
import sys

from dashboard import create_dash_app
from dashboard.settings import load_dashboard_settings
from lakemodel.settings import ConfigError, load_settings

try:
    settings = load_settings()
    app = create_dash_app(settings, env=os.environ)
except ConfigError as exc:
    sys.stderr.write(f"dashboard: {exc}\n")
    raise SystemExit(2) from None
server = app.server

if __name__ == "__main__":
    ds = load_dashboard_settings(settings, os.environ)
    app.run(host=ds.host, port=ds.port, debug=False)
