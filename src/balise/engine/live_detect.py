"""What runs after the batches a live listener stores: the AIS detectors, incrementally, then the
alert refresh, so an event completed by the last sentences received is soon in the inbox.

The same steps as `balise detect` (`balise.engine.pipeline`) for the sea: `detect` scoped by the
change log (only the vessels the batch touched), then `AlertStore.refresh` with the workspace's
rules. The slower workspace-wide stages of `balise detect` (coastal radar association, list
screening, ownership, insider look-ups, cargo, risk assessment: `run_stages`) run after a batch
at most once every `listen.pipeline_seconds` (five minutes by default), so a vessel's list
matches follow live data at that pace without stopping the server for `balise detect`. The part
of them an alert reads at once, the risk of the vessels involved (an event of a vessel in the
"high" band is an alert whatever its strength, and the risk sets every alert's severity), is
brought up to date after every run that found new events or retracted some, for the vessels the
run covered and the other vessels of their encounters (`rescore`:
`balise.engine.assess.reassess_vessels`), so such an alert comes with the batch that completes
its event, not up to five minutes later. Runs that only revise events (an open port visit or
gap growing: nearly every run of a busy feed) leave the risk to the stages.

`DetectionLoop` runs them on a thread of its own, woken by each stored batch: storing never waits
for detection, and a run covers every batch stored since the previous one (the change log), so
when data arrives faster than a run takes, runs cover more batches instead of falling behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

import numpy as np
import polars as pl

from balise.alerts.rules import AlertRules, alert_rules
from balise.alerts.store import AlertStore, RefreshReport
from balise.cargo.params import cargo_params
from balise.engine.assess import reassess_vessels
from balise.engine.detect import DetectReport, Geography, default_geography, detect
from balise.engine.pipeline import Stages, run_stages
from balise.maritime.params import DetectorParams, detector_params
from balise.settings import Settings
from balise.store.base import EventFilter, Store
from balise.workspace import Workspace


@dataclass(frozen=True)
class LiveRun:
    """One run after a batch: the detection, the workspace-wide stages when they were due, and
    the alert refresh."""

    detection: DetectReport
    alerts: RefreshReport
    stages: Stages | None = None
    rescored: int = 0
    """Vessels whose risk was scored again after the detection (none when `stages` ran)."""
    seconds: float = 0.0
    """How long the whole run took (wall clock)."""


Rest = Callable[[Store], Stages]
"""The workspace-wide stages of `balise detect` on a store (`run_stages` of a workspace)."""
Rescore = Callable[[Store, Sequence[int]], int]
"""Scores the risk of some vessels again (`reassess_vessels` of a workspace); how many."""


class LiveDetection:
    """The detectors' geography, thresholds and alert rules of a workspace, built once; each call
    detects on what changed and refreshes the alerts, and once every `rest_seconds` runs `rest`
    (the workspace-wide stages) between the two, else `rescore` on the vessels the run covered
    when it found new events or retracted some. Calls are serialised (a lock), since two
    listeners of one process may finish a batch at the same time."""

    def __init__(
        self,
        preset: str,
        geo: Geography,
        params: DetectorParams,
        rules: AlertRules,
        rest: Rest | None = None,
        rest_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        rescore: Rescore | None = None,
    ) -> None:
        self.preset, self.geo, self.params, self.rules = preset, geo, params, rules
        self.rest, self.rest_seconds, self._clock = rest, rest_seconds, clock
        self.rescore = rescore
        self._rested = clock()  # the first rest waits a whole period: a listener starts fast
        self._lock = threading.Lock()

    @classmethod
    def of(cls, workspace: Workspace, settings: Settings) -> LiveDetection:
        geo = default_geography(workspace.cache_dir, tuple(workspace.zones().zones))
        values = settings.values
        every = float(settings["listen.pipeline_seconds"])

        def rest(store: Store) -> Stages:
            return run_stages(store, workspace, settings, geo)

        risk = cargo_params(values).risk

        def rescore(store: Store, mmsis: Sequence[int]) -> int:
            return reassess_vessels(store, workspace.root, mmsis, risk)

        return cls(str(settings["detect.preset"]), geo, detector_params(values),
                   alert_rules(values), rest if every > 0 else None, every,
                   rescore=rescore)  # fmt: skip

    def warm(self) -> None:
        """Build, or read from the workspace's cache, what the geography loads on first use:
        the distance-to-shore grid (about a minute to build in a new workspace, a second or two
        to read back). `DetectionLoop` does it on its thread as it starts, while the listener
        connects and stores: the first run does not build it while the first alerts wait."""
        if self.geo.shore_nm is not None:
            self.geo.shore_nm(np.zeros(1), np.zeros(1))

    def __call__(self, store: Store) -> LiveRun:
        with self._lock:
            started = time.perf_counter()
            detection = detect(store, self.preset, self.geo, params=self.params)
            stages, failure, rescored = None, None, 0
            if self.rest is not None and self._clock() - self._rested >= self.rest_seconds:
                self._rested = self._clock()  # a failing stage is tried again a period later
                try:
                    stages = self.rest(store)
                except Exception as err:  # the detection's alerts are refreshed all the same
                    failure = err
            changes = detection.changes
            if stages is None and self.rescore is not None and (changes.new or changes.retracted):
                rescored = self.rescore(store, _involved(store, detection))
            refreshed = AlertStore(store).refresh(rules=self.rules)
            seconds = time.perf_counter() - started
        if failure is not None:
            raise failure
        return LiveRun(detection, refreshed, stages, rescored, seconds)


def _involved(store: Store, detection: DetectReport) -> list[int]:
    """The vessels whose risk a run may have changed: those it covered (every vessel after a
    full run) and the other vessels of their stored two-vessel events."""
    if detection.mode != "incremental":
        return sorted(store.vessels()["mmsi"].to_list())
    covered = list(detection.mmsis)
    about = store.find_events(EventFilter(mmsis=tuple(covered)))
    pairs = about.filter(pl.col("other_mmsi").is_not_null())
    mine = pl.col("mmsi").is_in(covered)
    others = pairs.filter(mine)["other_mmsi"].to_list()
    others += pairs.filter(pl.col("other_mmsi").is_in(covered))["mmsi"].to_list()
    return sorted({*covered, *(int(m) for m in others if m is not None)})


class DetectionLoop:
    """`detection` on its own thread and store cursor, run again whenever `wake` was called
    since its last run began; `report` is told each run, `failed` each error (the loop goes
    on: the data is stored, the next run or `balise detect` covers it). Use as a context
    manager: leaving it runs once more for what was stored last, then stops."""

    def __init__(
        self,
        detection: LiveDetection,
        store: Store,
        report: Callable[[LiveRun], None],
        failed: Callable[[Exception], None],
    ) -> None:
        self.detection, self.store = detection, store
        self.report, self.failed = report, failed
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-detection", daemon=True)

    def wake(self, *_: object) -> None:
        self._wanted.set()

    def __enter__(self) -> DetectionLoop:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._wanted.set()
        self._thread.join()

    def _run(self) -> None:
        cursor = self.store.cursor()
        try:
            try:
                self.detection.warm()
            except Exception as err:  # the first run will build it, or say why it cannot
                self.failed(err)
            while True:
                self._wanted.wait()
                self._wanted.clear()
                self._once(cursor)
                if self._stopping.is_set() and not self._wanted.is_set():
                    return
        finally:
            cursor.close()

    def _once(self, cursor: Store) -> None:
        try:
            done = self.detection(cursor)
        except Exception as err:  # the data is stored: a failed run must not stop listening
            self.failed(err)
            return
        self.report(done)
