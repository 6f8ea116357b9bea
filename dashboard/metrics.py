"""What each metric means and how to show it: one table so labels, units and colours agree everywhere."""
from __future__ import annotations

from dataclasses import dataclass

#: Seasonal grades, best first. "E" does not exist in the Met Council scheme.
GRADES = ("A", "B", "C", "D", "F")

#: Grade colours sampled from viridis (readable with every common colour-vision deficiency),
#: bright for good grades, dark for bad ones; text colour chosen for contrast.
GRADE_COLORS = {"A": "#fde725", "B": "#5ec962", "C": "#21918c", "D": "#3b528b", "F": "#440154"}
GRADE_TEXT = {"A": "#000000", "B": "#000000", "C": "#ffffff", "D": "#ffffff", "F": "#ffffff"}

#: Okabe-Ito: 8 categorical colours distinguishable by colour-blind readers.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")

#: Sequential scales (colour-blind safe) for the map.
SEQUENTIAL_SCALE = "Viridis"


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    unit: str
    better: str            # "higher", "lower" or "" (no judgement)
    description: str
    fmt: str = "{:,.2f}"   # value format for tables and text
    numeric: bool = True

    @property
    def axis_title(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def format(self, value) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return "n/a"
        if not self.numeric:
            return str(value)
        text = self.fmt.format(value)
        if self.unit == "USD":
            return f"${text}"
        if self.unit == "day of year":
            return f"day {text}"
        return f"{text} {self.unit}" if self.unit else text

METRICS: dict[str, MetricInfo] = {
    "secchi_mean_m": MetricInfo(
        "secchi_mean_m", "Secchi depth", "m", "higher",
        "Water clarity: how deep a black-and-white disk stays visible. Deeper is clearer (better).",
        "{:,.2f}"),
    "phosphorus_mean_mg_l": MetricInfo(
        "phosphorus_mean_mg_l", "Total phosphorus", "mg/L", "lower",
        "The nutrient that feeds algae blooms. Lower is better.", "{:,.3f}"),
    "grade": MetricInfo(
        "grade", "Seasonal grade", "A-F", "higher",
        "Met Council's summer grade from clarity, phosphorus and chlorophyll: A (best) to F (worst).",
        "{}", numeric=False),
    "median_sale_value_usd": MetricInfo(
        "median_sale_value_usd", "Median sale value", "USD", "",
        "Median sale value of the properties near the lake that year (county tax parcels).", "{:,.0f}"),
    "iceout_doy": MetricInfo(
        "iceout_doy", "Ice-out day", "day of year", "",
        "The day of the year the lake was declared free of ice (MN DNR records). Earlier means a shorter winter.",
        "{:,.0f}"),
}

#: Metrics that can be compared and plotted as numbers.
NUMERIC_METRICS = tuple(m for m, info in METRICS.items() if info.numeric)


def metric_info(name: str) -> MetricInfo:
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(METRICS)}") from None


def lake_color(position: int) -> str:
    """The colour of the lake at ``position`` in a selection (same everywhere on a page)."""
    return OKABE_ITO[position % len(OKABE_ITO)]


def grade_rank(grade: str | None) -> float:
    """A=4 ... F=0, so grades can be sorted and averaged; None for missing."""
    if grade not in GRADES:
        return float("nan")
    return float(len(GRADES) - 1 - GRADES.index(grade))
