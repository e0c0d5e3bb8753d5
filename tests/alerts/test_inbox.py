"""The inbox in the store: refresh from events, suspension, dismissal, retraction, history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from balise.alerts import triage
from balise.alerts.rules import AlertRules
from balise.alerts.store import AlertFilter, AlertStore
from balise.errors import InputRejected
from balise.model.events import EVENT_SCHEMA, event_id, to_json
from balise.store.duckdb import DuckDBStore

T0 = datetime(2024, 3, 1, tzinfo=UTC)
NOW = datetime(2024, 3, 5, tzinfo=UTC)
TYPES = ["encounter", "loitering"]


def meeting(mmsi: int, hours: float = 3.0, confidence: float = 0.7) -> dict[str, Any]:
    return {
        "id": event_id("encounter", mmsi, T0.isoformat()), "type": "encounter", "start": T0,
        "end": T0 + timedelta(hours=hours), "lat": 5.0, "lon": 179.9, "mmsi": mmsi,
        "other_mmsi": mmsi + 1, "confidence": confidence, "score": None, "params": "{}",
        "evidence": to_json({"duration_h": hours}), "status": "active",
    }  # fmt: skip


@pytest.fixture
def store() -> Iterator[DuckDBStore]:
    memory = DuckDBStore(":memory:")
    yield memory
    memory.close()


def detect(store: DuckDBStore, *events: dict[str, Any]) -> None:
    """Save one detection run's complete events of `TYPES`."""
    store.save_events(pl.DataFrame(list(events), schema=EVENT_SCHEMA), TYPES)


def state(inbox: AlertStore, alert_id: str) -> str:
    found = inbox.alert(alert_id)
    assert found is not None
    return str(found["state"])


def actions(inbox: AlertStore, alert_id: str) -> list[tuple[str, str, str | None]]:
    history = inbox.history(alert_id)
    return list(history.select("action", "who", "reason").iter_rows())


def test_refresh_opens_alerts_once(store: DuckDBStore) -> None:
    detect(store, meeting(1), meeting(10, confidence=0.2))
    inbox = AlertStore(store)
    first = inbox.refresh(NOW)
    assert (first.rederived, first.opened) == (True, 1)
    again = inbox.refresh(NOW)
    assert (again.rederived, again.opened) == (False, 0)
    assert inbox.alerts()["id"].to_list() == [meeting(1)["id"]]
    assert actions(inbox, meeting(1)["id"]) == [("opened", "balise", "rule")]


def test_suspension_ends_with_its_time(store: DuckDBStore) -> None:
    detect(store, meeting(1))
    inbox = AlertStore(store)
    inbox.refresh(NOW)
    alert = meeting(1)["id"]
    until = NOW + timedelta(hours=6)
    triage.suspend(inbox, alert, until, "ana", "patrol on scene", now=NOW)
    assert inbox.refresh(NOW + timedelta(hours=5)).expired == 0
    assert state(inbox, alert) == "suspended"
    assert inbox.refresh(NOW + timedelta(hours=6)).expired == 1
    assert state(inbox, alert) == "open"
    last = inbox.history(alert).row(-1, named=True)
    assert (last["action"], last["reason"], last["acted_at"]) == (
        "reopened", "suspension_expired", until)  # fmt: skip


def test_suspension_ends_when_the_event_is_revised(store: DuckDBStore) -> None:
    detect(store, meeting(1))
    inbox = AlertStore(store)
    inbox.refresh(NOW)
    alert = meeting(1)["id"]
    triage.suspend(inbox, alert, NOW + timedelta(days=30), "ana", now=NOW)
    detect(store, meeting(1))  # the same data again: same fingerprint
    inbox.refresh(NOW)
    assert state(inbox, alert) == "suspended"
    detect(store, meeting(1, hours=5.0))  # late data: the meeting lasted longer
    assert inbox.refresh(NOW).reopened == 1
    assert state(inbox, alert) == "open"
    assert actions(inbox, alert)[-1] == ("reopened", "balise", "event_revised")


def test_dismissal_holds_unless_the_event_grows_stronger(store: DuckDBStore) -> None:
    detect(store, meeting(1))
    inbox = AlertStore(store)
    inbox.refresh(NOW)
    alert = meeting(1)["id"]
    triage.dismiss(inbox, alert, "known_activity", "ana", now=NOW)
    detect(store, meeting(1, hours=5.0))  # revised, same confidence
    inbox.refresh(NOW)
    assert state(inbox, alert) == "dismissed"
    assert actions(inbox, alert)[-1] == ("revised", "balise", "event_revised")
    detect(store, meeting(1, hours=5.0, confidence=0.9))
    assert inbox.refresh(NOW).reopened == 1
    assert state(inbox, alert) == "open"
    assert actions(inbox, alert)[-1] == ("reopened", "balise", "event_revised_stronger")


def test_retracted_event_retracts_its_alert_and_may_come_back(store: DuckDBStore) -> None:
    detect(store, meeting(1), meeting(20))
    inbox = AlertStore(store)
    inbox.refresh(NOW)
    alert = meeting(1)["id"]
    triage.acknowledge(inbox, alert, "ana", now=NOW)
    detect(store, meeting(20))
    assert inbox.refresh(NOW).retracted == 1
    assert state(inbox, alert) == "retracted"
    with pytest.raises(triage.TriageRefused):
        triage.dismiss(inbox, alert, "duplicate", "ana", now=NOW)
    retracted = inbox.alerts(AlertFilter(states=("retracted",)))
    assert retracted["event_status"].to_list() == ["retracted"]
    detect(store, meeting(1), meeting(20))
    assert inbox.refresh(NOW).reopened == 1
    assert state(inbox, alert) == "open"


def test_triage_is_validated(store: DuckDBStore) -> None:
    detect(store, meeting(1))
    inbox = AlertStore(store)
    inbox.refresh(NOW)
    alert = meeting(1)["id"]
    with pytest.raises(InputRejected, match="future"):
        triage.suspend(inbox, alert, NOW - timedelta(seconds=1), "ana", now=NOW)
    with pytest.raises(InputRejected, match="365 days"):
        triage.suspend(inbox, alert, NOW + timedelta(days=400), "ana", now=NOW)
    with pytest.raises(InputRejected, match="note"):
        triage.dismiss(inbox, alert, "other", "ana", "  ", now=NOW)
    with pytest.raises(triage.AlertNotFound):
        triage.acknowledge(inbox, "encounter-0000", "ana", now=NOW)
    triage.acknowledge(inbox, alert, "", now=NOW)
    with pytest.raises(triage.TriageRefused, match="acknowledged"):
        triage.acknowledge(inbox, alert, "ana", now=NOW)
    assert actions(inbox, alert)[-1] == ("acknowledge", "anonymous", None)


def test_severity_follows_the_vessel_risk(store: DuckDBStore) -> None:
    detect(store, meeting(1))
    inbox = AlertStore(store)
    inbox.refresh(NOW)
    alert = meeting(1)["id"]
    found = inbox.alert(alert)
    assert found is not None
    assert found["severity"] == pytest.approx(0.7)
    risk = pl.DataFrame({"mmsi": [2], "score": [60.0], "band": ["high"], "reasons": ["[]"],
                         "computed_at": [NOW]}, schema_overrides={"mmsi": pl.Int32})  # fmt: skip
    store.save_table("vessel_risk", risk)
    assert inbox.refresh(NOW).rescored == 1
    found = inbox.alert(alert)
    assert found is not None
    assert found["severity"] == pytest.approx(1 - 0.3 * 0.4)
    assert found["severity_label"] == "critical"


def test_new_rules_withdraw_untouched_alerts_they_would_not_raise(store: DuckDBStore) -> None:
    detect(store, meeting(1, confidence=0.5), meeting(10, confidence=0.5))
    inbox = AlertStore(store)
    inbox.refresh(NOW)
    seen, untouched = meeting(1)["id"], meeting(10)["id"]
    triage.acknowledge(inbox, seen, "analyst", None)
    stricter = AlertRules(min_strength=0.6)
    report = inbox.refresh(NOW, rules=stricter)
    assert report.retracted == 1
    assert (state(inbox, seen), state(inbox, untouched)) == ("acknowledged", "retracted")
    assert actions(inbox, untouched)[-1] == ("retracted", "balise", "rules_changed")
    assert inbox.refresh(NOW, rules=AlertRules()).reopened == 1  # the old rules raise it again
    assert state(inbox, untouched) == "open"


def test_the_same_rules_keep_an_alert_whose_event_weakened(store: DuckDBStore) -> None:
    detect(store, meeting(1, confidence=0.7))
    inbox = AlertStore(store)
    inbox.refresh(NOW)
    detect(store, meeting(1, confidence=0.2))  # revised below the rule: waits for the analyst
    inbox.refresh(NOW)
    assert state(inbox, meeting(1)["id"]) == "open"
