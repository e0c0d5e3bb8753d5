"""The processing pipeline after ingest, run the same way by `balise detect` and `balise demo`:
detect events from AIS, then from radar contacts and clearance declarations
(`balise.engine.coastal`), detect insider look-ups in the access records
(`balise.engine.insider`), detect container events in the cargo records (`balise.engine.cargo`),
screen vessels and manifest parties against the workspace's lists (`balise.engine.screening`),
find shell companies and risk through the ownership graph of the stored registries
(`balise.engine.ownership`),
assess risk (vessels, with the containers they carried and their list matches, voyages, tracking
to the next port), refresh the alerts.

Everything it depends on comes from the workspace and the resolved settings: the zones (the
workspace's `zones.geojson` over the defaults), the distance-to-shore cache, the watchlist, the
detection preset (`detect.preset`), every detector threshold (`detect.<detector>.<field>`) and
the alert rules (`alerts.<field>`).
So two commands over the same workspace and settings find the same events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from balise.alerts.rules import alert_rules
from balise.alerts.store import AlertStore
from balise.cargo.params import cargo_params
from balise.engine.assess import Assessment, assess_workspace
from balise.engine.cargo import CargoReport, run_cargo
from balise.engine.coastal import CoastalReport, run_coastal
from balise.engine.detect import DetectReport, Geography, default_geography, detect
from balise.engine.insider import run_insider
from balise.engine.ownership import OwnershipReport, run_ownership
from balise.engine.screening import ScreeningReport, run_screening
from balise.entities.params import screen_params
from balise.entities.shell_params import shell_params
from balise.geo.zones import Zone, ZoneProblem
from balise.maritime.params import detector_params
from balise.security.insider_params import insider_params
from balise.settings import Settings
from balise.store.base import EventChanges, Store
from balise.workspace import Workspace

Detector = Callable[..., DetectReport]
"""Runs the AIS detectors over a store and saves their events, as `detect` does (the Spark
engine's `spark_detector` is the other)."""
GeographyBuilder = Callable[[Path, tuple[Zone, ...]], Geography]
"""Builds the detectors' geography from a cache folder and the zones in force
(`default_geography`; tests pass a lighter one)."""


@dataclass(frozen=True)
class PipelineReport:
    """What a pipeline run did: the preset used, the detection run, the assessment, and the
    features of the workspace's zone file that were skipped."""

    preset: str
    detection: DetectReport
    assessment: Assessment
    zone_problems: tuple[ZoneProblem, ...]
    insider: EventChanges
    coastal: CoastalReport
    cargo: CargoReport | None = None
    """None when the workspace holds no container records."""
    screening: ScreeningReport | None = None
    """None when the workspace has no screening list."""
    ownership: OwnershipReport | None = None
    """None when the workspace holds no registry (`balise ingest registry`)."""


def run_pipeline(
    workspace: Workspace,
    settings: Settings,
    *,
    full: bool = False,
    preset: str | None = None,
    geography: GeographyBuilder = default_geography,
    detector: Detector = detect,
) -> PipelineReport:
    """Detect (incrementally unless `full`), assess and refresh the alerts of `workspace`.

    `preset` overrides the `detect.preset` setting; the detector thresholds are those of
    `settings`. A missing workspace is a `WorkspaceError`, an unreadable zone file an
    `InputRejected` (its bad features are only skipped and reported)."""
    chosen = preset or str(settings["detect.preset"])
    store = workspace.open_store()
    try:
        zones = workspace.zones()
        geo = geography(workspace.cache_dir, tuple(zones.zones))
        params = detector_params(settings.values)
        detection = detector(store, chosen, geo, full=full, params=params)
        stages = run_stages(store, workspace, settings, geo)
        AlertStore(store).refresh(rules=alert_rules(settings.values))
    finally:
        store.close()
    return PipelineReport(
        chosen,
        detection,
        stages.assessment,
        tuple(zones.problems),
        stages.insider,
        stages.coastal,
        stages.cargo,
        stages.screening,
        stages.ownership,
    )


@dataclass(frozen=True)
class Stages:
    """What the stages after the AIS detection did (`run_stages`)."""

    coastal: CoastalReport
    screening: ScreeningReport | None
    ownership: OwnershipReport | None
    insider: EventChanges
    cargo: CargoReport | None
    assessment: Assessment


def run_stages(store: Store, workspace: Workspace, settings: Settings, geo: Geography) -> Stages:
    """The workspace-wide stages after the AIS detection, in order, on an open store: radar and
    clearances, list screening and the ownership graph (before the assessment: a vessel on a
    list weighs in its risk), insider look-ups, cargo, the risk assessment. The alerts are left
    to refresh. A live listener runs them on a schedule (`listen.pipeline_seconds`)."""
    values = settings.values
    coastal = run_coastal(store, geo, detector_params(values))
    screening = run_screening(store, screen_params(values))
    ownership = run_ownership(store, shell_params(values), screen_params(values))
    insider = run_insider(store, insider_params(values))
    cargo_settings = cargo_params(values)
    cargo = run_cargo(store, cargo_settings, geo)
    assessment = assess_workspace(store, workspace.root, cargo_settings.risk)
    return Stages(coastal, screening, ownership, insider, cargo, assessment)
