"""Models `/models`: a card per production model."""
import dash

from dashboard.views import models

dash.register_page(__name__, path="/models", name="Models", title="Model cards", order=4, layout=models.layout)
