"""WSGI entry point: ``gunicorn -c model_api/gunicorn_conf.py 'model_api.wsgi:make_app()'``.

The only place (with gunicorn_conf.py) that reads the process environment; everything else gets
typed settings passed down. A factory, so importing this module does nothing.
"""
from __future__ import annotations

import os
import sys

from lakemodel.settings import ConfigError, load_settings

from .app import create_app
from .settings import load_api_settings


def make_app():
    try:
        settings = load_settings()
        api = load_api_settings(settings, os.environ)
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(2) from None
    return create_app(settings, api, metrics_dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None)
