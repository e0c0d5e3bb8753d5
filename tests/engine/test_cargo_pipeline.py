"""The cargo stage over a workspace: hand-built Track & Trace events, releases and gate
transactions ingested through the readers, the pipeline stores container events about the boxes,
a second run changes nothing, and a workspace without cargo records runs no cargo stage."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import polars as pl
import pytest

from balise.alerts.rules import alert_rules
from balise.cargo.params import cargo_params
from balise.cli.main import run
from balise.engine.assess import assess_workspace, reassess_vessels
from balise.engine.cargo import TRACK_COLUMNS, TRACK_PAD, gather, run_cargo_live
from balise.engine.detect import Geography
from balise.engine.pipeline import run_pipeline
from balise.geo.zones import Zone
from balise.store.base import EventFilter, Store
from balise.workspace import Workspace

CLONED = "MSCU3546901"
"""Gated in at Rotterdam, then at Algeciras five hours later: two boxes under one number."""
COLLECTED = "TGHU3618303"
"""Collected at Le Havre by an unknown haulier, then again by the rightful one."""
QUIET = "CMAU9958653"
"""An ordinary box: gated in, loaded, nothing else."""

RELEASES = """release_id,container_number,terminal,bill_of_lading,issued_at,issued_to,\
authorised_haulier,valid_from,valid_until,customs_status,customs_status_at
RL1,TGHU3618303,FRLEH-TDF,BL1,2024-03-01T08:00:00Z,Tropic Flowers BV,Van Dijk Transport,\
2024-03-01T08:00:00Z,2024-03-08T08:00:00Z,released,2024-03-01T12:00:00Z
RL2,CMAU9958653,FRLEH-TDF,BL2,2024-03-01T08:00:00Z,Tropic Flowers BV,Van Dijk Transport,\
2024-03-01T08:00:00Z,2024-03-08T08:00:00Z,released,2024-03-01T12:00:00Z
"""
GATE = """gate_tx_id,container_number,terminal,time,direction,haulier,truck_plate,release_id,\
result
G1,TGHU3618303,FRLEH-TDF,2024-03-02T14:00:00Z,out,Express Fret Services,AA-111-AA,RL1,accepted
G2,TGHU3618303,FRLEH-TDF,2024-03-03T09:00:00Z,out,Van Dijk Transport,BB-222-BB,RL1,accepted
G3,CMAU9958653,FRLEH-TDF,2024-03-03T10:00:00Z,out,Van Dijk Transport,CC-333-CC,RL2,accepted
"""
PORTS = {
    "NLRTM": ("Rotterdam", 51.9044, 4.4424),
    "ESALG": ("Algeciras", 36.1411, -5.4381),
    "FRLEH": ("Le Havre", 49.4860, 0.1071),
}


def _event(n: int, box: str, code: str, port: str, time: str) -> dict[str, Any]:
    """One DCSA Track & Trace equipment event (as carriers publish them)."""
    name, lat, lon = PORTS[port]
    return {
        "eventID": f"00000000-0000-4000-8000-{n:012d}",
        "eventDateTime": time,
        "eventClassification": {"eventType": "EQUIPMENT", "equipmentEventType": code,
                                "eventClassifier": "ACTUAL"},
        "equipmentDetails": {"equipmentReference": box, "ISOEquipmentCode": "45G1",
                             "emptyIndicator": "LADEN"},
        "eventLocation": {"locationName": name, "UNLocationCode": port,
                          "facilityType": "PORT_TERMINAL",
                          "geoCoordinate": {"latitude": str(lat), "longitude": str(lon)}},
    }  # fmt: skip


def _records(folder: Path) -> dict[str, Path]:
    events = [
        _event(1, CLONED, "GATED_IN", "NLRTM", "2024-03-01T06:00:00Z"),
        _event(2, CLONED, "GATED_IN", "ESALG", "2024-03-01T11:00:00Z"),
        _event(3, COLLECTED, "DISCHARGED", "FRLEH", "2024-03-01T07:00:00Z"),
        _event(4, QUIET, "GATED_IN", "FRLEH", "2024-03-01T09:00:00Z"),
        _event(5, QUIET, "LOADED", "FRLEH", "2024-03-02T09:00:00Z"),
    ]
    paths = {"containers": folder / "container-events.jsonl", "releases": folder / "releases.csv",
             "gate": folder / "gate.csv"}  # fmt: skip
    paths["containers"].write_text("".join(json.dumps(e) + "\n" for e in events))
    paths["releases"].write_text(RELEASES)
    paths["gate"].write_text(GATE)
    return paths


def _no_geography(_: Path, zones: tuple[Zone, ...]) -> Geography:
    return Geography(zones=zones)


def _cargo_events(root: Path) -> list[dict[str, Any]]:
    store = Workspace(root).open_store()
    try:
        stored = store.events()
    finally:
        store.close()
    return sorted(
        stored.filter(pl.col("type").is_in(["container_clone", "release_fraud"])).to_dicts(),
        key=lambda e: e["id"],
    )


def test_the_stage_stores_container_events_once(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    for kind, path in _records(tmp_path).items():
        assert run(["--workspace", str(root), "ingest", kind, str(path)]) == 0
    workspace = Workspace(root)
    done = run_pipeline(workspace, workspace.settings(), geography=_no_geography)
    assert done.cargo is not None
    assert (done.cargo.container_events, done.cargo.releases) == (5, 2)
    assert done.cargo.changes.new == 2
    first = _cargo_events(root)
    assert {(e["type"], e["subject"]["kind"], e["subject"]["id"]) for e in first} == {
        ("container_clone", "container", CLONED),
        ("release_fraud", "container", COLLECTED),
    }
    fraud = next(e for e in first if e["type"] == "release_fraud")
    assert "second_pickup" in json.loads(fraud["evidence"])["indicators"]
    again = run_pipeline(workspace, workspace.settings(), geography=_no_geography)
    assert again.cargo is not None
    assert (again.cargo.changes.new, again.cargo.changes.revised) == (0, 0)
    assert again.cargo.changes.retracted == 0
    assert again.cargo.changes.unchanged == 2
    assert _cargo_events(root) == first


def test_a_workspace_without_cargo_records_runs_no_cargo_stage(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    workspace.open_store(create=True).close()
    done = run_pipeline(workspace, workspace.settings(), geography=_no_geography)
    assert done.cargo is None


class _ReadsTracks:
    """A store of two telemetry readings and no other cargo record, which counts the position
    reads."""

    def __init__(self, readings: pl.DataFrame) -> None:
        self.readings = readings
        self.reads: list[tuple[Any, ...]] = []

    def telemetry(self, containers: list[str] | None = None) -> pl.DataFrame:
        return self.readings

    def find_events(self, _: EventFilter) -> pl.DataFrame:
        return pl.DataFrame()

    def container_events(self, containers: list[str] | None = None) -> pl.DataFrame:
        return pl.DataFrame()

    def releases(self, _: list[str] | None = None) -> pl.DataFrame:
        return pl.DataFrame()

    def gate_transactions(self, _: list[str] | None = None) -> pl.DataFrame:
        return pl.DataFrame()

    def positions_of(
        self, mmsis: list[int], since: datetime, until: datetime, columns: tuple[str, ...]
    ) -> pl.DataFrame:
        self.reads.append((mmsis, since, until, columns))
        return pl.DataFrame({"mmsi": mmsis, "timestamp": [since], "lat": [1.0], "lon": [2.0]})


def test_a_vessels_track_is_read_once_for_every_leg_it_carried() -> None:
    """The box-off-vessel rule asks for a ship's track once per leg of each box it carried: the
    store is read once per ship, over the telemetry's span, for the columns the rule reads."""
    first, last = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 4, tzinfo=UTC)
    store = _ReadsTracks(pl.DataFrame({"container_number": ["A", "B"], "time": [last, first]}))
    positions = gather(cast(Store, store)).vessel_positions
    assert callable(positions)
    tracks = [positions(mmsi) for mmsi in (244000001, 244000002, 244000001, 244000001)]
    since, until = first - TRACK_PAD, last + TRACK_PAD
    assert store.reads == [
        ([244000001], since, until, TRACK_COLUMNS),
        ([244000002], since, until, TRACK_COLUMNS),
    ]
    assert tracks[0]["mmsi"].to_list() == tracks[2]["mmsi"].to_list() == [244000001]
    assert tracks[1]["mmsi"].to_list() == [244000002]


@pytest.mark.parametrize("kind", ["releases", "gate"])
def test_releases_alone_or_gate_moves_alone_find_nothing(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "ws"
    path = _records(tmp_path)[kind]
    assert run(["--workspace", str(root), "ingest", kind, str(path)]) == 0
    workspace = Workspace(root)
    done = run_pipeline(workspace, workspace.settings(), geography=_no_geography)
    assert done.cargo is not None  # records to read, but release fraud needs both
    assert done.cargo.changes.new == 0
    assert _cargo_events(root) == []


def test_a_live_batch_redetects_its_boxes_only(tmp_path: Path) -> None:
    """Live, the rules run over the boxes of the stored batch: a door opened at the terminal
    after discharge and before release is found at once, and the other boxes' events stay."""
    root = tmp_path / "ws"
    for kind, path in _records(tmp_path).items():
        assert run(["--workspace", str(root), "ingest", kind, str(path)]) == 0
    workspace = Workspace(root)
    run_pipeline(workspace, workspace.settings(), geography=_no_geography)
    lat, lon = PORTS["FRLEH"][1:]
    readings = [
        {"container_number": COLLECTED, "time": f"2024-03-01T09:{minute:02d}:00Z", "lat": lat,
         "lon": lon, "door_open": minute == 20, "light_lux": 400.0 if minute == 20 else 0.0}
        for minute in (0, 20, 40)
    ]  # fmt: skip
    telemetry = tmp_path / "telemetry.jsonl"
    telemetry.write_text("".join(json.dumps(r) + "\n" for r in readings))
    assert run(["--workspace", str(root), "ingest", "telemetry", str(telemetry)]) == 0
    settings = workspace.settings()
    store = workspace.open_store()
    try:
        batch = store.telemetry(COLLECTED)
        changes = run_cargo_live(store, cargo_params(settings.values), Geography(), batch,
                                 alert_rules(settings.values))  # fmt: skip
        events = store.events().filter(pl.col("type") != "port_visit")
    finally:
        store.close()
    assert changes.retracted == 0
    found = {(e["type"], e["subject"]["id"]) for e in events.to_dicts()}
    assert ("door_opened", COLLECTED) in found
    assert {("container_clone", CLONED), ("release_fraud", COLLECTED)} <= found


SHIP = 227000001
"""The ship that discharged COLLECTED at Le Havre (French MID: no flag reason)."""
AIS = """MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,\
Length,Width,Draft,Cargo,TransceiverClass
227000001,2024-03-01T06:00:00,49.4860,0.1071,0.0,0.0,511.0,CMA LIBRA,,FABC,70,5,300,40,12,70,A
227000001,2024-03-01T06:10:00,49.4860,0.1071,0.0,0.0,511.0,CMA LIBRA,,FABC,70,5,300,40,12,70,A
227000001,2024-03-03T10:00:00,49.4860,0.1071,0.0,0.0,511.0,CMA LIBRA,,FABC,70,5,300,40,12,70,A
"""


def _discharged_by_ship(events: Path) -> None:
    """Name SHIP as the vessel of the discharge of COLLECTED in the events file."""
    discharged = [json.loads(line) for line in events.read_text().splitlines()]
    discharged[2]["transportDetails"] = {"transportCall": {
        "modeOfTransport": "VESSEL",
        "vesselTransport": {"vesselMMSINumber": str(SHIP), "vesselName": "CMA LIBRA"}}}  # fmt: skip
    events.write_text("".join(json.dumps(e) + "\n" for e in discharged))


def test_the_vessel_risk_takes_in_the_boxes_it_discharged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, paths = tmp_path / "ws", _records(tmp_path)
    _discharged_by_ship(paths["containers"])
    (tmp_path / "ais.csv").write_text(AIS)
    assert run(["--workspace", str(root), "ingest", "ais", str(tmp_path / "ais.csv")]) == 0
    for kind, path in paths.items():
        assert run(["--workspace", str(root), "ingest", kind, str(path)]) == 0
    workspace = Workspace(root)
    run_pipeline(workspace, workspace.settings(), geography=_no_geography)
    store = workspace.open_store()
    try:
        risk = store.table("vessel_risk", SHIP)
        fraud = store.find_events(EventFilter(types=("release_fraud",)))
    finally:
        store.close()
    assert risk is not None
    assert risk.height == 1
    [cargo] = [r for r in json.loads(risk["reasons"][0]) if r["kind"] == "cargo"]
    assert cargo["containers"] == [COLLECTED]
    assert cargo["boxes"][0]["events"][0]["event_id"] == fraud["id"][0]
    assert 0 < cargo["contribution"] <= 0.3
    assert risk["score"][0] >= 100 * cargo["contribution"] - 0.01
    assert cargo["points"] > 0
    capsys.readouterr()
    assert run(["--workspace", str(root), "vessel", str(SHIP)]) == 0
    assert f"carried 1 container with cargo events: {COLLECTED} (release fraud" in (
        capsys.readouterr().out.replace("\n", " ")
    )


def test_a_live_batch_rescores_the_vessels_its_boxes_name(tmp_path: Path) -> None:
    """Live, the vessels named by a batch's boxes are scored again at once, and their rows are
    those a whole assessment gives; the other vessels' rows are left as they were."""
    root, paths = tmp_path / "ws", _records(tmp_path)
    _discharged_by_ship(paths["containers"])
    other = AIS.replace("227000001", "227000002").replace("CMA LIBRA", "CMA VIRGO")
    (tmp_path / "ais.csv").write_text(AIS + other.split("\n", 1)[1])
    assert run(["--workspace", str(root), "ingest", "ais", str(tmp_path / "ais.csv")]) == 0
    for kind in (k for k in paths if k != "gate"):
        assert run(["--workspace", str(root), "ingest", kind, str(paths[kind])]) == 0
    workspace = Workspace(root)
    settings = workspace.settings()
    run_pipeline(workspace, settings, geography=_no_geography)
    assert run(["--workspace", str(root), "ingest", "gate", str(paths["gate"])]) == 0
    store = workspace.open_store()
    try:
        before = store.table("vessel_risk")
        assert before is not None
        old = before.filter(pl.col("mmsi") == SHIP)
        assert "release fraud" not in old["reasons"][0]
        rescored: list[frozenset[int]] = []

        def reassess(mmsis: frozenset[int]) -> None:
            rescored.append(mmsis)
            reassess_vessels(store, root, mmsis, cargo_params(settings.values).risk)

        gate = store.gate_transactions()
        changes = run_cargo_live(store, cargo_params(settings.values), Geography(), gate,
                                 alert_rules(settings.values), reassess)  # fmt: skip
        live = store.table("vessel_risk")
        assess_workspace(store, root, cargo_params(settings.values).risk)
        whole = store.table("vessel_risk")
    finally:
        store.close()
    assert changes.new > 0
    assert rescored == [frozenset({SHIP})]
    assert live is not None
    assert whole is not None
    mine = live.filter(pl.col("mmsi") == SHIP)
    assert mine["score"][0] > old["score"][0]
    assert "release fraud" in mine["reasons"][0]
    columns = ["mmsi", "score", "band", "reasons"]
    assert (
        mine.select(columns).to_dicts()
        == whole.filter(pl.col("mmsi") == SHIP).select(columns).to_dicts()
    )
    assert live.filter(pl.col("mmsi") != SHIP).select(columns).sort("mmsi").to_dicts() == (
        before.filter(pl.col("mmsi") != SHIP).select(columns).sort("mmsi").to_dicts()
    )
