"""Typed errors: callbacks map these to an alert instead of catching transport or KeyErrors.

Every error carries a message a person can read, plus the HTTP ``status`` (None when the
request never got an answer) and the ``url`` it concerned.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict


class FieldError(BaseModel):
    """One per-field problem reported by the API (pydantic-style ``loc`` and ``msg``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    loc: tuple[str | int, ...] = ()
    msg: str

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.loc)
        return f"{where}: {self.msg}" if where else self.msg


class LakeApiError(Exception):
    """Base class of every error the client raises."""

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.url = url

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # keep keyword-only attributes when pickled (e.g. across processes)
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls: type, message: str, state: dict[str, Any]) -> LakeApiError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class ApiUnavailable(LakeApiError):
    """The API could not be reached at all (connection refused, DNS failure, reset)."""


class ApiTimeout(LakeApiError):
    """The API did not answer within the per-attempt timeout or the call's total time budget."""


class NotFound(LakeApiError):
    """The lake, model or route does not exist (HTTP 404)."""


class InvalidRequest(LakeApiError):
    """The API rejected the request (HTTP 400/405/413/415/422); ``detail`` lists per-field errors."""

    def __init__(
        self,
        message: str,
        *,
        detail: Sequence[FieldError] = (),
        status: int | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, status=status, url=url)
        self.detail: tuple[FieldError, ...] = tuple(detail)


class ServerError(LakeApiError):
    """The API failed (HTTP 5xx), e.g. 503 while its models are not loaded."""


class BadResponse(LakeApiError):
    """The API answered, but not with what the contract promises (not JSON, wrong shape)."""
