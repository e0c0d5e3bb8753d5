"""Events in the store: insert, revise, retract, keep the history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from balise.model.events import EVENT_SCHEMA
from balise.store.base import EventFilter, RunScope
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


def test_events_filter_by_any_of_several_vessels_either_side() -> None:
    store = DuckDBStore(":memory:")
    met = {**_event("e", 5, "encounter"), "mmsi": 7, "other_mmsi": 227006760}
    store.save_events(_frame(_event("a", 2), {**_event("b", 2), "mmsi": 9}, met),
                      ["ais_gap", "encounter"])  # fmt: skip

    def ids(*mmsis: int) -> list[str]:
        return sorted(store.find_events(EventFilter(mmsis=mmsis))["id"].to_list())

    assert ids(227006760) == ["a", "e"]
    assert ids(7, 9) == ["b", "e"]
    assert ids() == []
    assert store.find_events(EventFilter()).height == 3


def test_events_filter_by_container_and_by_the_vessels_they_name() -> None:
    store = DuckDBStore(":memory:")

    def box_event(event_id: str, box: str, *ships: str) -> dict[str, Any]:
        related = [{"kind": "vessel", "id": s} for s in ships] + [{"kind": "company", "id": "NL-1"}]
        subject = {"kind": "container", "id": box}
        return _event(event_id, 2, "shell_game") | {"mmsi": None, "subject": subject,
                                                    "related": related}  # fmt: skip

    carried = [
        box_event("s1", "MSCU1234565", "636012345"),
        box_event("s2", "MSCU1234565", "209000001", "636012345"),
        box_event("s3", "TGHU0000008", "209000001"),
        box_event("s4", "TGHU0000008", "IMO?"),
    ]
    met = _event("m", 2, "encounter") | {"other_mmsi": 636012345}  # related, but no cargo event
    store.save_events(_frame(*carried, met), ["shell_game", "encounter"])

    def ids(where: EventFilter) -> list[str]:
        return sorted(store.find_events(where)["id"].to_list())

    assert ids(EventFilter(containers=("TGHU0000008",))) == ["s3", "s4"]
    assert ids(EventFilter(containers=("MSCU1234565", "TGHU0000008"))) == ["s1", "s2", "s3", "s4"]
    assert ids(EventFilter(containers=())) == []
    cargo = ("shell_game",)
    assert ids(EventFilter(types=cargo, related_vessels=(636012345,))) == ["s1", "s2"]
    assert ids(EventFilter(types=cargo, related_vessels=(209000001, 1))) == ["s2", "s3"]
    assert ids(EventFilter(related_vessels=(636012345,))) == ["m", "s1", "s2"]
    assert ids(EventFilter(related_vessels=())) == []


def test_a_scoped_run_retracts_only_inside_its_scope() -> None:
    store = DuckDBStore(":memory:")
    other = {**_event("c", 2), "mmsi": 1}
    early_meet = {**_event("e1", 2, "encounter"), "other_mmsi": 2}
    late_meet = {**_event("e2", 9, "encounter"), "start": DAY.replace(day=8), "other_mmsi": 2}
    types = ["ais_gap", "encounter"]
    store.save_events(_frame(_event("a", 2), other, early_meet, late_meet), types)
    scope = RunScope((227006760,), ("encounter",), DAY.replace(day=7), DAY.replace(day=10))
    changes = store.save_events(_frame(), types, scope)
    # the vessel's gap and its encounter inside the window go; the other vessel's gap and the
    # encounter outside the window were not re-examined and stay
    assert changes.retracted == 2
    assert sorted(store.events()["id"].to_list()) == ["c", "e1"]


def test_change_log_names_the_vessels_of_each_batch() -> None:
    from balise.model.batch import ReadBatch
    from balise.model.schema import POSITION_SCHEMA, conform
    from balise.store.base import IngestRecord

    store = DuckDBStore(":memory:")
    store.start_ingest(IngestRecord("i", "test", "nmea", "running", 0, 10))
    rows = {"mmsi": [5, 5, 6], "timestamp": [DAY, DAY.replace(day=3), DAY], "lat": [1.0] * 3,
            "lon": [2.0, 2.1, 3.0]}  # fmt: skip
    batch = ReadBatch(positions=conform(pl.DataFrame(rows), POSITION_SCHEMA))
    store.store_batch("i", 0, batch)
    seq = store.last_change()
    assert store.changes_since(0).rows() == [(5, DAY, DAY.replace(day=3)), (6, DAY, DAY)]
    store.store_batch("i", 1, batch)  # all duplicates: nothing changed
    assert store.last_change() == seq
    assert store.changes_since(seq).is_empty()


def test_events_are_stored_with_their_subjects() -> None:
    store = DuckDBStore(":memory:")
    meeting = _event("m", 2, "encounter") | {"other_mmsi": 636012345}
    box = {"kind": "container", "id": "MSCU1234565"}
    door = _event("d", 2, "door_opened") | {"mmsi": None, "subject": box, "related": []}
    store.save_events(_frame(_event("a", 2), meeting, door), ["ais_gap", "encounter"])
    found = {row["id"]: row for row in store.events().iter_rows(named=True)}
    assert found["a"]["subject"] == {"kind": "vessel", "id": "227006760"}
    assert found["a"]["related"] == []
    assert found["m"]["related"] == [{"kind": "vessel", "id": "636012345"}]
    assert found["d"]["subject"] == box


def test_a_store_made_before_subjects_gets_them_filled(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    store = DuckDBStore(path)
    store.save_events(_frame(_event("a", 2) | {"other_mmsi": 1}), ["ais_gap"])
    store.close()
    with duckdb.connect(str(path)) as con:  # as the first releases wrote it: no subject columns
        for table in ("events", "event_history"):
            con.execute(f"ALTER TABLE {table} DROP COLUMN subject")
            con.execute(f"ALTER TABLE {table} DROP COLUMN related")
    store = DuckDBStore(path)
    row = store.events().row(0, named=True)
    assert row["subject"] == {"kind": "vessel", "id": "227006760"}
    assert row["related"] == [{"kind": "vessel", "id": "1"}]
    again = store.save_events(_frame(_event("a", 2) | {"other_mmsi": 1}), ["ais_gap"])
    assert (again.new, again.revised, again.unchanged) == (0, 0, 1)
    store.close()
