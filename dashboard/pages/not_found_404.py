"""Unknown paths: a page that says so and links back."""
import dash

from dashboard.views import about

DESCRIPTION = "Page not found."

dash.register_page(__name__, description=DESCRIPTION,
                   path="/404", name="Not found", title="Page not found", layout=about.not_found)
