"""Tiny hand-built registries for the ownership and shell tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from balise.entities.graph import Link


def entity(entity_id: str, schema: str = "Company", **fields: Any) -> dict[str, Any]:
    """An `ENTITY_SCHEMA` row with defaults."""
    row: dict[str, Any] = {
        "entity_id": entity_id, "schema": schema, "name": fields.pop("name", entity_id.upper()),
        "aliases": [], "country": None, "registration_number": None, "lei": None, "imo": None,
        "mmsi": None, "incorporation_date": None, "address": None, "address_id": None,
        "topics": [], "source": "test", "source_line": 1,
    }  # fmt: skip
    row.update(fields)
    return row


def owns(owner: str, asset: str, share: float | None = 100.0, **more: Any) -> Link:
    """`owner` owns `share` % of `asset`."""
    return Link(f"own-{owner}-{asset}", "ownership", owner, asset, share, None,
                more.get("start"), more.get("end"))  # fmt: skip


def directs(director: str, company: str, role: str = "director",
            start: date | None = None) -> Link:  # fmt: skip
    """`director` directs `company`."""
    return Link(f"dir-{director}-{company}", "directorship", director, company, None, role,
                start)  # fmt: skip
