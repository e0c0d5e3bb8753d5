"""ASTERIX CAT010 and CAT062 radar reports through libasterix, on data blocks written here octet
by octet from the standard's layout (EUROCONTROL ASTERIX Part 7 Category 010 edition 1.1,
Part 9 Category 062 edition 1.21): field specification, then each item's octets."""

from __future__ import annotations

import io
import struct
from datetime import UTC, date, datetime

import pytest

from balise.io.arpa import ArpaContext
from balise.io.asterix_radar import looks_like_asterix, read_asterix
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch

pytest.importorskip("asterix.generated", reason="the asterix extra is not installed")

DAY = date(2024, 3, 1)
DATED = ArpaContext(day=DAY)


def block(category: int, *records: bytes) -> bytes:
    """A data block: category octet, two-octet length (header included), the records."""
    body = b"".join(records)
    return bytes([category]) + (3 + len(body)).to_bytes(2, "big") + body


def time_of_day(hours: int, minutes: int, seconds: float) -> bytes:
    """Three octets, LSB 1/128 s (I010/140, I062/070)."""
    return round((hours * 3600 + minutes * 60 + seconds) * 128).to_bytes(3, "big")


def cat010_report(seconds: float = 45296.5) -> bytes:
    """A CAT010 target report. FSPEC: FRN 1-5 (010, 000, 020, 140, 041) = F9 with FX;
    FRN 8 (200) and 10 (161) = A1 with FX; nothing of FRN 15-21 = 01; FRN 22 (500) = 80."""
    return (
        bytes([0xF9, 0xA1, 0x01, 0x80])
        + bytes([1, 2])  # I010/010 SAC 1, SIC 2
        + bytes([1])  # I010/000 message type 1: target report
        + bytes([0x60])  # I010/020 TYP 011 (primary radar), no extension
        + round(seconds * 128).to_bytes(3, "big")  # I010/140
        + struct.pack(">ii", round(14.5 * 2**31 / 180), round(-61.0 * 2**31 / 180))  # I010/041
        + struct.pack(">HH", 91, 8192)  # I010/200: 91 x 2^-14 NM/s (20.0 kn), 45 deg
        + struct.pack(">H", 17)  # I010/161 track number 17
        + bytes([80, 120, 0, 0])  # I010/500 sigma x 20 m, sigma y 30 m (LSB 0.25 m)
    )


def cat010_status() -> bytes:
    """A CAT010 status message (FRN 1, 2: C0): no position."""
    return bytes([0xC0, 1, 2, 3])


def cat062_track() -> bytes:
    """A CAT062 system track. FSPEC: FRN 1, 4, 5, 7 (010, 070, 105, 185) = 9B with FX; FRN 12,
    13 (040, 080) = 0D with FX; 01; FRN 27 (500) = 04."""
    return (
        bytes([0x9B, 0x0D, 0x01, 0x04])
        + bytes([1, 3])  # I062/010 SAC 1, SIC 3
        + time_of_day(23, 59, 30)  # I062/070
        + struct.pack(">ii", round(14.6 * 2**25 / 180), round(-61.2 * 2**25 / 180))  # I062/105
        + struct.pack(">hh", 20, -40)  # I062/185 vx 5 m/s, vy -10 m/s (LSB 0.25 m/s)
        + struct.pack(">H", 0x123)  # I062/040 track number 291
        + bytes([0x00])  # I062/080 track status, no extension
        + bytes([0x80]) + struct.pack(">HH", 80, 120)  # I062/500 APC: 40 m, 60 m (LSB 0.5 m)
    )  # fmt: skip


def read(data: bytes, context: ArpaContext = DATED) -> RecordBatch:
    (batch,) = read_asterix(io.BytesIO(data), "radar.ast", context, ReadOptions())
    return batch


def test_cat010_target_report() -> None:
    batch = read(block(10, cat010_report(), cat010_status()))
    (row,) = batch.records.to_dicts()
    assert row["time"] == datetime(2024, 3, 1, 12, 34, 56, 500000, UTC)
    assert (row["lat"], row["lon"]) == pytest.approx((14.5, -61.0), abs=1e-7)
    assert row["speed_knots"] == pytest.approx(91 / 2**14 * 3600)  # 20.0 kn
    assert row["course_deg"] == 45.0
    assert row["sensor_id"] == "SAC001-SIC002"
    assert row["track_id"] == "SAC001-SIC002:17"
    assert row["position_error_m"] == 30.0
    assert batch.skipped == {"status_message": 1}
    assert batch.records_read == 2


def test_cat062_system_track_and_the_sensor_option() -> None:
    batch = read(block(62, cat062_track()), ArpaContext(sensor_id="MQ-VTS", day=DAY))
    (row,) = batch.records.to_dicts()
    assert row["time"] == datetime(2024, 3, 1, 23, 59, 30, tzinfo=UTC)
    assert (row["lat"], row["lon"]) == pytest.approx((14.6, -61.2), abs=1e-5)
    assert row["speed_knots"] == pytest.approx(125**0.5 * 3600 / 1852)  # hypot(5, -10) m/s
    assert row["course_deg"] == pytest.approx(153.43, abs=0.01)  # atan2(5, -10)
    assert row["track_id"] == "MQ-VTS:291"
    assert row["position_error_m"] == 60.0


def test_a_time_of_day_that_drops_moves_to_the_next_day() -> None:
    data = block(62, cat062_track()) + block(10, cat010_report(seconds=10.0))
    times = read(data).records["time"].to_list()
    assert times == [datetime(2024, 3, 1, 23, 59, 30, tzinfo=UTC),
                     datetime(2024, 3, 2, 0, 0, 10, tzinfo=UTC)]  # fmt: skip


def test_without_a_date_reports_have_no_time() -> None:
    batch = read(block(10, cat010_report()), ArpaContext())
    assert batch.quarantine["reason"].to_list() == ["no_time"]


def test_other_categories_are_skipped_and_a_truncated_block_ends_the_input() -> None:
    data = block(48, b"\x00") + block(10, cat010_report()) + block(62, cat062_track())[:-5]
    batch = read(data)
    assert batch.records.height == 1
    assert batch.skipped == {"other_category": 1}
    assert batch.quarantine["reason"].to_list() == ["bad_datablock"]


def test_records_the_decoder_refuses() -> None:
    batch = read(block(10, bytes([0xF9, 0xA1])))
    assert batch.quarantine["reason"].to_list() == ["bad_record"]


def test_sniffing() -> None:
    assert looks_like_asterix(block(10, cat010_report()))
    assert looks_like_asterix(block(62, cat062_track()))
    assert not looks_like_asterix(b"\ntime,lat,lon\n")
    assert not looks_like_asterix(b">time,lat\n")
