"""The position lake (`balise.io.lake`) written from a workspace or straight from AIS files.

`export_lake` copies a workspace's stored positions, identity snapshots and quarantine into a lake;
`ingest_to_lake` reads AIS files with the same readers as `balise ingest ais` and writes their
batches straight to the lake, without a DuckDB file, for archives too big for one machine's
store. A file is one source of the lake: its parts are named by the sha256 of its bytes, so
ingesting it again replaces them instead of adding a copy. The records the readers refuse are kept
in the lake's quarantine with their reason, as `balise ingest ais` keeps them in a workspace.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from balise.engine.ingest import Input, ais_batches, input_sha256
from balise.errors import InputRejected
from balise.io.lake import (
    IDENTITIES,
    POSITIONS,
    Manifest,
    clear_lake,
    clear_source,
    reports_as_snapshots,
    write_manifest,
    write_part,
    write_quarantine,
)
from balise.model.batch import ReadBatch, ReadOptions
from balise.store.base import Store

EXPORT_SOURCE = "export"
"""Source tag of the parts of a workspace export."""
PART_ROWS = 2_000_000
"""Positions gathered before a part is written: fewer, larger files (Parquet reads best at
tens of megabytes a file) without holding a whole archive in memory."""


def export_lake(store: Store, lake: Path) -> Manifest:
    """Replace `lake` with the positions, identity snapshots and quarantined records stored in
    `store` (the records its ingests refused, with their reason: the lake keeps them as an
    ingest straight into it does)."""
    clear_lake(lake)
    write_part(lake, POSITIONS, store.positions_of(None), EXPORT_SOURCE)
    write_part(lake, IDENTITIES, store.identity_history_all(), EXPORT_SOURCE)
    write_quarantine(lake, store.quarantine(), EXPORT_SOURCE)
    return write_manifest(lake, {EXPORT_SOURCE: "workspace export"})


@dataclass
class LakeIngest:
    """What one file's ingest into a lake read and wrote."""

    source: str
    tag: str
    source_format: str
    records_read: int = 0
    positions: int = 0
    identities: int = 0
    duplicates: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    status: str = "ingested"
    """"ingested", or "failed" when the reader broke on the input (a `reader_error` row in the
    quarantine; what was read before is in the lake)."""


def ingest_to_lake(
    item: Input, lake: Path, options: ReadOptions, strict: bool = False
) -> LakeIngest:
    """Read AIS input `item` and write its positions, identity reports and quarantined records
    into `lake` as the parts of its source tag (replacing those of an earlier ingest of the same
    bytes). Under `strict` the first bad record raises `InputRejected` and the source's parts
    are removed: the lake holds the input whole or not at all."""
    tag = input_sha256(item)[:16]
    clear_source(lake, tag)
    try:
        done = _write_batches(item, lake, options, strict, tag)
    except InputRejected:
        clear_source(lake, tag)
        raise
    write_manifest(lake, {tag: item.name})
    return done


def _write_batches(
    item: Input, lake: Path, options: ReadOptions, strict: bool, tag: str
) -> LakeIngest:
    with ais_batches(item, options, strict) as (fmt, batches):
        done = LakeIngest(item.name, tag, fmt)
        pending: list[ReadBatch] = []
        index = 0
        for batch in batches:
            _count(done, batch)
            pending.append(batch)
            if sum(b.positions.height for b in pending) >= PART_ROWS:
                _flush(lake, tag, index, pending)
                pending, index = [], index + 1
        _flush(lake, tag, index, pending)
    if done.quarantined["reader_error"]:
        done.status = "failed"
    return done


def _count(done: LakeIngest, batch: ReadBatch) -> None:
    done.records_read += batch.records_read
    done.positions += batch.positions.height
    done.identities += batch.identities.height
    done.duplicates += batch.duplicates
    done.quarantined.update(batch.quarantine["reason"].to_list())


def _flush(lake: Path, tag: str, index: int, batches: list[ReadBatch]) -> None:
    if not batches:
        return
    write_part(lake, POSITIONS, pl.concat([b.positions for b in batches]), tag, index)
    reports = pl.concat([b.identities for b in batches])
    write_part(lake, IDENTITIES, reports_as_snapshots(reports), tag, index)
    write_quarantine(lake, pl.concat([b.quarantine for b in batches]), tag, index)
