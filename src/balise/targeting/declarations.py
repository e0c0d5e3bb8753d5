"""Import declarations as the risk model reads them, from the rows of a CSV table.

The header is matched case-insensitively with spaces, underscores and punctuation ignored, so
the KCS schema as published ("Declaration ID", "Importer ID", "HS6 Code", "Net Mass", "Item
Price", "Fraud", "Critical Fraud"...) and Balise's snake-case names (`declaration_id`,
`importer`, `hs6`, `net_mass_kg`, `item_price`, `fraud`...) both read. Only `declaration_id` is
required (and `fraud` to train); a feature column that is absent reads as missing for every row.

Reading is lenient: a row is quarantined with a reason (`wrong_field_count`,
`missing_declaration_id`, `duplicate_declaration_id`, `bad_number`, `bad_date`, `bad_label`) and
every good row is kept. HS codes that lost their leading zero (saved as integers) are zero-padded
to six digits.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import polars as pl

from balise.errors import UsageError

CATEGORICAL: Final = (
    "office",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "declarant",
    "importer",
    "seller",
    "courier",
    "hs6",
    "departure_country",
    "origin_country",
    "tax_type",
    "origin_indicator",
)
"""Code and identifier columns (text)."""

NUMERIC: Final = ("tax_rate", "net_mass_kg", "item_price")
"""Number columns: the tax rate (%), the net mass (kg) and the item's customs value."""

LABELS: Final = ("fraud", "critical_fraud")
"""Inspection outcome: `fraud` 0/1; `critical_fraud` 0, 1 or 2 (2: a case that may threaten
public safety, e.g. drug smuggling or a false origin, in the KCS data)."""

ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "declaration_id": ("declarationid", "declaration"),
    "date": ("date", "declarationdate"),
    "office": ("officeid", "office"),
    "process_type": ("processtype",),
    "import_type": ("importtype",),
    "import_use": ("importuse",),
    "payment_type": ("paymenttype",),
    "transport_mode": ("modeoftransport", "transportmode"),
    "declarant": ("declarantid", "declarant"),
    "importer": ("importerid", "importer"),
    "seller": ("sellerid", "seller"),
    "courier": ("courierid", "courier"),
    "hs6": ("hs6code", "hs6", "hscode", "hs"),
    "departure_country": ("countryofdeparture", "departurecountry"),
    "origin_country": ("countryoforigin", "origincountry"),
    "tax_rate": ("taxrate",),
    "tax_type": ("taxtype",),
    "origin_indicator": ("countryoforiginindicator", "originindicator"),
    "net_mass_kg": ("netmass", "netmasskg"),
    "item_price": ("itemprice", "itempricekrw", "value"),
    "fraud": ("fraud",),
    "critical_fraud": ("criticalfraud",),
}
"""Each column's accepted header names, normalised (lower case, letters and digits only)."""

COLUMNS: Final = ("declaration_id", "date", *CATEGORICAL, *NUMERIC, *LABELS)

SCHEMA: Final[dict[str, pl.DataType]] = {
    "declaration_id": pl.String(),
    "date": pl.Date(),
    **{name: pl.String() for name in CATEGORICAL},
    **{name: pl.Float64() for name in NUMERIC},
    "fraud": pl.Int8(),
    "critical_fraud": pl.Int8(),
}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True)
class Problem:
    """A quarantined row: its line in the file (the header is line 1), why, and what."""

    line: int
    reason: str
    detail: str


@dataclass
class Declarations:
    """The good rows (`SCHEMA`), the quarantined ones, and which columns the header had."""

    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    present: frozenset[str] = frozenset()

    def quarantined(self) -> dict[str, int]:
        """How many rows were quarantined, by reason."""
        return dict(Counter(p.reason for p in self.problems))

    @property
    def has_labels(self) -> bool:
        return "fraud" in self.present


class _Bad(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def header_map(header: Sequence[str]) -> dict[str, int]:
    """Column name -> index in the row, for the columns of `COLUMNS` that the header has; a
    header without a declaration id is a `UsageError`."""
    by_key = {_key(h): i for i, h in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    for name in COLUMNS:
        for alias in (_key(name), *ALIASES.get(name, ())):
            if alias in by_key:
                found[name] = by_key[alias]
                break
    if "declaration_id" not in found:
        raise UsageError(
            "no declaration id column in the header (expected 'Declaration ID' or "
            f"'declaration_id'; found: {', '.join(header[:8])}{'...' if len(header) > 8 else ''})"
        )
    return found


def _number(name: str, text: str) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise _Bad("bad_number", f"{name} {text!r} is not a number") from None
    if not math.isfinite(value) or (value < 0 and name != "tax_rate"):
        raise _Bad("bad_number", f"{name} {text!r} is out of range")
    return value


def _label(name: str, text: str, allowed: tuple[int, ...]) -> int | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise _Bad("bad_label", f"{name} {text!r} is not one of {allowed}") from None
    if value not in allowed:
        raise _Bad("bad_label", f"{name} {text!r} is not one of {allowed}")
    return int(value)


def _date(text: str) -> date | None:
    if text == "":
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _Bad("bad_date", f"date {text!r} is not YYYY-MM-DD") from None


def _code(name: str, text: str) -> str | None:
    if text == "":
        return None
    if name == "hs6":
        digits = text.split(".")[0]
        if digits.isdigit() and len(digits) < 6:
            return digits.zfill(6)
        return digits[:6] if digits.isdigit() else text
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]  # a code read as a float by a spreadsheet
    return text


def parse_declarations(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, require_labels: bool = False
) -> Declarations:
    """The declarations of a table: `header` then `rows` (lists of fields, as `csv.reader`
    yields them). With `require_labels`, a header without `fraud` is a `UsageError` and a row
    without a fraud label is quarantined (`bad_label`)."""
    where = header_map(header)
    if require_labels and "fraud" not in where:
        raise UsageError("no 'Fraud' column in the header: training needs the inspection outcome")
    width = len(header)
    columns: dict[str, list[object]] = {name: [] for name in SCHEMA}
    problems: list[Problem] = []
    seen: set[str] = set()
    for offset, row in enumerate(rows):
        line = offset + 2
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        try:
            if len(row) != width:
                raise _Bad("wrong_field_count", f"{len(row)} fields, the header has {width}")
            values: dict[str, object] = {}
            for name in SCHEMA:
                text = row[where[name]].strip() if name in where else ""
                if name == "declaration_id":
                    if not text:
                        raise _Bad("missing_declaration_id", "no declaration id")
                    if text in seen:
                        raise _Bad("duplicate_declaration_id", f"declaration {text} seen before")
                    values[name] = text
                elif name == "date":
                    values[name] = _date(text)
                elif name in NUMERIC:
                    values[name] = _number(name, text)
                elif name == "fraud":
                    values[name] = _label(name, text, (0, 1))
                    if require_labels and values[name] is None:
                        raise _Bad("bad_label", "no fraud label")
                elif name == "critical_fraud":
                    values[name] = _label(name, text, (0, 1, 2))
                else:
                    values[name] = _code(name, text)
        except _Bad as bad:
            problems.append(Problem(line, bad.reason, bad.detail))
            continue
        seen.add(str(values["declaration_id"]))
        for name, value in values.items():
            columns[name].append(value)
    frame = pl.DataFrame(columns, schema=SCHEMA)
    return Declarations(frame, problems, frozenset(where))
