"""A screening list's entries written out: FollowTheMoney JSON lines (the OpenSanctions export
format, read back by `balise.io.screen_lists`) or a CSV with the columns that reader knows and
the entry's provenance.

FtM: one entity a line, its id the entry id, its schema the entry's; names as `name` and
`alias`, identifiers as `imoNumber`, `mmsi`, `leiCode`, `registrationNumber`, `publicKey`,
dates of birth as `birthDate`, countries as `country`, the reason as `notes` and the source as
`publisher`; the list is the entity's dataset, its first listing `first_seen`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from typing import Any, Final, TextIO

from balise.entities.lists import parse_identifiers

FTM_IDENTIFIERS: Final = {"imo": "imoNumber", "mmsi": "mmsi", "lei": "leiCode",
                          "registration": "registrationNumber", "crypto": "publicKey"}  # fmt: skip
CSV_IDENTIFIERS: Final = {
    "imo": "imo", "mmsi": "mmsi", "lei": "lei", "registration": "registration_number",
    "crypto": "crypto_address",
}  # fmt: skip
CSV_COLUMNS: Final = (
    "entry_id", "schema", "name", "aliases", *CSV_IDENTIFIERS.values(), "date_of_birth",
    "country", "reason", "source", "source_date", "added_by", "added_at", "valid_from",
    "valid_until",
)  # fmt: skip


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def ftm_entity(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One entry (`LIST_ENTRY_SCHEMA` row) as an FtM entity."""
    props: dict[str, list[str]] = {"name": [entry["name"]] if entry["name"] else []}
    props["alias"] = list(entry["aliases"] or ())
    for identifier in parse_identifiers(entry["identifiers"]):
        props.setdefault(FTM_IDENTIFIERS.get(identifier.kind, identifier.kind), []).append(
            identifier.value
        )
    props["birthDate"] = list(entry["birth_dates"] or ())
    props["country"] = list(entry["countries"] or ())
    props["notes"] = [entry["reason"]] if entry["reason"] else []
    props["publisher"] = [entry["source"]] if entry["source"] else []
    return {
        "id": entry["entry_id"],
        "schema": entry["schema"],
        "properties": {k: v for k, v in props.items() if v},
        "datasets": [entry["list_name"]],
        "first_seen": _text(entry["added_at"]),
    }


def write_ftm(entries: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    """The entries as FtM JSON lines."""
    for entry in entries:
        out.write(json.dumps(ftm_entity(entry), ensure_ascii=False, sort_keys=True) + "\n")


def csv_row(entry: Mapping[str, Any]) -> list[str]:
    """One entry as a row of `CSV_COLUMNS` (several values of a cell joined by `;`)."""
    ids: dict[str, list[str]] = {}
    for identifier in parse_identifiers(entry["identifiers"]):
        ids.setdefault(CSV_IDENTIFIERS.get(identifier.kind, identifier.kind), []).append(
            identifier.value
        )
    cells = {
        **{column: ";".join(values) for column, values in ids.items()},
        "aliases": ";".join(entry["aliases"] or ()),
        "date_of_birth": ";".join(entry["birth_dates"] or ()),
        "country": ";".join(entry["countries"] or ()),
    }
    return [cells[c] if c in cells else _text(entry.get(c)) for c in CSV_COLUMNS]


def write_csv(entries: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    """The entries as CSV with a header (`CSV_COLUMNS`)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(csv_row(entry))
