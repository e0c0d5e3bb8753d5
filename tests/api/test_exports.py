"""Exports over HTTP: events as CSV (streamed), GeoJSON and KML; tracks as KML with gx:Track;
ZIP bundles with their README."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import polars as pl
import pytest
from fastapi.testclient import TestClient

from balise.api.app import create_app
from balise.cli.main import run
from balise.io.exports.kml import GX_NS, KML_NS
from balise.model.events import EVENT_SCHEMA, event_id, to_json
from balise.store.duckdb import DuckDBStore
from balise.workspace import STORE_FILE
from helpers import T0, TEST_HOSTS, problem, track

NS = {"kml": KML_NS, "gx": GX_NS}


def _event(kind: str, mmsi: int, hour: int, lon: float, confidence: float,
           other: int | None = None) -> dict[str, Any]:  # fmt: skip
    start = T0 + timedelta(hours=hour)
    return {
        "id": event_id(kind, mmsi, start.isoformat()), "type": kind, "start": start,
        "end": start + timedelta(hours=3), "lat": 10.0, "lon": lon, "mmsi": mmsi,
        "other_mmsi": other, "confidence": confidence, "score": None,
        "params": to_json({"min_hours": 2}), "evidence": to_json({"note": "a, \"quoted\" one"}),
        "status": "active",
    }  # fmt: skip


EVENTS = [
    _event("loitering", 222, 1, -30.0, 0.4),
    _event("encounter", 111, 2, 179.8, 0.7, other=222),
    _event("ais_gap", 111, 5, -179.9, 0.8),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    store = DuckDBStore(folder / STORE_FILE)
    # eastbound across the antimeridian at 12 kn: 179.5°E to about 179.6°W in 4 h
    crossing = track(111, 4, lat=10.0, lon=179.5, knots=12, every_s=1800, sog_knots=12.0)
    positions = pl.concat([crossing, track(222, 2, every_s=3600)])
    store._con.register("hand_made", positions.to_arrow())
    store._con.execute("INSERT INTO positions BY NAME SELECT * FROM hand_made")
    store._con.execute("INSERT INTO changes VALUES (7, 111, ?, ?)", [T0, T0])
    store.save_events(pl.DataFrame(EVENTS, schema=EVENT_SCHEMA), ["ais_gap", "encounter",
                                                                  "loitering"])  # fmt: skip
    store.record_detect_run(7, "0.1|skylight|ais_gap|abc", "full", positions.height)
    store.close()
    return folder


@pytest.fixture(scope="module")
def client(root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(root, allowed_hosts=TEST_HOSTS)) as test_client:
        yield test_client


def test_events_csv_is_streamed_newest_first(client: TestClient) -> None:
    with client.stream("GET", "/api/v1/exports/events.csv") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "content-length" not in response.headers  # streamed
        assert "attachment" in response.headers["content-disposition"]
        assert response.headers["x-balise-data-version"] == "7"
        text = "".join(response.iter_text())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == [e["id"] for e in reversed(EVENTS)]
    assert rows[0]["start"] == "2024-03-01T05:00:00Z"
    assert json.loads(rows[0]["evidence"]) == {"note": 'a, "quoted" one'}
    assert list(rows[0]) == list(EVENT_SCHEMA)


def test_events_csv_takes_the_events_filters(client: TestClient) -> None:
    def ids(**params: Any) -> list[str]:
        text = client.get("/api/v1/exports/events.csv", params=params).text
        return [r["id"] for r in csv.DictReader(io.StringIO(text))]

    assert ids(type="loitering") == [EVENTS[0]["id"]]
    assert ids(mmsi=222) == [EVENTS[1]["id"], EVENTS[0]["id"]]
    assert ids(min_score=0.5) == [EVENTS[2]["id"], EVENTS[1]["id"]]
    assert ids(bbox="179,0,-179,20") == [EVENTS[2]["id"], EVENTS[1]["id"]]  # across ±180
    assert ids(since="2024-03-01T06:00:00Z") == [EVENTS[2]["id"]]
    assert ids(type="port_visit") == []


def test_events_geojson_and_kml(client: TestClient) -> None:
    collection = client.get("/api/v1/exports/events.geojson", params={"mmsi": 111}).json()
    assert [f["id"] for f in collection["features"]] == [EVENTS[2]["id"], EVENTS[1]["id"]]
    assert collection["features"][1]["geometry"] == {"type": "Point", "coordinates": [179.8, 10.0]}
    assert collection["features"][1]["properties"]["params"] == {"min_hours": 2}
    response = client.get("/api/v1/exports/events.kml")
    assert response.headers["content-type"].startswith("application/vnd.google-earth.kml+xml")
    document = ElementTree.fromstring(response.content)
    assert document.tag == f"{{{KML_NS}}}kml"
    folders = document.findall("kml:Document/kml:Folder", NS)
    assert [f.findtext("kml:name", namespaces=NS) for f in folders] == [
        "ais_gap (1)", "encounter (1)", "loitering (1)"]  # fmt: skip
    placemark = folders[1].find("kml:Placemark", NS)
    assert placemark is not None
    assert placemark.findtext("kml:TimeSpan/kml:begin", namespaces=NS) == "2024-03-01T02:00:00Z"
    assert placemark.findtext("kml:Point/kml:coordinates", namespaces=NS) == "179.8,10.0"


def test_track_kml_drives_the_time_slider(client: TestClient) -> None:
    response = client.get("/api/v1/exports/vessels/111/track.kml")
    assert response.status_code == 200, response.text
    document = ElementTree.fromstring(response.content)
    tracks = document.findall(".//gx:MultiTrack/gx:Track", NS)
    assert len(tracks) == 2  # cut at the antimeridian
    whens = [w.text for t in tracks for w in t.findall("kml:when", NS)]
    coords = [c.text or "" for t in tracks for c in t.findall("gx:coord", NS)]
    assert len(whens) == len(coords) == 9 + 2  # 9 fixes and a seam vertex on each side
    assert whens[0] == "2024-03-01T00:00:00Z"
    lons = [float(c.split()[0]) for c in coords]
    assert all(-180 <= lon <= 180 for lon in lons)
    assert lons[len(tracks[0].findall("kml:when", NS)) - 1] == 180.0
    speeds = tracks[0].findall(".//gx:SimpleArrayData[@name='sog_knots']/gx:value", NS)
    assert speeds[0].text == "12.0"
    assert len(document.findall(".//kml:Folder/kml:Placemark", NS)) == 2  # its two events


def test_track_geojson_is_split_at_the_antimeridian(client: TestClient) -> None:
    response = client.get("/api/v1/exports/vessels/111/track.geojson",
                          params={"until": "2024-03-01T03:00:00Z"})  # fmt: skip
    feature = response.json()
    assert feature["geometry"]["type"] == "MultiLineString"
    assert feature["properties"]["positions"] == 6


def test_bundles_carry_a_readme(client: TestClient) -> None:
    response = client.get("/api/v1/exports/events.csv", params={"type": "encounter",
                                                                "bundle": "zip"})  # fmt: skip
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        names = bundle.namelist()
        assert names[1] == "README.txt"
        assert names[0].startswith("balise-events-")
        assert names[0].endswith(".csv")
        readme = bundle.read("README.txt").decode()
        rows = list(csv.DictReader(io.StringIO(bundle.read(names[0]).decode())))
    assert [r["id"] for r in rows] == [EVENTS[1]["id"]]
    for line in ("type: encounter", "change_sequence: 7", "detect_preset: skylight", "Rows: 1",
                 "risk, not proof"):  # fmt: skip
        assert line in readme
    track = client.get("/api/v1/exports/vessels/222/track.kml", params={"bundle": "zip"})
    with zipfile.ZipFile(io.BytesIO(track.content)) as bundle:
        assert "mmsi: 222" in bundle.read("README.txt").decode()
        kml_name = bundle.namelist()[0]
        ElementTree.fromstring(bundle.read(kml_name))


def test_errors_are_problems(client: TestClient) -> None:
    problem(client.get("/api/v1/exports/vessels/999/track.kml"), 404)
    problem(client.get("/api/v1/exports/events.csv", params={"bbox": "1,2,3"}), 422)
    problem(client.get("/api/v1/exports/events.csv", params={"bundle": "tar"}), 422)
    problem(client.get("/api/v1/exports/events.xlsx"), 422)
    problem(client.get("/api/v1/exports/events.csv", params={"zone": "nowhere"}), 422)
    late = datetime(2024, 3, 2, tzinfo=UTC).isoformat()
    backwards = {"since": late, "until": T0.isoformat()}
    problem(client.get("/api/v1/exports/events.kml", params=backwards), 422)


def test_exports_of_a_detected_world(api: TestClient) -> None:
    collection = api.get("/api/v1/exports/events.geojson").json()
    text = api.get("/api/v1/exports/events.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == [f["id"] for f in collection["features"]]
    assert rows
    mmsi = rows[0]["mmsi"]
    document = ElementTree.fromstring(api.get(f"/api/v1/exports/vessels/{mmsi}/track.kml").content)
    whens = document.findall(".//gx:Track/kml:when", NS)
    assert len(whens) == len(document.findall(".//gx:Track/gx:coord", NS)) > 1


def _cli(capsys: pytest.CaptureFixture[str], root: Path, fmt: str) -> str:
    capsys.readouterr()
    assert run(["--workspace", str(root), "events", "--format", fmt]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("which", ["hand_made", "detected_world"])
def test_cli_and_api_write_the_same_events(
    which: str, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    """`balise events --format geojson|csv` and the API's exports of every (not retracted) event
    are the same documents: one writer per format (`balise.io.exports`)."""
    root: Path = request.getfixturevalue("root" if which == "hand_made" else "world_root")
    http: TestClient = request.getfixturevalue("client" if which == "hand_made" else "api")
    from_api = http.get("/api/v1/exports/events.geojson").json()
    from_cli = json.loads(_cli(capsys, root, "geojson"))
    assert from_api["features"]
    assert from_cli == from_api
    feature = from_cli["features"][0]
    assert feature["properties"]["id"] == feature["id"]
    assert isinstance(feature["properties"]["evidence"], dict)
    assert feature["properties"]["start"].endswith("Z")
    assert _cli(capsys, root, "csv") == http.get("/api/v1/exports/events.csv").text
    lines = [json.loads(line) for line in _cli(capsys, root, "jsonl").splitlines()]
    assert [{k: v for k, v in line.items() if k not in ("lat", "lon")} for line in lines] == [
        f["properties"] for f in from_api["features"]
    ]
