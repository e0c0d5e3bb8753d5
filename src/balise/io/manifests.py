"""Reader of cargo manifests: one bill of lading per record, as CSV or JSON (an array or JSON
lines).

Columns (CSV header or JSON keys, case-insensitive, any order, others ignored; the required ones
in bold): **bill_of_lading**, **issued_at**, carrier, vessel_imo, voyage, shipper, consignee,
notify_party, declarant (who lodged the bill with customs), hs_code, goods_description,
packages, gross_weight_kg, declared_value, currency, place_of_receipt, port_of_loading,
port_of_discharge, place_of_delivery, container_numbers. Common other names are read as these
(`ALIASES`): `bl_number`, `bol`, `transport_document_reference` for the bill of lading,
`issue_date`, `pol`, `pod`, `imo`, `hs`, `declarant_name`, `containers`...

Values: times ISO 8601 (`Z`, an offset, or none for UTC); `container_numbers` a JSON list, or
text separated by `;` or `,` (or by spaces when neither is there), each an ISO 6346 number with
a correct check digit (`MSCU 741852-9` is stored `MSCU7418529`); `hs_code` 4 to 10 digits (dots
and spaces dropped: `0901.11` -> `090111`); `currency` three letters (ISO 4217); `packages` a
whole number, weight and value numbers >= 0; places are stored in upper case when they are
UN/LOCODEs, as written otherwise. A record breaking these is quarantined with the reason
`missing_field`, `bad_time`, `bad_container_number`, `bad_hs_code`, `bad_currency`,
`bad_packages`, `bad_number` or `out_of_range`. An IMO number with a wrong check digit is read as
null and counted (`cleared: invalid_imo`). A later version of a bill (a later `issued_at`, an
amended bill) replaces the stored one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from balise.io.record_fields import LOCODE, BadRecord, Row
from balise.io.record_lines import (
    RecordFormat,
    line_batches,
    numbered_lines,
    read_csv_records,
)
from balise.model.batch import ReadOptions
from balise.model.containers import is_valid_container, normalise_container
from balise.model.imo import imo_is_valid
from balise.model.record_batch import RecordBatch, RecordKind

ALIASES: Final = {
    "bl": "bill_of_lading", "bl_number": "bill_of_lading", "bol": "bill_of_lading",
    "bill_of_lading_number": "bill_of_lading", "transport_document_reference": "bill_of_lading",
    "issued": "issued_at", "issue_date": "issued_at", "date_of_issue": "issued_at",
    "imo": "vessel_imo", "vessel_imo_number": "vessel_imo", "voyage_number": "voyage",
    "notify": "notify_party", "declarant_name": "declarant", "customs_declarant": "declarant",
    "hs": "hs_code", "commodity_code": "hs_code",
    "description": "goods_description", "goods": "goods_description",
    "number_of_packages": "packages", "package_count": "packages",
    "gross_weight": "gross_weight_kg", "weight_kg": "gross_weight_kg", "value": "declared_value",
    "por": "place_of_receipt", "pol": "port_of_loading", "pod": "port_of_discharge",
    "pdl": "place_of_delivery", "containers": "container_numbers",
    "container_number": "container_numbers", "equipment_references": "container_numbers",
}  # fmt: skip
"""Other column names read as Balise's (lower case)."""
_LOCODE: Final = re.compile(LOCODE)
_HS_CODE: Final = re.compile(r"[0-9]{4,10}")
_CURRENCY: Final = re.compile(r"[A-Z]{3}")
_HS_SEPARATORS: Final = re.compile(r"[\s.]")


def _containers(row: Row) -> list[str]:
    value = row.raw("container_numbers")
    if isinstance(value, list):
        written = [str(item) for item in value if item is not None]
    else:
        text = row.text("container_numbers") or ""
        split = re.split(r"[;,]", text) if re.search(r"[;,]", text) else text.split()
        written = [part for part in split if part.strip()]
    numbers = [normalise_container(item) for item in written]
    for number, item in zip(numbers, written, strict=True):
        if not is_valid_container(number):
            raise BadRecord("bad_container_number", f"container_numbers {item.strip()!r}")
    return list(dict.fromkeys(numbers))


def _imo(row: Row) -> int | None:
    text = row.text("vessel_imo")
    if text is None:
        return None
    digits = re.sub(r"(?i)^IMO\s*", "", text).removesuffix(".0")
    if digits.isdigit() and imo_is_valid(int(digits)):
        return int(digits)
    row.cleared.append("invalid_imo")
    return None


def _hs_code(row: Row) -> str | None:
    text = row.text("hs_code")
    code = None if text is None else _HS_SEPARATORS.sub("", text)
    if code is not None and not _HS_CODE.fullmatch(code):
        raise BadRecord("bad_hs_code", f"hs_code {text!r}, expected 4 to 10 digits")
    return code


def _currency(row: Row) -> str | None:
    text = row.text("currency")
    if text is not None and not _CURRENCY.fullmatch(text.upper()):
        raise BadRecord("bad_currency", f"currency {text!r}, expected an ISO 4217 code")
    return None if text is None else text.upper()


def _place(row: Row, name: str) -> str | None:
    text = row.text(name)
    if text is not None and _LOCODE.fullmatch(text.upper()):
        return text.upper()
    return text


def _manifest(row: Row) -> dict[str, Any]:
    return {
        "bill_of_lading": row.required("bill_of_lading"),
        "issued_at": row.required_time("issued_at"),
        "carrier": row.text("carrier"),
        "vessel_imo": _imo(row),
        "voyage": row.text("voyage"),
        "shipper": row.text("shipper"),
        "consignee": row.text("consignee"),
        "notify_party": row.text("notify_party"),
        "declarant": row.text("declarant"),
        "hs_code": _hs_code(row),
        "goods_description": row.text("goods_description"),
        "packages": row.count("packages", "bad_packages"),
        "gross_weight_kg": row.number("gross_weight_kg", 0.0),
        "declared_value": row.number("declared_value", 0.0),
        "currency": _currency(row),
        **{name: _place(row, name) for name in _PLACES},
        "container_numbers": _containers(row),
    }


_PLACES: Final = ("place_of_receipt", "port_of_loading", "port_of_discharge", "place_of_delivery")
_REQUIRED: Final = ("bill_of_lading", "issued_at")
MANIFESTS_CSV: Final = RecordFormat(
    RecordKind.MANIFESTS, "manifests_csv", _REQUIRED, _manifest, ALIASES
)
MANIFESTS_JSONL: Final = RecordFormat(
    RecordKind.MANIFESTS, "manifests_jsonl", _REQUIRED, _manifest, ALIASES
)
MANIFESTS_JSON: Final = RecordFormat(
    RecordKind.MANIFESTS, "manifests_json", _REQUIRED, _manifest, ALIASES
)


def manifests_format(head: bytes) -> RecordFormat:
    """The format of a manifest input from its first bytes: a JSON array, JSON lines or CSV."""
    first = head.lstrip()[:1]
    return {b"[": MANIFESTS_JSON, b"{": MANIFESTS_JSONL}.get(first, MANIFESTS_CSV)


def _object_row(value: object) -> Row:
    if not isinstance(value, dict):
        raise BadRecord("bad_json", f"a JSON {type(value).__name__}, not an object")
    keys = ((str(key).strip().lower(), item) for key, item in value.items())
    return Row({ALIASES.get(key, key): item for key, item in keys})


def _json_row(text: str) -> Row:
    try:
        value = json.loads(text)
    except ValueError as err:
        raise BadRecord("bad_json", str(err)) from err
    except RecursionError as err:
        raise BadRecord("bad_json", "nested too deeply") from err
    return _object_row(value)


def read_manifests(
    stream: BinaryIO, source: str, fmt: RecordFormat, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the bills of lading of a CSV, JSON lines or JSON array `stream` (see the
    module's docstring); a JSON array's `source_line` is the bill's position in it, from 1."""
    if fmt is MANIFESTS_CSV:
        yield from read_csv_records(stream, source, fmt, options)
    elif fmt is MANIFESTS_JSONL:
        lines = numbered_lines(stream, options.max_record_line_bytes)
        yield from line_batches(lines, source, fmt, options, _json_row)
    else:
        yield from line_batches(_array_items(stream), source, fmt, options, _json_row)


def _array_items(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """The items of a JSON array as numbered JSON texts; an input that is not one is a single
    text that does not parse (quarantined `bad_json`, its first bytes kept)."""
    data = stream.read()
    try:
        items = json.loads(data)
    except (ValueError, RecursionError):
        yield 1, data[:4096].replace(b"\n", b" ") + b" ..."
        return
    if not isinstance(items, list):
        items = [items]
    for position, item in enumerate(items, 1):
        yield position, json.dumps(item, ensure_ascii=False).encode()
