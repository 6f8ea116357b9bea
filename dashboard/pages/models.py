"""Models `/models`: a card per production model."""
import dash

from dashboard.views import models

DESCRIPTION = "The models behind the dashboard: versions, quality against baselines, features and data."

dash.register_page(__name__, description=DESCRIPTION,
                   path="/models", name="Models", title="Model cards", order=4, layout=models.layout)
