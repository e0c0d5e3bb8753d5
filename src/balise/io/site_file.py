"""Radar site files for the siting planner: candidate and existing sites, read strictly.

A CSV with a header naming `id` (or `sensor_id`, as in a workspace's `radars.csv`), `lat`, `lon`,
`antenna_height_m`, `range_nm` and optionally `name`; one site a row. The planner is run by a
person on a file they wrote, so nothing is guessed: every bad row is reported (line and reason)
and none is kept, unlike the bulk readers, which quarantine and go on.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Final, NamedTuple

import polars as pl

from balise.model.coastal import RADAR_SITE_SCHEMA

__all__ = [
    "MAX_ANTENNA_HEIGHT_M",
    "MAX_RANGE_NM",
    "SiteFile",
    "SiteProblem",
    "read_site_file",
    "sites_from_text",
]

MAX_ANTENNA_HEIGHT_M: Final = 3000.0
"""Highest antenna accepted, metres: above the highest coastal summit of the Caribbean."""
MAX_RANGE_NM: Final = 200.0
"""Longest instrumented range accepted, nm: above any coastal surveillance radar's."""
_REQUIRED: Final = ("lat", "lon", "antenna_height_m", "range_nm")


class SiteProblem(NamedTuple):
    """A refused row: its line in the file (1 = the header) and why."""

    line: int
    reason: str


class SiteFile(NamedTuple):
    """The sites (`RADAR_SITE_SCHEMA` columns) and the problems; sites are empty when there
    is any problem."""

    sites: pl.DataFrame
    problems: tuple[SiteProblem, ...]


def _number(text: str | None, what: str, low: float, high: float) -> float:
    try:
        value = float(text or "")
    except ValueError:
        raise ValueError(f"{what} is not a number: {text!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{what} {value:g} is outside [{low:g}, {high:g}]")
    return value


def _site(row: dict[str, str | None], id_column: str) -> tuple[object, ...]:
    site_id = (row.get(id_column) or "").strip()
    if not site_id:
        raise ValueError(f"{id_column} is empty")
    name = (row.get("name") or "").strip() or site_id
    return (
        site_id,
        name,
        _number(row.get("lat"), "lat", -90.0, 90.0),
        _number(row.get("lon"), "lon", -180.0, 180.0),
        _number(row.get("antenna_height_m"), "antenna_height_m", 0.0, MAX_ANTENNA_HEIGHT_M),
        _number(row.get("range_nm"), "range_nm", 0.1, MAX_RANGE_NM),
    )


def sites_from_text(text: str) -> SiteFile:
    """The sites of CSV `text` (see the module docstring)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    id_column = "id" if "id" in header else "sensor_id"
    missing = [c for c in (id_column, *_REQUIRED) if c not in header]
    if missing:
        return SiteFile(_empty(), (SiteProblem(1, f"missing columns: {', '.join(missing)}"),))
    rows: list[tuple[object, ...]] = []
    problems: list[SiteProblem] = []
    seen: set[object] = set()
    for line, row in enumerate(reader, start=2):
        try:
            site = _site({k: v for k, v in row.items() if isinstance(k, str)}, id_column)
            if site[0] in seen:
                raise ValueError(f"duplicate id {site[0]!r}")
        except ValueError as err:
            problems.append(SiteProblem(line, str(err)))
            continue
        seen.add(site[0])
        rows.append(site)
    if not rows and not problems:
        problems.append(SiteProblem(1, "no sites"))
    if problems:
        return SiteFile(_empty(), tuple(problems))
    return SiteFile(pl.DataFrame(rows, schema=RADAR_SITE_SCHEMA, orient="row"), ())


def read_site_file(path: Path) -> SiteFile:
    """The sites of the CSV file at `path`; an unreadable file is one problem on line 0."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        return SiteFile(_empty(), (SiteProblem(0, f"cannot read {path}: {err}"),))
    return sites_from_text(text)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=RADAR_SITE_SCHEMA)
