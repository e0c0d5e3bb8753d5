"""The compiled NMEA kernel reads what the NumPy path reads, to the byte, or hands the chunk back.

`prepare_chunk` uses the kernel (`balise.io._nmea_kernel`) when it is built and every line of a
chunk is a plain AIS sentence; these tests run both paths on the same lines (real fixtures, the
synthetic stream of `test_nmea_chunks`, lines mutated at random, random bytes) and compare every
column, then whole reads frame by frame.
"""

from __future__ import annotations

import io
import logging
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from balise.io import nmea_kernel
from balise.io.ais_payload import decode_payloads
from balise.io.nmea import read_nmea
from balise.io.nmea_bytes import Chunk
from balise.io.nmea_sentences import PreparedChunk, prepare_chunk
from balise.model.batch import ReadBatch, ReadOptions
from helpers import checksum, sentences, tagged
from nmea_streams import ASSUMED, FIXTURES, assert_same, freeze_clock, synthetic

pytestmark = pytest.mark.skipif(
    not nmea_kernel.available() and not os.environ.get("CI"),
    reason="the NMEA kernel is not built (python setup.py build_ext --inplace)",
)
T0 = 1_709_251_200


@pytest.fixture(autouse=True)
def _ingest_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)


def _position_line(rng: random.Random, second: int) -> str:
    fields = {
        "msg_type": rng.choice([1, 2, 3, 18, 27]), "mmsi": 200_000_000 + rng.randrange(1000),
        "lat": rng.uniform(-60, 60), "lon": rng.uniform(-170, 170),
        "speed": rng.uniform(0, 20), "course": rng.uniform(0, 359),
    }  # fmt: skip
    return tagged(sentences(fields)[0], second)


PLAIN = [_position_line(random.Random(seed), T0 + seed) for seed in range(40)]
STATIC = sentences(
    {"msg_type": 5, "mmsi": 227006760, "imo": 9074729, "shipname": "NEPTUNE", "callsign": "F"},
    seq_id=3,
)


def _both(lines: list[str] | bytes) -> tuple[PreparedChunk, PreparedChunk]:
    data = lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode()
    chunk = Chunk.of(data, 1)
    kept = chunk.ends > chunk.starts
    chunk = Chunk(data, chunk.starts[kept], chunk.ends[kept], 1, np.flatnonzero(kept) + 1)
    with_kernel = prepare_chunk(chunk)
    nmea_kernel.enabled = False
    try:
        without = prepare_chunk(chunk)
    finally:
        nmea_kernel.enabled = True
    return with_kernel, without


def _assert_prepared_equal(got: PreparedChunk, expected: PreparedChunk) -> None:
    assert_frame_equal(got.sentences, expected.sentences)
    assert got.malformed.tolist() == expected.malformed.tolist()
    assert (got.blank, got.other) == (expected.blank, expected.other)
    assert got.found.counts == expected.found.counts
    assert got.found.is_time_line.tolist() == expected.found.is_time_line.tolist()


def _scanned(lines: list[str]) -> bool:
    chunk = Chunk.of(("\n".join(lines) + "\n").encode(), 1)
    return nmea_kernel.scan(chunk.data, chunk.starts, chunk.ends) is not None


def test_the_kernel_is_built_in_ci() -> None:
    assert nmea_kernel.available(), "pip install -e . builds balise.io._nmea_kernel"


def test_plain_sentences_are_read_by_the_kernel_as_by_numpy() -> None:
    lines = [
        *PLAIN,
        tagged(STATIC[0], T0),
        tagged(STATIC[1], T0),
        STATIC[0],
        tagged(checksum("!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0"), T0),
    ]
    assert _scanned(lines)
    _assert_prepared_equal(*_both(lines))


@pytest.mark.parametrize(
    "line",
    [
        PLAIN[0][:-2] + "00",  # bad checksum
        PLAIN[1][:-2] + "zz",  # checksum not hexadecimal
        "\\s:x,c:1*00\\" + PLAIN[0].split("\\")[2],  # bad tag checksum
        tagged(sentences({"msg_type": 1, "mmsi": 1})[0], 12345678901234).replace("*", "", 1),
        "\\" + checksum("s:x,c:" + "9" * 14) + "\\" + PLAIN[0].split("\\")[2],  # c: too long
        "\\" + checksum("s:x,c:1709251200123") + "\\" + PLAIN[0].split("\\")[2],  # milliseconds
        "\\" + checksum("s:x,c:") + "\\" + PLAIN[0].split("\\")[2],  # c: without digits
        "\\" + checksum("s:x") + "\\" + PLAIN[0].split("\\")[2],  # no c: at all
        "\\*00\\" + PLAIN[0].split("\\")[2],  # empty tag block
        checksum("!AIVDM,3,4,7,B,15M67FC000G?ufbE`FepT@3n00Sa,0"),  # number within count
        checksum("!AIVDM,0,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0"),  # count 0
        checksum("!AIVDM,X,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0"),  # count not a digit
        checksum("!AIVDM,1,1,,,,0"),  # empty payload, no channel
        checksum("!BSVDO,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,5"),
    ],
)
def test_sentences_with_problems_are_read_by_the_kernel_as_by_numpy(line: str) -> None:
    lines = [PLAIN[0], line, PLAIN[1]]
    assert _scanned(lines), "the kernel reads these lines itself"
    _assert_prepared_equal(*_both(lines))


@pytest.mark.parametrize(
    "line",
    [
        "",  # blank (in a chunk of lines) and white space
        "   ",
        "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47",
        "\\" + checksum("s:x,c:1709251200") + "\\",  # tag line
        f"{T0}.5 " + PLAIN[0].split("\\")[2],  # leading time
        PLAIN[0] + f",{T0}",  # trailing time
        checksum("!AIVDM,1,1,12,A,15M67FC000G?ufbE`FepT@3n00Sa,0"),  # long sequence id
        checksum("!AIVDM,1,1,,A,15M67FC0,00G?ufbE`FepT@3n00Sa,0"),  # comma in the payload
        checksum("!AIVDM,1,1,,A,15M67FCé000G?ufbE`FepT@3n00Sa,0"),  # not ASCII
        "\\" + checksum("s:é,c:1709251200") + "\\" + PLAIN[0].split("\\")[2],  # ... in the tag
        PLAIN[0][:-2] + "é0",  # ... in the checksum
        "é" + PLAIN[0][1:],  # ... first
        checksum("!AIVDM,1,1,,A,0"),  # too short
        "!AIVDM,1,1,,A,0*hh",
        "\\s:x,c:1709251200*00!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C",  # unclosed tag
    ],
)
def test_other_lines_leave_the_chunk_to_numpy(line: str) -> None:
    lines = [PLAIN[0], line, PLAIN[1]]
    assert not _scanned(lines)
    _assert_prepared_equal(*_both(lines))


_MUTATIONS = st.sampled_from(list("!AIVDM,0123456789*\\:cs;-.T ZBwvJ2>`<@\x00\xff"))


@given(st.data())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_sentences_are_read_the_same_by_both_paths(data: st.DataObject) -> None:
    lines = [
        data.draw(st.sampled_from([*PLAIN, *STATIC])) for _ in range(data.draw(st.integers(1, 6)))
    ]
    for _ in range(data.draw(st.integers(0, 3))):
        index = data.draw(st.integers(0, len(lines) - 1))
        at = data.draw(st.integers(0, len(lines[index])))
        junk = "".join(data.draw(st.lists(_MUTATIONS, max_size=3)))
        cut = data.draw(st.integers(0, 2))
        lines[index] = lines[index][:at] + junk + lines[index][at + cut :]
    _assert_prepared_equal(*_both(lines))


@given(st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_random_bytes_never_crash_and_read_the_same(data: bytes) -> None:
    _assert_prepared_equal(*_both(data))


def test_overlapping_lines_are_read_each_whole() -> None:
    line = PLAIN[0].encode()
    starts, ends = np.zeros(3, dtype=np.int64), np.full(3, len(line), dtype=np.int64)
    scanned = nmea_kernel.scan(line, starts, ends)
    assert scanned is not None
    assert scanned.payload_offsets.tolist() == [0, 28, 56, 84]


def test_line_bounds_outside_the_data_are_refused() -> None:
    chunk = Chunk.of(PLAIN[0].encode(), 1)
    with pytest.raises(ValueError, match="outside"):
        nmea_kernel.scan(chunk.data, chunk.starts, chunk.ends + 1)


def _read(data: bytes, options: ReadOptions, *, kernel: bool) -> list[ReadBatch]:
    nmea_kernel.enabled = kernel
    try:
        return list(read_nmea(io.BytesIO(data), "test.nmea", options))
    finally:
        nmea_kernel.enabled = True


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("batch_records", [200_000, 7])
def test_real_fixtures_read_the_same_with_and_without_the_kernel(
    path: Path, batch_records: int
) -> None:
    data = path.read_bytes()
    options = ReadOptions(assume_time=ASSUMED, batch_records=batch_records)
    assert_same(_read(data, options, kernel=False), _read(data, options, kernel=True))


@pytest.mark.parametrize("batch_records", [100_000, 41])
def test_synthetic_streams_read_the_same_with_and_without_the_kernel(batch_records: int) -> None:
    plain = "\n".join(_position_line(random.Random(i), T0 + i // 3) for i in range(3000)) + "\n"
    for data in (synthetic(3000, seed=batch_records).decode(), plain):
        options = ReadOptions(batch_records=batch_records)
        encoded = data.encode()
        assert_same(_read(encoded, options, kernel=False), _read(encoded, options, kernel=True))


def test_without_the_kernel_the_reader_warns_once_and_reads_the_same(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    data = ("\n".join(PLAIN) + "\n").encode()
    options = ReadOptions()
    expected = _read(data, options, kernel=True)
    monkeypatch.setattr(nmea_kernel, "_KERNEL", None)
    monkeypatch.setattr(nmea_kernel, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="balise.io.nmea_kernel"):
        assert_same(expected, _read(data, options, kernel=True))
        _read(data, options, kernel=True)
    warnings = [r for r in caplog.records if "kernel is not built" in r.getMessage()]
    assert len(warnings) == 1


_ARMOUR = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"
_PAYLOADS = st.text(st.sampled_from(list(_ARMOUR) * 20 + list("XYZ[]^_xyz{ ,é")), max_size=80)
"""Mostly armour characters (a position report needs 23 valid ones), a few outside it."""
_TYPES = st.sampled_from("123BDK5H") | st.sampled_from(_ARMOUR)


def _decoded_both(payloads: list[str | None], fill: list[int]) -> None:
    series = pl.Series("payload", payloads, dtype=pl.String)
    with_kernel = decode_payloads(series, np.array(fill))
    nmea_kernel.enabled = False
    try:
        without = decode_payloads(series, np.array(fill))
    finally:
        nmea_kernel.enabled = True
    assert with_kernel.msg_type.tolist() == without.msg_type.tolist()
    for name in ("positions", "identities", "errors"):
        assert_frame_equal(getattr(with_kernel, name), getattr(without, name))


@given(
    st.lists(
        st.tuples(_TYPES, _PAYLOADS, st.integers(-1, 7)),
        max_size=40,
    )
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_payloads_decode_the_same_with_and_without_the_kernel(
    rows: list[tuple[str, str, int]],
) -> None:
    _decoded_both([first + rest for first, rest, _ in rows], [fill for _, _, fill in rows])


def test_real_payloads_decode_the_same_with_and_without_the_kernel() -> None:
    lines = [line for path in FIXTURES for line in path.read_text().splitlines() if "VD" in line]
    fields = [line.split("*")[0].split(",") for line in lines]
    rows = [(f[-2], int(f[-1])) for f in fields if len(f) >= 7 and f[-1].isdigit()]
    assert len(rows) > 100
    payloads = pl.Series([payload for payload, _ in rows])
    data = "".join(payloads).encode()
    offsets = np.cumsum([0] + [len(p) for p in payloads]).astype(np.int64)
    fill = np.array([fill for _, fill in rows], dtype=np.int64)
    decoded = nmea_kernel.positions(np.frombuffer(data, dtype=np.uint8), offsets, fill)
    assert decoded is not None
    assert decoded.rows.size > 100, "the kernel decoded most of them"
    _decoded_both([payload for payload, _ in rows] + [None], [fill for _, fill in rows] + [0])


def _joined_payload(fields: dict[str, object]) -> tuple[str, int]:
    parts = [sentence.split("*")[0].split(",") for sentence in sentences(fields)]
    return "".join(part[5] for part in parts), int(parts[-1][6])


@pytest.mark.parametrize(
    "names",
    [
        {"shipname": "NEPTUNE", "callsign": "FABC", "destination": "FRLEH"},
        {"shipname": "  SPACED  NAME ", "callsign": " F ", "destination": "  "},
        {"shipname": "", "callsign": "", "destination": ""},
        {"shipname": "A@B", "callsign": "@", "destination": "@ROTTERDAM"},
        {
            "shipname": "ALL-20-CHARACTERS-XY",
            "callsign": "7CHARSX",
            "destination": "!\"#$%&'()*+,-./0:;<",
        },
    ],
)
def test_static_and_voyage_messages_decode_the_same_with_and_without_the_kernel(
    names: dict[str, object],
) -> None:
    fields = {
        "msg_type": 5, "mmsi": 227006760, "imo": 9074729, "ship_type": 70, "to_bow": 511,
        "to_stern": 20, "to_port": 63, "to_starboard": 10, "draught": 25.5, "month": 13,
        "day": 31, "hour": 24, "minute": 60, **names,
    }  # fmt: skip
    payload, fill = _joined_payload(fields)
    short = payload[:70]
    _decoded_both([payload, short, payload + "0", payload], [fill, 0, 0, 5])
    chars = np.frombuffer(payload.encode(), dtype=np.uint8)
    decoded = nmea_kernel.static_voyage(chars, np.array([0, len(payload)]), np.array([fill]))
    assert decoded is not None
    assert decoded.rows.tolist() == [0], "the kernel decoded it"


@pytest.mark.parametrize("mmsi", [227006760, 985380196])  # a ship, an auxiliary craft
def test_static_data_reports_decode_the_same_with_and_without_the_kernel(mmsi: int) -> None:
    part_a, fill_a = _joined_payload(
        {"msg_type": 24, "mmsi": mmsi, "partno": 0, "shipname": " NEPTUNE@X "}
    )
    part_b, fill_b = _joined_payload(
        {"msg_type": 24, "mmsi": mmsi, "partno": 1, "ship_type": 37, "callsign": "F@",
         "to_bow": 12, "to_stern": 3, "to_port": 2, "to_starboard": 4,
         "mothership_mmsi": 227006760},
    )  # fmt: skip
    position, fill_p = _joined_payload(
        {"msg_type": 1, "mmsi": mmsi, "lat": 43.3, "lon": 5.3, "speed": 3.0, "course": 90.0}
    )
    payloads: list[str | None] = [part_b, position, part_a, part_a[:20], part_b, part_a]
    _decoded_both(payloads, [fill_b, fill_p, fill_a, 0, fill_b, fill_a])
    data = "".join(p or "" for p in payloads).encode()
    offsets = np.cumsum([0] + [len(p or "") for p in payloads]).astype(np.int64)
    fill = np.array([fill_b, fill_p, fill_a, 0, fill_b, fill_a], dtype=np.int64)
    decoded = nmea_kernel.static_data(np.frombuffer(data, dtype=np.uint8), offsets, fill)
    assert decoded is not None
    assert decoded.rows.tolist() == [0, 2, 4, 5], "the kernel decoded them"
    assert decoded.name.to_pylist()[1] == "NEPTUNE"
    longer = part_a + "0" * 120  # left to NumPy by the kernel, and with it every type 24
    _decoded_both([*payloads, longer], [fill_b, fill_p, fill_a, 0, fill_b, fill_a, 0])


@given(st.binary(min_size=1, max_size=200), st.data())
@settings(max_examples=200, deadline=None)
def test_byte_ranges_join_the_same_with_and_without_the_kernel(
    data: bytes, draw: st.DataObject
) -> None:
    bounds = draw.draw(
        st.lists(st.tuples(st.integers(0, len(data)), st.integers(0, len(data))), max_size=12)
    )
    begin = np.array([min(pair) for pair in bounds], dtype=np.int64)
    end = np.array([max(pair) for pair in bounds], dtype=np.int64)
    newline_after = np.array(
        draw.draw(st.lists(st.booleans(), min_size=len(bounds), max_size=len(bounds))), dtype=bool
    )
    gathered = nmea_kernel.gather(data, begin, end, newline_after)
    expected = b"".join(
        data[b:e] + (b"\n" if nl else b"")
        for b, e, nl in zip(begin, end, newline_after, strict=True)
    )
    assert gathered == expected


def test_byte_ranges_outside_the_data_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        nmea_kernel.gather(b"abc", np.array([1]), np.array([4]), np.array([False]))


def _chunk_of(data: bytes, begin: int, end: int, *, kernel: bool) -> Chunk:
    nmea_kernel.enabled = kernel
    try:
        return Chunk.of(data, 1, begin, end)
    finally:
        nmea_kernel.enabled = True


@given(
    st.lists(
        st.sampled_from([b"\n", b"\r", b"\r\n", b"a", b"!AIVDM,", b"\\", b"\xff"]), max_size=40
    ),
    st.data(),
)
@settings(max_examples=300, deadline=None)
def test_lines_are_found_the_same_with_and_without_the_kernel(
    pieces: list[bytes], draw: st.DataObject
) -> None:
    data = b"".join(pieces)
    begin = draw.draw(st.integers(0, len(data)))
    end = draw.draw(st.integers(begin, len(data)))
    compiled = _chunk_of(data, begin, end, kernel=True)
    numpy = _chunk_of(data, begin, end, kernel=False)
    assert compiled.starts.tolist() == numpy.starts.tolist()
    assert compiled.ends.tolist() == numpy.ends.tolist()
    whole = Chunk.of(data[begin:end], 1)  # the lines of a copy of the range, shifted
    assert numpy.starts.tolist() == (whole.starts + begin).tolist()
    assert numpy.ends.tolist() == (whole.ends + begin).tolist()
    expected = data[begin:end].split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    found = [data[s:e] for s, e in zip(compiled.starts, compiled.ends, strict=True)]
    assert found == [line.removesuffix(b"\r") for line in expected]
    assert nmea_kernel.newlines(data, begin, end) == data.count(b"\n", begin, end)


def test_a_line_range_outside_the_data_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        Chunk.of(b"abc\n", 1, 2, 5)
    with pytest.raises(ValueError, match="outside"):
        nmea_kernel.newlines(b"abc\n", 3, 2)


def test_reading_nmea_does_not_import_pandas_nor_pyarrow_compute() -> None:
    """pandas costs a process about a second of start-up the first time a reader needs it,
    `pyarrow.compute` about 0.2 s."""
    data = ("\n".join(PLAIN + STATIC) + "\n").encode()
    script = (
        "import io, sys\n"
        "from balise.io.nmea import read_nmea\n"
        "from balise.model.batch import ReadOptions\n"
        f"data = {data!r}\n"
        "batches = list(read_nmea(io.BytesIO(data), 'x.nmea', ReadOptions()))\n"
        "imported = {'pandas', 'pyarrow.compute'} & set(sys.modules)\n"
        "print(sum(b.positions.height for b in batches), sorted(imported))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert found.stdout.split() == [str(len(PLAIN)), "[]"]
