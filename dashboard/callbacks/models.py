"""Models page callback: one card per production model, or an alert saying why there are none."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output

from model_client import LakeApiError

from ..components import error_alert
from ..ids import Models as ids
from ..ids import Shell
from ..views.models import model_card
from ..apistatus import note_api_error
from .common import skip_when_api_goes_down


def models_view(client) -> tuple:
    """Outputs: cards, alert."""
    try:
        infos = client.models()
    except LakeApiError as exc:
        note_api_error(exc)
        return None, error_alert(exc)
    if not infos:
        return None, dbc.Alert("The API has no production models yet: train them with `make train`.", color="info")
    return [model_card(info) for info in sorted(infos, key=lambda i: i.name)], None


def register(app, client, ds) -> None:
    @app.callback(Output(ids.CARDS, "children"), Output(ids.ALERT, "children"),
                  Input("models-trigger", "data"), Input(Shell.API_STATUS, "data"))
    def _models(_, status):
        skip_when_api_goes_down(status)
        return models_view(client)
