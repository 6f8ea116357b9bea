"""Overview `/`: every lake on a map, filters, ranking, key figures, regional views."""
import dash

from dashboard.views import overview

DESCRIPTION = "Every Minnesota lake on a map: clarity, phosphorus, grades, property values and ice-out by year."

dash.register_page(__name__, description=DESCRIPTION,
                   path="/", name="Overview", title="Minnesota lakes: overview", order=0,
                   layout=overview.layout)
