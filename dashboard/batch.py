"""Batch prediction files: parse an uploaded CSV/JSON, map column names to the model's features,
and lay out the predictions with per-row errors. Pure functions; ``UploadError`` has a message
a person can act on.

Column names match a feature by its new name (``secchi_mean_m``), the original API key
(``Mean_Secchi_Depth_RESULT``) or the original CSV header (``Mean(Secchi_Depth_RESULT)``): the
last two differ only in punctuation, so names are compared with everything but letters and
digits removed, case-insensitively.
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import Sequence

import pandas as pd


class UploadError(ValueError):
    """The uploaded file cannot be used; the message says why."""


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def name_examples(features, prefer: Sequence[str] = ("log_phosphorus_mean", "secchi_mean_m"),
                  n: int = 2) -> list[tuple[str, str]]:
    """(new name, original name) of a few features, from the manifest (``features``: objects with ``name``
    and ``original_name``), the preferred ones first: the names the upload help text shows."""
    named = [f for f in features if f.original_name]
    ordered = sorted(named, key=lambda f: prefer.index(f.name) if f.name in prefer else len(prefer))
    return [(f.name, f.original_name) for f in ordered[:n]]


def decode_upload(contents: str, filename: str | None, max_bytes: int) -> bytes:
    """The bytes of a ``dcc.Upload`` data URL."""
    if not contents or "," not in contents:
        raise UploadError("the upload is empty")
    header, payload = contents.split(",", 1)
    if ";base64" not in header:
        raise UploadError("the upload is not base64-encoded")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise UploadError("the upload could not be decoded") from None
    if len(raw) > max_bytes:
        raise UploadError(f"{filename or 'the file'} is {len(raw):,} bytes; the limit is {max_bytes:,}")
    if not raw.strip():
        raise UploadError(f"{filename or 'the file'} is empty")
    return raw


def parse_rows(raw: bytes, filename: str | None, max_rows: int) -> pd.DataFrame:
    """Rows from CSV or JSON (a list of records, ``{"rows": [...]}``, or column arrays)."""
    name = (filename or "").lower()
    text = raw.decode("utf-8-sig", errors="replace")
    looks_json = name.endswith(".json") or text.lstrip()[:1] in ("[", "{")
    if looks_json:
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UploadError(f"{filename or 'the file'} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
        if isinstance(payload, dict) and "rows" in payload:
            payload = payload["rows"]
        if isinstance(payload, dict):
            try:
                frame = pd.DataFrame(payload)
            except ValueError as exc:
                raise UploadError(f"JSON columns must be arrays of equal length ({exc})") from None
        elif isinstance(payload, list) and all(isinstance(r, dict) for r in payload):
            frame = pd.DataFrame.from_records(payload)
        else:
            raise UploadError("JSON must be a list of {column: value} records or {\"rows\": [...]}")
    else:
        try:
            frame = pd.read_csv(io.StringIO(text))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise UploadError(f"{filename or 'the file'} is not a readable CSV: {str(exc).splitlines()[0]}") from None
    frame = frame.loc[:, [c for c in frame.columns if not str(c).startswith("Unnamed:")]]
    if frame.empty:
        raise UploadError(f"{filename or 'the file'} has no rows")
    if len(frame) > max_rows:
        raise UploadError(f"{filename or 'the file'} has {len(frame):,} rows; the limit is {max_rows:,}")
    return frame.reset_index(drop=True)


def column_mapping(columns: Sequence[str], features) -> tuple[dict[str, str], list[str]]:
    """({uploaded column: feature name}, unmatched columns) for a model's ``features``
    (objects with ``name`` and ``original_name``)."""
    lookup: dict[str, str] = {}
    for f in features:
        for alias in (f.name, f.original_name):
            if alias:
                lookup.setdefault(_key(alias), f.name)
    mapping, unmatched, taken = {}, [], set()
    for col in columns:
        target = lookup.get(_key(col))
        if target and target not in taken:
            mapping[col] = target
            taken.add(target)
        else:
            unmatched.append(col)
    return mapping, unmatched


def _number_or_text(value):
    """A CSV column with one bad cell is read as text: send numbers as numbers, leave the bad cell
    as it is so the API names it in that row's errors."""
    if isinstance(value, str):
        try:
            return float(value.replace(",", "")) if value.strip() else None
        except ValueError:
            return value
    return value


def feature_rows(frame: pd.DataFrame, mapping: dict[str, str], features=()) -> list[dict]:
    """Records with feature names; NaN becomes None (the API imputes optional features)."""
    numeric = {f.name for f in features if f.dtype in ("float", "int")}
    renamed = frame[list(mapping)].rename(columns=mapping)
    renamed = renamed.astype(object).where(renamed.notna(), None)
    rows = renamed.to_dict(orient="records")
    if numeric:
        rows = [{k: (_number_or_text(v) if k in numeric else v) for k, v in row.items()} for row in rows]
    return rows


def missing_required(mapping: dict[str, str], features) -> list[str]:
    present = set(mapping.values())
    return [f.name for f in features if f.required and f.name not in present]


def results_frame(frame: pd.DataFrame, batch, unit: str | None = "USD") -> pd.DataFrame:
    """The uploaded rows with ``predicted_<unit>``, ``lower``, ``upper``, ``imputed`` and ``errors`` columns."""
    preds = {p.index: p for p in batch.predictions}
    out = frame.copy()
    out.insert(0, "row", range(1, len(frame) + 1))
    suffix = (unit or "value").lower()
    out[f"predicted_{suffix}"] = [preds[i].value if i in preds else None for i in range(len(frame))]
    out[f"lower_{suffix}"] = [preds[i].lower if i in preds else None for i in range(len(frame))]
    out[f"upper_{suffix}"] = [preds[i].upper if i in preds else None for i in range(len(frame))]
    out["imputed"] = [", ".join(preds[i].imputed) if i in preds else "" for i in range(len(frame))]
    out["errors"] = ["; ".join(str(e) for e in preds[i].errors) if i in preds else "no answer for this row"
                     for i in range(len(frame))]
    return out


def display_columns(results: pd.DataFrame, mapping: dict[str, str], max_id_columns: int = 3) -> list[str]:
    """What the on-screen table shows: row, a few identifying (non-feature) columns, the predictions."""
    pred = [c for c in results.columns if c.startswith(("predicted_", "lower_", "upper_"))] + ["imputed", "errors"]
    other = [c for c in results.columns if c not in mapping and c not in pred and c != "row"]
    named = [c for c in other if any(w in _key(c) for w in ("name", "lake", "year", "site", "id"))]
    ids = (named + [c for c in other if c not in named])[:max_id_columns]
    return ["row", *ids, *pred]
