"""Vectorised row validation against a manifest feature schema (no server needed)."""
import math

import numpy as np

from model_api.validation import validate_rows

FEATURES = [
    {"name": "secchi_mean_m", "dtype": "float", "min": 0.2, "max": 8.0, "required": True, "original_name": "Mean_Secchi"},
    {"name": "n_sales", "dtype": "int", "min": 0, "max": 100, "required": False, "original_name": "NSales"},
    {"name": "major_watershed", "dtype": "category", "categories": ["Rum River", "Upper Mississippi River"],
     "required": False, "original_name": "MAJOR_WATERSHED"},
]


def _msgs(checked, i):
    return {(tuple(e["loc"][3:]), e["msg"]) for e in checked.errors.get(i, [])}


def test_valid_rows_are_typed_and_imputations_listed():
    rows = [{"secchi_mean_m": 1.5, "n_sales": 3, "major_watershed": "Rum River"},
            {"secchi_mean_m": 2}]
    checked = validate_rows(rows, FEATURES)
    assert checked.valid.tolist() == [0, 1] and not checked.errors
    np.testing.assert_array_equal(checked.columns["secchi_mean_m"], [1.5, 2.0])
    assert checked.columns["n_sales"][0] == 3 and math.isnan(checked.columns["n_sales"][1])
    assert list(checked.columns["major_watershed"]) == ["Rum River", None]
    assert checked.imputed == [[], ["n_sales", "major_watershed"]]


def test_bad_rows_get_their_own_errors_and_the_rest_are_kept():
    rows = [
        {"secchi_mean_m": "deep"},                      # wrong type (no duplicate 'required')
        {"n_sales": 2},                                  # required missing
        {"secchi_mean_m": 1.0, "n_sales": 2.5},          # int feature not integral
        {"secchi_mean_m": 1.0, "colour": "blue"},        # unknown field
        [1, 2],                                          # not an object
        {"secchi_mean_m": True},                         # bool is not a number
        {"secchi_mean_m": 1.0, "major_watershed": 7},    # category must be text
        {"secchi_mean_m": 1e400},                        # infinity
        {"secchi_mean_m": 3.0},                          # fine
    ]
    checked = validate_rows(rows, FEATURES)
    assert checked.valid.tolist() == [8]
    assert _msgs(checked, 0) == {(("secchi_mean_m",), "must be a number")}
    assert _msgs(checked, 1) == {(("secchi_mean_m",), "field required")}
    assert _msgs(checked, 2) == {(("n_sales",), "must be an integer")}
    assert _msgs(checked, 3) == {(("colour",), "unknown feature")}
    assert [e["msg"] for e in checked.errors[4]] == ["row must be a JSON object of feature values"]
    assert _msgs(checked, 5) == {(("secchi_mean_m",), "must be a number")}
    assert _msgs(checked, 6) == {(("major_watershed",), "must be a string")}
    assert _msgs(checked, 7) == {(("secchi_mean_m",), "must be a finite number")}
    assert checked.errors[0][0]["loc"] == ["body", "rows", 0, "secchi_mean_m"]
    np.testing.assert_array_equal(checked.columns["secchi_mean_m"], [3.0])


def test_out_of_range_and_unknown_category_are_warnings_not_errors():
    rows = [{"secchi_mean_m": 12.0, "n_sales": -1, "major_watershed": "Red River"}]
    checked = validate_rows(rows, FEATURES)
    assert checked.valid.tolist() == [0]
    msgs = sorted(w["msg"] for w in checked.warnings[0])
    assert msgs[0].startswith("outside the training range [0, 100]")
    assert msgs[1].startswith("outside the training range [0.2, 8.0]")
    assert msgs[2].startswith("unknown category")


def test_original_names_and_ignored_extras():
    rows = [{"Mean_Secchi": 2.0, "NSales": 4, "LAKE_NAME": "Reshanau"}]
    checked = validate_rows(rows, FEATURES, loc=("body",), original_names=True, ignore_unknown=True)
    assert checked.valid.tolist() == [0]
    assert checked.columns["secchi_mean_m"][0] == 2.0 and checked.columns["n_sales"][0] == 4
    missing = validate_rows([{"secchi_mean_m": 2.0}], FEATURES, loc=("body",), original_names=True,
                            ignore_unknown=True)
    assert missing.errors[0][0]["loc"] == ["body", 0, "Mean_Secchi"]


def test_thousand_rows_mixed():
    rows = [{"secchi_mean_m": float(i % 7) + 0.5, "n_sales": i % 5} for i in range(1000)]
    rows[500]["secchi_mean_m"] = None
    checked = validate_rows(rows, FEATURES)
    assert len(checked.valid) == 999 and list(checked.errors) == [500]
    assert checked.columns["secchi_mean_m"].shape == (999,)
