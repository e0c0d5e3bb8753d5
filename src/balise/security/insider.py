"""Insider look-ups: reading patterns of a user that look like an insider working for a
trafficking network, as `insider_lookup` events about the user (`subject` `{"kind": "user"}`),
for the security officer.

Traffickers pay dockers, terminal staff and officials to read container release references (the
PIN codes a haulier presents at the gate) and to tell which boxes are targeted (Europol, "Criminal
networks in EU ports", 2023). `detect_insider` reads the access log (Balise's own audit, or a
port or terminal system's imported log) against the staff directory, the releases, the gate
transactions and each user's work, and applies six rules, each named in the event's
`evidence.rule`:

- `release_before_pickup` (the strongest, `balise.security.pickups`): the user looked up a
  container's release, or the container, shortly before an unusual gate-out of it;
- `unrelated_lookups` (`balise.security.daily`): many containers in a day at terminals outside
  the user's ports and outside their work;
- `consignee_concentration` (`daily`): several containers of one consignee in a day, outside
  the user's work;
- `off_hours` (`daily`): a reading session outside the working day in the user's time zone,
  when that is not their routine;
- `burst` (`balise.security.rates`): look-ups far faster than the user's own rate;
- `scraping` (`rates`): very many records, or list page after list page, in an hour.

Each event says why in `evidence.reasons` (sentences), with what was counted and the threshold.
These are indications for a security officer to look at, never proof: an analyst on a new case,
a busy arrival, a night shift all read in ways a rule can mistake. The security officer's own
reads of the audit and administrators' account management are not counted.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Final

import polars as pl

from balise.model.events import (
    EVENT_SCHEMA,
    SUBJECT,
    as_events,
    empty_events,
    event_id_expr,
    to_json,
)
from balise.model.schema import conform
from balise.security import daily, pickups, rates
from balise.security.daily import consignee_concentration, off_hours, unrelated_lookups
from balise.security.findings import Finding
from balise.security.insider_params import InsiderParams
from balise.security.pickups import release_before_pickup, unusual_pickups
from balise.security.rates import bursts, scraping
from balise.security.reads import WORK_SCHEMA, prepare

__all__ = ["EVENT_TYPE", "RULES", "WORK_SCHEMA", "InsiderParams", "detect_insider"]

EVENT_TYPE: Final = "insider_lookup"
RULES: Final = (pickups.RULE, daily.UNRELATED, daily.CONSIGNEE, daily.OFF_HOURS, rates.BURST,
                rates.SCRAPING)  # fmt: skip
"""The rules, strongest first: the values of `evidence.rule`."""

DEFAULT_PARAMS: Final = InsiderParams()


def detect_insider(
    access: pl.DataFrame | None,
    staff: pl.DataFrame | None,
    releases: pl.DataFrame | None,
    gate: pl.DataFrame | None,
    work: pl.DataFrame | None = None,
    params: InsiderParams = DEFAULT_PARAMS,
) -> pl.DataFrame:
    """`insider_lookup` events (EVENT_SCHEMA) of the reads in `access` (ACCESS_SCHEMA).

    `staff` (STAFF_SCHEMA) gives each user's ports and time zone, `releases` (RELEASE_SCHEMA)
    and `gate` (GATE_SCHEMA) what a record names and which pickups were unusual, `work` (user,
    record) what is assigned to each user. Any of them may be None or empty: a rule that needs
    what is missing finds nothing. One event per (user, rule, episode): a local day, a gate-out,
    a burst; `start`/`end` span the reads (to the pickup for `release_before_pickup`), `lat` and
    `lon` are null, `related` lists the containers, releases and companies involved.
    """
    reads = prepare(access, staff, releases, gate, work, params)
    pickups = unusual_pickups(reads.releases, reads.gate)
    findings = [
        *release_before_pickup(reads.lookups, pickups, params),
        *unrelated_lookups(reads.lookups, reads.people, params),
        *consignee_concentration(reads.lookups, params),
        *off_hours(reads.entries, params),
        *bursts(reads.entries, params),
        *scraping(reads.entries, params),
    ]
    return _events(findings, params)


def _events(findings: list[Finding], params: InsiderParams) -> pl.DataFrame:
    """The event records of `findings`, in (start, id) order."""
    if not findings:
        return empty_events()
    frame = pl.DataFrame(
        {
            "row": range(len(findings)),
            "user": [f.user for f in findings],
            "rule": [f.rule for f in findings],
            "key": [f.key for f in findings],
            "start": [f.start for f in findings],
            "end": [f.end for f in findings],
            "confidence": [f.confidence for f in findings],
            "evidence": [to_json({**f.evidence, "reasons": f.reasons}) for f in findings],
        },
        schema_overrides={"row": pl.Int64},
    )
    events = frame.join(_related(findings), on="row", how="left").with_columns(
        id=event_id_expr(EVENT_TYPE, "user", "rule", "key"),
        type=pl.lit(EVENT_TYPE),
        status=pl.lit("active"),
        subject=pl.struct(pl.lit("user").alias("kind"), pl.col("user").alias("id")),
        params=pl.lit(to_json(asdict(params))),
        related=pl.col("related").fill_null(pl.lit([], pl.List(SUBJECT))),
    )
    return as_events(conform(events, EVENT_SCHEMA)).sort("start", "id")


def _related(findings: list[Finding]) -> pl.DataFrame:
    """row, related (a list of subjects) of each finding with related things: built from flat
    columns, as making thousands of small lists of structs one by one is slow."""
    flat = pl.DataFrame(
        {
            "row": [row for row, f in enumerate(findings) for _ in f.related],
            "kind": [kind for f in findings for kind, _ in f.related],
            "id": [value for f in findings for _, value in f.related],
        },
        schema={"row": pl.Int64, "kind": pl.String, "id": pl.String},
    )
    return flat.group_by("row", maintain_order=True).agg(
        related=pl.struct("kind", "id").cast(SUBJECT)
    )
