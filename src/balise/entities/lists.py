"""List entries as screening sees them, and back: an `Entity` from a stored entry
(`balise.model.lists.LIST_ENTRY_SCHEMA`) and an entry's row from an `Entity` read from a file or
typed on the command line. Pure: the store keeps the rows, `balise.engine.screening` screens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from balise.entities.identifiers import Identifier
from balise.entities.match import Entity
from balise.model.events import to_json
from balise.model.lists import entry_ref


def identifier_texts(identifiers: tuple[Identifier, ...]) -> list[str]:
    """Identifiers as stored: `kind:value`, sorted."""
    return sorted(f"{i.kind}:{i.value}" for i in identifiers)


def parse_identifiers(texts: list[str] | None) -> tuple[Identifier, ...]:
    """Stored `kind:value` texts back as identifiers (a text without a kind is skipped)."""
    found = []
    for text in texts or ():
        kind, _, value = text.partition(":")
        if value:
            found.append(Identifier(kind, value))
    return tuple(found)


def new_entry_id(list_name: str, entity: Entity) -> str:
    """A stable id for an entry that has none of its own (a CSV row, a typed entry): the hash
    of its list, schema, names and identifiers, so adding or importing the same entry again
    is recognised."""
    key = to_json({"list": list_name, "schema": entity.schema, "names": list(entity.names),
                   "ids": identifier_texts(entity.identifiers)})  # fmt: skip
    return "e-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def inferred_schema(entity: Entity) -> str:
    """The entity's schema, else `Vessel` when it has an IMO number or MMSI (both name ships),
    else `LegalEntity` (a person or an organisation): a CSV list without a `schema` column."""
    if entity.schema:
        return entity.schema
    if any(i.kind in ("imo", "mmsi") for i in entity.identifiers):
        return "Vessel"
    return "LegalEntity"


def entry_row(
    list_name: str, entity: Entity, entry_id: str, provenance: Mapping[str, Any]
) -> dict[str, Any]:
    """The row (`LIST_ENTRY_SCHEMA` columns) of `entity` on `list_name`; `provenance` gives
    `source`, `source_date`, `reason`, `added_by`, `added_at`, `valid_from`, `valid_until`."""
    names = list(entity.names)
    return {
        "list_name": list_name,
        "entry_id": entry_id,
        "schema": inferred_schema(entity),
        "name": names[0] if names else "",
        "aliases": names[1:],
        "identifiers": identifier_texts(entity.identifiers),
        "birth_dates": list(entity.birth_dates),
        "countries": list(entity.countries),
        **provenance,
    }


def entry_entity(row: Mapping[str, Any]) -> Entity:
    """The entity of a stored entry, its id `<list>/<entry id>`."""
    names = [n for n in (row["name"], *(row["aliases"] or ())) if n]
    return Entity(
        id=entry_ref(row["list_name"], row["entry_id"]),
        schema=row["schema"] or "",
        names=tuple(names),
        birth_dates=tuple(row["birth_dates"] or ()),
        countries=tuple(row["countries"] or ()),
        identifiers=parse_identifiers(row["identifiers"]),
    )


def entry_active(row: Mapping[str, Any], today: date) -> bool:
    """Whether an entry holds on `today`: not removed, and within its validity."""
    if row["removed_at"] is not None:
        return False
    if row["valid_from"] is not None and row["valid_from"] > today:
        return False
    return row["valid_until"] is None or row["valid_until"] >= today
