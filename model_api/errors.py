"""One JSON error shape for everything a client can get wrong, and the handlers that produce it.

``{"error": "<message>", "detail": [{"loc": [...], "msg": "..."}]}``; HTTP errors raised by Flask and
Werkzeug (404, 405, 413, ...) are converted too, so a client never sees HTML or a traceback.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("model_api")


class ApiError(Exception):
    status = 400

    def __init__(self, message: str, detail: list[dict] | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail or []
        if status is not None:
            self.status = status


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class UnsupportedMediaType(ApiError):
    status = 415


class Unprocessable(ApiError):
    status = 422


class NotReady(ApiError):
    status = 503


def pydantic_detail(exc: ValidationError, prefix: tuple = ()) -> list[dict]:
    """pydantic's error list reduced to ``loc`` + ``msg`` (no echo of the input values)."""
    return [{"loc": [*prefix, *err["loc"]], "msg": err["msg"]} for err in exc.errors(include_url=False)]


def error_response(status: int, message: str, detail: list[dict] | None = None):
    resp = jsonify({"error": message, "detail": detail or []})
    resp.status_code = status
    return resp


_HTTP_MESSAGES = {
    404: "not found",
    405: "method not allowed",
    413: "request body too large",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        resp = error_response(exc.status, exc.message, exc.detail)
        if exc.status == 401:
            resp.headers["WWW-Authenticate"] = 'ApiKey header="X-API-Key"'
        return resp

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        message = _HTTP_MESSAGES.get(status) or (exc.name or "error").lower()
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"request body too large (limit {limit} bytes)"
        resp = error_response(status, message)
        if status == 405 and getattr(exc, "valid_methods", None):
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # last line of defence: log it, answer JSON
        log.exception("unhandled error")
        return error_response(500, "internal server error")
