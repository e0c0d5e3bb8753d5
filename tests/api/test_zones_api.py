"""Zones over HTTP: defaults and workspace zones, strict single edits, lenient import."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from balise.api.app import create_app
from balise.store.duckdb import DuckDBStore
from balise.workspace import STORE_FILE, Workspace
from helpers import TEST_HOSTS, problem

DEFAULTS = ["galicia-rias", "brittany-coast", "martinique-coast", "guadeloupe-coast"]


def zone(
    zone_id: str, west: float = -20.0, east: float = -19.0, **properties: Any
) -> dict[str, Any]:
    ring = [[west, 10.0], [east, 10.0], [east, 11.0], [west, 11.0], [west, 10.0]]
    return {"type": "Feature", "id": zone_id, "properties": {"name": zone_id, **properties},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


def client_for(root: Path) -> TestClient:
    """A client of the app serving the workspace `root`."""
    return TestClient(create_app(root, allowed_hosts=TEST_HOSTS))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    DuckDBStore(tmp_path / STORE_FILE).close()
    return tmp_path


@pytest.fixture
def client(root: Path) -> Iterator[TestClient]:
    with client_for(root) as test_client:
        yield test_client


def _ids(client: TestClient) -> list[tuple[str, str, bool]]:
    features = client.get("/api/v1/zones").json()["features"]
    return [(f["id"], f["properties"]["origin"], f["properties"]["overrides_default"])
            for f in features]  # fmt: skip


def test_lists_defaults_then_workspace_zones(client: TestClient) -> None:
    assert _ids(client) == [(z, "default", False) for z in DEFAULTS]
    created = client.post("/api/v1/zones", json=zone("tip-42", rules=[{"trigger": "entry"}]))
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/v1/zones/tip-42"
    assert _ids(client)[-1] == ("tip-42", "workspace", False)
    one = client.get("/api/v1/zones/tip-42").json()
    assert one["properties"]["rules"] == [{"trigger": "entry"}]


def test_edits_reach_the_file_detect_reads(client: TestClient, root: Path) -> None:
    client.post("/api/v1/zones", json=zone("tip-42"))
    replaced = client.put(
        "/api/v1/zones/tip-42", json=zone("tip-42", -21.0, -20.5, kind="protected")
    )
    assert replaced.status_code == 200
    override = client.put("/api/v1/zones/brittany-coast", json=zone("brittany-coast"))
    assert override.status_code == 201
    assert override.json()["properties"]["overrides_default"] is True
    stored = json.loads(Workspace(root).zones_path.read_text())
    assert [f["id"] for f in stored["features"]] == ["tip-42", "brittany-coast"]
    assert "origin" not in stored["features"][0]["properties"]
    zones = {z.id: z for z in Workspace(root).zones().zones}
    assert zones["tip-42"].kind == "protected"
    assert zones["brittany-coast"].geometry.bounds == (-20.0, 10.0, -19.0, 11.0)
    assert not list(root.glob(".zones-*"))  # no temporary file left behind


def test_delete_workspace_zone_but_not_a_default(client: TestClient) -> None:
    client.put("/api/v1/zones/galicia-rias", json=zone("galicia-rias"))
    assert client.delete("/api/v1/zones/galicia-rias").status_code == 204
    assert ("galicia-rias", "default", False) in _ids(client)  # the default is back
    body = problem(client.delete("/api/v1/zones/galicia-rias"), 409)
    assert "overridden" in body["detail"]
    problem(client.delete("/api/v1/zones/nowhere"), 404)
    problem(client.get("/api/v1/zones/nowhere"), 404)


def test_single_zones_are_validated_strictly(client: TestClient) -> None:
    unclosed = zone("bad")
    unclosed["geometry"]["coordinates"][0].pop()
    body = problem(client.post("/api/v1/zones", json=unclosed), 422)
    assert body["reason"] == "unclosed ring: its first and last positions differ"
    typo = zone("typo", rules=[{"trigger": "entry", "scor": 0.4}])
    assert "unknown rule key" in problem(client.post("/api/v1/zones", json=typo), 422)["reason"]
    problem(client.post("/api/v1/zones", json=zone("galicia-rias")), 409)
    problem(client.put("/api/v1/zones/one", json=zone("another")), 422)
    problem(client.post("/api/v1/zones", json=[1, 2]), 422)


def test_import_keeps_good_features_and_reports_bad_ones(client: TestClient) -> None:
    client.post("/api/v1/zones", json=zone("old"))
    features = [zone("old", -30.0, -29.0), {"type": "Feature", "id": "x", "geometry": None},
                zone("new-1"), zone("new-1")]  # fmt: skip
    result = client.post("/api/v1/zones/import",
                         json={"type": "FeatureCollection", "features": features})  # fmt: skip
    assert result.status_code == 200, result.text
    body = result.json()
    assert (body["accepted"], body["created"], body["replaced"]) == (
        ["old", "new-1"], ["new-1"], ["old"])  # fmt: skip
    assert [(p["index"], p["zone_id"]) for p in body["problems"]] == [(1, "x"), (3, "new-1")]
    assert body["problems"][0]["reason"] == "missing geometry"
    problem(client.post("/api/v1/zones/import", json={"type": "Feature"}), 422)


def test_hand_edited_bad_features_survive_writes(client: TestClient, root: Path) -> None:
    broken = {"type": "Feature", "id": "draft", "geometry": {"type": "Point"}}
    Workspace(root).zones_path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [broken]})
    )
    listed = client.get("/api/v1/zones").json()
    assert listed["problems"][0]["zone_id"] == "draft"
    client.post("/api/v1/zones", json=zone("tip-1"))
    stored = json.loads(Workspace(root).zones_path.read_text())["features"]
    assert stored[0] == broken
    Workspace(root).zones_path.write_text("{not json")
    assert problem(client.get("/api/v1/zones"), 409)["type"].endswith("zone-file-unreadable")
