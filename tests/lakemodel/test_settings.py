"""Configuration: the real config loads, bad configs fail with one clear line, env overrides apply."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from lakemodel.settings import DEFAULT_CONFIG, PROJECT_ROOT, ConfigError, load_settings


def _write_variant(tmp_path: Path, edit) -> Path:
    """A copy of the real config with one targeted text edit."""
    text = DEFAULT_CONFIG.read_text()
    edited = edit(text)
    assert edited != text, "the edit did not apply"
    path = tmp_path / "lakes.toml"
    path.write_text(edited)
    return path


def test_real_config_loads_every_section():
    settings = load_settings(env={})
    raw = tomllib.loads(DEFAULT_CONFIG.read_text())
    assert set(settings.sources) == set(raw["sources"])
    for name, source in settings.sources.items():
        assert source.sha256 == raw["sources"][name]["sha256"]
    assert settings.validation.secchi_m == tuple(raw["validation"]["secchi_m"])
    assert settings.tables.iceout_source_priority == tuple(raw["tables"]["iceout_source_priority"])
    assert settings.dnr_api.retries == raw["dnr_api"]["retries"]


def test_unknown_key_names_the_key(tmp_path):
    path = _write_variant(tmp_path, lambda t: t.replace("[validation]\n", "[validation]\nsechi_m = [0, 1]\n", 1))
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    message = str(err.value)
    assert "validation.sechi_m" in message and str(path) in message
    assert "\n" not in message


def test_unknown_section_is_refused(tmp_path):
    path = _write_variant(tmp_path, lambda t: t + "\n[tabels]\nreport_examples = 3\n")
    with pytest.raises(ConfigError, match="tabels"):
        load_settings(path, env={})


def test_wrong_type_names_the_key(tmp_path):
    path = _write_variant(tmp_path, lambda t: t.replace("retries = 3", 'retries = "three"', 1))
    with pytest.raises(ConfigError, match=r"dnr_api\.retries"):
        load_settings(path, env={})


def test_bad_checksum_format_is_refused(tmp_path):
    path = _write_variant(tmp_path, lambda t: t.replace(
        "31f84df63e945442ef60f866cad9e58a8dca0395db2f5c202c506df66006950b", "not-a-hash", 1))
    with pytest.raises(ConfigError, match=r"sources\.lake_data_for_viz\.sha256"):
        load_settings(path, env={})


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="configuration file not found") as err:
        load_settings(missing, env={})
    assert str(missing) in str(err.value)


def test_invalid_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[paths\ndata_dir = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, env={})


def test_env_overrides_locations(tmp_path):
    env = {"LAKES_DATA_DIR": str(tmp_path / "d"), "LAKES_REGISTRY": "s3://bucket/models",
           "LAKES_DATA_MIRROR": str(tmp_path / "m")}
    settings = load_settings(env=env)
    assert settings.raw_dir == tmp_path / "d" / "raw"
    assert settings.tables_dir == tmp_path / "d" / "tables"
    assert settings.registry_uri == "s3://bucket/models"
    assert settings.mirror_dir == tmp_path / "m"


def test_env_selects_config_file(tmp_path):
    path = _write_variant(tmp_path, lambda t: t.replace("report_examples = 5", "report_examples = 2", 1))
    assert load_settings(env={"LAKES_CONFIG": str(path)}).tables.report_examples == 2
    assert load_settings(path, env={}).tables.report_examples == 2


def test_without_env_relative_paths_resolve_to_project(tmp_path):
    settings = load_settings(env={})
    raw = tomllib.loads(DEFAULT_CONFIG.read_text())["paths"]
    assert settings.data_dir == PROJECT_ROOT / raw["data_dir"]
    assert settings.mirror_dir is None if not raw["mirror"] else settings.mirror_dir is not None


def test_settings_are_frozen():
    settings = load_settings(env={})
    with pytest.raises(Exception):
        settings.tables.report_examples = 9  # type: ignore[misc]
