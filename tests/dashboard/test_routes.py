"""The dashboard server's own routes: framing policy, compression, embed and standalone-HTML downloads,
JSON errors for bad input, settings validation."""
from __future__ import annotations

import pytest

from dashboard.embed import PLOTLY_JS_PATH
from dashboard.security import frame_headers
from dashboard.settings import load_dashboard_settings
from lakemodel.settings import ConfigError


def test_pages_forbid_framing_and_embeds_allow_configured_ancestors(web, dash_settings):
    page = web.get("/lake/27013300")
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert b'<html lang="en"' in page.data
    layout = web.post("/_dash-update-component", json={})   # Dash's own routes get the header too
    assert layout.headers["X-Frame-Options"] == "DENY"
    assert frame_headers("/embed/lake-clarity", ["'self'", "https://example.org"]) == {
        "Content-Security-Policy": "frame-ancestors 'self' https://example.org"}


def test_embed_page_renders_the_chart_alone(web, tables, dash_settings):
    lake_id = tables.lakes.loc[tables.lakes["has_water_quality"], "lake_id"].iloc[0]
    resp = web.get(f"/embed/lake-clarity?lake={lake_id}&theme=dark")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "X-Frame-Options" not in resp.headers
    assert resp.headers["Content-Security-Policy"] == "frame-ancestors " + " ".join(dash_settings.frame_ancestors)
    html = resp.get_data(as_text=True)
    assert f'src="{PLOTLY_JS_PATH}"' in html          # plotly.js served here: works offline
    assert '<html lang="en">' in html and "height:100%" in html and '"responsive": true' in html
    assert "Secchi depth, observed" in html and '"paper_bgcolor":"rgb(17,17,17)"' in html   # dark theme
    js = web.get(PLOTLY_JS_PATH)
    assert js.status_code == 200 and len(js.data) > 1_000_000 and "immutable" in js.headers["Cache-Control"]


def test_standalone_download_inlines_plotly(web, tables):
    lake_id = tables.lakes.loc[tables.lakes["has_iceout"], "lake_id"].iloc[0]
    resp = web.get(f"/download/lake-iceout.html?lake={lake_id}")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == f'attachment; filename="lake-{lake_id}-ice-out.html"'
    html = resp.get_data(as_text=True)
    assert len(html) > 3_000_000 and "<script src=" not in html.split("</head>")[0]
    assert "Ice-out, observed" in html


@pytest.mark.parametrize("url,status,needle", [
    ("/embed/no-such-chart", 404, "unknown chart"),
    ("/embed/lake-clarity", 422, "needs lake"),
    ("/embed/lake-clarity?lake=abc", 422, "lake"),
    ("/embed/lake-clarity?lake=99999999", 404, "99999999"),
    ("/embed/overview-map?metric=depth", 422, "unknown metric"),
    ("/embed/overview-map?bogus=1", 422, "bogus"),
    ("/download/compare-series.html?lakes=1,2", 422, "8-digit"),
])
def test_bad_chart_requests_get_json_errors(web, url, status, needle):
    resp = web.get(url)
    assert resp.status_code == status
    body = resp.get_json()
    assert needle in body["error"] and isinstance(body["detail"], list)


def test_unknown_asset_is_a_json_404(web):
    resp = web.get("/assets/nope.css")
    assert resp.status_code == 404 and resp.get_json()["error"]


def test_responses_are_compressed(web):
    resp = web.get(PLOTLY_JS_PATH, headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"
    assert len(resp.data) < 2_000_000


def test_dashboard_settings_are_validated(settings):
    bad = settings.model_copy(update={"dashboard": {**settings.dashboard, "max_compare": 12}})
    with pytest.raises(ConfigError, match="dashboard.max_compare"):
        load_dashboard_settings(bad)
    unknown = settings.model_copy(update={"dashboard": {**settings.dashboard, "colour": "red"}})
    with pytest.raises(ConfigError, match="dashboard.colour"):
        load_dashboard_settings(unknown)
    env = load_dashboard_settings(settings, env={"LAKES_DASHBOARD_URL": "https://lakes.example.org"})
    assert env.public_url == "https://lakes.example.org"
