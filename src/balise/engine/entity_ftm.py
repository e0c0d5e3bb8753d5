"""An entity page as FollowTheMoney JSON lines (`balise entity ID --format ftm`,
`GET /api/v1/entities/{id}/ftm`), and the whole stored registry (`balise export ftm`).

For a registry entity: the entity, everyone above it through ownership and directorship links
(its owners up to the ultimate owners, its directors, their directors), what it owns and
directs directly, the Ownership and Directorship links between them, and the Address entities
they name, as the page shows them (links holding on the day). For a vessel heard on AIS or a
party of the bills: a Vessel (names, call signs, MMSI, IMO number) or a LegalEntity, and the
registry entities linked to it. Written by `balise.io.registry_export`, so valid against the
model and read back by `balise ingest registry`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from balise.entities.graph import (
    DEFAULT_DEPTH,
    Link,
    OwnershipGraph,
    entities_by_id,
    links_of_frame,
)
from balise.io.registry_export import ftm_registry_entity, registry_ftm
from balise.store.base import Store


def _link_row(link: Link) -> dict[str, Any]:
    return {"link_id": link.link_id, "kind": link.kind, "source_id": link.source_id,
            "target_id": link.target_id, "share_pct": link.share_pct, "role": link.role,
            "start_date": link.start, "end_date": link.end}  # fmt: skip


def neighbourhood(graph: OwnershipGraph, entity_id: str, depth: int) -> dict[str, Link]:
    """The links above `entity_id` (ownership and directorship, `depth` levels up, breadth
    first) and those below it (one level), by link id."""
    found: dict[str, Link] = {}
    seen, frontier = {entity_id}, [entity_id]
    for _ in range(depth):
        upper: list[str] = []
        for node in frontier:
            for link in graph.owners_of(node) + graph.directors_of(node):
                found[link.link_id] = link
                if link.source_id not in seen:
                    seen.add(link.source_id)
                    upper.append(link.source_id)
        frontier = upper
    for link in graph.owned_by(entity_id) + graph.directs(entity_id):
        found[link.link_id] = link
    return found


def _registry_items(
    entities: Mapping[str, Mapping[str, Any]], links: dict[str, Link], entity_id: str
) -> Iterator[dict[str, Any]]:
    ids = dict.fromkeys([entity_id, *(e for k in links.values()
                                      for e in (k.source_id, k.target_id))])  # fmt: skip
    rows = [entities[e] for e in ids if e in entities]
    addresses = {r["address_id"] for r in rows if r["address_id"]} - set(ids)
    rows += [entities[a] for a in sorted(addresses) if a in entities]
    yield from registry_ftm(rows, [_link_row(links[k]) for k in sorted(links)])


def _derived_items(
    page: Mapping[str, Any], entities: Mapping[str, Mapping[str, Any]]
) -> Iterator[dict[str, Any]]:
    vessels = page.get("vessels") or []
    row: dict[str, Any] = {
        "entity_id": page["id"], "schema": page["schema"], "name": page["name"],
        "aliases": [n for v in vessels for n in v["names"] if n != page["name"]],
        "country": None, "registration_number": None, "lei": None,
        "imo": min((i for v in vessels for i in v["imos"]), default=None),
        "mmsi": vessels[0]["mmsi"] if len(vessels) == 1 else None,
        "incorporation_date": None, "address": None, "address_id": None, "topics": [],
    }  # fmt: skip
    item = ftm_registry_entity(row)
    calls = sorted({c for v in vessels for c in v["call_signs"]})
    if calls:
        item["properties"]["callSign"] = calls
    yield item
    for linked in page.get("linked_registry") or []:
        if linked["id"] in entities:
            yield ftm_registry_entity(entities[linked["id"]])


def entity_ftm(
    store: Store, page: Mapping[str, Any], depth: int = DEFAULT_DEPTH, today: date | None = None
) -> list[dict[str, Any]]:
    """The FtM entities of an entity page (`balise.engine.entity_page.entity_record`)."""
    entities = entities_by_id(store.registry_entities())
    if page["kind"] != "registry":
        return list(_derived_items(page, entities))
    day = today or datetime.now(UTC).date()
    graph = OwnershipGraph(links_of_frame(store.registry_links()), day)
    return list(_registry_items(entities, neighbourhood(graph, page["id"], depth), page["id"]))


def registry_export(store: Store) -> Iterator[dict[str, Any]]:
    """Every stored registry entity, then every stored link, as FtM entities."""
    yield from registry_ftm(
        store.registry_entities().sort("entity_id").iter_rows(named=True),
        store.registry_links().sort("link_id").iter_rows(named=True),
    )
