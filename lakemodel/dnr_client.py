"""Client of the live MN DNR ice-out web API (by lake and by year).

The DNR answers from a CGI script on a shared state server, so the client is polite: one
``requests.Session``, a timeout on every call, a minimum interval between calls, and retries
with exponential backoff only where a retry can help (connection errors, timeouts, 429, 5xx).
Answers are parsed into frozen pydantic models; anything else becomes a typed ``DnrApiError``.

Quirks of the real responses, parsed honestly (docs/data.md "DNR ice-out API"):
- ``lat``/``lon`` are strings ("46.1863"): parsed to floats; an empty string is "unknown".
- ``ice_out_median_since_1950`` is a month-day on the placeholder year 2099 ("2099-04-16"):
  parsed to ``MonthDay`` and the year dropped, never used as a date.
- ``ice_out_first_year``/``ice_out_last_year`` are full dates, not years: the first and the
  latest record; ``ice_out_earliest``/``ice_out_latest`` are the dates with the earliest and
  latest day of year on record.
- ``sentinel_lake`` is 0/1: parsed to bool.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
import time
from typing import Annotated, Any, Callable

import pandas as pd
import requests
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from .settings import DnrApi, Settings

DOW_RE = re.compile(r"^\d{8}$")


# -- errors ---------------------------------------------------------------------------------

class DnrApiError(Exception):
    """Base of every error raised by the DNR client."""


class InvalidLakeId(DnrApiError, ValueError):
    """The lake id is not an 8-digit DOW number: refused before any call."""


class DnrUnavailable(DnrApiError):
    """The API could not be reached or kept failing (connection error, 429, 5xx) after retries."""


class DnrTimeout(DnrUnavailable):
    """The API did not answer within the timeout, on every attempt."""


class DnrHttpError(DnrApiError):
    """The API refused the request (a 4xx other than 429): retrying will not help."""

    def __init__(self, status: int, url: str, body: str):
        super().__init__(f"DNR API answered HTTP {status} for {url}: {body[:200]}")
        self.status, self.url, self.body = status, url, body


class DnrBadResponse(DnrApiError):
    """The API answered 200 but the body is not the JSON shape we know."""


class DnrRejected(DnrApiError):
    """The API answered with ``status`` other than "OK" (e.g. an unknown lake id)."""


# -- typed results --------------------------------------------------------------------------

class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


#: The API writes "" for unknown values: read as None.
OptFloat = Annotated[float | None, BeforeValidator(_blank_to_none)]
OptDate = Annotated[dt.date | None, BeforeValidator(_blank_to_none)]
OptStr = Annotated[str | None, BeforeValidator(_blank_to_none)]


class MonthDay(_Frozen):
    """A calendar day without a year (the API's "2099-04-16" medians)."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    def day_of_year(self, year: int = 2001) -> int:
        """Day of year in ``year`` (default a non-leap year)."""
        return dt.date(year, self.month, self.day).timetuple().tm_yday

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


class IceOutRecord(_Frozen):
    date: dt.date
    source: OptStr = None
    comments: OptStr = None


class LakeIceOut(_Frozen):
    """Every ice-out record of one lake (``ice_out_by_lake.cgi``)."""

    lake_id: str = Field(alias="id", pattern=r"^\d{8}$")
    name: str
    latitude: OptFloat = Field(None, alias="lat")
    longitude: OptFloat = Field(None, alias="lon")
    records: tuple[IceOutRecord, ...] = Field((), alias="values")

    def to_frame(self) -> pd.DataFrame:
        """Records as rows: lake_id, year, date, doy, source, comments."""
        frame = pd.DataFrame(
            [{"date": r.date, "source": r.source, "comments": r.comments} for r in self.records],
            columns=["date", "source", "comments"])
        frame["date"] = pd.to_datetime(frame["date"])
        frame.insert(0, "lake_id", self.lake_id)
        frame.insert(1, "year", frame["date"].dt.year.astype("int64"))
        frame.insert(3, "doy", frame["date"].dt.day_of_year.astype("int64"))
        return frame


class LakeIceOutSummary(_Frozen):
    """One lake in the by-year answer: a summary of its whole record."""

    lake_id: str = Field(alias="id", pattern=r"^\d{8}$")
    name: str
    latitude: OptFloat = Field(None, alias="lat")
    longitude: OptFloat = Field(None, alias="lon")
    first_date: OptDate = Field(None, alias="ice_out_first_year")
    last_date: OptDate = Field(None, alias="ice_out_last_year")
    earliest_date: OptDate = Field(None, alias="ice_out_earliest")
    latest_date: OptDate = Field(None, alias="ice_out_latest")
    n_entries: int = Field(0, alias="ice_out_number_of_entries", ge=0)
    median_since_1950: MonthDay | None = Field(None, alias="ice_out_median_since_1950")
    sentinel_lake: bool = False

    @field_validator("median_since_1950", mode="before")
    @classmethod
    def _month_day(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        if isinstance(value, str):
            match = re.fullmatch(r"\d{4}-(\d{2})-(\d{2})", value.strip())
            if not match:
                raise ValueError(f"expected a YYYY-MM-DD month-day, got {value!r}")
            return {"month": int(match[1]), "day": int(match[2])}
        return value


class IceOutYear(_Frozen):
    """The by-year answer (``ice_out_by_year.cgi``): lakes with their record summaries."""

    year: int | None = None
    status: str
    message: str | None = None
    lakes: tuple[LakeIceOutSummary, ...] = Field((), alias="results")

    def to_frame(self) -> pd.DataFrame:
        rows = [lake.model_dump() | {"median_since_1950": str(lake.median_since_1950)
                                     if lake.median_since_1950 else None,
                                     "median_since_1950_doy": lake.median_since_1950.day_of_year()
                                     if lake.median_since_1950 else None}
                for lake in self.lakes]
        return pd.DataFrame(rows)


# -- the client -----------------------------------------------------------------------------

class DnrIceOutClient:
    """Polite, typed client of the DNR ice-out API. Use as a context manager or call close()."""

    def __init__(self, config: DnrApi, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = config.user_agent
        self.session.headers["Accept"] = "application/json"
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._last_call: float | None = None
        #: Start times (clock) of every HTTP attempt, for logging and tests of the throttle.
        self.call_times: list[float] = []

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> "DnrIceOutClient":
        return cls(settings.dnr_api, **kwargs)

    def __enter__(self) -> "DnrIceOutClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    # -- endpoints ------------------------------------------------------------------------
    def ice_out_by_lake(self, lake_id: str) -> LakeIceOut:
        """All ice-out records of one lake (``lake_id``: 8-digit DOW number)."""
        lake_id = str(lake_id).replace("-", "")
        if not DOW_RE.match(lake_id):
            raise InvalidLakeId(f"lake_id must be an 8-digit DOW number (e.g. 27013300), got {lake_id!r}")
        body = self._get_json(self.config.iceout_by_lake_url, {"id": lake_id})
        self._check_status(body)
        result = body.get("result")
        if not isinstance(result, dict):
            raise DnrBadResponse(f"DNR by-lake answer for {lake_id} has no 'result' object")
        return self._parse(LakeIceOut, result, f"by-lake answer for {lake_id}")

    def ice_out_by_year(self, year: int | None = None) -> IceOutYear:
        """Lakes with ice-out summaries for ``year`` (all lakes when None)."""
        params = {} if year is None else {"year": int(year)}
        body = self._get_json(self.config.iceout_by_year_url, params)
        self._check_status(body)
        return self._parse(IceOutYear, {**body, "year": year}, f"by-year answer for {year}")

    # -- plumbing -------------------------------------------------------------------------
    @staticmethod
    def _parse(model: type[BaseModel], data: dict, what: str) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise DnrBadResponse(f"DNR {what} is malformed at {loc}: {first['msg']} "
                                 f"({exc.error_count()} problem(s))") from None

    @staticmethod
    def _check_status(body: dict) -> None:
        status = body.get("status")
        if status != "OK":
            raise DnrRejected(f"DNR API answered status {status!r}: {body.get('message') or 'no message'}")

    def _throttle(self) -> None:
        with self._lock:
            now = self._clock()
            if self._last_call is not None:
                wait = self.config.min_interval_s - (now - self._last_call)
                if wait > 0:
                    self._sleep(wait)
                    now = self._clock()
            self._last_call = now
            self.call_times.append(now)

    def _get_json(self, url: str, params: dict[str, Any]) -> dict:
        cfg = self.config
        attempts = cfg.retries + 1
        last_error: DnrApiError | None = None
        for attempt in range(attempts):
            if attempt:
                self._sleep(self._retry_delay(attempt, last_error))
            self._throttle()
            try:
                response = self.session.get(url, params=params, timeout=cfg.timeout_s)
            except requests.Timeout:
                last_error = DnrTimeout(f"DNR API did not answer within {cfg.timeout_s} s: {url} "
                                        f"(after {attempt + 1} attempt(s))")
                continue
            except requests.RequestException as exc:
                last_error = DnrUnavailable(f"cannot reach the DNR API at {url}: {exc.__class__.__name__} "
                                            f"(after {attempt + 1} attempt(s))")
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last_error = DnrUnavailable(f"DNR API answered HTTP {response.status_code} for {response.url} "
                                            f"(after {attempt + 1} attempt(s))")
                last_error.retry_after = _retry_after(response)  # type: ignore[attr-defined]
                continue
            if response.status_code >= 400:
                raise DnrHttpError(response.status_code, response.url, response.text)
            try:
                body = response.json()
            except ValueError:
                raise DnrBadResponse(f"DNR API answered non-JSON for {response.url}: "
                                     f"{response.text[:120]!r}") from None
            if not isinstance(body, dict):
                raise DnrBadResponse(f"DNR API answered JSON {type(body).__name__}, expected an object")
            return body
        assert last_error is not None
        raise last_error

    def _retry_delay(self, attempt: int, error: DnrApiError | None) -> float:
        delay = self.config.backoff_s * 2 ** (attempt - 1)
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.config.max_retry_after_s))
        return delay


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP-date: fall back to our own backoff
