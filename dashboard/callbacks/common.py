"""Helpers every page's callbacks share: theme, skipping on API-down, URL query building, options."""
from __future__ import annotations

from urllib.parse import urlencode

from dash import ctx
from dash.exceptions import PreventUpdate

from ..figures import template_for
from ..ids import Shell


def template(theme: str | None) -> str:
    return template_for(theme)


def skip_when_api_goes_down(status: str | None) -> None:
    """Data callbacks listen to the API status to refill themselves when it comes back up;
    the change to "down" itself is no reason to re-run them."""
    if ctx.triggered_id == Shell.API_STATUS and status != "up":
        raise PreventUpdate


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


def options_js(property_only: bool = False) -> str:
    """Dropdown options from the shell's lake list, client-side (no server round trip per page).
    Second argument: the lake id(s) to keep as options until the list arrives."""
    keep = "l.property" if property_only else "true"
    return """
function(lakes, keep) {
    if (!lakes || !lakes.length) {
        const ids = Array.isArray(keep) ? keep : (keep ? [keep] : []);
        return ids.map(id => ({label: String(id), value: id}));
    }
    return lakes.filter(l => %s).map(l => ({label: l.label, value: l.value, search: l.search}));
}
""" % keep
