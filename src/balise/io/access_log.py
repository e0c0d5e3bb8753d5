"""Reader of access logs imported from other systems (a terminal operating system, a port
community system): who read or changed which records, when and from where.

JSON lines, one object per access, or CSV with a header; the format is told from the content
(a first non-blank line starting with `{` is JSON). Keys or columns, case-insensitive, the
required ones in bold: **time**, **user**, agency, role, address, **action**, route, resource,
records, count.

- `time`: ISO 8601 (`Z`, an offset, or none for UTC).
- `action`: one of `balise.model.records.ACCESS_ACTIONS` (`read`, `change`, `sign_in`,
  `sign_in_failed`, `sign_out`, `denied`), case-insensitive.
- `records`: the identifiers read (release ids, container numbers, MMSIs): a JSON list (or a
  `;`-separated text, as in CSV). At most `MAX_AUDIT_RECORDS` are kept; `count` keeps the
  number read.
- `count`: a whole number, at least the number of `records`; absent, it is that number.

Rejected with reason `missing_field`, `bad_time`, `bad_action`, `bad_records`, `bad_count` or,
for a JSON value of the wrong type, `bad_value`. `source` is the input's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from balise.io.record_fields import BadRecord, Row
from balise.io.record_lines import RecordFormat, read_csv_records, read_jsonl_records
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind
from balise.model.records import ACCESS_ACTIONS, MAX_AUDIT_RECORDS

REQUIRED: Final = ("time", "user", "action")


def _records(row: Row) -> list[str]:
    value = row.raw("records")
    if value is None:
        return []
    if isinstance(value, str):
        items: list[Any] = value.split(";")
    elif isinstance(value, list):
        items = value
    else:
        raise BadRecord("bad_records", f"records {value!r:.80}, expected a list")
    if any(isinstance(item, bool) or not isinstance(item, str | int) for item in items):
        raise BadRecord("bad_records", f"records {value!r:.80}, expected identifiers")
    return [text for item in items if (text := str(item).strip())]


def _count(row: Row, records: int) -> int:
    value = row.raw("count")
    if value is None or (isinstance(value, str) and not value.strip()):
        return records
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < records:
        raise BadRecord("bad_count", f"count {value!r:.40} for {records} records")
    return value


def _access(row: Row) -> dict[str, Any]:
    action = row.choice("action", ACCESS_ACTIONS, "bad_action")
    if action is None:
        raise BadRecord("missing_field", "action")
    records = _records(row)
    return {
        "time": row.required_time("time"),
        "user": row.required("user"),
        "agency": row.text("agency"),
        "role": row.text("role"),
        "address": row.text("address"),
        "action": action,
        "route": row.text("route"),
        "resource": row.text("resource"),
        "records": records[:MAX_AUDIT_RECORDS],
        "count": _count(row, len(records)),
    }


ACCESS_JSONL: Final = RecordFormat(RecordKind.ACCESS_LOG, "access_jsonl", REQUIRED, _access)
ACCESS_CSV: Final = RecordFormat(RecordKind.ACCESS_LOG, "access_csv", REQUIRED, _access)


def access_log_format(head: bytes) -> RecordFormat:
    """JSON lines when the first non-blank line starts with `{`, else CSV."""
    first = next((line.strip() for line in head.splitlines() if line.strip()), b"")
    return ACCESS_JSONL if first.startswith(b"{") else ACCESS_CSV


def read_access_log(
    stream: BinaryIO, source: str, fmt: RecordFormat, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the accesses of `stream` in `fmt` (`ACCESS_JSONL` or `ACCESS_CSV`)."""
    if fmt is ACCESS_JSONL:
        yield from read_jsonl_records(stream, source, fmt, options)
    else:
        yield from read_csv_records(stream, source, fmt, options)
