"""The Minnesota Lake Dashboard (Dash): ``create_dash_app(settings)`` builds it; ``app.py`` serves it."""
from .factory import create_dash_app

__all__ = ["create_dash_app"]
