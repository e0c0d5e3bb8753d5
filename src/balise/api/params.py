"""Query parameters several routes share: bounding boxes, times, and their checks.

A bounding box is `min_lon,min_lat,max_lon,max_lat` in degrees (the order of RFC 7946 §5 and
OGC API - Features). A box whose `min_lon` is greater than its `max_lon` crosses the
antimeridian (RFC 7946 §5.2: "170,-10,-170,10" is 20° wide around ±180°), which matters for
the Pacific routes; it is two boxes, one on each side.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import Query

from balise.api.problems import ProblemError
from balise.model.box import Box

BBOX_DESCRIPTION: Final = (
    "min_lon,min_lat,max_lon,max_lat in degrees; min_lon > max_lon crosses the antimeridian."
)
BBoxQuery = Annotated[
    str | None, Query(description=BBOX_DESCRIPTION, max_length=200, examples=["-80,0,-50,20"])
]


def invalid(name: str, detail: str) -> ProblemError:
    """A 422 problem for one bad query parameter, shaped like the validation problems."""
    return ProblemError(422, "Invalid parameters", f"invalid: {name}", kind="invalid-parameters",
                        errors=[{"in": "query", "name": name, "detail": detail}])  # fmt: skip


def parse_bbox(text: str | None, name: str = "bbox") -> Box | None:
    """The box `text` names, or a 422 problem saying what is wrong with it."""
    if text is None or not text.strip():
        return None
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError as err:
        raise invalid(name, "four numbers expected: min_lon,min_lat,max_lon,max_lat") from err
    if len(values) != 4:
        raise invalid(name, "four numbers expected: min_lon,min_lat,max_lon,max_lat")
    box = Box(*values)
    if not all(-180.0 <= v <= 180.0 for v in (box.min_lon, box.max_lon)):
        raise invalid(name, "longitudes must be within [-180, 180]")
    if not all(-90.0 <= v <= 90.0 for v in (box.min_lat, box.max_lat)):
        raise invalid(name, "latitudes must be within [-90, 90]")
    if box.min_lat > box.max_lat:
        raise invalid(name, "min_lat is greater than max_lat")
    return box


def utc(moment: datetime | None) -> datetime | None:
    """A time parameter in UTC; a time given without a zone is read as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def time_range(since: datetime | None, until: datetime | None) -> tuple[Any, Any]:
    """`since` and `until` in UTC, or a 422 problem when the range is empty."""
    start, end = utc(since), utc(until)
    if start is not None and end is not None and start > end:
        raise invalid("until", "until is before since")
    return start, end
