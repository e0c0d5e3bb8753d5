"""The workspace-wide stages of `balise detect` on a live listener's schedule
(`listen.pipeline_seconds`): after a batch, at most once a period, between the detection and
the alert refresh."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from balise.alerts.rules import alert_rules
from balise.cargo.params import cargo_params
from balise.engine.assess import reassess_vessels
from balise.engine.detect import Geography
from balise.engine.live_detect import DetectionLoop, LiveDetection, LiveRun
from balise.engine.pipeline import Stages, run_stages
from balise.maritime.params import detector_params
from balise.model.arrays import FloatArray
from balise.model.batch import ReadBatch
from balise.store.base import IngestRecord, Store
from balise.workspace import Workspace
from helpers import T0, track


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    Workspace(root).open_store(create=True).close()
    return Workspace(root)


def _live(
    workspace: Workspace, clock: Clock, runs: list[Stages], fail: bool = False
) -> LiveDetection:
    settings = workspace.settings()
    geo = Geography(zones=())

    def rest(store: Store) -> Stages:
        if fail:
            raise RuntimeError("a stage failed")
        runs.append(run_stages(store, workspace, settings, geo))
        return runs[-1]

    return LiveDetection("gfw", geo, detector_params({}), alert_rules({}), rest, 300.0, clock)


def test_the_stages_run_once_a_period_after_a_batch(workspace: Workspace) -> None:
    clock, runs = Clock(), list[Stages]()
    live = _live(workspace, clock, runs)
    store = workspace.open_store()
    try:
        assert live(store).stages is None  # a listener starts fast: the first waits a period
        clock.now = 299.0
        assert live(store).stages is None
        clock.now = 300.0
        done = live(store)
        assert done.stages is not None
        assert done.stages is runs[0]
        assert done.stages.assessment.scored == 0
        clock.now = 599.0
        assert live(store).stages is None
        clock.now = 600.0
        assert live(store).stages is runs[1]
    finally:
        store.close()


def test_a_failing_stage_is_said_and_tried_again_a_period_later(workspace: Workspace) -> None:
    clock, runs = Clock(), list[Stages]()
    live = _live(workspace, clock, runs, fail=True)
    store = workspace.open_store()
    try:
        clock.now = 300.0
        with pytest.raises(RuntimeError, match="a stage failed"):
            live(store)
        clock.now = 301.0
        assert live(store).stages is None  # not every batch: a period later
    finally:
        store.close()


def test_the_setting_zero_leaves_the_stages_to_balise_detect(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BALISE_LISTEN_PIPELINE_SECONDS", "0")
    monkeypatch.setattr("balise.engine.live_detect.default_geography",
                        lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
    assert LiveDetection.of(workspace, workspace.settings()).rest is None
    monkeypatch.setenv("BALISE_LISTEN_PIPELINE_SECONDS", "60")
    live = LiveDetection.of(workspace, workspace.settings())
    assert live.rest is not None
    assert live.rest_seconds == 60.0


def _feed(store: Store, tag: str, frame: pl.DataFrame) -> None:
    store.start_ingest(IngestRecord(tag, tag, "nmea", "running", 0, 0))
    store.store_batch(tag, 0, ReadBatch(positions=frame))
    store.finish_ingest(tag)


def test_the_risk_of_the_vessels_a_run_changed_follows_each_run(workspace: Workspace) -> None:
    """Between two periods of the stages, a run that changes events scores again the vessels it
    covered (as the assessment would), so the alerts' severity and the "high" band rule read
    the risk of their new events at once; a run that changes nothing scores nobody."""
    asked: list[list[int]] = []
    settings = workspace.settings()
    cargo_risk = cargo_params(settings.values).risk

    def rescore(store: Store, mmsis: Sequence[int]) -> int:
        asked.append(list(mmsis))
        return reassess_vessels(store, workspace.root, mmsis, cargo_risk)

    live = LiveDetection("gfw", Geography(zones=()), detector_params({}), alert_rules({}),
                         None, 0.0, rescore=rescore)  # fmt: skip
    store = workspace.open_store()
    try:
        _feed(store, "a", pl.concat([track(111000001, 3), track(222000002, 3, lat=20.0)]))
        first = live(store)  # the first run is a full one
        assert first.detection.mode == "full"
        assert asked == ([[111000001, 222000002]] if first.detection.changes.new else [])
        asked.clear()
        later = T0 + timedelta(hours=12)  # a 9-hour silence of one vessel: a gap
        _feed(store, "b", track(111000001, 2, start=later, lon=-29.0))
        done = live(store)
        assert done.detection.mode == "incremental"
        assert done.detection.changes.new >= 1
        assert asked == [[111000001]]
        assert done.rescored == 1
        risk = store.table("vessel_risk")
        assert risk is not None
        assert 111000001 in risk["mmsi"].to_list()
        again = live(store)  # nothing new: no run, nobody scored
        assert again.rescored == 0
        assert asked == [[111000001]]
    finally:
        store.close()


def test_the_detection_thread_loads_the_shore_grid_before_its_first_run(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The detection loop loads the distance-to-shore grid (built on first use: a minute in a new
    workspace) as its thread starts, before any batch wakes it: the first run after a batch does
    not build it while alerts wait, and the server and the listener do not wait for it."""
    asked: list[int] = []

    def shore(lat: FloatArray, lon: FloatArray) -> FloatArray:
        asked.append(len(lat))
        return np.full(len(lat), 50.0)

    geo = Geography(shore_nm=shore, zones=())
    monkeypatch.setattr("balise.engine.live_detect.default_geography", lambda *_: geo)
    live = LiveDetection.of(workspace, workspace.settings())
    assert asked == []  # building the detection does not load it
    runs: list[LiveRun] = []
    failures: list[Exception] = []
    store = workspace.open_store()
    try:
        with DetectionLoop(live, store, runs.append, failures.append):
            deadline = time.monotonic() + 30.0
            while not asked and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        store.close()
    assert failures == []
    assert asked[0] == 1
    assert live.geo.shore_nm is shore
    LiveDetection("gfw", Geography(zones=()), detector_params({}), alert_rules({})).warm()
