"""Insider look-up detection over a workspace: the store's access records (Balise's own audit
log and the access logs imported from port systems), staff (the accounts and the imported staff
directory), releases, gate transactions and each user's work, through the pure rules of
`balise.security.insider`, into `insider_lookup` events.

Each run recomputes every insider event from the whole record (the rules look at days and
episodes, and the record is small beside the AIS): events found again are kept, changed ones
revised, vanished ones retracted, as for the maritime detectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from balise.model.records import ACCESS_SCHEMA, STAFF_SCHEMA
from balise.security.insider import EVENT_TYPE, detect_insider
from balise.security.insider_params import InsiderParams
from balise.security.reads import WORK_SCHEMA
from balise.store.accounts import AuditQuery
from balise.store.base import EventChanges, Store

OWN_SOURCE = "balise"
"""`source` of the access rows and staff rows that come from Balise itself."""


@dataclass(frozen=True)
class InsiderInputs:
    """What the rules read, gathered from the store."""

    access: pl.DataFrame
    staff: pl.DataFrame
    releases: pl.DataFrame
    gate: pl.DataFrame
    work: pl.DataFrame


def own_access(store: Store) -> pl.DataFrame:
    """Balise's audit log as access rows (`ACCESS_SCHEMA`)."""
    audit = store.audit(AuditQuery(oldest_first=True))
    return audit.select(
        *(pl.col(c) for c in ACCESS_SCHEMA if c != "source"), pl.lit(OWN_SOURCE).alias("source")
    ).cast(ACCESS_SCHEMA)  # type: ignore[arg-type]


def own_staff(store: Store) -> pl.DataFrame:
    """Balise's accounts as staff rows (`STAFF_SCHEMA`): their agency, roles, ports, time zone."""
    rows = [
        {"user": a.username, "agency": a.agency, "role": "+".join(a.roles),
         "ports": list(a.ports), "timezone": a.timezone, "source": OWN_SOURCE}
        for a in store.accounts()
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=STAFF_SCHEMA)


def own_work(store: Store) -> pl.DataFrame:
    """Each account's work in Balise: the alerts it triaged, and their vessels."""
    return store.alert_work().select(pl.col(c).cast(t) for c, t in WORK_SCHEMA.items())


def gather(store: Store) -> InsiderInputs:
    """The rules' inputs from the store. A user both in the accounts and in an imported staff
    directory is described by the account; a user's work is what they acted on in Balise's
    inbox and what the imported work assignments give them."""
    imported = store.staff()
    accounts = own_staff(store)
    staff = pl.concat([accounts, imported.filter(~pl.col("user").is_in(accounts["user"]))])
    assigned = [own_work(store), store.work_assignments().select(*WORK_SCHEMA)]
    return InsiderInputs(
        access=pl.concat([store.access_log(), own_access(store)]),
        staff=staff,
        releases=store.releases(),
        gate=store.gate_transactions(),
        work=pl.concat(assigned).unique(),
    )


def run_insider(store: Store, params: InsiderParams) -> EventChanges:
    """Detect insider look-ups over the whole record and store them."""
    found = gather(store)
    events = detect_insider(found.access, found.staff, found.releases, found.gate, found.work,
                            params)  # fmt: skip
    return store.save_events(events, [EVENT_TYPE])
