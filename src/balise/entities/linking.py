"""How registry entities meet the records, pure: keys that link a registry company to the
parties named on bills of lading and at the gate, and a registry vessel to the vessels heard on
AIS.

A party is linked to a registry entity by the exact normalised name (`name_key`: transliterated,
lower case, punctuation, titles and legal forms at either end dropped: `ACME Shipping Ltd.` and
`Acme Shipping` share `acme shipping`); fuzzy matches are the screening's business, not the
registry's. A vessel is linked by IMO number, else by MMSI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from balise.entities.normalise import name_tokens, normalise_name, split_legal_forms


def name_key(text: str | None) -> str:
    """A name as the registry links it (see the module docstring); empty for no name."""
    if not text or not text.strip():
        return ""
    return " ".join(split_legal_forms(name_tokens(text))[0])


def address_key(text: str | None) -> str:
    """An address as mass registration compares it: normalised words (case, accents and
    punctuation ignored)."""
    return normalise_name(text) if text else ""


def vessel_entity_id(imo: int | None, mmsi: int | None) -> str:
    """The id of a vessel derived from AIS: `vessel:IMO<n>`, else `vessel:MMSI<n>`."""
    return f"vessel:IMO{imo}" if imo else f"vessel:MMSI{mmsi}"


def party_entity_id(name: str) -> str:
    """The id of a party derived from bills of lading or gate records: `party:<name key>`."""
    return f"party:{name_key(name)}"


@dataclass(frozen=True)
class NameIndex:
    """Registry entities by name key (names and aliases) and by identifier."""

    by_name: Mapping[str, tuple[str, ...]]
    by_imo: Mapping[int, tuple[str, ...]]
    by_mmsi: Mapping[int, tuple[str, ...]]

    @classmethod
    def of(cls, entities: Iterable[Mapping[str, Any]]) -> NameIndex:
        """The index of `ENTITY_SCHEMA` rows (addresses left out)."""
        names: dict[str, list[str]] = {}
        imos: dict[int, list[str]] = {}
        mmsis: dict[int, list[str]] = {}
        for row in entities:
            if row["schema"] == "Address":
                continue
            for text in (row["name"], *(row["aliases"] or ())):
                key = name_key(text)
                if key and row["entity_id"] not in names.get(key, []):
                    names.setdefault(key, []).append(row["entity_id"])
            if row["imo"]:
                imos.setdefault(int(row["imo"]), []).append(row["entity_id"])
            if row["mmsi"]:
                mmsis.setdefault(int(row["mmsi"]), []).append(row["entity_id"])
        return cls(
            {k: tuple(v) for k, v in names.items()},
            {k: tuple(v) for k, v in imos.items()},
            {k: tuple(v) for k, v in mmsis.items()},
        )

    def named(self, name: str | None) -> tuple[str, ...]:
        """Registry entities whose name or alias has the name key of `name`."""
        return self.by_name.get(name_key(name), ())

    def vessel(self, imo: int | None, mmsi: int | None) -> tuple[str, ...]:
        """Registry entities with the IMO number `imo`, else the MMSI `mmsi`."""
        if imo and imo in self.by_imo:
            return self.by_imo[imo]
        return self.by_mmsi.get(mmsi, ()) if mmsi else ()
