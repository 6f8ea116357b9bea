"""Checksummed retrieval of the raw data files.

Every file is named in ``[sources.*]`` of the config with its upstream URL (a pinned commit)
and sha256. ``fetch`` downloads it into ``<data_dir>/raw`` with pooch, which writes to a
temporary file, verifies the hash and only then renames it into place. With a mirror folder
(``LAKES_DATA_MIRROR``) the bytes are copied from that folder instead, through the same
verify-then-rename path, so an offline copy is trusted no more than a download.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pooch

from .settings import Settings

log = logging.getLogger(__name__)


class DataError(Exception):
    """A raw data file could not be obtained or read."""


class ChecksumError(DataError):
    """A file's bytes do not match the checksum recorded for it."""

    def __init__(self, name: str, expected: str, actual: str):
        super().__init__(f"checksum mismatch for {name}: expected sha256 {expected}, got {actual}")
        self.name, self.expected, self.actual = name, expected, actual


@dataclass(frozen=True)
class FetchedFile:
    name: str
    path: Path
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mirror_downloader(mirror: Path, name: str) -> Callable:
    """A pooch downloader that copies ``name`` from the mirror folder into pooch's temp file."""

    def download(url: str, output_file, pooch_obj=None) -> None:  # pooch's downloader signature
        source = mirror / name
        if not source.is_file():
            raise DataError(f"{name} is not in the data mirror {mirror}")
        log.info("Copying %s from the data mirror %s (sha256 verified before use)", name, mirror)
        if isinstance(output_file, (str, Path)):
            shutil.copyfile(source, output_file)
        else:
            with open(source, "rb") as fh:
                shutil.copyfileobj(fh, output_file)

    return download


def fetch(settings: Settings, name: str) -> FetchedFile:
    """Return the verified local copy of source ``name``, retrieving it if needed."""
    try:
        source = settings.sources[name]
    except KeyError:
        known = ", ".join(sorted(settings.sources))
        raise DataError(f"unknown data source {name!r}; known: {known}") from None
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    mirror = settings.mirror_dir
    downloader = _mirror_downloader(mirror, source.file) if mirror else None
    try:
        # pooch announces "Downloading data from <url>" before calling any downloader; with a
        # mirror nothing is downloaded, so its message is silenced and ours says what happens.
        with _quiet_pooch() if mirror else contextlib.nullcontext():
            path = pooch.retrieve(
                url=source.url,
                known_hash=f"sha256:{source.sha256}",
                fname=source.file,
                path=settings.raw_dir,
                downloader=downloader,
                progressbar=False,
            )
    except ValueError as exc:
        if "hash" in str(exc).lower():
            candidate = (mirror / source.file) if mirror else None
            actual = sha256_of(candidate) if candidate and candidate.is_file() else _actual_from(exc)
            raise ChecksumError(source.file, source.sha256, actual) from None
        raise DataError(f"could not fetch {name}: {exc}") from None
    except DataError:
        raise
    except Exception as exc:  # network errors from requests, OS errors
        raise DataError(f"could not fetch {name} from {source.url}: {exc}") from None
    return FetchedFile(name=name, path=Path(path), sha256=source.sha256)


@contextlib.contextmanager
def _quiet_pooch():
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _actual_from(exc: Exception) -> str:
    text = str(exc)
    marker = "SHA256 hash of downloaded file ("
    if marker in text:
        return text.split(marker, 1)[1].split(")", 1)[0]
    return "unknown"


def fetch_all(settings: Settings, progress: Callable[[str], None] | None = None) -> dict[str, FetchedFile]:
    """Fetch every configured source; returns name -> verified file."""
    out = {}
    for name in settings.sources:
        if progress:
            progress(name)
        out[name] = fetch(settings, name)
    return out
