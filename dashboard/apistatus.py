"""Telling the page that the model API is down: any code that sees an unreachable API (a callback,
a page layout) opens the banner at once and arms the recovery poll (callbacks/shell.py)."""
from __future__ import annotations

from dash import set_props
from dash.exceptions import MissingCallbackContextException

from model_client import ApiTimeout, ApiUnavailable, ServerError

from .components import error_message
from .ids import Shell

API_DOWN_ERRORS = (ApiUnavailable, ApiTimeout, ServerError)


def down_banner(reason: str) -> str:
    return (f"{reason}. The rest of the page keeps working; charts that need the API fill in by themselves "
            f"when it is back.")


def note_api_error(exc: Exception) -> None:
    if not isinstance(exc, API_DOWN_ERRORS):
        return
    try:
        set_props(Shell.API_STATUS, {"data": "down"})
        set_props(Shell.API_ALERT, {"is_open": True, "children": down_banner(error_message(exc))})
    except MissingCallbackContextException:  # outside a callback (tests, routes, worker threads)
        pass
