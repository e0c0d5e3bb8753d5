"""What runs after each batch a live listener stores: the AIS detectors, incrementally, then the
alert refresh, so an event completed by the last sentences received is in the inbox within a
batch's time.

The same steps as `balise detect` (`balise.engine.pipeline`) for the sea: `detect` scoped by the
change log (only the vessels the batch touched), then `AlertStore.refresh` with the workspace's
rules. The slower workspace-wide stages of `balise detect` (coastal radar association, list
screening, cargo, risk assessment) are left to it: run it on a schedule (a vessel's risk and so
an alert's severity follow at that pace).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

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
