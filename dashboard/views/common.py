"""Parsing URL query values (always strings, possibly repeated) into control values."""
from __future__ import annotations


def as_list(value) -> list[str]:
    """``"a,b"`` or ``["a", "b"]`` (a repeated parameter) -> ``["a", "b"]``."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [p.strip() for item in items for p in str(item).split(",") if p.strip()]


def as_int(value, default: int | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def as_float(value, default: float | None) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return out if out == out else default


def as_bool(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")
