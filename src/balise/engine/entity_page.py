"""One entity's page, for `balise entity ID` and `GET /api/v1/entities/{id}`, and the entity
search: computed from the stored tables on each request (registries, the AIS fleet, bills of
lading, gate records and releases, events), never copied, so it cannot go stale.

An id is a registry entity's id (`balise ingest registry`), a vessel heard on AIS
(`vessel:IMO<n>` or `vessel:MMSI<n>`: its names and call signs over time) or a party named on
bills of lading or at the gate (`party:<name key>`: shipper, consignee, notify party,
declarant, haulier).
A registry entity is linked to vessels by IMO number (else MMSI) and to parties by the exact
normalised name (`balise.entities.linking`); fuzzy matches are left to the screening.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from balise.engine.ownership import registry_listed
from balise.engine.screening import stored_vessels
from balise.entities.graph import (
    DEFAULT_DEPTH,
    Link,
    OwnershipGraph,
    entities_by_id,
    links_of_frame,
)
from balise.entities.linking import NameIndex, name_key, party_entity_id, vessel_entity_id
from balise.entities.params import ScreenParams
from balise.entities.shell import (
    PARTY_ROLES,
    PartyTrade,
    ShellInputs,
    party_trade,
    secrecy_jurisdictions,
    shell_indicators,
    shell_score,
)
from balise.entities.shell_params import ShellParams
from balise.model.event_types import EVENT_TYPES
from balise.store.base import Store

MAX_ITEMS = 200
"""Bills, containers and events listed on a page at most (their counts are always given)."""
_SHOWN_TYPES = tuple(t.name for t in EVENT_TYPES if t.domain != "security")


@dataclass(frozen=True)
class Registry:
    """The stored registries and records an entity page reads, loaded once."""

    table: pl.DataFrame
    entities: Mapping[str, Mapping[str, Any]]
    graph: OwnershipGraph
    index: NameIndex
    trade: Mapping[str, PartyTrade]
    vessels: pl.DataFrame

    @classmethod
    def load(cls, store: Store, day: date | None = None) -> Registry:
        table = store.registry_entities()
        entities = entities_by_id(table)
        graph = OwnershipGraph(links_of_frame(store.registry_links()), day)
        return cls(table, entities, graph, NameIndex.of(entities.values()),
                   party_trade(store.manifests()), stored_vessels(store))  # fmt: skip

    def name(self, entity_id: str) -> str:
        row = self.entities.get(entity_id)
        return str(row["name"]) if row else entity_id


def _link_row(registry: Registry, link: Link, end: str) -> dict[str, Any]:
    other = link.source_id if end == "source" else link.target_id
    row = registry.entities.get(other) or {}
    return {"id": other, "name": registry.name(other), "schema": row.get("schema"),
            "share_pct": link.share_pct, "role": link.role, "start": link.start,
            "end": link.end}  # fmt: skip


def _ownership(registry: Registry, entity_id: str, depth: int) -> dict[str, Any]:
    graph = registry.graph
    found = graph.ultimate_owners(entity_id, depth)
    ultimate = [
        {"id": o.owner_id, "name": registry.name(o.owner_id), "effective_pct": o.effective_pct,
         "complete": o.complete, "truncated": o.truncated,
         "paths": [[{"id": p, "name": registry.name(p)} for p in path] for path in o.paths]}
        for o in found.owners
    ]  # fmt: skip
    return {
        "owners": [_link_row(registry, link, "source") for link in graph.owners_of(entity_id)],
        "ultimate_owners": ultimate,
        "cycles": [list(cycle) for cycle in found.cycles],
        "owns": [_link_row(registry, link, "target") for link in graph.owned_by(entity_id)],
        "directors": [_link_row(registry, link, "source")
                      for link in graph.directors_of(entity_id)],
        "directs": [_link_row(registry, link, "target") for link in graph.directs(entity_id)],
    }  # fmt: skip


def _shell(
    registry: Registry, entity_id: str, store: Store, shell: ShellParams, screen: ScreenParams,
    day: date,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
    """The entity's shell indicators and its own list matches (the registry screened)."""
    around = {entity_id, *registry.graph.controllers(entity_id, shell.depth)}
    listed = registry_listed(store, registry.table, around & registry.entities.keys(), screen,
                             day)  # fmt: skip
    inputs = ShellInputs(registry.entities, registry.graph, registry.trade, listed,
                         secrecy_jurisdictions())  # fmt: skip
    found = shell_indicators(inputs, shell, only=[entity_id]).get(entity_id, [])
    score = shell_score(found)
    indicators = [{"code": i.code, "weight": i.weight, "reason": i.reason,
                   "evidence": i.evidence} for i in found]  # fmt: skip
    matches = [{"entry": m.entry_ref, "entry_name": m.entry_name, "score": m.score}
               for m in listed.get(entity_id, [])]  # fmt: skip
    return {"score": score, "is_shell": score >= shell.min_score, "indicators": indicators}, matches


def _vessel_rows(registry: Registry, imos: set[int], mmsis: set[int]) -> list[dict[str, Any]]:
    rows = registry.vessels.filter(
        pl.col("mmsi").is_in(sorted(mmsis))
        | pl.col("imos").list.eval(pl.element().is_in(sorted(imos))).list.any()
    )
    return [
        {"id": vessel_entity_id(min(r["imos"]) if r["imos"] else None, r["mmsi"]),
         "mmsi": r["mmsi"], "imos": sorted(r["imos"] or []), "names": list(r["names"] or []),
         "call_signs": list(r["call_signs"] or []), "first_seen": r["first_seen"],
         "last_seen": r["last_seen"]}
        for r in rows.iter_rows(named=True)
    ]  # fmt: skip


def _owned_vessels(registry: Registry, entity_id: str, depth: int) -> tuple[set[int], set[int]]:
    """IMO numbers and MMSIs of the registry vessels `entity_id` owns or directs, down the
    chain."""
    imos, mmsis, seen, frontier = set(), set(), {entity_id}, [entity_id]
    for _ in range(depth):
        lower = []
        for node in frontier:
            for link in registry.graph.owned_by(node) + registry.graph.directs(node):
                if link.target_id in seen:
                    continue
                seen.add(link.target_id)
                lower.append(link.target_id)
                row = registry.entities.get(link.target_id) or {}
                if row.get("schema") == "Vessel":
                    imos.update([row["imo"]] if row["imo"] else [])
                    mmsis.update([row["mmsi"]] if row["mmsi"] else [])
        frontier = lower
    return imos, mmsis


def _bills(store: Store, keys: set[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Bills naming any party of `keys` (name keys): each with the roles, and their boxes."""
    if not keys:
        return [], []
    bills: list[dict[str, Any]] = []
    boxes: set[str] = set()
    for row in store.manifests().sort("issued_at").iter_rows(named=True):
        roles = [r for r in PARTY_ROLES if name_key(row.get(r)) in keys]
        if roles:
            bills.append({"bill_of_lading": row["bill_of_lading"], "issued_at": row["issued_at"],
                          "roles": roles, "vessel_imo": row["vessel_imo"],
                          "declared_value": row["declared_value"],
                          "containers": list(row["container_numbers"] or [])})  # fmt: skip
            boxes.update(row["container_numbers"] or [])
    return bills, sorted(boxes)


def _hauliers(store: Store, keys: set[str]) -> dict[str, int]:
    """Gate transactions and releases naming a haulier of `keys`, counted."""
    gate = store.gate_transactions()
    releases = store.releases()
    return {
        "gate_transactions": sum(name_key(h) in keys for h in gate["haulier"].to_list() if h),
        "releases": sum(name_key(h) in keys
                        for h in releases["authorised_haulier"].to_list() if h),
    }  # fmt: skip


def _events(store: Store, ids: set[str], mmsis: set[int]) -> list[dict[str, Any]]:
    events = store.events().filter(pl.col("type").is_in(_SHOWN_TYPES))
    if events.is_empty():
        return []
    about = (
        pl.col("subject").struct.field("id").is_in(sorted(ids))
        | pl.col("mmsi").cast(pl.Int64).is_in(sorted(mmsis))
        | pl.col("related").list.eval(pl.element().struct.field("id").is_in(sorted(ids))).list.any()
    )
    found = events.filter(about.fill_null(False)).sort("start", "id", descending=[True, False])
    return [
        {"id": r["id"], "type": r["type"], "start": r["start"], "end": r["end"],
         "subject": r["subject"], "score": r["score"], "status": r["status"]}
        for r in found.iter_rows(named=True)
    ]  # fmt: skip


def _registry_page(
    store: Store, registry: Registry, entity_id: str, depth: int, shell: ShellParams,
    screen: ScreenParams, day: date,
) -> dict[str, Any]:  # fmt: skip
    row = registry.entities[entity_id]
    shell_part, matches = _shell(registry, entity_id, store, shell, screen, day)
    keys = {k for k in (name_key(t) for t in (row["name"], *(row["aliases"] or ()))) if k}
    keys = {k for k in keys if k in registry.trade} if row["schema"] != "Vessel" else set()
    imos, mmsis = _owned_vessels(registry, entity_id, depth)
    if row["schema"] == "Vessel":
        imos.update([row["imo"]] if row["imo"] else [])
        mmsis.update([row["mmsi"]] if row["mmsi"] else [])
    vessels = _vessel_rows(registry, imos, mmsis)
    heard = {v["mmsi"] for v in vessels}
    own_mmsis = heard if row["schema"] == "Vessel" else set()
    return {
        "id": entity_id, "kind": "registry", "schema": row["schema"], "name": row["name"],
        "aliases": list(row["aliases"] or []), "country": row["country"],
        "identifiers": {k: row[k] for k in ("registration_number", "lei", "imo", "mmsi")
                        if row[k] is not None},
        "incorporation_date": row["incorporation_date"], "address": _address(registry, row),
        "topics": list(row["topics"] or []), "source": row["source"],
        **_ownership(registry, entity_id, depth), "shell": shell_part, "list_matches": matches,
        "vessels": vessels, "parties": [_party(registry.trade[k], k) for k in sorted(keys)],
        "linked_registry": [],
        **_records(store, registry, keys, {entity_id}, own_mmsis),
    }  # fmt: skip


def _address(registry: Registry, row: Mapping[str, Any]) -> str | None:
    if row["address"]:
        return str(row["address"])
    return registry.name(row["address_id"]) if row["address_id"] else None


def _party(trade: PartyTrade, key: str) -> dict[str, Any]:
    return {"id": f"party:{key}", "name": trade.name, "roles": sorted(trade.roles),
            "bills": trade.bills, "first_bill": trade.first_bill,
            "last_bill": trade.last_bill}  # fmt: skip


def _records(
    store: Store, registry: Registry, keys: set[str], ids: set[str], mmsis: set[int]
) -> dict[str, Any]:  # fmt: skip
    bills, boxes = _bills(store, keys)
    # a party's `list_match` is about the name as first written on the bills
    names = {registry.trade[k].name for k in keys if k in registry.trade}
    events = _events(store, ids | names, mmsis)
    return {"bills": bills[:MAX_ITEMS], "bill_count": len(bills),
            "containers": boxes[:MAX_ITEMS], "container_count": len(boxes),
            "hauliers": _hauliers(store, keys) if keys else {},
            "events": events[:MAX_ITEMS], "event_count": len(events)}  # fmt: skip


def _derived_page(store: Store, registry: Registry, entity_id: str) -> dict[str, Any] | None:
    kind, _, rest = entity_id.partition(":")
    if kind == "vessel":
        imo = int(rest[3:]) if rest.startswith("IMO") and rest[3:].isdigit() else None
        mmsi = int(rest[4:]) if rest.startswith("MMSI") and rest[4:].isdigit() else None
        vessels = _vessel_rows(registry, {imo} if imo else set(), {mmsi} if mmsi else set())
        if not vessels:
            return None
        mmsis = {v["mmsi"] for v in vessels}
        linked = {e for m in mmsis for e in registry.index.vessel(imo, m)}
        names = [n for v in vessels for n in v["names"]]
        return {"id": entity_id, "kind": "vessel", "schema": "Vessel",
                "name": names[-1] if names else entity_id, "vessels": vessels,
                "parties": [], "linked_registry": _linked(registry, linked),
                **_records(store, registry, set(), {str(m) for m in mmsis} | linked,
                           mmsis)}  # fmt: skip
    if kind == "party":
        key = name_key(rest)
        trade = registry.trade.get(key)
        hauled = _hauliers(store, {key})
        if trade is None and not any(hauled.values()):
            return None
        linked = set(registry.index.named(rest))
        return {"id": party_entity_id(rest), "kind": "party", "schema": "LegalEntity",
                "name": trade.name if trade else rest,
                "parties": [_party(trade, key)] if trade else [], "vessels": [],
                "linked_registry": _linked(registry, linked),
                **_records(store, registry, {key}, linked, set())}  # fmt: skip
    return None


def _linked(registry: Registry, ids: Iterable[str]) -> list[dict[str, Any]]:
    return [{"id": e, "name": registry.name(e), "schema": registry.entities[e]["schema"]}
            for e in sorted(ids)]  # fmt: skip


def entity_record(
    store: Store,
    entity_id: str,
    shell: ShellParams,
    screen: ScreenParams,
    depth: int = DEFAULT_DEPTH,
    today: date | None = None,
) -> dict[str, Any] | None:
    """The page of `entity_id` (see the module docstring); None when nothing is known of it."""
    day = today or datetime.now(UTC).date()
    registry = Registry.load(store, day)
    if entity_id in registry.entities:
        return _registry_page(store, registry, entity_id, depth, shell, screen, day)
    return _derived_page(store, registry, entity_id)


def search_entities(store: Store, text: str) -> list[dict[str, Any]]:
    """Registry entities, AIS vessels and parties whose name key contains that of `text` (or
    whose id, IMO number or MMSI is `text`), by id."""
    registry = Registry.load(store)
    key, raw = name_key(text), text.strip()
    found: dict[str, dict[str, Any]] = {}
    for entity_id, row in registry.entities.items():
        names = (row["name"], *(row["aliases"] or ()))
        if entity_id == raw or (key and any(key in name_key(n) for n in names)):
            found[entity_id] = {"id": entity_id, "kind": "registry", "schema": row["schema"],
                                "name": row["name"], "country": row["country"]}  # fmt: skip
    for vessel in _vessel_rows(registry, set(), set(registry.vessels["mmsi"].to_list())):
        names = vessel["names"]
        numbers = {str(vessel["mmsi"]), *(str(i) for i in vessel["imos"])}
        if raw in numbers or (key and any(key in name_key(n) for n in names)):
            found[vessel["id"]] = {
                "id": vessel["id"],
                "kind": "vessel",
                "schema": "Vessel",
                "name": names[-1] if names else None,
                "country": None,
            }
    for party_key, trade in registry.trade.items():
        if key and key in party_key:
            found[f"party:{party_key}"] = {"id": f"party:{party_key}", "kind": "party",
                                           "schema": "LegalEntity", "name": trade.name,
                                           "country": None}  # fmt: skip
    return [found[k] for k in sorted(found)]
