"""Declare a route once: its path, typed query/body models and response model.

The same declaration validates the request (422 with pydantic's locations), feeds the view typed
objects, and is the source of the OpenAPI description, so the spec cannot drift from what the
routes accept. Small on purpose: Flask blueprints plus pydantic, no framework on top.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, request
from pydantic import BaseModel, ValidationError

from . import jsonio
from .errors import BadRequest, Unprocessable, UnsupportedMediaType, pydantic_detail


@dataclass
class Operation:
    path: str                      # Flask rule, e.g. /v1/lakes/<lake_id>
    method: str
    summary: str
    tags: list[str]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_schema: dict | None = None          # raw JSON schema when the body is not one model
    response: type[BaseModel] | None = None
    response_media: str = "application/json"
    errors: tuple[int, ...] = ()
    cacheable: bool = False                  # ETag / Cache-Control / If-None-Match
    path_params: dict[str, str] = field(default_factory=dict)  # name -> description
    security: bool = False


OPERATIONS: list[Operation] = []


def parse_query(model: type[BaseModel]):
    """Query string -> model; repeated keys become lists only where the model says so."""
    raw: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        raw[key] = values if len(values) > 1 else values[0]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise Unprocessable("invalid query parameters", pydantic_detail(exc, ("query",))) from None


def json_body() -> Any:
    """The request body as JSON: 415 if it is not declared JSON, 400 if it does not parse."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"request body must be JSON (Content-Type: application/json), got {mimetype or 'none'}")
    data = request.get_data(cache=True)  # 413 past MAX_CONTENT_LENGTH
    if not data:
        raise BadRequest("malformed JSON: the request body is empty")
    try:
        return jsonio.loads(data)
    except ValueError as exc:  # includes UnicodeDecodeError
        raise BadRequest(f"malformed JSON: {exc}") from None


def parse_body(model: type[BaseModel]):
    payload = json_body()
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise Unprocessable("invalid request body", pydantic_detail(exc, ("body",))) from None


def api_route(bp: Blueprint, rule: str, method: str = "GET", *, summary: str, tags: list[str],
              query: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
              body_schema: dict | None = None, response: type[BaseModel] | None = None,
              response_media: str = "application/json", errors: tuple[int, ...] = (),
              cacheable: bool = False, path_params: dict[str, str] | None = None,
              security: bool = False) -> Callable:
    """Register ``fn`` on ``bp`` and record it for OpenAPI; ``fn`` gets ``query=`` / ``body=``."""
    prefix = bp.url_prefix or ""
    op = Operation(path=prefix + rule, method=method, summary=summary, tags=tags, query=query,
                   body=body, body_schema=body_schema, response=response,
                   response_media=response_media, errors=errors, cacheable=cacheable,
                   path_params=path_params or {}, security=security)
    OPERATIONS.append(op)

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def view(**kwargs):
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body)
            return fn(**kwargs)

        view.operation = op  # type: ignore[attr-defined]
        bp.add_url_rule(rule, view_func=view, methods=[method])
        return view

    return decorator
