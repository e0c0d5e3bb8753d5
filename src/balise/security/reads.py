"""What the insider rules read: the access log's reads, in each user's local time, and the look-ups
among them resolved to containers, terminals, consignees and releases, each marked as within the
user's ports or work or not.

Inputs are the record frames of `balise.model.records` (ACCESS_SCHEMA, STAFF_SCHEMA,
RELEASE_SCHEMA, GATE_SCHEMA) and the user's work: a frame (user, record) of what is assigned to
them (the containers, releases, consignees or other records of their alerts, cases and queue).
Columns beyond these are ignored; a missing frame is an empty one.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Final

import polars as pl

from balise.model.records import ACCESS_SCHEMA, GATE_SCHEMA, RELEASE_SCHEMA, STAFF_SCHEMA
from balise.model.schema import conform
from balise.security.insider_params import InsiderParams

WORK_SCHEMA: Final[dict[str, pl.DataType]] = {"user": pl.String(), "record": pl.String()}
"""A user's work: one row per record assigned to them (container number, release id, consignee,
MMSI, ...), from their alerts, cases and queue."""

IGNORED_READS: Final = (("security_officer", "audit"), ("admin", "user"))
"""(role, resource) reads that are the reader's own job on Balise itself, not look-ups: the
security officer reading the audit, an administrator managing accounts."""

WEEKEND: Final = (6, 7)
"""ISO weekdays of Saturday and Sunday."""

LOCODE_CHARS: Final = 5
"""A terminal is its port's UN/LOCODE followed by the terminal's code (`NLRTM-ECT`)."""


@dataclass(frozen=True)
class Reads:
    """The reads of an access log, ready for the rules."""

    entries: pl.DataFrame
    """One row per read access (ignored reads left out), in (user, time) order: entry (row
    number), user, time, resource, route, count (records read), lookup (a look-up, not a list
    page), known (the user is in the staff directory), timezone (null when unknown), local_time,
    local_day, off_hours (null when the time zone is unknown)."""
    lookups: pl.DataFrame
    """One row per record of a look-up that names a container (a container number, a release
    id or a gate transaction id): entry, user, time, local_day, resource, record, container,
    release_id (the release read, else the container's latest), release_read (the record was
    the release itself), terminal, port, consignee, in_ports (the terminal or its port is one of
    the user's), in_work (the container, its release or its consignee is in the user's work),
    known."""
    people: pl.DataFrame
    """The staff `directory`: user, ports, timezone."""
    releases: pl.DataFrame
    """The releases, one per release id (`distinct`)."""
    gate: pl.DataFrame
    """The gate transactions, one per transaction id (`distinct`)."""


def frame_of(frame: pl.DataFrame | None, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """`frame` with exactly the columns of `schema` (an empty frame for None)."""
    return pl.DataFrame(schema=schema) if frame is None else conform(frame, schema)


def directory(staff: pl.DataFrame) -> pl.DataFrame:
    """One row per user of the staff directory: user, ports (every port and terminal any source
    gives them) and timezone (the first valid IANA name, else null)."""
    zones = [zone for zone in staff["timezone"].drop_nulls().unique() if _known_zone(zone)]
    return staff.group_by("user").agg(
        pl.col("ports").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
        pl.col("timezone").filter(pl.col("timezone").is_in(zones)).first(),
    )


def _known_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone both the standard library and Polars know."""
    try:
        zoneinfo.ZoneInfo(name)
        pl.Series([0], dtype=pl.Datetime("us", "UTC")).dt.convert_time_zone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, pl.exceptions.PolarsError):
        return False
    return True


def read_entries(access: pl.DataFrame, people: pl.DataFrame, params: InsiderParams) -> pl.DataFrame:
    """`Reads.entries` of `access` for the staff `directory` `people`."""
    ignored = pl.lit(False)
    for role, resource in IGNORED_READS:
        held = pl.col("role").fill_null("").str.split("+").list.contains(role)
        ignored = ignored | (held & (pl.col("resource") == resource))
    listed = pl.col("records").list.len().fill_null(0)
    entries = (
        access.filter((pl.col("action") == "read") & ~ignored.fill_null(False))
        .drop_nulls(["user", "time"])
        .with_row_index("entry")
        .join(people.select("user", "timezone", known=pl.lit(True)), on="user", how="left")
        .with_columns(
            count=pl.coalesce(pl.col("count"), listed),
            known=pl.col("known").fill_null(False),
        )
        .with_columns(lookup=(pl.col("count") <= params.lookup_max_records) & (listed > 0))
    )
    return _in_local_time(entries, params).sort("user", "time", "entry")


def _in_local_time(entries: pl.DataFrame, params: InsiderParams) -> pl.DataFrame:
    """`entries` with local_time, local_day and off_hours in each user's time zone (UTC and a
    null off_hours where it is unknown)."""
    parts = []
    for (zone,), part in entries.group_by("timezone"):
        local = pl.col("time").dt.replace_time_zone(None)
        if zone is not None:
            local = pl.col("time").dt.convert_time_zone(str(zone)).dt.replace_time_zone(None)
        parts.append(part.with_columns(local_time=local))
    if not parts:
        return entries.with_columns(
            local_time=pl.col("time").dt.replace_time_zone(None),
            local_day=pl.lit(None, pl.Date),
            off_hours=pl.lit(None, pl.Boolean),
        )
    hour, weekday = pl.col("local_time").dt.hour(), pl.col("local_time").dt.weekday()
    outside = (
        weekday.is_in(WEEKEND)
        | (hour < params.workday_start_hour)
        | (hour >= params.workday_end_hour)
    )
    return pl.concat(parts).with_columns(
        local_day=pl.col("local_time").dt.date(),
        off_hours=pl.when(pl.col("timezone").is_not_null()).then(outside),
    )


def record_index(releases: pl.DataFrame, gate: pl.DataFrame) -> pl.DataFrame:
    """What each record identifier names: record, container, release_id, release_read,
    terminal, consignee. Release ids name their release; container numbers their latest release
    (else their latest gate terminal); gate transaction ids their container and the release the
    transaction names (else the container's latest)."""
    latest = (
        releases.drop_nulls("container_number")
        .sort("issued_at")
        .unique("container_number", keep="last")
    )
    by_release = releases.drop_nulls("release_id").select(
        record="release_id", container="container_number", release_id="release_id",
        release_read=pl.lit(True), terminal="terminal", consignee="issued_to",
    )  # fmt: skip
    by_container = latest.select(
        record="container_number", container="container_number", release_id="release_id",
        release_read=pl.lit(False), terminal="terminal", consignee="issued_to",
    )  # fmt: skip
    gate_only = (
        gate.drop_nulls("container_number")
        .sort("time")
        .unique("container_number", keep="last")
        .select(
            record="container_number",
            container="container_number",
            release_id=pl.lit(None, pl.String),
            release_read=pl.lit(False),
            terminal="terminal",
            consignee=pl.lit(None, pl.String),
        )
    )
    by_gate = (
        gate.drop_nulls(["gate_tx_id", "container_number"])
        .join(
            latest.select("container_number", "issued_to", latest_release="release_id"),
            on="container_number",
            how="left",
        )
        .select(
            record="gate_tx_id",
            container="container_number",
            release_id=pl.coalesce("release_id", "latest_release"),
            release_read=pl.lit(False),
            terminal="terminal",
            consignee="issued_to",
        )
    )
    # first wins: a release id over a container number over a gate transaction
    return pl.concat([by_release, by_container, gate_only, by_gate]).unique(
        "record", keep="first", maintain_order=True
    )


def _marked(frame: pl.DataFrame, keys: pl.DataFrame, left: str, name: str) -> pl.DataFrame:
    """`frame` with boolean `name` or-ed with whether (user, `left`) is among `keys` (user,
    place)."""
    marker = keys.select("user", pl.col("place").alias(left), _hit=pl.lit(True)).unique()
    joined = frame.join(marker, on=["user", left], how="left", nulls_equal=False)
    return joined.with_columns((pl.col(name) | pl.col("_hit").fill_null(False)).alias(name)).drop(
        "_hit"
    )


def resolve_lookups(
    entries: pl.DataFrame, index: pl.DataFrame, people: pl.DataFrame, work: pl.DataFrame
) -> pl.DataFrame:
    """`Reads.lookups` of the look-up `entries`, named by the record `index`."""
    looked = (
        entries.filter(pl.col("lookup"))
        .select("entry", "user", "time", "local_day", "resource", "records", "known")
        .explode("records")
        .rename({"records": "record"})
        .drop_nulls("record")
        .join(index, on="record", how="inner")
        .drop_nulls("container")
        .with_columns(
            port=pl.col("terminal").str.slice(0, LOCODE_CHARS),
            in_ports=pl.lit(False),
            in_work=pl.lit(False),
        )
    )
    places = people.select("user", place="ports").explode("place").drop_nulls("place")
    for column in ("port", "terminal"):
        looked = _marked(looked, places, column, "in_ports")
    assigned = work.select("user", place="record").drop_nulls()
    for column in ("container", "release_id", "consignee", "record"):
        looked = _marked(looked, assigned, column, "in_work")
    return looked.sort("user", "time", "entry", "record")


def prepare(
    access: pl.DataFrame | None,
    staff: pl.DataFrame | None,
    releases: pl.DataFrame | None,
    gate: pl.DataFrame | None,
    work: pl.DataFrame | None,
    params: InsiderParams,
) -> Reads:
    """The `Reads` of an access log, with the staff directory, releases, gate records and work
    they are judged against."""
    people = directory(frame_of(staff, STAFF_SCHEMA))
    entries = read_entries(frame_of(access, ACCESS_SCHEMA), people, params)
    terms = distinct(frame_of(releases, RELEASE_SCHEMA), "release_id", "issued_at")
    moves = distinct(frame_of(gate, GATE_SCHEMA), "gate_tx_id", "time")
    lookups = resolve_lookups(
        entries, record_index(terms, moves), people, frame_of(work, WORK_SCHEMA)
    )
    return Reads(
        entries=entries.drop("records"), lookups=lookups, people=people, releases=terms, gate=moves
    )


def distinct(frame: pl.DataFrame, key: str, order: str) -> pl.DataFrame:
    """`frame` with one row per `key` (the latest by `order`; rows without a key kept): the
    same release or gate transaction imported twice must not count twice."""
    keyed = frame.filter(pl.col(key).is_not_null()).sort(order, nulls_last=False)
    return pl.concat([keyed.unique(key, keep="last"), frame.filter(pl.col(key).is_null())])
