"""About `/about`: what the metrics mean, where the data comes from, caveats."""
import dash

from dashboard.views import about

DESCRIPTION = "What the lake metrics mean, where the data comes from, and the caveats."

dash.register_page(__name__, description=DESCRIPTION,
                   path="/about", name="About", title="About the Minnesota Lake Dashboard", order=5,
                   layout=about.layout)
