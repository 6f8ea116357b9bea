"""Helpers every page's callbacks share: theme, skipping on API-down, URL query building, options."""
from __future__ import annotations

from urllib.parse import urlencode

from dash import Input, ctx
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


def options_js(property_only: bool = False, limit: int = 40) -> str:
    """Client-side dropdown options from the shell's lake list: the selected lake(s) plus up to ``limit``
    lakes matching what the user types (the first ``limit`` by name before typing). Giving a dropdown all
    ~670 lakes at once costs ~170 ms of search indexing in the browser on every page render."""
    keep = "l.property" if property_only else "true"
    return """
function(search, value, lakes) {
    const selected = value == null ? [] : (Array.isArray(value) ? value : [value]);
    const byId = {};
    (lakes || []).forEach(l => { byId[l.value] = l; });
    const opt = l => ({label: l.label, value: l.value, search: l.search});
    const out = selected.map(id => byId[id] ? opt(byId[id]) : {label: String(id), value: id});
    const q = (search || "").trim().toLowerCase();
    for (const l of (lakes || [])) {
        if (out.length >= selected.length + %d) { break; }
        if (%s && !selected.includes(l.value) && (!q || l.search.toLowerCase().includes(q))) { out.push(opt(l)); }
    }
    return out;
}
""" % (limit, keep)


def options_inputs(dropdown_id: str, lakes_store_id: str) -> list:
    """Inputs of an ``options_js`` callback for ``dropdown_id``."""
    return [Input(dropdown_id, "search_value"), Input(dropdown_id, "value"), Input(lakes_store_id, "data")]
