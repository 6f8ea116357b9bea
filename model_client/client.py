"""``LakeApiClient``: one method per model-API capability, typed results, typed errors.

Transport rules: one pooled ``requests.Session``; idempotent GETs are retried with exponential
back-off on connection failures, timeouts and 502/503/504 (a POST is never retried); every call
has a total time budget; the last ETag and body per GET URL are kept and revalidated with
``If-None-Match`` (a 304 reuses the body).
"""
from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pandas as pd
import requests
from pydantic import TypeAdapter
from requests.adapters import HTTPAdapter

from . import types as t
from .errors import ApiTimeout, ApiUnavailable, BadResponse, InvalidRequest, LakeApiError
from .parsing import parse_response
from .settings import ClientSettings, client_settings

log = logging.getLogger(__name__)

_RETRY_STATUSES = frozenset({502, 503, 504})
_MODEL_LIST = TypeAdapter(list[t.ModelInfo])
_CHUNK = 64 * 1024


class _Answer:
    """Status, content type and body bytes of one HTTP exchange."""

    __slots__ = ("status", "content_type", "body")

    def __init__(self, status: int, content_type: str | None, body: bytes) -> None:
        self.status, self.content_type, self.body = status, content_type, body


def _csv(value: str | Iterable[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return ",".join(str(v) for v in value)


def _jsonable(value: Any) -> Any:
    """Rows as plain JSON: numpy scalars -> Python, NaN/inf -> null (the API imputes missing features)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        return _jsonable(value.tolist())  # numpy array / pandas Series in a cell
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", None) == 0:
        value = value.item()  # numpy / pandas scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise InvalidRequest(f"cannot send a value of type {type(value).__name__} to the API: {value!r:.60}")


def _path_segment(name: str, value: Any) -> str:
    text = str(value).strip() if value is not None else ""
    if not text:
        raise InvalidRequest(f"{name} must not be empty")
    return quote(text, safe="")


class LakeApiClient:
    """Typed client of the model API (docs/architecture.md sections 5 and 6)."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 5.0,
        retries: int = 2,
        total_budget: float = 15.0,
        *,
        backoff: float = 0.2,
        pool_maxsize: int = 10,
        etag_cache_size: int = 256,
        session: requests.Session | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"model API URL must look like http://host:port, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.total_budget = float(total_budget)
        self.backoff = float(backoff)
        self._etag_cache_size = int(etag_cache_size)
        self._etags: OrderedDict[str, tuple[str, _Answer]] = OrderedDict()
        self._lock = threading.Lock()
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_maxsize, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "lake-dashboard-model-client/1"})
        #: Number of HTTP attempts made (retries included); handy for diagnostics and tests.
        self.attempts = 0

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_client_settings(cls, cs: ClientSettings, session: requests.Session | None = None) -> LakeApiClient:
        return cls(cs.base_url, timeout=cs.timeout_s, retries=cs.retries, total_budget=cs.total_budget_s,
                   backoff=cs.backoff_s, pool_maxsize=cs.pool_maxsize, etag_cache_size=cs.etag_cache_size,
                   session=session)

    @classmethod
    def from_settings(cls, settings, env: Mapping[str, str] | None = None) -> LakeApiClient:
        """Build from ``config/lakes.toml`` ``[client]`` with ``MODEL_API_*`` environment overrides."""
        return cls.from_client_settings(client_settings(settings, env))

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> LakeApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LakeApiClient({self.base_url!r}, timeout={self.timeout}, retries={self.retries})"

    # -- transport -------------------------------------------------------------------------
    def _url(self, path: str, params: Mapping[str, Any] | None) -> str:
        url = self.base_url + path
        clean = sorted((k, v) for k, v in (params or {}).items() if v is not None)
        return f"{url}?{urlencode(clean)}" if clean else url

    def _remember(self, url: str, etag: str, answer: _Answer) -> None:
        if self._etag_cache_size <= 0:
            return
        with self._lock:
            self._etags[url] = (etag, answer)
            self._etags.move_to_end(url)
            while len(self._etags) > self._etag_cache_size:
                self._etags.popitem(last=False)

    def _remembered(self, url: str) -> tuple[str, _Answer] | None:
        with self._lock:
            return self._etags.get(url)

    def _once(self, method: str, url: str, body: bytes | None, headers: dict[str, str], deadline: float,
              where: str) -> _Answer:
        """One HTTP attempt within ``deadline``; transport failures become typed errors."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ApiTimeout(f"{where}: no answer within the {self.total_budget:g} s budget", url=url)
        wait = min(self.timeout, remaining)
        self.attempts += 1
        try:
            with self.session.request(method, url, data=body, headers=headers, timeout=(wait, wait),
                                      stream=True, allow_redirects=False) as resp:
                chunks = []
                for chunk in resp.iter_content(_CHUNK):
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise ApiTimeout(f"{where}: answer still arriving after the {self.total_budget:g} s budget",
                                         url=url)
                return _Answer(resp.status_code, resp.headers.get("Content-Type"), b"".join(chunks)), resp.headers
        except requests.Timeout:
            raise ApiTimeout(f"{where}: the model API did not answer within {wait:.3g} s at {self.base_url}",
                             url=url) from None
        except requests.ConnectionError as exc:
            if "timed out" in str(exc).lower():
                raise ApiTimeout(f"{where}: the model API stopped answering (read timed out after {wait:.3g} s)",
                                 url=url) from None
            raise ApiUnavailable(f"{where}: cannot reach the model API at {self.base_url} ({_reason(exc)})",
                                 url=url) from None
        except requests.RequestException as exc:
            raise ApiUnavailable(f"{where}: request to the model API at {self.base_url} failed ({_reason(exc)})",
                                 url=url) from None

    def _request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                 payload: Any = None, *, retry_statuses: frozenset[int] = _RETRY_STATUSES) -> tuple[_Answer, str]:
        url = self._url(path, params)
        where = f"{method} {url.removeprefix(self.base_url)}"
        headers: dict[str, str] = {}
        body = None
        if payload is not None:
            try:
                body = json.dumps(_jsonable(payload), allow_nan=False).encode()
            except (TypeError, ValueError) as exc:
                raise InvalidRequest(f"{where}: the request body cannot be sent as JSON ({exc})") from None
            headers["Content-Type"] = "application/json"
        idempotent = method == "GET"
        known = self._remembered(url) if idempotent else None
        if known:
            headers["If-None-Match"] = known[0]
        deadline = time.monotonic() + self.total_budget
        attempts = 1 + (self.retries if idempotent else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                answer, resp_headers = self._once(method, url, body, headers, deadline, where)
            except (ApiUnavailable, ApiTimeout) as exc:
                if last or not self._backoff(attempt, deadline):
                    raise
                log.info("retrying %s after %s", where, type(exc).__name__)
                continue
            if answer.status in retry_statuses and not last and self._backoff(attempt, deadline):
                log.info("retrying %s after HTTP %s", where, answer.status)
                continue
            if answer.status == 304 and idempotent:
                if known is None:
                    raise BadResponse(f"{where}: the API answered 304 Not Modified to a request without ETag",
                                      status=304, url=url)
                return known[1], where
            etag = resp_headers.get("ETag")
            if idempotent and etag and answer.status == 200:
                self._remember(url, etag, answer)
            return answer, where
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int, deadline: float) -> bool:
        """Sleep before the next attempt; False when the budget would not allow another try."""
        pause = self.backoff * (2 ** attempt)
        if time.monotonic() + pause >= deadline:
            return False
        time.sleep(pause)
        return True

    def _get(self, path: str, model: Any, params: Mapping[str, Any] | None = None, *, unwrap: str | None = None):
        answer, where = self._request("GET", path, params)
        return _parsed(answer, model, where, unwrap)

    def _post(self, path: str, payload: Any, model: Any):
        answer, where = self._request("POST", path, payload=payload)
        return _parsed(answer, model, where, None)

    # -- health -------------------------------------------------------------------------------
    def health(self) -> t.Health:
        """Readiness (``/health/ready``): a not-ready API is a result (``ready`` False), not an error."""
        answer, where = self._request("GET", "/health/ready", retry_statuses=frozenset({502, 504}))
        if answer.status == 503:
            try:
                return _parsed(_Answer(200, answer.content_type, answer.body), t.Health, where, None)
            except LakeApiError:
                pass
        return _parsed(answer, t.Health, where, None)

    def state(self) -> t.ApiState:
        """Production model versions + data checksum (cheap; caches key on ``.token``)."""
        return self._get("/v1/state", t.ApiState)

    # -- lakes --------------------------------------------------------------------------------
    def list_lakes(self, county: str | None = None, watershed: str | None = None, grade: str | None = None,
                   has: str | Iterable[str] | None = None, q: str | None = None, limit: int | None = None,
                   offset: int = 0) -> t.LakeList:
        """Lakes matching every given filter (``has``: water_quality, iceout, property), one page."""
        params = {"county": county, "watershed": watershed, "grade": grade, "has": _csv(has), "q": q,
                  "limit": limit, "offset": offset or None}
        return self._get("/v1/lakes", t.LakeList, params)

    def get_lake(self, lake_id: str) -> t.LakeDetail:
        return self._get(f"/v1/lakes/{_path_segment('lake_id', lake_id)}", t.LakeDetail)

    def lake_years(self, year: int, metrics: str | Iterable[str] | None = None) -> t.LakeYearTable:
        """Every lake's values for one year (overview map)."""
        return self._get("/v1/lake-years", t.LakeYearTable, {"year": year, "metrics": _csv(metrics)})

    def series(self, lake_id: str, metrics: str | Iterable[str] | None = None) -> t.LakeSeries:
        return self._get(f"/v1/lakes/{_path_segment('lake_id', lake_id)}/series", t.LakeSeries,
                         {"metrics": _csv(metrics)})

    def ice_out(self, lake_id: str) -> t.IceOutSeries:
        return self._get(f"/v1/lakes/{_path_segment('lake_id', lake_id)}/ice-out", t.IceOutSeries)

    def trend(self, lake_id: str, metric: str) -> t.Trend:
        return self._get(f"/v1/lakes/{_path_segment('lake_id', lake_id)}/trend", t.Trend, {"metric": metric})

    def forecast(self, lake_id: str, model: str, horizon: int) -> t.Forecast:
        """``model``: ``secchi_forecast`` or ``iceout_doy``; ``horizon`` in years."""
        return self._get(f"/v1/lakes/{_path_segment('lake_id', lake_id)}/forecast", t.Forecast,
                         {"model": model, "horizon": horizon})

    def model_values(self, lake_id: str, model: str = "property_value") -> t.ModelValues:
        """The model's value with its interval for every year the lake's target was observed (one call);
        years lacking a required feature come back in ``skipped`` with the reason."""
        return self._get(f"/v1/lakes/{_path_segment('lake_id', lake_id)}/model-values", t.ModelValues,
                         {"model": model})

    # -- models ---------------------------------------------------------------------------------
    def models(self) -> list[t.ModelInfo]:
        return self._get("/v1/models", _MODEL_LIST, unwrap="models")

    def model(self, name: str) -> t.ModelInfo:
        return self._get(f"/v1/models/{_path_segment('name', name)}", t.ModelInfo)

    def predict(self, name: str, rows: Sequence[Mapping[str, Any]] | Any) -> t.PredictionBatch:
        """Batch prediction; ``rows`` are feature dicts (or a DataFrame). Never retried (POST)."""
        if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
            rows = rows.to_dict(orient="records")
        if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
            raise InvalidRequest("predict: rows must be a list of {feature: value} records")
        return self._post(f"/v1/models/{_path_segment('name', name)}/predict", {"rows": list(rows)},
                          t.PredictionBatch)

    def property_value_scenario(self, lake_id: str, year: int, secchi_mean_m: float | None = None,
                                phosphorus_mean_mg_l: float | None = None) -> t.Scenario:
        """Predicted median sale value (USD) now vs. with the given Secchi (m) / phosphorus (mg/L)."""
        payload: dict[str, Any] = {"lake_id": lake_id, "year": year}
        if secchi_mean_m is not None:
            payload["secchi_mean_m"] = secchi_mean_m
        if phosphorus_mean_mg_l is not None:
            payload["phosphorus_mean_mg_l"] = phosphorus_mean_mg_l
        return self._post("/v1/scenarios/property-value", payload, t.Scenario)

    def aggregates(self, metric: str, by: str, group: str | None = None, year: int | None = None) -> t.Aggregates:
        """Median of ``metric`` per ``by`` (county or major_watershed) and year."""
        return self._get("/v1/aggregates", t.Aggregates, {"metric": metric, "by": by, "group": group, "year": year})


def _parsed(answer: _Answer, model: Any, where: str, unwrap: str | None):
    try:
        return parse_response(answer.status, answer.body, answer.content_type, model, where=where, unwrap=unwrap)
    except LakeApiError as exc:
        exc.url = exc.url or where
        raise


def _reason(exc: BaseException) -> str:
    """The innermost, most specific cause of a transport failure, on one line."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "nodename nor servname",
                   "Temporary failure in name resolution", "Connection reset", "Remote end closed",
                   "No route to host", "Invalid URL", "No connection adapters"):
        if marker.lower() in text.lower():
            return marker.lower()
    return text.splitlines()[0][:160] if text else type(exc).__name__
