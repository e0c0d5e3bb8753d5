"""MID extraction from every MMSI format of ITU-R M.585, the MID table, and the Polars forms."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.model.mid import FLAGS, Flag, flag_frame, flag_of_mmsi, mid_expr, mid_of_mmsi


@pytest.mark.parametrize(
    ("mmsi", "mid"),
    [
        (227_006_760, 227),  # ship station MIDXXXXXX
        (636_012_345, 636),
        (775_999_999, 775),
        (22_712_345, 227),  # group ship station 0MIDXXXXX
        (2_270_001, 227),  # coast station 00MIDXXXX
        (3_470_001, 347),
        (111_227_501, 227),  # SAR aircraft 111MIDXXX
        (992_271_234, 227),  # AIS aid to navigation 99MIDXXXX
        (983_291_234, 329),  # craft associated with a parent ship 98MIDXXXX
        (874_512_345, 745),  # handheld VHF 8MIDXXXXX
        (217_000_001, 217),  # a MID-shaped but unallocated number
    ],
)
def test_mid_of_mmsi_formats(mmsi: int, mid: int) -> None:
    assert mid_of_mmsi(mmsi) == mid


@pytest.mark.parametrize(
    "mmsi",
    [
        970_012_345,  # AIS-SART
        972_012_345,  # MOB-AIS
        974_012_345,  # EPIRB-AIS
        979_012_345,  # other 97x device
        0,
        -227_006_760,
        1_000_000_000,
        123_456_789,  # 1xx other than 111
        111_123_456,  # SAR aircraft with a MID field starting with 1
        991_231_234,  # AtoN with a MID field starting with 1
        812_345_678,  # handheld with a MID field starting with 1
        900_000_000,
        1_234,  # 000001234: coast station format, MID field 001
        12_345_678,  # 012345678: group format, MID field 123
    ],
)
def test_mid_of_mmsi_none(mmsi: int) -> None:
    assert mid_of_mmsi(mmsi) is None


def test_flag_of_mmsi() -> None:
    assert flag_of_mmsi(227_006_760) == Flag(227, "FR", "France")
    assert flag_of_mmsi(329_000_001) == Flag(329, "GP", "Guadeloupe")
    assert flag_of_mmsi(992_281_234) == Flag(228, "FR", "France")
    assert flag_of_mmsi(538_000_001) == Flag(538, "MH", "Marshall Islands")
    assert flag_of_mmsi(217_000_001) is None  # unallocated MID
    assert flag_of_mmsi(970_012_345) is None


def test_table_sanity() -> None:
    assert len(FLAGS) == 292
    alpha2 = re.compile(r"^[A-Z]{2}$")
    for mid, flag in FLAGS.items():
        assert flag.mid == mid
        assert 201 <= mid <= 775
        assert alpha2.match(flag.alpha2), flag
        assert flag.country.strip() == flag.country != ""
    frame = flag_frame()
    assert frame["mid"].n_unique() == frame.height == len(FLAGS)


@pytest.mark.parametrize(
    ("mid", "alpha2", "country"),
    [
        (226, "FR", "France"),
        (227, "FR", "France"),
        (228, "FR", "France"),
        (329, "GP", "Guadeloupe"),
        (347, "MQ", "Martinique"),
        (361, "PM", "Saint Pierre and Miquelon"),
        (540, "NC", "New Caledonia"),
        (546, "PF", "French Polynesia"),
        (578, "WF", "Wallis and Futuna Islands"),
        (660, "RE", "Réunion"),
        (745, "GF", "French Guiana"),
        (765, "SR", "Suriname"),
        (775, "VE", "Venezuela"),
        (735, "EC", "Ecuador"),
        (710, "BR", "Brazil"),
        (730, "CO", "Colombia"),
        (636, "LR", "Liberia"),
        (637, "LR", "Liberia"),
        (538, "MH", "Marshall Islands"),
        (740, "FK", "Falkland Islands (Malvinas)"),
        (550, "TL", "Timor-Leste"),
        (638, "SS", "South Sudan"),
    ],
)
def test_known_allocations(mid: int, alpha2: str, country: str) -> None:
    assert FLAGS[mid] == Flag(mid, alpha2, country)


@pytest.mark.parametrize(
    ("alpha2", "mids"),
    [
        ("PA", {351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373, 374}),
        ("CY", {209, 210, 212}),
        ("MT", {215, 229, 248, 249, 256}),
        ("BS", {308, 309, 311}),
        ("LR", {636, 637}),
        ("FR", {226, 227, 228}),
        ("US", {303, 338, 366, 367, 368, 369}),
    ],
)
def test_multi_mid_flags(alpha2: str, mids: set[int]) -> None:
    assert {mid for mid, flag in FLAGS.items() if flag.alpha2 == alpha2} == mids


def test_flag_frame_schema_and_join() -> None:
    frame = flag_frame()
    assert frame.schema == pl.Schema(
        {"mid": pl.Int32, "flag": pl.String, "flag_country": pl.String}
    )
    positions = pl.DataFrame(
        {"mmsi": [745_000_001, 970_012_345, 217_000_001]}, schema={"mmsi": pl.Int64}
    )
    joined = positions.with_columns(mid=mid_expr("mmsi")).join(frame, on="mid", how="left")
    assert joined["flag"].to_list() == ["GF", None, None]


_MMSI_LIKE = st.one_of(
    st.integers(min_value=-10, max_value=1_100_000_000),
    st.integers(min_value=0, max_value=9_999_999),  # group and coast station range
    st.integers(min_value=100_000_000, max_value=999_999_999),
    st.sampled_from([111_000_000, 111_999_999, 970_000_000, 980_000_000, 990_000_000]),
)


@settings(max_examples=50)
@given(st.lists(st.one_of(st.none(), _MMSI_LIKE), max_size=200))
def test_mid_expr_matches_scalar(values: list[int | None]) -> None:
    frame = pl.DataFrame({"mmsi": values}, schema={"mmsi": pl.Int64})
    got = frame.select(mid_expr("mmsi"))["mmsi"]
    assert got.dtype == pl.Int32
    expected = [None if value is None else mid_of_mmsi(value) for value in values]
    assert got.to_list() == expected


def test_mid_expr_on_int32_column() -> None:
    frame = pl.DataFrame({"mmsi": [227_006_760, 2_270_001, None]}, schema={"mmsi": pl.Int32})
    assert frame.select(mid_expr("mmsi"))["mmsi"].to_list() == [227, 227, None]
