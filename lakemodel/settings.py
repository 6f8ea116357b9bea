"""Typed settings: one object built from ``config/lakes.toml`` plus environment overrides.

Created once at start-up and passed down; nothing deeper in the code reads ``os.environ``.
Unknown keys and wrong types fail at load time with a message naming the key.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "lakes.toml"

#: Environment variables that override locations (name -> dotted settings path).
ENV_OVERRIDES = {
    "LAKES_CONFIG": None,  # which TOML file to read (handled in load_settings)
    "LAKES_DATA_DIR": ("paths", "data_dir"),
    "LAKES_REGISTRY": ("paths", "registry"),
    "LAKES_DATA_MIRROR": ("paths", "mirror"),
    "LAKES_S3_ENDPOINT_URL": ("registry", "endpoint_url"),
}


class ConfigError(Exception):
    """The configuration file is missing, malformed or has unknown keys / wrong types."""


class UnknownModelError(ConfigError):
    """A model name that is not configured in ``[models.*]``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(_Strict):
    data_dir: str = "data"
    registry: str = "registry"
    mirror: str = ""


class Source(_Strict):
    file: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")  # local (and mirror) file name
    url: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    description: str = ""


class DnrApi(_Strict):
    iceout_by_lake_url: str
    iceout_by_year_url: str
    timeout_s: float = 10.0
    retries: int = Field(3, ge=0)
    backoff_s: float = Field(0.5, ge=0)
    min_interval_s: float = Field(1.0, ge=0)
    max_retry_after_s: float = Field(60.0, ge=0)  # cap on a server's Retry-After
    user_agent: str = "lakemodel (Minnesota Lake Dashboard)"


class Validation(_Strict):
    secchi_m: tuple[float, float] = (0.0, 20.0)
    phosphorus_mg_l: tuple[float, float] = (0.0, 2.0)
    latitude: tuple[float, float] = (43.4, 49.4)
    longitude: tuple[float, float] = (-97.3, -89.4)
    monitoring_years: tuple[int, int] = (1990, 2030)
    iceout_years: tuple[int, int] = (1843, 2030)
    iceout_doy: tuple[int, int] = (40, 170)


class TablesConfig(_Strict):
    """How the tidy tables are built (roll-up and de-duplication rules, see docs/data.md)."""

    #: Ice-out sources, most trusted first: breaks ties between the two middle votes of a lake-year.
    iceout_source_priority: tuple[str, ...] = ("MNDNR-SCO", "MNDNR-LAKESDB", "MNDNR-LLMMP", "MNPCA")
    #: Examples kept per validation issue in validation_report.json.
    report_examples: int = Field(5, ge=0)


class Training(_Strict):
    seed: int = 42
    cv_folds: int = Field(5, ge=2)
    interval_level: float = Field(0.8, gt=0, lt=1)
    #: OpenMP/BLAS threads while training. Small tables train faster on one thread than with
    #: OpenMP threads spinning against other processes; 0 leaves the libraries' default.
    threads: int = Field(1, ge=0)


ESTIMATORS = ("ridge", "random_forest", "hist_gradient_boosting")
EstimatorName = Literal["ridge", "random_forest", "hist_gradient_boosting"]


class ModelSpec(_Strict):
    """One model: which estimator, how it is evaluated, and its hyper-parameters.

    ``params`` is keyed by estimator name so that swapping ``estimator`` is a one-word edit.
    """

    target: str
    estimator: EstimatorName
    split: Literal["group_kfold", "forward_time"]
    baseline: Literal["median", "last_value", "lake_mean"]
    params: dict[EstimatorName, dict[str, Any]] = Field(default_factory=dict)
    interval_method: Literal["split_conformal"] = "split_conformal"
    rare_label_min_share: float = Field(0.01, ge=0, lt=1)
    log_target: bool = False
    test_from_year: int | None = None
    min_year: int | None = None
    window_years: int = Field(3, ge=2)          # history window of the Secchi forecast features
    baseline_neighbors: int = Field(5, ge=1)    # nearest training lakes used by the lake_mean fallback
    trend_feature: str | None = None            # fitted as a linear trend, the estimator models the rest
    offset_feature: str | None = None           # the estimator models the target relative to this feature
    max_horizon: int = Field(10, ge=1)          # longest forecast the helpers accept

    def estimator_params(self, estimator: str | None = None) -> dict[str, Any]:
        return dict(self.params.get(estimator or self.estimator, {}))


class RegistrySettings(_Strict):
    """Storage options for an ``s3://`` registry (credentials come from the standard AWS chain)."""

    endpoint_url: str = ""   # LAKES_S3_ENDPOINT_URL, e.g. a MinIO or moto server
    region: str = ""


class Settings(_Strict):
    paths: Paths = Paths()
    sources: dict[str, Source]
    dnr_api: DnrApi
    validation: Validation = Validation()
    tables: TablesConfig = TablesConfig()
    training: Training = Training()
    models: dict[str, ModelSpec]
    registry: RegistrySettings = RegistrySettings()
    # Sections owned by the later services; typed by their own packages.
    api: dict[str, Any] = Field(default_factory=dict)
    client: dict[str, Any] = Field(default_factory=dict)
    dashboard: dict[str, Any] = Field(default_factory=dict)

    # -- derived locations -------------------------------------------------------------
    def _resolve(self, value: str) -> str:
        if not value or "://" in value:
            return value
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else PROJECT_ROOT / path)

    @property
    def data_dir(self) -> Path:
        return Path(self._resolve(self.paths.data_dir))

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def tables_dir(self) -> Path:
        return self.data_dir / "tables"

    @property
    def registry_uri(self) -> str:
        return self._resolve(self.paths.registry)

    @property
    def registry_storage_options(self) -> dict[str, Any]:
        """fsspec storage options for the registry (empty for a local folder)."""
        if not self.registry_uri.startswith("s3://"):
            return {}
        kwargs: dict[str, Any] = {}
        if self.registry.endpoint_url:
            kwargs["endpoint_url"] = self.registry.endpoint_url
        if self.registry.region:
            kwargs["region_name"] = self.registry.region
        return {"client_kwargs": kwargs} if kwargs else {}

    @property
    def mirror_dir(self) -> Path | None:
        return Path(self._resolve(self.paths.mirror)) if self.paths.mirror else None


def _format_errors(exc: ValidationError, origin: str) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}")
    return f"invalid configuration in {origin}: " + "; ".join(parts)


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read the TOML config, apply environment overrides, validate strictly."""
    env = dict(os.environ if env is None else env)
    config_path = Path(path or env.get("LAKES_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = tomllib.loads(config_path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {config_path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {config_path} is not valid TOML: {exc}") from None
    for var, dotted in ENV_OVERRIDES.items():
        if dotted and env.get(var):
            section, key = dotted
            raw.setdefault(section, {})[key] = env[var]
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, str(config_path))) from None
