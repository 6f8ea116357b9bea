"""The DNR ice-out client against a real HTTP server on a free loopback port.

The server answers the recorded real by-year response (shared/data/dnr_iceout_by_year_2015.json)
and by-lake answers in the API's shape made from the real records of mn_iceout.rda; per test it
can be told to fail first (500, 429, a malformed body, a long sleep) to exercise the client.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pyreadr
import pytest

from lakemodel.dnr_client import (
    DnrBadResponse,
    DnrHttpError,
    DnrIceOutClient,
    DnrRejected,
    DnrTimeout,
    DnrUnavailable,
    InvalidLakeId,
    MonthDay,
)

BY_LAKE = "/cgi-bin/climatology/ice_out_by_lake.cgi"
BY_YEAR = "/cgi-bin/climatology/ice_out_by_year.cgi"


class ScriptedServer:
    """Real answers by default; queued faults first. Records every request it sees."""

    def __init__(self, by_year: bytes, records: pd.DataFrame):
        self.by_year, self.records = by_year, records
        self.queue: list[tuple[int, bytes, float, dict]] = []
        self.seen: list[tuple[float, str, dict, dict]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                url = urlparse(self.path)
                with server.lock:
                    server.seen.append((time.monotonic(), url.path, parse_qs(url.query), dict(self.headers)))
                    fault = server.queue.pop(0) if server.queue else None
                status, body, delay, headers = fault or server.answer(url.path, parse_qs(url.query))
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path: str, query: dict):
        if path == BY_YEAR:
            return 200, self.by_year, 0, {}
        if path == BY_LAKE:
            lake = query.get("id", [""])[0]
            rows = self.records[self.records["id"] == lake]
            if rows.empty:
                return 200, json.dumps({"status": "ERROR", "message": f"no lake {lake}"}).encode(), 0, {}
            first = rows.iloc[0]
            result = {"name": first["body_name"], "lat": str(first["lat"]), "lon": str(first["lon"]), "id": lake,
                      "values": [{"date": str(r.date), "source": r.source, "comments": r.comments or ""}
                                 for r in rows.itertuples()]}
            return 200, json.dumps({"status": "OK", "message": "", "result": result}).encode(), 0, {}
        return 404, b'{"error": "not found"}', 0, {}

    def fail_next(self, *faults):
        with self.lock:
            self.queue = list(faults)
            self.seen.clear()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server(data_mirror):
    records = pyreadr.read_r(str(data_mirror / "mn_iceout.rda"))["mn_iceout"]
    srv = ScriptedServer((data_mirror / "dnr_iceout_by_year_2015.json").read_bytes(), records)
    yield srv
    srv.close()


@pytest.fixture
def make_client(server, settings):
    clients = []
    server.fail_next()

    def make(**overrides):
        config = settings.dnr_api.model_copy(update={
            "iceout_by_lake_url": server.base + BY_LAKE, "iceout_by_year_url": server.base + BY_YEAR,
            "timeout_s": 2.0, "retries": 2, "backoff_s": 0.05, "min_interval_s": 0.0, **overrides})
        client = DnrIceOutClient(config)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def test_by_year_parses_the_recorded_response(make_client, server, data_mirror):
    raw = json.loads((data_mirror / "dnr_iceout_by_year_2015.json").read_text())["results"]
    answer = make_client().ice_out_by_year(2015)
    assert answer.status == "OK" and answer.year == 2015 and len(answer.lakes) == len(raw)
    assert server.seen[-1][2] == {"year": ["2015"]}
    assert "lakemodel" in server.seen[-1][3]["User-Agent"]
    for lake, rec in zip(answer.lakes, raw):
        assert lake.lake_id == rec["id"] and lake.name == rec["name"]
        assert lake.latitude == float(rec["lat"]) and lake.longitude == float(rec["lon"])
        assert lake.n_entries == rec["ice_out_number_of_entries"]
        assert lake.sentinel_lake is bool(rec["sentinel_lake"])
        assert str(lake.first_date) == rec["ice_out_first_year"]
        # "2099-04-16" is a month-day on a placeholder year, never a date
        assert str(lake.median_since_1950) == rec["ice_out_median_since_1950"][5:]
    frame = answer.to_frame()
    assert len(frame) == len(raw) and frame["median_since_1950_doy"].between(60, 160).all()
    assert MonthDay(month=4, day=16).day_of_year() == 106


def test_by_lake_parses_records(make_client, server):
    lake = "01006200"
    expected = server.records[server.records["id"] == lake]
    answer = make_client().ice_out_by_lake("01-0062-00")
    assert server.seen[-1][2] == {"id": [lake]}
    assert answer.lake_id == lake and answer.name == expected["body_name"].iloc[0]
    assert answer.latitude == pytest.approx(expected["lat"].iloc[0])
    assert len(answer.records) == len(expected)
    frame = answer.to_frame()
    assert list(frame["date"].dt.date) == list(expected["date"])
    assert (frame["doy"].values == expected["doy"].values).all()


def test_500_then_success_is_retried(make_client, server):
    server.fail_next((500, b"oops", 0, {}))
    answer = make_client(backoff_s=0.2).ice_out_by_year(2015)
    assert len(answer.lakes) > 0
    assert len(server.seen) == 2
    assert server.seen[1][0] - server.seen[0][0] >= 0.2 - 0.02  # waited the backoff


def test_persistent_5xx_raises_unavailable_after_retries(make_client, server):
    server.fail_next(*[(503, b"down", 0, {})] * 5)
    with pytest.raises(DnrUnavailable, match="HTTP 503.*after 3 attempt"):
        make_client(retries=2).ice_out_by_year(2015)
    assert len(server.seen) == 3
    gaps = [b[0] - a[0] for a, b in zip(server.seen, server.seen[1:])]
    assert gaps[1] > gaps[0]  # exponential backoff: 0.05 then 0.1


def test_429_honours_retry_after(make_client, server):
    server.fail_next((429, b"slow down", 0, {"Retry-After": "0.3"}))
    make_client().ice_out_by_year(2015)
    assert server.seen[1][0] - server.seen[0][0] >= 0.3 - 0.02


def test_4xx_is_not_retried(make_client, server):
    server.fail_next((404, b"no such script", 0, {}))
    with pytest.raises(DnrHttpError) as err:
        make_client().ice_out_by_year(2015)
    assert err.value.status == 404 and len(server.seen) == 1


def test_malformed_body_is_a_typed_error(make_client, server):
    server.fail_next((200, b"<html>maintenance</html>", 0, {}))
    with pytest.raises(DnrBadResponse, match="non-JSON"):
        make_client().ice_out_by_year(2015)
    bad = json.dumps({"status": "OK", "results": [{"id": "01000100", "name": "Pine", "lat": "north"}]}).encode()
    server.fail_next((200, bad, 0, {}))
    with pytest.raises(DnrBadResponse, match=r"results\.0\.lat"):
        make_client().ice_out_by_year(2015)
    server.fail_next((200, b'{"status": "OK"}', 0, {}))
    with pytest.raises(DnrBadResponse, match="no 'result'"):
        make_client().ice_out_by_lake("01000100")


def test_status_not_ok_is_rejected(make_client):
    with pytest.raises(DnrRejected, match="no lake 99999999"):
        make_client().ice_out_by_lake("99999999")


def test_invalid_lake_id_never_calls(make_client, server):
    with pytest.raises(InvalidLakeId, match="8-digit DOW"):
        make_client().ice_out_by_lake("Minnetonka")
    assert server.seen == []


def test_timeout(make_client, server):
    server.fail_next((200, b"{}", 1.5, {}), (200, b"{}", 1.5, {}))
    start = time.monotonic()
    with pytest.raises(DnrTimeout, match="within 0.3 s"):
        make_client(timeout_s=0.3, retries=1).ice_out_by_year(2015)
    assert time.monotonic() - start < 1.4
    assert len(server.seen) == 2


def test_connection_refused_is_unavailable(make_client):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends: nothing listens
    client = make_client(iceout_by_year_url=f"http://127.0.0.1:{port}/x", retries=1)
    with pytest.raises(DnrUnavailable, match="cannot reach"):
        client.ice_out_by_year(2015)


def test_throttle_spaces_calls(make_client, server):
    client = make_client(min_interval_s=0.25)
    for _ in range(3):
        client.ice_out_by_lake("01000100")
    starts = [t for t, *_ in server.seen]
    assert len(starts) == 3
    assert all(b - a >= 0.25 - 0.02 for a, b in zip(starts, starts[1:]))
    assert all(b - a >= 0.25 for a, b in zip(client.call_times, client.call_times[1:]))
