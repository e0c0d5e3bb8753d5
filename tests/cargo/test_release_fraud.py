"""Release fraud: strong indicators alone, weak ones combined, the subcontractor quiet."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import polars as pl

from balise.cargo.ports import port_timezones
from balise.cargo.release_fraud import detect_release_fraud
from cargo_helpers import BOX, OTHER, at, event, events, gate, releases

RELEASE = {
    "release_id": "R1", "container_number": BOX, "terminal": "NLRTM-ECT", "issued_at": at(0),
    "issued_to": "Maas Fresh BV", "authorised_haulier": "Van Dijk Transport",
    "valid_from": at(0), "valid_until": at(7), "customs_status": "released",
    "customs_status_at": at(0, 3),
}  # fmt: skip
OTHER_RELEASE = RELEASE | {
    "release_id": "R2", "container_number": OTHER, "authorised_haulier": "Port Shuttle BV",
}  # fmt: skip
NOON = at(2, 11)  # 12:00 in Rotterdam (UTC+1 in March)


def _out(time: datetime, haulier: str = "Van Dijk Transport", **more: Any) -> dict[str, Any]:
    row = {"gate_tx_id": f"G{time:%d%H%M}{haulier[:3]}", "container_number": BOX,
           "terminal": "NLRTM-ECT", "time": time, "direction": "out", "haulier": haulier,
           "truck_plate": "XX-1", "release_id": "R1", "result": "accepted"}  # fmt: skip
    return row | more


def _detect(*moves: dict[str, Any], container_events: pl.DataFrame | None = None,
            release: dict[str, Any] = RELEASE) -> pl.DataFrame:  # fmt: skip
    return detect_release_fraud(
        releases(release, OTHER_RELEASE), gate(*moves), container_events,
        timezones=port_timezones(),
    )  # fmt: skip


def _indicators(out: pl.DataFrame) -> list[list[str]]:
    return [json.loads(e)["indicators"] for e in out["evidence"]]


def test_the_authorised_haulier_at_noon_is_quiet() -> None:
    assert _detect(_out(NOON)).is_empty()


def test_a_subcontractor_at_an_ordinary_time_is_quiet_even_at_night() -> None:
    assert _detect(_out(NOON, "Port Shuttle BV")).is_empty()
    assert _detect(_out(at(2, 1), "Port Shuttle BV")).is_empty()  # 02:00 local


def test_an_unknown_haulier_alone_is_quiet_but_not_at_night() -> None:
    assert _detect(_out(NOON, "Express Fret Services")).is_empty()
    out = _detect(_out(at(2, 1), "Express Fret Services"))
    assert _indicators(out) == [["haulier_not_on_release", "haulier_unknown", "odd_hour"]]
    [row] = out.to_dicts()
    assert row["subject"] == {"kind": "container", "id": BOX}
    assert {"kind": "release", "id": "R1"} in row["related"]
    assert row["score"] == round(1 - 0.75 * 0.8 * 0.8, 4)


def test_the_hour_is_read_in_the_terminal_time_zone() -> None:
    # 21:30 UTC is 22:30 in Rotterdam: night there
    out = _detect(_out(at(2, 21.5), "Express Fret Services"))
    assert "odd_hour" in _indicators(out)[0]


def test_a_second_pickup_with_the_same_release_is_enough_alone() -> None:
    out = _detect(_out(NOON), _out(at(3, 9), "Van Dijk Transport", result="rejected"))
    assert _indicators(out) == [["rejected_attempts", "second_pickup"]]
    [row] = out.to_dicts()
    assert row["confidence"] >= 0.7
    assert len(json.loads(row["evidence"])["attempts"]) == 2


def test_use_before_issue_after_expiry_and_under_customs_hold() -> None:
    early = _detect(_out(NOON), release=RELEASE | {"issued_at": at(3)})
    assert _indicators(early) == [["before_issue"]]
    late = _detect(_out(at(8, 11)))
    assert late.is_empty()  # after expiry alone is weak
    held = _detect(_out(NOON), release=RELEASE | {"customs_status": "hold"})
    assert _indicators(held) == [["customs_hold"]]
    released_later = _detect(_out(NOON), release=RELEASE | {"customs_status_at": at(4)})
    assert _indicators(released_later) == [["customs_hold"]]


def test_a_customs_selection_without_release_is_a_hold() -> None:
    selected = events(event("CUSTOMS_SELECTED_FOR_SCAN", "NLRTM", 1.5))
    assert _indicators(_detect(_out(NOON), container_events=selected)) == [["customs_hold"]]
    cleared = events(
        event("CUSTOMS_SELECTED_FOR_SCAN", "NLRTM", 1.5), event("CUSTOMS_RELEASED", "NLRTM", 2)
    )
    assert _detect(_out(NOON), container_events=cleared).is_empty()


def test_a_fast_pickup_by_an_unknown_haulier() -> None:
    discharged = events(event("DISCHARGED", "NLRTM", 2.375, vessel_mmsi=244123456))  # 09:00 UTC
    out = _detect(_out(NOON, "Express Fret Services"), container_events=discharged)
    assert _indicators(out) == [["fast_pickup", "haulier_not_on_release", "haulier_unknown"]]
    assert {"kind": "vessel", "id": "244123456"} in out["related"][0].to_list()
    slow = _detect(_out(at(4, 11), "Express Fret Services"), container_events=discharged)
    assert slow.is_empty()


def test_a_release_that_is_not_the_box_is_enough_alone() -> None:
    out = _detect(_out(NOON, release_id="R9"))
    assert _indicators(out) == [["unknown_release"]]


def test_ids_are_stable() -> None:
    moves = (_out(NOON), _out(at(3, 9), result="rejected"))
    assert _detect(*moves)["id"].to_list() == _detect(*reversed(moves))["id"].to_list()
