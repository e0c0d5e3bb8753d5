"""Helpers shared by tests: building NMEA sentences, tracks and frames by hand."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from pyais.encode import encode_dict

from balise.model.schema import POSITION_SCHEMA, conform


def checksum(body: str) -> str:
    """`body*hh` with the NMEA checksum of `body` (the text between `!` and `*`)."""
    return f"{body}*{reduce(lambda acc, char: acc ^ ord(char), body, 0):02X}"


def sentences(fields: dict[str, Any], talker: str = "AI", seq_id: int = 0) -> list[str]:
    """The NMEA sentences pyais' encoder writes for one message given as a dict of its fields."""
    return list(encode_dict(fields, talker_id=talker, seq_id=seq_id))


def tagged(sentence: str, unix_seconds: int) -> str:
    """`sentence` behind an NMEA 4.0 tag block carrying its receive time."""
    return "\\" + checksum(f"s:test,c:{unix_seconds}") + "\\" + sentence


T0 = datetime(2024, 3, 1, tzinfo=UTC)
"""A default start time for hand-built tracks."""


def track(
    mmsi: int,
    hours: float,
    lat: float = 10.0,
    lon: float = -30.0,
    knots: float = 1.0,
    course_deg: float = 90.0,
    start: datetime = T0,
    every_s: float = 120,
    **columns: Any,
) -> pl.DataFrame:
    """A straight track of POSITION_SCHEMA at `knots` on `course_deg` from (`lat`, `lon`), one
    position every `every_s` seconds for `hours`; longitudes wrap at the antimeridian. Extra
    `columns` (e.g. `sog_knots=0.1`, `nav_status=0`) are set on every row."""
    seconds = np.arange(int(hours * 3600 / every_s) + 1) * every_s
    nm = knots * seconds / 3600
    course = math.radians(course_deg)
    lats = lat + nm * math.cos(course) / 60
    lons = lon + nm * math.sin(course) / (60 * math.cos(math.radians(lat)))
    frame = pl.DataFrame(
        {
            "mmsi": [mmsi] * len(seconds),
            "timestamp": [start + timedelta(seconds=float(s)) for s in seconds],
            "lat": lats,
            "lon": (lons + 180) % 360 - 180,
            **{name: [value] * len(seconds) for name, value in columns.items()},
        }
    )
    return conform(frame, POSITION_SCHEMA)


def positions(
    mmsi: int, points: list[tuple[float, float]], every_s: float = 600, start: datetime = T0
) -> pl.DataFrame:
    """POSITION_SCHEMA rows of `mmsi` at `points` (lat, lon), one every `every_s` seconds from
    `start`: for tracks that are not a straight line (excursions, two hulls interleaved)."""
    frame = pl.DataFrame(
        {
            "mmsi": [mmsi] * len(points),
            "timestamp": [start + timedelta(seconds=every_s * i) for i in range(len(points))],
            "lat": [lat for lat, _ in points],
            "lon": [lon for _, lon in points],
        }
    )
    return conform(frame, POSITION_SCHEMA)


FloatArray = npt.NDArray[np.float64]
Geography = Callable[[FloatArray, FloatArray], FloatArray]


def everywhere(value: float) -> Geography:
    """A geography callable (`shore`, `anchorage`) giving `value` at every position."""

    def distance(lat: FloatArray, lon: FloatArray) -> FloatArray:
        return np.full(lat.shape, value)

    return distance


def evidence(events: pl.DataFrame, row: int = 0) -> dict[str, Any]:
    """The evidence object of event `row`."""
    return dict(json.loads(events["evidence"][row]))


def problem(response: Any, status: int) -> dict[str, Any]:
    """The RFC 9457 problem document of `response`, checked to have `status`, the problem media
    type and the members every problem carries."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


TEST_HOSTS = ("testserver",)
"""The Host that Starlette's TestClient (and schemathesis' ASGI client) send: the API tests pass
it to `create_app(..., allowed_hosts=TEST_HOSTS)`; a served app never allows it."""


def count_calls(monkeypatch: Any, owner: object, name: str) -> list[int]:
    """Replace `owner.name` with a wrapper of itself that appends to the list returned for each
    call (its length is the number of calls)."""
    calls: list[int] = []
    real = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls
