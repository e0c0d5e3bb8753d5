"""The zone detector asks `Zone.contains` only about positions within a zone's latitudes, and
carries each zone's flags from the first test to the events: the flags are `Zone.contains`'s."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.geo.zones import Zone, zone_from_feature
from balise.maritime.zones import _contains

coordinate = st.one_of(st.floats(-200.0, 200.0), st.just(180.0), st.just(-180.0), st.just(np.nan))


def seam_box() -> Zone:
    """A box across the antimeridian (two parts)."""
    ring = [[179.0, 9.0], [181.0, 9.0], [181.0, 11.0], [179.0, 11.0], [179.0, 9.0]]
    return zone_from_feature(
        {
            "type": "Feature",
            "id": "seam",
            "properties": {"rules": [{"trigger": "entry"}]},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(8.0, 12.0) | st.just(np.nan), coordinate), min_size=1, max_size=30)
)
def test_the_latitude_cut_keeps_the_answer_of_contains(points: list[tuple[float, float]]) -> None:
    zone = seam_box()
    lats = np.array([p[0] for p in points], np.float64)
    lons = np.array([p[1] for p in points], np.float64)
    lons = (
        lons if np.all(np.abs(lons[~np.isnan(lons)]) <= 180.0) else (lons + 180.0) % 360.0 - 180.0
    )
    located = ~np.isnan(lons)
    expected = np.zeros(len(lats), np.bool_)
    expected[located] = zone.contains(lats[located], lons[located])
    assert np.array_equal(_contains(zone, lats, lons), expected)
