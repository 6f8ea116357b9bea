"""Start and stop real model_api servers (gunicorn) on free loopback ports.

Used by the ``live_api`` session fixture and by tests that need the API to go down and come back:

    server = api_servers.start()          # new gunicorn on a free port, waits for /health/ready
    server.stop(); server.start()         # same port again
"""
from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = PROJECT_ROOT / "model_api" / "gunicorn_conf.py"


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM the server if the test process dies (Linux prctl)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ApiServer:
    """One gunicorn process serving ``model_api`` with the given environment."""

    def __init__(self, env: dict[str, str], port: int | None = None, workers: int = 1, threads: int = 4,
                 wait_ready: bool = True, startup_timeout: float = 90.0):
        self.env = dict(env)
        self.port = port or free_port()
        self.workers = workers
        self.threads = threads
        self.wait_ready = wait_ready
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix=f"model-api-{self.port}-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                "--threads", str(self.threads), "model_api.wsgi:make_app()"]

    def start(self) -> "ApiServer":
        if self.running:
            return self
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(self.env)
        env["OMP_NUM_THREADS"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self._command(), cwd=PROJECT_ROOT, env=env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     # PDEATHSIG follows the creating *thread*: only from the main one
                                     preexec_fn=_die_with_parent if threading.current_thread() is threading.main_thread() else None)
        log.close()
        atexit.register(self.stop)
        self._wait_up()
        return self

    def _wait_up(self) -> None:
        path = "/health/ready" if self.wait_ready else "/health/live"
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"model_api exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                resp = requests.get(self.url + path, timeout=2)
                if resp.status_code == 200:
                    return
                last = f"{resp.status_code} {resp.text[:500]}"
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"model_api on {self.url} not up after {self.startup_timeout}s ({last}):\n"
                           f"{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> None:
        """Graceful stop (SIGTERM to the gunicorn master), then kill the group if it lingers."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None

    def restart(self) -> "ApiServer":
        self.stop()
        return self.start()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    def __enter__(self) -> "ApiServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ApiServers:
    """Factory that remembers what it started, so a session fixture can stop them all."""

    def __init__(self, env: dict[str, str]):
        self.env = dict(env)
        self.servers: list[ApiServer] = []

    def create(self, env: dict[str, str] | None = None, **kwargs) -> ApiServer:
        """A server object, not started yet (``.start()`` it)."""
        server = ApiServer({**self.env, **(env or {})}, **kwargs)
        self.servers.append(server)
        return server

    def start(self, env: dict[str, str] | None = None, **kwargs) -> ApiServer:
        return self.create(env, **kwargs).start()

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()
