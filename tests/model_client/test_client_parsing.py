"""Response parsing: whatever bytes, content type or JSON the server sends, only typed errors come out."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from model_client import types as t
from model_client.client import _MODEL_LIST
from model_client.errors import BadResponse, InvalidRequest, LakeApiError, NotFound, ServerError
from model_client.parsing import decode_json, error_for_status, parse_response

MODELS = [t.Health, t.ApiState, t.LakeList, t.LakeDetail, t.LakeYearTable, t.LakeSeries, t.IceOutSeries, t.Trend,
          t.Forecast, t.ModelInfo, t.PredictionBatch, t.Scenario, t.Aggregates]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)
# objects that look almost right: contract keys with arbitrary values
contract_keys = st.sampled_from(["lake_id", "display_id", "name", "items", "total", "rows", "year", "metrics",
                                 "models", "data_checksum", "status", "model", "version", "predictions", "baseline",
                                 "scenario", "observed", "fitted", "forecast", "metric", "by", "error", "detail",
                                 "loc", "msg", "latest", "index", "value"])
near_contract = st.recursive(
    json_values,
    lambda children: st.dictionaries(contract_keys, children, max_size=8) | st.lists(children, max_size=4),
    max_leaves=40,
)
content_types = st.sampled_from([None, "application/json", "application/json; charset=utf-8",
                                 "application/problem+json", "text/html", "text/plain", "", "application/xml"])
statuses = st.sampled_from([200, 201, 204, 301, 304, 400, 404, 405, 413, 415, 422, 429, 500, 502, 503, 504])


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=200), ctype=content_types, status=statuses, model=st.sampled_from(MODELS))
def test_arbitrary_bytes_only_raise_typed_errors(body, ctype, status, model):
    try:
        result = parse_response(status, body, ctype, model, where="GET /x")
    except LakeApiError as exc:
        assert str(exc).startswith("GET /x")
    else:
        assert isinstance(result, model)


@settings(max_examples=150, deadline=None)
@given(data=near_contract, status=statuses, model=st.sampled_from(MODELS + [_MODEL_LIST]))
def test_arbitrary_json_only_raises_typed_errors(data, status, model):
    body = json.dumps(data).encode()
    unwrap = "models" if model is _MODEL_LIST else None
    try:
        result = parse_response(status, body, "application/json", model, where="GET /y", unwrap=unwrap)
    except LakeApiError as exc:
        assert exc.message and "\n" not in exc.message
    else:
        assert 200 <= status < 300
        if model is _MODEL_LIST:
            assert all(isinstance(m, t.ModelInfo) for m in result)
        else:
            assert isinstance(result, model)
            if hasattr(result, "to_frame"):
                result.to_frame()  # a validated result always converts for a chart


@settings(max_examples=100, deadline=None)
@given(data=near_contract, status=st.integers(400, 599))
def test_error_bodies_map_to_status_classes(data, status):
    err = error_for_status(status, json.dumps(data).encode(), "application/json", where="GET /z")
    expected = NotFound if status == 404 else InvalidRequest if status < 500 else ServerError
    assert type(err) is expected
    assert err.status == status
    assert f"HTTP {status}" in str(err)


def test_deep_nesting_is_a_bad_response_not_a_recursion_error():
    with pytest.raises(BadResponse, match="invalid JSON"):
        decode_json(b"[" * 100_000, "application/json", where="GET /deep")


def test_html_is_a_bad_response_naming_the_content_type():
    with pytest.raises(BadResponse, match="expected JSON but the API sent 'text/html'"):
        parse_response(200, b"<html>oops</html>", "text/html", t.Trend, where="GET /t")


def test_wrong_shape_names_the_missing_field():
    with pytest.raises(BadResponse, match=r"lake_id: Field required"):
        parse_response(200, b'{"display_id": "1", "name": "x"}', "application/json", t.LakeDetail, where="GET /l")


def test_422_carries_the_per_field_errors():
    body = json.dumps({"error": "invalid query parameter",
                       "detail": [{"loc": ["query", "horizon"], "msg": "must be >= 1"}, "junk", {"msg": 3}]})
    err = error_for_status(422, body.encode(), "application/json", where="GET /f")
    assert isinstance(err, InvalidRequest)
    assert [(d.loc, d.msg) for d in err.detail] == [(("query", "horizon"), "must be >= 1")]
    assert "invalid query parameter" in str(err) and "query.horizon: must be >= 1" in str(err)


def test_503_without_body_is_a_readable_server_error():
    err = error_for_status(503, b"", None, where="GET /v1/state")
    assert isinstance(err, ServerError) and "not ready" in str(err)


def test_result_models_are_frozen_and_convert_to_frames():
    series = parse_response(200, json.dumps({
        "lake_id": "27013700", "metrics": [{"name": "secchi_mean_m", "label": "Secchi", "unit": "m",
                                            "std_field": "secchi_std_m"}],
        "rows": [{"year": 2005, "secchi_mean_m": 2.0, "secchi_std_m": 0.5},
                 {"year": 2004, "secchi_mean_m": 1.5, "secchi_std_m": None}]}).encode(),
        "application/json", t.LakeSeries, where="GET /s")
    with pytest.raises(Exception):
        series.lake_id = "other"
    frame = series.to_frame()
    assert list(frame.columns) == ["year", "secchi_mean_m", "secchi_std_m"]
    assert frame["year"].tolist() == [2004, 2005]
    assert frame["secchi_mean_m"].tolist() == [1.5, 2.0]
