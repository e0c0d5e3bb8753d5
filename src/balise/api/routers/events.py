"""Events: filtered lists a page at a time, one event with its revisions, the event types.

Order: newest start first, then id; the `cursor` of the next page encodes the last row's
(start, id), so pages neither repeat nor skip events (`balise.api.pagination`). The time range
selects events that overlap it (ended at or after `since`, started before `until`), so a long
gap that began before the range is still listed. `min_score` compares the event's score, else
its confidence (both 0-1). Retracted events (late data showed they did not happen) are left out
unless asked for with `status=retracted`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from balise.api.auth import may_read_type, requires, visible_types
from balise.api.deps import StoreDep
from balise.api.event_types import EventTypeName, Subject, SubjectKind, event_type_rows
from balise.api.kept import KeptDep
from balise.api.pagination import decode_cursor, encode_cursor, next_link
from balise.api.params import BBoxQuery, invalid, parse_bbox, time_range
from balise.api.problems import not_found
from balise.geo.zones import Zone
from balise.model.box import Box
from balise.model.events import decode_event_json
from balise.store.base import EventFilter, EventKey, EventStore
from balise.workspace import Workspace

router = APIRouter(tags=["events"], dependencies=[Depends(requires("event"))])

Status = Literal["active", "revised", "retracted"]
_REVISION: Final = ("changed_at", "status", "start", "end", "confidence", "score", "evidence")
"""The fields of an event revision (`EventRevision`)."""
_ZONE_CHUNK: Final = 2000
"""Events read at a time when a zone filter must test each one against the polygon."""
PROBLEMS: Final[dict[int | str, dict[str, Any]]] = {
    400: {"description": "A cursor this API did not issue"},
}


class EventOut(BaseModel):
    """A behaviour event: what happened, where, when, to whom, how sure, and why."""

    id: str = Field(description="Stable id: the same event keeps it across detection runs.")
    type: str
    start: datetime
    end: datetime
    lat: float | None
    lon: float | None
    subject: Subject | None = Field(description="What the event is about.")
    related: list[Subject] = Field(
        description="What else it involves: the other vessel of an encounter, ..."
    )
    mmsi: int | None
    other_mmsi: int | None = Field(description="The other vessel of an encounter.")
    confidence: float | None = Field(description="0-1: how sure the detector is.")
    score: float | None = Field(description="0-1: how suspicious, when the detector rates it.")
    params: dict[str, Any] = Field(description="The thresholds in force.")
    evidence: dict[str, Any] = Field(description="What was observed.")
    status: Status = Field(description="active, revised (changed by late data), retracted.")


class EventPage(BaseModel):
    items: list[EventOut]
    next: str | None = Field(description="Cursor of the next page (null on the last page).")


class EventRevision(BaseModel):
    """The event as a detection run left it."""

    changed_at: datetime
    status: Status
    start: datetime
    end: datetime
    confidence: float | None
    score: float | None
    evidence: dict[str, Any]


class EventDetail(EventOut):
    history: list[EventRevision] = Field(description="Every stored revision, oldest first.")


class EventTypeOut(BaseModel):
    name: str
    title: str
    domain: str = Field(description="maritime, cargo, entities, finance or security.")
    subject: SubjectKind = Field(description="What events of this type are about.")
    definition: str
    docs: str = Field(description="Where the full definition, thresholds and sources are.")
    weight: float = Field(description="Default weight in the risk score (0-1).")
    shape: str = Field(description="The glyph the map draws events of this type with.")
    alert_rule: str = Field(description="Which alert rule decides when it alerts (see docs).")
    detected: bool = Field(description="False for types Balise cannot detect yet.")


def _decoded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [decode_event_json(row) for row in rows]


def workspace_zone(root: Path, zone_id: str) -> Zone:
    """The zone `zone_id` (the workspace's zone file over the default zones), or a 422."""
    for zone in Workspace(root).zones().zones:
        if zone.id == zone_id:
            return zone
    raise invalid("zone", f"no zone {zone_id!r} in this workspace")


def event_filter(
    types: Sequence[str] | None, status: Sequence[str] | None, since: Any, until: Any,
    bbox: Box | None, mmsi: int | None, min_score: float | None, zone: Zone | None,
) -> EventFilter:  # fmt: skip
    """The store's filter for the query parameters: a zone filters by its parts' bounding
    boxes (the cheap first cut; the polygon test is the caller's)."""
    areas = () if zone is None else tuple(Box(*part.bounds) for part in zone.parts)
    return EventFilter(tuple(types or ()), tuple(status or ()), since, until, mmsi, min_score,
                       bbox, areas)  # fmt: skip


def find_events(
    store: EventStore, where: EventFilter, after: EventKey | None, limit: int,
    zone: Zone | None = None,
) -> pl.DataFrame:  # fmt: skip
    """Up to `limit` events after `after` in (start desc, id) order; with a `zone`, only those
    inside its polygon (read in chunks until enough are found)."""
    found: list[pl.DataFrame] = []
    have = 0
    while True:
        size = limit if zone is None else max(_ZONE_CHUNK, limit)
        chunk = store.find_events(replace(where, after=after), size)
        if zone is None:
            return chunk
        inside = zone.contains(chunk["lat"].to_numpy(), chunk["lon"].to_numpy())
        kept = chunk.filter(pl.Series(inside))
        found.append(kept.head(limit - have))
        have += min(kept.height, limit - have)
        if have >= limit or chunk.height < size:
            return pl.concat(found)
        last = chunk.row(-1, named=True)
        after = EventKey(last["start"], last["id"])


Types = Annotated[list[EventTypeName] | None, Query(alias="type", description="Event types.")]
Statuses = Annotated[list[Status] | None, Query(description="Default: active and revised.")]


@router.get("/api/v1/events", response_model=EventPage, responses=PROBLEMS)
def list_events(
    request: Request, response: Response, store: StoreDep, kept: KeptDep, kind: Types = None,
    since: Annotated[datetime | None, Query(description="Ended at or after (UTC if no zone).")]
    = None,
    until: Annotated[datetime | None, Query(description="Started before.")] = None,
    bbox: BBoxQuery = None,
    zone: Annotated[str | None, Query(max_length=64, description="A zone id.")] = None,
    mmsi: Annotated[int | None, Query(ge=0, le=999_999_999, description="Either vessel.")]
    = None,
    min_score: Annotated[float | None, Query(ge=0, le=1, description=
                         "Score (else confidence) at least this.")] = None,
    status: Statuses = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:  # fmt: skip
    """Events filtered by type, time range, bounding box or zone, vessel, score and status,
    newest first, a page at a time (`next` and a `Link: rel="next"` header)."""
    after = decode_cursor(cursor) if cursor else None
    start, end = time_range(since, until)
    area = workspace_zone(request.app.state.workspace.root, zone) if zone else None
    kinds = visible_types(request, kind or ())
    where = event_filter(kinds, status, start, end, parse_bbox(bbox), mmsi, min_score, area)

    def page() -> tuple[list[dict[str, Any]], str | None]:
        found = find_events(store, where, after, limit + 1, area)
        items = _decoded(found.head(limit).to_dicts())
        if found.height <= limit:
            return items, None
        return items, encode_cursor(EventKey(items[-1]["start"], items[-1]["id"]))

    # a zone's polygon is the workspace's zone file, which can change without a data write
    key = None if area else ("events", where, after, limit)
    items, token = page() if key is None else kept.get(store.generation, key, page)
    if token is not None:
        response.headers["Link"] = next_link(request.url, token)
    return {"items": items, "next": token}


@router.get("/api/v1/event-types", response_model=list[EventTypeOut])
def list_event_types() -> list[dict[str, Any]]:
    """Every event type with its short definition and where its full definition is."""
    return event_type_rows()


def event_history(store: EventStore, event_id: str) -> list[dict[str, Any]]:
    return _decoded(store.event_history(event_id).select(*_REVISION).to_dicts())


@router.get("/api/v1/events/{event_id}", response_model=EventDetail,
            responses={404: {"description": "No such event"}})  # fmt: skip
def get_event(
    request: Request, event_id: Annotated[str, PathParam(max_length=128)], store: StoreDep
) -> dict[str, Any]:
    """One event with its revision history (also a retracted one)."""
    found = store.event(event_id)
    if found is None or not may_read_type(request, found["type"]):
        raise not_found("event", event_id)
    return _decoded([found])[0] | {"history": event_history(store, event_id)}
