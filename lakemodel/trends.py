"""Monotonic trend of a yearly series: Sen's slope with the Mann-Kendall test.

Robust to outliers and to gaps in the years, which is what lake monitoring series have. The
Mann-Kendall test is Kendall's tau between year and value (``scipy.stats.kendalltau``, tie-corrected);
the slope is the Theil-Sen median of pairwise slopes (``scipy.stats.theilslopes``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
from scipy import stats

METHOD = "Sen's slope, Mann-Kendall"
MIN_YEARS = 4  # fewer points cannot reach p < 0.05 in a Mann-Kendall test

Direction = Literal["improving", "worsening", "no significant trend", "insufficient data"]


@dataclass(frozen=True)
class TrendResult:
    slope_per_year: float | None
    intercept: float | None
    p_value: float | None
    tau: float | None
    n_years: int
    first_year: int | None
    last_year: int | None


def sen_mann_kendall(years: Sequence[float], values: Sequence[float]) -> TrendResult:
    """Sen's slope (value units per year) and the two-sided Mann-Kendall p-value; NaNs dropped."""
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = int(x.size)
    first = int(x.min()) if n else None
    last = int(x.max()) if n else None
    if n < MIN_YEARS or np.unique(x).size < 2:
        return TrendResult(None, None, None, None, n, first, last)
    slope, intercept, _, _ = stats.theilslopes(y, x)
    if np.unique(y).size < 2:  # constant series: no trend, tau undefined
        return TrendResult(0.0, float(intercept), 1.0, 0.0, n, first, last)
    tau, p_value = stats.kendalltau(x, y)
    return TrendResult(float(slope), float(intercept), float(p_value), float(tau), n, first, last)


def direction(result: TrendResult, higher_is_better: bool, alpha: float = 0.05) -> Direction:
    """Interpret a trend for a metric whose good direction is known."""
    if result.p_value is None or result.slope_per_year is None:
        return "insufficient data"
    if result.p_value >= alpha or result.slope_per_year == 0:
        return "no significant trend"
    rising = result.slope_per_year > 0
    return "improving" if rising == higher_is_better else "worsening"
