"""The world's company registry (synthetic): who owns the fleet, and the shell cluster behind
the network's consignees, written as the CSV registry `balise ingest registry` reads
(`registry-entities.csv`, `registry-links.csv`; docs/entities.md).

- Background vessels with an IMO number belong to a few carriers, each an old company at an
  address of its own.
- The scenarios' vessels belong to `Ocean Phoenix Shipping`, which the network's front company
  (`cargo.FRONT`) shares a registered address and a director with: twelve companies at one
  address in Willemstad, all directed by one nominee (a mass address and a nominee director at
  the default thresholds), owned through a BVI holding by one person. The front company was
  incorporated two months before the world starts; the investigated consignee
  (`cargo.INVESTIGATED`) is half owned by the same holding.
- The other consignees are old companies, each at its own address.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import polars as pl

from balise.sim.cargo import CONSIGNEES, FRONT, INVESTIGATED

CARRIERS: Final = (
    ("Atlantic Bulk Carriers SA", "pa"), ("Caribbean Coastal Lines", "bb"),
    ("Nordsee Reederei GmbH", "de"), ("Iberian Short Sea SL", "es"),
    ("Antilles Maritime SARL", "fr"), ("Holland Feeder Services BV", "nl"),
)  # fmt: skip
"""The background fleet's owners: name and country."""
SHELL_ADDRESS: Final = "Suite 12, 4 Harbour View, Willemstad, Curacao"
SHELL_FILLERS: Final = (
    "Harbour View Trading", "Blue Lagoon Commerce", "Punda Import Export", "Coral Coast Agencies",
    "Sea Breeze Holdings", "Isla Verde Logistics", "Otrobanda Ventures", "Westpunt Supplies",
    "Marina Bay Services", "Schottegat Partners",
)  # fmt: skip
"""The front company's neighbours at its registered address (synthetic names)."""
NOMINEE: Final = "Jan Pietersz"
OWNER: Final = "Rafael Montoya Vargas"
HOLDING: Final = "Coral Reef Holdings Ltd"
SCENARIO_CARRIER: Final = "Ocean Phoenix Shipping Ltd"
ENTITY_COLUMNS: Final = ("id", "schema", "name", "country", "registration_number",
                         "incorporation_date", "address", "imo")  # fmt: skip
LINK_COLUMNS: Final = ("kind", "source_id", "target_id", "share", "role", "start", "end")


def _slug(name: str) -> str:
    return "sim-" + "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def _company(name: str, country: str, founded: date, address: str) -> dict[str, Any]:
    return {"id": _slug(name), "schema": "Company", "name": name, "country": country,
            "registration_number": None,
            "incorporation_date": founded.isoformat(), "address": address, "imo": None}  # fmt: skip


def _link(kind: str, source: str, target: str, share: float | None = None,
          role: str | None = None, start: date | None = None) -> dict[str, Any]:  # fmt: skip
    return {"kind": kind, "source_id": source, "target_id": target, "share": share, "role": role,
            "start": start.isoformat() if start else None, "end": None}  # fmt: skip


def registry(roster: pl.DataFrame, start: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The entities and links of the world whose hulls are `roster` (`documents.roster`)."""
    entities: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    day = start.date()
    for k, (name, country) in enumerate(CARRIERS):
        entities.append(_company(name, country, date(1995 + k, 3, 1),
                                 f"{k + 1} Quay Street, port {k + 1}"))  # fmt: skip
    shell = _shell_cluster(day, entities, links)
    ships = roster.filter(pl.col("imo").is_not_null()).sort("hull_id")
    for index, row in enumerate(ships.iter_rows(named=True)):
        vessel = f"sim-imo-{row['imo']}"
        entities.append({"id": vessel, "schema": "Vessel", "name": row["name"],
                         "country": (row["flag"] or "").lower() or None,
                         "registration_number": None, "incorporation_date": None,
                         "address": None, "imo": row["imo"]})  # fmt: skip
        owner = shell if row["scenario"] else _slug(CARRIERS[index % len(CARRIERS)][0])
        links.append(_link("ownership", owner, vessel, 100.0))
    for k, name in enumerate(c for c in CONSIGNEES if c not in (FRONT, INVESTIGATED)):
        entities.append(_company(name, "nl" if k % 2 else "fr", date(1990 + k, 6, 1),
                                 f"{k + 10} Market Street"))  # fmt: skip
    return (
        pl.DataFrame(entities, schema=dict.fromkeys(ENTITY_COLUMNS, pl.String), orient="row"),
        pl.DataFrame(links, schema=dict.fromkeys(LINK_COLUMNS, pl.String), orient="row"),
    )


def _shell_cluster(day: date, entities: list[dict[str, Any]], links: list[dict[str, Any]]) -> str:
    """The cluster at one address behind the front company; the id of the scenarios' carrier."""
    entities.append({"id": _slug(OWNER), "schema": "Person", "name": OWNER, "country": "co",
                     "registration_number": None, "incorporation_date": None, "address": None,
                     "imo": None})  # fmt: skip
    entities.append({"id": _slug(NOMINEE), "schema": "Person", "name": NOMINEE, "country": "cw",
                     "registration_number": None, "incorporation_date": None, "address": None,
                     "imo": None})  # fmt: skip
    entities.append(_company(HOLDING, "vg", date(2016, 2, 1), "Road Town, Tortola"))
    links.append(_link("ownership", _slug(OWNER), _slug(HOLDING), 100.0))
    cluster = [(FRONT, day - timedelta(days=60)), (SCENARIO_CARRIER, date(2021, 5, 1))]
    cluster += [(name, date(2018 + k % 6, 1 + k, 1)) for k, name in enumerate(SHELL_FILLERS)]
    for name, founded in cluster:
        entities.append(_company(name, "cw", founded, SHELL_ADDRESS))
        links.append(_link("directorship", _slug(NOMINEE), _slug(name), role="director",
                           start=founded))  # fmt: skip
    links.append(_link("ownership", _slug(HOLDING), _slug(FRONT), 100.0))
    links.append(_link("ownership", _slug(HOLDING), _slug(SCENARIO_CARRIER), 100.0))
    entities.append(_company(INVESTIGATED, "nl", date(2019, 9, 1), "7 Rotterdam Way"))
    links.append(_link("ownership", _slug(HOLDING), _slug(INVESTIGATED), 51.0))
    return _slug(SCENARIO_CARRIER)


def write_registry(roster: pl.DataFrame, start: datetime, entities: Path, links: Path) -> int:
    """Write the registry of `roster`; the number of entities and links written."""
    found, linked = registry(roster, start)
    found.write_csv(entities)
    linked.write_csv(links)
    return found.height + linked.height
