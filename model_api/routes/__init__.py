"""Blueprints, one module per group of routes."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import admin, compat, docs, health, lakes, models, scenarios

    for module in (health, models, lakes, scenarios, compat, admin, docs):
        app.register_blueprint(module.bp)
