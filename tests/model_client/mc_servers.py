"""Real loopback servers for the client tests: a counting reverse proxy, scripted and silent servers, redis.

Nothing here mocks HTTP: each helper is a real socket server on a free 127.0.0.1 port.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length",
               "proxy-authenticate", "proxy-authorization", "te", "trailers", "upgrade", "server", "date"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Server:
    """A ThreadingHTTPServer on a fixed loopback port that can be stopped and started again."""

    def __init__(self, handler_factory: Callable[[], type[BaseHTTPRequestHandler]], port: int | None = None):
        self._handler = handler_factory()
        self.port = port or free_port()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        if self._httpd is None:
            ThreadingHTTPServer.allow_reuse_address = True
            self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
            self._httpd.daemon_threads = True
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


class CountingProxy(_Server):
    """Reverse proxy in front of the live API that counts every request it forwards.

    ``rewrite_state`` (a function on the decoded /v1/state JSON) changes the state token the way a
    new model version would.
    """

    def __init__(self, upstream: str, port: int | None = None):
        self.upstream = upstream.rstrip("/")
        self.counts: Counter[str] = Counter()
        self.statuses: list[tuple[str, int]] = []
        self.rewrite_state: Callable[[dict], dict] | None = None
        self._lock = threading.Lock()
        self._session = requests.Session()
        super().__init__(self._make_handler, port)

    def count(self, prefix: str = "", method: str | None = None) -> int:
        """Requests forwarded whose 'METHOD /path?query' path starts with ``prefix``."""
        with self._lock:
            return sum(n for key, n in self.counts.items()
                       if key.split(" ", 1)[1].startswith(prefix) and (method is None or key.startswith(method)))

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.statuses.clear()

    def _make_handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
                headers["Accept-Encoding"] = "identity"
                resp = proxy._session.request(self.command, proxy.upstream + self.path, data=body,
                                              headers=headers, timeout=60, allow_redirects=False)
                content = resp.content
                if proxy.rewrite_state and urlsplit(self.path).path == "/v1/state" and resp.status_code == 200:
                    content = json.dumps(proxy.rewrite_state(resp.json())).encode()
                with proxy._lock:
                    proxy.counts[f"{self.command} {self.path}"] += 1
                    proxy.statuses.append((f"{self.command} {self.path}", resp.status_code))
                self.send_response(resp.status_code)
                for key, value in resp.headers.items():
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        return Handler


class Request(NamedTuple):
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


class ScriptedServer(_Server):
    """Answers every request with ``respond(Request) -> (status, content_type, body_bytes[, headers])``.

    ``respond`` may sleep to play a slow API. ``hits`` counts requests per method.
    """

    def __init__(self, respond: Callable[[Request], tuple]):
        self.respond = respond
        self.hits: Counter[str] = Counter()
        super().__init__(self._make_handler)

    def _make_handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.hits[self.command] += 1
                answer = server.respond(Request(self.command, self.path, body, dict(self.headers.items())))
                status, ctype, payload = answer[:3]
                extra = answer[3] if len(answer) > 3 else {}
                try:
                    self.send_response(status)
                    if ctype:
                        self.send_header("Content-Type", ctype)
                    for key, value in extra.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _answer

        return Handler


class BlackHole:
    """A listening socket that accepts connections (kernel backlog) and never answers."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._sock.close()


class RedisServer:
    """A real ``redis-server`` on a free loopback port, no persistence; stopped by its pid."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._dir = tempfile.mkdtemp(prefix="mc-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self._dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)
