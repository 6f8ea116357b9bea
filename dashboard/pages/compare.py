"""Compare `/compare?lakes=...&metric=...`: up to 8 lakes side by side."""
import dash

from dashboard.views import compare

DESCRIPTION = "Compare up to 8 Minnesota lakes side by side."

dash.register_page(__name__, description=DESCRIPTION,
                   path="/compare", name="Compare", title="Compare Minnesota lakes", order=2,
                   layout=compare.layout)
