"""The CLI as a subprocess: exit codes, one-line errors, stage lines, the registry it writes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from lakemodel.registry import open_registry
from lakemodel.settings import PROJECT_ROOT


def run(env: dict, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lakemodel", *args], cwd=PROJECT_ROOT,
                          env={**os.environ, "OMP_NUM_THREADS": "1", **env},
                          capture_output=True, text=True, timeout=timeout)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture()
def env(session_env, tables, tmp_path) -> dict:
    """The session's data (tables built) and an empty registry of this test's own."""
    return {**session_env, "LAKES_REGISTRY": str(tmp_path / "registry")}


def test_help_lists_commands(env):
    proc = run(env, "--help")
    assert proc.returncode == 0
    for command in ("fetch", "build", "validate", "train", "evaluate", "list", "promote"):
        assert command in proc.stdout
    sub = run(env, "train", "--help")
    assert sub.returncode == 0 and "--estimator" in sub.stdout and "hist_gradient_boosting" in sub.stdout


def test_usage_errors_exit_2_in_one_line(env):
    for args, text in ((["bogus"], "invalid choice"),
                       (["train", "--model", "nope"], "unknown model 'nope'"),
                       (["train", "--estimator", "lasso"], "invalid choice: 'lasso'"),
                       (["promote", "nope", "20000101T000000000Z-00000000"], "unknown model 'nope'"),
                       (["promote", "iceout_doy", "v1"], "unknown version 'v1'")):
        proc = run(env, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert text in one_line_error(proc)


def test_train_list_promote_cycle(env):
    before = run(env, "list", "--check-production")
    assert before.returncode == 3
    assert "no production version for: property_value, secchi_forecast, iceout_doy" in before.stderr

    first = run(env, "train")
    assert first.returncode == 0, first.stderr
    assert "done in" in first.stderr and "iceout_doy: evaluated" in first.stderr  # stage lines on stderr
    assert first.stdout.count("beats baseline") == 3
    registry = open_registry(env["LAKES_REGISTRY"])
    v1 = registry.production_version("iceout_doy")
    assert v1 in first.stdout
    assert run(env, "list", "--check-production").returncode == 0

    second = run(env, "train", "--model", "iceout_doy", "--estimator", "hist_gradient_boosting", "--no-promote")
    assert second.returncode == 0, second.stderr
    v2 = registry.list_versions("iceout_doy")[-1]
    assert v2 != v1 and registry.production_version("iceout_doy") == v1
    assert registry.manifest("iceout_doy", v2)["estimator"] == "hist_gradient_boosting"

    promoted = run(env, "promote", "iceout_doy", v2)
    assert promoted.returncode == 0 and f"{v1} -> {v2}" in promoted.stdout
    assert registry.production_version("iceout_doy") == v2
    listed = run(env, "list", "--versions")
    assert listed.returncode == 0
    assert f"{v2}  (production)" in listed.stdout and f"  {v1}\n" in listed.stdout


def test_bad_config_exits_2(env, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[training]\nseed = 'x'\n")
    proc = run({**env, "LAKES_CONFIG": str(bad)}, "list")
    assert proc.returncode == 2
    assert one_line_error(proc).startswith("configuration error:")


def test_missing_and_tampered_data_exit_1(env, tmp_path, data_mirror):
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    fresh = {**env, "LAKES_DATA_DIR": str(tmp_path / "d1"), "LAKES_DATA_MIRROR": str(empty)}
    proc = run(fresh, "fetch")
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if not line.startswith("[")]  # minus stage lines
    assert len(errors) == 1 and "is not in the data mirror" in errors[0] and "Traceback" not in proc.stderr

    tampered = tmp_path / "tampered-mirror"
    shutil.copytree(data_mirror, tampered)
    target = tampered / "lake_data_for_viz.csv"
    data = bytearray(target.read_bytes())
    data[500] ^= 0x01
    target.write_bytes(bytes(data))
    proc = run({**env, "LAKES_DATA_DIR": str(tmp_path / "d2"), "LAKES_DATA_MIRROR": str(tampered)}, "build")
    assert proc.returncode == 1
    assert "checksum mismatch for lake_data_for_viz.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_train_without_tables_builds_them_first(session_env, tmp_path):
    env = {**session_env, "LAKES_DATA_DIR": str(tmp_path / "data"), "LAKES_REGISTRY": str(tmp_path / "reg")}
    proc = run(env, "evaluate", "--model", "iceout_doy")
    assert proc.returncode == 0, proc.stderr
    assert "tables not built yet: build them done in" in proc.stderr
    assert proc.stdout.startswith("iceout_doy") and "beats baseline" in proc.stdout
    assert not os.path.exists(env["LAKES_REGISTRY"])  # evaluate publishes nothing
