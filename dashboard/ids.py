"""Component ids, one place per page: a typo is an import error, not a silently dead callback."""
from __future__ import annotations


class Shell:
    THEME_SWITCH = "theme-switch"
    THEME_STORE = "theme-store"
    API_STATUS = "api-status"          # store: "up" / "down" (changes only on transitions)
    API_POLL = "api-poll"              # interval
    API_ALERT = "api-alert"            # banner shown while the API is down
    ERROR_ALERT = "error-alert"        # generic error banner (Dash on_error)
    NAV_LOCATION = "nav-location"      # callback navigation (map and table clicks)
    LAKES_STORE = "lakes-store"        # every lake's id, label and data flags: loaded once per page load


class Overview:
    URL = "overview-url"
    METRIC = "overview-metric"
    YEAR = "overview-year"
    COUNTY = "overview-county"
    WATERSHED = "overview-watershed"
    GRADE = "overview-grade"
    HAS_ICEOUT = "overview-has-iceout"
    SEARCH = "overview-search"
    ALERT = "overview-alert"
    KPI_LAKES = "kpi-lakes"
    KPI_CLARITY = "kpi-clarity"
    KPI_GRADES = "kpi-grades"
    MAP = "overview-map"
    TABLE = "ranking-table"
    WATERSHEDS = "watershed-properties"
    COUNTIES = "county-grades"


class Lake:
    STORE = "lake-id-store"
    SELECT = "lake-select"
    FACTS = "lake-facts"
    TREND = "lake-trend"
    ALERT = "lake-alert"
    CLARITY = "lake-clarity"
    GRADES = "lake-grades"
    VALUE = "lake-value"
    ICEOUT = "lake-iceout"
    BENCHMARK = "lake-benchmark"
    BENCHMARK_METRIC = "lake-benchmark-metric"
    URL = "lake-url"
    CSV_BUTTON = "lake-csv-button"
    CSV_DOWNLOAD = "lake-csv-download"


class Compare:
    URL = "compare-url"
    LAKES = "compare-lakes"
    METRIC = "compare-metric"
    ALERT = "compare-alert"
    SERIES = "compare-series"
    DISTRIBUTION = "compare-distribution"
    LATEST = "compare-latest"


class Predict:
    URL = "predict-url"
    LAKE = "predict-lake"
    YEAR = "predict-year"
    SECCHI = "predict-secchi"
    PHOSPHORUS = "predict-phosphorus"
    INITIAL = "predict-initial"
    RESULT = "predict-result"
    ALERT = "predict-alert"
    UPLOAD = "predict-upload"
    UPLOAD_ALERT = "predict-upload-alert"
    UPLOAD_HELP = "predict-upload-help"
    BATCH_TABLE = "predict-batch-table"
    BATCH_STORE = "predict-batch-store"
    BATCH_DOWNLOAD_BUTTON = "predict-batch-download-button"
    BATCH_DOWNLOAD = "predict-batch-download"


class Models:
    CARDS = "model-cards"
    ALERT = "models-alert"


class Chart:
    """Sub-ids of a chart card ``cid`` (graph, notes, export links, embed snippet)."""

    @staticmethod
    def graph(cid: str) -> str:
        return f"{cid}-graph"

    @staticmethod
    def notes(cid: str) -> str:
        return f"{cid}-notes"

    @staticmethod
    def html(cid: str) -> str:
        return f"{cid}-html"

    @staticmethod
    def embed(cid: str) -> str:
        return f"{cid}-embed"

    @staticmethod
    def svg_button(cid: str) -> dict:
        return {"type": "svg-button", "index": cid}

    @staticmethod
    def svg_meta(cid: str) -> dict:
        return {"type": "svg-meta", "index": cid}
