"""What a worker serves: the tidy tables and the production models, behind one swappable reference.

A reload builds a complete new ``Snapshot`` off to the side (load, verify checksum, smoke-predict)
and then replaces ``ServiceState.snapshot`` in one assignment. A request takes the reference once at
its start (``state.current()``) and keeps using that object, so a swap never changes a model under a
running request. A refused artifact leaves the serving model in place and is reported in ``refused``.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Mapping

from lakemodel.settings import Settings

from .settings import ApiSettings

log = logging.getLogger("model_api")


@dataclass(frozen=True)
class Snapshot:
    tables: Any = None                  # lakemodel.tables.Tables, or None before data is built
    lakes: Any = None                   # model_api.lakedata.LakeData index over the tables
    models: Mapping[str, Any] = field(default_factory=dict)   # name -> ServedModel
    reasons: Mapping[str, str] = field(default_factory=dict)  # name -> why it is not served
    refused: Mapping[str, dict] = field(default_factory=dict)  # name -> {"version", "reason"}
    data_error: str | None = None

    @property
    def data_checksum(self) -> str | None:
        return getattr(self.tables, "checksum", None)

    @cached_property
    def versions(self) -> dict[str, str]:
        return {name: m.version for name, m in sorted(self.models.items())}

    @cached_property
    def token(self) -> str:
        """Cache token: changes whenever the data or any served model version changes."""
        basis = f"{self.data_checksum}|" + "|".join(f"{k}={v}" for k, v in self.versions.items())
        return hashlib.sha256(basis.encode()).hexdigest()[:20]

    def ready(self, configured: list[str]) -> bool:
        return self.tables is not None and all(name in self.models for name in configured)


@dataclass(frozen=True)
class ReloadResult:
    loaded: dict[str, str]      # models whose served version changed: name -> new version
    refused: dict[str, dict]    # name -> {"version", "reason"}
    data_reloaded: bool
    snapshot: Snapshot


class ServiceState:
    """Holds the current snapshot; ``reload`` is single-flight and never blocks readers."""

    def __init__(self, settings: Settings, api: ApiSettings,
                 model_loader: Callable[[Settings, str, str | None], Any] | None = None):
        self.settings = settings
        self.api = api
        self.configured = sorted(settings.models)
        self.snapshot = Snapshot(reasons={n: "not loaded yet" for n in self.configured},
                                 data_error="not loaded yet")
        self._lock = threading.Lock()
        self._model_loader = model_loader
        self._signal_seen: str | None = None
        self._signal_at_reload: str | None = None  # the signal as it was when the last reload began
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current(self) -> Snapshot:
        return self.snapshot

    # -- loading -----------------------------------------------------------------------------
    def _registry(self):
        from lakemodel.registry import open_registry_from_settings

        return open_registry_from_settings(self.settings)

    def _load_tables(self, old: Snapshot) -> tuple[Any, Any, str | None, bool]:
        from .lakedata import LakeData

        try:
            from lakemodel.tables import load_tables, tables_checksum

            if old.tables is not None:  # cheap check first: hashing the files, not parsing them
                try:
                    if tables_checksum(self.settings.tables_dir) == old.tables.checksum:
                        return old.tables, old.lakes, None, False
                except OSError:
                    pass  # fall through to load_tables, which explains what is missing
            tables = load_tables(self.settings)
        except Exception as exc:  # DataError or unreadable files: keep what we have
            if old.tables is not None:
                log.warning("could not reload tables, keeping checksum %s: %s", old.data_checksum, exc)
                return old.tables, old.lakes, None, False
            return None, None, f"data not available: {exc}", False
        if old.tables is not None and tables.checksum == old.tables.checksum:
            return old.tables, old.lakes, None, False
        return tables, LakeData.from_tables(tables, self.settings), None, True

    def reload(self) -> ReloadResult:
        """Bring data and every configured model up to the registry's production versions."""
        with self._lock:
            # Read before the registry: a signal written while this reload runs must still
            # trigger another one (see start_watcher).
            self._signal_at_reload = self._read_signal()
            old = self.snapshot
            tables, lakes, data_error, data_reloaded = self._load_tables(old)
            models = dict(old.models)
            reasons: dict[str, str] = {}
            refused: dict[str, dict] = {}
            loaded: dict[str, str] = {}
            try:
                registry = self._registry()
            except Exception as exc:
                registry = None
                registry_error = f"registry not available: {exc}"
            for name in self.configured:
                if registry is None:
                    if name not in models:
                        reasons[name] = registry_error
                    continue
                try:
                    version = registry.production_version(name)
                except Exception as exc:
                    version, reason = None, f"registry error: {exc}"
                else:
                    reason = "no production version in the registry"
                if version is None:
                    if name not in models:
                        reasons[name] = reason
                    continue
                if name in models and models[name].version == version:
                    continue
                if name in old.refused and old.refused[name]["version"] == version:
                    refused[name] = old.refused[name]  # already refused: do not retry each tick
                    if name not in models:
                        reasons[name] = refused[name]["reason"]
                    continue
                try:
                    models[name] = self._load_model(registry, name, version)
                    loaded[name] = version
                    log.info("loaded model %s version %s", name, version)
                except Exception as exc:
                    message = f"version {version} refused: {exc}"
                    refused[name] = {"version": version, "reason": message}
                    log.error("model %s: %s", name, message)
                    if name not in models:
                        reasons[name] = message
            snapshot = Snapshot(tables=tables, lakes=lakes, models=models, reasons=reasons,
                                refused=refused, data_error=data_error)
            self.snapshot = snapshot  # the one atomic swap
            return ReloadResult(loaded=loaded, refused=refused, data_reloaded=data_reloaded,
                                snapshot=snapshot)

    def _load_model(self, registry, name: str, version: str):
        from .serving import ServedModel

        loaded = registry.load(name, version)
        served = ServedModel(loaded, fast_path_max_rows=self.api.fast_path_max_rows)
        served.smoke_test()  # a model that cannot predict is refused before it is swapped in
        return served

    # -- cross-worker reload signal and polling ----------------------------------------------------
    def signal_path(self) -> Path:
        return self.api.reload_signal_path(self.settings)

    def _read_signal(self) -> str | None:
        try:
            return self.signal_path().read_text()
        except OSError:
            return None

    def publish_signal(self) -> None:
        """Tell the other workers (they watch this file) to reload too."""
        path = self.signal_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        token = f"{time.time_ns()}"
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
        tmp.write_text(token)
        tmp.replace(path)
        self._signal_seen = token

    def start_watcher(self) -> None:
        """Background thread: follow the reload signal, poll if configured, retry until ready."""
        if self._thread is not None:
            return
        # Not the signal as it is now: one written during the start-up load (another worker's
        # reload) would then count as seen, and this worker would keep the older model.
        self._signal_seen = self._signal_at_reload
        self._thread = threading.Thread(target=self._watch, name="model-api-watcher", daemon=True)
        self._thread.start()

    def stop_watcher(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        last_poll = time.monotonic()
        while not self._stop.wait(self.api.watch_interval_s):
            try:
                signal = self._read_signal()
                due_poll = self.api.poll_interval_s > 0 and time.monotonic() - last_poll >= self.api.poll_interval_s
                not_ready = not self.snapshot.ready(self.configured)
                if signal != self._signal_seen or due_poll or not_ready:
                    self._signal_seen = signal
                    last_poll = time.monotonic()
                    self.reload()
            except Exception:  # the watcher must survive anything
                log.exception("reload in watcher failed")
