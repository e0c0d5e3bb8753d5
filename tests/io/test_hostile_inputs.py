"""Hostile inputs found by fuzzing: each ends in quarantine rows or counts, never a traceback."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import reduce
from pathlib import Path

import polars as pl
import pytest

from balise.engine import ingest as ingest_module
from balise.engine.ingest import expand_inputs, ingest_input
from balise.io.ais_csv import read_ais_csv
from balise.io.aiscatcher import read_aiscatcher
from balise.io.nmea import read_nmea
from balise.maritime.clean import clean_identities
from balise.model.batch import ReadOptions
from balise.model.schema import IDENTITY_SCHEMA, conform
from balise.store.duckdb import DuckDBStore

DATA = Path(__file__).parents[1] / "data"
GPSD = DATA / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log"
DMA = DATA / "dma-aisdk-header" / "aisdk_header.csv"
OPTIONS = ReadOptions(assume_time=datetime(2024, 1, 1, tzinfo=UTC), batch_records=100)


def _sealed(body: bytes) -> bytes:
    return b"!" + body + b"*" + b"%02X" % reduce(lambda a, b: a ^ b, body, 0)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    opened = DuckDBStore(tmp_path / "balise.duckdb")
    yield opened
    opened.close()


def _ingest(
    path: Path, store: DuckDBStore, options: ReadOptions = OPTIONS
) -> ingest_module.IngestResult:
    (item,) = expand_inputs([str(path)], path.parent / "spool")
    return ingest_input(item, store, options)


def test_non_ascii_byte_in_a_fragment_is_quarantined_not_a_panic() -> None:
    first = _sealed(b"AIVDM,2,1,8,A,55DTsr01rEv?<E5;801<D604\xffDlu<00000001?21J7:5cde>C0H1kmC,0")
    second = _sealed(b"AIVDM,2,2,8,A,88888888880,2")
    single = b"!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27"
    data = b"\n".join([first, second, single]) + b"\n"
    batches = list(read_nmea(io.BytesIO(data), "x", OPTIONS))
    quarantine = pl.concat([b.quarantine for b in batches])
    assert quarantine["reason"].to_list() == ["invalid_payload_char"]
    assert sum(b.positions.height for b in batches) == 1


def test_an_endless_line_is_quarantined_with_its_first_bytes_only() -> None:
    options = ReadOptions(OPTIONS.assume_time, batch_records=100, max_line_bytes=100)
    single = b"!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27"
    data = single + b"\n" + b"x" * 1_000_000 + b"\n" + single + b"\n\n\n"
    batches = list(read_nmea(io.BytesIO(data), "x", options))
    quarantine = pl.concat([b.quarantine for b in batches])
    assert quarantine["reason"].to_list() == ["line_too_long"]
    assert quarantine["source_line"].to_list() == [2]
    assert len(quarantine["raw"][0]) == 100
    assert sum(b.skipped["blank_line"] for b in batches) == 2
    assert sum(b.records_read for b in batches) == 3


def test_an_endless_json_line_is_quarantined_with_its_first_bytes_only() -> None:
    options = ReadOptions(None, batch_records=100, max_line_bytes=200)
    good = b'{"rxuxtime":1704067200,"nmea":["!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27"]}'
    data = good + b"\n" + b'{"nmea":"' + b"x" * 1_000_000 + b'"}\n' + good + b"\n"
    batches = list(read_aiscatcher(io.BytesIO(data), "x", options))
    quarantine = pl.concat([b.quarantine for b in batches])
    assert quarantine["reason"].to_list() == ["line_too_long"]
    assert quarantine["source_line"].to_list() == [2]
    assert len(quarantine["raw"][0]) == 200
    assert sum(b.positions.height for b in batches) == 2


def test_many_blank_lines_are_counted_in_bounded_blocks() -> None:
    options = ReadOptions(OPTIONS.assume_time, batch_records=10)
    batches = list(read_nmea(io.BytesIO(b"\n" * 10_000), "x", options))
    assert sum(b.skipped["blank_line"] for b in batches) == 10_000
    assert len(batches) > 10_000 // 40


def test_corrupt_gzip_keeps_what_was_read_and_says_so(store: DuckDBStore, tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(GPSD.read_bytes()))
    packed[-6] ^= 0xFF  # the CRC
    path = tmp_path / "crc.nmea.gz"
    path.write_bytes(bytes(packed))
    result = _ingest(path, store)
    assert result.status == "ingested"
    assert result.by_key("quarantined")["corrupt_input"] == 1
    assert result.count("positions_stored") > 500
    truncated = tmp_path / "cut.nmea.gz"
    truncated.write_bytes(bytes(packed[: len(packed) // 2]))
    result = _ingest(truncated, store)
    assert result.by_key("quarantined")["corrupt_input"] == 1


def test_input_past_the_size_cap_stops_with_a_quarantine_row(
    store: DuckDBStore, tmp_path: Path
) -> None:
    path = tmp_path / "big.nmea"
    path.write_bytes(GPSD.read_bytes())
    options = ReadOptions(OPTIONS.assume_time, batch_records=100, max_input_bytes=20_000)
    result = _ingest(path, store, options)
    assert result.by_key("quarantined")["input_too_large"] == 1
    assert 0 < result.count("records_read") < 1480


def test_bom_is_skipped_and_empty_input_ingests_nothing(store: DuckDBStore, tmp_path: Path) -> None:
    bom = tmp_path / "bom.nmea"
    bom.write_bytes(b"\xef\xbb\xbf" + GPSD.read_bytes())
    result = _ingest(bom, store)
    assert result.by_key("quarantined") == {"invalid_mmsi": 3}
    empty = tmp_path / "empty.nmea"
    empty.write_bytes(b"")
    result = _ingest(empty, store)
    assert result.status == "ingested"
    assert result.count("records_read") == 0


def test_a_reader_failure_is_recorded_and_the_ingest_marked_failed(
    store: DuckDBStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Panic(BaseException):
        """Stands in for pyo3's PanicException, a BaseException."""

    def broken(*_: object) -> Iterator[object]:
        raise Panic("boom")
        yield

    monkeypatch.setattr(ingest_module, "read_nmea", broken)
    path = tmp_path / "x.nmea"
    path.write_bytes(GPSD.read_bytes())
    result = _ingest(path, store)
    assert result.status == "failed"
    assert result.by_key("quarantined") == {"reader_error": 1}
    record = store.ingest(result.ingest_id)
    assert record is not None
    assert record.status == "failed"
    assert "Panic: boom" in store.quarantine(result.ingest_id)["detail"][0]
    again = _ingest(path, store)  # a re-run replaces the failure row
    assert again.by_key("quarantined") == {"reader_error": 1}


def test_dma_row_of_unknown_mobile_type_is_quarantined() -> None:
    header, row = DMA.read_bytes().splitlines()[:2]
    odd = row.replace(b",Class A,", b",Spaceship,")
    data = b"\n".join([header, row, odd]) + b"\n"
    (batch,) = list(read_ais_csv(io.BytesIO(data), "x", "dma", OPTIONS))
    assert batch.quarantine["reason"].to_list() == ["unknown_mobile_type"]
    assert batch.quarantine["detail"][0] == "type of mobile 'Spaceship'"


def test_implausible_dimensions_are_cleared_and_counted() -> None:
    frame = conform(
        pl.DataFrame(
            {
                "mmsi": [219014851, 219014852],
                "timestamp": [datetime(2024, 1, 1, tzinfo=UTC)] * 2,
                "length_m": [1e30, 200.0],
                "width_m": [130.0, 30.0],
                "draught_m": [31.0, 10.0],
            }
        ),
        IDENTITY_SCHEMA,
    )
    cleaned = clean_identities(frame)
    assert cleaned.kept["length_m"].to_list() == [None, 200.0]
    assert cleaned.kept["width_m"].to_list() == [None, 30.0]
    assert cleaned.kept["draught_m"].to_list() == [None, 10.0]
    assert cleaned.cleared["implausible_length"] == 1
    assert cleaned.cleared["implausible_draught"] == 1
