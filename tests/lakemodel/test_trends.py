"""Sen's slope and Mann-Kendall on inputs whose answers are known by hand."""
import math

import numpy as np
import pytest

from lakemodel.trends import direction, sen_mann_kendall


def test_hand_computed_small_series():
    # pairwise slopes: -1, 0.5, 1, 4/3, 2, 3 -> median (1 + 4/3) / 2; S = 5 - 1 = 4 -> tau = 4/6
    result = sen_mann_kendall([1, 2, 3, 4], [1, 3, 2, 5])
    assert result.slope_per_year == pytest.approx((1 + 4 / 3) / 2)
    assert result.tau == pytest.approx(4 / 6)
    # exact null distribution for n=4: 4 of 24 permutations have S >= 4; two-sided 8/24
    assert result.p_value == pytest.approx(8 / 24)
    assert (result.n_years, result.first_year, result.last_year) == (4, 1, 4)


def test_perfect_increase_exact_p_value():
    result = sen_mann_kendall([2000, 2001, 2002, 2003, 2004], [1.0, 1.5, 2.0, 2.5, 3.0])
    assert result.slope_per_year == pytest.approx(0.5)
    assert result.p_value == pytest.approx(2 / 120)  # only 2 of 5! orderings are as extreme
    assert direction(result, higher_is_better=True) == "improving"
    assert direction(result, higher_is_better=False) == "worsening"


def test_slope_is_robust_to_an_outlier_and_gaps():
    years = np.array([2004, 2005, 2007, 2008, 2010, 2011, 2013, 2014])
    values = 2.0 * (years - 2004) + 1.0
    values[3] = 500.0
    result = sen_mann_kendall(years, values)
    assert result.slope_per_year == pytest.approx(2.0)


def test_nans_dropped_and_short_series_insufficient():
    result = sen_mann_kendall([2000, 2001, 2002, 2003], [1.0, math.nan, 2.0, 3.0])
    assert result.n_years == 3 and result.slope_per_year is None
    assert direction(result, True) == "insufficient data"


def test_no_significant_trend_and_constant_series():
    noisy = sen_mann_kendall(range(2000, 2010), [3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    assert noisy.p_value > 0.05
    assert direction(noisy, True) == "no significant trend"
    flat = sen_mann_kendall(range(2000, 2006), [2.0] * 6)
    assert flat.slope_per_year == 0.0 and direction(flat, True) == "no significant trend"
