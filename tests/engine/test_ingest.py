"""Ingestion into the store: idempotence, resumption, compressed inputs, strictness."""

from __future__ import annotations

import gzip
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from balise.engine.ingest import Input, detect_format, expand_inputs, ingest_input
from balise.errors import InputRejected, UsageError
from balise.model.batch import ReadBatch, ReadOptions
from balise.store.duckdb import DuckDBStore

DATA = Path(__file__).parents[1] / "data"
GPSD = DATA / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log"
DMA = DATA / "dma-aisdk-header" / "aisdk_header.csv"
OPTIONS = ReadOptions(assume_time=datetime(2024, 1, 1, tzinfo=UTC), batch_records=100)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    opened = DuckDBStore(tmp_path / "balise.duckdb")
    yield opened
    opened.close()


def _input(path: Path) -> Input:
    (item,) = expand_inputs([str(path)], path.parent / "spool")
    return item


def _stored(store: DuckDBStore) -> pl.DataFrame:
    return pl.concat(list(store.positions())) if list(store.positions()) else pl.DataFrame()


def test_ingest_stores_positions_and_identities(store: DuckDBStore) -> None:
    result = ingest_input(_input(GPSD), store, OPTIONS)
    assert result.status == "ingested"
    assert result.count("positions_stored") == 795
    assert result.by_key("messages")["21"] == 133
    assert store.vessels().filter(pl.col("name").is_not_null()).height > 100


def test_ingesting_the_same_content_twice_stores_nothing_new(
    store: DuckDBStore, tmp_path: Path
) -> None:
    ingest_input(_input(GPSD), store, OPTIONS)
    before = _stored(store)
    identities = store.vessels()["identity_reports"].sum()
    copy = tmp_path / "renamed.nmea"
    copy.write_bytes(GPSD.read_bytes())
    again = ingest_input(_input(copy), store, OPTIONS)
    assert again.status == "already_ingested"
    assert _stored(store).equals(before)
    assert store.vessels()["identity_reports"].sum() == identities


def test_overlapping_content_is_deduplicated_against_the_store(
    store: DuckDBStore, tmp_path: Path
) -> None:
    ingest_input(_input(GPSD), store, OPTIONS)
    extended = tmp_path / "extended.nmea"
    extended.write_bytes(GPSD.read_bytes() + b"\n")
    result = ingest_input(_input(extended), store, OPTIONS)
    assert result.count("positions_stored") == 0
    assert result.count("duplicates") == 795
    assert _stored(store).height == 795


class _InterruptedError(Exception):
    pass


def test_an_interrupted_ingest_completes_when_run_again(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_store_batch = DuckDBStore.store_batch
    calls = {"n": 0}

    def crash_on_fourth(self: DuckDBStore, ingest_id: str, index: int, batch: object) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise _InterruptedError
        real_store_batch(self, ingest_id, index, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(DuckDBStore, "store_batch", crash_on_fourth)
    with pytest.raises(_InterruptedError):
        ingest_input(_input(GPSD), store, OPTIONS)
    partial = _stored(store).height
    assert 0 < partial < 795
    monkeypatch.setattr(DuckDBStore, "store_batch", real_store_batch)
    result = ingest_input(_input(GPSD), store, OPTIONS)
    assert result.status == "resumed"
    assert _stored(store).height == 795
    assert result.count("positions_stored") == 795
    assert result.count("records_read") == 1480


def test_batches_are_prepared_on_the_read_ahead_thread_except_those_already_stored(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_store_batch, real_prepare = DuckDBStore.store_batch, DuckDBStore.prepare_batch
    stored: list[int] = []
    prepared_on: list[str] = []

    def crash_on_fourth(self: DuckDBStore, ingest_id: str, index: int, batch: ReadBatch) -> None:
        stored.append(index)
        if stored == [0, 1, 2, 3]:
            raise _InterruptedError
        real_store_batch(self, ingest_id, index, batch)

    def prepare(self: DuckDBStore, batch: ReadBatch) -> ReadBatch:
        prepared_on.append(threading.current_thread().name)
        return real_prepare(self, batch)

    monkeypatch.setattr(DuckDBStore, "store_batch", crash_on_fourth)
    monkeypatch.setattr(DuckDBStore, "prepare_batch", prepare)
    with pytest.raises(_InterruptedError):
        ingest_input(_input(GPSD), store, OPTIONS)
    stored.clear()
    prepared_on.clear()
    assert ingest_input(_input(GPSD), store, OPTIONS).status == "resumed"
    assert stored == list(range(3, 3 + len(stored)))
    assert prepared_on == ["read-ahead"] * len(stored)  # batches 0-2 were not prepared again
    assert len(stored) >= 5


def test_gzip_and_zip_inputs_are_detected_from_content(store: DuckDBStore, tmp_path: Path) -> None:
    gz = tmp_path / "stream.dat"
    gz.write_bytes(gzip.compress(GPSD.read_bytes()))
    assert ingest_input(_input(gz), store, OPTIONS).count("positions_stored") == 795
    archive = tmp_path / "day.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(DMA, "aisdk_header.csv")
    (member,) = expand_inputs([str(archive)], tmp_path)
    result = ingest_input(member, store, OPTIONS)
    assert result.source_format == "dma"
    assert result.count("positions_stored") > 100


def test_strict_mode_stops_at_the_first_bad_record(store: DuckDBStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.nmea"
    lines = GPSD.read_text().splitlines()
    lines[9] = lines[9][:-2] + "00"
    bad.write_text("\n".join(lines))
    with pytest.raises(InputRejected, match=r"bad\.nmea, line 10: bad_checksum"):
        ingest_input(_input(bad), store, OPTIONS, strict=True)


def test_unknown_formats_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputRejected, match="not a recognised AIS format"):
        detect_format(b"hello world\n", "notes.txt")
    with pytest.raises(UsageError, match="no such file"):
        list(expand_inputs([str(tmp_path / "missing.nmea")], tmp_path))
