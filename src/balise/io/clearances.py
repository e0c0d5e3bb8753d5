"""Reader of clearance declarations (CSV): what a vessel arriving from abroad declares to customs
before she arrives.

French overseas customs expect a declaration from a vessel arriving from a foreign port; the
synthetic world writes them as `clearances.csv`. Header (case-insensitive, any order, other
columns ignored; the required ones in bold): **declaration_id**, **submitted_at**, vessel_name,
mmsi, flag, call_sign, arrival_port, expected_arrival, last_port, persons_on_board.

Values: times ISO 8601 (`Z`, an offset, or none for UTC); ports UN/LOCODEs (`MQFDF`), stored
in upper case; `persons_on_board` a whole number. A record breaking these is quarantined with the
reason `missing_field`, `bad_time`, `bad_port` or `bad_persons_on_board`. An MMSI that is not
nine digits within the AIS range is read as null and counted (`cleared: invalid_mmsi`): the
declaration is kept, since its vessel can still be matched by name and call sign. A later
version of a declaration (a later `submitted_at`) replaces the stored one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from balise.io.record_fields import BadRecord, Row
from balise.io.record_lines import RecordFormat, read_csv_records
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind


def _port(row: Row, name: str) -> str | None:
    ports = row.ports(name)
    if len(ports) > 1:
        raise BadRecord("bad_port", f"{name} {row.text(name)!r}, expected one port")
    return ports[0] if ports else None


def _declaration(row: Row) -> dict[str, Any]:
    return {
        "declaration_id": row.required("declaration_id"),
        "submitted_at": row.required_time("submitted_at"),
        "vessel_name": row.text("vessel_name"),
        "mmsi": row.mmsi("mmsi"),
        "flag": (row.text("flag") or "").upper() or None,
        "call_sign": (row.text("call_sign") or "").upper() or None,
        "arrival_port": _port(row, "arrival_port"),
        "expected_arrival": row.time("expected_arrival"),
        "last_port": _port(row, "last_port"),
        "persons_on_board": row.count("persons_on_board", "bad_persons_on_board"),
    }


CLEARANCES_CSV: Final = RecordFormat(
    RecordKind.CLEARANCES, "clearances_csv", ("declaration_id", "submitted_at"), _declaration
)


def read_clearances(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[RecordBatch]:
    """Batches of the clearance declarations of a CSV `stream` (see the module's docstring)."""
    yield from read_csv_records(stream, source, CLEARANCES_CSV, options)
