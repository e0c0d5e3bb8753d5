"""`balise ingest radar|radar-sites|clearances` on a synthetic world, as a user runs them: the
world's sites, contacts and declarations stored whole, a second run storing nothing, ARPA
sentences made from the world's contacts read back to the same positions."""

from __future__ import annotations

import json
from functools import reduce
from operator import xor
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from balise.cli.main import run
from balise.geo.sphere import bearing_deg, distance_nm
from balise.sim.world import FILES, WorldSpec, build_world, write_world
from balise.workspace import Workspace


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    write_world(build_world(WorldSpec(seed=5, vessels=20, days=2)), folder)
    return folder


def balise(capsys: pytest.CaptureFixture[str], ws: Path, *args: str) -> dict[str, object]:
    code = run(["--workspace", str(ws), "ingest", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (summary,) = (json.loads(line) for line in out.splitlines())
    return summary  # type: ignore[no-any-return]


def test_the_worlds_radar_and_declarations(
    world: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    sites = balise(capsys, ws, "radar-sites", str(world / FILES["radars"]))
    contacts = balise(capsys, ws, "radar", str(world / FILES["radar"]))
    declared = balise(capsys, ws, "clearances", str(world / FILES["clearances"]))
    written = pl.read_csv(world / FILES["radar"])
    assert sites["stored"] == 11
    assert (contacts["format"], contacts["stored"]) == ("radar_csv", written.height)
    assert contacts["quarantined"] == declared["quarantined"] == {}
    assert balise(capsys, ws, "radar", str(world / FILES["radar"]))["status"] == "already_ingested"
    store = Workspace(ws).open_store()
    try:
        stored = store.radar_contacts()
        heights = store.radar_sites()["antenna_height_m"]
    finally:
        store.close()
    assert stored.select("lat", "lon", "sensor_id").sort(pl.all()).rows() == (
        written.select("lat", "lon", "sensor_id").sort(pl.all()).rows()
    )
    assert heights.is_between(50, 150).all()


def _sentence(body: str) -> str:
    return f"${body}*{reduce(xor, body.encode(), 0):02X}"


def test_ttm_sentences_of_the_worlds_contacts_read_back_to_their_positions(
    world: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = pl.read_csv(world / FILES["radars"])
    contacts = pl.read_csv(world / FILES["radar"]).head(50).join(sites, on="sensor_id")
    site = contacts.select("lat_right", "lon_right").to_numpy().T
    spot = contacts.select("lat", "lon").to_numpy().T
    distance = distance_nm(site[0], site[1], spot[0], spot[1])
    bearing = bearing_deg(site[0], site[1], spot[0], spot[1])
    lines = []
    for i, row in enumerate(contacts.iter_rows(named=True)):
        epoch = int(np.datetime64(row["time"].rstrip("Z"), "s").astype(np.int64))
        tag = f"s:{row['sensor_id']},c:{epoch}"
        clock = row["time"][11:19].replace(":", "")
        body = (f"RATTM,{i},{distance[i]:.4f},{bearing[i]:.3f},T,{row['speed_knots']},"
                f"{row['course_deg']},T,,,N,,T,,{clock}.00,A")  # fmt: skip
        lines.append(f"\\{tag}*{reduce(xor, tag.encode(), 0):02X}\\{_sentence(body)}")
    nmea = tmp_path / "arpa.nmea"
    nmea.write_text("\n".join(lines) + "\n")
    ws = tmp_path / "ws"
    balise(capsys, ws, "radar-sites", str(world / FILES["radars"]))
    summary = balise(capsys, ws, "radar", str(nmea))
    assert (summary["format"], summary["stored"]) == ("arpa_nmea", contacts.height)
    store = Workspace(ws).open_store()
    try:
        read = store.radar_contacts().sort("track_id")
    finally:
        store.close()
    back = read.with_columns(i=pl.col("track_id").str.split(":").list.last().cast(pl.Int64))
    back = back.sort("i")
    off_m = distance_nm(back["lat"], back["lon"], spot[0], spot[1]) * 1852
    assert float(off_m.max()) < 1.0  # 4 decimals of a nautical mile: 0.2 m
    assert back["position_error_m"].unique().to_list() == [50.0]


def test_the_radar_command_rejects_a_bad_date(tmp_path: Path, world: Path) -> None:
    code = run(["--workspace", str(tmp_path / "ws"), "ingest", "radar", "--date", "March",
                str(world / FILES["radar"])])  # fmt: skip
    assert code == 2
