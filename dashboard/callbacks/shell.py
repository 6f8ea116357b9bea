"""Shell callbacks: dark mode (client-side), the API health poll, the navbar toggler, SVG export."""
from __future__ import annotations

from dash import MATCH, Input, Output, State, no_update

from model_client import LakeApiError

from .. import data
from ..components import error_message
from ..ids import Chart, Shell
from ..apistatus import down_banner, note_api_error
from .common import skip_when_api_goes_down

THEME_JS = """
function(checked, _ts, stored) {
    const triggered = (dash_clientside.callback_context.triggered || []).map(t => t.prop_id);
    const theme = triggered.includes("theme-switch.value") ? (checked ? "dark" : "light") : (stored || "light");
    document.documentElement.setAttribute("data-bs-theme", theme);
    return [theme === stored ? dash_clientside.no_update : theme, theme === "dark"];
}
"""

SVG_JS = """
function(clicks, meta) {
    if (!clicks || !meta || !meta.graph) { return dash_clientside.no_update; }
    const holder = document.getElementById(meta.graph);
    const gd = holder && (holder.classList.contains("js-plotly-plot") ? holder : holder.querySelector(".js-plotly-plot"));
    if (gd && window.Plotly) {
        window.Plotly.downloadImage(gd, {format: "svg", filename: meta.filename, width: meta.width, height: meta.height});
    }
    return dash_clientside.no_update;
}
"""


def api_status(client, n_intervals, status):
    """(status, banner open, banner text): "up" when the API answers ready, else "down" with the reason;
    the status only changes on a transition so data callbacks re-run just when the API comes back."""
    try:
        health = client.health()
        new, reason = ("up", None) if health.ready else ("down", "The model API is starting (models not loaded yet)")
    except LakeApiError as exc:
        new, reason = "down", error_message(exc)
    if new == "up":
        return ("up" if status != "up" else no_update), False, no_update
    return ("down" if status != "down" else no_update), True, down_banner(reason)


def register(app, client, ds) -> None:
    app.clientside_callback(
        THEME_JS,
        Output(Shell.THEME_STORE, "data"), Output(Shell.THEME_SWITCH, "value"),
        Input(Shell.THEME_SWITCH, "value"), Input(Shell.THEME_STORE, "modified_timestamp"),
        State(Shell.THEME_STORE, "data"),
    )
    app.clientside_callback(
        "function(n, open) { return n ? !open : open; }",
        Output("navbar-collapse", "is_open"), Input("navbar-toggler", "n_clicks"), State("navbar-collapse", "is_open"),
    )
    app.clientside_callback(
        SVG_JS,
        Output(Chart.svg_button(MATCH), "n_clicks"),
        Input(Chart.svg_button(MATCH), "n_clicks"), State(Chart.svg_meta(MATCH), "data"),
        prevent_initial_call=True,
    )

    @app.callback(Output(Shell.LAKES_STORE, "data"), Input(Shell.API_STATUS, "data"))
    def _lakes(status):
        skip_when_api_goes_down(status)
        try:
            return data.lake_choices(client)
        except LakeApiError as exc:
            note_api_error(exc)
            return no_update

    @app.callback(
        Output(Shell.API_STATUS, "data"), Output(Shell.API_ALERT, "is_open"), Output(Shell.API_ALERT, "children"),
        Input(Shell.API_POLL, "n_intervals"), State(Shell.API_STATUS, "data"),
        prevent_initial_call=True,
    )
    def _poll(n_intervals, status):
        return api_status(client, n_intervals, status)
