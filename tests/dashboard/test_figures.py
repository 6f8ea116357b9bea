"""Figure functions on frames cut from the real tables: trace values, axis titles with units, colours,
no-data figures that say why."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard import figures
from dashboard.metrics import GRADE_COLORS, OKABE_ITO, lake_color


@pytest.fixture(scope="module")
def busy_lake(tables) -> str:
    """The monitored lake with the most graded years (and, among those, a sale value every year)."""
    ly = tables.lake_years
    counts = ly[ly["grade"].notna() & ly["median_sale_value_usd"].notna()].groupby("lake_id").size()
    return counts.sort_values(ascending=False, kind="stable").index[0]


@pytest.fixture(scope="module")
def lake_series(tables, busy_lake) -> pd.DataFrame:
    cols = ["year", "secchi_mean_m", "secchi_std_m", "phosphorus_mean_mg_l", "phosphorus_std_mg_l", "grade",
            "median_sale_value_usd", "iqr_sale_value_usd"]
    return tables.lake_years.loc[tables.lake_years["lake_id"] == busy_lake, cols].sort_values("year")


def _trace(fig, name_start: str):
    matches = [t for t in fig.data if (t.name or "").startswith(name_start)]
    assert matches, f"no trace starting with {name_start!r}: {[t.name for t in fig.data]}"
    return matches[0]


def test_clarity_figure_draws_observed_values_with_std_and_units(lake_series):
    fig = figures.clarity_figure(lake_series, None)
    secchi = _trace(fig, "Secchi depth, observed")
    expected = lake_series.dropna(subset=["secchi_mean_m"])
    assert list(secchi.x) == expected["year"].tolist()
    np.testing.assert_allclose(secchi.y, expected["secchi_mean_m"])
    np.testing.assert_allclose(secchi.error_y.array, expected["secchi_std_m"].fillna(0))
    phos = _trace(fig, "Total phosphorus")
    assert phos.yaxis == "y2"
    np.testing.assert_allclose(phos.y, lake_series.dropna(subset=["phosphorus_mean_mg_l"])["phosphorus_mean_mg_l"])
    assert fig.layout.yaxis.title.text == "Secchi depth (m)"
    assert fig.layout.yaxis2.title.text == "Total phosphorus (mg/L)"
    assert fig.layout.xaxis.title.text == "Year"


def test_clarity_figure_adds_fit_forecast_and_band(lake_series):
    last = int(lake_series["year"].max())
    fitted = pd.DataFrame({"kind": "fitted", "year": lake_series["year"], "value": lake_series["secchi_mean_m"] * 0.9,
                           "lower": np.nan, "upper": np.nan})
    ahead = pd.DataFrame({"kind": "forecast", "year": [last + 1, last + 2], "value": [1.5, 1.6],
                          "lower": [1.0, 0.9], "upper": [2.0, 2.3]})
    fig = figures.clarity_figure(lake_series, pd.concat([fitted, ahead]), interval_level=0.8)
    forecast = _trace(fig, "Secchi depth, forecast")
    assert list(forecast.x) == [last + 1, last + 2]
    band = _trace(fig, "Forecast 80% interval")
    assert band.fill == "toself"
    assert list(band.y) == [2.0, 2.3, 0.9, 1.0]   # upper forward, lower back
    assert _trace(fig, "Secchi depth, model fit").line.dash == "dot"


def test_clarity_figure_without_monitoring_says_why(tables):
    no_wq = tables.lakes.loc[~tables.lakes["has_water_quality"], "lake_id"].iloc[0]
    empty = tables.lake_years[tables.lake_years["lake_id"] == no_wq]
    fig = figures.clarity_figure(empty, None)
    assert figures.is_no_data(fig)
    assert fig.layout.annotations[0].text == "No water-quality monitoring for this lake"
    assert len(fig.data) == 0


def test_grade_strip_colours_each_year_by_grade(lake_series):
    fig = figures.grade_strip_figure(lake_series)
    graded = lake_series.dropna(subset=["grade"])
    drawn = {int(x): t.name[-1] for t in fig.data for x in t.x}
    assert drawn == dict(zip(graded["year"].astype(int), graded["grade"]))
    for trace in fig.data:
        assert trace.marker.color == GRADE_COLORS[trace.name[-1]]
        assert set(trace.text) == {trace.name[-1]}


def test_sale_value_figure_plots_observed_and_model_values(lake_series):
    model = pd.DataFrame({"year": lake_series["year"], "value": lake_series["median_sale_value_usd"] * 1.1,
                          "lower": lake_series["median_sale_value_usd"] * 0.8,
                          "upper": lake_series["median_sale_value_usd"] * 1.4})
    fig = figures.sale_value_figure(lake_series, model, interval_level=0.8)
    observed = _trace(fig, "Observed median")
    np.testing.assert_allclose(observed.y, lake_series.dropna(subset=["median_sale_value_usd"])["median_sale_value_usd"])
    np.testing.assert_allclose(_trace(fig, "Model value").y, model["value"])
    assert fig.layout.yaxis.title.text == "Median sale value (USD)"
    assert figures.is_no_data(figures.sale_value_figure(lake_series.iloc[0:0]))


def test_sale_value_error_bars_never_go_below_zero(tables):
    """Half the IQR either side, the lower bar cut at $0: checked on every lake-year with a sale value."""
    ly = tables.lake_years.dropna(subset=["median_sale_value_usd"]).sort_values(["lake_id", "year"])
    half = ly["iqr_sale_value_usd"].fillna(0) / 2
    assert (half > ly["median_sale_value_usd"]).any()   # the data has bars that would cross $0
    fig = figures.sale_value_figure(ly.assign(year=np.arange(len(ly))))
    observed = _trace(fig, "Observed median")
    y, plus, minus = np.asarray(observed.y), np.asarray(observed.error_y.array), np.asarray(observed.error_y.arrayminus)
    assert observed.error_y.symmetric is False
    np.testing.assert_allclose(plus, half)
    np.testing.assert_allclose(minus, np.minimum(half, ly["median_sale_value_usd"]))
    assert (y - minus >= 0).all() and (minus <= y).all()
    assert fig.layout.yaxis.rangemode == "nonnegative"


def test_sale_value_model_line_breaks_at_a_skipped_year(lake_series):
    years = lake_series["year"].tolist()
    skipped = years[len(years) // 2]
    kept = lake_series[lake_series["year"] != skipped]
    model = pd.DataFrame({"year": kept["year"], "value": 100_000.0, "lower": 80_000.0, "upper": 130_000.0})
    fig = figures.sale_value_figure(lake_series, model, interval_level=0.8)
    line = _trace(fig, "Model value")
    drawn = dict(zip(line.x, line.y))
    assert skipped in drawn and np.isnan(drawn[skipped]) and line.connectgaps is False
    band = _trace(fig, "Model 80% interval")
    assert list(band.x).count(None) == 1 and skipped not in band.x   # two closed segments, none at the gap


def test_iceout_figure_trend_line_uses_sen_slope_and_intercept(tables):
    counts = tables.ice_out.groupby("lake_id").size()
    lake_id = counts.idxmax()
    ice = tables.ice_out[tables.ice_out["lake_id"] == lake_id].sort_values("year")
    trend = {"slope_per_year": -0.1, "p_value": 0.01}
    fig = figures.iceout_figure(ice, trend)
    observed = _trace(fig, "Ice-out, observed")
    assert len(observed.x) == len(ice)
    line = _trace(fig, "Trend -1.0 days/decade")
    intercept = float(np.median(ice["doy"] - (-0.1) * ice["year"]))
    np.testing.assert_allclose(line.y, intercept - 0.1 * np.array(line.x))
    assert fig.layout.yaxis.title.text == "Ice-out day (day of year)"
    empty = figures.iceout_figure(ice.iloc[0:0], trend)
    assert empty.layout.annotations[0].text == "No ice-out records for this lake"


def test_benchmark_figure_lake_against_group_medians(tables, busy_lake):
    ly = tables.lake_years
    lake = ly[ly["lake_id"] == busy_lake].rename(columns={"secchi_mean_m": "value"})[["year", "value"]]
    county = ly[ly["county"] == ly.loc[ly["lake_id"] == busy_lake, "county"].iloc[0]]
    medians = county.groupby("year", as_index=False).agg(median=("secchi_mean_m", "median"),
                                                          n_lakes=("lake_id", "nunique"))
    fig = figures.benchmark_figure(lake, [("County", medians)], "secchi_mean_m", lake_name="Lake X")
    np.testing.assert_allclose(_trace(fig, "County median").y, medians["median"])
    assert _trace(fig, "Lake X").line.width == 3
    assert fig.layout.yaxis.title.text == "Secchi depth (m)"


def _overview(tables, metric: str, year: int) -> pd.DataFrame:
    values = tables.lake_years[tables.lake_years["year"] == year][["lake_id", metric]]
    frame = tables.lakes.merge(values, on="lake_id", how="left")
    return frame.assign(value=frame[metric])


def test_overview_map_colours_lakes_by_metric_and_greys_missing(tables):
    frame = _overview(tables, "secchi_mean_m", 2014)
    fig = figures.overview_map_figure(frame, "secchi_mean_m", 2014)
    coloured = _trace(fig, "Secchi depth 2014")
    with_value = frame[frame["value"].notna()]
    assert len(coloured.lat) == len(with_value)
    np.testing.assert_allclose(sorted(coloured.marker.color), sorted(with_value["value"]))
    assert coloured.marker.colorscale[0][1] == "#440154"   # viridis
    assert coloured.marker.colorbar.title.text == "Secchi depth (m)"
    grey = _trace(fig, "No secchi depth in 2014")
    assert len(grey.lat) == len(frame) - len(with_value)
    assert {row[0] for row in coloured.customdata} == set(with_value["lake_id"])
    style = fig.layout.map.style                    # no tiles: a background layer only (offline)
    assert style["sources"] == {} and [layer["type"] for layer in style["layers"]] == ["background"]


def test_overview_map_reverses_scale_when_lower_is_better_and_grades_are_categories(tables):
    phos = figures.overview_map_figure(_overview(tables, "phosphorus_mean_mg_l", 2010), "phosphorus_mean_mg_l", 2010)
    assert _trace(phos, "Total phosphorus 2010").marker.reversescale is True
    grades = figures.overview_map_figure(_overview(tables, "grade", 2010), "grade", 2010)
    for trace in grades.data:
        if trace.name.startswith("Grade "):
            assert trace.marker.color == GRADE_COLORS[trace.name[-1]]
    assert figures.overview_map_figure(tables.lakes.iloc[0:0].assign(value=[]), "grade", 2010) \
        .layout.annotations[0].text == "No lakes match these filters"


def test_regional_figures(tables):
    frame = _overview(tables, "n_properties", 2012).merge(
        tables.lake_years[tables.lake_years["year"] == 2012][["lake_id", "grade"]], on="lake_id", how="left")
    ws = figures.watershed_properties_figure(frame, 2012)
    bars = ws.data[0]
    expected = frame.dropna(subset=["n_properties"]).assign(
        major_watershed=lambda f: f["major_watershed"].fillna("Unknown watershed")
    ).groupby("major_watershed")["n_properties"].sum()
    assert dict(zip(bars.y, bars.x)) == pytest.approx(expected.to_dict())
    assert "count" in ws.layout.xaxis.title.text
    counties = figures.county_grade_figure(frame, 2012)
    graded = frame[frame["grade"].notna() & frame["n_properties"].notna()]
    assert sum(len(t.y) for t in counties.data) == len(graded)
    assert [t.marker.color for t in counties.data] == list(OKABE_ITO[:len(counties.data)])
    assert list(counties.layout.xaxis.categoryarray) == ["A", "B", "C", "D", "F"]


def _compare_lakes(tables, n: int) -> list[figures.LakeSeriesData]:
    ids = tables.lake_years.groupby("lake_id").size().sort_values(ascending=False, kind="stable").index[:n]
    out = []
    for lake_id in ids:
        rows = tables.lake_years[tables.lake_years["lake_id"] == lake_id]
        name = tables.lakes.loc[tables.lakes["lake_id"] == lake_id, "name"].iloc[0]
        out.append(figures.LakeSeriesData(lake_id, name, rows.rename(columns={"secchi_mean_m": "value"})[["year", "value"]]))
    return out


def test_compare_figures_keep_one_colour_per_lake(tables):
    lakes = _compare_lakes(tables, 3)
    series = figures.compare_series_figure(lakes, "secchi_mean_m")
    dist = figures.compare_distribution_figure(lakes, "secchi_mean_m")
    latest = figures.compare_latest_figure(lakes, "secchi_mean_m")
    for i, lake in enumerate(lakes):
        assert series.data[i].line.color == lake_color(i)
        assert dist.data[i].marker.color == lake_color(i)
        np.testing.assert_allclose(series.data[i].y, lake.values()["value"])
    ranked = figures.latest_values(lakes).sort_values("value", ascending=False)
    assert list(latest.data[0].x) == ranked["value"].tolist()
    assert list(latest.data[0].marker.color) == [lake_color(p) for p in ranked["position"]]
    assert series.layout.yaxis.title.text == "Secchi depth (m)"


def test_compare_latest_ranks_lower_is_better_ascending(tables):
    lakes = [figures.LakeSeriesData(l.lake_id, l.name, l.frame) for l in _compare_lakes(tables, 4)]
    fig = figures.compare_latest_figure(lakes, "phosphorus_mean_mg_l")
    assert list(fig.data[0].x) == sorted(fig.data[0].x)
    assert figures.compare_series_figure([], "secchi_mean_m").layout.annotations[0].text == "Pick up to 8 lakes to compare"


def test_template_follows_theme():
    assert figures.template_for("dark") == "plotly_dark"
    assert figures.template_for(None) == "plotly_white"
    dark = figures.no_data_figure("x", template=figures.template_for("dark"))
    assert dark.layout.template.layout.paper_bgcolor != figures.no_data_figure("x").layout.template.layout.paper_bgcolor


def test_every_figure_passes_plotly_validation(tables, lake_series):
    """Figures are assembled without plotly's (slow) validation; validating them here catches typos."""
    import plotly.graph_objects as go

    ice = tables.ice_out[tables.ice_out["lake_id"] == tables.ice_out["lake_id"].iloc[0]]
    lakes = _compare_lakes(tables, 3)
    overview = _overview(tables, "secchi_mean_m", 2014).assign(n_properties=1.0, grade="A")
    built = [
        figures.no_data_figure("nothing", template=figures.DARK, title="t"),
        figures.clarity_figure(lake_series, pd.DataFrame({"kind": ["forecast"], "year": [2015], "value": [1.0],
                                                          "lower": [0.5], "upper": [1.5]}), interval_level=0.8),
        figures.grade_strip_figure(lake_series), figures.sale_value_figure(lake_series),
        figures.iceout_figure(ice, {"slope_per_year": 0.1, "p_value": 0.5}),
        figures.overview_map_figure(overview, "secchi_mean_m", 2014),
        figures.overview_map_figure(overview.assign(value="A"), "grade", 2014),
        figures.watershed_properties_figure(overview, 2014), figures.county_grade_figure(overview, 2014),
        figures.compare_series_figure(lakes, "secchi_mean_m"), figures.compare_distribution_figure(lakes, "secchi_mean_m"),
        figures.compare_latest_figure(lakes, "secchi_mean_m"),
    ]
    for fig in built:
        go.Figure(fig.to_plotly_json())   # raises ValueError on any invalid property
