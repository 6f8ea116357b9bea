"""Structured logs: one JSON object per line on stderr (request lines and application events)."""
from __future__ import annotations

import json
import logging
import sys
import time

from .settings import ApiSettings

_request_log = logging.getLogger("model_api.requests")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        else:
            entry["msg"] = record.getMessage()
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(api: ApiSettings) -> None:
    """Idempotent: one JSON handler on the ``model_api`` logger."""
    logger = logging.getLogger("model_api")
    logger.setLevel(api.log_level.upper())
    if not any(getattr(h, "_lakes_json", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._lakes_json = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


def log_request(method: str, path: str, status: int, duration_ms: float,
                model_version: str | None, model_name: str | None) -> None:
    fields = {"event": "request", "method": method, "path": path, "status": status,
              "duration_ms": round(duration_ms, 3)}
    if model_version:
        fields["model"] = model_name
        fields["model_version"] = model_version
    _request_log.info("request", extra={"fields": fields})
