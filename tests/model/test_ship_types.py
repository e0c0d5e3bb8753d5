"""Ship and cargo type texts and classes (ITU-R M.1371 Table 53) and navigational status texts."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.model.nav_status import NAV_STATUS_TEXTS, nav_status_expr, nav_status_text
from balise.model.ship_types import (
    ship_class,
    ship_class_expr,
    ship_type_expr,
    ship_type_frame,
    ship_type_text,
)


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "Not available"),
        (1, "Reserved for future use"),
        (19, "Reserved for future use"),
        (20, "Wing in ground (WIG), all ships of this type"),
        (30, "Fishing"),
        (31, "Towing"),
        (32, "Towing: length exceeds 200m or breadth exceeds 25m"),
        (33, "Dredging or underwater ops"),
        (34, "Diving ops"),
        (35, "Military ops"),
        (36, "Sailing"),
        (37, "Pleasure Craft"),
        (40, "High speed craft (HSC), all ships of this type"),
        (41, "High speed craft (HSC), Hazardous category A"),
        (49, "High speed craft (HSC), No additional information"),
        (50, "Pilot Vessel"),
        (51, "Search and Rescue vessel"),
        (52, "Tug"),
        (53, "Port Tender"),
        (54, "Anti-pollution equipment"),
        (55, "Law Enforcement"),
        (58, "Medical Transport"),
        (59, "Noncombatant ship according to RR Resolution No. 18"),
        (60, "Passenger, all ships of this type"),
        (70, "Cargo, all ships of this type"),
        (74, "Cargo, Hazardous category D"),
        (80, "Tanker, all ships of this type"),
        (85, "Tanker, Reserved for future use"),
        (99, "Other Type, No additional information"),
    ],
)
def test_ship_type_text(code: int, text: str) -> None:
    assert ship_type_text(code) == text


@pytest.mark.parametrize("code", [-1, 100, 255])
def test_ship_type_text_out_of_range(code: int) -> None:
    assert ship_type_text(code) is None


@pytest.mark.parametrize(
    ("code", "klass"),
    [
        (0, "unknown"),
        (10, "unknown"),
        (38, "unknown"),
        (100, "unknown"),
        (None, "unknown"),
        (25, "wig"),
        (30, "fishing"),
        (31, "tug"),
        (52, "tug"),
        (33, "other"),
        (35, "military"),
        (36, "sailing"),
        (37, "pleasure"),
        (45, "high_speed"),
        (50, "pilot"),
        (51, "sar"),
        (55, "law_enforcement"),
        (69, "passenger"),
        (70, "cargo"),
        (79, "cargo"),
        (84, "tanker"),
        (90, "other"),
    ],
)
def test_ship_class(code: int | None, klass: str) -> None:
    assert ship_class(code) == klass


def test_ship_type_frame() -> None:
    frame = ship_type_frame()
    assert frame.schema == pl.Schema({"ship_type": pl.Int16, "ship_type_text": pl.String})
    assert frame["ship_type"].to_list() == list(range(100))
    assert frame["ship_type_text"].null_count() == 0


_CODES = st.lists(st.one_of(st.none(), st.integers(min_value=-5, max_value=300)), max_size=100)


@settings(max_examples=50)
@given(_CODES)
def test_ship_type_expressions_match_scalar(codes: list[int | None]) -> None:
    frame = pl.DataFrame({"ship_type": codes}, schema={"ship_type": pl.Int16})
    out = frame.select(text=ship_type_expr("ship_type"), klass=ship_class_expr("ship_type"))
    assert out["text"].to_list() == [None if c is None else ship_type_text(c) for c in codes]
    assert out["klass"].to_list() == [ship_class(c) for c in codes]


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "Under way using engine"),
        (1, "At anchor"),
        (5, "Moored"),
        (7, "Engaged in fishing"),
        (8, "Under way sailing"),
        (11, "Power-driven vessel towing astern"),
        (12, "Power-driven vessel pushing ahead or towing alongside"),
        (14, "AIS-SART, MOB-AIS, EPIRB-AIS"),
        (15, "Undefined (default)"),
    ],
)
def test_nav_status_text(code: int, text: str) -> None:
    assert nav_status_text(code) == text


def test_nav_status_table_complete() -> None:
    assert sorted(NAV_STATUS_TEXTS) == list(range(16))
    assert nav_status_text(16) is None
    assert nav_status_text(-1) is None


@settings(max_examples=50)
@given(st.lists(st.one_of(st.none(), st.integers(min_value=-3, max_value=40)), max_size=100))
def test_nav_status_expr_matches_scalar(codes: list[int | None]) -> None:
    frame = pl.DataFrame({"status": codes}, schema={"status": pl.Int8})
    got = frame.select(nav_status_expr("status"))["status"].to_list()
    assert got == [None if c is None else nav_status_text(c) for c in codes]
