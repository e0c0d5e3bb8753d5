"""The detectors on Apache Spark: the same pure cores as the local engine, over a position lake.

The local engine (`balise.engine.detect`) runs every detector on all vessels at once. Here the
work is cut the two ways the detectors allow, and each piece runs the same core functions:

1. **By vessel.** Vessels are dealt into `vessel_groups` groups of consecutive MMSIs, cut so
   that each holds about as many positions (`vessel_ranges`, from the positions per MMSI
   counted by Spark). Spark moves only each group's MMSI range: the group's Python worker reads
   its positions and identity snapshots from the lake's Parquet parts itself
   (`read_mmsi_range`: the parts of the MMSI buckets the range touches, the row groups of the
   range), segments them and runs them through `vessel_detectors`, which find on any set of
   whole vessels what they find on all (identity changes, which may join two MMSIs, run on the
   driver over every snapshot). The group also gives its shipping-lane counts (`lane_counts`,
   summed over groups: the coastal drops' lanes are measured on every vessel) and its tracks
   resampled onto the encounter grid.
2. **By place.** Encounter grid points are dealt into tiles of `tile_cells` × `tile_cells`
   neighbour-search cells per UTC day; a point near a tile's border is copied into the next
   tiles as a halo one cell wide (`neighbour_tiles`), and each tile finds the close pairs whose
   first point it owns (`close_pairs`), so a pair across a border is found once. The pairs are
   then gathered by pair of tracks and turned into encounters (`encounters_of_pairs`).
3. **By vessel again**, when the geography asks for it: each group reads and segments its
   positions again (tracks are not kept between stages: they are the lake's size) for the
   coastal drops, with the lanes of every vessel broadcast, and for the at-anchor filter, with
   the encounters near a port broadcast: each group gives the share of its vessels' positions at
   anchor during them (`anchored_shares`), a row per encounter and side, and the driver drops
   the encounters of two anchored ships (`without_anchored_together`). The driver receives
   events and those shares, never positions.

Rows between the stages are Arrow IPC blobs (one per group, tile or pair bucket): Spark moves
and shuffles them, the cores read them as Polars frames. The events are those of the local
engine, id for id (tests/spark). pyspark is the `spark` extra, imported here only.

What every task needs but the data (the geography: anchorages, ports, zones, the shore grid;
the thresholds) is not captured in the stages' functions, which Spark would ship and unpickle
with every task (the anchorage index alone pickles to about 58 MB): it is broadcast once
(`Shared`), fetched once per executor and unpickled once per Python worker process, which
Spark keeps for the next tasks (`spark.python.worker.reuse`). The 200 MB shore-distance grid
is read by each worker process from its cache file (`ShoreDistance`), once.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa

from balise.engine.detect import (
    DETECTED_TYPES,
    DETECTOR_THREADS,
    DetectReport,
    Geography,
    clean_tracks,
    coastal_drops,
    fingerprint,
    vessel_detectors,
)
from balise.errors import BaliseError
from balise.io.lake import (
    IDENTITIES,
    POSITIONS,
    SNAPSHOT_SCHEMA,
    fold_identities,
    fold_positions,
    list_parts,
    read_identities,
    read_manifest,
    read_mmsi_range,
)
from balise.maritime.encounter_filters import (
    SHARES_SCHEMA,
    anchored_shares,
    near_port,
    off_the_quay,
    without_anchored_together,
)
from balise.maritime.encounters import (
    CODE,
    PRESETS,
    close_pairs,
    encounters_of_pairs,
    resample,
)
from balise.maritime.identity import detect_identity_changes
from balise.maritime.kernel import TRACK
from balise.maritime.lanes import lane_counts, lanes_of_counts
from balise.maritime.neighbours import neighbour_tiles
from balise.maritime.params import DetectorParams
from balise.maritime.segment import segment
from balise.model.events import as_events, empty_events
from balise.model.schema import POSITION_SCHEMA
from balise.store.base import Store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SPARK_HINT: Final = (
    "the Spark engine needs the spark extra and Java 17: pip install 'balise[spark]'"
)
DAY_US: Final = 86_400_000_000
TILE_CELLS: Final = 256
"""Encounter tiles are 256 × 256 neighbour-search cells (about 512 km at the default 2 km cells)
per UTC day: a national archive's waters are a few tiles a day, each a group of a few hundred
thousand grid points at most. On the 300-vessel bench world's day: 104 tiles, the halo (one cell
each side) adding 3.1 % of the grid points; 64-cell tiles made 538 tiles and 9.1 %, spending more
on per-tile work than they gained in spread."""
MMSI_LOWEST: Final = -(2**31)
MMSI_HIGHEST: Final = 2**31 - 1
"""The bounds of the lake's MMSI column (32-bit): the vessel groups' ranges cover them all."""
BLOB: Final = "kind string, key long, data binary"
"""Rows between stages: what the blob holds, the key it is shuffled on, Arrow IPC bytes."""


T = TypeVar("T")
SHARED_KEPT: Final = 8
"""Shared values a Python worker keeps unpickled (a run uses three; older runs' are dropped)."""
_unpickled: OrderedDict[int, Any] = OrderedDict()
_unpickled_lock = threading.Lock()


class Shared(Generic[T]):
    """A value every task of a run needs, sent once: a Spark broadcast of its cloudpickle bytes
    (fetched once per executor), unpickled once per Python worker process and kept there by the
    broadcast's id (`value`). Pickles as that id, so a stage's function that holds one stays a
    few hundred bytes. `release` frees the broadcast at the end of the run."""

    def __init__(self, spark: SparkSession, value: T) -> None:
        from pyspark import cloudpickle

        self._handle = spark.sparkContext.broadcast(cloudpickle.dumps(value))  # type: ignore[no-untyped-call]
        self._id: int = self._handle._jbroadcast.id()  # executors know the handle by this id
        _keep(self._id, value)  # the driver has it already

    @property
    def value(self) -> T:
        """The value, unpickled on first use in this process."""
        from pyspark import cloudpickle

        key = self._id
        with _unpickled_lock:
            if key in _unpickled:
                return _unpickled[key]  # type: ignore[no-any-return]
        value: T = cloudpickle.loads(self._handle.value)
        _keep(key, value)
        return value

    def release(self) -> None:
        """Forget the value here and in the executors."""
        with _unpickled_lock:
            _unpickled.pop(self._id, None)
        self._handle.unpersist()


def _keep(key: int, value: object) -> None:
    with _unpickled_lock:
        _unpickled[key] = value
        while len(_unpickled) > SHARED_KEPT:
            _unpickled.popitem(last=False)


class SparkMissing(BaliseError):
    """pyspark (the `spark` extra) is not installed."""


def require_pyspark() -> None:
    """Raise `SparkMissing` with the install hint when pyspark cannot be imported."""
    try:
        import pyspark.sql  # noqa: F401
    except ImportError as err:
        raise SparkMissing(SPARK_HINT) from err


LOCAL_DRIVER_MEMORY: Final = "4g"
"""Heap of the JVM of a `local` session (driver and executor at once): 1,000 vessels over 2 days
(4.3 M positions, bench/results/spark.md) ran out of the default 1 GB when the JVM cached every
group's positions; it holds none now (0.8 GB resident at its peak on the same lake), the margin
is kept for larger lakes' grid points and events."""


def spark_session(master: str = "local[2]", shuffle_partitions: int = 8) -> SparkSession:
    """A Spark session for the detectors (UTC times, Arrow on, no web UI). In local mode the
    Python workers run this interpreter (unless `PYSPARK_PYTHON` says otherwise), so that they
    import the same Balise; on a cluster the executors' Python must have it installed."""
    require_pyspark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    if master.startswith("local"):
        # read by the JVM when it starts the workers
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # a lake's folders listed by the driver: a Spark job per listing costs more on one machine
        builder = builder.config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
        # in local mode the driver's JVM is the executor: it caches the groups' grid points and
        # events beside the tasks and the shuffles
        builder = builder.config("spark.driver.memory", LOCAL_DRIVER_MEMORY)
    return (
        builder.master(master)
        .appName("balise-detect")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # a Python worker serves task after task: imports and shared values once per process
        .config("spark.python.worker.reuse", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )


GROUP_POSITIONS: Final = 2_000_000
"""Positions per vessel group at most when the plan is sized to the lake: a group's positions,
tracks and the detectors' frames take a few hundred bytes a position in its Python worker
(estimated at about 1.3 GB for 2 M from the local engine's 330 B a position, ×2 for the Arrow
copies: bench/results/detect_speed.md; not measured on Spark), and fewer, larger groups spend
less on per-group work (each group sorts, segments and runs every detector)."""


@dataclass(frozen=True)
class SparkPlan:
    """How the work is cut: vessel groups, encounter tiles, pair buckets."""

    vessel_groups: int = 8
    tile_cells: int = TILE_CELLS
    pair_buckets: int = 8

    @classmethod
    def sized(cls, positions: int, parallelism: int) -> SparkPlan:
        """A plan for `positions` on `parallelism` task slots: one vessel group per slot, more
        when a group would exceed `GROUP_POSITIONS` (rounded up to whole waves of tasks);
        one pair bucket per slot."""
        slots = max(1, parallelism)
        waves = -(-positions // (GROUP_POSITIONS * slots))
        return cls(vessel_groups=slots * max(1, waves), pair_buckets=slots)


def _blob(frame: pl.DataFrame) -> bytes:
    sink = io.BytesIO()
    frame.write_ipc(sink, compression="lz4")
    return sink.getvalue()


def _frame(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data))


def _rows(kind: str, keys: list[int], blobs: list[bytes]) -> pa.Table:
    return pa.table(
        {
            "kind": pa.array([kind] * len(keys), pa.string()),
            "key": pa.array(keys, pa.int64()),
            "data": pa.array(blobs, pa.binary()),
        }
    )


World = tuple[Geography, DetectorParams]
"""What the stages share: the geography and the thresholds."""


class LakeParts:
    """The lake's Parquet parts of positions and identity snapshots, listed once on the driver
    and broadcast (`Shared`): each vessel group reads its MMSI range from them."""

    def __init__(self, lake: Path) -> None:
        self.positions = list_parts(lake, POSITIONS)
        self.identities = list_parts(lake, IDENTITIES)

    def vessels(self, first: int, last: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The positions (`fold_positions`) and identity snapshots (`fold_identities`) of the
        vessels whose MMSI is from `first` to `last`."""
        positions = read_mmsi_range(self.positions, POSITION_SCHEMA, first, last)
        identities = read_mmsi_range(self.identities, SNAPSHOT_SCHEMA, first, last)
        return fold_positions(positions), fold_identities(identities)


def _vessel_stage(
    world: Shared[World], parts: Shared[LakeParts], preset: str, plan: SparkPlan, lanes: bool
) -> Callable[[int, int], pa.Table]:
    """Stage 1, per vessel group (its MMSIs from `first` to `last`): the events of the
    per-vessel detectors (but coastal drops), the extent, the lane counts (when `lanes`) and
    the encounter grid points by tile."""
    encounter = PRESETS[preset]

    def run(first: int, last: int) -> pa.Table:
        geo, params = world.value
        own, ids = parts.value.vessels(first, last)
        tracks = segment(own, params.segment).rechunk()
        clean = clean_tracks(tracks)
        with ThreadPoolExecutor(DETECTOR_THREADS) as pool:
            frames = vessel_detectors(pool, tracks, clean, ids, geo, params, None, False)
        events = pl.concat([as_events(f) for f in frames])
        # positions and vessels read (as the local report counts them); the time span of the
        # clean ones (as the lanes' rate per day of data counts it)
        extent = clean.select(
            pl.lit(own.height, pl.Int64).alias("positions"),
            pl.lit(own["mmsi"].n_unique(), pl.Int64).alias("vessels"),
            pl.col("timestamp").min().alias("first"),
            pl.col("timestamp").max().alias("last"),
        )
        rows = [_rows("events", [0], [_blob(events)]), _rows("extent", [0], [_blob(extent)])]
        if lanes:
            counts = lane_counts(clean, params.coastal_drop, ids.select("mmsi", "ship_type"))
            rows.append(_rows("lanes", [0], [_blob(counts)]))
        rows.append(_grid_rows(clean, encounter.max_distance_m, encounter, plan))
        return pa.concat_tables(rows)

    return run


def _second_stage(
    world: Shared[World],
    parts: Shared[LakeParts],
    lanes: Shared[Any] | None,
    near_port: Shared[pl.DataFrame],
) -> Callable[[int, int], pa.Table]:
    """Stage 3, per vessel group again: its tracks, segmented again, for the coastal drops with
    the `lanes` of every vessel (when given), and for the at-anchor shares of its vessels in the
    encounters `near_port` (`anchored_shares`: the positions during them, not sent anywhere)."""

    def run(first: int, last: int) -> pa.Table:
        geo, params = world.value
        own, ids = parts.value.vessels(first, last)
        clean = clean_tracks(segment(own, params.segment))
        rows = [_rows("events", [], [])]
        if lanes is not None:
            types = ids.select("mmsi", "ship_type")
            found = coastal_drops(clean, lambda: lanes.value, types, geo, params.coastal_drop)
            rows.append(_rows("events", [0], [_blob(as_events(found))]))
        candidates = near_port.value
        if not candidates.is_empty():
            positions = clean.select(list(POSITION_SCHEMA)).unique(maintain_order=True)
            shares = anchored_shares(candidates, positions)
            rows.append(_rows("shares", [0], [_blob(shares)]))
        return pa.concat_tables(rows)

    return run


def _each_group(
    stage: Callable[[int, int], pa.Table],
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """`stage` over the vessel groups of a partition (`_group_keys`: one a partition)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            firsts, lasts = batch.column("first").to_pylist(), batch.column("last").to_pylist()
            for first, last in zip(firsts, lasts, strict=True):
                yield from stage(first, last).to_batches()

    return run


def _grid_rows(
    clean: pl.DataFrame, max_distance_m: float, encounter: Any, plan: SparkPlan
) -> pa.Table:
    """The group's encounter grid points, one blob per tile (halo copies included), each point
    with its track's global code: the MMSI and the track's rank among the vessel's tracks."""
    grid = resample(clean, encounter.resample_minutes, encounter.max_interpolation_gap_hours)
    if grid.is_empty():
        return _rows("grid", [], [])
    rank = pl.col(TRACK).rank("dense").over("mmsi").cast(pl.Int64)
    grid = grid.with_columns((pl.col("mmsi").cast(pl.Int64) * (1 << 24) + rank).alias(CODE))
    point, tile, owned = neighbour_tiles(grid, max_distance_m, plan.tile_cells, DAY_US)
    copies = grid[point].with_columns(pl.Series("tile", tile), pl.Series("owned", owned))
    keys, blobs = [], []
    for (key,), rows in copies.group_by("tile"):
        keys.append(int(str(key)))
        blobs.append(_blob(rows.drop("tile")))
    return _rows("grid", keys, blobs)


def _tile_stage(max_distance_m: float, plan: SparkPlan) -> Callable[[pa.Table], pa.Table]:
    """Stage 2, per tile: the close pairs whose first point the tile owns, one blob per pair
    bucket (pairs of tracks dealt by their codes)."""

    def run(rows: pa.Table) -> pa.Table:
        grid = pl.concat([_frame(b) for b in rows.column("data").to_pylist()])
        owned = grid["owned"].to_numpy()
        pairs = close_pairs(grid, max_distance_m, owned)
        names = grid.select(CODE, TRACK).unique(CODE)
        pairs = pairs.join(names, on=CODE, how="left").join(
            names.rename({CODE: f"other_{CODE}", TRACK: f"other_{TRACK}"}),
            on=f"other_{CODE}",
            how="left",
        )
        bucket = (pl.col(CODE) * 31 + pl.col(f"other_{CODE}")) % plan.pair_buckets
        keys, blobs = [], []
        for (key,), part in pairs.with_columns(bucket.alias("_bucket")).group_by("_bucket"):
            keys.append(int(str(key)))
            blobs.append(_blob(part.drop("_bucket")))
        return _rows("pairs", keys, blobs)

    return run


def _pair_stage(world: Shared[World], preset: str) -> Callable[[pa.Table], pa.Table]:
    """Stage 3, per pair bucket: the encounters of the pairs' close points."""
    encounter = PRESETS[preset]

    def run(rows: pa.Table) -> pa.Table:
        geo = world.value[0]
        pairs = pl.concat([_frame(b) for b in rows.column("data").to_pylist()])
        names = pl.concat(
            [
                pairs.select(CODE, TRACK),
                pairs.select(
                    pl.col(f"other_{CODE}").alias(CODE), pl.col(f"other_{TRACK}").alias(TRACK)
                ),
            ]
        ).unique(CODE)
        codes = np.unique(names[CODE].to_numpy())
        dense = pairs.select(
            pl.Series(CODE, np.searchsorted(codes, pairs[CODE].to_numpy())),
            "mmsi", "t", "lat", "lon", "speed_knots",
            pl.Series(f"other_{CODE}", np.searchsorted(codes, pairs[f"other_{CODE}"].to_numpy())),
            "other_mmsi", "other_lat", "other_lon", "other_speed_knots", "distance_m",
        )  # fmt: skip
        names = names.with_columns(pl.Series(CODE, np.searchsorted(codes, names[CODE].to_numpy())))
        found = encounters_of_pairs(dense, names, encounter, geo.anchorage_km)
        return _rows("events", [0], [_blob(as_events(found))])

    return run


def _collect(frame: DataFrame) -> list[pl.DataFrame]:
    return [_frame(row["data"]) for row in frame.select("data").collect()]


def detect_lake(
    spark: SparkSession,
    lake: Path,
    preset: str,
    geo: Geography,
    params: DetectorParams | None = None,
    plan: SparkPlan | None = None,
) -> tuple[pl.DataFrame, int, int]:
    """Every event of `DETECTED_TYPES` in the position lake `lake`, found on `spark`, and the
    numbers of positions and vessels examined."""
    from pyspark import StorageLevel

    params = params or DetectorParams()
    lake = lake.absolute()  # the workers read it too
    if plan is None:
        rows = read_manifest(lake).positions
        plan = SparkPlan.sized(rows, spark.sparkContext.defaultParallelism)
    coastal = geo.shore_nm is not None and geo.anchorage_km is not None
    ranges = vessel_ranges(_positions_per_vessel(spark, lake), plan.vessel_groups)
    world, parts = Shared(spark, (geo, params)), Shared(spark, LakeParts(lake))
    stage = _vessel_stage(world, parts, preset, plan, coastal)
    first = (
        _group_keys(spark, ranges)
        .mapInArrow(_each_group(stage), BLOB)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    lanes: Shared[Any] | None = None
    try:
        frames = _collect(first.filter(first.kind == "events"))
        frames.append(_identity_changes(lake, frames, params))
        extent = pl.concat(_collect(first.filter(first.kind == "extent")))
        encounters = _encounters(first, world, preset, plan)
        kept = off_the_quay(encounters, geo.shore_nm, params.encounter_filter)
        near = near_port(kept, geo.anchorage_km, params.encounter_filter)
        if coastal:
            lanes = Shared(spark, _lanes(first, extent, params))
        if lanes is not None or not near.is_empty():
            found, shares = _second_pass(spark, ranges, world, parts, lanes, near)
            frames.append(found)
            kept = without_anchored_together(kept, shares, params.encounter_filter)
    finally:
        first.unpersist()
        for value in (world, parts, lanes):
            if value is not None:
                value.release()
    examined, vessels = int(extent["positions"].sum()), int(extent["vessels"].sum())
    return pl.concat([empty_events(), *frames, as_events(kept)]), examined, vessels


def _positions_per_vessel(spark: SparkSession, lake: Path) -> pl.DataFrame:
    """`mmsi`, `positions`: the lake's positions counted per vessel by Spark (reports heard
    twice counted twice: it is for balance only), a row per vessel to the driver."""
    counts = spark.read.parquet(str(lake / POSITIONS)).groupBy("mmsi").count()
    frame = pl.from_arrow(counts.toArrow())
    assert isinstance(frame, pl.DataFrame)
    return frame.select(pl.col("mmsi").cast(pl.Int64), pl.col("count").alias("positions"))


def vessel_ranges(counts: pl.DataFrame, groups: int) -> list[tuple[int, int]]:
    """At most `groups` ranges of consecutive MMSIs (first, last) that cover every MMSI, each
    starting at a vessel (`counts`: `mmsi`, `positions`) and holding about as many positions:
    a range starts at the first vessel with at least k / `groups` of all positions before it.
    Fewer when there are fewer vessels, or one vessel holds more than a group's share."""
    ordered = counts.sort("mmsi")
    sizes = ordered["positions"].to_numpy()
    before = np.cumsum(sizes) - sizes
    targets = np.arange(1, groups) * (sizes.sum() / groups)
    at = np.unique(np.searchsorted(before, targets, side="left"))
    starts = ordered["mmsi"].to_numpy()[at[(at > 0) & (at < len(sizes))]].tolist()
    return list(zip([MMSI_LOWEST, *starts], [s - 1 for s in starts] + [MMSI_HIGHEST], strict=True))


def _group_keys(spark: SparkSession, ranges: list[tuple[int, int]]) -> DataFrame:
    """A row per vessel group (`first`, `last` MMSI), each in a partition of its own: a task
    per group, whatever `spark.sql.shuffle.partitions` says."""
    rows = spark.sparkContext.parallelize(ranges, max(1, len(ranges)))
    return spark.createDataFrame(rows, "first long, last long")


def _encounters(
    first: DataFrame, world: Shared[World], preset: str, plan: SparkPlan
) -> pl.DataFrame:
    """The encounters of the groups' grid points, found by tile, then by pair bucket."""
    pairs = (
        first.filter(first.kind == "grid")
        .repartition(plan.pair_buckets, "key")
        .groupBy("key")
        .applyInArrow(_tile_stage(PRESETS[preset].max_distance_m, plan), BLOB)
    )
    found = (
        pairs.repartition(plan.pair_buckets, "key")
        .groupBy("key")
        .applyInArrow(_pair_stage(world, preset), BLOB)
    )
    return pl.concat([empty_events(), *_collect(found)])


def _second_pass(
    spark: SparkSession,
    ranges: list[tuple[int, int]],
    world: Shared[World],
    parts: Shared[LakeParts],
    lanes: Shared[Any] | None,
    near: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Stage 3 (`_second_stage`): the coastal drops and the at-anchor shares of the encounters
    `near` a port. Without coastal drops only the groups of those encounters' vessels run."""
    candidates = near.select("id", "mmsi", "other_mmsi", "start", "end")
    if lanes is None:
        vessels = pl.concat([candidates["mmsi"], candidates["other_mmsi"]]).to_numpy()
        ranges = [(lo, hi) for lo, hi in ranges if ((vessels >= lo) & (vessels <= hi)).any()]
    shared = Shared(spark, candidates)
    try:
        stage = _second_stage(world, parts, lanes, shared)
        done = _group_keys(spark, ranges).mapInArrow(_each_group(stage), BLOB)
        rows = done.select("kind", "data").collect()
    finally:
        shared.release()
    events = [_frame(row["data"]) for row in rows if row["kind"] == "events"]
    shares = [_frame(row["data"]) for row in rows if row["kind"] == "shares"]
    return (
        pl.concat([empty_events(), *events]),
        pl.concat([pl.DataFrame(schema=SHARES_SCHEMA), *shares]),
    )


def _identity_changes(
    lake: Path, frames: list[pl.DataFrame], params: DetectorParams
) -> pl.DataFrame:
    """Identity changes on the driver, over every vessel's identity snapshots (an IMO number
    under a new MMSI concerns two vessels, maybe in two groups): snapshots are few, a handful
    per vessel, and the shared MMSIs found per group explain some changes away."""
    events = pl.concat([empty_events(), *frames])
    shared = events.filter(pl.col("type") == "shared_mmsi")
    return as_events(detect_identity_changes(read_identities(lake), params.identity, shared))


def _lanes(first: DataFrame, extent: pl.DataFrame, params: DetectorParams) -> Any:
    """The shipping lanes of every vessel: the groups' counts summed by cell."""
    counts = pl.concat(_collect(first.filter(first.kind == "lanes")))
    cells = counts.group_by("cell").agg(pl.col("vessels").sum())
    first_seen, last_seen = extent["first"].min(), extent["last"].max()
    days = 1.0
    if isinstance(first_seen, datetime) and isinstance(last_seen, datetime):
        days = max(1.0, (last_seen - first_seen).total_seconds() / 86_400)
    return lanes_of_counts(cells, params.coastal_drop, days)


def spark_detector(lake: Path, master: str = "local[2]") -> Callable[..., DetectReport]:
    """A detector for `run_pipeline`: `detect_on_spark` on a session of `master`, through
    `lake` (pyspark is checked at once: a missing extra is a clear error, not a traceback)."""
    require_pyspark()

    def run(
        store: Store,
        preset: str,
        geo: Geography,
        *,
        full: bool = False,
        params: DetectorParams | None = None,
    ) -> DetectReport:
        spark = spark_session(master)
        try:
            return detect_on_spark(store, preset, geo, lake=lake, spark=spark, params=params)
        finally:
            spark.stop()

    return run


def detect_on_spark(
    store: Store,
    preset: str,
    geo: Geography,
    *,
    lake: Path,
    spark: SparkSession,
    params: DetectorParams | None = None,
    plan: SparkPlan | None = None,
) -> DetectReport:
    """`balise detect --engine spark`: export the workspace to `lake`, detect there on `spark`,
    save the events as a full local run would (every stored event of `DETECTED_TYPES` decided
    again: inserted, revised or retracted)."""
    from balise.engine.lake import export_lake

    started = time.perf_counter()
    seq, stamp = store.last_change(), fingerprint(preset, params)
    export_lake(store, lake)
    events, examined, vessels = detect_lake(spark, lake, preset, geo, params, plan)
    changes = store.save_events(events, list(DETECTED_TYPES))
    store.record_detect_run(seq, stamp, "full", examined)
    counts = dict(events.group_by("type").len().sort("type").iter_rows())
    return DetectReport(examined, time.perf_counter() - started, changes, counts, "full", vessels)
