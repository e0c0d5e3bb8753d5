"""A vessel's dossier: who it says it is and was, where it is, what it did, its risk and where
it is heading; one record the CLI prints and the API serves."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from balise.maritime.segment import segment
from balise.maritime.spoofing import noise_positions
from balise.model.events import decode_event_json
from balise.model.mid import flag_frame, mid_expr
from balise.model.schema import IDENTITY_FIELDS
from balise.store.base import DerivedStore, EventStore, PositionStore, Store


def with_flag(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the `flag` (ISO 3166 alpha-2) and `flag_country` of its MMSIs' MIDs."""
    flagged = frame.with_columns(mid_expr("mmsi").alias("mid")).join(
        flag_frame(), on="mid", how="left"
    )
    return flagged.drop("mid")


def identity_history(snapshots: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Per identity field: each value seen, with first/last time seen and the reports behind it."""
    history: dict[str, list[dict[str, Any]]] = {}
    for field in IDENTITY_FIELDS:
        values = (
            snapshots.filter(pl.col(field).is_not_null())
            .group_by(field)
            .agg(
                pl.col("first_seen").min(),
                pl.col("last_seen").max(),
                pl.col("messages").sum(),
                pl.col("source_format").unique().sort().str.join(",").alias("sources"),
            )
            .sort("first_seen")
        )
        if not values.is_empty():
            history[field] = values.rename({field: "value"}).to_dicts()
    return history


def _events(store: EventStore, mmsi: int) -> list[dict[str, Any]]:
    events = store.events(mmsi=mmsi).sort("start", descending=True)
    return [decode_event_json(record) for record in events.to_dicts()]


def _derived(store: DerivedStore, name: str, mmsi: int) -> dict[str, Any] | None:
    """The vessel's row of a derived table (risk, tracking), JSON texts decoded."""
    table = store.table(name, mmsi)
    if table is None or table.is_empty():
        return None
    row = table.row(0, named=True)
    for key in ("reasons",):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


def _voyages(store: DerivedStore, mmsi: int) -> list[dict[str, Any]]:
    """The vessel's voyages with their risk, newest first."""
    table = store.table("voyage_risk", mmsi)
    if table is None:
        return []
    rows = table.sort("departure", descending=True, nulls_last=True).to_dicts()
    for row in rows:
        row["reasons"] = json.loads(row["reasons"] or "[]")
    return rows


def _reception(store: PositionStore, mmsi: int) -> dict[str, int]:
    """A data-quality figure of the vessel's reception: `noise_positions`, the stored positions
    the segmenter sets aside as noise (lone fixes off the track, default thresholds), which are
    dropped before detection and raise no event."""
    positions = store.positions_of([mmsi])
    if positions.is_empty():
        return {"noise_positions": 0}
    return {"noise_positions": int(noise_positions(segment(positions))["noise_positions"].sum())}


def dossier(store: Store, mmsi: int) -> dict[str, Any]:
    """The vessel dossier: identity now and its history, flag, positions summary, risk with its
    reasons, likely destination, voyages with their risk, and events (newest first)."""
    summary = with_flag(pl.DataFrame({"mmsi": [mmsi]}, schema={"mmsi": pl.Int32}))
    snapshots = store.identity_history(mmsi)
    current = {
        field: snapshots.filter(pl.col(field).is_not_null()).sort("last_seen")[field].last()
        for field in IDENTITY_FIELDS
    } if not snapshots.is_empty() else {}  # fmt: skip
    return {
        "mmsi": mmsi,
        "flag": summary["flag"].item(),
        "flag_country": summary["flag_country"].item(),
        "identity": current,
        "identity_history": identity_history(snapshots),
        "positions": store.position_summary(mmsi) | _reception(store, mmsi),
        "risk": _derived(store, "vessel_risk", mmsi),
        "tracking": _derived(store, "vessel_tracking", mmsi),
        "voyages": _voyages(store, mmsi),
        "events": _events(store, mmsi),
    }
