"""The NMEA reader end to end: real streams, multipart, tag blocks, sentinels, bad input."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais import decode

from balise.io.nmea import looks_like_nmea, read_nmea
from balise.model.batch import ReadBatch, ReadOptions
from helpers import sentences, tagged

DATA = Path(__file__).parents[1] / "data"
GPSD = DATA / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log"
PYAIS = DATA / "pyais-nmea-sample" / "nmea_data_sample.txt"
T0 = 1_709_251_200  # 2024-03-01T00:00:00Z
ASSUMED = ReadOptions(assume_time=datetime(2024, 3, 1, tzinfo=UTC))


def _read(lines: list[str], options: ReadOptions = ASSUMED) -> ReadBatch:
    """All batches of `lines` merged into one."""
    stream = io.BytesIO(("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass"))
    batches = list(read_nmea(stream, "test.nmea", options))
    merged = ReadBatch(
        positions=pl.concat([b.positions for b in batches]),
        identities=pl.concat([b.identities for b in batches]),
        quarantine=pl.concat([b.quarantine for b in batches]),
        records_read=sum(b.records_read for b in batches),
    )
    for batch in batches:
        merged.messages_by_type.update(batch.messages_by_type)
        merged.cleared.update(batch.cleared)
        merged.skipped.update(batch.skipped)
        merged.duplicates += batch.duplicates
        merged.no_position += batch.no_position
    return merged


def _position(mmsi: int = 227006760, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "msg_type": 1, "mmsi": mmsi, "lat": 43.1, "lon": 5.9, "speed": 12.3, "course": 90.1,
        "heading": 91, "status": 0,
    }  # fmt: skip
    return base | fields


STATIC: dict[str, object] = {
    "msg_type": 5, "mmsi": 227006760, "imo": 9074729, "shipname": "NEPTUNE", "callsign": "FABC",
    "ship_type": 70, "to_bow": 100, "to_stern": 20, "to_port": 10, "to_starboard": 10,
    "draught": 8.2, "destination": "FRLEH", "month": 3, "day": 4, "hour": 12, "minute": 30,
}  # fmt: skip


def test_real_gpsd_stream_counts_every_message_type() -> None:
    batch = _read(GPSD.read_text().splitlines())
    expected = {1: 573, 3: 111, 5: 130, 18: 110, 21: 133, 8: 73, 6: 68, 24: 63, 4: 30}
    for msg_type, count in expected.items():
        assert batch.messages_by_type[msg_type] == count
    assert batch.positions.height == 795
    assert batch.quarantine["reason"].to_list() == ["invalid_mmsi"] * 3


def test_real_gpsd_positions_match_pyais() -> None:
    batch = _read(GPSD.read_text().splitlines())
    for row in batch.positions.head(200).iter_rows(named=True):
        line = GPSD.read_text().splitlines()[row["source_line"] - 1]
        reference = decode(line).asdict()
        assert row["mmsi"] == reference["mmsi"]
        assert row["lat"] == pytest.approx(reference["lat"], abs=1e-6)
        assert row["lon"] == pytest.approx(reference["lon"], abs=1e-6)


def test_real_pyais_sample_keeps_good_messages_around_bad_ones() -> None:
    lines = PYAIS.read_text().splitlines()
    batch = _read(lines)
    assert batch.positions.height > 700
    assert set(batch.quarantine["source_line"].to_list()).isdisjoint(
        batch.positions["source_line"].to_list()
    )
    for row in batch.quarantine.iter_rows(named=True):
        assert row["raw"].startswith(lines[row["source_line"] - 1])


def test_position_round_trip_through_pyais_encoder() -> None:
    (line,) = sentences(_position(lat=-33.8688, lon=151.2093))
    row = _read([tagged(line, T0)]).positions.row(0, named=True)
    assert row == row | {
        "mmsi": 227006760, "lat": -33.8688, "lon": 151.2093, "sog_knots": 12.3,
        "cog_deg": 90.1, "heading_deg": 91, "nav_status": 0, "msg_type": 1,
        "timestamp": datetime(2024, 3, 1, tzinfo=UTC), "source_format": "nmea", "source_line": 1,
    }  # fmt: skip


def test_multipart_static_message_is_reassembled() -> None:
    batch = _read(sentences(STATIC, seq_id=3))
    row = batch.identities.row(0, named=True)
    assert row == row | {
        "imo": 9074729, "name": "NEPTUNE", "call_sign": "FABC", "ship_type": 70,
        "length_m": 120.0, "width_m": 20.0, "draught_m": 8.2, "destination": "FRLEH",
        "eta": datetime(2024, 3, 4, 12, 30, tzinfo=UTC),
    }  # fmt: skip
    assert batch.messages_by_type[5] == 1


def test_interleaved_multipart_messages_and_a_lost_fragment() -> None:
    first = sentences(STATIC, seq_id=1)
    second = sentences(STATIC | {"mmsi": 244670316, "shipname": "ZEEMEEUW"}, seq_id=2)
    lost = sentences(STATIC | {"mmsi": 205208630}, seq_id=4)
    lines = [first[0], second[0], lost[0], first[1], second[1]]
    batch = _read(lines)
    assert sorted(batch.identities["name"].to_list()) == ["NEPTUNE", "ZEEMEEUW"]
    assert batch.quarantine.select("source_line", "reason").rows() == [(3, "orphan_fragment")]


def test_eta_in_the_past_half_year_rolls_to_next_year() -> None:
    december = STATIC | {"month": 1, "day": 2}
    options = ReadOptions(assume_time=datetime(2024, 12, 20, tzinfo=UTC))
    batch = _read(sentences(december, seq_id=1), options)
    assert batch.identities["eta"].item() == datetime(2025, 1, 2, 12, 30, tzinfo=UTC)


def test_sentinels_become_nulls_and_are_counted() -> None:
    (line,) = sentences(_position(speed=102.3, course=360, heading=511))
    batch = _read([line])
    row = batch.positions.row(0, named=True)
    assert (row["sog_knots"], row["cog_deg"], row["heading_deg"]) == (None, None, None)
    assert batch.cleared == {"sog_unavailable": 1, "cog_unavailable": 1, "heading_unavailable": 1}


def test_position_not_available_is_counted_not_stored() -> None:
    (line,) = sentences(_position(lat=91, lon=181))
    batch = _read([line])
    assert batch.positions.is_empty()
    assert batch.no_position == 1
    assert batch.quarantine.is_empty()


def test_exact_duplicates_are_removed() -> None:
    (line,) = sentences(_position())
    batch = _read([tagged(line, T0), tagged(line, T0), tagged(line, T0 + 10)])
    assert batch.positions.height == 2
    assert batch.duplicates == 1


@pytest.mark.parametrize(
    ("mmsi", "reason"),
    [(0, "invalid_mmsi"), (999999999, "invalid_mmsi"), (2275200, "invalid_mmsi")],
)
def test_invalid_mmsi_is_quarantined(mmsi: int, reason: str) -> None:
    (line,) = sentences(_position(mmsi=mmsi))
    batch = _read([line])
    assert batch.positions.is_empty()
    assert batch.quarantine.select("reason", "raw").rows() == [(reason, line)]


def test_untimed_sentences_are_quarantined_without_assume_time() -> None:
    (line,) = sentences(_position())
    batch = _read([line, tagged(line, T0)], ReadOptions())
    assert batch.positions["source_line"].to_list() == [2]
    assert batch.quarantine.select("source_line", "reason").rows() == [(1, "no_time")]


def test_tag_block_time_wins_over_assume_time() -> None:
    (line,) = sentences(_position())
    batch = _read([tagged(line, T0 + 3600)])
    assert batch.positions["timestamp"].item() == datetime(2024, 3, 1, 1, tzinfo=UTC)


def test_gps_sentences_and_blank_lines_are_skipped_and_counted() -> None:
    (line,) = sentences(_position())
    batch = _read(["$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47", "", line])
    assert batch.positions.height == 1
    assert batch.skipped == {"not_ais_sentence": 1, "blank_line": 1}


def test_batches_give_the_same_result_as_one_batch() -> None:
    lines = GPSD.read_text().splitlines()
    whole = _read(lines)
    small = _read(lines, ReadOptions(assume_time=ASSUMED.assume_time, batch_records=7))
    assert small.positions.sort("source_line").equals(whole.positions.sort("source_line"))
    assert small.identities.height == whole.identities.height
    assert small.messages_by_type == whole.messages_by_type


def test_sniffing() -> None:
    assert looks_like_nmea(GPSD.read_bytes()[:4096])
    assert not looks_like_nmea(b"# Timestamp,Type of mobile,MMSI\n")


NMEA_CHARS = st.sampled_from(list("!AIVDM,0123456789*\\:cs;-.T ZBwvJ2>`<@")) | st.characters()


@given(st.lists(st.text(NMEA_CHARS, max_size=90), max_size=30))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_lines_never_crash_and_nothing_is_lost(lines: list[str]) -> None:
    text = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    batch = _read(text)
    assert batch.records_read == sum(1 for line in text if line.strip())


@given(st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_real_lines_never_crash(data: st.DataObject) -> None:
    lines = GPSD.read_text().splitlines()[:40]
    index = data.draw(st.integers(0, len(lines) - 1))
    position = data.draw(st.integers(0, len(lines[index])))
    junk = data.draw(st.text(NMEA_CHARS, max_size=5)).replace("\n", "")
    cut = data.draw(st.integers(0, 3))
    lines[index] = lines[index][:position] + junk + lines[index][position + cut :]
    batch = _read(lines)
    assert batch.positions.height + batch.quarantine.height >= 1


def test_c_colon_outside_any_tag_block_is_not_a_time() -> None:
    """A line with `,c:` but no tag block (found by the mutation test) is read without a crash:
    the text is not a receive time."""
    batch = _read(["!AIVDM,1,1,,A,c:15M67FC000G?ufbE`FepT@3n00Sa,0*5C"])
    assert batch.positions.is_empty()
