"""About `/about`: what the metrics mean, where the data comes from, caveats."""
import dash

from dashboard.views import about

dash.register_page(__name__, path="/about", name="About", title="About the Minnesota Lake Dashboard", order=5,
                   layout=about.layout)
