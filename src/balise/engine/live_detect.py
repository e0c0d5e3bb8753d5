"""What runs after the batches a live listener stores: the AIS detectors, incrementally, then the
alert refresh, so an event completed by the last sentences received is soon in the inbox.

The same steps as `balise detect` (`balise.engine.pipeline`) for the sea: `detect` scoped by the
change log (only the vessels the batch touched), then `AlertStore.refresh` with the workspace's
rules. The slower workspace-wide stages of `balise detect` (coastal radar association, list
screening, cargo, risk assessment) are left to it: run it on a schedule (a vessel's risk and so
an alert's severity follow at that pace).

`DetectionLoop` runs them on a thread of its own, woken by each stored batch: storing never waits
for detection, and a run covers every batch stored since the previous one (the change log), so
when data arrives faster than a run takes, runs cover more batches instead of falling behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from balise.alerts.rules import AlertRules, alert_rules
from balise.alerts.store import AlertStore, RefreshReport
from balise.engine.detect import DetectReport, Geography, default_geography, detect
from balise.maritime.params import DetectorParams, detector_params
from balise.settings import Settings
from balise.store.base import Store
from balise.workspace import Workspace


@dataclass(frozen=True)
class LiveRun:
    """One run after a batch: the detection and the alert refresh."""

    detection: DetectReport
    alerts: RefreshReport


class LiveDetection:
    """The detectors' geography, thresholds and alert rules of a workspace, built once; each call
    detects on what changed and refreshes the alerts. Calls are serialised (a lock), since two
    listeners of one process may finish a batch at the same time."""

    def __init__(
        self, preset: str, geo: Geography, params: DetectorParams, rules: AlertRules
    ) -> None:
        self.preset, self.geo, self.params, self.rules = preset, geo, params, rules
        self._lock = threading.Lock()

    @classmethod
    def of(cls, workspace: Workspace, settings: Settings) -> LiveDetection:
        geo = default_geography(workspace.cache_dir, tuple(workspace.zones().zones))
        values = settings.values
        return cls(str(settings["detect.preset"]), geo, detector_params(values),
                   alert_rules(values))  # fmt: skip

    def __call__(self, store: Store) -> LiveRun:
        with self._lock:
            detection = detect(store, self.preset, self.geo, params=self.params)
            refreshed = AlertStore(store).refresh(rules=self.rules)
        return LiveRun(detection, refreshed)


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
