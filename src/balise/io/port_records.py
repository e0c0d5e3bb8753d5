"""Readers of terminal records: container releases and gate transactions (CSV).

A **release** is what a terminal issues when a container may leave: the release reference (the
PIN code a haulier presents at the gate), the container, the terminal, who it was issued to and
the haulier authorised, its validity and the customs status. Releases are sensitive: whoever
reads a release reference can collect the container, which is why Balise compares who read them
with who picked the container up. A **gate transaction** is one truck passing a terminal gate
with a container, in or out, accepted or rejected.

Header (case-insensitive, any order, other columns ignored; the required ones in bold):

- releases: **release_id**, **container_number**, **terminal**, bill_of_lading, **issued_at**,
  issued_to, authorised_haulier, valid_from, valid_until, customs_status, customs_status_at
- gate: **gate_tx_id**, **container_number**, **terminal**, **time**, **direction**, haulier,
  truck_plate, release_id, result

Values: times ISO 8601 (`2024-03-01T08:00:00Z`, an offset, or none for UTC); container numbers
ISO 6346 with a correct check digit (`CSQU3054383`; spaces and hyphens allowed, stored without
them); terminals a UN/LOCODE with the terminal's code (`NLRTM-ECT`) or a bare UN/LOCODE;
`customs_status` `hold` or `released`; `direction` `in` or `out`; `result` `accepted` or
`rejected` (case-insensitive). A record breaking one of these is quarantined with the reason
`missing_field`, `bad_time`, `bad_container_number`, `bad_terminal`, `bad_customs_status`,
`bad_validity` (valid_until before valid_from), `bad_direction` or `bad_result`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from balise.io.record_fields import BadRecord, Row
from balise.io.record_lines import RecordFormat, read_csv_records
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind

ISO: Final = "%Y-%m-%dT%H:%M:%SZ"
CUSTOMS_STATUSES: Final = ("hold", "released")
GATE_DIRECTIONS: Final = ("in", "out")
GATE_RESULTS: Final = ("accepted", "rejected")


def _release(row: Row) -> dict[str, Any]:
    valid_from, valid_until = row.time("valid_from"), row.time("valid_until")
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        detail = f"valid_until {valid_until:{ISO}} before valid_from {valid_from:{ISO}}"
        raise BadRecord("bad_validity", detail)
    return {
        "release_id": row.required("release_id"),
        "container_number": row.container("container_number"),
        "terminal": row.terminal("terminal"),
        "bill_of_lading": row.text("bill_of_lading"),
        "issued_at": row.required_time("issued_at"),
        "issued_to": row.text("issued_to"),
        "authorised_haulier": row.text("authorised_haulier"),
        "valid_from": valid_from,
        "valid_until": valid_until,
        "customs_status": row.choice("customs_status", CUSTOMS_STATUSES, "bad_customs_status"),
        "customs_status_at": row.time("customs_status_at"),
    }


def _gate_transaction(row: Row) -> dict[str, Any]:
    direction = row.choice("direction", GATE_DIRECTIONS, "bad_direction")
    if direction is None:
        raise BadRecord("missing_field", "direction")
    return {
        "gate_tx_id": row.required("gate_tx_id"),
        "container_number": row.container("container_number"),
        "terminal": row.terminal("terminal"),
        "time": row.required_time("time"),
        "direction": direction,
        "haulier": row.text("haulier"),
        "truck_plate": row.text("truck_plate"),
        "release_id": row.text("release_id"),
        "result": row.choice("result", GATE_RESULTS, "bad_result"),
    }


RELEASES_CSV: Final = RecordFormat(
    RecordKind.RELEASES,
    "releases_csv",
    ("release_id", "container_number", "terminal", "issued_at"),
    _release,
)
GATE_CSV: Final = RecordFormat(
    RecordKind.GATE,
    "gate_csv",
    ("gate_tx_id", "container_number", "terminal", "time", "direction"),
    _gate_transaction,
)


def read_releases(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[RecordBatch]:
    """Batches of the container releases of a CSV `stream` (see the module's docstring)."""
    yield from read_csv_records(stream, source, RELEASES_CSV, options)


def read_gate_transactions(
    stream: BinaryIO, source: str, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the gate transactions of a CSV `stream` (see the module's docstring)."""
    yield from read_csv_records(stream, source, GATE_CSV, options)
