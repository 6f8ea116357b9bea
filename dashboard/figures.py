"""Pure figure builders: tidy frames in, ``go.Figure`` out.

No network, no globals mutated, no Dash: every chart on every page (and on the embed and
download routes) comes from here, so it can be unit-tested by looking at the traces.
When there is nothing to draw the figure says why (``no_data_figure``) instead of showing empty axes.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import functools
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.utils import PlotlyJSONEncoder

from .metrics import GRADE_COLORS, GRADE_TEXT, GRADES, OKABE_ITO, SEQUENTIAL_SCALE, lake_color, metric_info

LIGHT, DARK = "plotly_white", "plotly_dark"
SECCHI_COLOR = OKABE_ITO[4]       # blue
PHOSPHORUS_COLOR = OKABE_ITO[5]   # vermillion
MODEL_COLOR = OKABE_ITO[0]        # orange
TREND_COLOR = OKABE_ITO[6]        # reddish purple
NO_DATA_COLOR = "#9e9e9e"


def template_for(theme: str | None) -> str:
    """Plotly template for the page theme ("dark" or anything else = light)."""
    return DARK if theme == "dark" else LIGHT


class _Draft:
    """A figure being built: validated trace objects plus a plain layout dict.

    Plotly validates (and deep-copies) every layout update and, above all, every template
    assignment: ~10 ms each, most of a figure's cost. Traces are still built (and validated) as
    graph objects; the layout is merged as plain data and the figure is assembled once.
    """

    def __init__(self, *traces) -> None:
        self.data: list = list(traces)
        self.layout: dict = {}

    def add_trace(self, trace) -> None:
        self.data.append(trace)

    def update_layout(self, **values) -> None:
        _merge(self.layout, values)


def _merge(target: dict, values: dict) -> dict:
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
    return target


@functools.lru_cache(maxsize=4)
def _template_json(name: str) -> str:
    return json.dumps(pio.templates[name].to_plotly_json(), cls=PlotlyJSONEncoder)


def _finish(draft: _Draft, template: str, title: str | None) -> go.Figure:
    """Base layout (template, title, margins, legend) under the draft's own layout, assembled once."""
    layout = {
        "template": json.loads(_template_json(template)),   # a fresh copy per figure
        "title": {"text": title, "x": 0.01, "xanchor": "left"} if title else None,
        "margin": {"l": 60, "r": 30, "t": 60 if title else 30, "b": 50},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        "hovermode": "closest",
    }
    _merge(layout, draft.layout)
    traces = [t.to_plotly_json() if hasattr(t, "to_plotly_json") else t for t in draft.data]
    return go.Figure({"data": traces, "layout": {k: v for k, v in layout.items() if v is not None}},
                     _validate=False)


def no_data_figure(reason: str, template: str = LIGHT, title: str | None = None) -> go.Figure:
    """An empty chart that states why it is empty (instead of bare axes)."""
    fig = _Draft()
    fig.update_layout(annotations=[{"text": reason, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper",
                                    "yref": "paper", "font": {"size": 15}, "name": "no-data"}],
                      xaxis={"visible": False}, yaxis={"visible": False})
    return _finish(fig, template, title)


def is_no_data(fig: go.Figure) -> bool:
    return any(a.name == "no-data" for a in fig.layout.annotations)


def _num(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def _column(frame: pd.DataFrame | None, name: str) -> np.ndarray:
    if frame is None or name not in frame.columns:
        return np.full(0 if frame is None else len(frame), np.nan)
    return _num(frame[name])


def _band(x: Sequence, lower: Sequence, upper: Sequence, name: str, color: str, yaxis: str = "y",
          legendgroup: str | None = None) -> go.Scatter:
    """A filled interval band (upper edge forward, lower edge back)."""
    xs = list(x) + list(x)[::-1]
    ys = list(upper) + list(lower)[::-1]
    return go.Scatter(x=xs, y=ys, fill="toself", mode="lines", line={"width": 0}, fillcolor=_alpha(color, 0.25),
                      name=name, hoverinfo="skip", yaxis=yaxis, legendgroup=legendgroup)


def _add_forecast(fig: go.Figure, ahead: pd.DataFrame, interval_level, name: str, hover: str) -> None:
    """The forecast years: the interval band (when every bound is finite) under a dashed line."""
    if not len(ahead):
        return
    low, high = _num(ahead["lower"]), _num(ahead["upper"])
    if np.isfinite(low).all() and np.isfinite(high).all():
        fig.add_trace(_band(ahead["year"], low, high, f"Forecast {_level_text(interval_level)}", MODEL_COLOR))
    fig.add_trace(go.Scatter(
        x=ahead["year"], y=_num(ahead["value"]), name=name, mode="lines+markers",
        line={"color": MODEL_COLOR, "dash": "dash"}, marker={"symbol": "diamond", "color": MODEL_COLOR},
        hovertemplate=hover))


def _alpha(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _kind(frame: pd.DataFrame | None, kind: str) -> pd.DataFrame:
    if frame is None or frame.empty or "kind" not in frame.columns:
        return pd.DataFrame(columns=["year", "value", "lower", "upper"])
    out = frame[frame["kind"] == kind].sort_values("year")
    return out[out["value"].notna()]


def _level_text(level: float | None) -> str:
    return f"{level:.0%} interval" if level else "interval"


# -- lake page ---------------------------------------------------------------------------------
def clarity_figure(series: pd.DataFrame | None, forecast: pd.DataFrame | None = None, *,
                   interval_level: float | None = None, template: str = LIGHT,
                   title: str | None = None) -> go.Figure:
    """Secchi depth (left axis, m) and phosphorus (right axis, mg/L) by year, std error bars;
    the Secchi model's fitted values and forecast with its interval band."""
    secchi, phos = metric_info("secchi_mean_m"), metric_info("phosphorus_mean_mg_l")
    fitted, ahead = _kind(forecast, "fitted"), _kind(forecast, "forecast")
    has_secchi = series is not None and np.isfinite(_column(series, "secchi_mean_m")).any()
    has_phos = series is not None and np.isfinite(_column(series, "phosphorus_mean_mg_l")).any()
    if not (has_secchi or has_phos or len(ahead)):
        return no_data_figure("No water-quality monitoring for this lake", template, title)
    fig = _Draft()
    if has_secchi:
        s = series[np.isfinite(_column(series, "secchi_mean_m"))]
        fig.add_trace(go.Scatter(
            x=s["year"], y=_column(s, "secchi_mean_m"), name="Secchi depth, observed", mode="lines+markers",
            marker={"color": SECCHI_COLOR, "size": 8}, line={"color": SECCHI_COLOR},
            error_y={"type": "data", "array": np.nan_to_num(_column(s, "secchi_std_m")), "visible": True,
                     "color": _alpha(SECCHI_COLOR, 0.6)},
            hovertemplate="%{x}: %{y:.2f} m<extra>Secchi observed</extra>"))
    if len(fitted):
        fig.add_trace(go.Scatter(
            x=fitted["year"], y=_num(fitted["value"]), name="Secchi depth, model fit", mode="lines",
            line={"color": MODEL_COLOR, "dash": "dot"},
            hovertemplate="%{x}: %{y:.2f} m<extra>model fit</extra>"))
    _add_forecast(fig, ahead, interval_level, "Secchi depth, forecast", "%{x}: %{y:.2f} m<extra>forecast</extra>")
    if has_phos:
        p = series[np.isfinite(_column(series, "phosphorus_mean_mg_l"))]
        fig.add_trace(go.Scatter(
            x=p["year"], y=_column(p, "phosphorus_mean_mg_l"), name="Total phosphorus, observed",
            mode="lines+markers", yaxis="y2", marker={"color": PHOSPHORUS_COLOR, "symbol": "square", "size": 7},
            line={"color": PHOSPHORUS_COLOR},
            error_y={"type": "data", "array": np.nan_to_num(_column(p, "phosphorus_std_mg_l")), "visible": True,
                     "color": _alpha(PHOSPHORUS_COLOR, 0.6)},
            hovertemplate="%{x}: %{y:.3f} mg/L<extra>phosphorus</extra>"))
    fig.update_layout(
        xaxis={"title": {"text": "Year"}, "dtick": 1 if _span(fig) <= 20 else None},
        yaxis={"title": {"text": secchi.axis_title}, "rangemode": "tozero",
               "color": SECCHI_COLOR if has_secchi else None},
        yaxis2={"title": {"text": phos.axis_title}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                "showgrid": False, "color": PHOSPHORUS_COLOR, "tickmode": "auto", "tickformat": ".3~f"},
    )
    return _finish(fig, template, title)


def _span(fig: _Draft) -> float:
    xs = [x for t in fig.data if t.x is not None for x in t.x if x is not None]
    return (max(xs) - min(xs)) if xs else 0


def grade_strip_figure(series: pd.DataFrame | None, *, template: str = LIGHT, title: str | None = None) -> go.Figure:
    """One coloured cell per year with the seasonal grade letter (viridis: bright = good)."""
    if series is None or "grade" not in series.columns or series["grade"].isna().all():
        return no_data_figure("No seasonal grades for this lake", template, title)
    graded = series[series["grade"].isin(GRADES)].sort_values("year")
    if graded.empty:
        return no_data_figure("No seasonal grades for this lake", template, title)
    fig = _Draft()
    for grade in GRADES:
        rows = graded[graded["grade"] == grade]
        if rows.empty:
            continue
        fig.add_trace(go.Bar(
            x=rows["year"], y=[1] * len(rows), name=f"Grade {grade}", text=[grade] * len(rows),
            textposition="inside", insidetextanchor="middle",
            textfont={"color": GRADE_TEXT[grade], "size": 16},
            marker={"color": GRADE_COLORS[grade], "line": {"color": "#3a3a3a", "width": 1}},
            hovertemplate=f"%{{x}}: grade {grade}<extra></extra>", width=0.9))
    fig.update_layout(
        barmode="overlay", bargap=0.05, height=200,
        xaxis={"title": {"text": "Year"}, "dtick": 1, "type": "linear"},
        yaxis={"visible": False, "range": [0, 1]},
    )
    return _finish(fig, template, title)


def _with_gaps(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` (sorted by year) with an all-NaN row inside every gap of more than one year, so a line
    (and a ``toself`` band, which closes each segment on its own) breaks there instead of bridging it."""
    years = _num(frame["year"])
    gaps = years[1:][np.diff(years) > 1] - 1
    if not len(gaps):
        return frame
    filler = pd.DataFrame({"year": gaps, **{c: np.nan for c in columns}})
    return pd.concat([frame[["year", *columns]], filler]).sort_values("year", kind="stable", ignore_index=True)


def _segment_band(frame: pd.DataFrame, name: str, color: str) -> go.Scatter:
    """An interval band per run of consecutive years (separated by None), one legend entry."""
    xs: list = []
    ys: list = []
    years = _num(frame["year"])
    starts = np.flatnonzero(np.r_[True, np.diff(years) > 1])
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(frame)
        part = frame.iloc[start:end]
        if xs:
            xs.append(None)
            ys.append(None)
        xs += part["year"].tolist() + part["year"].tolist()[::-1]
        ys += _num(part["upper"]).tolist() + _num(part["lower"]).tolist()[::-1]
    return go.Scatter(x=xs, y=ys, fill="toself", mode="lines", line={"width": 0}, fillcolor=_alpha(color, 0.25),
                      name=name, hoverinfo="skip", connectgaps=False)


def sale_value_figure(series: pd.DataFrame | None, model_values: pd.DataFrame | None = None, *,
                      interval_level: float | None = None, template: str = LIGHT,
                      title: str | None = None) -> go.Figure:
    """Median sale value of nearby properties by year (USD), with the model's values and interval.

    Error bars are half the inter-quartile range each side, the lower one cut at $0 (a sale value is never
    negative; the quartiles themselves are not in the data). The model's line and band break at years it
    could not value."""
    info = metric_info("median_sale_value_usd")
    values = _column(series, "median_sale_value_usd")
    has_obs = series is not None and np.isfinite(values).any()
    if not has_obs:
        return no_data_figure("No property sales recorded near this lake", template, title)
    fig = _Draft()
    s = series[np.isfinite(values)].sort_values("year")
    if model_values is not None and not model_values.empty and "value" in model_values.columns:
        m = model_values[model_values["value"].notna()].sort_values("year")
        low, high = _column(m, "lower"), _column(m, "upper")
        if len(m) and np.isfinite(low).all() and np.isfinite(high).all():
            fig.add_trace(_segment_band(m, f"Model {_level_text(interval_level)}", MODEL_COLOR))
        line = _with_gaps(m, ["value"])
        fig.add_trace(go.Scatter(
            x=line["year"], y=_num(line["value"]), name="Model value", mode="lines+markers", connectgaps=False,
            line={"color": MODEL_COLOR, "dash": "dot"}, marker={"symbol": "diamond", "color": MODEL_COLOR},
            hovertemplate="%{x}: $%{y:,.0f}<extra>model</extra>"))
    y = _num(s["median_sale_value_usd"])
    half = np.nan_to_num(_column(s, "iqr_sale_value_usd")) / 2
    error = {"type": "data", "symmetric": False, "array": half, "arrayminus": np.minimum(half, np.maximum(y, 0)),
             "visible": True, "color": _alpha(SECCHI_COLOR, 0.5)} \
        if np.isfinite(_column(s, "iqr_sale_value_usd")).any() else None
    fig.add_trace(go.Scatter(
        x=s["year"], y=y, name="Observed median", mode="lines+markers",
        line={"color": SECCHI_COLOR}, marker={"color": SECCHI_COLOR, "size": 8}, error_y=error,
        customdata=[f" (inter-quartile range ${v:,.0f})" if np.isfinite(v) else ""
                    for v in _column(s, "iqr_sale_value_usd")],
        hovertemplate="%{x}: $%{y:,.0f}%{customdata}<extra>observed</extra>"))
    fig.update_layout(xaxis={"title": {"text": "Year"}, "dtick": 1},
                      yaxis={"title": {"text": info.axis_title}, "tickprefix": "$", "tickformat": ",.0f",
                             "rangemode": "nonnegative"})
    return _finish(fig, template, title)


def sen_intercept(years: np.ndarray, values: np.ndarray, slope: float) -> float:
    """Sen's intercept: the median of ``value - slope * year`` (pairs with Sen's slope)."""
    ok = np.isfinite(years) & np.isfinite(values)
    return float(np.median(values[ok] - slope * years[ok]))


def iceout_figure(iceout: pd.DataFrame | None, trend: dict | None = None, forecast: pd.DataFrame | None = None, *,
                  interval_level: float | None = None, template: str = LIGHT, title: str | None = None) -> go.Figure:
    """Ice-out day of year by year, Sen's-slope trend line and the model's forecast with its band."""
    doy = _column(iceout, "doy")
    if iceout is None or not np.isfinite(doy).any():
        return no_data_figure("No ice-out records for this lake", template, title)
    data = iceout[np.isfinite(doy)].sort_values("year")
    years, days = _num(data["year"]), _num(data["doy"])
    dates = data["date"].astype(str).tolist() if "date" in data.columns else [""] * len(data)
    fig = _Draft()
    fig.add_trace(go.Scatter(
        x=years, y=days, name="Ice-out, observed", mode="markers", customdata=dates,
        marker={"color": SECCHI_COLOR, "size": 6},
        hovertemplate="%{x}: day %{y} (%{customdata})<extra>ice-out</extra>"))
    slope = (trend or {}).get("slope_per_year")
    if slope is not None and np.isfinite(slope) and len(years) >= 2:
        intercept = sen_intercept(years, days, slope)
        xs = np.array([years.min(), years.max()])
        p = (trend or {}).get("p_value")
        label = f"Trend {slope * 10:+.1f} days/decade" + (f" (p = {p:.2g})" if p is not None else "")
        fig.add_trace(go.Scatter(x=xs, y=intercept + slope * xs, name=label, mode="lines",
                                 line={"color": TREND_COLOR, "width": 3},
                                 hovertemplate="%{x}: day %{y:.1f}<extra>Sen's slope trend</extra>"))
    ahead = _kind(forecast, "forecast")
    _add_forecast(fig, ahead, interval_level, "Forecast", "%{x}: day %{y:.0f}<extra>forecast</extra>")
    fig.update_layout(xaxis={"title": {"text": "Year"}},
                      yaxis={"title": {"text": metric_info("iceout_doy").axis_title}})
    return _finish(fig, template, title)


def benchmark_figure(lake: pd.DataFrame | None, groups: Sequence[tuple[str, pd.DataFrame | None]], metric: str, *,
                     lake_name: str = "This lake", template: str = LIGHT, title: str | None = None) -> go.Figure:
    """The lake's yearly values against the medians of its county and watershed (``groups``:
    (label, frame[year, median])), same unit on one axis."""
    info = metric_info(metric)
    values = _column(lake, "value")
    if lake is None or not np.isfinite(values).any():
        return no_data_figure(f"No {info.label.lower()} data for this lake", template, title)
    fig = _Draft()
    dashes = ["dash", "dot", "dashdot"]
    for i, (label, frame) in enumerate(groups):
        med = _column(frame, "median")
        if frame is None or not np.isfinite(med).any():
            continue
        f = frame[np.isfinite(med)].sort_values("year")
        n = f["n_lakes"].tolist() if "n_lakes" in f.columns else [None] * len(f)
        fig.add_trace(go.Scatter(
            x=f["year"], y=_num(f["median"]), name=f"{label} median", mode="lines",
            customdata=n, line={"color": OKABE_ITO[(i * 2 + 1) % 8], "dash": dashes[i % 3]},
            hovertemplate=f"%{{x}}: %{{y:,.3g}} {info.unit}<extra>{label} median of %{{customdata}} lakes</extra>"))
    lk = lake[np.isfinite(values)].sort_values("year")
    fig.add_trace(go.Scatter(
        x=lk["year"], y=_num(lk["value"]), name=lake_name, mode="lines+markers",
        line={"color": SECCHI_COLOR, "width": 3}, marker={"size": 8, "color": SECCHI_COLOR},
        hovertemplate=f"%{{x}}: %{{y:,.3g}} {info.unit}<extra>{lake_name}</extra>"))
    fig.update_layout(xaxis={"title": {"text": "Year"}}, yaxis={"title": {"text": info.axis_title}})
    return _finish(fig, template, title)


# -- overview ----------------------------------------------------------------------------------
def offline_map_style(template: str) -> dict:
    """A MapLibre style with only a background layer: needs no tile server, glyphs or sprites (this
    dashboard must work offline), and follows the light/dark theme."""
    colour = "#1b1e23" if template == DARK else "#f4f6f8"
    return {"version": 8, "name": "offline", "sources": {},
            "layers": [{"id": "background", "type": "background", "paint": {"background-color": colour}}]}


def map_view(lat: np.ndarray, lon: np.ndarray) -> dict:
    """Centre and zoom that fit the points (Web-Mercator zoom from the larger extent)."""
    lat, lon = lat[np.isfinite(lat)], lon[np.isfinite(lon)]
    if not len(lat):
        return {"center": {"lat": 46.3, "lon": -94.3}, "zoom": 5}  # Minnesota
    extent = max(float(lat.max() - lat.min()) * 1.4, float(lon.max() - lon.min()), 0.05)
    zoom = float(np.clip(np.log2(360.0 / extent) - 0.6, 3, 12))
    return {"center": {"lat": float(lat.mean()), "lon": float(lon.mean())}, "zoom": round(zoom, 2)}


def overview_map_figure(frame: pd.DataFrame | None, metric: str, year: int | None, *, template: str = LIGHT,
                        title: str | None = None) -> go.Figure:
    """All lakes on an offline-safe map (no tiles), coloured by ``metric`` in ``year``.

    ``frame``: lake_id, name, display_id, latitude, longitude, value. Lakes without a value that
    year are drawn grey so they stay clickable. ``customdata[0]`` is the lake id (click -> lake page).
    """
    info = metric_info(metric)
    if frame is None or frame.empty:
        return no_data_figure("No lakes match these filters", template, title)
    located = frame[np.isfinite(_column(frame, "latitude")) & np.isfinite(_column(frame, "longitude"))]
    if located.empty:
        return no_data_figure("None of the matching lakes has coordinates", template, title)
    fig = _Draft()
    has_value = located["value"].notna()
    if info.numeric:
        has_value &= np.isfinite(_column(located, "value"))
    missing, present = located[~has_value], located[has_value]

    def hover(rows: pd.DataFrame) -> list[list]:
        return [[r.lake_id, r.name, r.display_id, info.format(r.value) if ok else f"no data in {year}"]
                for r, ok in zip(rows.itertuples(), rows.index.isin(present.index))]

    template_hover = "<b>%{customdata[1]}</b> (%{customdata[2]})<br>" + info.label + ": %{customdata[3]}<extra></extra>"
    if len(missing):
        fig.add_trace(go.Scattermap(
            lat=_num(missing["latitude"]), lon=_num(missing["longitude"]), mode="markers",
            name=f"No {info.label.lower()} in {year}", customdata=hover(missing),
            marker={"size": 7, "color": NO_DATA_COLOR, "opacity": 0.6}, hovertemplate=template_hover))
    if len(present):   # a dark ring under each coloured point: bright viridis yellow on a light map needs it
        fig.add_trace(go.Scattermap(
            lat=_num(present["latitude"]), lon=_num(present["longitude"]), mode="markers", hoverinfo="skip",
            showlegend=False, name="outline", marker={"size": 14, "color": "#3a3a3a" if template != DARK else "#d0d0d0"}))
    if info.numeric and len(present):
        reverse = info.better == "lower"   # bright (yellow) always means the better end
        fig.add_trace(go.Scattermap(
            lat=_num(present["latitude"]), lon=_num(present["longitude"]), mode="markers",
            name=f"{info.label} {year}", customdata=hover(present), hovertemplate=template_hover,
            marker={"size": 11, "color": _num(present["value"]), "colorscale": SEQUENTIAL_SCALE,
                    "reversescale": reverse, "showscale": True,
                    "colorbar": {"title": {"text": info.axis_title}, "thickness": 14}}))
    elif len(present):
        for grade in GRADES:
            rows = present[present["value"] == grade]
            if rows.empty:
                continue
            fig.add_trace(go.Scattermap(
                lat=_num(rows["latitude"]), lon=_num(rows["longitude"]), mode="markers",
                name=f"Grade {grade}", customdata=hover(rows), hovertemplate=template_hover,
                marker={"size": 11, "color": GRADE_COLORS[grade]}))
    focus = present if len(present) else located   # fit the lakes that have the metric
    view = map_view(_column(focus, "latitude"), _column(focus, "longitude"))
    fig.update_layout(map={"style": offline_map_style(template), **view}, uirevision=f"{metric}", height=520,
                      legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0, "xanchor": "left"},
                      margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10})
    return _finish(fig, template, title)


def watershed_properties_figure(frame: pd.DataFrame | None, year: int | None, *, template: str = LIGHT,
                                title: str | None = None) -> go.Figure:
    """Number of properties near monitored lakes, summed by major watershed (horizontal bars)."""
    if frame is None or frame.empty or not np.isfinite(_column(frame, "n_properties")).any():
        return no_data_figure(f"No property records for {year}", template, title)
    data = frame.assign(n_properties=_column(frame, "n_properties"))
    data = data[np.isfinite(data["n_properties"])]
    data = data.assign(major_watershed=data["major_watershed"].fillna("Unknown watershed"))
    totals = data.groupby("major_watershed", as_index=False).agg(
        n_properties=("n_properties", "sum"), n_lakes=("lake_id", "nunique")).sort_values("n_properties")
    fig = _Draft(go.Bar(
        x=totals["n_properties"], y=totals["major_watershed"], orientation="h", customdata=totals["n_lakes"],
        marker={"color": OKABE_ITO[4]}, name="Properties",
        hovertemplate="%{y}: %{x:,.0f} properties near %{customdata} lakes<extra></extra>"))
    fig.update_layout(xaxis={"title": {"text": f"Properties near monitored lakes in {year} (count)"}},
                      yaxis={"title": {"text": "Major watershed"}, "automargin": True},
                      height=max(300, 28 * len(totals) + 120))
    return _finish(fig, template, title)


def county_grade_figure(frame: pd.DataFrame | None, year: int | None, *, template: str = LIGHT,
                        title: str | None = None) -> go.Figure:
    """Seasonal grade against the number of nearby properties, one colour per county (Okabe-Ito)."""
    if frame is None or frame.empty:
        return no_data_figure(f"No graded lakes with property records in {year}", template, title)
    data = frame.assign(n_properties=_column(frame, "n_properties"))
    data = data[data["grade"].isin(GRADES) & np.isfinite(data["n_properties"])]
    if data.empty:
        return no_data_figure(f"No graded lakes with property records in {year}", template, title)
    data = data.assign(county=data["county"].fillna("Unknown county"))
    fig = _Draft()
    for i, (county, rows) in enumerate(sorted(data.groupby("county"), key=lambda kv: str(kv[0]))):
        fig.add_trace(go.Box(
            x=rows["grade"], y=rows["n_properties"], name=str(county), boxpoints="all", jitter=0.4,
            pointpos=0, marker={"color": OKABE_ITO[i % 8], "size": 6}, line={"width": 1},
            customdata=rows["name"], hovertemplate="%{customdata}: grade %{x}, %{y:,.0f} properties<extra>"
                                                   + str(county) + "</extra>"))
    fig.update_layout(boxmode="group",
                      xaxis={"title": {"text": "Seasonal grade (A best, F worst)"}, "categoryorder": "array",
                             "categoryarray": list(GRADES)},
                      yaxis={"title": {"text": "Properties near the lake (count)"}})
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0,
                              "title": {"text": "County"}}, margin={"b": 110})
    return _finish(fig, template, title)


# -- compare -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LakeSeriesData:
    """One selected lake for the compare page: its position fixes its colour."""

    lake_id: str
    name: str
    frame: pd.DataFrame   # year, value

    def values(self) -> pd.DataFrame:
        v = _column(self.frame, "value")
        return self.frame[np.isfinite(v)].sort_values("year") if len(self.frame) else self.frame


def _label(lake: LakeSeriesData) -> str:
    return f"{lake.name} ({lake.lake_id})"


def compare_series_figure(lakes: Sequence[LakeSeriesData], metric: str, *, template: str = LIGHT,
                          title: str | None = None) -> go.Figure:
    """Selected lakes' yearly values overlaid, one colour per lake (its position in the selection)."""
    info = metric_info(metric)
    if not lakes:
        return no_data_figure("Pick up to 8 lakes to compare", template, title)
    if not any(len(lk.values()) for lk in lakes):
        return no_data_figure(f"None of the selected lakes has {info.label.lower()} data", template, title)
    fig = _Draft()
    for i, lake in enumerate(lakes):
        v = lake.values()
        fig.add_trace(go.Scatter(
            x=v["year"] if len(v) else [], y=_num(v["value"]) if len(v) else [], name=_label(lake),
            mode="lines+markers", line={"color": lake_color(i)}, marker={"color": lake_color(i), "size": 7},
            hovertemplate=f"%{{x}}: %{{y:,.3g}} {info.unit}<extra>{lake.name}</extra>"))
    fig.update_layout(xaxis={"title": {"text": "Year"}}, yaxis={"title": {"text": info.axis_title}})
    return _finish(fig, template, title)


def compare_distribution_figure(lakes: Sequence[LakeSeriesData], metric: str, *, template: str = LIGHT,
                                title: str | None = None) -> go.Figure:
    """Distribution of each lake's yearly values side by side (box with all points)."""
    info = metric_info(metric)
    if not lakes or not any(len(lk.values()) for lk in lakes):
        return no_data_figure(f"No {info.label.lower()} values to compare", template, title)
    fig = _Draft()
    for i, lake in enumerate(lakes):
        v = lake.values()
        fig.add_trace(go.Box(
            y=_num(v["value"]) if len(v) else [], name=lake.name, boxpoints="all", jitter=0.3, pointpos=0,
            marker={"color": lake_color(i)}, line={"color": lake_color(i)},
            hovertemplate=f"%{{y:,.3g}} {info.unit}<extra>{lake.name}</extra>"))
    fig.update_layout(showlegend=False, xaxis={"title": {"text": "Lake"}},
                      yaxis={"title": {"text": info.axis_title}})
    return _finish(fig, template, title)


def latest_values(lakes: Sequence[LakeSeriesData]) -> pd.DataFrame:
    """Each lake's most recent value: position, lake_id, name, year, value (lakes without data dropped)."""
    rows = []
    for i, lake in enumerate(lakes):
        v = lake.values()
        if len(v):
            last = v.iloc[-1]
            rows.append({"position": i, "lake_id": lake.lake_id, "name": lake.name,
                         "year": int(last["year"]), "value": float(last["value"])})
    return pd.DataFrame(rows, columns=["position", "lake_id", "name", "year", "value"])


def compare_latest_figure(lakes: Sequence[LakeSeriesData], metric: str, *, template: str = LIGHT,
                          title: str | None = None) -> go.Figure:
    """Latest values ranked best first (by the metric's "better" direction), lake colours kept."""
    info = metric_info(metric)
    latest = latest_values(lakes)
    if latest.empty:
        return no_data_figure(f"No {info.label.lower()} values to rank", template, title)
    latest = latest.sort_values("value", ascending=(info.better == "lower"), kind="stable")
    fig = _Draft(go.Bar(
        x=latest["value"], y=[f"{n} ({y})" for n, y in zip(latest["name"], latest["year"])], orientation="h",
        marker={"color": [lake_color(p) for p in latest["position"]]}, name="Latest",
        hovertemplate=f"%{{y}}: %{{x:,.3g}} {info.unit}<extra></extra>"))
    fig.update_layout(xaxis={"title": {"text": f"Latest {info.axis_title}"}},
                      yaxis={"title": {"text": "Lake (year)"}, "autorange": "reversed", "automargin": True},
                      showlegend=False, height=max(260, 45 * len(latest) + 120))
    return _finish(fig, template, title)
