"""The page shell: navigation, theme switch, API status banner, error banner, page container."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from .ids import Shell
from .settings import DashboardSettings

#: Dash's default index page, with a language, a description and a theme attribute Bootstrap reads.
INDEX_STRING = """<!DOCTYPE html>
<html lang="en" data-bs-theme="light">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""

NAV_ITEMS = (("Overview", "/"), ("Compare", "/compare"), ("Predict", "/predict"), ("Models", "/models"),
             ("About", "/about"))


def navbar(title: str) -> dbc.Navbar:
    links = [dbc.NavItem(dbc.NavLink(label, href=href, active="exact")) for label, href in NAV_ITEMS]
    theme = html.Div([
        dbc.Switch(id=Shell.THEME_SWITCH, label="Dark mode", value=False, className="mb-0",
                   input_class_name="theme-switch-input"),
    ], className="d-flex align-items-center ms-lg-3 mt-2 mt-lg-0")
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand([html.Img(src="/assets/favicon.svg", height="28", alt="", className="me-2"), title],
                        href="/"),
        dbc.NavbarToggler(id="navbar-toggler", n_clicks=0),
        dbc.Collapse(dbc.Nav([*links, theme], navbar=True, className="ms-auto align-items-lg-center"),
                     id="navbar-collapse", navbar=True, is_open=False),
    ], fluid=True), color="primary", dark=True, expand="lg", className="mb-3")


def shell(ds: DashboardSettings) -> html.Div:
    return html.Div([
        dcc.Store(id=Shell.THEME_STORE, storage_type="local"),
        dcc.Store(id=Shell.API_STATUS, data="up"),
        dcc.Store(id=Shell.LAKES_STORE),
        dcc.Interval(id=Shell.API_POLL, interval=int(ds.health_poll_s * 1000)),
        dcc.Location(id=Shell.NAV_LOCATION, refresh="callback-nav"),
        navbar(ds.title),
        dbc.Container([
            dbc.Alert(id=Shell.API_ALERT, is_open=False, color="danger", className="api-down"),
            dbc.Alert(id=Shell.ERROR_ALERT, is_open=False, color="warning", dismissable=True),
            # A spinner while a page is being rendered (navigation), not for each chart update.
            html.Main(dcc.Loading(dash.page_container, type="default", delay_show=300,
                                  target_components={"_pages_content": "children"},
                                  overlay_style={"visibility": "visible", "opacity": 0.6}), id="main"),
        ], fluid=True, className="pb-4"),
    ])
