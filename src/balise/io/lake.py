"""The position lake: positions and identity reports as Parquet, for engines beyond one machine.

Layout (hive style, readable by Spark, DuckDB, Polars and pyarrow alike)::

    LAKE/manifest.json
    LAKE/positions/day=2026-01-05/mmsi_bucket=219/part-<source>-<n>.parquet
    LAKE/identities/day=2026-01-05/mmsi_bucket=219/part-<source>-<n>.parquet  (by first sighting)
    LAKE/quarantine/part-<source>-<n>.parquet  (records refused on reading, with their reason)

`day` is the UTC day of the report; `mmsi_bucket` is `mmsi // 1_000_000`: the first three digits
of a ship station's nine-digit MMSI, its Maritime Identification Digits (ITU-R M.585), so a
bucket is a flag state's range of MMSIs and a query by flag or by vessel reads one folder. The
buckets are uneven (a national archive is mostly its own flag): they serve pruning on read, not
balance; the Spark engine cuts its vessel groups by positions for the work itself.

`<source>` names what wrote the part: the first 16 hex digits of the sha256 of an ingested file,
or `export` for a workspace export. Writing the same source again replaces its parts, so
re-ingesting a file never duplicates it. Positions repeated across sources (two receivers
hearing one report) are dropped on read (`read_positions`), as the store drops them on write.

The quarantine holds what `balise ingest ais` would keep in a workspace's quarantine: each record
refused (bad checksum, malformed sentence, a reader that broke...) with its source, line, reason,
detail and original text (cut to `ingest.max_quarantine_text_bytes`), so an archive's damage can
be counted and looked at again; a workspace export copies the workspace's quarantine there (source
`export`). No engine reads it.

The Spark engine's Python workers read their vessels from the parts themselves
(`read_mmsi_range`): a range of MMSIs opens the parts of the buckets it touches, and in each only
the row groups whose MMSI statistics overlap it, the rows of a part being sorted by MMSI.

`manifest.json` holds the schema version, the extent (rows, first and last time, days, records
quarantined) and the sources written, by name and sha256.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import polars as pl
import pyarrow.parquet as pq

from balise.model.schema import (
    IDENTITY_FIELDS,
    IDENTITY_KEY,
    IDENTITY_SCHEMA,
    POSITION_SCHEMA,
    QUARANTINE_SCHEMA,
    UTC_TIME,
)

LAKE_SCHEMA_VERSION: Final = 1
"""Version of the lake's layout and columns; readers refuse a lake of another version."""
MMSI_BUCKET_WIDTH: Final = 1_000_000
"""MMSIs per bucket: a nine-digit ship MMSI's bucket is its three Maritime Identification Digits."""
POSITIONS: Final = "positions"
IDENTITIES: Final = "identities"
QUARANTINE: Final = "quarantine"
MANIFEST: Final = "manifest.json"
POSITION_KEY: Final = ("mmsi", "timestamp", "lat", "lon")
"""A position repeated with these equal is one report heard twice (the store's de-duplication)."""
ROW_GROUP_ROWS: Final = 16_384
"""Rows per Parquet row group of a part: a vessel group reads, of each part of its buckets, the row
groups whose MMSI statistics overlap its range, so a small row group reads little beside the
range. A national archive's day is a few parts of millions of rows (mostly its own flag's
bucket) shared by thousands of vessel groups, each holding a few thousand of a day's rows: with
Polars' default (262,144 rows) each group would decode some 48 rows for one it keeps, with
16,384 about 3. It costs 0.4 % more bytes (20.55 against 20.46 a position on the bench world)."""
SNAPSHOT_SCHEMA: Final[dict[str, pl.DataType]] = {
    **{c: IDENTITY_SCHEMA[c] for c in ("mmsi", "msg_type", "source_format")},
    **{c: t for c, t in IDENTITY_SCHEMA.items() if c in IDENTITY_FIELDS},
    "last_seen": UTC_TIME,
    "messages": pl.Int64(),
    "first_source": pl.String(),
    "first_source_line": pl.Int64(),
    "timestamp": UTC_TIME,
}
"""Identity snapshots, as the store keeps them (`Store.identity_history_all`): one row per
distinct identity of a vessel, `timestamp` its first sighting, `last_seen` its last, `messages`
how many reports said it."""


class LakeError(ValueError):
    """A folder that is not a lake Balise can read (no manifest, another schema version)."""


@dataclass
class Manifest:
    """What a lake holds: its schema version, extent and the sources written into it."""

    schema_version: int = LAKE_SCHEMA_VERSION
    positions: int = 0
    identities: int = 0
    quarantined: int = 0
    first: str | None = None
    last: str | None = None
    days: list[str] = field(default_factory=list)
    mmsi_bucket_width: int = MMSI_BUCKET_WIDTH
    sources: dict[str, str] = field(default_factory=dict)
    """Source tag (as in part names) → the name it was written from."""


def partitioned(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the partition columns `day` (UTC, ISO date text) and `mmsi_bucket`."""
    return frame.with_columns(
        pl.col("timestamp").dt.convert_time_zone("UTC").dt.date().cast(pl.String).alias("day"),
        (pl.col("mmsi") // MMSI_BUCKET_WIDTH).cast(pl.Int32).alias("mmsi_bucket"),
    )


def write_part(lake: Path, table: str, frame: pl.DataFrame, source: str, index: int = 0) -> int:
    """Write `frame` (positions or identity snapshots) into the partitions of `table`, as the parts
    `part-<source>-<index>.parquet` (replacing parts of that name); the number of rows."""
    if frame.is_empty():
        return 0
    for (day, bucket), rows in partitioned(frame).group_by("day", "mmsi_bucket"):
        folder = lake / table / f"day={day}" / f"mmsi_bucket={bucket}"
        folder.mkdir(parents=True, exist_ok=True)
        ordered = rows.drop("day", "mmsi_bucket").sort("mmsi", "timestamp", maintain_order=True)
        ordered.write_parquet(
            folder / f"part-{source}-{index}.parquet",
            compression="zstd",
            row_group_size=ROW_GROUP_ROWS,
        )
    return frame.height


def write_quarantine(lake: Path, rows: pl.DataFrame, source: str, index: int = 0) -> int:
    """Write quarantine `rows` (`QUARANTINE_SCHEMA`) as the part `part-<source>-<index>.parquet`
    of the quarantine (replacing a part of that name); the number of rows."""
    if rows.is_empty():
        return 0
    folder = lake / QUARANTINE
    folder.mkdir(parents=True, exist_ok=True)
    rows.select(list(QUARANTINE_SCHEMA)).write_parquet(
        folder / f"part-{source}-{index}.parquet", compression="zstd"
    )
    return rows.height


def read_quarantine(lake: Path) -> pl.DataFrame:
    """The records refused on reading the lake's sources, by source and line."""
    files = sorted((lake / QUARANTINE).glob("*.parquet"))
    if not files:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    frame = pl.scan_parquet(files).select(list(QUARANTINE_SCHEMA)).collect()
    return frame.sort("source", "source_line", maintain_order=True)


def clear_source(lake: Path, source: str) -> None:
    """Remove the parts written by `source` (before writing it again)."""
    for table in (POSITIONS, IDENTITIES):
        for part in (lake / table).glob(f"day=*/mmsi_bucket=*/part-{source}-*.parquet"):
            part.unlink()
    for part in (lake / QUARANTINE).glob(f"part-{source}-*.parquet"):
        part.unlink()


def clear_lake(lake: Path) -> None:
    """Remove a lake's tables and manifest (an export replaces the whole lake)."""
    for table in (POSITIONS, IDENTITIES, QUARANTINE):
        shutil.rmtree(lake / table, ignore_errors=True)
    (lake / MANIFEST).unlink(missing_ok=True)


def _scan(lake: Path, table: str, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    files = sorted((lake / table).glob("day=*/mmsi_bucket=*/*.parquet"))
    if not files:
        return pl.LazyFrame(schema=schema)
    return pl.scan_parquet(files, hive_partitioning=False).select(list(schema))


def fold_positions(frame: pl.DataFrame) -> pl.DataFrame:
    """Positions in vessel and time order, reports heard twice (`POSITION_KEY`) kept once.

    Reports of one vessel at one time keep the order they were written in (a stable sort):
    some detectors read such ties in order, and a part holds them in the store's order."""
    ordered = frame.sort("mmsi", "timestamp", maintain_order=True)
    return ordered.unique(list(POSITION_KEY), keep="first", maintain_order=True)


def reports_as_snapshots(reports: pl.DataFrame) -> pl.DataFrame:
    """Identity reports (`IDENTITY_SCHEMA`) folded into snapshots (`SNAPSHOT_SCHEMA`)."""
    return fold_identities(
        reports.with_columns(
            pl.col("timestamp").alias("last_seen"),
            pl.lit(1, pl.Int64).alias("messages"),
            pl.col("source").alias("first_source"),
            pl.col("source_line").alias("first_source_line"),
        ).select(list(SNAPSHOT_SCHEMA))
    )


def fold_identities(snapshots: pl.DataFrame) -> pl.DataFrame:
    """Snapshots of one identity from several parts folded into one, as the store folds them:
    first and last sighting, messages summed, the source of the first; ordered by vessel,
    first sighting and message type."""
    ordered = snapshots.sort("mmsi", "timestamp", "first_source", "first_source_line")
    folded = ordered.group_by(list(IDENTITY_KEY), maintain_order=True).agg(
        pl.col("last_seen").max(),
        pl.col("messages").sum(),
        pl.col("first_source").first(),
        pl.col("first_source_line").first(),
        pl.col("timestamp").min(),
    )
    return folded.select(list(SNAPSHOT_SCHEMA)).sort(
        "mmsi", "timestamp", "msg_type", "first_source", "first_source_line", maintain_order=True
    )


def read_positions(lake: Path, mmsis: Iterable[int] | None = None) -> pl.DataFrame:
    """The lake's positions (of `mmsis` only when given), as `fold_positions` gives them."""
    frame = _scan(lake, POSITIONS, POSITION_SCHEMA)
    if mmsis is not None:
        frame = frame.filter(pl.col("mmsi").is_in(pl.Series(list(mmsis), dtype=pl.Int32).implode()))
    return fold_positions(frame.collect())


Part = tuple[int, str]
"""A Parquet part of a lake's table: its MMSI bucket and its path."""


def list_parts(lake: Path, table: str) -> list[Part]:
    """The parts of `table` (positions or identities) with their MMSI bucket, in path order:
    by day, bucket, source and index."""
    return [
        (int(path.parent.name.removeprefix("mmsi_bucket=")), str(path))
        for path in sorted((lake / table).glob("day=*/mmsi_bucket=*/*.parquet"))
    ]


def read_mmsi_range(
    parts: Sequence[Part], schema: dict[str, pl.DataType], first: int, last: int
) -> pl.DataFrame:
    """The rows of `parts` (`list_parts`) whose MMSI is from `first` to `last`, in part order
    (neither folded nor sorted). Only the parts of the buckets the range touches are opened, and
    in them only the row groups whose MMSI statistics overlap the range: a part's rows are
    sorted by MMSI (`write_part`), so a range in a busy bucket reads a slice of each part."""
    touched = range(first // MMSI_BUCKET_WIDTH, last // MMSI_BUCKET_WIDTH + 1)
    bounds = [("mmsi", ">=", first), ("mmsi", "<=", last)]
    frames = [
        _typed(pq.read_table(path, columns=list(schema), filters=bounds), schema)
        for bucket, path in parts
        if bucket in touched
    ]
    return pl.concat([pl.DataFrame(schema=schema), *frames])


def _typed(table: object, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def read_identities(lake: Path) -> pl.DataFrame:
    """The lake's identity snapshots (`fold_identities`)."""
    return fold_identities(_scan(lake, IDENTITIES, SNAPSHOT_SCHEMA).collect())


def read_manifest(lake: Path) -> Manifest:
    """The lake's manifest; `LakeError` when there is none or it is of another version."""
    path = lake / MANIFEST
    if not path.is_file():
        raise LakeError(f"{lake}: not a Balise position lake (no {MANIFEST})")
    data: dict[str, Any] = json.loads(path.read_text())
    if data.get("schema_version") != LAKE_SCHEMA_VERSION:
        raise LakeError(
            f"{lake}: lake schema version {data.get('schema_version')}, "
            f"this Balise reads version {LAKE_SCHEMA_VERSION}"
        )
    return Manifest(**data)


def write_manifest(lake: Path, sources: dict[str, str]) -> Manifest:
    """Measure the lake's extent and write its manifest, with `sources` added to those known."""
    known = read_manifest(lake).sources if (lake / MANIFEST).is_file() else {}
    extent = (
        _scan(lake, POSITIONS, POSITION_SCHEMA)
        .select(
            pl.len().alias("rows"),
            pl.col("timestamp").min().alias("first"),
            pl.col("timestamp").max().alias("last"),
        )
        .collect()
        .row(0, named=True)
    )
    days = sorted(p.name.removeprefix("day=") for p in (lake / POSITIONS).glob("day=*"))
    identities = _scan(lake, IDENTITIES, SNAPSHOT_SCHEMA).select(pl.len()).collect().item()
    quarantined = sum(
        pl.scan_parquet(part).select(pl.len()).collect().item()
        for part in (lake / QUARANTINE).glob("*.parquet")
    )
    manifest = Manifest(
        positions=int(extent["rows"]),
        identities=int(identities),
        quarantined=int(quarantined),
        first=_iso(extent["first"]),
        last=_iso(extent["last"]),
        days=days,
        sources={**known, **sources},
    )
    lake.mkdir(parents=True, exist_ok=True)
    (lake / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
