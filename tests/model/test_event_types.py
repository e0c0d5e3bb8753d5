"""The event-type registry: consistent on its own, and the source of every list of types."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from balise.api.event_types import event_type_rows
from balise.docs import BEGIN, END, with_event_types
from balise.engine.detect import COASTAL_TYPES, DETECTED_TYPES
from balise.maritime.risk import RiskParams
from balise.model.event_types import (
    ALERT_RULES,
    DOMAINS,
    EVENT_TYPE_NAMES,
    EVENT_TYPES,
    SHAPES,
    SUBJECT_KINDS,
    default_weights,
    detected_types,
    event_type,
)
from balise.model.events import EVENT_SCHEMA, as_events, with_vessel_subjects

DETECTORS_PAGE = Path(__file__).parents[2] / "docs" / "detectors.md"


def test_entries_are_consistent() -> None:
    assert len(set(EVENT_TYPE_NAMES)) == len(EVENT_TYPES)
    assert len({t.shape for t in EVENT_TYPES}) == len(EVENT_TYPES), "one glyph per type"
    for kind in EVENT_TYPES:
        assert kind.subject in SUBJECT_KINDS
        assert kind.domain in DOMAINS
        assert kind.shape in SHAPES
        assert kind.alert in ALERT_RULES
        assert 0.0 <= kind.weight <= 1.0
        assert kind.definition.endswith(".")
        assert kind.weight_reason.endswith(".")
        assert event_type(kind.name) is kind


def test_lists_derive_from_the_registry() -> None:
    assert set(detected_types("maritime")) == set(DETECTED_TYPES) | set(COASTAL_TYPES)
    assert set(DETECTED_TYPES) < set(EVENT_TYPE_NAMES)
    assert "dark_target" not in DETECTED_TYPES  # found from radar, after the AIS detectors
    assert "dark_target" in detected_types("maritime")
    assert [row["name"] for row in event_type_rows()] == list(EVENT_TYPE_NAMES)
    assert RiskParams().event_weight("encounter") == event_type("encounter").weight
    assert RiskParams().event_weight("no_such_type") is None
    assert set(default_weights()) == set(EVENT_TYPE_NAMES)


def test_docs_table_is_current() -> None:
    page = DETECTORS_PAGE.read_text(encoding="utf-8")
    assert BEGIN in page
    assert END in page
    assert with_event_types(page) == page, "docs/detectors.md is stale: run `make docs`"


def test_vessel_events_get_their_subjects() -> None:
    events = pl.DataFrame(
        {"mmsi": [215810000, None, 1], "other_mmsi": [None, None, 2]},
        schema={"mmsi": pl.Int32, "other_mmsi": pl.Int32},
    )
    filled = with_vessel_subjects(events)
    assert filled["subject"].to_list() == [
        {"kind": "vessel", "id": "215810000"}, None, {"kind": "vessel", "id": "1"},
    ]  # fmt: skip
    assert filled["related"].to_list() == [[], [], [{"kind": "vessel", "id": "2"}]]


def test_given_subjects_are_kept() -> None:
    container = {"kind": "container", "id": "MSCU1234565"}
    columns = {k: v for k, v in EVENT_SCHEMA.items() if k not in ("subject", "related")}
    row = dict.fromkeys(columns) | {"id": "x", "type": "door_opened", "other_mmsi": 636012345}
    events = pl.DataFrame([row], schema=columns).with_columns(
        pl.lit(container).alias("subject"), pl.lit(None).alias("related")
    )
    record = as_events(events)
    assert list(record.schema) == list(EVENT_SCHEMA)
    assert record["subject"].to_list() == [container]
    assert record["related"].to_list() == [[{"kind": "vessel", "id": "636012345"}]]
