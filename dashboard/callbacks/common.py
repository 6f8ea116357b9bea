"""Helpers every page's callbacks share: theme, API-down bookkeeping, URL query building."""
from __future__ import annotations

from urllib.parse import urlencode

from dash import ctx, set_props
from dash.exceptions import MissingCallbackContextException, PreventUpdate

from model_client import ApiTimeout, ApiUnavailable, ServerError

from ..components import error_message
from ..figures import template_for
from ..ids import Shell

API_DOWN_ERRORS = (ApiUnavailable, ApiTimeout, ServerError)


def template(theme: str | None) -> str:
    return template_for(theme)


def skip_when_api_goes_down(status: str | None) -> None:
    """Data callbacks listen to the API status to refill themselves when it comes back up;
    the change to "down" itself is no reason to re-run them."""
    if ctx.triggered_id == Shell.API_STATUS and status != "up":
        raise PreventUpdate


def note_api_error(exc: Exception) -> None:
    """An unreachable API seen by any callback shows the banner at once and arms the recovery poll."""
    if not isinstance(exc, API_DOWN_ERRORS):
        return
    try:
        set_props(Shell.API_STATUS, {"data": "down"})
        set_props(Shell.API_ALERT, {"is_open": True, "children": down_banner(error_message(exc))})
    except MissingCallbackContextException:  # called directly (tests, routes): nothing to update
        pass


def down_banner(reason: str) -> str:
    return (f"{reason}. The rest of the page keeps working; charts that need the API fill in by themselves "
            f"when it is back.")


def query_string(values: dict) -> str:
    """``?a=1&b=x,y`` from non-empty values (lists joined by commas, True as "true"); "" when empty."""
    clean = {}
    for key, value in values.items():
        if value in (None, "", [], False):
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        clean[key] = "true" if value is True else value
    return f"?{urlencode(clean)}" if clean else ""
