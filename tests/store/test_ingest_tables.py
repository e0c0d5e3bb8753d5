"""What an AIS ingest writes, table by table, is what the store wrote before its write path was
made cheaper (the tables created in one transaction, a batch's counts in one statement): a
stream with every kind of line, ingested in many batches, then a second one overlapping it
(duplicates against the store, identities seen again), leaves the same positions, identity
snapshots, quarantine rows, counts, ingest records and change log.

The expected digests are those of the tables written by the store of commit c508f83 from the
same inputs (`_digests` below, run with that commit's sources). The ingest prepares each batch
for the store (identity snapshots, change-log rows) on its read-ahead thread; a batch given to
the store unprepared, as the live listener gives it, leaves the same tables."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from balise.engine.ingest import AIS_SOURCE, Input, SourceKind, expand_inputs, ingest_with
from balise.model.batch import ReadBatch, ReadOptions
from balise.store.duckdb import DuckDBStore
from nmea_streams import freeze_clock, synthetic

OPTIONS = ReadOptions(batch_records=2_000)
TABLES = {
    "positions": "*",
    "identities": "*",
    "quarantine": "*",
    "ingest_counts": "*",
    "changes": "*",
    "ingests": "* EXCLUDE (started, finished)",
}
"""The tables an AIS ingest writes and their columns compared (not the clock's)."""
EXPECTED: dict[str, tuple[int, str]] = {
    "positions": (
        9_954,
        "11fcf6241fd4450bceb8b9f84ad6748a473b0e169c56dbc8800b0db401a30936",
    ),
    "identities": (
        845,
        "823bfd30c4662ab5243954fd333be709cb2a6d7a0fee78d31afdde6e03f46c33",
    ),
    "quarantine": (
        5_980,
        "071d3188f3d384947b73ee671abac5d9ed3fcd5b58b99ee8d1c99ccb0f682d75",
    ),
    "ingest_counts": (
        223,
        "9a5ec4fda507f615771aeae13191a5b238538f1bb7aa7fa8ac8e495325bafec9",
    ),
    "changes": (
        7_352,
        "46767c58a3e615ea22cc659c558b6ea6b58b84cfbffd1c1edd986fb369c77dc4",
    ),
    "ingests": (
        2,
        "d6beef344c189afe5cc3911204742d2274adcd6f8eec834e08bc808b0b8b6dc2",
    ),
}


def _input(path: Path) -> Input:
    (item,) = expand_inputs([str(path)], path.parent / "spool")
    return item


def _streams(folder: Path) -> list[Path]:
    """A stream of 16,000 lines and a second one repeating its last 6,000 before 4,000 more."""
    first = synthetic(16_000, seed=11)
    second = b"".join(first.splitlines(keepends=True)[-6_000:]) + synthetic(4_000, seed=12)
    paths = [folder / "first.nmea", folder / "second.nmea"]
    for path, data in zip(paths, (first, second), strict=True):
        path.write_bytes(data)
    return paths


def _digests(database: Path) -> dict[str, tuple[int, str]]:
    """Per table: its row count and the sha256 of its rows in sorted order, as CSV."""
    digests = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for table, columns in TABLES.items():
            rows = con.sql(f"SELECT {columns} FROM {table} ORDER BY ALL").pl()
            digests[table] = (rows.height, hashlib.sha256(rows.write_csv().encode()).hexdigest())
    return digests


def ingested_digests(
    folder: Path, kind: SourceKind[ReadBatch] = AIS_SOURCE
) -> dict[str, tuple[int, str]]:
    """The digests of the tables of a new store in `folder` after both streams are ingested."""
    database = folder / "balise.duckdb"
    store = DuckDBStore(database)
    try:
        for path in _streams(folder):
            assert ingest_with(kind, _input(path), store, OPTIONS).status == "ingested"
    finally:
        store.close()
    return _digests(database)


def test_an_ingest_writes_the_tables_it_wrote_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch)
    assert ingested_digests(tmp_path) == EXPECTED


def test_batches_stored_unprepared_write_the_same_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch)
    prepared: list[int] = []

    def unprepared(_store: object, batch: ReadBatch) -> ReadBatch:
        prepared.append(batch.records_read)
        return batch

    assert ingested_digests(tmp_path, replace(AIS_SOURCE, prepare=unprepared)) == EXPECTED
    assert len(prepared) > 10  # every batch went through it, none was prepared
