"""Compare `/compare?lakes=...&metric=...`: up to 8 lakes side by side."""
import dash

from dashboard.views import compare

dash.register_page(__name__, path="/compare", name="Compare", title="Compare Minnesota lakes", order=2,
                   layout=compare.layout)
