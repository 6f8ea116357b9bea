"""Overview `/`: every lake on a map, filters, ranking, key figures, regional views."""
import dash

from dashboard.views import overview

dash.register_page(__name__, path="/", name="Overview", title="Minnesota lakes: overview", order=0,
                   layout=overview.layout)
