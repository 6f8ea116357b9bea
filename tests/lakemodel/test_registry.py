"""Local registry: publish/list/promote/load, atomic pointer, and refusal of tampered artifacts."""
from __future__ import annotations

import hashlib
import json
import os
import stat
import threading

import numpy as np
import pytest
import skops.io as sio

from lakemodel import features as F
from lakemodel.features import FeatureError
from lakemodel.registry import (
    VERSION_RE,
    NotFoundError,
    RegistryError,
    TamperedArtifactError,
    open_registry,
)
from lakemodel.train import train_model

#: set by Trap.__setstate__ if skops ever rebuilt one (it must not)
TRAP_FIRED: list[str] = []


class Trap:
    """An untrusted type: building one from an artifact would run our code."""

    def __setstate__(self, state):
        TRAP_FIRED.append("built")
        self.__dict__.update(state)


@pytest.fixture(scope="module")
def trained(settings, tables):
    """A real model (ice-out, ridge: quick) and its manifest."""
    return train_model(settings, "iceout_doy", tables)


@pytest.fixture()
def registry(tmp_path):
    return open_registry(str(tmp_path / "reg"))


def _artifact(registry, name, version):
    return os.path.join(registry.root, name, version, "model.skops")


def _manifest_path(registry, name, version):
    return os.path.join(registry.root, name, version, "manifest.json")


def test_round_trip(registry, trained, tables):
    assert registry.list_models() == []
    v1 = registry.publish("iceout_doy", trained.model, trained.manifest, promote=False)
    assert VERSION_RE.match(v1)
    assert registry.production_version("iceout_doy") is None
    with pytest.raises(RegistryError, match="no production version"):
        registry.load("iceout_doy")
    v2 = registry.publish("iceout_doy", trained.model, trained.manifest)
    assert registry.list_models() == ["iceout_doy"]
    assert registry.list_versions("iceout_doy") == sorted([v1, v2]) == [v1, v2]  # timestamps sort
    assert registry.production_version("iceout_doy") == v2
    registry.promote("iceout_doy", v1)
    assert registry.production_version("iceout_doy") == v1

    loaded = registry.load("iceout_doy")
    assert loaded.version == v1 and loaded.name == "iceout_doy"
    manifest = registry.manifest("iceout_doy", v1)
    data = open(_artifact(registry, "iceout_doy", v1), "rb").read()
    assert manifest["artifact_sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["created_at"].endswith("Z") and manifest["version"] == v1
    assert manifest["metrics"] == trained.manifest["metrics"]

    rows = F.iceout_frame(tables, 1950).head(7)
    pred = loaded.predict(rows)
    expected = trained.model.predict_interval(F.coerce_features(rows, trained.manifest["features"]))
    for got, want in zip((pred.value, pred.lower, pred.upper), expected):
        np.testing.assert_allclose(got, want)
    assert loaded.unit == "day of year" and loaded.interval_level == 0.8


def test_predict_checks_required_and_imputes_optional(registry, trained):
    registry.publish("iceout_doy", trained.model, trained.manifest)
    loaded = registry.load("iceout_doy")
    import pandas as pd

    only_required = loaded.predict(pd.DataFrame({"latitude": [45.0, 48.0], "longitude": [-93.5, -93.5], "year": [2000, 2000]}))
    assert only_required.value[1] > only_required.value[0]  # further north, later ice-out
    with pytest.raises(FeatureError, match="year is required"):
        loaded.predict(pd.DataFrame({"latitude": [45.0], "longitude": [-93.5]}))


def test_unknown_names_and_versions(registry, trained):
    version = registry.publish("iceout_doy", trained.model, trained.manifest)
    with pytest.raises(NotFoundError, match="unknown model 'nope'"):
        registry.load("nope")
    with pytest.raises(NotFoundError, match="unknown version"):
        registry.promote("iceout_doy", "20000101T000000000Z-00000000")
    with pytest.raises(NotFoundError):
        registry.manifest("iceout_doy", "../../etc")
    with pytest.raises(NotFoundError):
        registry.list_versions("../x")
    assert registry.production_version("iceout_doy") == version


def test_files_are_readable_and_no_temp_files_remain(registry, trained):
    version = registry.publish("iceout_doy", trained.model, trained.manifest)
    folder = os.path.join(registry.root, "iceout_doy")
    names = sorted(os.listdir(folder))
    assert names == sorted([version, "production.json"])
    mode = os.stat(os.path.join(folder, "production.json")).st_mode
    assert mode & stat.S_IROTH
    assert json.load(open(os.path.join(folder, "production.json"))) == {"version": version}


def test_pointer_switch_is_atomic_under_concurrent_reads(registry, trained):
    a = registry.publish("iceout_doy", trained.model, trained.manifest)
    b = registry.publish("iceout_doy", trained.model, trained.manifest)
    seen, errors, done = set(), [], threading.Event()

    def reader():
        while not done.is_set():
            try:
                seen.add(registry.production_version("iceout_doy"))
            except Exception as exc:  # a torn write would show up here
                errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(300):
        registry.promote("iceout_doy", a if i % 2 else b)
    done.set()
    thread.join()
    assert not errors
    assert seen <= {a, b} and seen


def test_flipped_byte_is_refused(registry, trained):
    version = registry.publish("iceout_doy", trained.model, trained.manifest)
    path = _artifact(registry, "iceout_doy", version)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0x01
    open(path, "wb").write(bytes(data))
    with pytest.raises(TamperedArtifactError, match="does not match the manifest"):
        registry.load("iceout_doy", version)


def test_swapped_valid_artifact_is_refused(registry, trained, settings, tables):
    v1 = registry.publish("iceout_doy", trained.model, trained.manifest)
    other = train_model(settings, "iceout_doy", tables, estimator="hist_gradient_boosting")
    v2 = registry.publish("iceout_doy", other.model, other.manifest)
    os.replace(_artifact(registry, "iceout_doy", v2), _artifact(registry, "iceout_doy", v1))
    with pytest.raises(TamperedArtifactError):
        registry.load("iceout_doy", v1)


def test_edited_manifest_hash_is_refused(registry, trained):
    version = registry.publish("iceout_doy", trained.model, trained.manifest)
    path = _manifest_path(registry, "iceout_doy", version)
    manifest = json.load(open(path))
    manifest["artifact_sha256"] = hashlib.sha256(b"something else").hexdigest()
    open(path, "w").write(json.dumps(manifest))
    with pytest.raises(TamperedArtifactError, match="does not match"):
        registry.load("iceout_doy", version)
    manifest["artifact_sha256"] = "not-a-hash"
    open(path, "w").write(json.dumps(manifest))
    with pytest.raises(TamperedArtifactError, match="no valid artifact_sha256"):
        registry.load("iceout_doy", version)


def test_untrusted_types_are_never_built(registry, trained):
    """Even with a consistent manifest hash, an artifact holding an unknown type is refused unbuilt."""
    version = registry.publish("iceout_doy", trained.model, trained.manifest)
    trap = Trap()
    trap.payload = [1, 2, 3]
    data = sio.dumps(trap)
    open(_artifact(registry, "iceout_doy", version), "wb").write(data)
    path = _manifest_path(registry, "iceout_doy", version)
    manifest = json.load(open(path))
    manifest["artifact_sha256"] = hashlib.sha256(data).hexdigest()
    open(path, "w").write(json.dumps(manifest))
    with pytest.raises(TamperedArtifactError, match="untrusted types"):
        registry.load("iceout_doy", version)
    assert TRAP_FIRED == []


def test_manifest_of_another_version_is_refused(registry, trained):
    v1 = registry.publish("iceout_doy", trained.model, trained.manifest)
    v2 = registry.publish("iceout_doy", trained.model, trained.manifest)
    os.replace(_manifest_path(registry, "iceout_doy", v2), _manifest_path(registry, "iceout_doy", v1))
    with pytest.raises(TamperedArtifactError, match="does not describe"):
        registry.load("iceout_doy", v1)
