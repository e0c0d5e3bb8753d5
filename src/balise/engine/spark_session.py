"""The Spark session, the install hint, the plan of the work and the values sent once to workers."""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from balise.engine.detect import Geography
from balise.errors import BaliseError
from balise.maritime.params import DetectorParams

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SPARK_HINT: Final = (
    "the Spark engine needs the spark extra and Java 17: pip install 'balise[spark]'"
)

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


TILE_CELLS: Final = 256
"""Encounter tiles are 256 × 256 neighbour-search cells (about 512 km at the default 2 km cells)
per UTC day: a national archive's waters are a few tiles a day, each a group of a few hundred
thousand grid points at most. On the 300-vessel bench world's day: 104 tiles, the halo (one cell
each side) adding 3.1 % of the grid points; 64-cell tiles made 538 tiles and 9.1 %, spending more
on per-tile work than they gained in spread."""
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


World = tuple[Geography, DetectorParams]
"""What the stages share: the geography and the thresholds."""
