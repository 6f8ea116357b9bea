"""Lake `/lake/<lake_id>`: one lake's facts, series, grades, values, ice-out, trend and benchmarks."""
import dash

from dashboard.views import lake

dash.register_page(__name__, path_template="/lake/<lake_id>", name="Lake", order=1, layout=lake.layout,
                   title=lake.title)
