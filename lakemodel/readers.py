"""Raw file readers: bytes on disk -> untyped pandas frames, nothing more.

CSV files are read as text (every column ``str``) so that one unparseable number in a column
cannot turn the whole column into strings or crash the reader; ``lakemodel.validation`` parses
and counts. R data files are read with pyreadr (no R needed).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadr

from .sources import DataError


def read_csv_text(path: Path) -> pd.DataFrame:
    """Every column as text; blanks become missing."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read {Path(path).name}: {exc}") from None


def read_rdata_frame(path: Path, frame: str) -> pd.DataFrame:
    """The data frame named ``frame`` inside an R data file."""
    try:
        result = pyreadr.read_r(str(path))
    except Exception as exc:  # pyreadr raises its own LibrdataError / PyreadrError
        raise DataError(f"cannot read {Path(path).name} as R data: {exc}") from None
    if frame not in result:
        raise DataError(f"{Path(path).name} has no data frame {frame!r} (found: {', '.join(result)})")
    return result[frame]


def read_monitoring(path: Path) -> pd.DataFrame:
    """lake_data_for_viz.csv: one row per monitoring site and year (Met Council CAMP + parcels)."""
    return read_csv_text(path)


def read_iceout(path: Path) -> pd.DataFrame:
    """mn_iceout.rda: one row per reported ice-out (several sources per lake-year)."""
    return read_rdata_frame(path, "mn_iceout")


def read_lake_metadata(path: Path) -> pd.DataFrame:
    """mnlakesmetadata.rda: DNR lake metadata (LakeId, Lake, Acres, County, Lat, Lon, Ecoregion)."""
    return read_rdata_frame(path, "mnlakesmetadata")


def read_fisheries(path: Path) -> pd.DataFrame:
    """mn_lakes_dnr_fisheries.csv: DNR Fisheries lake table (depths in feet)."""
    return read_csv_text(path)
