"""/docs renders the API's operations in a real headless Chromium, from local assets only."""
from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                reason="chromium and chromedriver are needed for the browser test")


def test_swagger_ui_renders_offline(live_api):
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options)
    try:
        driver.get(f"{live_api}/docs")
        WebDriverWait(driver, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 20)
        text = driver.find_element(By.TAG_NAME, "body").text
        assert "/v1/models/{name}/predict" in text and "/v1/lakes/{lake_id}/forecast" in text
        requested = [e["message"] for e in driver.get_log("performance") if '"Network.requestWillBeSent"' in e["message"]]
        hosts = {m.split('"url":"', 1)[1].split("/")[2] for m in requested if '"url":"http' in m}
        assert hosts == {live_api.split("/")[2]}  # nothing fetched from anywhere else (no CDN)
    finally:
        driver.quit()
