"""Helpers of the cargo tests: container events, telemetry, releases and gate moves by hand."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from balise.model.cargo import CONTAINER_EVENT_SCHEMA, MANIFEST_SCHEMA, TELEMETRY_SCHEMA
from balise.model.record_batch import RecordBatch, RecordKind
from balise.model.records import GATE_SCHEMA, RELEASE_SCHEMA
from balise.model.schema import POSITION_SCHEMA, conform
from balise.store.base import IngestRecord
from balise.workspace import Workspace

T0 = datetime(2025, 3, 1, tzinfo=UTC)
"""Day 0 of the hand-built journeys."""
BOX = "MSCU1234565"
"""A valid ISO 6346 number (check digit 5)."""
OTHER = "CSQU3054383"


def at(days: float = 0.0, hours: float = 0.0) -> datetime:
    """`T0` plus `days` and `hours`."""
    return T0 + timedelta(days=days, hours=hours)


def event(
    code: str,
    port: str | None,
    days: float,
    *,
    box: str = BOX,
    laden: str | None = "LADEN",
    **fields: Any,
) -> dict[str, Any]:
    """One actual equipment event of `box` at `port`, `days` after `T0`."""
    row = {
        "event_id": f"{box}-{code}-{port}-{days}",
        "event_kind": "EQUIPMENT",
        "event_code": code,
        "classifier": "ACT",
        "event_time": at(days),
        "container_number": box,
        "empty_laden": laden,
        "unlocode": port,
        "iso_equipment_code": "45R1",
    }
    return row | fields


def events(*rows: dict[str, Any]) -> pl.DataFrame:
    """Container events (`CONTAINER_EVENT_SCHEMA`) of `rows`."""
    return frame(rows, CONTAINER_EVENT_SCHEMA)


def frame(rows: Any, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """`rows` (dicts) as a frame of `schema`, missing columns null."""
    columns = sorted({k for row in rows for k in row})
    given = pl.DataFrame(
        [{k: row.get(k) for k in columns} for row in rows],
        schema={k: schema[k] for k in columns},
    )
    return conform(given, schema)


def voyage(
    *ports: str,
    box: str = BOX,
    start: float = 0.0,
    sea_days: float = 10.0,
    dwell_days: float = 2.0,
    stuffed: bool = True,
    vessel: int = 636012345,
) -> list[dict[str, Any]]:
    """A laden trip through `ports`: stuffed (or not) and loaded at the first, discharged at the
    last and at every port between (and loaded again there on another vessel), gated out."""
    rows = []
    day = start
    if stuffed:
        rows.append(event("PICKED_UP", ports[0], day - 2, box=box, laden="EMPTY"))
        rows.append(event("STUFFED", ports[0], day - 1, box=box))
    for n, (a, b) in enumerate(itertools.pairwise(ports)):
        ship: dict[str, Any] = {
            "vessel_mmsi": vessel + n,
            "vessel_imo": 9300000 + n,
            "mode": "VESSEL",
        }
        rows.append(event("LOADED", a, day, box=box, **ship))
        day += sea_days
        rows.append(event("DISCHARGED", b, day, box=box, **ship))
        day += dwell_days
    rows.append(event("GATED_OUT", ports[-1], day - dwell_days + 1, box=box))
    return rows


def telemetry(*rows: dict[str, Any]) -> pl.DataFrame:
    """Telemetry (`TELEMETRY_SCHEMA`) of `rows`."""
    return frame([{"container_number": BOX} | r for r in rows], TELEMETRY_SCHEMA)


def releases(*rows: dict[str, Any]) -> pl.DataFrame:
    """Releases (`RELEASE_SCHEMA`) of `rows`."""
    return frame(rows, RELEASE_SCHEMA)


def gate(*rows: dict[str, Any]) -> pl.DataFrame:
    """Gate transactions (`GATE_SCHEMA`) of `rows`."""
    return frame(rows, GATE_SCHEMA)


def manifests(*rows: dict[str, Any]) -> pl.DataFrame:
    """Manifests (`MANIFEST_SCHEMA`) of `rows`."""
    return frame(rows, MANIFEST_SCHEMA)


def positions(*rows: dict[str, Any]) -> pl.DataFrame:
    """Vessel positions (`POSITION_SCHEMA`) of `rows`."""
    return frame(rows, POSITION_SCHEMA)


PLAN_BOXES = ("MSCU1234566", "CSQU3054383", "TGHU1791367", "MAEU1175422", "EGHU1847944")
"""The boxes of `plan_workspace`."""


def plan_workspace(root: Path) -> Path:
    """A workspace for inspection plans: the five `PLAN_BOXES` discharged at Le Havre on day
    0 (the first gone before day 1's shifts), one at Rotterdam, and their bills of lading
    (`BL0`…`BL4`; the shipper of the fourth `Acme Trading S.A.`)."""
    store = Workspace(root).open_store(create=True)
    rows = [event("DISCHARGED", "FRLEH", 0.5 + n / 24, box=box, vessel_imo=9300000 + n,
                  bill_of_lading=f"BL{n}") for n, box in enumerate(PLAN_BOXES)]  # fmt: skip
    rows.append(event("GATED_OUT", "FRLEH", 0.9, box=PLAN_BOXES[0]))
    rows.append(event("DISCHARGED", "NLRTM", 0.5, box="HLXU1234561"))  # another port
    bills = manifests(*[
        {"bill_of_lading": f"BL{n}", "issued_at": at(-10), "shipper": "Acme Trading S.A."
         if n == 3 else f"Shipper {n}", "consignee": f"Consignee {n}", "hs_code": "090111",
         "container_numbers": [box]}
        for n, box in enumerate(PLAN_BOXES)
    ])  # fmt: skip
    try:
        store.start_ingest(IngestRecord("t", "t", "test", "running", 0, 100))
        store.store_records("t", 0, RecordBatch(RecordKind.CONTAINERS, events(*rows)))
        store.store_records("t", 1, RecordBatch(RecordKind.MANIFESTS, bills))
    finally:
        store.close()
    return root
