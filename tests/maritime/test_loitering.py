"""Loitering detection: slow hours merged into stretches, duration and offshore filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.maritime.loitering import LoiteringParams, detect_loitering
from balise.model.events import EVENT_SCHEMA
from helpers import T0, everywhere, evidence, track


def leg(knots: float, hours: float, mmsi: int = 227000001, **kwargs: Any) -> pl.DataFrame:
    """A straight eastbound track at `knots`, one position every 5 min unless `every_s` says."""
    return track(mmsi, hours, knots=knots, **{"every_s": 300, **kwargs})


def voyage(*legs: tuple[float, float]) -> pl.DataFrame:
    """Legs of (knots, hours) sailed one after the other from T0."""
    parts: list[pl.DataFrame] = []
    start, lon = T0, -30.0
    for knots, hours in legs:
        part = leg(knots, hours, start=start, lon=lon)
        parts.append(part if not parts else part.slice(1))
        start, lon = part["timestamp"][-1], part["lon"][-1]
    return pl.concat(parts)


def test_drifting_ship_loiters() -> None:
    events = detect_loitering(leg(0.5, 6), LoiteringParams())
    assert events.height == 1
    event = events.row(0, named=True)
    assert (event["type"], event["mmsi"], event["other_mmsi"]) == ("loitering", 227000001, None)
    assert (event["start"], event["end"]) == (T0, T0 + timedelta(hours=6))
    seen = evidence(events)
    assert seen["hours"] == 6.0
    assert seen["avg_speed_knots"] == pytest.approx(0.5, rel=1e-2)
    assert seen["distance_nm"] == pytest.approx(3.0, rel=1e-2)
    assert seen["mean_shore_nm"] is None
    assert event["lat"] == pytest.approx(10.0)


def test_transiting_ship_does_not_loiter() -> None:
    events = detect_loitering(leg(12.0, 6))
    assert events.is_empty()
    assert events.schema == pl.Schema(EVENT_SCHEMA)


def test_three_slow_hours_are_too_short() -> None:
    fishing = voyage((10.0, 2), (1.5, 3), (10.0, 2))
    assert detect_loitering(fishing, LoiteringParams(min_hours=4.0)).is_empty()
    shorter = detect_loitering(fishing, LoiteringParams(min_hours=2.0))
    assert shorter.height == 1
    assert evidence(shorter)["hours"] == 3.0
    assert shorter["start"][0] == T0 + timedelta(hours=2)


def test_slow_hours_merge_across_midnight() -> None:
    start = T0 - timedelta(hours=2)
    events = detect_loitering(leg(0.5, 6, start=start))
    assert events.height == 1
    assert (events["start"][0], events["end"][0]) == (start, start + timedelta(hours=6))


def test_offshore_filter_uses_the_shore_distance() -> None:
    drift = leg(0.5, 6)
    assert detect_loitering(drift, shore=everywhere(5.0)).is_empty()
    offshore = detect_loitering(drift, shore=everywhere(30.0))
    assert evidence(offshore)["mean_shore_nm"] == 30.0
    assert offshore["confidence"][0] == 0.6
    assert detect_loitering(drift)["confidence"][0] == 0.4


def test_loitering_across_the_antimeridian_sits_on_it() -> None:
    events = detect_loitering(leg(0.5, 6, lon=179.99, every_s=600))
    assert events.height == 1
    assert abs(events["lon"][0]) > 179.9


def test_out_of_order_input_gives_the_same_events() -> None:
    positions = pl.concat([leg(0.5, 6), leg(0.8, 5, mmsi=227000002, start=T0 + timedelta(hours=3))])
    expected = detect_loitering(positions)
    assert expected.height == 2
    assert detect_loitering(positions.reverse()).equals(expected)


@settings(max_examples=20, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_events(random: Any) -> None:
    positions = pl.concat([voyage((10.0, 1), (0.5, 5), (10.0, 1)), leg(1.0, 4, mmsi=227000002)])
    order = list(range(positions.height))
    random.shuffle(order)
    expected = detect_loitering(positions, shore=everywhere(25.0))
    assert detect_loitering(positions[order], shore=everywhere(25.0)).equals(expected)


def test_a_silence_is_not_loitering() -> None:
    """Slow for an hour, dark for 14 h, back near where it went dark: the silent leg is slow on
    average but unobserved, so no loitering (the gap detector reports the silence)."""
    before = track(227000001, 1, knots=1.0, sog_knots=1.0)
    after = track(227000001, 1, knots=1.0, start=T0 + timedelta(hours=15), sog_knots=1.0)
    events = detect_loitering(pl.concat([before, after]), LoiteringParams())
    assert events.is_empty()
    # the same stretch fully reported is loitering
    seen = track(227000001, 16, knots=1.0, sog_knots=1.0)
    assert detect_loitering(seen, LoiteringParams()).height == 1


def test_a_run_surely_near_shore_is_measured_at_one_position_only() -> None:
    """A distance to shore changes by no more than the distance moved: a 6-hour drift of 3 nm
    whose first position is 2 nm from shore is nearer than 20 nm all along, and only that
    position is measured; 20.5 nm from shore it may be offshore enough, and is measured whole."""
    calls: list[int] = []

    def constant(nm: float) -> Any:
        def measure(lat: Any, lon: Any) -> Any:
            calls.append(len(lat))
            return everywhere(nm)(lat, lon)

        return measure

    drift = leg(0.5, 6)
    assert detect_loitering(drift, shore=constant(2.0)).is_empty()
    assert calls == [1]
    calls.clear()
    found = detect_loitering(drift, shore=constant(20.5))
    assert found.height == 1
    assert evidence(found)["mean_shore_nm"] == 20.5
    assert calls[0] == 1
    assert sum(calls) > drift.height
