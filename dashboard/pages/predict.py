"""Predict `/predict`: what-if water quality -> property value, and batch predictions from a file."""
import dash

from dashboard.views import predict

dash.register_page(__name__, path="/predict", name="Predict", title="Predict property values", order=3,
                   layout=predict.layout)
