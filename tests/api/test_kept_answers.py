"""Answers kept per data version: the same answer while the data is unchanged, a new one after
any write, and never one account's answer for another with other rights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from fastapi.testclient import TestClient

from api_clients import account_token, app_of
from balise.api.kept import KeptAnswers
from balise.model.events import EVENT_SCHEMA, event_id, to_json
from balise.store.duckdb import DuckDBStore
from balise.workspace import STORE_FILE

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _event(kind: str, mmsi: int, hour: int) -> dict[str, Any]:
    start = T0 + timedelta(hours=hour)
    return {
        "id": event_id(kind, mmsi, start.isoformat()), "type": kind, "start": start,
        "end": start + timedelta(hours=14), "lat": 10.0, "lon": -30.0, "mmsi": mmsi,
        "other_mmsi": None, "confidence": 0.9, "score": None, "params": "{}",
        "evidence": to_json({"likely_intentional": True}), "status": "active",
    }  # fmt: skip


EVENTS = [_event("ais_gap", 111, 0), _event("insider_lookup", 222, 1)]


def test_made_once_per_version() -> None:
    kept = KeptAnswers(size=2)
    made: list[str] = []

    def make(text: str) -> str:
        made.append(text)
        return text

    assert kept.get(1, "a", lambda: make("a1")) == "a1"
    assert kept.get(1, "a", lambda: make("a2")) == "a1"
    assert kept.get(2, "a", lambda: make("a3")) == "a3"  # the data changed
    assert kept.get(1, "a", lambda: make("a4")) == "a4"  # a request begun before: not kept
    assert kept.get(2, "a", lambda: make("a5")) == "a3"
    kept.get(2, "b", lambda: make("b"))
    kept.get(2, "c", lambda: make("c"))  # the least recently used ("a") is dropped
    assert kept.get(2, "a", lambda: make("a6")) == "a6"
    assert made == ["a1", "a3", "a4", "b", "c", "a6"]


def test_kept_pages_follow_rights_and_writes(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / STORE_FILE)
    store.save_events(pl.DataFrame(EVENTS, schema=EVENT_SCHEMA), ["ais_gap", "insider_lookup"])
    store.close()
    officer = {"Authorization": "Bearer " + account_token(
        tmp_path, "officer", ("security_officer", "analyst"), "customs")}  # fmt: skip
    analyst = {"Authorization": "Bearer " + account_token(
        tmp_path, "analyst", ("analyst",), "customs")}  # fmt: skip
    with TestClient(app_of(tmp_path)) as client:
        for _ in range(2):  # the second time from the kept answers
            seen = client.get("/api/v1/events", headers=officer).json()["items"]
            assert {e["type"] for e in seen} == {"ais_gap", "insider_lookup"}
            seen = client.get("/api/v1/events", headers=analyst).json()["items"]
            assert [e["type"] for e in seen] == ["ais_gap"]
        gap = EVENTS[0]["id"]
        before = client.get("/api/v1/alerts", headers=analyst).json()["items"]
        assert [(a["id"], a["state"]) for a in before] == [(gap, "open")]
        assert client.get("/api/v1/alerts/counts", headers=analyst).json()["total"] == 1
        done = client.post(f"/api/v1/alerts/{gap}/acknowledge", json={"note": "seen"},
                           headers=analyst)  # fmt: skip
        assert done.status_code == 200, done.text
        after = client.get("/api/v1/alerts", headers=analyst).json()["items"]
        assert [(a["id"], a["state"]) for a in after] == [(gap, "acknowledged")]
        counts = client.get("/api/v1/alerts/counts", headers=analyst).json()
        assert counts["by_state"] == {"acknowledged": 1}
