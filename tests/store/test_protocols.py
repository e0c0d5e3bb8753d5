"""Every store implementation satisfies the store protocols and behaves the same.

The `store` fixture is parametrised over the implementations (DuckDB only today): a second one
(docs/decisions/0006) joins by adding its factory to `stores.IMPLEMENTATIONS`, and these tests
run on it unchanged. mypy checks the static half: `DuckDBStore` must be assignable to every
protocol.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from balise.alerts import triage
from balise.alerts.store import AlertStore
from balise.model.batch import ReadBatch
from balise.model.box import Box
from balise.model.events import EVENT_SCHEMA, to_json
from balise.model.schema import IDENTITY_SCHEMA, conform
from balise.store.base import (
    AlertChanges,
    AlertFilter,
    AlertRepository,
    AlertSources,
    DerivedStore,
    EventFilter,
    EventKey,
    EventStore,
    FleetStore,
    IngestRecord,
    IngestStore,
    PortRecordStore,
    PositionStore,
    Store,
)
from balise.store.duckdb import DuckDBStore
from helpers import T0, track
from stores import IMPLEMENTATIONS

NOW = datetime(2024, 3, 5, tzinfo=UTC)


def as_store(store: Store) -> Store:
    """Typed to take the combined protocol: mypy checks each implementation passed to it."""
    return store


def test_duckdb_store_is_every_protocol() -> None:
    store = as_store(DuckDBStore(":memory:"))
    concerns: tuple[
        IngestStore,
        PositionStore,
        EventStore,
        DerivedStore,
        AlertRepository,
        FleetStore,
        PortRecordStore,
    ] = (store, store, store, store, store, store, store)
    cursor = as_store(store.cursor())
    assert cursor.generation == store.generation
    assert len(concerns) == 7
    cursor.close()
    store.close()


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    made = IMPLEMENTATIONS[request.param]()
    yield made
    made.close()


def event(name: str, hours: float, **fields: Any) -> dict[str, Any]:
    """An event row starting `hours` after T0 (an hour long), vessel 1 by default."""
    start = T0 + timedelta(hours=hours)
    return {
        "id": name, "type": "encounter", "start": start, "end": start + timedelta(hours=1),
        "lat": 5.0, "lon": 10.0, "mmsi": 1, "other_mmsi": 2, "confidence": 0.8, "score": None,
        "params": "{}", "evidence": to_json({"hours": hours}), "status": "active",
    } | fields  # fmt: skip


def save(store: Store, *rows: dict[str, Any]) -> None:
    store.save_events(pl.DataFrame(list(rows), schema=EVENT_SCHEMA), ["encounter", "ais_gap"])


def ids(frame: pl.DataFrame) -> list[str]:
    return [str(i) for i in frame["id"]]


def test_event_filter_query(store: Store) -> None:
    save(
        store,
        event("a", 0),
        event("b", 1, type="ais_gap", other_mmsi=None, confidence=0.3),
        event("c", 2, lon=179.5, mmsi=7, other_mmsi=1),
        event("d", 3, lat=40.0, score=0.9),
    )
    assert ids(store.find_events(EventFilter())) == ["d", "c", "b", "a"]
    assert ids(store.find_events(EventFilter(types=("ais_gap",)))) == ["b"]
    assert ids(store.find_events(EventFilter(mmsi=7))) == ["c"]
    assert ids(store.find_events(EventFilter(min_score=0.5))) == ["d", "c", "a"]
    assert ids(store.find_events(EventFilter(since=T0 + timedelta(hours=2.5)))) == ["d", "c"]
    assert ids(store.find_events(EventFilter(until=T0 + timedelta(hours=1)))) == ["a"]
    across = Box(170.0, 0.0, -170.0, 10.0)  # crosses the antimeridian
    assert ids(store.find_events(EventFilter(bbox=across))) == ["c"]
    areas = (Box(9.0, 4.0, 11.0, 6.0), Box(9.0, 39.0, 11.0, 41.0))
    assert ids(store.find_events(EventFilter(areas=areas))) == ["d", "b", "a"]
    after = EventKey(T0 + timedelta(hours=2), "c")
    assert ids(store.find_events(EventFilter(after=after), limit=1)) == ["b"]
    batches = list(store.iter_events(EventFilter(), batch_rows=3))
    assert [ids(b) for b in batches] == [["d", "c", "b"], ["a"]]


def test_retracted_events_keep_their_history(store: Store) -> None:
    save(store, event("a", 0), event("b", 1))
    save(store, event("a", 0, confidence=0.9))
    assert ids(store.find_events(EventFilter())) == ["a"]
    assert ids(store.find_events(EventFilter(statuses=("retracted",)))) == ["b"]
    gone = store.event("b")
    assert gone is not None
    assert gone["status"] == "retracted"
    assert store.event("nope") is None
    history = store.event_history("a")
    assert history["status"].to_list() == ["active", "revised"]
    assert set(EVENT_SCHEMA) | {"changed_at"} <= set(history.columns)


def test_detect_runs(store: Store) -> None:
    assert store.latest_detect_run() is None
    store.record_detect_run(3, "v|preset|x", "full", 10)
    run = store.latest_detect_run()
    assert run is not None
    assert (run.seq, run.fingerprint) == (3, "v|preset|x")
    assert store.last_detect_run() == (3, "v|preset|x")


def test_alert_tables_round_trip(store: Store) -> None:
    save(store, event("a", 0), event("b", 1, confidence=0.1))
    inbox = AlertStore(store)
    assert inbox.refresh(NOW).opened == 1
    assert ids(store.find_alerts(AlertFilter())) == ["a"]
    assert store.alert_counts(AlertFilter()).rows() == [("encounter", "open", 1)]
    marker = store.alert_marker()
    assert marker is not None
    assert marker.startswith(store.alert_sources_version())
    assert store.rederive_alerts(marker, lambda _: AlertChanges(), NOW) is None
    triage.suspend(inbox, "a", NOW + timedelta(days=1), "ana", now=NOW)
    assert store.find_alerts(AlertFilter(states=("suspended",)))["id"].to_list() == ["a"]
    assert store.expire_suspensions(NOW + timedelta(days=2), "balise") == 1
    found = store.alert("a")
    assert found is not None
    assert found["state"] == "open"
    assert found["event_status"] == "active"
    actions = store.alert_history("a").select("action", "who").rows()
    assert actions == [("opened", "balise"), ("suspend", "ana"), ("reopened", "balise")]
    assert store.alert("nope") is None


def test_transition_alert_refused_leaves_the_alert(store: Store) -> None:
    save(store, event("a", 0))
    AlertStore(store).refresh(NOW)
    seen: list[str | None] = []

    def refuse(state: str | None) -> None:
        seen.append(state)
        raise triage.TriageRefused("no")

    entry = {"alert_id": "a", "action": "dismiss", "state": "dismissed", "who": "x"}
    with pytest.raises(triage.TriageRefused):
        store.transition_alert("a", refuse, {"state": "dismissed"}, entry)
    with pytest.raises(triage.TriageRefused):
        store.transition_alert("missing", refuse, {"state": "dismissed"}, entry)
    assert seen == ["open", None]
    assert store.alert_history("a")["action"].to_list() == ["opened"]


def test_rederive_reads_the_sources(store: Store) -> None:
    save(store, event("a", 0))
    read: list[AlertSources] = []

    def derive(sources: AlertSources) -> AlertChanges:
        read.append(sources)
        return AlertChanges()

    assert store.rederive_alerts("m1", derive, NOW) == AlertChanges()
    assert store.alert_marker() == "m1"
    assert ids(read[0].events) == ["a"]
    assert "detected_at" in read[0].events.columns
    assert read[0].vessel_risk is None
    assert read[0].alerts.is_empty()


def identity(mmsi: int, name: str, when: datetime) -> pl.DataFrame:
    row = {"mmsi": mmsi, "timestamp": when, "msg_type": 5, "name": name, "imo": 9074729,
           "source": "test", "source_format": "nmea", "source_line": 1}  # fmt: skip
    return conform(pl.DataFrame([row]), IDENTITY_SCHEMA)


def test_fleet_and_vessel_queries(store: Store) -> None:
    store.start_ingest(IngestRecord("i", "test", "nmea", "running", 0, 100))
    positions = pl.concat([track(1, 1, knots=10), track(2, 2, lat=20.0)])
    names = pl.concat([identity(1, "Nuestra Señora", T0), identity(1, "SEA@@", T0.replace(day=2)),
                       identity(3, "ghost", T0)])  # fmt: skip
    before = store.generation
    store.store_batch("i", 0, ReadBatch(positions=positions, identities=names))
    assert store.generation > before
    fleet = store.fleet().sort("mmsi")
    assert fleet["mmsi"].to_list() == [1, 2, 3]
    first = fleet.row(0, named=True)
    assert (first["name"], first["name_key"]) == ("SEA@@", "SEA")
    assert sorted(first["names"].split("|")) == ["NUESTRA SENORA", "SEA"]
    assert first["time"] == T0 + timedelta(hours=1)
    assert fleet["lat"][2] is None
    assert store.has_positions(2)
    assert not store.has_positions(3)
    assert store.knows_vessel(3)
    assert not store.knows_vessel(4)
    drawn = store.track(2, T0, T0 + timedelta(hours=1), limit=5)
    assert drawn.columns == ["timestamp", "lat", "lon", "sog_knots", "cog_deg"]
    assert drawn["timestamp"].to_list() == [T0 + timedelta(minutes=m) for m in (50, 52, 54, 56, 58)]
