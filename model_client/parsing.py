"""Pure functions that turn an HTTP answer (status, content type, body bytes) into a typed result or error.

Kept apart from the transport so they can be tested directly (property-based): whatever the server
sends, the only exceptions that leave here are the client's typed errors.
"""
from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import (
    BadResponse,
    FieldError,
    InvalidRequest,
    LakeApiError,
    NotFound,
    ServerError,
)

T = TypeVar("T", bound=BaseModel)

_INVALID_STATUSES = {400: "malformed request", 405: "method not allowed", 413: "request body too large",
                     415: "request is not JSON", 422: "invalid request"}
_DETAIL = TypeAdapter(FieldError)


def _snippet(body: bytes, limit: int = 80) -> str:
    text = body[:limit].decode("utf-8", errors="replace").replace("\n", " ")
    return text + ("..." if len(body) > limit else "")


def is_json_content_type(content_type: str | None) -> bool:
    """True for ``application/json`` and ``+json`` types; a missing header is given the benefit of the doubt."""
    if not content_type:
        return True
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime == "application/json" or mime.endswith("+json")


def decode_json(body: bytes, content_type: str | None, *, where: str, status: int | None = None) -> Any:
    """The JSON value in ``body``; ``BadResponse`` if the content type or bytes are not JSON."""
    if not is_json_content_type(content_type):
        raise BadResponse(
            f"{where}: expected JSON but the API sent {content_type!r} ({_snippet(body)!r})", status=status
        )
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BadResponse(f"{where}: the API sent invalid JSON ({reason})", status=status) from None


def _error_parts(body: bytes, content_type: str | None) -> tuple[str | None, list[FieldError]]:
    """The API's ``error`` message and ``detail`` list, tolerating any body."""
    try:
        data = decode_json(body, content_type, where="")
    except BadResponse:
        return None, []
    if not isinstance(data, dict):
        return None, []
    message = data.get("error")
    message = message.strip() if isinstance(message, str) and message.strip() else None
    details: list[FieldError] = []
    raw_detail = data.get("detail")
    if isinstance(raw_detail, list):
        for item in raw_detail:
            try:
                details.append(_DETAIL.validate_python(item))
            except (ValidationError, ValueError, TypeError):
                continue
    elif isinstance(raw_detail, str) and raw_detail.strip() and message is None:
        message = raw_detail.strip()
    return message, details


def error_for_status(status: int, body: bytes, content_type: str | None, *, where: str) -> LakeApiError:
    """The typed error for a non-success answer, with the API's own message when it gave one."""
    message, details = _error_parts(body, content_type)
    if status == 404:
        return NotFound(f"{where}: {message or 'not found'} (HTTP 404)", status=status)
    if status in _INVALID_STATUSES or 400 <= status < 500:
        base = message or _INVALID_STATUSES.get(status, "request rejected")
        extra = "; ".join(str(d) for d in details[:5])
        text = f"{where}: {base}" + (f" [{extra}]" if extra and extra not in base else "") + f" (HTTP {status})"
        return InvalidRequest(text, detail=details, status=status)
    if status >= 500:
        base = message or ("the API is not ready" if status == 503 else "the API failed")
        return ServerError(f"{where}: {base} (HTTP {status})", status=status)
    return BadResponse(f"{where}: unexpected HTTP status {status}", status=status)


def validate(model: type[T] | TypeAdapter, data: Any, *, where: str) -> Any:
    """``data`` validated as ``model``; ``BadResponse`` naming the first mismatches otherwise."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:3]:
            loc = ".".join(str(p) for p in err["loc"]) or "<root>"
            problems.append(f"{loc}: {err['msg']}")
        more = f" (+{exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        raise BadResponse(f"{where}: the API answer does not match the contract: {'; '.join(problems)}{more}") from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise BadResponse(f"{where}: the API answer could not be read ({type(exc).__name__})") from None


def parse_response(status: int, body: bytes, content_type: str | None, model: type[T] | TypeAdapter,
                   *, where: str, unwrap: str | None = None) -> Any:
    """Success -> typed result (optionally the ``unwrap`` key of a JSON object); failure -> typed error raised."""
    if not 200 <= status < 300:
        raise error_for_status(status, body, content_type, where=where)
    data = decode_json(body, content_type, where=where, status=status)
    if unwrap is not None:
        if not isinstance(data, dict) or unwrap not in data:
            raise BadResponse(f"{where}: the API answer has no {unwrap!r} field", status=status)
        data = data[unwrap]
    result = validate(model, data, where=where)
    return result
