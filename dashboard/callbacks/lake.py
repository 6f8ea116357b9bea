"""Lake page callbacks. The layout renders the page for a lake (see lakepage.py); these redraw a part
when the theme, the benchmark metric or the API's availability changes, switch lakes and send the CSV."""
from __future__ import annotations

from dash import Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from model_client import LakeApiError

from ..components import chart_outputs, error_alert
from ..context import current
from ..ids import Lake as ids
from ..ids import Shell
from ..lakepage import chart_view, csv_download, lake_header
from ..apistatus import note_api_error
from .common import options_inputs, options_js, query_string, skip_when_api_goes_down

OPTIONS_JS = options_js()




def register(app, client, ds) -> None:
    @app.callback(
        Output(ids.FACTS + "-name", "children"), Output(ids.FACTS, "children"), Output(ids.TREND, "children"),
        Output(ids.ALERT, "children"),
        Input(ids.STORE, "data"), Input(Shell.API_STATUS, "data"),
        prevent_initial_call=True,      # the layout already holds them
    )
    def _header(lake_id, status):
        skip_when_api_goes_down(status)
        return lake_header(client, lake_id)

    def _register_chart(cid: str) -> None:
        @app.callback(*chart_outputs(cid), Input(ids.STORE, "data"), Input(Shell.THEME_STORE, "data"),
                      Input(Shell.API_STATUS, "data"), prevent_initial_call=True)
        def _chart(lake_id, theme, status):
            skip_when_api_goes_down(status)
            if not lake_id:
                raise PreventUpdate
            return chart_view(client, ds, cid, lake_id, theme, current().public_base())

    for cid in (ids.CLARITY, ids.GRADES, ids.VALUE, ids.ICEOUT):
        _register_chart(cid)

    @app.callback(*chart_outputs(ids.BENCHMARK), Input(ids.STORE, "data"), Input(ids.BENCHMARK_METRIC, "value"),
                  Input(Shell.THEME_STORE, "data"), Input(Shell.API_STATUS, "data"), prevent_initial_call=True)
    def _benchmark(lake_id, metric, theme, status):
        skip_when_api_goes_down(status)
        if not lake_id:
            raise PreventUpdate
        return chart_view(client, ds, ids.BENCHMARK, lake_id, theme, current().public_base(), metric)

    @app.callback(Output(ids.URL, "search"), Input(ids.BENCHMARK_METRIC, "value"), prevent_initial_call=True)
    def _url(metric):
        return query_string({"metric": metric if metric != "secchi_mean_m" else None})

    app.clientside_callback(OPTIONS_JS, Output(ids.SELECT, "options"),
                            *options_inputs(ids.SELECT, Shell.LAKES_STORE))

    @app.callback(Output(Shell.NAV_LOCATION, "pathname", allow_duplicate=True), Input(ids.SELECT, "value"),
                  State(ids.STORE, "data"), prevent_initial_call=True)
    def _switch(selected, current_id):
        if not selected or selected == current_id:
            raise PreventUpdate
        return f"/lake/{selected}"

    @app.callback(Output(ids.CSV_DOWNLOAD, "data"), Output(ids.ALERT, "children", allow_duplicate=True),
                  Input(ids.CSV_BUTTON, "n_clicks"), State(ids.STORE, "data"), prevent_initial_call=True)
    def _csv(n_clicks, lake_id):
        if not n_clicks or not lake_id:
            raise PreventUpdate
        try:
            return csv_download(client, lake_id), no_update
        except LakeApiError as exc:
            note_api_error(exc)
            return no_update, error_alert(exc)
