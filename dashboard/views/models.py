"""Models page layout and the model card (a pure function of a ``ModelInfo``)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from ..ids import Models as ids


def layout(**_):
    return html.Div([
        html.H1("Models", className="h3"),
        html.P("Every production model with its version, training date, quality against a simple baseline "
               "on an honest split, interval coverage, features and the exact data it was trained on.",
               className="text-body-secondary"),
        dcc.Store(id="models-trigger", data=1),
        html.Div(id=ids.ALERT),
        dcc.Loading(html.Div(id=ids.CARDS), type="circle", delay_show=200),
    ])


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _metrics_table(metrics: dict, unit: str | None) -> dbc.Table:
    model = metrics.get("model") or {}
    base = metrics.get("baseline") or {}
    unit_text = f" ({unit})" if unit else ""
    rows = []
    for key, label in (("mae", f"MAE{unit_text}"), ("rmse", f"RMSE{unit_text}"), ("r2", "R²")):
        rows.append(html.Tr([html.Th(label, scope="row"), html.Td(_fmt(model.get(key))),
                             html.Td(_fmt(base.get(key)))]))
    head = html.Thead(html.Tr([html.Th("Metric", scope="col"), html.Th("Model", scope="col"),
                               html.Th(f"Baseline: {base.get('name', 'n/a')}", scope="col")]))
    return dbc.Table([head, html.Tbody(rows)], bordered=False, size="sm", className="mb-2")


def model_card(info) -> dbc.Card:
    """A model card from a ``model_client.ModelInfo``."""
    metrics = info.metrics or {}
    interval = info.interval or {}
    split = metrics.get("split")
    split_text = (split if isinstance(split, str) else ", ".join(f"{k}: {v}" for k, v in split.items())) \
        if split else "n/a"
    coverage = interval.get("coverage")
    level = interval.get("level")
    features = html.Table([
        html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Feature", "Unit", "Type", "Original name",
                                                                "Description")])),
        html.Tbody([html.Tr([html.Td(html.Code(f.name)), html.Td(f.unit or ""), html.Td(f.dtype),
                             html.Td(f.original_name or ""), html.Td(f.description or "")]) for f in info.features]),
    ], className="table table-sm small")
    checksums = html.Ul([html.Li([html.Code(name), ": ", html.Code(sha, className="text-break")])
                         for name, sha in sorted(info.data_checksums.items())], className="small")
    return dbc.Card([
        dbc.CardHeader(html.H2([info.name, dbc.Badge(f"v {info.version}", color="secondary", className="ms-2")],
                               className="h5 mb-0")),
        dbc.CardBody([
            html.Dl([
                html.Dt("Predicts"), html.Dd(f"{info.target or 'n/a'} ({info.target_unit or 'no unit'})"),
                html.Dt("Estimator"), html.Dd(info.estimator or "n/a"),
                html.Dt("Trained"), html.Dd(info.created_at or "n/a"),
                html.Dt("Evaluation split"), html.Dd(f"{split_text}; {metrics.get('n_rows', 'n/a')} rows, "
                                                     f"{metrics.get('n_groups', 'n/a')} groups"),
                html.Dt("Prediction interval"),
                html.Dd(f"nominal {level:.0%}, measured coverage {coverage:.0%} ({interval.get('method', '')})"
                        if level is not None and coverage is not None else "none"),
            ], className="model-facts"),
            html.H3("Quality on held-out data", className="h6"),
            _metrics_table(metrics, info.target_unit),
            html.Details([html.Summary(f"Features ({len(info.features)})"),
                          html.Div(features, className="table-responsive")]),
            html.Details([html.Summary("Training data checksums (sha256)"), checksums]),
            html.Div([html.Small(["Artifact sha256: ", html.Code(info.artifact_sha256 or "n/a")])]),
        ]),
    ], className="mb-3 model-card")
