"""``python -m dashboard url``: print the dashboard's address (what `make run` shows)."""
from __future__ import annotations

import os
import sys

from lakemodel.settings import ConfigError, load_settings

from .settings import load_dashboard_settings


def main(argv: list[str]) -> int:
    if argv[:1] != ["url"]:
        sys.stderr.write("usage: python -m dashboard url\n")
        return 2
    try:
        ds = load_dashboard_settings(load_settings(), os.environ)
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    host = "127.0.0.1" if ds.host in ("0.0.0.0", "") else ds.host
    print(ds.public_url or f"http://{host}:{ds.port}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
