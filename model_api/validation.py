"""Vectorised validation of prediction rows against a model's manifest feature schema.

One pass per feature column over the whole batch (numpy), not a pydantic model per row: a batch
of 1,000 rows costs a few milliseconds. Decisions (documented in docs/api.md):
- a missing or null *required* feature, a value of the wrong type, a non-integer for an ``int``
  feature, an unknown field: an error for that row (the row is not predicted, the others are);
- a missing *optional* feature is imputed by the model's pipeline (training medians / "Missing")
  and listed in the row's ``imputed``;
- a number outside the training range is accepted with a warning (tree models extrapolate flat);
- an unknown category is accepted with a warning: the pipeline treats it as its rare label.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Sequence

import numpy as np

_NUMBER_TYPES = {int, float, type(None)}
_TEXT_TYPES = {str, type(None)}


@dataclass
class ValidatedRows:
    n: int
    columns: dict[str, Any]          # feature -> float array (numeric) or object list (category), valid rows
    valid: np.ndarray                # indices (into the request) of rows to predict
    errors: dict[int, list[dict]] = field(default_factory=dict)
    warnings: dict[int, list[dict]] = field(default_factory=dict)
    imputed: list[list[str]] = field(default_factory=list)  # per valid row


def _add(store: dict[int, list[dict]], rows: np.ndarray, loc_prefix: tuple, name: str, msg: str) -> None:
    for i in rows.tolist():
        store.setdefault(i, []).append({"loc": [*loc_prefix, i, name], "msg": msg})


def _numbers(values: list, name: str, n: int, errors: dict, loc: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Float array (NaN = missing) and the mask of rows that got a type error (set to NaN)."""
    bad = np.zeros(n, dtype=bool)
    if set(map(type, values)) <= _NUMBER_TYPES:
        arr = np.array(values, dtype=float) if n else np.zeros(0)
    else:
        arr = np.full(n, np.nan)
        for i, v in enumerate(values):
            if v is None:
                continue
            if type(v) in (int, float):
                arr[i] = v
            else:
                bad[i] = True
        _add(errors, np.flatnonzero(bad), loc, name, "must be a number")
    infinite = np.isinf(arr)
    if infinite.any():
        _add(errors, np.flatnonzero(infinite), loc, name, "must be a finite number")
        arr[infinite] = np.nan
        bad |= infinite
    return arr, bad


def validate_rows(rows: Sequence[Any], features: list[dict], loc: tuple = ("body", "rows"),
                  original_names: bool = False, ignore_unknown: bool = False) -> ValidatedRows:
    """Check ``rows`` (JSON objects) against the manifest ``features``.

    ``original_names`` reads each feature from its ``original_name`` key (the original API's
    payload) instead of its name; ``ignore_unknown`` drops unknown keys instead of refusing them.
    """
    n = len(rows)
    errors: dict[int, list[dict]] = {}
    warnings: dict[int, list[dict]] = {}
    not_objects = [i for i, r in enumerate(rows) if not isinstance(r, dict)]
    for i in not_objects:
        errors[i] = [{"loc": [*loc, i], "msg": "row must be a JSON object of feature values"}]
    dict_rows = [r if isinstance(r, dict) else {} for r in rows]
    flagged = np.zeros(n, dtype=bool)
    flagged[not_objects] = True
    keys = {f["name"]: (f.get("original_name") or f["name"]) if original_names else f["name"] for f in features}
    if not ignore_unknown:
        known = set(keys.values())
        present = set().union(*dict_rows) if dict_rows else set()
        for extra in sorted(present - known, key=str):
            bad = np.asarray([i for i, r in enumerate(dict_rows) if extra in r], dtype=int)
            _add(errors, bad, loc, str(extra), "unknown feature")
    columns: dict[str, Any] = {}
    missing = np.zeros((n, len(features)), dtype=bool)
    for j, feat in enumerate(features):
        name, key = feat["name"], keys[feat["name"]]
        values = list(map(dict.get, dict_rows, repeat(key)))  # C-level loop over the rows
        if feat["dtype"] == "category":
            col = np.fromiter(values, dtype=object, count=n)  # never broadcasts nested lists
            bad = np.zeros(n, dtype=bool)
            if not set(map(type, values)) <= _TEXT_TYPES:
                bad = np.array([v is not None and not isinstance(v, str) for v in values], dtype=bool)
                _add(errors, np.flatnonzero(bad), loc, key, "must be a string")
                col[bad] = None
            is_missing = np.array([v is None for v in col], dtype=bool)
            categories = feat.get("categories")
            if categories:
                known_cats = set(categories)
                unknown = np.flatnonzero(np.array([v is not None and v not in known_cats for v in col], bool))
                _add(warnings, unknown, loc, key, "unknown category: treated as the model's rare label")
        else:
            col, bad = _numbers(values, key, n, errors, loc)
            is_missing = np.isnan(col)
            if feat["dtype"] == "int":
                fractional = np.flatnonzero(~is_missing & (np.mod(col, 1) != 0))
                _add(errors, fractional, loc, key, "must be an integer")
            lo, hi = feat.get("min"), feat.get("max")
            if lo is not None and hi is not None:
                outside = np.flatnonzero(~is_missing & ((col < lo) | (col > hi)))
                _add(warnings, outside, loc, key, f"outside the training range [{lo}, {hi}]: extrapolated")
        if feat.get("required"):
            absent = np.flatnonzero(is_missing & ~bad & ~flagged)
            _add(errors, absent, loc, key, "field required")
        missing[:, j] = is_missing
        columns[name] = col
    valid = np.asarray(sorted(set(range(n)) - set(errors)), dtype=int)
    if valid.size < n:
        columns = {k: (v[valid] if isinstance(v, np.ndarray) else [v[i] for i in valid]) for k, v in columns.items()}
    imputed = _imputed_lists(missing[valid], [f["name"] for f in features])
    return ValidatedRows(n=n, columns=columns, valid=valid, errors=errors, warnings=warnings, imputed=imputed)


def _imputed_lists(missing: np.ndarray, names: list[str]) -> list[list[str]]:
    """Per row, the names of missing features; rows share the list of their missing pattern."""
    if missing.size == 0 or not missing.any():
        return [[] for _ in range(missing.shape[0])]
    keys = np.packbits(missing, axis=1)
    cache: dict[bytes, list[str]] = {}
    out = []
    for i, key in enumerate(map(bytes, keys)):
        names_i = cache.get(key)
        if names_i is None:
            names_i = cache[key] = [n for n, m in zip(names, missing[i]) if m]
        out.append(names_i)
    return out


def finite_or_none(values: np.ndarray | None) -> list:
    if values is None:
        return []
    return [v if math.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]
