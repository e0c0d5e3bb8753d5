"""Identity changes: debounced field changes, IMO numbers under a new MMSI, MID/flag mismatches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.maritime.identity import (
    IdentityParams,
    detect_identity_changes,
    detect_position_jumps,
    detect_shared_mmsi,
)
from balise.maritime.segment import segment
from balise.model.call_signs import (
    call_sign_administration,
    call_sign_fits_flag,
    call_sign_plausible,
)
from balise.model.events import EVENT_SCHEMA
from balise.model.schema import IDENTITY_SCHEMA, conform
from helpers import T0, evidence, positions


def identities(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Identity reports in IDENTITY_SCHEMA; `minutes` gives each report's time after T0."""
    frame = pl.DataFrame(
        [{**r, "timestamp": T0 + timedelta(minutes=r.pop("minutes"))} for r in rows],
        infer_schema_length=None,
    )
    return conform(frame, IDENTITY_SCHEMA)


def names(mmsi: int, *timeline: tuple[float, str], call_sign: str = "FABC") -> pl.DataFrame:
    """Reports of `mmsi` naming it (minutes after T0, name) with one call sign."""
    return identities(
        [{"mmsi": mmsi, "minutes": m, "name": n, "call_sign": call_sign} for m, n in timeline]
    )


def every(start_min: int, end_min: int, name: str, step_min: int = 6) -> list[tuple[float, str]]:
    """Class A static reports of `name` every `step_min` minutes from `start_min` to `end_min`."""
    return [(float(m), name) for m in range(start_min, end_min, step_min)]


def rules(events: pl.DataFrame) -> list[str]:
    return [evidence(events, i)["rule"] for i in range(events.height)]


def test_identity_change_ignores_partial_reports() -> None:
    reports = identities(
        [
            {"mmsi": 227000001, "minutes": 0, "name": "SEA STAR", "call_sign": "FABC"},
            {"mmsi": 227000001, "minutes": 1, "name": "SEA STAR@@@"},  # type 24 part A
            {"mmsi": 227000001, "minutes": 2, "call_sign": "F ABC", "ship_type": 30},  # part B
            {"mmsi": 227000001, "minutes": 60, "name": "OCEAN QUEEN", "call_sign": "FXYZ"},
            {"mmsi": 227000001, "minutes": 66, "name": "OCEAN  QUEEN", "call_sign": "FXYZ"},
        ]
    )
    events = detect_identity_changes(reports)
    assert events.schema == pl.Schema(EVENT_SCHEMA)
    assert events.height == 1
    found = evidence(events)
    assert found["rule"] == "field_change"
    changes = {c["field"]: (c["old"], c["new"], c["reports"]) for c in found["changes"]}
    assert changes == {"name": ("SEA STAR", "OCEAN QUEEN", 2), "call_sign": ("FABC", "FXYZ", 2)}
    assert events["start"][0] == T0 + timedelta(minutes=1)  # name last seen as SEA STAR
    assert events["end"][0] == T0 + timedelta(minutes=60)
    assert events["confidence"][0] == pytest.approx(0.6)
    assert events["other_mmsi"][0] is None


def test_flip_and_back_within_the_debounce_is_no_change() -> None:
    # a second transponder (or a typo fixed) says OCEAN QUEEN for 30 min, then SEA STAR again
    flip = names(
        227000001,
        *every(0, 120, "SEA STAR"),
        *every(120, 150, "OCEAN QUEEN"),
        *every(150, 300, "SEA STAR"),
    )
    assert detect_identity_changes(flip).is_empty()
    alternating = names(
        227000001, *[(m, "SEA STAR" if m % 2 else "OCEAN QUEEN") for m in range(40)]
    )
    assert detect_identity_changes(alternating).is_empty()


def test_lasting_change_is_one_event() -> None:
    renamed_once = names(227000001, *every(0, 120, "SEA STAR"), *every(120, 600, "OCEAN QUEEN"))
    events = detect_identity_changes(renamed_once)
    assert events.height == 1
    assert (events["start"][0], events["end"][0]) == (
        T0 + timedelta(minutes=114),
        T0 + timedelta(minutes=120),
    )
    assert evidence(events)["changes"] == [
        {"field": "name", "old": "SEA STAR", "new": "OCEAN QUEEN", "reports": 80}
    ]


def test_change_back_after_the_debounce_is_two_events() -> None:
    back = names(
        227000001,
        *every(0, 120, "SEA STAR"),
        *every(120, 300, "OCEAN QUEEN"),
        *every(300, 400, "SEA STAR"),
    )
    events = detect_identity_changes(back)
    assert [evidence(events, i)["changes"][0]["new"] for i in range(2)] == [
        "OCEAN QUEEN",
        "SEA STAR",
    ]
    longer = detect_identity_changes(back, IdentityParams(debounce_hours=4.0))
    assert longer.is_empty()


def test_a_short_lived_value_between_two_is_skipped() -> None:
    # renamed SEA STAR -> OCEAN QUEN (a typo) -> OCEAN QUEEN 20 min later: one change
    fixed = names(
        227000001,
        *every(0, 120, "SEA STAR"),
        *every(120, 140, "OCEAN QUEN"),
        *every(140, 600, "OCEAN QUEEN"),
    )
    events = detect_identity_changes(fixed)
    assert events.height == 1
    change = evidence(events)["changes"][0]
    assert (change["old"], change["new"]) == ("SEA STAR", "OCEAN QUEEN")
    assert events["end"][0] == T0 + timedelta(minutes=140)


def test_a_value_seen_once_is_not_a_change() -> None:
    typo = names(
        227000001, *every(0, 120, "SEA STAR"), (123.0, "SEA STAT"), *every(300, 400, "SEA STAR")
    )
    assert detect_identity_changes(typo).is_empty()
    late = names(227000001, *every(0, 120, "SEA STAR"), (500.0, "OCEAN QUEEN"))
    assert detect_identity_changes(late).is_empty()
    confirmed = pl.concat([late, names(227000001, (506.0, "OCEAN QUEEN"))])
    events = detect_identity_changes(confirmed)
    assert events.height == 1
    more = pl.concat([confirmed, names(227000001, *every(512, 900, "OCEAN QUEEN"))])
    assert detect_identity_changes(more)["id"].equals(events["id"])  # late data keeps the id


def snapshots(*rows: tuple[str, float, float, int]) -> pl.DataFrame:
    """Stored identity snapshots of 227000001 (name, first and last minute seen, messages): the
    store folds repeated reports of one identity into one row."""
    frame = names(227000001, *[(first, name) for name, first, _, _ in rows])
    return frame.with_columns(
        last_seen=pl.Series([T0 + timedelta(minutes=r[2]) for r in rows]),
        messages=pl.Series([r[3] for r in rows]),
    )


def test_stored_snapshots_are_debounced_too() -> None:
    renamed_once = snapshots(("SEA STAR", 0, 300, 50), ("OCEAN QUEEN", 306, 900, 99))
    events = detect_identity_changes(renamed_once)
    assert events.height == 1
    assert (events["start"][0], events["end"][0]) == (
        T0 + timedelta(minutes=300),
        T0 + timedelta(minutes=306),
    )
    assert evidence(events)["changes"][0]["reports"] == 99
    flip = snapshots(("SEA STAR", 0, 900, 150), ("OCEAN QUEEN", 120, 150, 5))
    assert detect_identity_changes(flip).is_empty()
    back = snapshots(("SEA STAR", 0, 900, 100), ("OCEAN QUEEN", 120, 400, 46))
    events = detect_identity_changes(back)
    assert [evidence(events, i)["changes"][0]["new"] for i in range(2)] == [
        "OCEAN QUEEN",
        "SEA STAR",
    ]
    assert events["end"][1] == T0 + timedelta(minutes=900)  # when SEA STAR was last seen


def test_same_imo_under_new_mmsi_is_a_reflag() -> None:
    reports = identities(
        [
            {"mmsi": 227000001, "minutes": 0, "imo": 9074729, "name": "SEA STAR"},
            {"mmsi": 227000001, "minutes": 100, "imo": 9074729, "name": "SEA STAR"},
            {"mmsi": 341000001, "minutes": 5000, "imo": 9074729, "name": "SEA STAR"},
        ]
    )
    events = detect_identity_changes(reports)
    assert events.height == 1
    found = evidence(events)
    assert found["rule"] == "imo_new_mmsi"
    assert (found["old_mmsi"], found["new_mmsi"]) == (227000001, 341000001)
    assert (found["old_flag"], found["new_flag"]) == ("FR", "KN")
    assert found["reflag"] is True
    assert events["mmsi"][0] == 341000001
    assert events["other_mmsi"][0] == 227000001
    assert detect_identity_changes(reports)["id"].equals(events["id"])


def test_new_mmsi_of_the_same_flag_is_not_a_reflag() -> None:
    reports = identities(
        [
            {"mmsi": 227000001, "minutes": 0, "imo": 9074729},
            {"mmsi": 228000002, "minutes": 50, "imo": 9074729},
        ]
    )
    assert evidence(detect_identity_changes(reports))["reflag"] is False


def test_no_identity_event_without_change() -> None:
    reports = identities(
        [{"mmsi": 227000001, "minutes": m, "name": "SEA STAR", "imo": 9074729} for m in range(5)]
    )
    assert detect_identity_changes(reports).is_empty()
    assert detect_identity_changes(conform(pl.DataFrame(), IDENTITY_SCHEMA)).is_empty()


def call_signs(mmsi: int, call_sign: str, times: int = 2, **more: Any) -> list[dict[str, Any]]:
    return [{"mmsi": mmsi, "minutes": 6 * i, "call_sign": call_sign, **more} for i in range(times)]


def test_call_sign_of_another_flag_is_a_mismatch() -> None:
    events = detect_identity_changes(identities(call_signs(227000001, "3EAB5")))  # FR MMSI, PA
    assert events.height == 1
    assert events["type"][0] == "identity_inconsistency"
    found = evidence(events)
    assert found == {
        "rule": "mid_flag_mismatch",
        "check": "call_sign_series",
        "mid": 227,
        "mid_flag": "FR",
        "call_sign": "3EAB5",
        "call_sign_flag": "PA",
        "reports": 2,
    }
    assert events["confidence"][0] == 0.5
    assert (events["start"][0], events["end"][0]) == (T0, T0 + timedelta(minutes=6))


@pytest.mark.parametrize(
    ("mmsi", "call_sign"),
    [
        (227000001, "FMCY"),  # France
        (347000001, "FM4021"),  # Martinique: French series
        (636015776, "D5CT4"),  # Liberia, second series
        (235068109, "2BPD2"),  # United Kingdom
        (319348000, "ZGAH8"),  # Cayman Islands: British series
        (231837000, "OZ2147"),  # Faroe Islands: Danish series
        (211652760, "DC 2297"),  # Germany, spaced
        (412330050, "0"),  # not a call sign
        (228000001, "NONE"),  # a placeholder
        (309461000, "C6NO5"),  # Bahamas
    ],
)
def test_call_signs_of_the_flag_are_silent(mmsi: int, call_sign: str) -> None:
    assert detect_identity_changes(identities(call_signs(mmsi, call_sign))).is_empty()


def test_one_report_of_a_foreign_call_sign_is_silent() -> None:
    assert detect_identity_changes(identities(call_signs(227000001, "3EAB5", times=1))).is_empty()


def test_mmsi_that_is_not_a_ship_station() -> None:
    cases = {
        111227001: ("not_ship_station", 70),  # SAR aircraft number, cargo ship type
        970012345: ("not_ship_station", 80),  # AIS-SART number, tanker
        22700001: ("not_ship_station", 70),  # group call 022700001
        217000001: ("mid_unallocated", 70),  # 217 is not allocated
    }
    for mmsi, (check, ship_type) in cases.items():
        events = detect_identity_changes(identities(call_signs(mmsi, "0", ship_type=ship_type)))
        assert rules(events) == ["mid_flag_mismatch"], mmsi
        assert evidence(events)["check"] == check
        assert events["type"].to_list() == ["identity_inconsistency"]
    tender = identities(call_signs(982270001, "0", ship_type=37))  # craft of a parent ship
    assert detect_identity_changes(tender).is_empty()


@pytest.mark.parametrize(
    ("call_sign", "name"),
    [
        ("TIGERL", "TIGER LILY"),  # the name cut to the field's 7 characters
        ("ENCORE", "ENCORE"),
        ("JESTER", None),  # a word: 6 letters, no digit
        ("DAWN", "DAWN"),  # 4 letters, the form of a call sign, but the boat's name
        ("SEA DOG", None),  # free text
        ("WDH-296", None),  # punctuation
        ("MYBOATNAME", None),  # too long
    ],
)
def test_names_in_the_call_sign_field_are_not_checked(call_sign: str, name: str | None) -> None:
    # a US MMSI (366...) whose call sign field holds text outside the US series
    reports = call_signs(366999001, call_sign, name=name, ship_type=70, msg_type=5)
    assert detect_identity_changes(identities(reports)).is_empty()


@pytest.mark.parametrize("kind", [{"ship_type": 37}, {"ship_type": 36}, {"msg_type": 24}])
def test_pleasure_craft_and_class_b_call_signs_are_not_checked(kind: dict[str, int]) -> None:
    # "GBTT" has the form of a British call sign; a US pleasure craft needs none at all
    reports = call_signs(366999002, "GBTT", name="SEA BREEZE", **kind)
    assert detect_identity_changes(identities(reports)).is_empty()


def test_foreign_call_sign_of_a_cargo_ship_is_an_inconsistency() -> None:
    # a class A cargo ship (type 5 reports, ship type 70) under a Maltese MMSI with a Panamanian
    # call sign: a static contradiction, not a change
    reports = call_signs(248123000, "3EAB5", name="NORDIC STAR", ship_type=70, msg_type=5)
    events = detect_identity_changes(identities(reports))
    assert events["type"].to_list() == ["identity_inconsistency"]
    found = evidence(events)
    assert (found["check"], found["mid_flag"], found["call_sign_flag"]) == (
        "call_sign_series",
        "MT",
        "PA",
    )


def test_a_real_change_is_still_an_identity_change() -> None:
    reports = names(248123000, *every(0, 120, "NORDIC STAR"), *every(120, 300, "SOUTH WIND"),
                    call_sign="9HA2345")  # fmt: skip
    events = detect_identity_changes(reports)
    assert events["type"].to_list() == ["identity_change"]
    assert evidence(events)["changes"][0]["new"] == "SOUTH WIND"


def test_call_sign_plausibility() -> None:
    for real in ("FMCY", "9HA2345", "WDH2996", "V7A2345", "D5CT4", "OZ2147", "C6NO5@@"):
        assert call_sign_plausible(real), real
    for text in (None, "", "0", "NONE", "TIGERL", "ENCORE", "DC 2297", "A.B12", "ABC", "12345"):
        assert not call_sign_plausible(text), text


def test_call_sign_table_knows_who_holds_a_series() -> None:
    assert call_sign_administration("3EAB5") == "PA"
    assert call_sign_administration("SSB2") == "EG"
    assert call_sign_administration("SSZ2") == "SD"
    assert call_sign_administration("BAWW") == "CN"
    assert call_sign_fits_flag("FG1234", "GP") is True
    assert call_sign_fits_flag("PJAB", "NL") is False
    assert call_sign_fits_flag("XXAB", "MO") is None


def test_changes_inside_a_shared_mmsi_period_are_left_out() -> None:
    lats = [45.0 if i // 6 % 2 == 0 else 36.7 for i in range(48)]
    tracks = segment(
        positions(416000000, [(lat, -10.0 + 0.01 * i) for i, lat in enumerate(lats)], 300)
    )
    shared = detect_shared_mmsi(tracks)
    assert shared.height == 1
    # the two hulls' static reports, each heard for 30 min: lasting changes every 30 min
    twin = names(
        416000000,
        *[(m, "NORTH STAR" if m // 30 % 2 == 0 else "SOUTH STAR") for m in range(0, 240, 5)],
        call_sign="BAWW",
    )
    assert detect_identity_changes(twin, IdentityParams(debounce_hours=0.25)).height == 7
    assert detect_identity_changes(twin, IdentityParams(debounce_hours=0.25), shared).is_empty()
    reflag = identities(
        [
            {"mmsi": 416000000, "minutes": 0, "imo": 9074729},
            {"mmsi": 227000001, "minutes": 9, "imo": 9074729},
        ]
    )
    assert rules(detect_identity_changes(reflag, shared=shared)) == ["imo_new_mmsi"]
    assert detect_position_jumps(tracks, shared=shared).is_empty()


def test_out_of_order_reports_give_the_same_events() -> None:
    reports = pl.concat(
        [
            names(
                227000001,
                *every(0, 120, "SEA STAR"),
                *every(120, 150, "X"),
                *every(150, 600, "OCEAN QUEEN"),
            ),
            identities(call_signs(227000002, "3EAB5")),
        ]
    )
    expected = detect_identity_changes(reports)
    assert rules(expected) == ["field_change", "mid_flag_mismatch"]
    assert expected["type"].to_list() == ["identity_change", "identity_inconsistency"]
    assert evidence(expected)["changes"][0]["new"] == "OCEAN QUEEN"
    assert detect_identity_changes(reports.reverse()).equals(expected)


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_events(random: Any) -> None:
    reports = names(
        227000001,
        *every(0, 60, "SEA STAR"),
        *every(60, 80, "X"),
        *every(80, 300, "SEA STAR"),
        *every(300, 400, "QUEEN"),
    )
    order = list(range(reports.height))
    random.shuffle(order)
    assert detect_identity_changes(reports[order]).equals(detect_identity_changes(reports))
