"""The ownership stage of the pipeline: the registries stored in the workspace (`balise ingest
registry`) through the pure cores of `balise.entities.graph`, `shell` and `graph_risk` into
`shell_company`, `owned_by_listed` and `owned_by_shell` events.

Run after the screening stage and before the assessment, so that a vessel owned by a listed
person weighs in this run's risk. The registry's persons and organisations are screened here
against the workspace's active list entries with the screening's own index and threshold
(`screen.match_threshold`); the events of `balise.engine.screening` are not touched. Each run
computes the whole graph again: events found again are kept, changed ones revised, the others
retracted. The registry matches are stored with a digest of what was screened
(`registry_matches`): a run whose registry, list entries, parameters and day are those of the
stored matches reads them rather than screen again, and so does an entity page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from balise.engine.screening import stored_vessels
from balise.entities.blocking import ListIndex
from balise.entities.graph import OwnershipGraph, entities_by_id, links_of_frame
from balise.entities.graph_risk import (
    EVENT_TYPES,
    Seen,
    as_frame,
    graph_events,
    shell_events,
)
from balise.entities.identifiers import normalise_identifier
from balise.entities.linking import name_key
from balise.entities.lists import entry_entity
from balise.entities.match import Entity
from balise.entities.params import ScreenParams
from balise.entities.screening import active_entries
from balise.entities.shell import (
    ListedAs,
    ShellInputs,
    party_trade,
    secrecy_jurisdictions,
    shell_indicators,
    shell_score,
)
from balise.entities.shell_params import ShellParams
from balise.model.lists import REGISTRY_MATCH_SCHEMA
from balise.store.base import EventChanges, Store

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class OwnershipReport:
    """What an ownership run read and changed."""

    entities: int
    links: int
    listed: int
    shells: int
    changes: EventChanges


def registry_entity(row: Mapping[str, Any]) -> Entity:
    """A registry entity (`ENTITY_SCHEMA` row) as screening sees it."""
    found = [
        normalise_identifier(kind, str(row[column]))
        for kind, column in (
            ("imo", "imo"),
            ("mmsi", "mmsi"),
            ("lei", "lei"),
            ("registration", "registration_number"),
        )
        if row[column]
    ]
    names = tuple(dict.fromkeys((row["name"], *(row["aliases"] or ()))))
    countries = (row["country"],) if row["country"] else ()
    return Entity(row["entity_id"], row["schema"], names, countries=countries,
                  identifiers=tuple(i for i in found if i is not None))  # fmt: skip


def screen_registry(
    entities: Mapping[str, Mapping[str, Any]],
    entries: pl.DataFrame,
    params: ScreenParams,
    today: date,
) -> dict[str, list[ListedAs]]:
    """The registry's persons, organisations and vessels matching an entry of `entries`
    (`LIST_ENTRY_SCHEMA`) active on `today` at or above `screen.match_threshold`, by entity
    id."""
    rows = active_entries(entries, today)
    queries = [registry_entity(r) for r in entities.values() if r["schema"] != "Address"]
    if not rows or not queries:
        return {}
    index = ListIndex([entry_entity(row) for row in rows.values()])
    listed: dict[str, list[ListedAs]] = {}
    for query, matches in zip(queries, index.screen_many(queries, params), strict=True):
        for match in matches:
            if match.score >= params.match_threshold:
                entry = rows[match.candidate_id]
                listed.setdefault(query.id, []).append(
                    ListedAs(match.candidate_id, str(entry["name"]), round(match.score, 4))
                )
    return listed


def registry_digest(
    entities: pl.DataFrame, entries: pl.DataFrame, params: ScreenParams, today: date
) -> str:
    """What a screening of the registry depends on, summed up: the registry entities and the
    list entries as stored (row hashes of this version of polars: another version only makes
    a reader screen again), the screening parameters and the day (entries lapse)."""
    digest = hashlib.sha256(f"{params!r}|{today.isoformat()}".encode())
    for frame in (entities, entries):
        digest.update(f"{frame.schema}|{frame.height}".encode())
        digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    return digest.hexdigest()


def registry_listed(
    store: Store,
    entities: pl.DataFrame,
    ids: Collection[str],
    params: ScreenParams,
    today: date,
) -> dict[str, list[ListedAs]]:
    """The list matches of the registry entities `ids` (of `entities`, the stored registry):
    those the last ownership run stored when it screened this very registry against these
    lists, with these parameters on this day, else screened now (only `ids`)."""
    entries = store.list_entries()
    listed = _stored(store, registry_digest(entities, entries, params, today), ids)
    if listed is None:
        rows = entities_by_id(entities.filter(pl.col("entity_id").is_in(list(ids))))
        return screen_registry(rows, entries, params, today)
    return listed


def _stored(store: Store, digest: str, ids: Collection[str]) -> dict[str, list[ListedAs]] | None:
    """The stored matches of `ids` by entity, if they were screened from what `digest` sums
    up (the same registry, list entries, parameters and day give the same matches)."""
    stored = store.registry_matches(digest, ids)
    if stored is None:
        return None
    listed: dict[str, list[ListedAs]] = {}
    for row in stored.iter_rows(named=True):
        listed.setdefault(row["entity_id"], []).append(
            ListedAs(row["entry_ref"], row["entry_name"], row["score"])
        )
    return listed


def _match_frame(listed: Mapping[str, list[ListedAs]]) -> pl.DataFrame:
    rows = [{"entity_id": entity, "entry_ref": m.entry_ref, "entry_name": m.entry_name,
             "score": m.score} for entity, matches in listed.items() for m in matches]  # fmt: skip
    return pl.DataFrame(rows, schema=REGISTRY_MATCH_SCHEMA)


def _as_time(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def registry_time(entities: pl.DataFrame, links: pl.DataFrame) -> datetime:
    """The newest date the registry gives (an incorporation, a link's start), as the time of
    events about entities no record dates; stable while the registry is."""
    days = [d for d in (entities["incorporation_date"].max(), links["start_date"].max())
            if isinstance(d, date)]  # fmt: skip
    return _as_time(max(days)) if days else _EPOCH


def seen_of(
    entities: Mapping[str, Mapping[str, Any]], vessels: pl.DataFrame, trade: Mapping[str, Any]
) -> dict[str, Seen]:
    """When each registry entity was seen: a vessel on AIS (matched by IMO number, else MMSI),
    a company on bills of lading (matched by name key)."""
    by_imo: dict[int, dict[str, Any]] = {}
    by_mmsi: dict[int, dict[str, Any]] = {}
    for row in vessels.iter_rows(named=True):
        by_mmsi[int(row["mmsi"])] = row
        for imo in row["imos"] or ():
            by_imo.setdefault(int(imo), row)
    seen: dict[str, Seen] = {}
    for entity_id, entity in entities.items():
        if entity["schema"] == "Vessel":
            heard = by_imo.get(entity["imo"] or -1) or by_mmsi.get(entity["mmsi"] or -1)
            if heard is not None:
                seen[entity_id] = Seen(heard["first_seen"], heard["last_seen"], int(heard["mmsi"]),
                                       heard["lat"], heard["lon"])  # fmt: skip
        elif (party := trade.get(name_key(entity["name"]))) is not None:
            seen[entity_id] = Seen(party.first_bill, party.last_bill)
    return seen


def run_ownership(
    store: Store, shell: ShellParams, screen: ScreenParams, today: date | None = None
) -> OwnershipReport | None:
    """Compute the shell indicators and the risk through the graph of the stored registries
    (links holding on `today`, the UTC date by default) and store the events; None when the
    workspace holds no registry (stored events of these types are retracted then)."""
    entities = store.registry_entities()
    if entities.is_empty():
        store.save_events(as_frame([]), list(EVENT_TYPES))
        if store.registry_matches("", ()) is None:  # matches of an earlier registry stored
            store.replace_registry_matches(_match_frame({}), "", datetime.now(UTC))
        return None
    day = today or datetime.now(UTC).date()
    links = store.registry_links()
    rows = entities_by_id(entities)
    graph = OwnershipGraph(links_of_frame(links), day)
    trade = party_trade(store.manifests())
    entries = store.list_entries()
    digest = registry_digest(entities, entries, screen, day)
    listed = _stored(store, digest, rows)
    if listed is None:
        listed = screen_registry(rows, entries, screen, day)
        store.replace_registry_matches(_match_frame(listed), digest, datetime.now(UTC))
    inputs = ShellInputs(rows, graph, trade, listed, secrecy_jurisdictions())
    indicators = shell_indicators(inputs, shell)
    scores = {e: shell_score(found) for e, found in indicators.items()}
    shells = {e: s for e, s in scores.items() if s >= shell.min_score}
    seen = seen_of(rows, stored_vessels(store), trade)
    default = registry_time(entities, links)
    fallback = Seen(default, default)
    events = shell_events(inputs, indicators, seen, fallback, shell)
    events += graph_events(inputs, shells, seen, fallback, shell)
    changes = store.save_events(as_frame(events), list(EVENT_TYPES))
    return OwnershipReport(entities.height, links.height, len(listed), len(shells), changes)
