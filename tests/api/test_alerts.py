"""The alert inbox over HTTP: listing, counters, triage, persistence, problems."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from api_clients import signed_in
from balise.model.events import EVENT_SCHEMA, event_id, to_json
from balise.store.duckdb import DuckDBStore
from balise.workspace import STORE_FILE
from helpers import problem

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _event(kind: str, mmsi: int, hour: int, confidence: float, **evidence: Any) -> dict[str, Any]:
    start = T0 + timedelta(hours=hour)
    return {
        "id": event_id(kind, mmsi, start.isoformat()), "type": kind, "start": start,
        "end": start + timedelta(hours=14), "lat": 10.0, "lon": -30.0, "mmsi": mmsi,
        "other_mmsi": None, "confidence": confidence, "score": None, "params": "{}",
        "evidence": to_json(evidence), "status": "active",
    }  # fmt: skip


EVENTS = [
    _event("ais_gap", 111, 0, 0.8, likely_intentional=True),
    _event("ais_gap", 222, 0, 0.3, likely_intentional=False),
    _event("encounter", 333, 5, 0.7),
    _event("loitering", 444, 7, 0.6),
    _event("loitering", 555, 9, 0.4),
]


def client_for(root: Path) -> TestClient:
    """A client of the app serving the workspace `root`."""
    return signed_in(root)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    store = DuckDBStore(tmp_path / STORE_FILE)
    store.save_events(pl.DataFrame(EVENTS, schema=EVENT_SCHEMA), ["ais_gap", "encounter",
                                                                  "loitering"])  # fmt: skip
    store.close()
    return tmp_path


@pytest.fixture
def client(root: Path) -> Iterator[TestClient]:
    with client_for(root) as test_client:
        yield test_client


def test_inbox_lists_alertable_events_most_severe_first(client: TestClient) -> None:
    body = client.get("/api/v1/alerts").json()
    ids = [item["id"] for item in body["items"]]
    # the naive gap (0.3 confidence, not intentional) is not an alert; the others are
    assert ids == [EVENTS[0]["id"], EVENTS[2]["id"], EVENTS[3]["id"], EVENTS[4]["id"]]
    assert [item["severity_label"] for item in body["items"]] == ["high", "high", "high", "medium"]
    assert body["next"] is None
    assert {item["state"] for item in body["items"]} == {"open"}
    assert body["items"][0]["evidence"] == {"likely_intentional": True}
    for item in body["items"]:
        assert item["subject"] == {"kind": "vessel", "id": str(item["mmsi"])}


def test_pages_follow_the_cursor_and_link_header(client: TestClient) -> None:
    first = client.get("/api/v1/alerts", params={"limit": 3})
    assert len(first.json()["items"]) == 3
    assert 'rel="next"' in first.headers["link"]
    second = client.get("/api/v1/alerts", params={"limit": 3, "cursor": first.json()["next"]})
    assert [i["id"] for i in second.json()["items"]] == [EVENTS[4]["id"]]
    assert second.json()["next"] is None
    assert "link" not in second.headers


def test_filters_and_counts(client: TestClient) -> None:
    only = client.get("/api/v1/alerts", params={"type": "loitering", "min_severity": "high"})
    assert [i["id"] for i in only.json()["items"]] == [EVENTS[3]["id"]]
    by_vessel = client.get("/api/v1/alerts", params={"mmsi": 333}).json()["items"]
    assert [i["type"] for i in by_vessel] == ["encounter"]
    client.post(f"/api/v1/alerts/{EVENTS[2]['id']}/acknowledge", json={"note": "seen"})
    counts = client.get("/api/v1/alerts/counts").json()
    assert counts == {
        "total": 4,
        "by_state": {"open": 3, "acknowledged": 1},
        "by_type": {"ais_gap": {"open": 1}, "encounter": {"acknowledged": 1},
                    "loitering": {"open": 2}},
    }  # fmt: skip
    opened = client.get("/api/v1/alerts", params={"state": "acknowledged"}).json()["items"]
    assert [i["id"] for i in opened] == [EVENTS[2]["id"]]


def test_triage_persists_with_its_history(root: Path) -> None:
    alert = EVENTS[0]["id"]
    until = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    with client_for(root) as first:
        first.get("/api/v1/alerts")
        body = {"until": until, "note": "patrol"}
        forged = {"X-Balise-User": "officer.b"}  # ignored: identity comes from the token
        done = first.post(f"/api/v1/alerts/{alert}/suspend", json=body, headers=forged)
        assert done.status_code == 200, done.text
        assert done.json()["state"] == "suspended"
    with client_for(root) as second:
        seen = second.get(f"/api/v1/alerts/{alert}").json()
    assert seen["state"] == "suspended"
    assert seen["updated_by"] == "tester"
    assert [(h["action"], h["who"], h["note"]) for h in seen["history"]] == [
        ("opened", "balise", None), ("suspend", "tester", "patrol")]  # fmt: skip
    store = DuckDBStore(root / STORE_FILE)
    try:
        assert store._rows("SELECT state FROM alerts WHERE id = ?", alert) == [("suspended",)]
    finally:
        store.close()


def test_dismiss_needs_a_known_reason_and_a_note_for_other(client: TestClient) -> None:
    alert = EVENTS[3]["id"]
    problem(client.post(f"/api/v1/alerts/{alert}/dismiss", json={"reason": "boring"}), 422)
    problem(client.post(f"/api/v1/alerts/{alert}/dismiss", json={"reason": "other"}), 422)
    done = client.post(
        f"/api/v1/alerts/{alert}/dismiss",
        json={"reason": "other", "note": "fishing season"},
    )
    assert done.json()["dismiss_reason"] == "other"
    assert done.json()["history"][-1]["who"] == "tester"
    forged = client.post(f"/api/v1/alerts/{alert}/reopen", json={"user": "someone.else"})
    assert problem(forged, 422)["errors"][0]["pointer"] == "#/user"
    again = problem(client.post(f"/api/v1/alerts/{alert}/dismiss",
                                 json={"reason": "duplicate"}), 409)  # fmt: skip
    assert "dismissed" in again["detail"]
    reopened = client.post(f"/api/v1/alerts/{alert}/reopen")
    assert reopened.json()["state"] == "open"
    assert reopened.json()["history"][-1]["who"] == "tester"


def test_errors_are_problems(client: TestClient) -> None:
    alert = EVENTS[0]["id"]
    problem(client.get("/api/v1/alerts/nope"), 404)
    problem(client.post("/api/v1/alerts/nope/acknowledge"), 404)
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    problem(client.post(f"/api/v1/alerts/{alert}/suspend", json={"until": past}), 422)
    naive = client.post(f"/api/v1/alerts/{alert}/suspend", json={"until": "2099-01-01T00:00:00"})
    problem(naive, 422)
    problem(client.post(f"/api/v1/alerts/{alert}/acknowledge", json={"who": "x"}), 422)
    problem(client.get("/api/v1/alerts", params={"cursor": "garbage!"}), 400)
    problem(client.get("/api/v1/alerts", params={"state": "closed"}), 422)
    assert client.post(f"/api/v1/alerts/{alert}/acknowledge").status_code == 200
    problem(client.post(f"/api/v1/alerts/{alert}/acknowledge"), 409)


def test_inbox_of_a_detected_world(api: TestClient) -> None:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 7}
    while True:
        page = api.get("/api/v1/alerts", params=params).json()
        items += page["items"]
        if page["next"] is None:
            break
        params["cursor"] = page["next"]
    counts = api.get("/api/v1/alerts/counts").json()
    assert counts["total"] == len(items) == len({i["id"] for i in items})
    assert items
    keys = [(-i["severity"], i["start"]) for i in items]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    for item in items[:3]:
        event = api.get(f"/api/v1/events/{item['id']}").json()
        assert (event["type"], event["mmsi"]) == (item["type"], item["mmsi"])


def test_the_inbox_exports_what_it_shows(client: TestClient) -> None:
    client.post(f"/api/v1/alerts/{EVENTS[3]['id']}/dismiss", json={"reason": "duplicate"})
    response = client.get("/api/v1/exports/alerts.csv", params={"state": "open"})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == [EVENTS[0]["id"], EVENTS[2]["id"], EVENTS[4]["id"]]
    assert rows[0]["severity_label"] == "high"
    collection = client.get("/api/v1/exports/alerts.geojson").json()
    states = {f["id"]: f["properties"]["state"] for f in collection["features"]}
    assert states[EVENTS[3]["id"]] == "dismissed"
    bundle = client.get("/api/v1/exports/alerts.kml", params={"bundle": "zip", "state": "open"})
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as files:
        assert "state: open" in files.read("README.txt").decode()


def test_concurrent_first_reads_open_each_alert_once(root: Path) -> None:
    with client_for(root) as client, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: client.get("/api/v1/alerts").status_code, range(16)))
        assert statuses == [200] * 16
        history = [client.get(f"/api/v1/alerts/{e['id']}").json()["history"] for e in EVENTS[2:]]
    assert [[h["action"] for h in entries] for entries in history] == [["opened"]] * 3


def test_a_suspension_ends_on_time_though_nothing_was_written(root: Path) -> None:
    alert = EVENTS[0]["id"]
    with client_for(root) as client:
        client.get("/api/v1/alerts")
        until = datetime.now(UTC) + timedelta(seconds=2)
        done = client.post(f"/api/v1/alerts/{alert}/suspend", json={"until": until.isoformat()})
        assert done.status_code == 200, done.text
        state = {i["id"]: i["state"] for i in client.get("/api/v1/alerts").json()["items"]}
        assert state[alert] == "suspended"  # the inbox now waits for `until` to look again
        while datetime.now(UTC) <= until:
            client.get("/api/v1/alerts/counts")
        state = {i["id"]: i["state"] for i in client.get("/api/v1/alerts").json()["items"]}
    assert state[alert] == "open"
