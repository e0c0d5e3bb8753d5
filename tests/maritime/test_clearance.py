"""Clearance checks on hand-built voyages: matching rules, domestic hops, each mismatch reason."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.maritime.clearance import ClearanceParams, clearance_events, normalised
from balise.maritime.clearance_calls import slow_stops
from balise.maritime.kernel import build_events
from balise.model.coastal import CLEARANCE_SCHEMA
from balise.model.events import empty_events, to_json
from balise.model.schema import IDENTITY_SCHEMA, conform
from helpers import T0, track

YACHT = 228000001
PORTS = {
    "LCCAS": (14.01, -60.99),  # Castries, Saint Lucia
    "SRPBM": (5.83, -55.17),  # Paramaribo
    "MQFDF": (14.60, -61.07),  # Fort-de-France
    "MQQMR": (14.47, -60.87),  # Le Marin
    "GPPTP": (16.23, -61.53),  # Pointe-a-Pitre
}


def _french(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """A stand-in for the territorial sea: boxes round Martinique and Guadeloupe."""
    lat, lon = np.asarray(lat), np.asarray(lon)
    martinique = (lat > 14.2) & (lat < 15.1) & (lon > -61.45) & (lon < -60.6)
    guadeloupe = (lat > 15.7) & (lat < 16.7) & (lon > -62.0) & (lon < -60.8)
    return np.asarray(martinique | guadeloupe)


def _visit(
    locode: str, arrival_h: float, stay_h: float = 24.0, mmsi: int = YACHT
) -> dict[str, Any]:
    lat, lon = PORTS[locode]
    start = T0 + timedelta(hours=arrival_h)
    return {"mmsi": mmsi, "start": start, "end": start + timedelta(hours=stay_h), "lat": lat,
            "lon": lon, "evidence": to_json({"locode": locode, "port": locode})}  # fmt: skip


def _visits(*rows: dict[str, Any]) -> pl.DataFrame:
    return build_events("port_visit", list(rows), ("mmsi", "start"))


def _declaration(
    expected_h: float, submitted_h: float | None = None, *, mmsi: int | None = YACHT,
    name: str = "SEA BREEZE", call_sign: str = "FAB1234", last_port: str = "LCCAS",
    arrival_port: str = "MQFDF", ident: str = "D1",
) -> dict[str, Any]:  # fmt: skip
    submitted = expected_h - 6 if submitted_h is None else submitted_h
    return {"declaration_id": ident, "submitted_at": T0 + timedelta(hours=submitted),
            "vessel_name": name, "mmsi": mmsi, "flag": "FR", "call_sign": call_sign,
            "arrival_port": arrival_port, "expected_arrival": T0 + timedelta(hours=expected_h),
            "last_port": last_port, "persons_on_board": 2, "source": "test",
            "source_line": 1}  # fmt: skip


def _declarations(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=CLEARANCE_SCHEMA)


def _identity(mmsi: int = YACHT, ship_type: int = 37, name: str = "SEA BREEZE") -> pl.DataFrame:
    row = {"mmsi": mmsi, "timestamp": T0, "name": name, "call_sign": "FAB1234",
           "ship_type": ship_type}  # fmt: skip
    return conform(pl.DataFrame([row]), IDENTITY_SCHEMA)


def _positions(lat: float = 14.0, lon: float = -61.6, mmsi: int = YACHT) -> pl.DataFrame:
    """A first sighting at sea (outside the stand-in French waters) and nothing slow."""
    return track(mmsi, 1.0, lat, lon, 6.0, 0.0, T0 - timedelta(hours=2), 600, sog_knots=6.0)


def _check(
    visits: pl.DataFrame, declarations: pl.DataFrame, *, identity: pl.DataFrame | None = None,
    positions: pl.DataFrame | None = None, events: pl.DataFrame | None = None,
) -> pl.DataFrame:  # fmt: skip
    return clearance_events(
        visits, declarations, _identity() if identity is None else identity,
        _positions() if positions is None else positions,
        empty_events() if events is None else events, _french,
    )  # fmt: skip


def _evidence(events: pl.DataFrame, kind: str) -> list[dict[str, Any]]:
    return [json.loads(e) for e in events.filter(pl.col("type") == kind)["evidence"]]


def _reasons(events: pl.DataFrame) -> set[str]:
    return {r["reason"] for e in _evidence(events, "clearance_mismatch") for r in e["reasons"]}


VOYAGE = (_visit("LCCAS", 0.0), _visit("MQFDF", 36.0))


def test_a_declaration_by_mmsi_clears_the_arrival() -> None:
    assert _check(_visits(*VOYAGE), _declarations(_declaration(36.0))).is_empty()


def test_no_declaration_is_a_missing_clearance_from_the_foreign_port() -> None:
    found = _check(_visits(*VOYAGE), _declarations())
    assert found["type"].to_list() == ["clearance_missing"]
    assert found["start"][0] == T0 + timedelta(hours=36)
    seen = _evidence(found, "clearance_missing")[0]
    assert seen["origin"] == "foreign_port"
    assert seen["came_from"]["locode"] == "LCCAS"
    assert seen["locode"] == "MQFDF"


def test_name_and_call_sign_match_when_the_mmsi_is_missing_or_other() -> None:
    declared = _declaration(36.0, mmsi=None, name="Sea-Breeze", call_sign="fab 1234")
    assert _check(_visits(*VOYAGE), _declarations(declared)).is_empty()
    wrong_sign = _declaration(36.0, mmsi=None, call_sign="FXYZ")
    assert _check(_visits(*VOYAGE), _declarations(wrong_sign))["type"].to_list() == [
        "clearance_missing"
    ]


def test_a_declaration_outside_the_window_does_not_match_and_says_why() -> None:
    found = _check(_visits(*VOYAGE), _declarations(_declaration(36.0 + 30)))
    assert found["type"].to_list() == ["clearance_missing"]
    considered = _evidence(found, "clearance_missing")[0]["declarations_considered"]
    assert considered[0]["declaration_id"] == "D1"
    assert "+30.0 h" in considered[0]["why_not"]
    params = ClearanceParams(window_hours=48.0)
    wider = clearance_events(_visits(*VOYAGE), _declarations(_declaration(66.0, 30.0)), _identity(),
                             _positions(), empty_events(), _french, params)  # fmt: skip
    assert "clearance_missing" not in wider["type"].to_list()


def test_a_declaration_submitted_after_arrival_does_not_count() -> None:
    found = _check(_visits(*VOYAGE), _declarations(_declaration(36.0, submitted_h=40.0)))
    why = _evidence(found, "clearance_missing")[0]["declarations_considered"][0]["why_not"]
    assert "submitted 4.0 h after" in why


def test_a_domestic_hop_needs_no_clearance() -> None:
    hop = _visits(_visit("MQFDF", 0.0), _visit("GPPTP", 30.0))
    seen_in_port = _positions(14.6, -61.2)
    assert _check(hop, _declarations(), positions=seen_in_port).is_empty()


def _with_earlier_data(positions: pl.DataFrame, hours: float = 72.0) -> pl.DataFrame:
    """`positions` and a ship heard `hours` before them: the data began before the yacht."""
    ship = track(OTHER, 1.0, 15.0, -62.0, 0.0, 0.0, T0 - timedelta(hours=2 + hours), 60)
    return pl.concat([ship, positions])


OTHER = 228000002


def test_first_seen_at_sea_is_an_arrival_from_international_waters() -> None:
    later = _with_earlier_data(_positions())
    found = _check(_visits(_visit("MQFDF", 10.0)), _declarations(), positions=later)
    assert _evidence(found, "clearance_missing")[0]["origin"] == "international_waters"
    inside = _with_earlier_data(_positions(14.6, -61.2))
    assert _check(_visits(_visit("MQFDF", 10.0)), _declarations(), positions=inside).is_empty()


def test_under_way_when_the_data_begins_the_origin_is_unknown_for_a_short_passage() -> None:
    # seen at sea from the data's first minute, in port 12 h later: she may have left Guadeloupe
    assert _check(_visits(_visit("MQFDF", 10.0)), _declarations()).is_empty()
    half_an_hour_later = _with_earlier_data(_positions(), hours=0.5)
    assert _check(_visits(_visit("MQFDF", 10.0)), _declarations(),
                  positions=half_an_hour_later).is_empty()  # fmt: skip
    # in port 50 h after: longer than any passage between French islands
    found = _check(_visits(_visit("MQFDF", 48.0)), _declarations())
    assert _evidence(found, "clearance_missing")[0]["origin"] == "international_waters"
    shorter = ClearanceParams(domestic_passage_hours=6.0)
    found = clearance_events(_visits(_visit("MQFDF", 10.0)), _declarations(), _identity(),
                             _positions(), empty_events(), _french, shorter)  # fmt: skip
    assert _evidence(found, "clearance_missing")[0]["origin"] == "international_waters"


def test_merchant_ships_are_not_checked() -> None:
    assert _check(_visits(*VOYAGE), _declarations(), identity=_identity(ship_type=70)).is_empty()


def test_each_declaration_serves_one_arrival() -> None:
    trips = _visits(_visit("LCCAS", 0.0), _visit("MQFDF", 36.0, stay_h=2.0),
                    _visit("LCCAS", 40.0, stay_h=2.0), _visit("MQFDF", 50.0))  # fmt: skip
    found = _check(trips, _declarations(_declaration(40.0)))
    assert found["type"].to_list() == ["clearance_missing"]
    why = _evidence(found, "clearance_missing")[0]["declarations_considered"][0]["why_not"]
    assert "already matched" in why


def test_other_last_port_is_a_mismatch() -> None:
    found = _check(_visits(_visit("SRPBM", 0.0), _visit("MQFDF", 36.0)),
                   _declarations(_declaration(36.0)))  # fmt: skip
    assert found["type"].to_list() == ["clearance_mismatch"]
    assert _reasons(found) == {"last_port"}
    assert found["related"].to_list()[0] == [{"kind": "declaration", "id": "D1"}]


def test_an_undeclared_call_after_the_last_port_is_an_extra_call() -> None:
    calls = _visits(_visit("LCCAS", 0.0, stay_h=5.0), _visit("SRPBM", 10.0, stay_h=5.0),
                    _visit("MQFDF", 36.0))  # fmt: skip
    found = _check(calls, _declarations(_declaration(36.0)))
    assert _reasons(found) == {"extra_call"}
    extra = _evidence(found, "clearance_mismatch")[0]["reasons"][0]["calls"]
    assert [c["locode"] for c in extra] == ["SRPBM"]


def _loitering(start_h: float, end_h: float) -> pl.DataFrame:
    row = {"mmsi": YACHT, "start": T0 + timedelta(hours=start_h),
           "end": T0 + timedelta(hours=end_h), "lat": 13.0, "lon": -62.0}  # fmt: skip
    return build_events("loitering", [row], ("mmsi", "start"))


def test_a_stop_at_sea_on_the_way_is_a_mismatch() -> None:
    loiter = _loitering(28.0, 31.0)
    found = _check(_visits(*VOYAGE), _declarations(_declaration(36.0)), events=loiter)
    assert _reasons(found) == {"stop_at_sea"}
    before = _loitering(-20.0, -18.0)
    assert _check(_visits(*VOYAGE), _declarations(_declaration(36.0)), events=before).is_empty()


def test_a_slow_period_at_sea_is_a_stop() -> None:
    drift = track(YACHT, 3.0, 13.5, -61.5, 0.3, 0.0, T0 + timedelta(hours=30), 600,
                  sog_knots=0.3)  # fmt: skip
    positions = pl.concat([_positions(), drift])
    found = _check(_visits(*VOYAGE), _declarations(_declaration(36.0)), positions=positions)
    stops = _evidence(found, "clearance_mismatch")[0]["reasons"][0]["stops"]
    assert [s["type"] for s in stops] == ["slow_period"]


def test_arrival_far_from_the_declared_time_or_at_another_port() -> None:
    late = _check(_visits(*VOYAGE), _declarations(_declaration(36.0 - 10)))
    assert _reasons(late) == {"arrival_time"}
    elsewhere = _check(_visits(*VOYAGE), _declarations(_declaration(36.0, arrival_port="MQQMR")))
    assert _reasons(elsewhere) == {"arrival_port"}


def test_a_stop_in_a_french_bay_is_an_arrival() -> None:
    at_anchor = track(YACHT, 5.0, 14.45, -61.05, 0.0, 0.0, T0 + timedelta(hours=30), 600,
                      sog_knots=0.1)  # fmt: skip
    positions = pl.concat([_positions(), at_anchor])
    found = _check(_visits(_visit("LCCAS", 0.0)), _declarations(), positions=positions)
    seen = _evidence(found, "clearance_missing")[0]
    assert seen["call_kind"] == "stop"
    assert seen["came_from"]["locode"] == "LCCAS"


def test_slow_periods_exclude_port_visits() -> None:
    moored = track(YACHT, 5.0, 14.60, -61.07, 0.0, 0.0, T0, 600, sog_knots=0.0)
    visits = _visits(_visit("MQFDF", 0.0, stay_h=5.0))
    assert slow_stops(moored, visits, 1.0, 2.0).is_empty()
    assert slow_stops(moored, _visits(), 1.0, 2.0).height == 1


def test_names_are_compared_on_letters_and_digits() -> None:
    assert normalised(" Sea-Breeze II ") == normalised("SEA BREEZE II") == "SEABREEZEII"
    assert normalised(None) == ""


def test_events_have_the_record_schema() -> None:
    found = _check(_visits(*VOYAGE), _declarations())
    assert list(found.schema) == list(empty_events().schema)
    assert found["subject"][0] == {"kind": "vessel", "id": str(YACHT)}
    assert isinstance(found["start"][0], datetime)
    again = _check(_visits(*VOYAGE), _declarations())
    assert again["id"].to_list() == found["id"].to_list()
