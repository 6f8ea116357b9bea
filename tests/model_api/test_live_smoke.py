"""The live_api fixture really serves: a gunicorn process answering on loopback."""
import requests


def test_live_api_is_ready(live_api):
    assert requests.get(f"{live_api}/health/live", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{live_api}/health/ready", timeout=5)
    assert ready.status_code == 200, ready.text
