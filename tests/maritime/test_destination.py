"""Destination mismatches: declared port vs port reached, undeclared high-risk calls, changes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import polars as pl

from balise.geo.gazetteer import Gazetteer, load_high_risk_ports
from balise.maritime.destination import detect_destination_mismatches
from balise.model.events import EVENT_SCHEMA, to_json
from balise.model.schema import IDENTITY_SCHEMA, POSITION_SCHEMA, conform
from helpers import T0, evidence, track

HIGH_RISK = tuple(load_high_risk_ports()["locode"])
DAY = timedelta(days=1)


def _visits(mmsi: int, *stays: tuple[str, datetime, datetime]) -> pl.DataFrame:
    """`port_visit` events at the gazetteer position of each (locode, arrival, departure)."""
    rows = []
    for locode, start, end in stays:
        lat, lon = Gazetteer.packaged().position(locode) or (0.0, 0.0)
        rows.append(
            {
                "id": f"port_visit-{mmsi}-{start.isoformat()}",
                "type": "port_visit",
                "start": start,
                "end": end,
                "lat": lat,
                "lon": lon,
                "mmsi": mmsi,
                "confidence": 1.0,
                "score": 0.0,
                "evidence": to_json({"locode": locode, "port": locode}),
                "status": "active",
            }
        )
    return pl.DataFrame(rows).with_columns(
        pl.col(c).cast(t)
        for c, t in EVENT_SCHEMA.items()
        if c not in ("other_mmsi", "params", "subject", "related")
    )


def _said(mmsi: int, *broadcasts: tuple[datetime, str]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "mmsi": [mmsi] * len(broadcasts),
            "timestamp": [t for t, _ in broadcasts],
            "destination": [d for _, d in broadcasts],
        }
    )
    return conform(frame, IDENTITY_SCHEMA)


NO_POSITIONS = pl.DataFrame(schema=POSITION_SCHEMA)


def _detect(
    identities: pl.DataFrame, visits: pl.DataFrame, positions: pl.DataFrame = NO_POSITIONS
) -> pl.DataFrame:
    return detect_destination_mismatches(identities, visits, positions, HIGH_RISK)


def test_undeclared_call_at_a_high_risk_port() -> None:
    visits = _visits(
        1, ("BRSSZ", T0, T0 + timedelta(hours=10)), ("SRPBM", T0 + 9 * DAY, T0 + 10 * DAY),
        ("FRLEH", T0 + 20 * DAY, T0 + 21 * DAY),
    )  # fmt: skip
    said = _said(1, (T0, "SANTOS"), (T0 + timedelta(hours=9), "FRLEH@@@"))
    events = _detect(said, visits)
    assert events.height == 1
    seen = evidence(events)
    assert seen["rule"] == "undeclared_call"
    assert seen["high_risk"]
    assert seen["declared_locode"] == "FRLEH"
    assert seen["reached_locode"] == "SRPBM"
    assert events["start"][0] == T0 + timedelta(hours=10)
    assert events["end"][0] == T0 + 9 * DAY
    assert (events["lat"][0], events["lon"][0]) == Gazetteer.packaged().position("SRPBM")
    assert events["score"][0] == 0.8
    assert events["type"][0] == "destination_mismatch"


def test_other_port_reached_scores_lower() -> None:
    visits = _visits(2, ("FRLEH", T0, T0 + DAY), ("BEANR", T0 + 2 * DAY, T0 + 3 * DAY))
    events = _detect(_said(2, (T0 + timedelta(hours=20), "NL RTM")), visits)
    seen = evidence(events)
    assert seen["rule"] == "other_port"
    assert not seen["high_risk"]
    assert events["score"][0] == 0.3
    assert seen["declared_text"] == "NL RTM"
    assert seen["reached_locode"] == "BEANR"


def test_declared_port_reached_is_no_event_whatever_the_spelling() -> None:
    visits = _visits(3, ("FRLEH", T0, T0 + DAY), ("NLRTM", T0 + 2 * DAY, T0 + 3 * DAY))
    said = _said(
        3,
        (T0, "LE HAVRE"),
        (T0 + timedelta(hours=23), "ROTTERDAM"),
        (T0 + timedelta(hours=30), "NL RTM"),
        (T0 + timedelta(hours=40), "NLRTM"),
    )
    assert _detect(said, visits).is_empty()


def test_destination_typed_just_after_sailing_counts_as_declared() -> None:
    visits = _visits(4, ("BRSSZ", T0, T0 + DAY), ("FRLEH", T0 + 12 * DAY, T0 + 13 * DAY))
    said = _said(4, (T0, "SANTOS BR"), (T0 + DAY + timedelta(minutes=40), "LE HAVRE"))
    assert _detect(said, visits).is_empty()


def test_first_declaration_after_for_orders_is_no_change() -> None:
    visits = _visits(5, ("FRLEH", T0, T0 + DAY), ("NLRTM", T0 + 3 * DAY, T0 + 4 * DAY))
    said = _said(5, (T0 + DAY, "FOR ORDERS"), (T0 + 2 * DAY, "ROTTERDAM"))
    assert _detect(said, visits).is_empty()


def test_destination_changed_at_sea_is_placed_where_the_vessel_was() -> None:
    visits = _visits(6, ("COCTG", T0, T0 + DAY), ("BEANR", T0 + 14 * DAY, T0 + 15 * DAY))
    change = T0 + 6 * DAY + timedelta(minutes=7)
    said = _said(6, (T0 + timedelta(hours=23), "FR LEH"), (change, "ANTWERPEN"))
    positions = track(6, 24, 20.0, -40.0, 12.0, 45.0, start=T0 + 5 * DAY + timedelta(hours=12),
                      every_s=600)  # fmt: skip
    events = _detect(said, visits, positions)
    assert events.height == 1
    seen = evidence(events)
    assert seen["rule"] == "changed_at_sea"
    assert (seen["old_locode"], seen["new_locode"]) == ("FRLEH", "BEANR")
    # typed between the last reception of the old text and the first of the new one
    assert events["start"][0] == T0 + timedelta(hours=23)
    assert events["end"][0] == change
    nearest = positions.filter(pl.col("timestamp") == T0 + 6 * DAY + timedelta(minutes=10))
    assert (events["lat"][0], events["lon"][0]) == (nearest["lat"][0], nearest["lon"][0])
    assert events["score"][0] == 0.4


def test_change_to_a_high_risk_port_at_sea_scores_high() -> None:
    visits = _visits(7, ("FRLEH", T0, T0 + DAY))
    said = _said(7, (T0 + timedelta(hours=20), "NLRTM"), (T0 + 3 * DAY, "PARAMARIBO"))
    events = _detect(said, visits)
    assert evidence(events)["high_risk"]
    assert events["score"][0] == 0.8
    assert events["lat"][0] is None


def test_change_while_in_port_is_not_at_sea() -> None:
    visits = _visits(8, ("FRLEH", T0, T0 + 3 * DAY), ("NLRTM", T0 + 4 * DAY, T0 + 5 * DAY))
    said = _said(8, (T0, "BEANR"), (T0 + DAY, "NLRTM"))
    assert _detect(said, visits).is_empty()


def test_ambiguous_declaration_matching_the_port_reached_is_no_event() -> None:
    visits = _visits(9, ("COCTG", T0, T0 + DAY), ("PAMIT", T0 + 3 * DAY, T0 + 4 * DAY))
    assert _detect(_said(9, (T0 + timedelta(hours=12), "MANZANILLO")), visits).is_empty()


def test_ids_are_stable_and_input_order_free() -> None:
    visits = _visits(
        1, ("BRSSZ", T0, T0 + timedelta(hours=10)), ("SRPBM", T0 + 9 * DAY, T0 + 10 * DAY)
    )
    said = _said(1, (T0, "SANTOS"), (T0 + timedelta(hours=9), "FRLEH"))
    once = _detect(said, visits)
    again = _detect(said.reverse(), visits.reverse())
    assert once.equals(again)
    assert json.loads(once["params"][0])["same_port_km"] == 25.0


def test_voyage_begun_before_the_data_is_checked_from_the_first_position() -> None:
    """First seen at sea declaring Le Havre, the vessel calls at Paramaribo: its departure is
    not in the data, the mismatch is."""
    visits = _visits(9, ("SRPBM", T0 + 3 * DAY, T0 + 4 * DAY))
    said = _said(9, (T0 + timedelta(hours=2), "LEHAVRE"))
    positions = track(9, 12, 10.0, -45.0, 12.0, 250.0, every_s=1800)
    events = _detect(said, visits, positions)
    assert events["start"].to_list() == [T0]
    assert events["end"].to_list() == [T0 + 3 * DAY]
    seen = evidence(events)
    assert (seen["rule"], seen["departure"], seen["reached_locode"]) == (
        "undeclared_call", None, "SRPBM",
    )  # fmt: skip
    in_port_first = track(9, 12, 5.8, -55.2, 0.0, 0.0, start=T0 + 3 * DAY, every_s=1800)
    assert _detect(said, visits, in_port_first).is_empty()  # first seen in the port itself


def test_alternating_destinations_are_not_a_change_at_sea() -> None:
    """Two transponders on one MMSI (or folded snapshots of a shuttle) broadcast two
    destinations in turn: the old one is still heard after the new one first appears."""
    visits = _visits(11, ("COCTG", T0, T0 + DAY))
    said = pl.concat([
        _said(11, (T0 + 2 * DAY, "FRLEH")).with_columns(last_seen=pl.lit(T0 + 5 * DAY)),
        _said(11, (T0 + 3 * DAY, "NLRTM")).with_columns(last_seen=pl.lit(T0 + 4 * DAY)),
    ])  # fmt: skip
    assert _detect(said, visits).is_empty()
