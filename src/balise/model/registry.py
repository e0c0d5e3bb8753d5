"""Frame schemas of company registries: the entities (companies, organisations, persons,
vessels, addresses) and the links between them (ownership, directorship), as
`balise ingest registry` reads them from FollowTheMoney JSON lines or CSV (`balise.io.registry`)
and the store keeps them (`entities`, `entity_links`).

An entity keeps one row per id (the latest ingest's); a link too, by `link_id` (the FtM
relation's id, or one made of kind, source, target, role and start for a CSV row).
"""

from __future__ import annotations

from typing import Final

import polars as pl

ENTITY_SCHEMATA: Final = ("Company", "Organization", "LegalEntity", "Person", "Vessel", "Address")
"""The FollowTheMoney schemata a registry entity can have."""
ORGANISATION_SCHEMATA: Final = frozenset({"Company", "Organization", "LegalEntity"})
"""Schemata that can be owned and have directors (and be shells)."""
LINK_KINDS: Final = ("ownership", "directorship")
"""What a link says: `source` owns a share of `target`, or `source` directs `target`."""

ENTITY_SCHEMA: Final[dict[str, pl.DataType]] = {
    "entity_id": pl.String(),
    "schema": pl.String(),
    "name": pl.String(),
    "aliases": pl.List(pl.String()),
    "country": pl.String(),
    "registration_number": pl.String(),
    "lei": pl.String(),
    "imo": pl.Int64(),
    "mmsi": pl.Int64(),
    "incorporation_date": pl.Date(),
    "address": pl.String(),
    "address_id": pl.String(),
    "topics": pl.List(pl.String()),
    "source": pl.String(),
    "source_line": pl.Int64(),
}
"""One entity: `country` an ISO 3166-1 alpha-2 code in lower case (FtM's form: jurisdiction,
else country, else nationality), `address` the registered address as written, `address_id` the
id of an `Address` entity holding it (FtM `addressEntity`), `topics` FtM topics
(`corp.shell`, `sanction`, ...)."""

LINK_SCHEMA: Final[dict[str, pl.DataType]] = {
    "link_id": pl.String(),
    "kind": pl.String(),
    "source_id": pl.String(),
    "target_id": pl.String(),
    "share_pct": pl.Float64(),
    "role": pl.String(),
    "start_date": pl.Date(),
    "end_date": pl.Date(),
    "source": pl.String(),
    "source_line": pl.Int64(),
}
"""One link: `source_id` (owner, director) to `target_id` (asset, organisation); `share_pct`
0-100 for an ownership (null when unknown), `role` as written (`director`, `nominee
director`, `shareholder`)."""
