"""Reader of staff directories (CSV): who works for which agency, in which role, at which ports
and in which time zone. The insider rules take a look-up of a container outside a user's ports,
or at night in their time zone, as unrelated to their work.

Header (case-insensitive, other columns ignored; the required ones in bold): **user**, agency,
role, **ports**, timezone. `ports` are `;`-separated UN/LOCODEs or terminals (`NLRTM;BEANR-DGD`),
stored in upper case; `timezone` an IANA name (`Europe/Amsterdam`), UTC when blank. Rejected with
reason `missing_field`, `bad_port` or `unknown_timezone` (a name the time zone database does not
hold). A later line, or a later input, about the same user replaces the earlier one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from balise.io.record_fields import Row
from balise.io.record_lines import RecordFormat, read_csv_records
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind

DEFAULT_TIMEZONE: Final = "UTC"


def _staff_member(row: Row) -> dict[str, Any]:
    return {
        "user": row.required("user"),
        "agency": row.text("agency"),
        "role": row.text("role"),
        "ports": row.ports("ports"),
        "timezone": row.timezone("timezone", DEFAULT_TIMEZONE),
    }


STAFF_CSV: Final = RecordFormat(RecordKind.STAFF, "staff_csv", ("user", "ports"), _staff_member)
"""`ports` is required in the header (a user's ports may be blank): without it a directory says
nothing the insider rules can use, and an access log in CSV (which has `user`) is not taken for
a staff directory."""


def read_staff_directory(
    stream: BinaryIO, source: str, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the staff members of a CSV `stream` (see the module's docstring)."""
    yield from read_csv_records(stream, source, STAFF_CSV, options)
