"""A production model as the API serves it: manifest facts, fast small-batch path, smoke test."""
from __future__ import annotations

import logging
from typing import Any, Mapping

import numpy as np
import pandas as pd

log = logging.getLogger("model_api")


class ServedModel:
    """Wraps ``lakemodel.registry.LoadedModel``; immutable once built (swapped whole on reload)."""

    def __init__(self, loaded, fast_path_max_rows: int = 10_000):
        self.loaded = loaded
        self.name: str = loaded.name
        self.version: str = loaded.version
        self.manifest: dict[str, Any] = loaded.manifest
        self.features: list[dict] = list(self.manifest.get("features") or [])
        self.feature_names = [f["name"] for f in self.features]
        self.unit: str = self.manifest.get("target_unit", "")
        self.interval_level = (self.manifest.get("interval") or {}).get("level")
        self.fast_path_max_rows = fast_path_max_rows
        self.fast = None
        if fast_path_max_rows > 0:
            from lakemodel.fastpath import FastPredictor

            self.fast = FastPredictor.from_model(loaded.model)

    def predict_columns(self, columns: Mapping[str, Any], n: int):
        """(value, lower, upper) for validated feature columns of ``n`` rows."""
        if n == 0:
            empty = np.zeros(0)
            return empty, None, None
        if self.fast is not None and n <= self.fast_path_max_rows:
            return self.fast.predict_interval(columns, n)
        frame = pd.DataFrame({name: columns[name] for name in self.feature_names})
        pred = self.loaded.predict(frame)
        return pred.value, pred.lower, pred.upper

    def predict_frame(self, frame: pd.DataFrame, scale: float | np.ndarray = 1.0):
        return self.loaded.predict(frame, scale=scale) if scale is not None else self.loaded.predict(frame)

    def probe_columns(self) -> dict[str, Any]:
        """One plausible row: range midpoints, first category; optional features left missing."""
        columns: dict[str, Any] = {}
        for feat in self.features:
            if feat["dtype"] == "category":
                cats = feat.get("categories") or []
                columns[feat["name"]] = np.array([cats[0] if cats else None], dtype=object)
            else:
                lo, hi = feat.get("min"), feat.get("max")
                mid = (lo + hi) / 2 if lo is not None and hi is not None else np.nan
                if feat["dtype"] == "int" and np.isfinite(mid):
                    mid = float(round(mid))
                if not feat.get("required"):
                    mid = np.nan
                columns[feat["name"]] = np.array([mid], dtype=float)
        return columns

    def smoke_test(self) -> None:
        """Refuse a model that cannot predict a plausible row; verify the fast path against it."""
        if not self.features:
            raise ValueError("manifest has no feature schema")
        columns = self.probe_columns()
        frame = pd.DataFrame(columns)
        pred = self.loaded.predict(frame)
        if not np.all(np.isfinite(pred.value)):
            raise ValueError("smoke prediction is not a finite number")
        if self.fast is not None:
            try:
                value, lower, upper = self.fast.predict_interval(columns, 1)
                same = np.allclose(value, pred.value, rtol=1e-9, atol=1e-9) and \
                    (lower is None) == (pred.lower is None)
            except Exception:  # an accelerator that breaks must not take a good model down
                log.exception("model %s %s: fast path failed", self.name, self.version)
                same = False
            if not same:
                log.warning("model %s %s: fast path disagrees with the pipeline; disabled", self.name, self.version)
                self.fast = None

    def info(self) -> dict[str, Any]:
        """ModelInfo: the manifest without the training config internals."""
        return {k: v for k, v in self.manifest.items() if k != "config"}


class FastModelView:
    """The ``LoadedModel`` interface lakemodel.forecast expects, predicting via the fast path.

    Forecasts predict a handful of rows many times (one per horizon year); each call through the
    pandas pipeline costs ~10 ms, through the fast path well under 1 ms.
    """

    def __init__(self, served: ServedModel):
        self._served = served
        loaded = served.loaded
        self.name, self.version, self.manifest = loaded.name, loaded.version, loaded.manifest
        self.unit = served.unit
        self.features = loaded.features

    @property
    def feature_names(self) -> list[str]:
        return self._served.feature_names

    def predict(self, frame: pd.DataFrame, scale: float | np.ndarray = 1.0):
        served = self._served
        n = len(frame)
        if served.fast is None or n > served.fast_path_max_rows or n == 0:
            return served.loaded.predict(frame, scale=scale)
        from lakemodel.features import coerce_features
        from lakemodel.registry import Prediction

        X = coerce_features(frame, self.features)
        columns = {f["name"]: (X[f["name"]].tolist() if f["dtype"] == "category"
                               else X[f["name"]].to_numpy(dtype=float)) for f in self.features}
        value, lower, upper = served.fast.predict_interval(columns, n, scale=scale)
        return Prediction(value=value, lower=lower, upper=upper)
