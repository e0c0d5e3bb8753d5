"""Screening of what is stored against the workspace's lists: the vessels heard on AIS and the
parties of cargo manifests, through the pure step of `balise.entities.screening`, into
`list_match` events.

Each run screens the whole record again, as the insider and cargo stages do: a list is small
beside the AIS, and a list change can make or unmake a match anywhere. Matches found again are
kept, changed ones revised, and those whose entry was removed or expired, retracted (the event
store retracts every stored `list_match` the run no longer finds). `balise detect` and
`balise demo` run it in the pipeline, `balise list add|remove|import|judge` and the API's list
routes after each change (`balise.engine.lists.rescreen`). Analysts' judgements are applied
(`balise.entities.judgements`).

The same pass keeps the review queue: every pair still to judge (raised and not judged, or
judged unsure) and every near miss (from `screen.review_threshold` up to
`screen.match_threshold`) is stored (`screening_review`, replaced by each run), and
`review_queue` reads it rather than screening again per request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from balise.entities.params import ScreenParams
from balise.entities.screening import (
    EVENT_TYPE,
    VESSEL_COLUMNS,
    Query,
    candidate_events,
    party_queries,
    review_rows,
    screen_candidates,
    subject_digests,
    vessel_queries,
)
from balise.model.events import to_json
from balise.model.lists import REVIEW_SCHEMA
from balise.model.schema import conform
from balise.store.base import EventChanges, Store


@dataclass(frozen=True)
class ScreeningReport:
    """What a screening run read and changed."""

    lists: int
    entries: int
    vessels: int
    parties: int
    changes: EventChanges


def _split(column: str) -> pl.Expr:
    return pl.col(column).str.split("|").list.eval(pl.element().filter(pl.element() != ""))


def stored_vessels(store: Store) -> pl.DataFrame:
    """Every vessel heard or identified as a `VESSEL_COLUMNS` frame: the fleet snapshot's names,
    IMO numbers, call signs and last position, and the span of its identity reports."""
    fleet = store.fleet()
    if fleet.is_empty():
        return pl.DataFrame(schema=VESSEL_COLUMNS)
    seen = store.identity_history_all()
    span = seen.group_by("mmsi").agg(
        pl.col("timestamp").min().alias("first_identity"),
        pl.col("last_seen").max().alias("last_identity"),
    )
    frame = fleet.join(span.cast({"mmsi": fleet.schema["mmsi"]}), on="mmsi", how="left")
    return conform(
        frame.with_columns(
            _split("names").alias("names"),
            _split("imos").cast(pl.List(pl.Int64)).alias("imos"),
            _split("call_signs").alias("call_signs"),
            pl.min_horizontal("first_identity", "time").alias("first_seen"),
            pl.max_horizontal("last_identity", "time").alias("last_seen"),
        ).sort("mmsi"),
        VESSEL_COLUMNS,
    )


def stored_parties(store: Store) -> list[Query]:
    """The parties of the stored bills of lading, releases and gate moves, one query each."""
    return party_queries(store.manifests(), store.releases(), store.gate_transactions())


def run_screening(
    store: Store, params: ScreenParams, today: date | None = None
) -> ScreeningReport | None:
    """Screen every stored vessel and manifest party against the entries active on `today`
    (the UTC date by default) and store the `list_match` events; None when the workspace has
    no list."""
    lists = store.lists()
    if lists.is_empty():
        return None
    entries = store.list_entries()
    vessels = stored_vessels(store)
    parties = stored_parties(store)
    kinds = dict(zip(lists["name"].to_list(), lists["kind"].to_list(), strict=True))
    queries = [*vessel_queries(vessels), *parties]
    floor = min(params.review_threshold, params.match_threshold)
    found = screen_candidates(queries, entries, params, today or datetime.now(UTC).date(),
                              store.judgements(), floor)  # fmt: skip
    changes = store.save_events(candidate_events(found, kinds, params), [EVENT_TYPE])
    store.replace_review(_review_frame(review_rows(found, kinds, params)))
    return ScreeningReport(lists.height, entries.height, vessels.height, len(parties), changes)


def _review_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    now = datetime.now(UTC)
    records = [{"subject_kind": r["subject_kind"], "subject_id": r["subject_id"],
                "list_name": r["list_name"], "entry_id": r["entry_id"], "score": r["score"],
                "raised": r["raised"], "row": to_json(r), "screened_at": now}
               for r in rows]  # fmt: skip
    return pl.DataFrame(records, schema=REVIEW_SCHEMA)


def stored_subject_digest(store: Store, kind: str, subject_id: str) -> str | None:
    """The matching-data digest of a stored vessel (by MMSI) or party (by name as screened),
    None when nothing stored is that subject (`balise.entities.judgements.subject_digest`)."""
    if kind == "vessel":
        vessels = stored_vessels(store)
        mmsi = int(subject_id) if subject_id.isdigit() else -1
        return subject_digests(vessel_queries(vessels.filter(pl.col("mmsi") == mmsi)), kind,
                               subject_id)  # fmt: skip
    return subject_digests(stored_parties(store), kind, subject_id)


def review_queue(store: Store, params: ScreenParams) -> list[dict[str, Any]]:
    """The candidate matches an analyst has still to judge (`review_rows`), as the last
    screening run stored them: the `list_match` pairs not judged or judged unsure, and the near
    misses scoring from `screen.review_threshold`; best score first. Empty until a screening
    has run (`balise detect`, any list change)."""
    if store.lists().is_empty():
        return []
    floor = min(params.review_threshold, params.match_threshold)
    return [json.loads(row) for row in store.review(floor)["row"].to_list()]
