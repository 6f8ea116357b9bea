"""Response headers: only the embed pages may be framed (by the origins in config); nothing else may.

A Flask ``after_request`` hook, so it covers Dash's own routes, assets, embed and download routes alike.
"""
from __future__ import annotations

import flask

EMBED_PREFIX = "/embed/"


def frame_headers(path: str, frame_ancestors: list[str]) -> dict[str, str]:
    """Headers controlling who may frame the response at ``path``."""
    if path.startswith(EMBED_PREFIX):
        sources = " ".join(frame_ancestors) or "'none'"
        return {"Content-Security-Policy": f"frame-ancestors {sources}"}
    return {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}


def install_security_headers(server: flask.Flask, frame_ancestors: list[str]) -> None:
    ancestors = list(frame_ancestors)

    @server.after_request
    def _headers(response: flask.Response) -> flask.Response:
        for key, value in frame_headers(flask.request.path, ancestors).items():
            response.headers[key] = value
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response
