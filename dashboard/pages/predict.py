"""Predict `/predict`: what-if water quality -> property value, and batch predictions from a file."""
import dash

from dashboard.views import predict

DESCRIPTION = "What clearer water could be worth: predicted property values, and batch predictions from a file."

dash.register_page(__name__, description=DESCRIPTION,
                   path="/predict", name="Predict", title="Predict property values", order=3,
                   layout=predict.layout)
