"""Callback registration, per page. Each module keeps its logic in plain functions (client and values
in, component values out) that tests call directly; ``register`` only wires them to component ids."""
from __future__ import annotations

from . import compare, lake, models, overview, predict, shell


def register_all(app, client, ds) -> None:
    for module in (shell, overview, lake, compare, predict, models):
        module.register(app, client, ds)
