"""Reader of company registries: FollowTheMoney JSON lines (the OpenSanctions export format)
and two CSV files, entities and links, into the frames of `balise.model.registry`.

FtM JSON lines: one entity a line, `{"id", "schema", "properties": {name: [values]}}`, checked
against the FollowTheMoney model (the `followthemoney` package): a schema the model does not
know is quarantined `unknown_schema`, a property the schema does not have is dropped and
counted under `cleared: unknown_property`. Company, Organization, LegalEntity, Person, Vessel
and Address are entities; Ownership (owner → asset, percentage) and Directorship (director →
organization) are links; other schemata (Sanction, Payment, Family, ...) are valid but not a
registry's and are counted under `skipped: not_registry_schema`.

Entities CSV (`entities.csv`), header case-insensitive, required in bold: **id**, **name**,
schema (one of `ENTITY_SCHEMATA`, LegalEntity when blank), country (ISO 3166-1 alpha-2),
registration_number, lei, incorporation_date (ISO date), address, imo, mmsi, aliases and
topics (`;`-separated). Links CSV (`links.csv`): **kind** (`ownership` or `directorship`),
**source_id** (owner, director), **target_id** (asset, company), share (0-100 %), role, start,
end (ISO dates), id (made of the others when blank).

Lenient: a bad record (no id, no name, an unknown schema or kind, a share outside 0-100, a
date that does not parse) is quarantined with its reason and the reader goes on; an IMO number
whose check digit fails, or an invalid MMSI, is read as null (`cleared: invalid_imo`). A
partial FtM date (`2014`, `2014-05`) is read as its first day.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, BinaryIO, Final

import polars as pl

from balise.entities.identifiers import normalise_identifier
from balise.io.record_fields import BadRecord, Row, SkipRecord
from balise.io.record_lines import RecordFormat, numbered_lines, read_csv_records
from balise.model.batch import ReadOptions
from balise.model.record_batch import RECORD_SCHEMAS, RecordBatch, RecordKind
from balise.model.registry import ENTITY_SCHEMATA, LINK_KINDS
from balise.model.schema import QUARANTINE_SCHEMA

if TYPE_CHECKING:
    from followthemoney.model import Model


@functools.cache
def ftm_model() -> Model:
    """The FollowTheMoney model, loaded at first use (its schemata take a while to load: not
    at every command's start)."""
    from followthemoney import model

    return model


REGISTRY_FTM: Final = "registry_ftm"
_DATE_RE: Final = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_SCHEMATA: Final = {s.lower(): s for s in ENTITY_SCHEMATA}
_COUNTRY_PROPS: Final = ("jurisdiction", "country", "nationality", "citizenship", "flag")


def parse_date(text: str | None, name: str) -> date | None:
    """An ISO date, or its year or month alone (read as the first day); `bad_date`."""
    if text is None or not text.strip():
        return None
    found = _DATE_RE.match(text.strip())
    try:
        if found is None:
            raise ValueError(text)
        year, month, day = found.groups()
        return date(int(year), int(month or 1), int(day or 1))
    except ValueError as err:
        raise BadRecord("bad_date", f"{name} {text[:40]!r}") from err


def _identifier(kind: str, text: str | None, row_cleared: list[str]) -> int | None:
    if not text:
        return None
    found = normalise_identifier(kind, text)
    if found is None:
        row_cleared.append(f"invalid_{kind}")
        return None
    return int(found.value)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def _csv_entity(row: Row) -> dict[str, Any]:
    schema_text = (row.text("schema") or "LegalEntity").lower()
    if schema_text not in _SCHEMATA:
        raise BadRecord("unknown_schema", f"schema {schema_text!r}")
    country = row.text("country")
    return {
        "entity_id": row.required("id"), "schema": _SCHEMATA[schema_text],
        "name": row.required("name"), "aliases": _split(row.text("aliases")),
        "country": country.lower() if country else None,
        "registration_number": row.text("registration_number"), "lei": row.text("lei"),
        "imo": _identifier("imo", row.text("imo"), row.cleared),
        "mmsi": _identifier("mmsi", row.text("mmsi"), row.cleared),
        "incorporation_date": parse_date(row.text("incorporation_date"), "incorporation_date"),
        "address": row.text("address"), "address_id": None, "topics": _split(row.text("topics")),
    }  # fmt: skip


def link_id(kind: str, source_id: str, target_id: str, role: str | None, start: date | None) -> str:
    """The id of a link read without one: its kind, ends, role and start, hashed."""
    text = json.dumps([kind, source_id, target_id, role, str(start)])
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _csv_link(row: Row) -> dict[str, Any]:
    kind = row.choice("kind", LINK_KINDS, "unknown_link_kind")
    if kind is None:
        raise BadRecord("missing_field", "kind")
    source_id, target_id = row.required("source_id"), row.required("target_id")
    role, start = row.text("role"), parse_date(row.text("start"), "start")
    return {
        "link_id": row.text("id") or link_id(kind, source_id, target_id, role, start),
        "kind": kind, "source_id": source_id, "target_id": target_id,
        "share_pct": row.number("share", 0.0, 100.0), "role": role, "start_date": start,
        "end_date": parse_date(row.text("end"), "end"),
    }  # fmt: skip


ENTITIES_CSV: Final = RecordFormat(
    RecordKind.REGISTRY, "registry_entities_csv", ("id", "name"), _csv_entity
)
LINKS_CSV: Final = RecordFormat(
    RecordKind.REGISTRY_LINKS, "registry_links_csv", ("kind", "source_id", "target_id"), _csv_link
)


def registry_format(head: bytes) -> str:
    """`registry_ftm`, `registry_links_csv` or `registry_entities_csv` from an input's first
    bytes (a CSV header naming `source_id` is a links file)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"{":
        return REGISTRY_FTM
    header = text.split(b"\n", 1)[0].decode("utf-8", errors="replace").lower()
    return LINKS_CSV.name if "source_id" in header else ENTITIES_CSV.name


def read_registry(
    stream: BinaryIO, source: str, fmt: str, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of a registry input of format `fmt` (`registry_format`); an FtM input gives, per
    batch of lines, a batch of entities and one of links."""
    if fmt == ENTITIES_CSV.name:
        yield from read_csv_records(stream, source, ENTITIES_CSV, options)
    elif fmt == LINKS_CSV.name:
        yield from read_csv_records(stream, source, LINKS_CSV, options)
    else:
        yield from read_ftm_registry(stream, source, options)


def read_ftm_registry(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[RecordBatch]:
    """Batches of FtM JSON lines (see the module docstring)."""
    chunk = _FtmChunk(source)
    size = max(1, options.batch_records)
    for number, data in numbered_lines(stream, options.max_record_line_bytes):
        if not data.strip():
            chunk.skipped["blank_line"] += 1
            continue
        chunk.read += 1
        chunk.add(number, data.decode("utf-8", errors="replace"), options.max_record_line_bytes)
        if chunk.read >= size:
            yield from chunk.done()
            chunk = _FtmChunk(source)
    if chunk.read or chunk.skipped:
        yield from chunk.done()


class _FtmChunk:
    """The entities, links, rejected lines and tallies of one batch of FtM lines."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.entities: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.rejected: list[tuple[int, str, str, str]] = []
        self.skipped: Counter[str] = Counter()
        self.cleared: Counter[str] = Counter()
        self.read = 0

    def add(self, number: int, text: str, max_bytes: int) -> None:
        try:
            if len(text.encode()) > max_bytes:
                raise BadRecord("line_too_long", f"longer than {max_bytes} bytes")
            record, is_link = self._parse(text)
        except BadRecord as bad:
            self.rejected.append((number, bad.reason, bad.detail, text))
            return
        except SkipRecord as skip:
            self.skipped[skip.reason] += 1
            return
        record["source"], record["source_line"] = self.source, number
        (self.links if is_link else self.entities).append(record)

    def _parse(self, text: str) -> tuple[dict[str, Any], bool]:
        props, schema, entity_id = self._checked(text)
        if schema in ("Ownership", "Directorship"):
            return _ftm_link(entity_id, schema, props), True
        if schema not in ENTITY_SCHEMATA:
            raise SkipRecord("not_registry_schema")
        cleared: list[str] = []
        record = _ftm_entity(entity_id, schema, props, cleared)
        self.cleared.update(cleared)
        return record, False

    def _checked(self, text: str) -> tuple[dict[str, list[str]], str, str]:
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as err:
            raise BadRecord("bad_json", str(err)[:80]) from err
        if not isinstance(value, dict):
            raise BadRecord("bad_json", "not an object")
        schema = ftm_model().get(str(value.get("schema")))
        if schema is None:
            raise BadRecord("unknown_schema", f"schema {value.get('schema')!r}")
        entity_id = value.get("id")
        if not isinstance(entity_id, str) or not entity_id.strip():
            raise BadRecord("missing_field", "id")
        raw = value.get("properties") or {}
        if not isinstance(raw, dict):
            raise BadRecord("bad_value", "properties is not an object")
        props: dict[str, list[str]] = {}
        for name, values in raw.items():
            if schema.get(name) is None:
                self.cleared["unknown_property"] += 1
                continue
            items = values if isinstance(values, list) else [values]
            props[name] = [str(v).strip() for v in items if v is not None and str(v).strip()]
        if value.get("caption") and not props.get("name"):
            props.setdefault("full" if schema.name == "Address" else "name", [value["caption"]])
        return props, schema.name, entity_id.strip()

    def done(self) -> Iterator[RecordBatch]:
        names = ("source_line", "reason", "detail", "raw")
        rejected = pl.DataFrame(
            self.rejected, schema={c: QUARANTINE_SCHEMA[c] for c in names}, orient="row"
        ).select(pl.lit(self.source).alias("source"), *names)
        yield RecordBatch(
            RecordKind.REGISTRY,
            pl.DataFrame(self.entities, schema=RECORD_SCHEMAS[RecordKind.REGISTRY]),
            quarantine=rejected, records_read=self.read, skipped=self.skipped,
            cleared=self.cleared,
        )  # fmt: skip
        yield RecordBatch(
            RecordKind.REGISTRY_LINKS,
            pl.DataFrame(self.links, schema=RECORD_SCHEMAS[RecordKind.REGISTRY_LINKS]),
        )


def _first(props: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        if props.get(name):
            return props[name][0]
    return None


def _ftm_entity(
    entity_id: str, schema: str, props: dict[str, list[str]], cleared: list[str]
) -> dict[str, Any]:
    names = props.get("full" if schema == "Address" else "name") or props.get("name") or []
    if not names:
        raise BadRecord("missing_field", "name")
    aliases = names[1:] + props.get("alias", []) + props.get("previousName", [])
    country = _first(props, *_COUNTRY_PROPS)
    return {
        "entity_id": entity_id, "schema": schema, "name": names[0],
        "aliases": list(dict.fromkeys(aliases)), "country": country.lower() if country else None,
        "registration_number": _first(props, "registrationNumber"),
        "lei": _first(props, "leiCode"),
        "imo": _identifier("imo", _first(props, "imoNumber"), cleared),
        "mmsi": _identifier("mmsi", _first(props, "mmsi"), cleared),
        "incorporation_date": parse_date(_first(props, "incorporationDate"), "incorporationDate"),
        "address": _first(props, "address"), "address_id": _first(props, "addressEntity"),
        "topics": props.get("topics", []),
    }  # fmt: skip


_LINK_ENDS: Final = {"Ownership": ("ownership", "owner", "asset"),
                     "Directorship": ("directorship", "director", "organization")}  # fmt: skip


def _ftm_link(entity_id: str, schema: str, props: dict[str, list[str]]) -> dict[str, Any]:
    kind, source_prop, target_prop = _LINK_ENDS[schema]
    source_id, target_id = _first(props, source_prop), _first(props, target_prop)
    if source_id is None or target_id is None:
        raise BadRecord("missing_field", source_prop if source_id is None else target_prop)
    share = _first(props, "percentage")
    return {
        "link_id": entity_id, "kind": kind, "source_id": source_id, "target_id": target_id,
        "share_pct": _percentage(share), "role": _first(props, "role"),
        "start_date": parse_date(_first(props, "startDate"), "startDate"),
        "end_date": parse_date(_first(props, "endDate"), "endDate"),
    }  # fmt: skip


def _percentage(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.replace("%", "").replace(",", ".").strip())
    except ValueError as err:
        raise BadRecord("bad_share", f"percentage {text[:40]!r}") from err
    if not 0.0 <= value <= 100.0:
        raise BadRecord("bad_share", f"percentage {text[:40]!r} outside [0, 100]")
    return value
