"""Registry entities and links written out as FollowTheMoney JSON lines (the OpenSanctions
export format), as `balise.io.registry` reads them back.

Each entity and link is built through the FollowTheMoney model (`followthemoney`), so what is
written is valid against it: an entity keeps its id and schema; its name as `name` (`full` for
an Address), its aliases as `alias`, its country as `country`, `registrationNumber`,
`leiCode`, `imoNumber`, `mmsi`, `incorporationDate`, `address`, `addressEntity` and `topics`;
a link is an `Ownership` (owner, asset, percentage) or a `Directorship` (director,
organization), with `role`, `startDate` and `endDate`. A property the schema does not have (an
IMO number on a Person) and a value the model refuses (a country code it does not know) are
left out, as they would be dropped on the way back in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Final, TextIO

from balise.io.registry import ftm_model

if TYPE_CHECKING:
    from followthemoney.proxy import EntityProxy


_ENTITY_PROPS: Final = (
    ("country", "country"), ("registration_number", "registrationNumber"), ("lei", "leiCode"),
    ("imo", "imoNumber"), ("mmsi", "mmsi"), ("incorporation_date", "incorporationDate"),
    ("address", "address"), ("address_id", "addressEntity"),
)  # fmt: skip
_LINK_ENDS: Final = {"ownership": ("Ownership", "owner", "asset"),
                     "directorship": ("Directorship", "director", "organization")}  # fmt: skip


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _add(proxy: EntityProxy, prop: str, values: Iterable[Any]) -> None:
    for value in values:
        if value is not None and str(value).strip():
            proxy.add(prop, _text(value), quiet=True)


def ftm_registry_entity(row: Mapping[str, Any]) -> dict[str, Any]:
    """One registry entity (`ENTITY_SCHEMA` row) as an FtM entity."""
    proxy = ftm_model().make_entity(str(row["schema"]))
    proxy.id = str(row["entity_id"])
    _add(proxy, "full" if row["schema"] == "Address" else "name", [row["name"]])
    _add(proxy, "alias", row["aliases"] or ())
    for column, prop in _ENTITY_PROPS:
        _add(proxy, prop, [row[column]])
    _add(proxy, "topics", row["topics"] or ())
    return dict(proxy.to_dict())


def ftm_registry_link(row: Mapping[str, Any]) -> dict[str, Any]:
    """One link (`LINK_SCHEMA` row) as an FtM Ownership or Directorship."""
    schema, source_prop, target_prop = _LINK_ENDS[str(row["kind"])]
    proxy = ftm_model().make_entity(schema)
    proxy.id = str(row["link_id"])
    _add(proxy, source_prop, [row["source_id"]])
    _add(proxy, target_prop, [row["target_id"]])
    if row["share_pct"] is not None:
        _add(proxy, "percentage", [f"{float(row['share_pct']):g}"])
    _add(proxy, "role", [row["role"]])
    _add(proxy, "startDate", [row["start_date"]])
    _add(proxy, "endDate", [row["end_date"]])
    return dict(proxy.to_dict())


def registry_ftm(
    entities: Iterable[Mapping[str, Any]], links: Iterable[Mapping[str, Any]]
) -> Iterator[dict[str, Any]]:
    """The entities, then the links, as FtM entities."""
    for row in entities:
        yield ftm_registry_entity(row)
    for row in links:
        yield ftm_registry_link(row)


def write_ftm_lines(items: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """FtM entities as JSON lines; how many were written."""
    count = 0
    for item in items:
        out.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count
