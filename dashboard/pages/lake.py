"""Lake `/lake/<lake_id>`: one lake's facts, series, grades, values, ice-out, trend and benchmarks."""
import dash

from dashboard.views import lake

DESCRIPTION = "One lake: clarity and phosphorus over the years with forecasts, grades, property values, ice-out."

dash.register_page(__name__, description=DESCRIPTION,
                   path_template="/lake/<lake_id>", name="Lake", order=1, layout=lake.layout,
                   title=lake.title)
