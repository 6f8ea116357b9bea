"""Lake data routes: list/search, one lake, yearly series, ice-out, one year for all lakes,
trends and aggregates. All read-only, cacheable (ETag = data checksum + model versions)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from lakemodel.trends import METHOD, direction, sen_mann_kendall

from ..errors import NotFound, Unprocessable
from ..lakedata import METRICS, LakeData, normalize_lake_id
from ..routing import api_route
from ..schemas import (Aggregates, AggregatesQuery, IceOutSeries, LakeDetail, LakeList, LakesQuery,
                       LakeSeries, LakeYears, LakeYearsQuery, SeriesQuery, TrendBody, TrendQuery)
from .common import api_settings, require_lakes, snapshot

bp = Blueprint("lakes", __name__, url_prefix="/v1")
LAKE_ID = {"lake_id": "8-digit DOW number (70007200) or display id (70-0072-00)"}


def find_lake(lakes: LakeData, lake_id: str) -> int:
    pos = lakes.position(lake_id)
    if pos is None:
        msg = "unknown lake" if normalize_lake_id(lake_id) else \
            "not a lake id: expected 8 digits (70007200) or 70-0072-00"
        raise NotFound(f"lake {lake_id!r} not found", [{"loc": ["path", "lake_id"], "msg": msg}])
    return pos


@api_route(bp, "/lakes", summary="List and search lakes", tags=["lakes"], query=LakesQuery,
           response=LakeList, errors=(422, 503), cacheable=True)
def list_lakes(query: LakesQuery):
    api = api_settings()
    limit = query.limit or api.lakes_default_limit
    if limit > api.lakes_max_limit:
        raise Unprocessable("invalid query parameters", [
            {"loc": ["query", "limit"], "msg": f"Input should be less than or equal to {api.lakes_max_limit}"}])
    lakes = require_lakes(snapshot())
    found = lakes.search(county=query.county, watershed=query.watershed, grades=query.split(query.grade),
                         has=query.split(query.has), q=query.q)
    page = found[query.offset: query.offset + limit]
    return jsonify({"items": [lakes.summary(int(p)) for p in page], "total": int(found.size),
                    "limit": limit, "offset": query.offset})


@api_route(bp, "/lakes/<lake_id>", summary="Everything known about one lake", tags=["lakes"],
           response=LakeDetail, errors=(404, 503), cacheable=True, path_params=LAKE_ID)
def get_lake(lake_id: str):
    lakes = require_lakes(snapshot())
    return jsonify(lakes.detail(find_lake(lakes, lake_id)))


@api_route(bp, "/lakes/<lake_id>/series", summary="Yearly observations of one lake (with std)",
           tags=["lakes"], query=SeriesQuery, response=LakeSeries, errors=(404, 422, 503),
           cacheable=True, path_params=LAKE_ID)
def series(lake_id: str, query: SeriesQuery):
    lakes = require_lakes(snapshot())
    pos = find_lake(lakes, lake_id)
    lake_id = lakes.summary(pos)["lake_id"]
    names = list(dict.fromkeys(query.split(query.metrics)))
    metrics = [{"name": n, "label": METRICS[n].label, "unit": METRICS[n].unit,
                "std_field": METRICS[n].std_field} for n in names]
    return jsonify({"lake_id": lake_id, "metrics": metrics, "rows": lakes.series(lake_id, names)})


@api_route(bp, "/lakes/<lake_id>/ice-out", summary="Ice-out dates of one lake", tags=["lakes"],
           response=IceOutSeries, errors=(404, 503), cacheable=True, path_params=LAKE_ID)
def ice_out(lake_id: str):
    lakes = require_lakes(snapshot())
    lake_id = lakes.summary(find_lake(lakes, lake_id))["lake_id"]
    return jsonify({"lake_id": lake_id, "rows": lakes.ice_out(lake_id)})


@api_route(bp, "/lakes/<lake_id>/trend", summary="Sen's slope and Mann-Kendall p-value of a metric",
           tags=["lakes"], query=TrendQuery, response=TrendBody, errors=(404, 422, 503), cacheable=True,
           path_params=LAKE_ID)
def trend(lake_id: str, query: TrendQuery):
    lakes = require_lakes(snapshot())
    lake_id = lakes.summary(find_lake(lakes, lake_id))["lake_id"]
    metric = METRICS[query.metric]
    years, values = lakes.metric_series(lake_id, query.metric)
    result = sen_mann_kendall(years, values)
    return jsonify({
        "lake_id": lake_id, "metric": metric.name, "unit": metric.unit,
        "method": METHOD, "slope_per_year": result.slope_per_year, "p_value": result.p_value,
        "n_years": result.n_years, "first_year": result.first_year, "last_year": result.last_year,
        "direction": direction(result, bool(metric.higher_is_better), api_settings().trend_alpha),
    })


@api_route(bp, "/lake-years", summary="All lakes' values for one year (overview map)", tags=["lakes"],
           query=LakeYearsQuery, response=LakeYears, errors=(422, 503), cacheable=True)
def lake_years(query: LakeYearsQuery):
    lakes = require_lakes(snapshot())
    names = list(dict.fromkeys(query.split(query.metrics)))
    return jsonify({"year": query.year, "metrics": names, "items": lakes.lake_years(query.year, names)})


@api_route(bp, "/aggregates", summary="Median of a metric by county or watershed and year",
           tags=["lakes"], query=AggregatesQuery, response=Aggregates, errors=(422, 503), cacheable=True)
def aggregates(query: AggregatesQuery):
    lakes = require_lakes(snapshot())
    metric = METRICS[query.metric]
    return jsonify({"metric": metric.name, "unit": metric.unit, "by": query.by,
                    "rows": lakes.aggregates(metric.name, query.by, query.group, query.year)})
