"""Events in the store: insert, revise, retract, keep the history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl

from balise.model.events import EVENT_SCHEMA
from balise.store.duckdb import DuckDBStore

DAY = datetime(2024, 3, 1, tzinfo=UTC)


def _event(event_id: str, end_day: int, kind: str = "ais_gap") -> dict[str, Any]:
    return {
        "id": event_id, "type": kind, "start": DAY, "end": DAY.replace(day=end_day),
        "lat": 14.6, "lon": -61.1, "mmsi": 227006760, "other_mmsi": None, "confidence": 0.5,
        "score": 1.0, "params": "{}", "evidence": "{}", "status": "active",
    }  # fmt: skip


def _frame(*events: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(events), schema=EVENT_SCHEMA)


def test_a_rerun_changes_nothing() -> None:
    store = DuckDBStore(":memory:")
    first = store.save_events(_frame(_event("a", 2), _event("b", 2)), ["ais_gap"])
    again = store.save_events(_frame(_event("a", 2), _event("b", 2)), ["ais_gap"])
    assert (first.new, again.new, again.unchanged) == (2, 0, 2)
    assert store.events()["status"].to_list() == ["active", "active"]


def test_late_data_revises_and_retracts_with_history() -> None:
    store = DuckDBStore(":memory:")
    store.save_events(_frame(_event("a", 2), _event("b", 2)), ["ais_gap"])
    changes = store.save_events(_frame(_event("a", 3)), ["ais_gap"])
    assert (changes.revised, changes.retracted) == (1, 1)
    current = store.events()
    assert current["id"].to_list() == ["a"]
    assert current["status"].to_list() == ["revised"]
    assert current["end"].to_list() == [DAY.replace(day=3)]
    history = store._frame("SELECT id, status FROM event_history ORDER BY changed_at, id, status")
    assert history.rows() == [
        ("a", "active"),
        ("b", "active"),
        ("a", "revised"),
        ("b", "retracted"),
    ]


def test_other_types_are_left_alone() -> None:
    store = DuckDBStore(":memory:")
    store.save_events(_frame(_event("a", 2), _event("e", 2, "encounter")), ["ais_gap", "encounter"])
    changes = store.save_events(_frame(_event("a", 2)), ["ais_gap"])
    assert changes.retracted == 0
    assert sorted(store.events()["type"].to_list()) == ["ais_gap", "encounter"]


def test_events_filter_by_type_vessel_and_time() -> None:
    store = DuckDBStore(":memory:")
    store.save_events(_frame(_event("a", 2), _event("e", 5, "encounter")), ["ais_gap", "encounter"])
    assert store.events(kind="encounter")["id"].to_list() == ["e"]
    assert store.events(since=DAY.replace(day=4))["id"].to_list() == ["e"]
    assert store.events(mmsi=1).height == 0
