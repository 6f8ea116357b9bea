"""model_api: the Flask service in front of the tidy tables and the model registry."""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
