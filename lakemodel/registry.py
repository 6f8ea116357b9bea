"""Versioned model registry on a local folder or ``s3://bucket/prefix`` (through fsspec).

Layout: ``<root>/<model>/<version>/model.skops`` + ``manifest.json`` and
``<root>/<model>/production.json`` (``{"version": ...}``). A version exists once its manifest is
written (the artifact goes first), and the production pointer is replaced in one step: a temp
file + ``os.replace`` locally, a single PUT on S3, so readers never see a half-written pointer.

Loading never executes code from the store: the artifact's sha256 must match the manifest
before skops reads it, and skops may only build the types in ``models.TRUSTED_TYPES``.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterator

import fsspec
import numpy as np
from fsspec.implementations.local import LocalFileSystem

if TYPE_CHECKING:  # skops and scikit-learn load lazily: listing and promoting need neither
    import pandas as pd

    from .models import IntervalRegressor

ARTIFACT = "model.skops"
MANIFEST = "manifest.json"
POINTER = "production.json"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
VERSION_RE = re.compile(r"^\d{8}T\d{9}Z-[0-9a-f]{8}$")


class RegistryError(Exception):
    """The registry cannot answer: unknown model or version, unreachable store, bad layout."""


class NotFoundError(RegistryError):
    """No such model or version in the registry."""


class TamperedArtifactError(RegistryError):
    """An artifact does not match its manifest or holds types we do not trust; it was not loaded."""


@dataclass(frozen=True)
class Prediction:
    value: np.ndarray
    lower: np.ndarray | None
    upper: np.ndarray | None


@dataclass(frozen=True)
class LoadedModel:
    """A verified model and its manifest; ``predict`` takes a frame keyed by feature names."""

    name: str
    version: str
    manifest: dict[str, Any]
    model: IntervalRegressor

    @property
    def features(self) -> list[dict[str, Any]]:
        return self.manifest["features"]

    @property
    def feature_names(self) -> list[str]:
        return [f["name"] for f in self.features]

    @property
    def unit(self) -> str:
        return self.manifest.get("target_unit", "")

    @property
    def interval_level(self) -> float | None:
        return (self.manifest.get("interval") or {}).get("level")

    def predict(self, frame: pd.DataFrame, scale: float | np.ndarray = 1.0) -> Prediction:
        """Predict with intervals; ``scale`` widens the interval (multi-step forecasts)."""
        from .features import coerce_features

        X = coerce_features(frame, self.features)
        value, lower, upper = self.model.predict_interval(X, scale=scale)
        return Prediction(value=value, lower=lower, upper=upper)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_version(artifact_sha256: str, now: datetime | None = None) -> str:
    """Sortable version id: UTC timestamp to the millisecond + the artifact's short hash."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z-{artifact_sha256[:8]}"


def serialize(model: IntervalRegressor) -> bytes:
    import skops.io as sio

    return sio.dumps(model, compression=zipfile.ZIP_DEFLATED)


def deserialize(data: bytes, expected_sha256: str, where: str) -> IntervalRegressor:
    """Verify the bytes against the manifest hash, then load with the fixed trusted-type list."""
    import skops.io as sio

    from .models import TRUSTED_TYPES, IntervalRegressor

    actual = sha256_bytes(data)
    if actual != expected_sha256:
        raise TamperedArtifactError(
            f"refusing to load {where}: sha256 {actual} does not match the manifest ({expected_sha256})"
        )
    try:
        untrusted = set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES)
    except Exception as exc:
        raise TamperedArtifactError(f"refusing to load {where}: not a readable skops artifact ({exc})") from None
    if untrusted:
        raise TamperedArtifactError(f"refusing to load {where}: untrusted types {sorted(untrusted)}")
    try:
        model = sio.loads(data, trusted=TRUSTED_TYPES)
    except Exception as exc:
        raise TamperedArtifactError(f"refusing to load {where}: {exc}") from None
    if not isinstance(model, IntervalRegressor):
        raise TamperedArtifactError(f"refusing to load {where}: holds a {type(model).__name__}, not a model")
    return model


class Registry:
    """Publish, list, promote and load models. Use ``open_registry`` to build one."""

    def __init__(self, fs: fsspec.AbstractFileSystem, root: str, uri: str):
        self.fs, self.root, self.uri = fs, root.rstrip("/"), uri

    # -- paths and low-level io ------------------------------------------------------------
    def _path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    @property
    def _local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except RegistryError:
            raise
        except Exception as exc:  # fsspec / s3fs / OS errors: one clear line
            raise RegistryError(f"registry {self.uri}: could not {action}: {type(exc).__name__}: {exc}") from None

    def _read(self, path: str) -> bytes | None:
        try:
            return self.fs.cat_file(path)
        except FileNotFoundError:
            return None

    def _write(self, path: str, data: bytes) -> None:
        """Write all-or-nothing: temp file + os.replace locally, one PUT on object stores."""
        if self._local:
            directory = os.path.dirname(path)
            os.makedirs(directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.chmod(tmp, 0o644)  # readable by the API's user, like any other written file
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        else:
            self.fs.pipe_file(path, data)

    def _listdir(self, path: str) -> list[str]:
        self.fs.invalidate_cache(path)
        try:
            entries = self.fs.ls(path, detail=False)
        except FileNotFoundError:
            return []
        return [e.rstrip("/").rsplit("/", 1)[-1] for e in entries]

    @staticmethod
    def _check_name(name: str) -> None:
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise NotFoundError(f"unknown model {name!r}")

    # -- public API ------------------------------------------------------------------------
    def publish(self, name: str, model: IntervalRegressor, manifest: dict[str, Any], promote: bool = True) -> str:
        """Store a fitted model with its manifest; returns the new version."""
        self._check_name(name)
        data = serialize(model)
        digest = sha256_bytes(data)
        version = new_version(digest)
        full = {
            **manifest,
            "name": name,
            "version": version,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "artifact_sha256": digest,
        }
        with self._guard(f"publish {name}"):
            self._write(self._path(name, version, ARTIFACT), data)
            self._write(self._path(name, version, MANIFEST), json.dumps(full, indent=2, default=_json_default).encode())
        if promote:
            self.promote(name, version)
        return version

    def list_models(self) -> list[str]:
        with self._guard("list models"):
            return sorted(n for n in self._listdir(self.root) if NAME_RE.match(n) and self.list_versions(n))

    def list_versions(self, name: str) -> list[str]:
        """Complete versions (manifest written), oldest first."""
        self._check_name(name)
        with self._guard(f"list versions of {name}"):
            names = [v for v in self._listdir(self._path(name)) if VERSION_RE.match(v)]
            return sorted(v for v in names if self.fs.exists(self._path(name, v, MANIFEST)))

    def production_version(self, name: str) -> str | None:
        self._check_name(name)
        with self._guard(f"read the production pointer of {name}"):
            data = self._read(self._path(name, POINTER))
        if data is None:
            return None
        try:
            version = json.loads(data)["version"]
        except (ValueError, KeyError, TypeError):
            raise RegistryError(f"registry {self.uri}: production pointer of {name} is unreadable") from None
        if not isinstance(version, str) or not VERSION_RE.match(version):
            raise RegistryError(f"registry {self.uri}: production pointer of {name} names an invalid version")
        return version

    def promote(self, name: str, version: str) -> None:
        """Point production at ``version`` (which must exist) in one atomic write."""
        self._require_version(name, version)
        with self._guard(f"promote {name} {version}"):
            self._write(self._path(name, POINTER), json.dumps({"version": version}).encode())

    def _require_version(self, name: str, version: str) -> None:
        self._check_name(name)
        if not isinstance(version, str) or not VERSION_RE.match(version):
            raise NotFoundError(f"unknown version {version!r} of model {name}")
        with self._guard(f"look up {name} {version}"):
            exists = self.fs.exists(self._path(name, version, MANIFEST))
        if not exists:
            known = self.list_versions(name)
            if not known:
                raise NotFoundError(f"unknown model {name!r} in registry {self.uri}")
            raise NotFoundError(f"unknown version {version!r} of model {name}")

    def _resolve(self, name: str, version: str | None) -> str:
        if version is None:
            version = self.production_version(name)
            if version is None:
                if not self.list_versions(name):
                    raise NotFoundError(f"unknown model {name!r} in registry {self.uri}")
                raise RegistryError(f"model {name} has no production version in registry {self.uri}")
        self._require_version(name, version)
        return version

    def manifest(self, name: str, version: str | None = None) -> dict[str, Any]:
        version = self._resolve(name, version)
        with self._guard(f"read the manifest of {name} {version}"):
            data = self._read(self._path(name, version, MANIFEST))
        try:
            manifest = json.loads(data or b"")
        except ValueError:
            raise TamperedArtifactError(f"manifest of {name} {version} is not valid JSON") from None
        if not isinstance(manifest, dict) or manifest.get("name") != name or manifest.get("version") != version:
            raise TamperedArtifactError(f"manifest of {name} {version} does not describe that model version")
        return manifest

    def load(self, name: str, version: str | None = None) -> LoadedModel:
        """Verify and load a version (production by default)."""
        version = self._resolve(name, version)
        manifest = self.manifest(name, version)
        expected = manifest.get("artifact_sha256")
        if not isinstance(expected, str) or not re.fullmatch(r"[0-9a-f]{64}", expected):
            raise TamperedArtifactError(f"manifest of {name} {version} has no valid artifact_sha256")
        with self._guard(f"read the artifact of {name} {version}"):
            data = self._read(self._path(name, version, ARTIFACT))
        if data is None:
            raise RegistryError(f"artifact of {name} {version} is missing from {self.uri}")
        model = deserialize(data, expected, f"{name} {version}")
        return LoadedModel(name=name, version=version, manifest=manifest, model=model)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def open_registry(uri: str, storage_options: dict[str, Any] | None = None) -> Registry:
    """A registry on a local folder or an fsspec URL such as ``s3://bucket/prefix``."""
    if not uri:
        raise RegistryError("no registry location configured (paths.registry / LAKES_REGISTRY)")
    try:
        fs, root = fsspec.core.url_to_fs(uri, **(storage_options or {}))
    except (ImportError, ValueError, TypeError) as exc:
        raise RegistryError(f"cannot open registry {uri}: {exc}") from None
    if isinstance(fs, LocalFileSystem):
        root = os.path.abspath(root)
    return Registry(fs, root, uri)


def open_registry_from_settings(settings) -> Registry:
    return open_registry(settings.registry_uri, settings.registry_storage_options)
