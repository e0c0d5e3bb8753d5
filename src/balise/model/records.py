"""Frame schemas of the port and access records: container releases, terminal gate
transactions, the access log (Balise's own audit and imported logs of other systems), and the
staff directory and work assignments the insider rules compare readers against.

Like `balise.model.schema`, readers emit exactly these columns and the store keeps them; a change
here changes the stored format.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from balise.model.schema import UTC_TIME

RELEASE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "release_id": pl.String(),
    "container_number": pl.String(),
    "terminal": pl.String(),
    "bill_of_lading": pl.String(),
    "issued_at": UTC_TIME,
    "issued_to": pl.String(),
    "authorised_haulier": pl.String(),
    "valid_from": UTC_TIME,
    "valid_until": UTC_TIME,
    "customs_status": pl.String(),
    "customs_status_at": UTC_TIME,
    "source": pl.String(),
    "source_line": pl.Int64(),
}
"""One container release (the PIN code a haulier presents at the gate): sensitive. `terminal` is
a UN/LOCODE followed by the terminal's code (`NLRTM-ECT`); `customs_status` is `hold` or
`released`."""

GATE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "gate_tx_id": pl.String(),
    "container_number": pl.String(),
    "terminal": pl.String(),
    "time": UTC_TIME,
    "direction": pl.String(),
    "haulier": pl.String(),
    "truck_plate": pl.String(),
    "release_id": pl.String(),
    "result": pl.String(),
    "source": pl.String(),
    "source_line": pl.Int64(),
}
"""One terminal gate transaction: `direction` `in` or `out`, `result` `accepted` or
`rejected`."""

ACCESS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "time": UTC_TIME,
    "user": pl.String(),
    "agency": pl.String(),
    "role": pl.String(),
    "address": pl.String(),
    "action": pl.String(),
    "route": pl.String(),
    "resource": pl.String(),
    "records": pl.List(pl.String()),
    "count": pl.Int64(),
    "source": pl.String(),
}
"""One access: who (`user`, their `agency` and `role`), when, from which `address`, what
(`action`: `read`, `change`, `sign_in`, `sign_in_failed`, `sign_out`, `denied`), through which
`route` (`GET /api/v1/releases` or a foreign system's screen name), on which `resource` kind
(`release`, `container`, `gate`, `vessel`, `alert`, `event`, `watchlist`, `audit`, `user`, …),
the record identifiers read (`records`: release ids, container numbers, MMSIs; at most
`MAX_AUDIT_RECORDS` kept) and how many records were read (`count`). `source` is `balise` for
Balise's own audit log, else the imported file."""

MAX_AUDIT_RECORDS: Final = 1_000
"""Record identifiers kept on one access entry; `count` still says how many were read."""

STAFF_SCHEMA: Final[dict[str, pl.DataType]] = {
    "user": pl.String(),
    "agency": pl.String(),
    "role": pl.String(),
    "ports": pl.List(pl.String()),
    "timezone": pl.String(),
    "source": pl.String(),
}
"""Who works where: a user's ports (UN/LOCODEs, or terminals `NLRTM-ECT`) and time zone (IANA
name), from Balise's accounts and imported staff directories. The insider rules take a look-up of
a container outside these ports as unrelated to the user's work."""

WORK_SCHEMA: Final[dict[str, pl.DataType]] = {
    "user": pl.String(),
    "record": pl.String(),
    "source": pl.String(),
}
"""What a user is assigned to in their job (their queue, cases, alerts): one row per record, as
free text (a container number, a release id, a consignee's name, an alert id, an MMSI). The
insider rules take a look-up of a record in the user's work as related to it."""

ACCESS_ACTIONS: Final = ("read", "change", "sign_in", "sign_in_failed", "sign_out", "denied")
"""The kinds of access an entry records."""
