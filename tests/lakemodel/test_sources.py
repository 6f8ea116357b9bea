"""Checksummed retrieval from the mirror: verified copies, honest logs, tampered files refused."""
from __future__ import annotations

import logging
import shutil

import pytest

from lakemodel.settings import load_settings
from lakemodel.sources import ChecksumError, DataError, fetch, sha256_of


@pytest.fixture
def private_settings(tmp_path, data_mirror):
    """Settings with their own empty data cache, reading the real mirror."""
    return load_settings(env={"LAKES_DATA_MIRROR": str(data_mirror), "LAKES_DATA_DIR": str(tmp_path / "data")})


def test_fetch_copies_and_verifies(private_settings, data_mirror, caplog):
    caplog.set_level(logging.INFO)
    got = fetch(private_settings, "mn_iceout")
    assert got.path == private_settings.raw_dir / "mn_iceout.rda"
    assert sha256_of(got.path) == private_settings.sources["mn_iceout"].sha256 == got.sha256
    assert got.path.read_bytes() == (data_mirror / "mn_iceout.rda").read_bytes()
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "from the data mirror" in messages
    assert "Downloading" not in messages  # nothing was downloaded


def test_second_fetch_uses_cache(private_settings, caplog):
    fetch(private_settings, "mn_iceout")
    caplog.clear()
    caplog.set_level(logging.INFO)
    fetch(private_settings, "mn_iceout")
    assert not any("mirror" in r.getMessage() for r in caplog.records)


def test_corrupted_cache_is_refetched(private_settings):
    path = fetch(private_settings, "mn_iceout").path
    path.write_bytes(b"corrupted")
    again = fetch(private_settings, "mn_iceout")
    assert sha256_of(again.path) == private_settings.sources["mn_iceout"].sha256


def test_tampered_mirror_is_refused(tmp_path, data_mirror):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    original = data_mirror / "lake_data_for_viz.csv"
    tampered = mirror / original.name
    shutil.copyfile(original, tampered)
    data = bytearray(tampered.read_bytes())
    data[-5:-4] = b"9" if data[-5:-4] != b"9" else b"8"
    tampered.write_bytes(bytes(data))
    settings = load_settings(env={"LAKES_DATA_MIRROR": str(mirror), "LAKES_DATA_DIR": str(tmp_path / "data")})
    expected = settings.sources["lake_data_for_viz"].sha256
    with pytest.raises(ChecksumError) as err:
        fetch(settings, "lake_data_for_viz")
    actual = sha256_of(tampered)
    assert err.value.name == "lake_data_for_viz.csv"
    assert err.value.expected == expected and err.value.actual == actual
    assert "lake_data_for_viz.csv" in str(err.value) and expected in str(err.value) and actual in str(err.value)
    leftovers = list(settings.raw_dir.iterdir()) if settings.raw_dir.exists() else []
    assert leftovers == [], f"half-written files left in the cache: {leftovers}"


def test_file_missing_from_mirror(tmp_path):
    empty = tmp_path / "empty_mirror"
    empty.mkdir()
    settings = load_settings(env={"LAKES_DATA_MIRROR": str(empty), "LAKES_DATA_DIR": str(tmp_path / "data")})
    with pytest.raises(DataError, match="mn_iceout.rda is not in the data mirror"):
        fetch(settings, "mn_iceout")


def test_unknown_source_lists_known(private_settings):
    with pytest.raises(DataError, match="unknown data source 'nope'.*mn_iceout"):
        fetch(private_settings, "nope")
