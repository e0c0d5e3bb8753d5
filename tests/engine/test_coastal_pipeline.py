"""Coastal surveillance through the pipeline: a small world's radar sites and contacts and its
clearance declarations ingested, `balise detect` stores radar tracks paired with AIS and dark
targets about radar tracks; the API serves the sites' coverage and the pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from api_clients import signed_in
from balise.cli import detect as detect_cli
from balise.cli.main import run
from balise.engine.detect import Geography
from balise.workspace import Workspace


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("coastal")
    world, ws = folder / "world", ["--workspace", str(folder / "ws")]
    assert run(["sim", "atlantic", "--out", str(world), "--seed", "6", "--vessels", "40",
                "--days", "3"]) == 0  # fmt: skip
    assert run([*ws, "ingest", "ais", str(world / "ais.nmea")]) == 0
    assert run([*ws, "ingest", "radar-sites", str(world / "radars.csv")]) == 0
    assert run([*ws, "ingest", "radar", str(world / "radar-contacts.csv")]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_cli, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        assert run([*ws, "detect"]) == 0
    return folder / "ws"


def test_radar_tracks_are_paired_with_ais_and_the_rest_are_dark_targets(root: Path) -> None:
    store = Workspace(root).open_store()
    try:
        pairs = store.table("radar_associations")
        dark = store.events("dark_target")
        clearance = store.events("clearance_missing")
    finally:
        store.close()
    assert pairs is not None
    assert pairs.height > 10  # ships in the radars' range carry AIS
    assert (pairs["matched"] <= pairs["contacts"]).all()
    assert dark.height > 0
    assert {s["kind"] for s in dark["subject"]} == {"radar_track"}
    assert (dark["score"] >= 0.4).all()
    assert clearance.is_empty()  # no declaration stored: the check does not run


def test_the_api_serves_coverage_and_pairs(root: Path) -> None:
    with signed_in(root) as api:
        sites = api.get("/api/v1/radar/sites", params={"target_height_m": 1}).json()
        high = api.get("/api/v1/radar/sites", params={"target_height_m": 30}).json()
        pairs = api.get("/api/v1/radar/associations", params={"limit": 5}).json()
        dark = api.get("/api/v1/events", params={"type": "dark_target"}).json()["items"]
    assert len(sites["features"]) == 11
    low_reach = {f["id"]: f["properties"]["coverage_nm"] for f in sites["features"]}
    high_reach = {f["id"]: f["properties"]["coverage_nm"] for f in high["features"]}
    assert all(low_reach[k] <= high_reach[k] for k in low_reach)
    assert all(f["geometry"]["type"] == "Polygon" for f in sites["features"])
    assert len(pairs) == 5
    assert dark
    assert all(e["subject"]["kind"] == "radar_track" for e in dark)
