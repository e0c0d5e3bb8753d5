"""`POST /api/v1/telemetry` and `GET /api/v1/containers/{number}/telemetry`: readings checked
strictly (problem documents pointing at each bad field, nothing stored), stored once per
container and time, read back in time order; the policy's roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api_clients import signed_in
from balise.store.accounts import AuditQuery
from balise.workspace import Workspace

READING: dict[str, Any] = {"container_number": "CSQU3054383", "time": "2024-03-01T08:00:00Z",
                           "lat": 51.95, "lon": 4.05, "door_open": False}  # fmt: skip
URL = "/api/v1/telemetry"


def test_one_reading_or_a_list_is_stored_once_and_read_back(tmp_path: Path) -> None:
    with signed_in(tmp_path, roles=("analyst",)) as api:
        first = api.post(URL, json=READING)
        assert first.status_code == 200, first.text
        assert first.json() == {"received": 1, "stored": 1, "duplicates": 0}
        later = {**READING, "time": 1709280300, "door_open": True, "light_lux": 250}
        second = api.post(URL, json=[READING, later])
        assert second.json() == {"received": 2, "stored": 1, "duplicates": 1}
        read = api.get("/api/v1/containers/csqu 305438-3/telemetry")
        assert read.status_code == 200, read.text
        rows = read.json()
        assert [(r["time"], r["door_open"], r["light_lux"]) for r in rows] == [
            ("2024-03-01T08:00:00Z", False, None), ("2024-03-01T08:05:00Z", True, 250.0),
        ]  # fmt: skip
        since = api.get("/api/v1/containers/CSQU3054383/telemetry",
                        params={"since": "2024-03-01T08:01:00Z"})  # fmt: skip
        assert len(since.json()) == 1
        assert api.get("/api/v1/containers/MSKU9070323/telemetry").json() == []
    store = Workspace(tmp_path).open_store()
    try:
        entries = store.audit(AuditQuery(resource="telemetry"))
        assert entries.height == 2
    finally:
        store.close()


def _problem(api: Any, body: Any) -> dict[str, Any]:
    answer = api.post(URL, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = answer.json()
    assert problem["type"].endswith("invalid-parameters")
    return problem


def test_bad_readings_are_refused_field_by_field_and_nothing_is_stored(tmp_path: Path) -> None:
    with signed_in(tmp_path, roles=("admin",)) as api:
        bad = [
            READING,
            {**READING, "container_number": "CSQU3054384"},
            {**READING, "time": "yesterday", "lat": 0, "lon": 0},
            {**READING, "humidity": 140},
        ]
        problem = _problem(api, bad)
        pointers = {e["pointer"] for e in problem["errors"]}
        assert {"#/1/container_number", "#/2/time"} <= pointers
        assert any(p.startswith("#/3/humidity") for p in pointers)
        null_island = _problem(api, {**READING, "lat": 0, "lon": 0})
        assert [e["pointer"] for e in null_island["errors"]] == ["#/lat"]
        for body in ({**READING, "colour": "red"}, {**READING, "door_open": "yes"},
                     {"time": READING["time"]}, {**READING, "lat": "51.9"}, "text"):  # fmt: skip
            _problem(api, body)
        assert api.get("/api/v1/containers/CSQU3054383/telemetry").json() == []
        wrong = api.get("/api/v1/containers/CSQU3054384/telemetry")
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["name"] == "number"


def test_posting_takes_admin_or_analyst_and_reading_any_role(tmp_path: Path) -> None:
    with signed_in(tmp_path, "watch", roles=("watch_officer",)) as api:
        refused = api.post(URL, json=READING)
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("forbidden")
    with signed_in(tmp_path, "viewer", roles=("viewer",), agency="partner") as api:
        assert api.get("/api/v1/containers/CSQU3054383/telemetry").status_code == 200
