"""A container's record, and the containers at risk at a port: one record the CLI prints and the
API serves, read from the stored Track & Trace events, manifests and cargo events.

A container's record (`container_record`) holds its journeys (`balise.cargo.journey`: trips, legs
on vessels, the stops between them with their dwell, transshipments, detour ratio, bills of lading
replaced and seals changed on the way), its cargo events with their reasons, its risk
(`balise.cargo.risk`, computed at the record's latest time: a past world is not decayed to
nothing by the wall clock), its bills of lading, the count and span of its smart-device readings,
and where it was last seen. Releases and gate moves are sensitive: they are left to the caller,
who knows whether the reader may see them (`releases_of`).

The containers at risk (`containers_at_risk`) are those with a cargo event or a risk score,
optionally those last seen at (or with a cargo event at) a port, or whose number starts with a
prefix: one row each with its score, band, reasons and last known place and status.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any, Final

import polars as pl

from balise.cargo.journey import Journey, journeys
from balise.cargo.ports import port_of, port_position
from balise.cargo.risk import CargoRiskParams, score_containers
from balise.engine.cargo import CARGO_TYPES
from balise.model.events import decode_event_json
from balise.store.base import EventFilter, Store


def _cargo_events(store: Store, number: str | None = None) -> pl.DataFrame:
    """Cargo events (not retracted) about container subjects, of `number` when given."""
    found = store.find_events(EventFilter(types=CARGO_TYPES))
    found = found.filter(pl.col("subject").struct.field("kind") == "container")
    if number is not None:
        found = found.filter(pl.col("subject").struct.field("id") == number)
    return found


def _as_of(events: pl.DataFrame, box_events: pl.DataFrame) -> datetime | None:
    """The record's latest time: the last cargo event's end, else the last Track & Trace event."""
    moments = [events["end"].max() if not events.is_empty() else None,
               box_events["event_time"].max() if not box_events.is_empty() else None]  # fmt: skip
    known = [m for m in moments if isinstance(m, datetime)]
    return max(known) if known else None


def risk_of(events: pl.DataFrame, now: datetime | None,
            params: CargoRiskParams | None = None) -> pl.DataFrame:  # fmt: skip
    """`score_containers` of `events` at `now` (empty without a time)."""
    if now is None or events.is_empty():
        return score_containers(events.clear(), now=now or datetime(1970, 1, 1), params=params)
    return score_containers(events, now=now, params=params)


def _point(locode: str | None) -> dict[str, Any]:
    position = port_position(locode) if locode else None
    return {"lat": position[0], "lon": position[1]} if position else {"lat": None, "lon": None}


def journey_dict(journey: Journey) -> dict[str, Any]:
    """A journey as plain values (JSON-ready but for datetimes), with its ports' positions."""
    record = asdict(journey)
    record["transshipments"] = journey.transshipments
    record["vessels"] = list(journey.vessels)
    for leg in record["legs"]:
        leg["load"] = _point(leg["load_port"])
        leg["discharge"] = _point(leg["discharge_port"])
    for stop in record["stops"]:
        stop.update(_point(stop["port"]))
    record["handled_mid_route"] = [
        {"code": code, "port": port, "time": time} for code, port, time in journey.handled_mid_route
    ]
    for key in ("bills_of_lading", "iso_codes", "event_ids"):
        record[key] = list(record[key])
    for key in ("redocumented", "seal_changes"):
        for change in record[key]:
            change["before"], change["after"] = list(change["before"]), list(change["after"])
    return record


def last_seen(box_events: pl.DataFrame) -> dict[str, Any] | None:
    """The latest actual event of a box: where, when, which code, the vessel it names."""
    actual = box_events.filter(
        pl.col("classifier").fill_null("ACT").str.to_uppercase() == "ACT"
    ).drop_nulls("event_time")
    if actual.is_empty():
        return None
    row = actual.sort("event_time", "event_id").row(-1, named=True)
    place = row["unlocode"] or port_of(row["facility"])
    lat, lon = row["lat"], row["lon"]
    if lat is None or lon is None:
        point = _point(place)
        lat, lon = point["lat"], point["lon"]
    return {"time": row["event_time"], "code": row["event_code"], "port": place,
            "facility": row["facility"], "lat": lat, "lon": lon,
            "empty_laden": row["empty_laden"], "vessel_mmsi": row["vessel_mmsi"],
            "vessel_name": row["vessel_name"]}  # fmt: skip


def _risk_row(scores: pl.DataFrame) -> dict[str, Any] | None:
    if scores.is_empty():
        return None
    row = scores.row(0, named=True)
    row["reasons"] = json.loads(row["reasons"])
    return row


def known_container(store: Store, number: str) -> bool:
    """Does the workspace hold anything about container `number`?"""
    return not (
        store.container_events(number).is_empty()
        and store.manifests(container_number=number).is_empty()
        and store.telemetry(number).is_empty()
        and _cargo_events(store, number).is_empty()
    )


def container_record(
    store: Store, number: str, params: CargoRiskParams | None = None
) -> dict[str, Any] | None:
    """The record of container `number` (normalised ISO 6346), None when the workspace holds
    nothing about it (no Track & Trace event, bill of lading, reading or cargo event)."""
    box_events = store.container_events(number)
    manifests = store.manifests(container_number=number)
    telemetry = store.telemetry(number)
    events = _cargo_events(store, number).sort("start", "id", descending=[True, False])
    if (
        box_events.is_empty()
        and manifests.is_empty()
        and telemetry.is_empty()
        and (events.is_empty())
    ):
        return None
    as_of = _as_of(events, box_events)
    first, last = (telemetry["time"].min(), telemetry["time"].max()) if telemetry.height else (
        None, None)  # fmt: skip
    return {
        "container_number": number,
        "as_of": as_of,
        "last_seen": last_seen(box_events),
        "journeys": [journey_dict(j) for j in journeys(box_events)],
        "events": [decode_event_json(row) for row in events.to_dicts()],
        "risk": _risk_row(risk_of(events, as_of, params)),
        "manifests": manifests.drop("source", "source_line", strict=False).to_dicts(),
        "telemetry": {"readings": telemetry.height, "first": first, "last": last},
        "track_and_trace_events": box_events.height,
    }


def releases_of(store: Store, number: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The releases and gate transactions of container `number`, newest first (sensitive: the
    caller decides who sees them, masks references and audits the read)."""
    releases = store.releases([number]).sort("issued_at", descending=True)
    gate = store.gate_transactions([number]).sort("time", descending=True)
    return (releases.drop("source", "source_line", strict=False),
            gate.drop("source", "source_line", strict=False))  # fmt: skip


LIST_SCHEMA: Final[dict[str, pl.DataType]] = {
    "container_number": pl.String(),
    "score": pl.Float64(),
    "band": pl.String(),
    "reasons": pl.String(),
    "events": pl.Int64(),
    "event_types": pl.List(pl.String()),
    "last_port": pl.String(),
    "last_time": pl.Datetime("us", "UTC"),
    "last_code": pl.String(),
    "event_ports": pl.List(pl.String()),
}


def containers_at_risk(
    store: Store,
    *,
    prefix: str | None = None,
    port: str | None = None,
    min_score: float | None = None,
    params: CargoRiskParams | None = None,
) -> pl.DataFrame:
    """Containers with cargo events (or, with a number `prefix`, every container it matches),
    `LIST_SCHEMA`, highest score first then number; `port` keeps those last seen there or with
    a cargo event there (UN/LOCODE, or a terminal of it), `min_score` those scoring at least it
    (0–100)."""
    events = _cargo_events(store)
    box_events = store.container_events()
    scores = risk_of(events, _as_of(events, box_events), params)
    numbers = set(scores["container_number"].to_list()) | set(
        events["subject"].struct.field("id").to_list()
    )
    if prefix:
        known = set(box_events["container_number"].drop_nulls().to_list()) | numbers
        numbers = {n for n in known if n.startswith(prefix)}
    last = _last_places(box_events)
    per_box = _event_summary(events)
    rows = []
    for number in numbers:
        risk = scores.filter(pl.col("container_number") == number)
        score = risk.row(0, named=True) if risk.height else None
        seen = last.get(number, {})
        summary = per_box.get(number, {"events": 0, "event_types": [], "event_ports": []})
        rows.append({
            "container_number": number,
            "score": score["score"] if score else 0.0,
            "band": score["band"] if score else "low",
            "reasons": score["reasons"] if score else "[]",
            **summary,
            "last_port": seen.get("port"), "last_time": seen.get("time"),
            "last_code": seen.get("code"),
        })  # fmt: skip
    frame = pl.DataFrame(rows, schema=LIST_SCHEMA)
    if port:
        wanted = port_of(port)
        frame = frame.filter(
            (pl.col("last_port") == wanted) | pl.col("event_ports").list.contains(wanted)
        )
    if min_score is not None:
        frame = frame.filter(pl.col("score") >= min_score)
    return frame.sort("score", "container_number", descending=[True, False])


EXPORT_COLUMNS: Final = {
    "container_number": "ISO 6346 number",
    "score": "risk 0-100",
    "band": "low, medium, high or critical",
    "reasons": "why, strongest first, separated by '; '",
    "events": "cargo events about the box",
    "event_types": "their types, separated by '|'",
    "last_port": "UN/LOCODE of its latest actual event",
    "last_time": "time of its latest actual event, UTC",
    "last_code": "code of its latest actual event (DCSA)",
}
"""The columns of a containers-at-risk export (`balise containers`, the API's export)."""


def containers_export(frame: pl.DataFrame) -> pl.DataFrame:
    """A `containers_at_risk` frame flat for a file: reasons as text, types joined."""
    texts = [
        "; ".join(str(reason.get("text", "")) for reason in json.loads(raw or "[]"))
        for raw in frame["reasons"].to_list()
    ]
    return frame.with_columns(
        pl.Series("reasons", texts, dtype=pl.String()),
        pl.col("event_types").list.join("|"),
    ).select(list(EXPORT_COLUMNS))


def _last_places(box_events: pl.DataFrame) -> dict[str, dict[str, Any]]:
    actual = box_events.filter(
        pl.col("classifier").fill_null("ACT").str.to_uppercase() == "ACT"
    ).drop_nulls(["event_time", "container_number"])
    latest = actual.sort("event_time", "event_id").group_by("container_number").last()
    return {
        row["container_number"]: {
            "port": row["unlocode"] or port_of(row["facility"]),
            "time": row["event_time"],
            "code": row["event_code"],
        }
        for row in latest.iter_rows(named=True)
    }


def _event_summary(events: pl.DataFrame) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in events.iter_rows(named=True):
        number = row["subject"]["id"]
        entry = out.setdefault(number, {"events": 0, "event_types": [], "event_ports": []})
        entry["events"] += 1
        if row["type"] not in entry["event_types"]:
            entry["event_types"].append(row["type"])
        evidence = json.loads(row["evidence"] or "{}")
        for key in ("port", "unlocode", "terminal", "load_port", "discharge_port"):
            value = evidence.get(key) if isinstance(evidence, dict) else None
            place = port_of(value) if isinstance(value, str) else None
            if place and place not in entry["event_ports"]:
                entry["event_ports"].append(place)
    return out
