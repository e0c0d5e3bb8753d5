"""ARPA target sentences: TTM range and bearing turned into a position from the sensor's site,
TLL positions, tag blocks, times across midnight, each reason to quarantine or skip."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from balise.io.arpa import ArpaContext, looks_like_arpa, read_arpa
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch

RADAR = Path(__file__).parents[1] / "data" / "radar"
SITES = {"MQ-DIAMANT": (14.47, -61.03), "MQ-CARAVELLE": (14.77, -60.88), "S1": (14.0, -61.0)}
CONTEXT = ArpaContext(SITES)


def read(text: str, context: ArpaContext = CONTEXT) -> RecordBatch:
    (batch,) = read_arpa(io.BytesIO(text.encode()), "arpa.nmea", context, ReadOptions())
    return batch


def sentence(body: str) -> str:
    checksum = 0
    for char in body.encode():
        checksum ^= char
    return f"${body}*{checksum:02X}"


def test_the_fixture() -> None:
    text = (RADAR / "arpa.nmea").read_text()
    batch = read(text)
    rows = batch.records.select("track_id", "time", "lat", "lon", "speed_knots").rows()
    assert [row[0] for row in rows] == ["MQ-DIAMANT:17", "MQ-DIAMANT:18", "MQ-CARAVELLE:3",
                                        "MQ-DIAMANT:17"]  # fmt: skip
    # 6 nm due north of the Diamant site (14.47, -61.03): 6 nm is 0.0999325 degrees of a
    # sphere of radius 6371.0088 km (6 x 1.852 / 6371.0088 rad).
    assert rows[0][1] == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    assert rows[0][2:4] == pytest.approx((14.47 + 0.0999325, -61.03), abs=1e-6)
    assert rows[0][4] == 12.5
    # 10 km due south, 20 km/h = 10.799 kn
    assert rows[1][2:5] == pytest.approx((14.47 - 0.0899320, -61.03, 20 / 1.852), abs=1e-6)
    # TLL 1446.20 N 06052.80 W
    assert rows[2][2:5] == (pytest.approx(14.77), pytest.approx(-60.88), None)
    # 23:59:50 on the tag's clock, 00:00:05 in the sentence: the next day
    assert rows[3][1] == datetime(2024, 3, 2, 0, 0, 5, tzinfo=UTC)
    assert batch.records["position_error_m"].unique().to_list() == [50.0]
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (4, "bad_checksum"),
        (5, "unknown_sensor"),
        (6, "no_sensor"),
        (9, "relative_bearing"),
        (11, "no_time"),
    ]
    assert batch.skipped == {"lost_target": 1, "other_sentence": 1}
    assert batch.records_read == 11


def test_ttm_east_of_the_site_by_hand() -> None:
    # 6 nm on bearing 090 from 14N 61W: the longitude grows by 0.0999325 / cos(14 deg)
    # = 0.0999325 / 0.9702957 = 0.1029918 degrees; the latitude falls by 2e-5 degrees
    # (a great circle leaves the parallel).
    line = sentence("RATTM,5,6.0,90.0,T,10.0,90.0,T,,,N,,T,,120000,A")
    batch = read(line, ArpaContext(SITES, sensor_id="S1", day=date(2024, 3, 1)))
    (row,) = batch.records.select("time", "lat", "lon", "track_id").rows()
    assert row[0] == datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert row[1] == pytest.approx(14.0, abs=3e-5)
    assert row[2] == pytest.approx(-61.0 + 0.1029918, abs=1e-6)
    assert row[3] == "S1:5"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("RATTM,5,6.0,90.0,T,10.0,90.0,T,,,X,,T,,120000,A", "bad_units"),
        ("RATTM,5,,90.0,T,10.0,90.0,T,,,N,,T,,120000,A", "missing_field"),
        ("RATTM,5,six,90.0,T,10.0,90.0,T,,,N,,T,,120000,A", "bad_field"),
        ("RATTM,5000,6.0,90.0,T,10.0,90.0,T,,,N,,T,,120000,A", "bad_field"),
        ("RATTM,5,6.0,400.0,T,10.0,90.0,T,,,N,,T,,120000,A", "out_of_range"),
        ("RATTM,5,6.0,90.0,T,900.0,90.0,T,,,N,,T,,120000,A", "out_of_range"),
        ("RATTM,5,6.0,90.0,T,10.0,90.0,T,,,N,,T,,126000,A", "bad_time"),
        ("RATLL,5,1460.00,N,06100.00,W,,120000,T,", "bad_field"),
        ("RATLL,5,1400.00,Q,06100.00,W,,120000,T,", "bad_field"),
        ("RATLL,5,,N,06100.00,W,,120000,T,", "missing_field"),
    ],
)
def test_bad_fields(body: str, reason: str) -> None:
    batch = read(sentence(body), ArpaContext(SITES, sensor_id="S1", day=date(2024, 3, 1)))
    assert batch.records.is_empty()
    assert batch.quarantine["reason"].to_list() == [reason]


def test_the_date_option_dates_sentences_without_a_tag_block() -> None:
    line = sentence("RATLL,5,1400.00,N,06100.00,W,TARGET,235959.50,Q,")
    batch = read(line, ArpaContext(SITES, sensor_id="S1", day=date(2024, 3, 1)))
    assert batch.records["time"].to_list() == [datetime(2024, 3, 1, 23, 59, 59, 500000, UTC)]


def test_a_tag_block_with_a_bad_checksum() -> None:
    line = "\\s:S1,c:1709290800*00\\" + sentence("RATLL,5,1400.00,N,06100.00,W,,,T,")
    assert read(line).quarantine["reason"].to_list() == ["bad_checksum"]


def test_without_a_utc_field_the_tag_time_is_used() -> None:
    line = "\\s:S1,c:1709290800123*" + "{:02X}".format(_xor("s:S1,c:1709290800123")) + "\\"
    batch = read(line + sentence("RATLL,5,1400.00,N,06100.00,W,,,T,"))
    assert batch.records["time"].to_list() == [datetime(2024, 3, 1, 11, 0, 0, 123000, UTC)]


def _xor(text: str) -> int:
    checksum = 0
    for char in text.encode():
        checksum ^= char
    return checksum


def test_sniffing() -> None:
    assert looks_like_arpa(b"\n\\s:S1*00\\$RATTM")
    assert looks_like_arpa(b"$RATLL,1")
    assert not looks_like_arpa(b"time,lat,lon\n")
