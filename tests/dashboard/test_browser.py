"""End to end in headless Chromium (dash.testing's dash_duo) against the real model API.

A few journeys only: the overview with the real lakes -> a lake page, compare two lakes from a
copied URL, the what-if slider, an embed page, and the API going away mid-session (a private API).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from selenium.common.exceptions import (ElementClickInterceptedException, NoSuchElementException,
                                        StaleElementReferenceException)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from support.live_server import free_port

TIMEOUT = 20


def _start(browser, app, path: str = "/") -> None:
    browser.driver.set_window_size(1400, 1800)
    browser.start_server(app, port=free_port())
    if path != "/":
        browser.driver.get(browser.server_url + path)


def _wait(browser, condition, timeout: float = TIMEOUT, message: str = ""):
    return WebDriverWait(browser.driver, timeout, poll_frequency=0.1).until(lambda d: condition(), message)


def _click(browser, selector: str) -> None:
    """Scroll the element to the middle of the viewport and click it, retrying while the page
    still moves (a click on a moving layout lands off the element: 'not clickable at point')."""
    def attempt():
        try:
            element = browser.driver.find_element(By.CSS_SELECTOR, selector)
            browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
            element.click()
            return True
        except (ElementClickInterceptedException, StaleElementReferenceException):
            return False

    _wait(browser, attempt, message=f"could not click {selector}")


def _text(browser, selector: str) -> str:
    """Text of an element that callbacks may be re-rendering (stale or missing reads as "")."""
    try:
        return browser.driver.find_element(By.CSS_SELECTOR, selector).text
    except (StaleElementReferenceException, NoSuchElementException):
        return ""


def _trace_names(browser, graph_id: str) -> list[str]:
    return browser.driver.execute_script(
        "const el = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return el && el.data ? el.data.map(t => t.name || '') : [];", f"#{graph_id}")


def _no_severe_logs(browser) -> list:
    return [entry for entry in (browser.get_logs() or []) if entry.get("level") == "SEVERE"]


def test_overview_opens_a_lake_page_with_its_series(browser, app_for, live_api, tables):
    _start(browser, app_for(live_api))
    browser.wait_for_text_to_equal("#kpi-lakes", f"{len(tables.lakes):,}", timeout=TIMEOUT)
    _wait(browser, lambda: "Secchi depth 2014" in _trace_names(browser, "overview-map-graph"), message="no map")
    _wait(browser, lambda: not browser.driver.find_elements(By.CSS_SELECTOR, ".dash-spinner, ._dash-loading"),
          message="still loading")
    first = browser.wait_for_element("#ranking-table td[data-dash-column='name']", timeout=TIMEOUT)
    name = first.text
    lake_id = tables.lakes.loc[tables.lakes["name"] == name, "lake_id"].iloc[0]
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", first)
    first.click()
    _wait(browser, lambda: browser.driver.current_url.endswith(f"/lake/{lake_id}"), message="no navigation")
    _wait(browser, lambda: "Secchi depth, observed" in _trace_names(browser, "lake-clarity-graph"),
          message="clarity chart not drawn")
    browser.wait_for_contains_text("#lake-facts-name", name, timeout=TIMEOUT)
    assert any(n.startswith("Grade ") for n in _trace_names(browser, "lake-grades-graph"))
    svg_button = browser.driver.find_element(By.XPATH, "//*[@id='lake-clarity-graph']/ancestor::div[contains("
                                                       "@class, 'card-body')]//button[text()='SVG']")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", svg_button)
    svg_button.click()                                        # the SVG export, file named after the lake
    svg = Path(browser.download_path) / f"lake-{lake_id}-clarity.svg"
    _wait(browser, lambda: svg.is_file() and svg.stat().st_size > 1000, message="no SVG downloaded")
    assert svg.read_text().lstrip().startswith("<svg")
    other = tables.lakes[tables.lakes["has_iceout"] & ~tables.lakes["has_water_quality"]].iloc[0]
    _click(browser, "#lake-select")                           # open another lake by typing its name
    browser.find_element(".dash-dropdown-search").send_keys(
        other["display_id"])
    wanted = f"{other['name']} ({other['display_id']}"
    _wait(browser, lambda: any(o.text.startswith(wanted) for o in browser.driver.find_elements(
        By.CSS_SELECTOR, ".dash-dropdown-option")), message="lake not offered")
    next(o for o in browser.driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
         if o.text.startswith(wanted)).click()
    _wait(browser, lambda: browser.driver.current_url.endswith(f"/lake/{other['lake_id']}"), message="no switch")
    _wait(browser, lambda: "Ice-out, observed" in _trace_names(browser, "lake-iceout-graph"), message="no ice-out")
    browser.driver.back()
    _wait(browser, lambda: browser.driver.current_url.endswith(f"/lake/{lake_id}"), message="back failed")
    browser.driver.back()                                   # back to the overview
    browser.wait_for_text_to_equal("#kpi-lakes", f"{len(tables.lakes):,}", timeout=TIMEOUT)
    assert _no_severe_logs(browser) == []


def test_copied_urls_restore_compare_and_overview(browser, app_for, live_api, tables):
    ids = tables.lake_years.groupby("lake_id").size().sort_values(ascending=False, kind="stable").index[:2]
    names = [tables.lakes.set_index("lake_id").loc[i, "name"] for i in ids]
    _start(browser, app_for(live_api), f"/compare?lakes={ids[0]},{ids[1]}&metric=phosphorus_mean_mg_l")
    _wait(browser, lambda: len(_trace_names(browser, "compare-series-graph")) == 2, message="series not drawn")
    traces = _trace_names(browser, "compare-series-graph")
    assert traces == [f"{names[0]} ({ids[0]})", f"{names[1]} ({ids[1]})"]
    assert browser.driver.execute_script(
        "return document.querySelector('#compare-series-graph .js-plotly-plot').layout.yaxis.title.text") \
        == "Total phosphorus (mg/L)"
    snippet = browser.find_element("#compare-series-embed").get_attribute("value")
    assert f"/embed/compare-series?lakes={ids[0]}%2C{ids[1]}&amp;metric=phosphorus_mean_mg_l" in snippet
    browser.driver.get(browser.server_url + "/?metric=grade&year=2010&county=Washington")
    _wait(browser, lambda: browser.driver.find_elements(By.CSS_SELECTOR, "#ranking-table td[data-dash-column='county']"),
          message="table empty")
    counties = {td.text for td in browser.driver.find_elements(By.CSS_SELECTOR,
                                                                "#ranking-table td[data-dash-column='county']")}
    assert counties == {"Washington"}
    assert "Grade A" in _trace_names(browser, "overview-map-graph") or \
        "Grade B" in _trace_names(browser, "overview-map-graph")
    assert _no_severe_logs(browser) == []


def _lake_year_that_moves(api_client, tables) -> tuple[str, int, float]:
    """A lake-year whose predicted value changes when Secchi depth becomes very different."""
    rows = tables.lake_years.dropna(subset=["median_sale_value_usd", "secchi_mean_m"]).sort_values(["lake_id", "year"])
    for row in rows.itertuples():
        target = 7.0 if row.secchi_mean_m < 3 else 0.5
        sc = api_client.property_value_scenario(row.lake_id, int(row.year), secchi_mean_m=target)
        if abs(sc.difference or 0) > 1:
            return row.lake_id, int(row.year), target
    pytest.fail("the property-value model does not react to Secchi depth for any lake-year")


def test_whatif_slider_changes_the_prediction(browser, app_for, live_api, api_client, tables):
    lake_id, year, target = _lake_year_that_moves(api_client, tables)
    _start(browser, app_for(live_api), f"/predict?lake={lake_id}&year={year}")
    browser.wait_for_element("#predict-value", timeout=TIMEOUT)
    _wait(browser, lambda: _text(browser, "#predict-value").startswith("$"), message="no prediction")
    before = _text(browser, "#predict-value")
    baseline = _text(browser, "#predict-baseline")
    assert before == baseline and before.startswith("$")
    box = browser.find_element("#predict-secchi input[type=number]")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(target), Keys.TAB)             # the number box commits on blur
    expected = api_client.property_value_scenario(lake_id, year, secchi_mean_m=target,
                                                  phosphorus_mean_mg_l=None)
    _wait(browser, lambda: _text(browser, "#predict-value") not in ("", before), message="prediction unchanged")
    assert _text(browser, "#predict-baseline") == baseline
    assert f"secchi={target:g}" in browser.driver.current_url
    assert _text(browser, "#predict-difference") not in ("$0 (+0.0%)", "n/a", "")
    assert expected.version in _text(browser, "#predict-model")


def test_predict_without_a_lake_shows_a_prediction_at_once(browser, app_for, live_api, api_client):
    """A first visit to /predict preselects a lake and year (the layout's choice), predicts, and puts the
    selection in the URL."""
    from dashboard import data

    lake_id, year = data.default_scenario(api_client)
    _start(browser, app_for(live_api), "/predict")
    _wait(browser, lambda: _text(browser, "#predict-value").startswith("$"), message="no prediction")
    _wait(browser, lambda: f"lake={lake_id}" in browser.driver.current_url, message="lake not in the URL")
    assert f"year={year}" in browser.driver.current_url
    baseline = api_client.property_value_scenario(lake_id, year).baseline.value
    assert _text(browser, "#predict-baseline") == f"${baseline:,.0f}"


_LUMINANCE_JS = """
const rgb = s => (s.match(/[0-9.]+/g) || []).slice(0, 3).map(Number);
const lum = c => { const [r, g, b] = rgb(c).map(v => v / 255); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const el = document.querySelector(arguments[0]);
const cs = getComputedStyle(el);
const text = getComputedStyle(el.querySelector('.dash-dropdown-value') || el);
return [lum(cs.backgroundColor), lum(text.color)];
"""


def test_dark_mode_controls_and_phone_width(browser, app_for, live_api, tables):
    """Dark mode: dropdowns and slider boxes dark with light text (they were white with light text).
    390 px wide: no page-level sideways scrolling."""
    _start(browser, app_for(live_api), "/predict?lake=82004600")
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    for path in ("/", "/predict?lake=82004600", "/models", "/compare?lakes=82004600,82001400"):
        browser.driver.get(browser.server_url + path)
        _wait(browser, lambda: browser.driver.find_elements(By.CSS_SELECTOR, "h1"), message=f"{path}: no page")
        _wait(browser, lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "._dash-loading"),
              message=f"{path}: still loading")
        width = browser.driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] == 390, f"{path} scrolls sideways: {width}"
    browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.driver.get(browser.server_url + "/predict?lake=82004600")
    _wait(browser, lambda: _text(browser, "#predict-value").startswith("$"), message="no prediction")
    light_bg, light_text = browser.driver.execute_script(_LUMINANCE_JS, "#predict-lake")
    assert light_bg > 0.8 and light_text < 0.3
    browser.driver.execute_script("document.querySelector('#theme-switch').click()")
    _wait(browser, lambda: browser.driver.execute_script(
        "return document.documentElement.getAttribute('data-bs-theme')") == "dark", message="no dark mode")
    for selector in ("#predict-lake", "#predict-secchi .dash-input-container"):
        bg, fg = browser.driver.execute_script(_LUMINANCE_JS, selector)
        assert bg < 0.2 and fg > 0.6, f"{selector}: background {bg:.2f}, text {fg:.2f}"


def test_embed_page_renders_the_chart(browser, app_for, live_api, tables):
    lake_id = tables.lakes.loc[tables.lakes["has_iceout"], "lake_id"].iloc[0]
    _start(browser, app_for(live_api))
    browser.driver.set_window_size(480, 360)                 # like a small iframe
    browser.driver.get(f"{browser.server_url}/embed/lake-iceout?lake={lake_id}")
    _wait(browser, lambda: browser.driver.execute_script(
        "const el = document.querySelector('.js-plotly-plot'); return el && el.data && el.data.length > 0;"),
          message="embedded chart not drawn")
    width = browser.driver.execute_script("return document.querySelector('.js-plotly-plot').offsetWidth;")
    assert 300 < width <= 480
    assert browser.driver.find_elements(By.CSS_SELECTOR, ".navbar") == []   # the chart alone
    browser.driver.set_window_size(1280, 900)


def test_api_stopped_mid_session_shows_an_alert_and_recovers(browser, app_for, api_servers, tables):
    api = api_servers.start(workers=1)
    lake_id = tables.lakes.loc[tables.lakes["has_water_quality"], "lake_id"].iloc[0]
    app = app_for(api.url, timeout=2, health_poll_s=1.0)
    _start(browser, app, f"/lake/{lake_id}")
    _wait(browser, lambda: "Secchi depth, observed" in _trace_names(browser, "lake-clarity-graph"),
          message="lake page not drawn")
    api.stop()
    _click(browser, "#theme-switch")                        # every chart asks the API again
    browser.wait_for_contains_text("#api-alert", "not reachable", timeout=TIMEOUT)
    assert "Secchi depth, observed" in _trace_names(browser, "lake-clarity-graph") or \
        browser.find_element("#lake-clarity-notes").text        # the page keeps working, no traceback
    assert "Traceback" not in browser.driver.page_source
    assert _no_severe_logs(browser) == []
    api.start()
    _wait(browser, lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "#api-alert"), timeout=30,
          message="alert did not close after the API came back")
    _wait(browser, lambda: "Secchi depth, observed" in _trace_names(browser, "lake-clarity-graph")
          and browser.driver.execute_script(
              "return document.querySelector('#lake-clarity-graph .js-plotly-plot').layout.template"
              ".layout.paper_bgcolor") == "rgb(17,17,17)", timeout=30, message="charts did not recover (dark)")
    assert _no_severe_logs(browser) == []
