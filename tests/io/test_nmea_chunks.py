"""The NMEA reader's blocks, parts and threads: the same records whichever way a stream is cut.

The reader cuts a stream into blocks (one batch each), cuts each block into parts prepared side by
side, and joins the multi-sentence messages whose fragments follow each other in bulk. These tests
check the cuts (a message whose fragments straddle two blocks, lines cut by the block size) and
compare everything read with the one-by-one path (one thread, one part, every fragment fed to the
`Reassembler`) on the real fixtures and on a synthetic stream with every kind of line.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from balise.io import nmea, nmea_fragments
from balise.io.nmea import read_nmea
from balise.model.batch import ReadBatch, ReadOptions
from helpers import sentences, tagged
from nmea_streams import ASSUMED, FIXTURES, STATIC, T0, freeze_clock
from nmea_streams import assert_same as _assert_same
from nmea_streams import synthetic as _synthetic


@pytest.fixture(autouse=True)
def _ingest_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)


def _batches(data: bytes, options: ReadOptions) -> list[ReadBatch]:
    return list(read_nmea(io.BytesIO(data), "test.nmea", options))


def _one_by_one(
    data: bytes, options: ReadOptions, monkeypatch: pytest.MonkeyPatch
) -> list[ReadBatch]:
    """The reader as it was before bulk reassembly and threads: one worker, one part per block,
    every fragment fed to the `Reassembler`."""
    with monkeypatch.context() as patched:
        patched.setattr(nmea, "WORKERS", 1)
        patched.setattr(nmea, "AHEAD", 1)
        patched.setattr(nmea_fragments, "_runs", _no_runs)
        return _batches(data, options)


def _no_runs(
    count: np.ndarray, number: np.ndarray, key: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, dtype=np.int64), np.zeros(count.size, dtype=bool)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("batch_records", [200_000, 7])
def test_real_fixtures_read_the_same_as_one_by_one(
    path: Path, batch_records: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = path.read_bytes()
    options = ReadOptions(assume_time=ASSUMED, batch_records=batch_records)
    _assert_same(_one_by_one(data, options, monkeypatch), _batches(data, options))


@pytest.mark.parametrize("batch_records", [100_000, 300, 41])
def test_synthetic_stream_reads_the_same_as_one_by_one(
    batch_records: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _synthetic(4000, seed=batch_records)
    options = ReadOptions(batch_records=batch_records)
    expected = _one_by_one(data, options, monkeypatch)
    _assert_same(expected, _batches(data, options))
    assert sum(b.identities.height for b in expected) > 100, "type 5 messages were reassembled"
    reasons = set(pl.concat([b.quarantine for b in expected])["reason"].to_list())
    assert {"orphan_fragment", "bad_checksum", "no_time"} <= reasons


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_number_of_workers_changes_nothing(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _synthetic(1500, seed=5)
    options = ReadOptions(batch_records=97)
    expected = _batches(data, options)
    monkeypatch.setattr(nmea, "WORKERS", workers)
    _assert_same(expected, _batches(data, options))


def _static_pair_at_block_end(block_bytes: int) -> bytes:
    """Positions filling a block but for fragment 1 of a type 5 message, whose fragment 2 starts
    the next block."""
    position = tagged(sentences({"msg_type": 1, "mmsi": 227006760, "lat": 1.0, "lon": 2.0})[0], T0)
    first, last = (tagged(s, T0) for s in sentences(STATIC))
    filler = (block_bytes - len(first) - 1) // (len(position) + 1)
    lines = [position] * filler
    pad = block_bytes - sum(len(line) + 1 for line in lines) - len(first) - 1
    lines[0] = lines[0] + " " * pad  # trailing spaces are kept as a suffix: same line, longer
    return ("\n".join([*lines, first, last]) + "\n").encode()


def test_a_message_whose_fragments_straddle_two_blocks_is_reassembled() -> None:
    options = ReadOptions(batch_records=40)
    block_bytes = options.batch_records * nmea.BYTES_PER_RECORD
    data = _static_pair_at_block_end(block_bytes)
    batches = _batches(data, options)
    with_identity = [i for i, b in enumerate(batches) if b.identities.height]
    assert with_identity, "the type 5 message was decoded"
    assert with_identity[0] >= 1, "its fragments were in two blocks"
    (identity,) = pl.concat([b.identities for b in batches]).to_dicts()
    assert identity["name"] == "NEPTUNE"
    assert identity["source_line"] == data.count(b"\n") - 1
    assert not any("orphan_fragment" in b.quarantine["reason"].to_list() for b in batches), (
        "no fragment was left over"
    )


def test_lines_cut_by_the_block_size_are_read_whole() -> None:
    rng = random.Random(3)
    lines = [
        tagged(sentences({"msg_type": 1, "mmsi": 200_000_000 + i, "lat": 1.0, "lon": 2.0})[0],
               T0 + i) + " " * rng.randrange(30)
        for i in range(500)
    ]  # fmt: skip
    data = ("\n".join(lines) + "\n").encode()
    for batch_records in (3, 10, 33):
        batches = _batches(data, ReadOptions(batch_records=batch_records))
        positions = pl.concat([b.positions for b in batches])
        assert positions["source_line"].to_list() == list(range(1, 501))
        assert positions["mmsi"].to_list() == [200_000_000 + i for i in range(500)]
        assert all(b.quarantine.is_empty() for b in batches)


def _pieces(data: bytes, first_line: int, parts: int) -> Iterator[tuple[bytes, int]]:
    for begin, end, line in nmea._parts(data, first_line, parts):
        yield data[begin:end], line


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
@pytest.mark.parametrize(
    "data", [b"", b"a\n", b"abc", b"a\nb\nc\n", b"a\n\n\nlong line\nend", b"x" * 100 + b"\n"]
)
def test_parts_cut_at_line_ends_and_number_their_lines(data: bytes, parts: int) -> None:
    pieces = list(_pieces(data, 10, parts))
    assert b"".join(piece for piece, _ in pieces) == data
    assert len(pieces) <= parts
    line = 10
    for piece, first_line in pieces:
        assert piece, "no empty part"
        assert first_line == line
        assert piece.endswith(b"\n") or piece is pieces[-1][0]
        line += piece.count(b"\n")
