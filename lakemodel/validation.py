"""Row-level validation that never crashes the pipeline.

Each check takes a frame, returns a cleaned copy and records what it did in a ``TableReport``:
a bad row is dropped (its key is unusable), a bad value is nulled (the rest of the row is still
good) or repaired (the right value can be derived). The report is written as
``validation_report.json`` next to the tables, so every silent loss of the original project is
now counted, with a few examples. Rules and actions are listed in docs/data.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

import numpy as np
import pandas as pd

Action = Literal["dropped", "repaired", "nulled"]


@dataclass
class Issue:
    rule: str
    column: str
    count: int
    action: Action
    examples: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "column": self.column, "count": self.count,
                "action": self.action, "examples": self.examples}


@dataclass
class TableReport:
    """What happened to one table: rows in, rows out, and every issue found."""

    name: str
    key: tuple[str, ...]
    rows_in: int = 0
    rows_out: int = 0
    max_examples: int = 5
    issues: list[Issue] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, rule: str, column: str, action: Action, frame: pd.DataFrame, mask: pd.Series,
            values: pd.Series | None = None) -> None:
        """Record ``mask.sum()`` rows of ``frame`` hit by ``rule`` (no-op when none)."""
        count = int(mask.sum())
        if not count:
            return
        hit = frame.loc[mask].head(self.max_examples)
        shown = values.loc[mask].head(self.max_examples) if values is not None else None
        examples = []
        for pos, (idx, row) in enumerate(hit.iterrows()):
            example = {"row": "/".join(_text(row.get(k)) for k in self.key if k in row.index)}
            if shown is not None:
                example["value"] = _text(shown.iloc[pos])
            elif column in row.index:
                example["value"] = _text(row[column])
            examples.append(example)
        self.issues.append(Issue(rule, column, count, action, examples))

    def count(self, rule: str | None = None, column: str | None = None) -> int:
        return sum(i.count for i in self.issues
                   if (rule is None or i.rule == rule) and (column is None or i.column == column))

    def to_dict(self) -> dict[str, Any]:
        out = {"rows_in": self.rows_in, "rows_out": self.rows_out,
               "issues": [i.to_dict() for i in self.issues]}
        if self.notes:
            out["notes"] = self.notes
        return out


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "<missing>"
    return str(value)


def report_dict(reports: Iterable[TableReport]) -> dict[str, Any]:
    """The JSON-ready validation report: ``{table: {rows_in, rows_out, issues}}``."""
    return {r.name: r.to_dict() for r in reports}


# -- checks ---------------------------------------------------------------------------------

def coerce_numeric(frame: pd.DataFrame, columns: Iterable[str], report: TableReport,
                   thousands: bool = False) -> pd.DataFrame:
    """Parse text columns as numbers; a non-empty value that is not a number is nulled.

    ``thousands`` strips the "1,234" separators of the DNR fisheries export first.
    """
    out = frame.copy()
    for col in columns:
        if col not in out.columns:
            continue
        raw = out[col]
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            out[col] = raw.astype("float64")
            continue
        text = raw.astype("string").str.strip()
        if thousands:
            text = text.str.replace(",", "", regex=False)
        text = text.mask(text.isin(["", "NA", "NaN", "nan"]))
        parsed = pd.to_numeric(text, errors="coerce")
        bad = text.notna() & parsed.isna()
        report.add("unparseable_number", col, "nulled", out, bad, raw)
        out[col] = parsed.astype("float64")
    return out


def require_key(frame: pd.DataFrame, column: str, pattern: str, report: TableReport) -> pd.DataFrame:
    """Drop rows whose key is missing or malformed: they cannot be joined to anything."""
    text = frame[column].astype("string").str.strip()
    missing = text.isna() | (text == "")
    malformed = ~missing & ~text.fillna("").str.fullmatch(pattern)
    report.add("missing_key", column, "dropped", frame, missing)
    report.add("malformed_key", column, "dropped", frame, malformed)
    out = frame.loc[~(missing | malformed)].copy()
    out[column] = text.loc[out.index].astype(str)
    return out


def require_int_range(frame: pd.DataFrame, column: str, bounds: tuple[float, float],
                      report: TableReport, rule: str = "out_of_range") -> pd.DataFrame:
    """Drop rows whose integer key part (year) is missing, fractional or outside ``bounds``."""
    raw = frame[column]
    values = pd.to_numeric(raw.astype("string").str.strip(), errors="coerce")
    missing = values.isna()
    lo, hi = bounds
    bad = ~missing & ((values < lo) | (values > hi) | (values != values.round()))
    report.add("missing_key", column, "dropped", frame, missing, raw)
    report.add(rule, column, "dropped", frame, bad, raw)
    out = frame.loc[~(missing | bad)].copy()
    out[column] = values.loc[out.index].astype("int64")
    return out


def null_out_of_range(frame: pd.DataFrame, column: str, bounds: tuple[float, float],
                      report: TableReport, also: Iterable[str] = ()) -> pd.DataFrame:
    """Null a value outside its plausible range, plus the columns derived from it (``also``)."""
    if column not in frame.columns:
        return frame
    lo, hi = bounds
    values = frame[column]
    bad = values.notna() & ((values < lo) | (values > hi))
    report.add("out_of_range", column, "nulled", frame, bad)
    if not bad.any():
        return frame
    out = frame.copy()
    for col in (column, *also):
        if col in out.columns:
            out.loc[bad, col] = np.nan
    return out


def null_negative(frame: pd.DataFrame, columns: Iterable[str], report: TableReport) -> pd.DataFrame:
    """Counts, areas, money and standard deviations cannot be negative."""
    out = frame
    for col in columns:
        if col not in out.columns:
            continue
        bad = out[col].notna() & (out[col] < 0)
        report.add("negative_value", col, "nulled", out, bad)
        if bad.any():
            out = out.copy()
            out.loc[bad, col] = np.nan
    return out


def null_unknown_category(frame: pd.DataFrame, column: str, allowed: Iterable[str],
                          report: TableReport) -> pd.DataFrame:
    """Null a label outside its vocabulary (e.g. a grade that is not A-F)."""
    allowed = set(allowed)
    text = frame[column].astype("string").str.strip()
    bad = text.notna() & ~text.isin(allowed)
    report.add("unknown_category", column, "nulled", frame, bad)
    out = frame.copy()
    out[column] = text.mask(bad).astype(object).where(text.notna() & ~bad, None)
    return out


def drop_duplicates(frame: pd.DataFrame, keys: list[str], report: TableReport,
                    rule: str = "duplicate_key") -> pd.DataFrame:
    """Keep the first row of each key; later repeats are dropped and counted."""
    dup = frame.duplicated(keys, keep="first")
    report.add(rule, "+".join(keys), "dropped", frame, dup)
    return frame.loc[~dup].copy()


def parse_dates(frame: pd.DataFrame, column: str, report: TableReport) -> pd.DataFrame:
    """Parse ISO dates (or ``datetime.date`` objects from R); drop rows without a usable date."""
    raw = frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) else raw
    else:
        text = raw.astype("string").str.strip()
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna()
    report.add("unparseable_date", column, "dropped", frame, bad, raw)
    out = frame.loc[~bad].copy()
    out[column] = parsed.loc[out.index].astype("datetime64[ns]")
    return out


def repair_to_derived(frame: pd.DataFrame, column: str, derived: pd.Series,
                      report: TableReport, rule: str) -> pd.DataFrame:
    """Replace a stored value that disagrees with the one derived from a trusted column."""
    current = pd.to_numeric(frame[column], errors="coerce")
    bad = current.isna() | (current != derived)
    report.add(rule, column, "repaired", frame, bad)
    out = frame.copy()
    out[column] = derived.astype("int64")
    return out


DOW_PATTERN = r"\d{8}"
SITE_PATTERN = r"\d{8}-\d{2}"
