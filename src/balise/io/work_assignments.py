"""Reader of work assignments (CSV): which records each user is assigned to in their job (their
inspection queue, cases, alerts). The insider rules take a look-up of a record in a user's work
as related to it.

Header (case-insensitive, other columns ignored; both required): **user**, **record**. `record`
is free text, trimmed: a container number, a release id, a consignee's name, an alert id or an
MMSI (not checked: a container number is stored as written). Rejected with reason
`missing_field` when either is blank. A pair (user, record) is stored once, however many lines
or inputs repeat it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from balise.io.record_fields import Row
from balise.io.record_lines import RecordFormat, read_csv_records
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind


def _assignment(row: Row) -> dict[str, Any]:
    return {"user": row.required("user"), "record": row.required("record")}


WORK_CSV: Final = RecordFormat(RecordKind.WORK, "work_csv", ("user", "record"), _assignment)
"""`record` (singular) is required in the header: a staff directory or an access log in CSV
(which have `user`, the log `records`) is not taken for work assignments, nor these for them."""


def read_work_assignments(
    stream: BinaryIO, source: str, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the work assignments of a CSV `stream` (see the module's docstring)."""
    yield from read_csv_records(stream, source, WORK_CSV, options)
