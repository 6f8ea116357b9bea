"""``Server-Timing: app;dur=<ms>`` on every response, so browsers' dev tools (and bench/dashboard.py)
see how long the server spent on each callback, apart from the network."""
from __future__ import annotations

import time

import flask


def install_server_timing(server: flask.Flask) -> None:
    @server.before_request
    def _start() -> None:
        flask.g.lake_t0 = time.perf_counter()

    @server.after_request
    def _stop(response: flask.Response) -> flask.Response:
        t0 = flask.g.get("lake_t0")
        if t0 is not None:
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}"
        return response
