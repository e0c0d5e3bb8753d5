"""Receive times: `$PGHP` fields, tag lines, carried times across chunks, the plausible window."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from balise.io.nmea import read_nmea
from balise.io.nmea_sentences import Chunk, split_chunk
from balise.io.nmea_time import pghp_micros, text_times
from balise.model.batch import ReadOptions
from helpers import checksum

GPSD = Path(__file__).parents[1] / "data" / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log"
POSITION = "!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27"
T = datetime(2024, 3, 1, 0, 0, 5, tzinfo=UTC)


def _pghp(fields: str) -> str:
    return "$" + checksum(f"PGHP,{fields}")


def _tag_line(body: str) -> str:
    return "\\" + checksum(body) + "\\"


def _split(*lines: str) -> pl.DataFrame:
    return split_chunk(Chunk.of(("\n".join(lines) + "\n").encode(), 1)).sentences


def test_pghp_time_fields_from_the_dma_aislib_example() -> None:
    """`$PGHP,1,2014,4,10,13,30,29,165,219,,2190067,1,28*22` is 13:30:29.165 UTC (AisLib's test
    prints it as 15:30:29 CEST); fewer trailing fields are read alike; bad dates are null."""
    texts = pl.Series(
        [
            "$PGHP,1,2014,4,10,13,30,29,165,219,,2190067,1,28*22",
            "$PGHP,1,2014,4,10,13,30,29,165*00",
            "$PGHP,1,2014,2,30,13,30,29,165,219*00",
            "$PGHP,1,2014,4,10*00",
        ]
    )
    micros = pghp_micros(texts).to_list()
    expected = int(datetime(2014, 4, 10, 13, 30, 29, 165000, tzinfo=UTC).timestamp() * 1e6)
    assert micros == [expected, expected, None, None]


def test_pghp_checksum_is_the_nmea_checksum() -> None:
    assert _pghp("1,2014,4,10,13,30,29,165,219,,2190067,1,28") == (
        "$PGHP,1,2014,4,10,13,30,29,165,219,,2190067,1,28*22"
    )


def test_pghp_time_reaches_the_next_pghp_only() -> None:
    rows = _split(
        _pghp("1,2024,3,1,0,0,5,0,219,,2190067,1,00"),
        POSITION,
        POSITION,
        _pghp("1,2024,3,1,0,0,6,0,219,,2190067,1,00"),
        POSITION,
    )
    assert rows["timestamp"].to_list() == [T, T, T.replace(second=6)]


def test_other_pghp_message_types_are_not_time_sentences() -> None:
    split = split_chunk(Chunk.of((_pghp("2,foo") + "\n" + POSITION + "\n").encode(), 1))
    assert (split.other, sum(split.time_lines.values())) == (1, 0)
    assert split.sentences["timestamp"].to_list() == [None]


def test_times_carry_across_chunks_and_batches() -> None:
    gpsd = GPSD.read_text().splitlines()
    lines = [_pghp("1,2024,3,1,0,0,5,0,219,,2190067,1,00"), gpsd[0], gpsd[1]]
    lines += [_tag_line("c:1709251206"), gpsd[2], gpsd[4], _pghp("1,2024,3,1,0,0,7,0,,,,1,00")]
    lines += [gpsd[5], gpsd[8]]
    stream = ("\n".join(lines) + "\n").encode()
    whole = list(read_nmea(io.BytesIO(stream), "x", ReadOptions()))
    small = list(read_nmea(io.BytesIO(stream), "x", ReadOptions(batch_records=1)))
    assert len(small) > len(whole)
    positions = pl.concat([b.positions for b in small])
    assert positions.equals(pl.concat([b.positions for b in whole]))
    seconds = [t.second for t in positions["timestamp"]]
    assert seconds == [5, 5, 6, 6, 7, 7]


def test_a_bad_time_line_lets_no_earlier_time_through() -> None:
    rows = _split(
        _tag_line("c:1709251205"),
        "$PGHP,1,2024,3,1,0,0,6,0,219,,2190067,1,00*00",
        POSITION,
    )
    assert rows["timestamp"].to_list() == [None]


def test_a_tag_line_without_time_lets_the_pghp_time_through() -> None:
    rows = _split(_pghp("1,2024,3,1,0,0,5,0,219,,2190067,1,00"), _tag_line("s:r1"), POSITION)
    assert rows["timestamp"].to_list() == [T]


@pytest.mark.parametrize(
    ("tag", "problem", "expected"),
    [
        ("c:1709251205", None, T),
        ("c:1709251205000", None, T),
        ("c:17092512050000", "bad_time", None),
        ("c:", "bad_time", None),
    ],
)
def test_tag_block_c_digits(tag: str, problem: str | None, expected: datetime | None) -> None:
    (row,) = _split("\\" + checksum(tag) + "\\" + POSITION).to_dicts()
    assert (row["problem"], row["timestamp"]) == (problem, expected)


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-01 00:00:05",
        "2024-03-01 00:00:05.000",
        "2024-03-01 00:00:05,000",
        "2024-03-01T00:00:05Z",
        "2024-03-01T01:00:05+01:00",
        "2024-03-01T01:00:05+0100",
        "1709251205",
        "1709251205000",
    ],
)
def test_text_time_forms_in_one_column(text: str) -> None:
    """Each form parses, alone and in a column mixing all the forms."""
    mixed = ["2024-03-01T01:00:05+01:00", "1709251205", text, "2024-03-01 00:00:05"]
    assert text_times([text]).to_list() == [T]
    assert text_times(mixed).to_list() == [T] * 4


def test_times_outside_the_window_are_bad_time() -> None:
    lines = [f"1975-01-01 00:00:00 {POSITION}", f"2201-01-01 00:00:00 {POSITION}"]
    batches = list(read_nmea(io.BytesIO(("\n".join(lines) + "\n").encode()), "x", ReadOptions()))
    quarantine = pl.concat([b.quarantine for b in batches])
    assert quarantine["reason"].to_list() == ["bad_time", "bad_time"]
    assert "outside 1980-01-01 to " in quarantine["detail"][0]


def test_a_time_past_the_ingest_clock_is_bad_time() -> None:
    now = datetime.now(UTC)
    stamps = [now - timedelta(hours=1), now + timedelta(days=2)]
    lines = [f"{t:%Y-%m-%dT%H:%M:%S}Z,{POSITION}" for t in stamps]
    batches = list(read_nmea(io.BytesIO(("\n".join(lines) + "\n").encode()), "x", ReadOptions()))
    quarantine = pl.concat([b.quarantine for b in batches])
    assert quarantine["reason"].to_list() == ["bad_time"]
    assert quarantine["source_line"].to_list() == [2]
    assert sum(b.positions.height for b in batches) == 1
