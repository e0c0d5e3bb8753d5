"""The shell game: indicators counted per kind, strong ones alone, ordinary liner routes quiet."""

from __future__ import annotations

import json

import polars as pl

from balise.cargo.journey import journeys
from balise.cargo.ports import hub_ports, sea_route_km
from balise.cargo.shell_game import detect_shell_game
from balise.model.events import EVENT_SCHEMA
from cargo_helpers import at, event, events, voyage

WATCHED = frozenset({"DOCAU", "PAMIT", "TGLFW"})


def _detect(rows: list[dict[str, object]], **kwargs: object) -> pl.DataFrame:
    found = journeys(events(*rows), sea_route_km)
    return detect_shell_game(found, WATCHED, hub_ports(), **kwargs)  # type: ignore[arg-type]


def _indicators(out: pl.DataFrame) -> list[list[str]]:
    return [json.loads(e)["indicators"] for e in out["evidence"]]


def test_an_ordinary_liner_route_through_watched_hubs_is_quiet() -> None:
    assert _detect(voyage("ECGYE", "PAMIT", "DOCAU", "NLRTM", dwell_days=3)).is_empty()


def test_a_long_wait_at_a_watched_hub_is_reported() -> None:
    out = _detect(voyage("ECGYE", "DOCAU", "NLRTM", dwell_days=20))
    assert out.schema == pl.Schema(EVENT_SCHEMA)
    assert _indicators(out) == [["long_dwell", "watched_hub"]]
    [row] = out.to_dicts()
    assert row["type"] == "shell_game"
    assert row["subject"] == {"kind": "container", "id": "MSCU1234565"}
    assert row["mmsi"] is None
    assert {"kind": "vessel", "id": "636012346"} in row["related"]
    assert row["score"] == round(1 - 0.75 * 0.7, 4)
    assert row["confidence"] == 0.6


def test_a_chain_starting_at_a_hub_or_a_detour_needs_a_second_indicator() -> None:
    assert _detect(voyage("TGLFW", "NLRTM", stuffed=False)).is_empty()  # one indicator
    assert _detect(voyage("DOCAU", "ESALG", "NLRTM", stuffed=False)).is_empty()
    out = _detect(voyage("DOCAU", "PAMIT", "NLRTM", stuffed=False))
    assert _indicators(out) == [["origin_at_hub", "watched_hub"]]
    out = _detect(voyage("ECGYE", "TGLFW", "NLRTM"))
    assert _indicators(out) == [["detour", "watched_hub"]]


def test_a_bill_of_lading_replaced_mid_route_is_enough_alone() -> None:
    rows = voyage("ECGYE", "ESALG", "NLRTM")
    rows = [r | {"bill_of_lading": "BL1" if n < 4 else "BL2"} for n, r in enumerate(rows)]
    out = _detect(rows)
    assert _indicators(out) == [["redocumented"]]
    assert "BL1 replaced by BL2 at ESALG" in json.loads(out["evidence"][0])["reasons"][0]


def test_one_weak_indicator_alone_is_quiet() -> None:
    assert _detect(voyage("ECGYE", "ESALG", "NLRTM", dwell_days=20)).is_empty()


def test_a_vessel_the_ais_does_not_put_at_the_port_adds_a_reason() -> None:
    visits = pl.DataFrame(
        {"mmsi": [636012345, 636012345], "start": [at(-5), at(30)], "end": [at(-4), at(31)],
         "locode": ["COCTG", "FRLEH"]}
    )  # fmt: skip
    rows = voyage("ECGYE", "DOCAU", "NLRTM")
    assert _detect(rows).is_empty()
    out = _detect(rows, port_visits=visits)
    assert _indicators(out) == [["vessel_not_at_port", "watched_hub"]]
    later = visits.filter(pl.col("locode") == "FRLEH")  # the AIS begins after the voyage
    assert _detect(rows, port_visits=later).is_empty()


def test_a_box_parked_laden_at_a_hub_for_months_before_loading_is_reported() -> None:
    """A chain that starts laden at a hub has no stop between legs at that hub: the wait from
    its gate-in to its first loading is the dwell."""
    parked = [event("GATED_IN", "DOCAU", -60), *voyage("DOCAU", "NLRTM", stuffed=False)]
    out = _detect(parked)
    assert _indicators(out) == [["long_dwell_strong", "origin_at_hub"]]
    assert "waited 60 days laden at hub DOCAU" in out["evidence"][0]
    briefly = [event("GATED_IN", "DOCAU", -2), *voyage("DOCAU", "NLRTM", stuffed=False)]
    assert _detect(briefly).is_empty()  # an ordinary wait for the connecting ship


def test_a_stay_of_months_is_enough_alone() -> None:
    out = _detect(voyage("ECGYE", "ESALG", "NLRTM", dwell_days=60))
    assert _indicators(out) == [["long_dwell_strong"]]
