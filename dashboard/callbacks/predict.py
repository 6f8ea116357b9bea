"""Predict page callbacks: lake/year choices, the what-if scenario, batch upload and download."""
from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from model_client import LakeApiError

from .. import batch, data
from ..components import error_alert
from ..ids import Predict as ids
from ..ids import Shell
from ..apistatus import note_api_error
from .common import query_string, skip_when_api_goes_down
from .common import options_inputs, options_js

SCENARIO_METRICS = ["secchi_mean_m", "phosphorus_mean_mg_l", "median_sale_value_usd"]


def _num(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _clamp(value: float | None, bounds: tuple[float, float, float]) -> float | None:
    if value is None:
        return None
    low, high, step = bounds
    return round(round(min(max(value, low), high) / step) * step, 6)


def year_choices(series: pd.DataFrame) -> list[int]:
    """Years the property-value model can be asked about: a sale value was recorded that year."""
    if series.empty or "median_sale_value_usd" not in series.columns:
        return []
    return sorted(int(y) for y in series.loc[series["median_sale_value_usd"].notna(), "year"])


def year_options(years: list[int], skipped: dict[int, str]) -> list[dict]:
    """Year dropdown options, newest first; a year the model cannot value is shown disabled with the reason."""
    return [{"label": f"{y} (no prediction: {skipped[y]})" if y in skipped else str(y), "value": y,
             "disabled": y in skipped} for y in reversed(years)]


def lake_year_state(client, ds, lake: str | None, year, initial: dict | None, first_load: bool) -> tuple:
    """Outputs: year options, year value, Secchi slider value, phosphorus slider value."""
    if not lake:
        return [], None, None, None
    series = data.lake_series(client, lake, SCENARIO_METRICS)
    years = year_choices(series)
    if not years:
        return [], None, None, None
    skipped = {s.year: s.reason for s in client.model_values(lake, data.VALUE_MODEL).skipped}
    valued = [y for y in years if y not in skipped]
    if not valued:
        return year_options(years, skipped), None, None, None
    year = int(year) if year in valued else valued[-1]
    row = series[series["year"] == year].iloc[0]
    secchi, phos = _num(row.get("secchi_mean_m")), _num(row.get("phosphorus_mean_mg_l"))
    if first_load and initial and initial.get("lake") == lake:
        if initial.get("year") in valued:
            year = initial["year"]
            row = series[series["year"] == year].iloc[0]
            secchi, phos = _num(row.get("secchi_mean_m")), _num(row.get("phosphorus_mean_mg_l"))
        secchi = _num(initial.get("secchi")) if initial.get("secchi") is not None else secchi
        phos = _num(initial.get("phosphorus")) if initial.get("phosphorus") is not None else phos
    return (year_options(years, skipped), year,
            _clamp(secchi, ds.secchi_slider_m), _clamp(phos, ds.phosphorus_slider_mg_l))


def _money(value: float | None) -> str:
    return f"${value:,.0f}" if value is not None else "n/a"


def scenario_card(sc) -> html.Div:
    """The what-if answer: scenario value with interval, baseline, difference, model version."""
    s, b = sc.scenario, sc.baseline
    interval = f" (interval {_money(s.lower)} to {_money(s.upper)})" if s.lower is not None else ""
    diff = sc.difference
    pct = f" ({sc.difference_pct:+.1f}%)" if sc.difference_pct is not None else ""
    diff_text = f"{'+' if diff and diff > 0 else ''}{_money(diff).replace('$-', '-$')}{pct}" if diff is not None \
        else "n/a"

    def cond(p) -> str:
        sec = f"{p.secchi_mean_m:.2f} m" if p.secchi_mean_m is not None else "n/a"
        ph = f"{p.phosphorus_mean_mg_l:.3f} mg/L" if p.phosphorus_mean_mg_l is not None else "n/a"
        return f"Secchi {sec}, phosphorus {ph}"

    return html.Div([
        html.Div("Predicted median sale value", className="small text-body-secondary"),
        html.Div(_money(s.value), id="predict-value", className="display-6"),
        html.Div(f"{cond(s)}{interval}", className="small mb-2"),
        dbc.Row([
            dbc.Col([html.Div("Baseline (observed conditions)", className="small text-body-secondary"),
                     html.Div(_money(b.value), id="predict-baseline", className="h5 mb-0"),
                     html.Div(cond(b), className="small")], xs=6),
            dbc.Col([html.Div("Difference", className="small text-body-secondary"),
                     html.Div(diff_text, id="predict-difference", className="h5 mb-0")], xs=6),
        ], className="mb-2"),
        html.Div(f"Model {sc.model}, version {sc.version}, {sc.year}; values in {sc.unit}.",
                 id="predict-model", className="small text-body-secondary"),
    ])


def scenario_view(client, lake, year, secchi, phosphorus) -> tuple:
    """Outputs: result, alert."""
    if not lake or year is None:
        return html.P("Pick a lake and a year to see a prediction.", className="text-body-secondary"), None
    try:
        sc = client.property_value_scenario(lake, int(year), secchi_mean_m=_num(secchi),
                                            phosphorus_mean_mg_l=_num(phosphorus))
    except LakeApiError as exc:
        note_api_error(exc)
        return None, error_alert(exc)
    return scenario_card(sc), None


def batch_view(client, ds, contents: str | None, filename: str | None) -> tuple:
    """Outputs: alert, table data, table columns, stored CSV, download-button disabled."""
    if not contents:
        raise PreventUpdate
    try:
        frame = batch.parse_rows(batch.decode_upload(contents, filename, ds.max_upload_bytes), filename,
                                 ds.max_upload_rows)
        info = client.model(data.VALUE_MODEL)
        mapping, unmatched = batch.column_mapping(frame.columns, info.features)
        if not mapping:
            raise batch.UploadError("none of the columns is a model feature; expected names like secchi_mean_m "
                                    "or Mean(Secchi_Depth_RESULT) (see the Models page for the list)")
        result = client.predict(data.VALUE_MODEL, batch.feature_rows(frame, mapping, info.features))
    except batch.UploadError as exc:
        return dbc.Alert(f"Cannot use this file: {exc}.", color="warning"), [], [], None, True
    except LakeApiError as exc:
        note_api_error(exc)
        return error_alert(exc), [], [], None, True
    results = batch.results_frame(frame, result, result.unit or info.target_unit)
    shown = batch.display_columns(results, mapping)
    n_ok = sum(1 for p in result.predictions if p.ok)
    notes = [f"{n_ok} of {len(frame)} rows predicted with model {result.model} version {result.version}."]
    missing = batch.missing_required(mapping, info.features)
    if missing:
        notes.append(f"Required features missing from the file: {', '.join(missing)}.")
    if unmatched:
        notes.append(f"Columns not used by the model: {', '.join(map(str, unmatched[:8]))}"
                     + (" ..." if len(unmatched) > 8 else "") + ".")
    color = "success" if n_ok == len(frame) else "warning"
    table = results[shown].astype(object).where(results[shown].notna(), None)
    return (dbc.Alert([html.Div(n) for n in notes], color=color, className="small"),
            table.to_dict(orient="records"), [{"name": c, "id": c} for c in shown],
            results.to_csv(index=False), False)


def register(app, client, ds) -> None:
    app.clientside_callback(
        options_js(property_only=True), Output(ids.LAKE, "options"), *options_inputs(ids.LAKE, Shell.LAKES_STORE))

    @app.callback(
        Output(ids.YEAR, "options"), Output(ids.YEAR, "value"), Output(ids.SECCHI, "value"),
        Output(ids.PHOSPHORUS, "value"), Output(ids.ALERT, "children", allow_duplicate=True),
        Input(ids.LAKE, "value"), Input(ids.YEAR, "value"), State(ids.INITIAL, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _choices(lake, year, initial):
        first_load = ctx.triggered_id is None
        try:
            return (*lake_year_state(client, ds, lake, year, initial, first_load), None)
        except LakeApiError as exc:
            note_api_error(exc)
            return no_update, no_update, no_update, no_update, error_alert(exc)

    @app.callback(
        Output(ids.RESULT, "children"), Output(ids.ALERT, "children"),
        Input(ids.LAKE, "value"), Input(ids.YEAR, "value"), Input(ids.SECCHI, "value"),
        Input(ids.PHOSPHORUS, "value"), Input(Shell.API_STATUS, "data"),
    )
    def _scenario(lake, year, secchi, phosphorus, status):
        skip_when_api_goes_down(status)
        return scenario_view(client, lake, year, secchi, phosphorus)

    @app.callback(Output(ids.URL, "search"), Input(ids.LAKE, "value"), Input(ids.YEAR, "value"),
                  Input(ids.SECCHI, "value"), Input(ids.PHOSPHORUS, "value"), prevent_initial_call=True)
    def _url(lake, year, secchi, phosphorus):
        return query_string({"lake": lake, "year": year, "secchi": secchi, "phosphorus": phosphorus})

    @app.callback(
        Output(ids.UPLOAD_ALERT, "children"), Output(ids.BATCH_TABLE, "data"), Output(ids.BATCH_TABLE, "columns"),
        Output(ids.BATCH_STORE, "data"), Output(ids.BATCH_DOWNLOAD_BUTTON, "disabled"),
        Input(ids.UPLOAD, "contents"), State(ids.UPLOAD, "filename"), prevent_initial_call=True,
    )
    def _batch(contents, filename):
        return batch_view(client, ds, contents, filename)

    @app.callback(Output(ids.BATCH_DOWNLOAD, "data"), Input(ids.BATCH_DOWNLOAD_BUTTON, "n_clicks"),
                  State(ids.BATCH_STORE, "data"), prevent_initial_call=True)
    def _download(n_clicks, csv_text):
        if not n_clicks or not csv_text:
            raise PreventUpdate
        return dcc.send_string(csv_text, "lake-predictions.csv")
