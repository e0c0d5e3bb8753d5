"""What runs after the batches a live listener stores: the AIS detectors, incrementally, then the
alert refresh, so an event completed by the last sentences received is soon in the inbox.

The same steps as `balise detect` (`balise.engine.pipeline`) for the sea: `detect` scoped by the
change log (only the vessels the batch touched), then `AlertStore.refresh` with the workspace's
rules. The slower workspace-wide stages of `balise detect` (coastal radar association, list
screening, ownership, insider look-ups, cargo, risk assessment: `run_stages`) run after a batch
at most once every `listen.pipeline_seconds` (five minutes by default), so a vessel's list
matches and risk, and so an alert's severity, follow live data at that pace without stopping
the server for `balise detect`.

`DetectionLoop` runs them on a thread of its own, woken by each stored batch: storing never waits
for detection, and a run covers every batch stored since the previous one (the change log), so
when data arrives faster than a run takes, runs cover more batches instead of falling behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from balise.alerts.rules import AlertRules, alert_rules
from balise.alerts.store import AlertStore, RefreshReport
from balise.engine.detect import DetectReport, Geography, default_geography, detect
from balise.engine.pipeline import Stages, run_stages
from balise.maritime.params import DetectorParams, detector_params
from balise.settings import Settings
from balise.store.base import Store
from balise.workspace import Workspace


@dataclass(frozen=True)
class LiveRun:
    """One run after a batch: the detection, the workspace-wide stages when they were due, and
    the alert refresh."""

    detection: DetectReport
    alerts: RefreshReport
    stages: Stages | None = None


Rest = Callable[[Store], Stages]
"""The workspace-wide stages of `balise detect` on a store (`run_stages` of a workspace)."""


class LiveDetection:
    """The detectors' geography, thresholds and alert rules of a workspace, built once; each call
    detects on what changed and refreshes the alerts, and once every `rest_seconds` runs `rest`
    (the workspace-wide stages) between the two. Calls are serialised (a lock), since two
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
    ) -> None:
        self.preset, self.geo, self.params, self.rules = preset, geo, params, rules
        self.rest, self.rest_seconds, self._clock = rest, rest_seconds, clock
        self._rested = clock()  # the first rest waits a whole period: a listener starts fast
        self._lock = threading.Lock()

    @classmethod
    def of(cls, workspace: Workspace, settings: Settings) -> LiveDetection:
        geo = default_geography(workspace.cache_dir, tuple(workspace.zones().zones))
        values = settings.values
        every = float(settings["listen.pipeline_seconds"])

        def rest(store: Store) -> Stages:
            return run_stages(store, workspace, settings, geo)

        return cls(str(settings["detect.preset"]), geo, detector_params(values),
                   alert_rules(values), rest if every > 0 else None, every)  # fmt: skip

    def __call__(self, store: Store) -> LiveRun:
        with self._lock:
            detection = detect(store, self.preset, self.geo, params=self.params)
            stages, failure = None, None
            if self.rest is not None and self._clock() - self._rested >= self.rest_seconds:
                self._rested = self._clock()  # a failing stage is tried again a period later
                try:
                    stages = self.rest(store)
                except Exception as err:  # the detection's alerts are refreshed all the same
                    failure = err
            refreshed = AlertStore(store).refresh(rules=self.rules)
        if failure is not None:
            raise failure
        return LiveRun(detection, refreshed, stages)


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
