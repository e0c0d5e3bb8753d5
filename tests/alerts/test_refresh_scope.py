"""A refresh reads only the events of the vessels that changed since the last one, and changes
the inbox exactly as a refresh reading every event would: after each step of a story (events
revised, retracted, new; a port call after an encounter; risk that makes a vessel high band or
watchlisted; an analyst's dismissal), the workspace is copied, one copy refreshed as usual and
the other from every event, and their alerts and histories compared."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from balise.alerts import triage
from balise.alerts.store import AlertStore
from balise.model.events import EVENT_SCHEMA, event_id, to_json
from balise.store.base import AlertSources
from balise.store.duckdb import DuckDBStore

T0 = datetime(2024, 3, 1, tzinfo=UTC)
NOW = datetime(2024, 3, 5, tzinfo=UTC)
TYPES = ["encounter", "loitering", "port_visit"]


def event(kind: str, mmsi: int, hours: float, confidence: float, **more: Any) -> dict[str, Any]:
    start = T0 + timedelta(hours=hours)
    other = more.pop("other_mmsi", None)
    return {
        "id": event_id(kind, mmsi, start.isoformat()), "type": kind, "start": start,
        "end": start + timedelta(hours=3), "lat": 5.0, "lon": 3.0, "mmsi": mmsi,
        "other_mmsi": other, "confidence": confidence, "score": more.pop("score", None),
        "params": "{}", "evidence": to_json(more), "status": "active",
    }  # fmt: skip


def meeting(mmsi: int, other: int, hours: float, confidence: float) -> dict[str, Any]:
    return event("encounter", mmsi, hours, confidence, other_mmsi=other, duration_h=3.0)


def call(mmsi: int, hours: float) -> dict[str, Any]:
    return event("port_visit", mmsi, hours, 1.0, score=0.0, locode="ECGYE")


def risk(*rows: tuple[int, float, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"mmsi": m, "score": s, "band": b, "reasons": r, "computed_at": NOW}
         for m, s, b, r in rows],
        schema={"mmsi": pl.Int32, "score": pl.Float64, "band": pl.String, "reasons": pl.String,
                "computed_at": pl.Datetime("us", "UTC")},
    )  # fmt: skip


WATCHLISTED = json.dumps([{"kind": "watchlist", "weight": 40}], separators=(",", ":"))

Step = Callable[[DuckDBStore], object]


def save(*events: dict[str, Any]) -> Step:
    """One vessel-scoped detection run's complete events of `TYPES` for their vessels."""

    def run(store: DuckDBStore) -> None:
        store.save_events(pl.DataFrame(list(events), schema=EVENT_SCHEMA), TYPES)

    return run


SCOPED, WHOLE, NONE = "scoped", "whole", "none"
"""How a step's refresh reads the events: those of the vessels that changed, all, none (nothing
changed that the alerts are derived from)."""
STORY: list[tuple[str, Step, str]] = [
    ("first events", save(meeting(1, 2, 0, 0.7), event("loitering", 3, 5, 0.8), call(2, 4),
                          call(4, 30), meeting(7, 8, 40, 0.3), call(5, 53)), WHOLE),
    ("the encounter revised", save(meeting(1, 2, 0, 0.9), event("loitering", 3, 5, 0.8),
                                   call(2, 4), call(4, 30), meeting(7, 8, 40, 0.3),
                                   call(5, 53)), SCOPED),
    ("the loitering retracted", save(meeting(1, 2, 0, 0.9), call(2, 4), call(4, 30),
                                     meeting(7, 8, 40, 0.3), call(5, 53)), SCOPED),
    ("vessel 4 watchlisted, 7 high band",
     lambda store: store.save_table("vessel_risk", risk((4, 50.0, "medium", WATCHLISTED),
                                                        (7, 80.0, "high", "[]"))), WHOLE),
    ("vessel 7 back to low", lambda store: store.save_table(
        "vessel_risk", risk((4, 50.0, "medium", WATCHLISTED), (7, 10.0, "low", "[]"))), SCOPED),
    ("the encounter dismissed", lambda store: triage.dismiss(
        AlertStore(store), meeting(1, 2, 0, 0.9)["id"], "known_activity", "ana", now=NOW), NONE),
    # vessel 5's call, stored before, now follows an anomaly of which it is the other vessel
    ("a new encounter before vessel 5's call, the first weaker",
     save(meeting(1, 2, 0, 0.6), meeting(6, 5, 50, 0.9), call(2, 4), call(4, 30),
          meeting(7, 8, 40, 0.3), call(5, 53)), SCOPED),
    ("the first stronger again", save(meeting(1, 2, 0, 0.95), meeting(6, 5, 50, 0.9),
                                      call(2, 4), call(4, 30), meeting(7, 8, 40, 0.3),
                                      call(5, 53)), SCOPED),
]  # fmt: skip


def _inbox(store: DuckDBStore) -> tuple[pl.DataFrame, pl.DataFrame]:
    alerts = store._frame("SELECT * FROM alerts ORDER BY id")
    actions = store._frame("SELECT * EXCLUDE (seq) FROM alert_actions ORDER BY alert_id, seq")
    return alerts, actions


def _spied(store: DuckDBStore) -> list[list[int] | None]:
    """What `store`'s alert refreshes will read: the vessels (None: every event), per read."""
    read: list[list[int] | None] = []
    sources = store._alert_sources

    def spy(vessels: list[int] | None, risk: bool) -> AlertSources:
        read.append(vessels)
        return sources(vessels, risk)

    store._alert_sources = spy  # type: ignore[method-assign]
    return read


def test_a_refresh_of_the_vessels_that_changed_equals_one_of_every_event(tmp_path: Path) -> None:
    path, copy = tmp_path / "scoped.duckdb", tmp_path / "whole.duckdb"
    DuckDBStore(path).close()
    for name, step, expected in STORY:
        store = DuckDBStore(path)
        step(store)
        store.close()
        shutil.copy(path, copy)
        whole = DuckDBStore(copy)
        whole._con.execute("DELETE FROM alert_basis")  # no basis: every event is read
        AlertStore(whole).refresh(NOW)
        store = DuckDBStore(path)
        read = _spied(store)
        AlertStore(store).refresh(NOW)
        try:
            how = NONE if not read else WHOLE if read[0] is None else SCOPED
            assert how == expected, name
            for mine, theirs in zip(_inbox(store), _inbox(whole), strict=True):
                assert mine.equals(theirs), name
        finally:
            store.close()
            whole.close()
    store = DuckDBStore(path)
    try:
        alerts = AlertStore(store).alerts(limit=None)
        assert set(alerts["type"]) == {"encounter", "loitering", "port_visit"}
        assert call(5, 53)["id"] in alerts["id"].to_list()
    finally:
        store.close()


def test_a_refresh_after_one_vessel_changed_reads_its_events_only(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "balise.duckdb")
    try:
        save(meeting(1, 2, 0, 0.7), event("loitering", 3, 5, 0.8), call(4, 30))(store)
        AlertStore(store).refresh(NOW)
        store.save_events(pl.DataFrame([event("loitering", 3, 5, 0.9)], schema=EVENT_SCHEMA),
                          ["loitering"])  # fmt: skip
        sources = store._alert_sources(store._changed_vessels([]), risk=False)
        assert sources.events["mmsi"].to_list() == [3]
        assert sources.alerts["id"].to_list() == [event("loitering", 3, 5, 0.8)["id"]]
    finally:
        store.close()


@pytest.mark.parametrize("container", [True, False])
def test_changes_it_cannot_place_read_every_event(tmp_path: Path, container: bool) -> None:
    store = DuckDBStore(tmp_path / "balise.duckdb")
    try:
        save(meeting(1, 2, 0, 0.7), call(4, 30))(store)
        AlertStore(store).refresh(NOW)
        late = event("loitering", 3, 5, 0.8)
        if container:  # an event of no vessel
            late |= {"mmsi": None}
            store.save_events(pl.DataFrame([late], schema=EVENT_SCHEMA), ["loitering"])
        else:  # a change dated before the basis but written after it
            store.save_events(pl.DataFrame([late], schema=EVENT_SCHEMA), ["loitering"])
            store._con.execute("UPDATE event_history SET changed_at = ? WHERE id = ?",
                               [T0, late["id"]])  # fmt: skip
        assert store._changed_vessels([]) is None
    finally:
        store.close()
