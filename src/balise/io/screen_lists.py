"""Screening lists and names to screen, read from a CSV or FollowTheMoney JSON lines.

CSV: a header with `name` or `full_name` (else `first_name` and `last_name`), and optional
`date_of_birth`, `nationality` or `country`, `imo`, `mmsi`, `lei`, `registration_number`,
`crypto_address` and `schema` (an FtM schema: Person, Company, Vessel, ...) columns; an entry's id
is its row number, 0-based, without the header. FtM JSON lines (the OpenSanctions export format):
one entity a line, `{"id", "schema", "properties"}`; the parties (persons, companies,
organisations, vessels, airplanes, crypto wallets) are read, relations and other records are
skipped; an entry's id is the entity id.

Lenient, as every bulk reader of Balise: a bad row (no name and no identifier, broken JSON, a
row with more cells than the header) is quarantined with its reason and counted, the good ones
are kept. A file that cannot be read at all (missing, not UTF-8, no name column) raises
`UsageError`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from balise.entities.identifiers import Identifier, normalise_identifier
from balise.entities.match import Entity
from balise.errors import UsageError

PARTY_SCHEMATA = frozenset(
    {"Person", "Company", "Organization", "LegalEntity", "Vessel", "Airplane", "PublicBody",
     "CryptoWallet"}
)  # fmt: skip
"""FtM schemata screened; the others (Ownership, Sanction, Address, ...) are skipped."""

_CSV_IDENTIFIERS = {"imo": "imo", "mmsi": "mmsi", "lei": "lei",
                    "registration_number": "registration", "crypto_address": "crypto"}  # fmt: skip
_FTM_IDENTIFIERS = {"imoNumber": "imo", "mmsi": "mmsi", "leiCode": "lei",
                    "registrationNumber": "registration", "publicKey": "crypto",
                    "cryptoAddress": "crypto"}  # fmt: skip
_FTM_NAMES = ("name", "alias", "previousName")
_FTM_COUNTRIES = ("nationality", "citizenship", "country", "flag", "jurisdiction")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class EntityFile:
    """What a file gave: entities by row (None for a quarantined row of a CSV, so that row
    numbers stay those of the file), the quarantine reasons counted, and skipped records."""

    rows: list[Entity | None] = field(default_factory=list)
    quarantined: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    ftm: bool = False
    """Read as FtM JSON lines (entity ids of their own), else as CSV (row numbers)."""

    @property
    def entities(self) -> list[Entity]:
        return [entity for entity in self.rows if entity is not None]


def read_entity_file(path: Path) -> EntityFile:
    """The entities of a CSV or FtM JSON lines file (by extension, else by first character)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as err:
        raise UsageError(f"{path}: no such file") from err
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(
            f"{path}: cannot be read as UTF-8 text ({err.__class__.__name__})"
        ) from err
    ftm = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or text.lstrip().startswith("{")
    return read_ftm_lines(text) if ftm else read_csv_entities(text, str(path))


def _dates(values: list[str], quarantined: Counter[str]) -> tuple[str, ...]:
    good = []
    for value in values:
        value = value.strip()
        if _DATE_RE.match(value):
            good.append(value)
        elif value:
            quarantined["bad_date_ignored"] += 1
    return tuple(good)


def _identifiers(pairs: list[tuple[str, str]], quarantined: Counter[str]) -> tuple[Identifier, ...]:
    found = []
    for kind, value in pairs:
        if not value.strip():
            continue
        identifier = normalise_identifier(kind, value)
        if identifier is None:
            quarantined[f"bad_{kind}_ignored"] += 1
        else:
            found.append(identifier)
    return tuple(found)


def _csv_entity(row: dict[str, str], row_id: str, quarantined: Counter[str]) -> Entity | None:
    cell = {k.strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
    name = (
        cell.get("name")
        or cell.get("full_name")
        or " ".join(
            part for part in (cell.get("first_name", ""), cell.get("last_name", "")) if part
        )
    )
    ids = _identifiers([(kind, cell.get(col, "")) for col, kind in _CSV_IDENTIFIERS.items()],
                       quarantined)  # fmt: skip
    if not name and not ids:
        quarantined["no_name"] += 1
        return None
    country = cell.get("nationality") or cell.get("country") or cell.get("flag") or ""
    return Entity(
        id=row_id,
        schema=cell.get("schema", ""),
        names=(name,) if name else (),
        birth_dates=_dates([cell.get("date_of_birth", "")], quarantined),
        countries=tuple(c.strip().lower() for c in country.split(";") if c.strip()),
        identifiers=ids,
    )


def read_csv_entities(text: str, origin: str = "CSV") -> EntityFile:
    """Entities from CSV text; the id of a row is its 0-based number without the header."""
    reader = csv.DictReader(io.StringIO(text))
    header = {h.strip().lower() for h in reader.fieldnames or ()}
    if not header & {"name", "full_name", "first_name", "last_name", "imo", "mmsi"}:
        raise UsageError(f"{origin}: no name, full_name, first_name/last_name, imo or mmsi column")
    result = EntityFile()
    for number, row in enumerate(reader):
        if None in row:
            result.quarantined["too_many_cells"] += 1
            result.rows.append(None)
            continue
        result.rows.append(_csv_entity(row, str(number), result.quarantined))
    return result


def _values(properties: dict[str, Any], name: str) -> list[str]:
    value = properties.get(name, [])
    return [str(v) for v in value if v] if isinstance(value, list) else []


def _ftm_entity(record: Any, quarantined: Counter[str]) -> Entity | bool | None:
    """An entity, None when quarantined, False when skipped (not a party)."""
    if not isinstance(record, dict) or not isinstance(record.get("properties"), dict):
        quarantined["not_an_entity"] += 1
        return None
    if record.get("schema") not in PARTY_SCHEMATA:
        return False
    if not record.get("id"):
        quarantined["no_id"] += 1
        return None
    props = record["properties"]
    names = [n for key in _FTM_NAMES for n in _values(props, key)]
    if not names and (first := _values(props, "firstName")):
        names = [" ".join([first[0], *_values(props, "lastName")[:1]])]
    pairs = [(kind, v) for key, kind in _FTM_IDENTIFIERS.items() for v in _values(props, key)]
    ids = _identifiers(pairs, quarantined)
    if not names and not ids:
        quarantined["no_name"] += 1
        return None
    countries = {c.lower() for key in _FTM_COUNTRIES for c in _values(props, key)}
    return Entity(
        id=str(record["id"]),
        schema=str(record["schema"]),
        names=tuple(dict.fromkeys(names)),
        birth_dates=_dates([d[:10] for d in _values(props, "birthDate")], quarantined),
        countries=tuple(sorted(countries)),
        identifiers=ids,
    )


def read_ftm_lines(text: str) -> EntityFile:
    """Party entities from FtM JSON lines; blank lines are ignored."""
    result = EntityFile(ftm=True)
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            result.quarantined["bad_json"] += 1
            continue
        entity = _ftm_entity(record, result.quarantined)
        if entity is None or isinstance(entity, Entity):
            result.rows.append(entity)
        else:
            result.skipped += 1
    return result
