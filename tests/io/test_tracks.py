"""Track writers: GeoJSON cut at the antimeridian with per-vertex times, and OGC MF-JSON."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from balise.io.exports.antimeridian import split_at_antimeridian
from balise.io.exports.geojson import track_geojson
from balise.io.exports.mfjson import track_mfjson
from helpers import T0, track


def _fixes(*lons_lats: tuple[float, float], minutes: int = 60) -> pl.DataFrame:
    times = [T0 + timedelta(minutes=minutes * i) for i in range(len(lons_lats))]
    return pl.DataFrame({
        "timestamp": times, "lon": [p[0] for p in lons_lats], "lat": [p[1] for p in lons_lats],
        "sog_knots": [10.0 + i for i in range(len(lons_lats))],
        "cog_deg": [90.0] * len(lons_lats),
    })  # fmt: skip


def test_straight_track_is_a_linestring_with_parallel_times() -> None:
    feature = track_geojson(track(1, 1, lon=-30.0, every_s=600), {"mmsi": 1})
    geometry, props = feature["geometry"], feature["properties"]
    assert geometry["type"] == "LineString"
    assert len(geometry["coordinates"]) == 7 == len(props["coordTimes"]) == len(props["sog_knots"])
    assert props["coordTimes"][0] == "2024-03-01T00:00:00Z"
    assert props["coordTimes"][-1] == "2024-03-01T01:00:00Z"
    assert props["mmsi"] == 1
    assert props["positions"] == 7
    assert geometry["coordinates"][0] == [-30.0, 10.0]


def test_track_crossing_the_antimeridian_is_cut_with_seam_vertices() -> None:
    # eastbound 179.5 -> -179.5 (1° the short way) in one hour, at a steady 1° of latitude
    feature = track_geojson(_fixes((179.0, 10.0), (179.5, 10.5), (-179.5, 11.5), (-179.0, 12.0)))
    geometry, props = feature["geometry"], feature["properties"]
    assert geometry["type"] == "MultiLineString"
    west, east = geometry["coordinates"]
    assert west == [[179.0, 10.0], [179.5, 10.5], [180.0, 11.0]]
    assert east == [[-180.0, 11.0], [-179.5, 11.5], [-179.0, 12.0]]
    # times and values nested like the coordinates; the seam is half-way in time, not reported
    assert props["coordTimes"][0][-1] == "2024-03-01T01:30:00Z"
    assert props["coordTimes"][1][0] == "2024-03-01T01:30:00Z"
    assert props["sog_knots"] == [[10.0, 11.0, None], [None, 12.0, 13.0]]
    assert props["positions"] == 4


def test_westbound_crossing_and_back() -> None:
    parts = split_at_antimeridian(
        [(-179.0, 0.0, T0, None, None), (179.0, 2.0, T0 + timedelta(hours=2), None, None),
         (-179.0, 4.0, T0 + timedelta(hours=4), None, None)]
    )  # fmt: skip
    assert [[(v[0], v[1]) for v in part] for part in parts] == [
        [(-179.0, 0.0), (-180.0, 1.0)],
        [(180.0, 1.0), (179.0, 2.0), (180.0, 3.0)],
        [(-180.0, 3.0), (-179.0, 4.0)],
    ]
    assert parts[0][-1][2] == T0 + timedelta(hours=1)


def test_out_of_order_input_is_sorted_by_time() -> None:
    fixes = _fixes((0.0, 0.0), (1.0, 0.0), (2.0, 0.0))
    feature = track_geojson(fixes.reverse())
    assert [c[0] for c in feature["geometry"]["coordinates"]] == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(("rows", "kind"), [(0, None), (1, "Point")])
def test_short_tracks(rows: int, kind: str | None) -> None:
    feature = track_geojson(_fixes((5.0, 5.0)).head(rows))
    assert (feature["geometry"] or {}).get("type") == kind
    assert feature["properties"]["positions"] == rows


def test_mfjson_moving_point_keeps_the_fixes_as_reported() -> None:
    fixes = _fixes((179.5, 10.5), (-179.5, 11.5))
    feature = track_mfjson(fixes, {"mmsi": 7})
    geometry = feature["temporalGeometry"]
    assert geometry["type"] == "MovingPoint"
    assert geometry["interpolation"] == "Linear"
    assert geometry["coordinates"] == [[179.5, 10.5], [-179.5, 11.5]]
    assert geometry["datetimes"] == ["2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z"]
    assert feature["time"] == geometry["datetimes"]
    speed = feature["temporalProperties"][0]
    assert speed["datetimes"] == geometry["datetimes"]
    assert speed["sog_knots"] == {"type": "Measure", "form": "KNT", "values": [10.0, 11.0],
                                  "interpolation": "Linear"}  # fmt: skip
    assert feature["properties"] == {"mmsi": 7}


def test_coordinates_are_rounded_and_subsecond_times_kept() -> None:
    fixes = pl.DataFrame({"timestamp": [T0 + timedelta(microseconds=500_000), T0 +
                                        timedelta(seconds=2)],
                          "lon": [1.123456789, 1.2], "lat": [2.0, 2.0]})  # fmt: skip
    feature = track_geojson(fixes)
    assert feature["geometry"]["coordinates"][0] == [1.123457, 2.0]
    assert feature["properties"]["coordTimes"][0] == "2024-03-01T00:00:00.500000Z"
    assert feature["properties"]["sog_knots"] == [None, None]
