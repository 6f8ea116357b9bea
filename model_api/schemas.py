"""pydantic models of request bodies, query parameters and responses.

Requests are validated with them; responses are built as plain dicts on the hot paths and these
models document them in OpenAPI (tests validate live responses against the spec).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Live(_Out):
    status: Literal["ok"]


class Ready(_Out):
    status: Literal["ready"]
    models: dict[str, str]
    data_checksum: str | None = None
    refused: dict[str, str] | None = Field(None, description="newer versions refused; the listed model keeps serving")


class NotReadyBody(_Out):
    status: Literal["not ready"]
    reasons: dict[str, str]
    models: dict[str, str] = {}


class StateBody(_Out):
    models: dict[str, str]
    data_checksum: str | None
    token: str


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str


class ErrorBody(BaseModel):
    error: str
    detail: list[ErrorItem]
