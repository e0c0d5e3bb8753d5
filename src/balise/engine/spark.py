"""The detectors on Apache Spark: the same pure cores as the local engine, over a position lake.

The local engine (`balise.engine.detect`) runs every detector on all vessels at once. Here the
work is cut the two ways the detectors allow, and each piece runs the same core functions:

1. **By vessel.** Vessels are dealt into `vessel_groups` groups by a hash of the MMSI; each group
   (its positions and identity reports, `cogroup(...).applyInArrow`) is segmented and run
   through `vessel_detectors`, which find on any set of whole vessels what they find on all
   (identity changes, which may join two MMSIs, run on the driver over every snapshot). The
   group also gives its shipping-lane counts (`lane_counts`, summed over groups: the coastal
   drops' lanes are measured on every vessel) and its tracks resampled onto the encounter grid.
2. **By place.** Encounter grid points are dealt into tiles of `tile_cells` × `tile_cells`
   neighbour-search cells per UTC day; a point near a tile's border is copied into the next
   tiles as a halo one cell wide (`neighbour_tiles`), and each tile finds the close pairs whose
   first point it owns (`close_pairs`), so a pair across a border is found once. The pairs are
   then gathered by pair of tracks and turned into encounters (`encounters_of_pairs`); the
   at-anchor filter reads the few positions it needs on the driver (`filter_encounters`).

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
    read_identities,
    read_manifest,
)
from balise.maritime.encounter_filters import filter_encounters
from balise.maritime.encounters import (
    CODE,
    PRESETS,
    close_pairs,
    encounters_of_pairs,
    neighbour_tiles,
    resample,
)
from balise.maritime.identity import detect_identity_changes
from balise.maritime.kernel import TRACK
from balise.maritime.lanes import lane_counts, lanes_of_counts
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
(4.3 M positions, bench/results/spark.md) ran out of the default 1 GB reading the cached groups."""


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
        # in local mode the driver's JVM is the executor: it holds the cached vessel groups' blobs
        # (one row a group) beside the tasks; its default 1 GB heap ran out on 4.3 M positions
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


def _of(table: pa.Table, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


World = tuple[Geography, DetectorParams]
"""What the stages share: the geography and the thresholds."""


def _vessel_stage(
    world: Shared[World], preset: str, plan: SparkPlan, lanes_wanted: bool
) -> Callable[[pa.Table, pa.Table], pa.Table]:
    """Stage 1, per vessel group: the events of the per-vessel detectors (but coastal drops),
    lane counts, the extent, the clean tracks (for coastal drops and the encounter filter) and
    the encounter grid points by tile."""
    encounter = PRESETS[preset]

    def run(positions: pa.Table, identities: pa.Table) -> pa.Table:
        geo, params = world.value
        own = fold_positions(_of(positions, POSITION_SCHEMA))
        ids = fold_identities(_of(identities, SNAPSHOT_SCHEMA))
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
        parts = [_rows("events", [0], [_blob(events)]), _rows("extent", [0], [_blob(extent)])]
        if lanes_wanted:
            types = ids.select("mmsi", "ship_type")
            counts = lane_counts(clean, params.coastal_drop, types)
            group = int(own["mmsi"][0]) if own.height else 0
            parts += [
                _rows("lanes", [0], [_blob(counts)]),
                _rows("tracks", [group], [_blob(clean)]),
                _rows("types", [group], [_blob(types)]),
            ]
        parts.append(_grid_rows(clean, encounter.max_distance_m, encounter, plan))
        return pa.concat_tables(parts)

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


def _coastal_stage(world: Shared[World], lanes: Shared[Any]) -> Callable[[pa.Table], pa.Table]:
    """The coastal drops of one vessel group, with the lanes of every vessel."""

    def run(rows: pa.Table) -> pa.Table:
        geo, params = world.value
        kinds = rows.column("kind").to_pylist()
        blobs = rows.column("data").to_pylist()
        clean = pl.concat([_frame(b) for k, b in zip(kinds, blobs, strict=True) if k == "tracks"])
        types = pl.concat([_frame(b) for k, b in zip(kinds, blobs, strict=True) if k == "types"])
        found = coastal_drops(clean, lambda: lanes.value, types, geo, params.coastal_drop)
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
    from pyspark.sql import functions

    params = params or DetectorParams()
    if plan is None:
        rows = read_manifest(lake).positions
        plan = SparkPlan.sized(rows, spark.sparkContext.defaultParallelism)
    encounter = PRESETS[preset]
    coastal = geo.shore_nm is not None and geo.anchorage_km is not None
    needs_tracks = coastal or geo.anchorage_km is not None
    dealt = functions.pmod(functions.xxhash64("mmsi"), functions.lit(plan.vessel_groups))
    labels = functions.array(*[functions.lit(v).cast("long") for v in _labels(spark, plan)])
    group = functions.element_at(labels, dealt.cast("int") + 1).alias("vessel_group")
    # each stage's tasks are its groups (one task per group or slot), whatever the session's
    # spark.sql.shuffle.partitions: a groupBy on a column the rows are partitioned by moves none
    positions = (
        spark.read.parquet(str(lake / POSITIONS))
        .select(group, *POSITION_SCHEMA)
        .repartition(plan.vessel_groups, "vessel_group")
    )
    identities = (
        spark.read.parquet(str(lake / IDENTITIES))
        .select(group, *SNAPSHOT_SCHEMA)
        .repartition(plan.vessel_groups, "vessel_group")
    )
    world = Shared(spark, (geo, params))
    stage = _vessel_stage(world, preset, plan, needs_tracks)

    def by_group(left: pa.Table, right: pa.Table) -> pa.Table:
        return stage(left.drop_columns(["vessel_group"]), right.drop_columns(["vessel_group"]))

    first = (
        positions.groupBy("vessel_group")
        .cogroup(identities.groupBy("vessel_group"))
        .applyInArrow(by_group, BLOB)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        frames = _collect(first.filter(first.kind == "events"))
        frames.append(_identity_changes(lake, frames, params))
        extent = pl.concat(_collect(first.filter(first.kind == "extent")))
        examined = int(extent["positions"].sum())
        vessels = int(extent["vessels"].sum())
        pairs = (
            first.filter(first.kind == "grid")
            .repartition(plan.pair_buckets, "key")
            .groupBy("key")
            .applyInArrow(_tile_stage(encounter.max_distance_m, plan), BLOB)
        )
        found = (
            pairs.repartition(plan.pair_buckets, "key")
            .groupBy("key")
            .applyInArrow(_pair_stage(world, preset), BLOB)
        )
        encounters = pl.concat([empty_events(), *_collect(found)])
        if coastal:
            lanes = Shared(spark, _lanes(first, extent, params))
            drops = (
                first.filter(first.kind.isin("tracks", "types"))
                .repartition(plan.vessel_groups, "key")
                .groupBy("key")
                .applyInArrow(_coastal_stage(world, lanes), BLOB)
            )
            frames += _collect(drops)
            lanes.release()
        if needs_tracks:
            encounters = _filtered(spark, first, encounters, geo, params)
        else:
            encounters = filter_encounters(
                encounters, pl.DataFrame(schema=POSITION_SCHEMA), geo.shore_nm, None,
                params.encounter_filter,
            )  # fmt: skip
    finally:
        first.unpersist()
        world.release()
    return pl.concat([empty_events(), *frames, as_events(encounters)]), examined, vessels


def _labels(spark: SparkSession, plan: SparkPlan) -> list[int]:
    """For each vessel group, the label Spark's hash partitioning into `vessel_groups`
    partitions sends to a partition of its own (partition = pmod(Murmur3 hash, n), as
    `functions.hash`): the groups' numbers 0..n-1 themselves collide (0 and 1 both land in
    partition 1 of 2), which would leave a slot idle and give another task two groups."""
    from pyspark.sql import functions

    n = plan.vessel_groups
    part = functions.pmod(functions.hash("id"), functions.lit(n)).alias("part")
    found = spark.range(0, 64 * n).select("id", part).groupBy("part").agg(functions.min("id"))
    first = {int(row[0]): int(row[1]) for row in found.collect()}
    return [first[g] for g in range(n)]


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


def _filtered(
    spark: SparkSession,
    first: DataFrame,
    encounters: pl.DataFrame,
    geo: Geography,
    params: DetectorParams,
) -> pl.DataFrame:
    """The encounters through `filter_encounters`, with the positions of their vessels during
    them gathered from the groups' tracks (only those: a few per encounter near a port)."""
    spans = pl.concat(
        [
            encounters.select(pl.col(side).alias("mmsi"), "start", "end")
            for side in ("mmsi", "other_mmsi")
        ]
    )
    wanted = spark.sparkContext.broadcast(_blob(spans))

    def needed(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        spans = _frame(wanted.value)
        for batch in batches:
            for data in batch.column("data").to_pylist():
                tracks = _frame(data)
                near = tracks.join(spans, on="mmsi").filter(
                    pl.col("timestamp").is_between(pl.col("start"), pl.col("end"))
                )
                rows = near.select(list(POSITION_SCHEMA)).unique(maintain_order=True)
                yield from _rows("positions", [0], [_blob(rows)]).to_batches()

    tracks = first.filter(first.kind == "tracks").mapInArrow(needed, BLOB)
    positions = pl.concat([pl.DataFrame(schema=POSITION_SCHEMA), *_collect(tracks)])
    positions = positions.sort("mmsi", "timestamp", maintain_order=True)
    return filter_encounters(
        encounters, positions, geo.shore_nm, geo.anchorage_km, params.encounter_filter
    )


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
