"""Callback logic called directly against the real model API (the live_api fixture): what each
callback returns for real selections, bad input and an unreachable API."""
from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from dashboard import charts
from dashboard.callbacks import compare as compare_cb
from dashboard import lakepage as lake_cb
from dashboard.callbacks import models as models_cb
from dashboard.callbacks import overview as overview_cb
from dashboard.callbacks import predict as predict_cb
from dashboard.figures import is_no_data
from dashboard.metrics import lake_color
from model_client import LakeApiClient
from support.live_server import free_port

BASE = "http://dash.test"


def _text(component) -> str:
    """All text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


@pytest.fixture(scope="module")
def monitored(tables) -> str:
    """A lake with water quality, property values and ice-out records, most monitored years first."""
    lakes = tables.lakes
    ids = lakes.loc[lakes["has_water_quality"] & lakes["has_iceout"] & lakes["has_property"], "lake_id"]
    counts = tables.lake_years[tables.lake_years["lake_id"].isin(ids)].groupby("lake_id").size()
    return counts.sort_values(ascending=False, kind="stable").index[0]


@pytest.fixture(scope="module")
def dead_client() -> LakeApiClient:
    """A client of an address where nothing listens: the API is down."""
    return LakeApiClient(f"http://127.0.0.1:{free_port()}", timeout=1, retries=0, total_budget=2)


def test_overview_shows_every_lake_with_key_figures_from_the_data(api_client, dash_settings, tables):
    params = charts.ChartParams(metric="secchi_mean_m", year=2012)
    out = overview_cb.overview_view(api_client, dash_settings, params, BASE)
    fig, records, kpi_lakes, kpi_clarity, kpi_share, alert = out[0], out[6], out[8], out[9], out[10], out[11]
    year = tables.lake_years[tables.lake_years["year"] == 2012]
    assert kpi_lakes == f"{len(tables.lakes):,}"
    assert kpi_clarity == f"{year['secchi_mean_m'].median():.2f} m"
    graded = year["grade"].dropna()
    assert kpi_share == f"{graded.isin(['A', 'B']).mean():.0%}"
    assert alert is None
    with_value = year.dropna(subset=["secchi_mean_m"])
    assert len(records) == len(with_value)
    values = [r["value"] for r in records]
    assert values == sorted(values, reverse=True)          # clearest first
    assert [r["rank"] for r in records] == list(range(1, len(records) + 1))
    coloured = [t for t in fig.data if t.name == "Secchi depth 2012"][0]
    assert len(coloured.lat) == len(with_value)


def test_overview_filters_by_county_grade_and_search(api_client, dash_settings, tables):
    params = charts.ChartParams(metric="grade", year=2010, county="Washington", grade=["A", "B"])
    out = overview_cb.overview_view(api_client, dash_settings, params, BASE)
    records = out[6]
    expected = tables.lake_years[(tables.lake_years["year"] == 2010) & (tables.lake_years["county"] == "Washington")
                                 & tables.lake_years["grade"].isin(["A", "B"])]
    assert sorted(r["lake_id"] for r in records) == sorted(expected["lake_id"])
    assert [r["value"] for r in records] == sorted(r["value"] for r in records)   # A before B
    name = tables.lakes.loc[tables.lakes["lake_id"] == records[0]["lake_id"], "name"].iloc[0]
    found = overview_cb.overview_view(api_client, dash_settings,
                                      charts.ChartParams(metric="secchi_mean_m", q=name), BASE)
    assert records[0]["lake_id"] in {r["lake_id"] for r in found[6]} or found[8] != "0"
    nothing = overview_cb.overview_view(api_client, dash_settings, charts.ChartParams(q="zzzz no such lake"), BASE)
    assert nothing[8] == "0" and "No lakes match" in _text(nothing[11])
    assert is_no_data(nothing[0])


def test_overview_options_and_regional_charts(api_client, dash_settings, tables):
    counties, watersheds, years = overview_cb.filter_options(api_client, "secchi_mean_m", dash_settings)
    assert {o["value"] for o in counties} == set(tables.lakes["county"].dropna())
    assert {o["value"] for o in watersheds} == set(tables.lakes["major_watershed"].dropna())
    assert {o["value"] for o in years} == set(tables.lake_years.dropna(subset=["secchi_mean_m"])["year"])
    out = overview_cb.regional_view(api_client, dash_settings, 2011, "dark", BASE)
    ws_fig, cg_fig = out[0], out[6]
    year = tables.lake_years[tables.lake_years["year"] == 2011]
    assert sum(ws_fig.data[0].x) == pytest.approx(year["n_properties"].sum())
    assert ws_fig.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"   # plotly_dark
    assert {t.name for t in cg_fig.data} == set(year.dropna(subset=["grade", "n_properties"])["county"])
    assert out[3] == "/download/watershed-properties.html?year=2011"
    assert 'src="http://dash.test/embed/watershed-properties?year=2011"' in out[4]


def test_clicks_open_the_lake_page():
    click = {"points": [{"customdata": ["27013300", "Minnetonka", "27-0133-00", "n/a"]}]}
    assert overview_cb.clicked_lake("overview-map-graph", click, None) == "27013300"
    assert overview_cb.clicked_lake("ranking-table", None, {"row": 0, "column": 1, "row_id": "82010200"}) == "82010200"
    assert overview_cb.clicked_lake("ranking-table", click, None) is None


def test_lake_header_facts_and_trend_sentences(api_client, tables, monitored):
    name, facts, trend, alert = lake_cb.lake_header(api_client, monitored)
    lake = tables.lakes.set_index("lake_id").loc[monitored]
    assert name == f"{lake['name']} ({lake['display_id']})"
    text = _text(facts)
    assert lake["county"] in text and f"{lake['area_acres']:,.0f} acres" in text
    sentences = _text(trend)
    assert "Sen's slope" in sentences and "Mann-Kendall p =" in sentences and "Ice-out came" in sentences
    assert alert is None
    missing = lake_cb.lake_header(api_client, "99999999")
    assert "no lake with DOW id 99999999" in _text(missing[3])


def test_lake_charts_draw_the_lakes_series(api_client, dash_settings, tables, monitored):
    series = tables.lake_years[tables.lake_years["lake_id"] == monitored].sort_values("year")
    fig, config, notes, href, snippet, meta = lake_cb.chart_view(api_client, dash_settings, "lake-clarity",
                                                                 monitored, None, BASE)
    observed = [t for t in fig.data if t.name == "Secchi depth, observed"][0]
    np.testing.assert_allclose(observed.y, series["secchi_mean_m"].dropna())
    assert any(t.name == "Secchi depth, forecast" for t in fig.data)
    assert config["toImageButtonOptions"]["filename"] == f"lake-{monitored}-clarity"
    assert href == f"/download/lake-clarity.html?lake={monitored}"
    assert meta["filename"] == f"lake-{monitored}-clarity" and not notes
    ice = lake_cb.chart_view(api_client, dash_settings, "lake-iceout", monitored, "dark", BASE)[0]
    observed_ice = tables.ice_out[tables.ice_out["lake_id"] == monitored]
    assert len([t for t in ice.data if t.name == "Ice-out, observed"][0].x) == len(observed_ice)
    bench = lake_cb.chart_view(api_client, dash_settings, "lake-benchmark", monitored, None, BASE,
                               metric="phosphorus_mean_mg_l")[0]
    assert bench.layout.yaxis.title.text == "Total phosphorus (mg/L)"
    county = tables.lakes.set_index("lake_id").loc[monitored, "county"]
    assert any(t.name == f"{county} County median" for t in bench.data)


def test_lake_value_chart_skips_unmeasured_years_with_a_note(api_client, dash_settings, tables):
    """A lake with a sale value in a year without phosphorus: the model line is drawn for the other years and a
    small note names the skipped year (computed from the tables, not hard-coded)."""
    from dashboard.data import skipped_notes

    ly = tables.lake_years.dropna(subset=["median_sale_value_usd"])
    required = [f.name for f in api_client.model("property_value").features if f.required]
    lacking = ly[required].isna().any(axis=1)
    gaps = ly[lacking & ly["log_phosphorus_mean"].isna()]
    lake_id = "82004600" if "82004600" in set(gaps["lake_id"]) else gaps["lake_id"].iloc[0]
    rows = ly[ly["lake_id"] == lake_id]
    skipped = sorted(rows.loc[lacking[rows.index], "year"].astype(int))
    fig, config, notes, *_ = lake_cb.chart_view(api_client, dash_settings, "lake-value", lake_id, None, BASE)
    model = [t for t in fig.data if t.name == "Model value"][0]
    drawn = sorted(int(x) for x, y in zip(model.x, model.y) if y is not None and np.isfinite(y))
    assert drawn == sorted(set(rows["year"].astype(int)) - set(skipped))
    text = _text(notes)
    assert "unavailable" not in text and "HTTP" not in text
    mv = api_client.model_values(lake_id, "property_value")
    assert [s.year for s in mv.skipped] == skipped
    for sentence in skipped_notes(mv.skipped):
        assert sentence in text
    if lake_id == "82004600":
        assert "No model value for 2008: phosphorus not measured." in text


def test_skipped_notes_group_years_by_reason():
    from dashboard.data import skipped_notes

    items = [{"year": 2011, "reason": "Secchi depth not measured"}, {"year": 2008, "reason": "phosphorus not measured"},
             {"year": 2005, "reason": "phosphorus not measured"}]
    assert skipped_notes(items) == ["No model value for 2005, 2008: phosphorus not measured.",
                                    "No model value for 2011: Secchi depth not measured."]
    assert skipped_notes([]) == []


def test_lake_without_ice_out_says_so(api_client, dash_settings, tables):
    lake_id = tables.lakes.loc[tables.lakes["has_water_quality"] & ~tables.lakes["has_iceout"], "lake_id"].iloc[0]
    fig = lake_cb.chart_view(api_client, dash_settings, "lake-iceout", lake_id, None, BASE)[0]
    assert fig.layout.annotations[0].text == "No ice-out records for this lake"


def test_lake_csv_holds_the_lakes_years(api_client, tables, monitored):
    sent = lake_cb.csv_download(api_client, monitored)
    frame = pd.read_csv(pd.io.common.StringIO(sent["content"]), dtype={"lake_id": str})
    assert sent["filename"] == f"lake-{monitored}-data.csv"
    years = set(tables.lake_years.loc[tables.lake_years["lake_id"] == monitored, "year"]) \
        | set(tables.ice_out.loc[tables.ice_out["lake_id"] == monitored, "year"])
    assert set(frame["year"]) == years
    assert (frame["lake_id"] == monitored).all()
    assert {"secchi_mean_m", "phosphorus_mean_mg_l", "grade", "iceout_doy"} <= set(frame.columns)


def test_compare_trims_to_eight_lakes_and_keeps_colours(api_client, dash_settings, tables):
    ids = tables.lake_years.groupby("lake_id").size().sort_values(ascending=False, kind="stable").index[:9].tolist()
    value, alert, *charts_out = compare_cb.compare_view(api_client, dash_settings, ids, "secchi_mean_m", None, BASE)
    assert value == ids[:8]
    assert "At most 8 lakes" in _text(alert)
    series_fig = charts_out[0]
    assert [t.line.color for t in series_fig.data] == [lake_color(i) for i in range(8)]
    first = tables.lake_years[tables.lake_years["lake_id"] == ids[0]].sort_values("year")
    np.testing.assert_allclose(series_fig.data[0].y, first["secchi_mean_m"].dropna())
    assert "lakes=" + "%2C".join(ids[:8]) in charts_out[3]
    empty = compare_cb.compare_view(api_client, dash_settings, [], "secchi_mean_m", None, BASE)
    assert "Pick lakes" in _text(empty[1])
    bad = compare_cb.compare_view(api_client, dash_settings, ["not-a-lake"], "secchi_mean_m", None, BASE)
    assert "not a lake id" in _text(bad[1]) and "'not-a-lake'" in _text(bad[1])


def test_compare_draws_the_valid_lakes_and_names_an_unknown_id(api_client, dash_settings, tables):
    """/compare?lakes=82004600,82001400,27011700 (27011700 is no lake): two lakes drawn, one notice."""
    known = set(tables.lakes["lake_id"])
    valid = [l for l in ("82004600", "82001400") if l in known]
    unknown = "27011700"
    assert len(valid) == 2 and unknown not in known
    value, alert, *out = compare_cb.compare_view(api_client, dash_settings, [valid[0], valid[1], unknown],
                                                 "secchi_mean_m", None, BASE)
    notice = _text(alert)
    assert f"No lake with DOW id {unknown}" in notice and "Invalid selection" not in notice
    assert valid[0] not in notice and valid[1] not in notice
    names = tables.lakes.set_index("lake_id").loc[valid, "name"].tolist()
    for i in range(3):                                 # series, distribution, latest: 6 outputs each
        fig, notes = out[6 * i], out[6 * i + 2]
        assert not is_no_data(fig) and not notes
    series_fig = out[0]
    assert [t.name for t in series_fig.data] == [f"{n} ({l})" for n, l in zip(names, valid)]
    assert [t.line.color for t in series_fig.data] == [lake_color(0), lake_color(1)]
    for trace, lake_id in zip(series_fig.data, valid):
        rows = tables.lake_years[tables.lake_years["lake_id"] == lake_id].dropna(subset=["secchi_mean_m"])
        np.testing.assert_allclose(trace.y, rows.sort_values("year")["secchi_mean_m"])
    assert f"lakes={valid[0]}%2C{valid[1]}&" in out[4]   # the embed snippet shares the drawn lakes only
    # a dashed id is the same lake; a non-id is named too
    _, alert2, *out2 = compare_cb.compare_view(api_client, dash_settings, ["82-0046-00", "lake?"], "secchi_mean_m",
                                               None, BASE)
    assert "'lake?'" in _text(alert2) and len(out2[0].data) == 1


def test_scenario_answers_with_baseline_difference_and_version(api_client, dash_settings, tables):
    has_value = tables.lake_years.dropna(subset=["median_sale_value_usd", "secchi_mean_m"])
    row = has_value.sort_values(["lake_id", "year"]).iloc[0]
    options, year, secchi, phos = predict_cb.lake_year_state(api_client, dash_settings, row["lake_id"], None,
                                                             None, True)
    lake_years = tables.lake_years[(tables.lake_years["lake_id"] == row["lake_id"])
                                   & tables.lake_years["median_sale_value_usd"].notna()]
    assert [o["value"] for o in options] == sorted(lake_years["year"], reverse=True)
    assert year == lake_years["year"].max()
    observed = lake_years.set_index("year").loc[year, "secchi_mean_m"]
    assert secchi == pytest.approx(observed, abs=0.05 + 1e-9)
    card, alert = predict_cb.scenario_view(api_client, row["lake_id"], year, 6.0, 0.02)
    sc = api_client.property_value_scenario(row["lake_id"], year, secchi_mean_m=6.0, phosphorus_mean_mg_l=0.02)
    text = _text(card)
    assert alert is None
    assert f"${sc.scenario.value:,.0f}" in text and f"${sc.baseline.value:,.0f}" in text
    assert sc.version in text
    assert sc.difference == pytest.approx(sc.scenario.value - sc.baseline.value)


def _expected_default(tables, required) -> tuple[str, int]:
    """From the tables: the lake with the most nearby properties in the latest year with sale values, and
    its latest year with a sale value and every required feature."""
    ly = tables.lake_years[tables.lake_years["median_sale_value_usd"].notna()]
    latest = ly[ly["year"] == ly["year"].max()]
    ranked = latest.sort_values(["n_properties", "lake_id"], ascending=[False, True], kind="stable")["lake_id"]
    for lake_id in ranked:
        ok = ly[(ly["lake_id"] == lake_id) & ly[required].notna().all(axis=1)]
        if not ok.empty:
            return lake_id, int(ok["year"].max())
    raise AssertionError("no lake can be valued")


def test_predict_page_preselects_the_lake_with_most_property_data(dash_app, ctx_client, tables):
    from dashboard.views import predict as predict_view

    required = [f.name for f in ctx_client.model("property_value").features if f.required]
    expected = _expected_default(tables, required)
    with dash_app.server.test_request_context("/predict"):
        page = predict_view.layout()
        chosen = predict_view.layout(lake="70007200")
    store = next(c for c in _walk(page) if getattr(c, "id", None) == "predict-initial")
    assert (store.data["lake"], store.data["year"]) == expected
    lake_dropdown = next(c for c in _walk(page) if getattr(c, "id", None) == "predict-lake")
    assert lake_dropdown.value == expected[0]
    # a lake in the URL wins
    store = next(c for c in _walk(chosen) if getattr(c, "id", None) == "predict-initial")
    assert store.data["lake"] == "70007200" and store.data["year"] is None


def test_upload_help_names_real_original_columns(dash_app, ctx_client):
    from dashboard.views import predict as predict_view

    features = {f.name: f.original_name for f in ctx_client.model("property_value").features}
    with dash_app.server.test_request_context("/predict"):
        text = _text(predict_view.upload_help(ctx_client))
        page = predict_view.layout(lake="70007200")
    for name in ("log_phosphorus_mean", "secchi_mean_m"):
        assert features[name] in text and name in text
    assert "Median(SECCHI_M)" not in _text(page) and "Models page" in text
    assert any(getattr(c, "href", None) == "/models" for c in _walk(page))
    # without the API the text still points at the Models page, with no invented names
    dead = LakeApiClient(f"http://127.0.0.1:{free_port()}", timeout=1, retries=0, total_budget=2)
    assert "Models page" in _text(predict_view.upload_help(dead)) and "Mean_" not in _text(predict_view.upload_help(dead))


def test_year_choices_disable_the_years_the_model_cannot_value(api_client, dash_settings, tables):
    ly = tables.lake_years[tables.lake_years["median_sale_value_usd"].notna()]
    required = [f.name for f in api_client.model("property_value").features if f.required]
    lacking = ly[required].isna().any(axis=1)
    both = set(ly.loc[lacking, "lake_id"]) & set(ly.loc[~lacking, "lake_id"])
    lake_id = sorted(both)[0]
    rows = ly[ly["lake_id"] == lake_id]
    options, year, *_ = predict_cb.lake_year_state(api_client, dash_settings, lake_id, None, None, True)
    disabled = sorted(o["value"] for o in options if o["disabled"])
    assert disabled == sorted(rows.loc[lacking[rows.index], "year"].astype(int))
    assert all("no prediction" in o["label"] for o in options if o["disabled"])
    assert year not in disabled and year == max(o["value"] for o in options if not o["disabled"])
    asked = predict_cb.lake_year_state(api_client, dash_settings, lake_id, disabled[0], None, False)
    assert asked[1] != disabled[0]   # a year without a prediction is never selected


def _walk(component):
    """Every component in a Dash layout tree."""
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            yield from _walk(child)


def _upload(text: str, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(text.encode()).decode()


def test_batch_upload_with_original_column_names(api_client, dash_settings, data_mirror):
    original = pd.read_csv(data_mirror / "lakemodel_test.csv").head(20)
    original["Mean(Secchi_Depth_RESULT)"] = original["Mean(Secchi_Depth_RESULT)"].astype(object)
    original.loc[3, "Mean(Secchi_Depth_RESULT)"] = "murky"     # a bad row must not sink the others
    contents = _upload(original.to_csv(index=False), "text/csv")
    alert, records, columns, csv_text, disabled = predict_cb.batch_view(api_client, dash_settings, contents,
                                                                        "test.csv")
    assert not disabled and len(records) == 20
    by_row = {r["row"]: r for r in records}
    assert by_row[4]["predicted_usd"] is None and "secchi_mean_m" in by_row[4]["errors"]
    ok = [r for r in records if r["row"] != 4]
    assert all(r["predicted_usd"] > 0 and not r["errors"] for r in ok)
    assert "19 of 20 rows predicted" in _text(alert)
    assert "LAKE_NAME" in [c["id"] for c in columns]
    assert len(pd.read_csv(pd.io.common.StringIO(csv_text))) == 20


def test_batch_upload_json_with_new_names_and_bad_files(api_client, dash_settings, tables):
    rows = tables.lake_years.dropna(subset=["secchi_mean_m", "median_sale_value_usd"]).head(3)
    payload = [{"secchi_mean_m": r.secchi_mean_m, "secchi_std_m": r.secchi_std_m,
                "log_phosphorus_mean": r.log_phosphorus_mean, "log_phosphorus_std": r.log_phosphorus_std,
                "major_watershed": r.major_watershed} for r in rows.itertuples()]
    out = predict_cb.batch_view(api_client, dash_settings, _upload(json.dumps(payload), "application/json"),
                                "rows.json")
    assert [r["row"] for r in out[1]] == [1, 2, 3] and all(r["predicted_usd"] for r in out[1])
    bad_json = predict_cb.batch_view(api_client, dash_settings, _upload("[{", "application/json"), "x.json")
    assert "not valid JSON" in _text(bad_json[0]) and bad_json[4] is True
    no_features = predict_cb.batch_view(api_client, dash_settings, _upload("a,b\n1,2\n", "text/csv"), "x.csv")
    assert "none of the columns is a model feature" in _text(no_features[0])


def test_models_page_has_a_card_per_production_model(api_client):
    cards, alert = models_cb.models_view(api_client)
    names = {m.name for m in api_client.models()}
    assert alert is None and len(cards) == len(names) == 3
    text = _text(cards)
    for info in api_client.models():
        assert info.version in text and info.estimator in text
    for card in cards:   # the wide feature table scrolls inside its card on a phone instead of the page
        wrappers = [c for c in _walk(card) if "table-responsive" in (getattr(c, "className", None) or "")]
        assert wrappers and any(getattr(c, "className", "") == "table table-sm small" for w in wrappers
                                for c in _walk(w))


def test_api_down_gives_alerts_not_tracebacks(dead_client, dash_settings):
    out = overview_cb.overview_view(dead_client, dash_settings, charts.ChartParams(), BASE)
    assert "not reachable" in _text(out[11])
    assert is_no_data(out[0])
    header = lake_cb.lake_header(dead_client, "27013300")
    assert "not reachable" in _text(header[3])
    chart = lake_cb.chart_view(dead_client, dash_settings, "lake-clarity", "27013300", None, BASE)
    assert is_no_data(chart[0]) and "not reachable" in _text(chart[2])
    cards, alert = models_cb.models_view(dead_client)
    assert cards is None and "not reachable" in _text(alert)
    card, alert = predict_cb.scenario_view(dead_client, "27013300", 2010, 2.0, None)
    assert "not reachable" in _text(alert)


def test_lake_page_for_a_bad_or_dashed_id(api_client, dash_settings, tables):
    bad = lake_cb.lake_content(api_client, dash_settings, "abc", None, BASE, None)
    assert "'abc' is not a lake id" in _text(bad["header"][3])
    assert all(is_no_data(bad[cid][0]) for cid in lake_cb.CHART_IDS)
    lake = tables.lakes[tables.lakes["has_water_quality"]].iloc[0]
    dashed = lake_cb.lake_content(api_client, dash_settings, lake["display_id"], "dark", BASE, None)
    assert dashed["header"][0] == f"{lake['name']} ({lake['display_id']})"
    assert not is_no_data(dashed["lake-clarity"][0])
