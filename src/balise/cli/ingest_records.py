"""`balise ingest releases|gate|access-log|staff|work|radar|radar-sites|clearances|containers|
manifests|telemetry FILE...`: store port, access, coastal and cargo records.

The same command as `balise ingest ais` for the other sources: container releases and gate
transactions of a terminal, access logs of other systems, the staff directory and the work
assigned to each user (the insider rules); radar contacts, radar sites and clearance
declarations (coastal surveillance); container Track & Trace events, cargo manifests and the
readings of smart containers' devices.
Each prints what it read, stored, replaced and quarantined (`--format json` for machines).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Annotated, Final

import typer

from balise.cli.context import settings_for
from balise.cli.ingest import Reporter, SummaryFormat, ingest_files
from balise.cli.output import print_table
from balise.engine.ingest import IngestResult
from balise.engine.ingest_records import RadarDefaults, ingest_records
from balise.errors import UsageError
from balise.model.record_batch import RecordKind

COMMAND_HELP: Final = {
    RecordKind.RELEASES: "Ingest container releases (CSV: release_id, container_number, "
    "terminal, issued_at, ...); a later issue of a release replaces the stored one.",
    RecordKind.GATE: "Ingest terminal gate transactions (CSV: gate_tx_id, container_number, "
    "terminal, time, direction, ...).",
    RecordKind.ACCESS_LOG: "Ingest access logs of other systems (JSON lines or CSV: time, "
    "user, action, records, ...); format detected.",
    RecordKind.STAFF: "Ingest a staff directory (CSV: user, agency, role, ports, timezone); "
    "a later entry of a user replaces the stored one.",
    RecordKind.WORK: "Ingest work assignments (CSV: user, record): the containers, releases, "
    "consignees, alerts or vessels assigned to each user; each pair is stored once.",
    RecordKind.RADAR: "Ingest radar contacts: CSV or JSON lines (time, lat, lon, sensor_id, "
    "...), NMEA 0183 ARPA sentences ($--TTM, $--TLL) or ASTERIX CAT010/CAT062; format "
    "detected. Declare the radar sites first (ingest radar-sites).",
    RecordKind.RADAR_SITES: "Ingest radar sites (CSV: sensor_id, name, lat, lon, "
    "antenna_height_m, range_nm); a later entry of a sensor replaces the stored one.",
    RecordKind.CLEARANCES: "Ingest clearance declarations (CSV: declaration_id, submitted_at, "
    "vessel_name, mmsi, ...); a later submission of a declaration replaces the stored one.",
    RecordKind.CONTAINERS: "Ingest container Track & Trace events (DCSA 3.0 or 2.x JSON: an "
    "array or JSON lines); a later update of an event (eventID) replaces the stored one.",
    RecordKind.MANIFESTS: "Ingest cargo manifests (CSV, a JSON array or JSON lines: "
    "bill_of_lading, issued_at, shipper, consignee, hs_code, container_numbers, ...); a later "
    "issue of a bill replaces the stored one.",
    RecordKind.TELEMETRY: "Ingest smart-container telemetry (JSON lines: container_number, "
    "time, lat, lon, door_open, light_lux, temperature_c, humidity, shock_g, battery); a "
    "reading is stored once per container and time.",
    RecordKind.REGISTRY: "Ingest company registries: FollowTheMoney JSON lines (Company, "
    "Person, Vessel, Address, Ownership, Directorship, ...) or CSV (entities: id, schema, name, "
    "country, registration_number, incorporation_date, address, imo; links: kind, source_id, "
    "target_id, share, role, start, end); format detected; a later entity or link of the same id "
    "replaces the stored one.",
}
"""The help of each command (its first line in `balise ingest --help`)."""
_COUNTS: Final = (
    ("read", "records_read"),
    ("stored", "records_stored"),
    ("replaced", "records_replaced"),
    ("duplicates", "duplicates"),
    ("outdated", "outdated"),
)
"""Summary key -> ingest counter."""


def record_summary(result: IngestResult) -> dict[str, object]:
    """The counts of one ingest of records, as printed by `--format json`: `read`, `stored`
    (new or replacing a stored version), `replaced`, `duplicates` (the same as stored),
    `outdated` (older than the version kept), `quarantined` and `skipped` by reason."""
    return {
        "source": result.source,
        "format": result.source_format,
        "status": result.status,
        "ingest_id": result.ingest_id,
        **{key: result.count(counter) for key, counter in _COUNTS},
        "quarantined": result.by_key("quarantined"),
        "skipped": result.by_key("skipped"),
        "cleared": result.by_key("cleared"),
    }


def print_record_summary(result: IngestResult) -> None:
    summary = record_summary(result)
    rows = [(key, f"{summary[key]:,}") for key, _ in _COUNTS]
    for group in ("quarantined", "skipped", "cleared"):
        tally = summary[group]
        assert isinstance(tally, dict)
        rows.extend((f"{group}: {key}", f"{n:,}") for key, n in sorted(tally.items()))
    title = f"{result.source} ({result.source_format}, {result.status.replace('_', ' ')})"
    print_table(title, rows, ("", "count"))


RECORD_REPORTER: Final = Reporter(record_summary, print_record_summary)


def _command(kind: RecordKind) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        files: Annotated[list[str], typer.Argument(help="Files (.gz, .zip too); - is stdin.")],
        strict: Annotated[
            bool, typer.Option(help="Stop at the first bad record (exit 3).")
        ] = False,
        batch_records: Annotated[int | None, typer.Option(help="Records per batch.")] = None,
        output: Annotated[SummaryFormat, typer.Option("--format", help="Summary format.")] = (
            SummaryFormat.table
        ),
    ) -> None:
        ingest = partial(ingest_records, kind)
        flags = {"ingest.batch_records": batch_records}
        ingest_files(ctx, files, strict, output, ingest, RECORD_REPORTER, flags)

    command.__doc__ = COMMAND_HELP[kind]
    return command


def _day(text: str | None) -> date | None:
    try:
        return None if text is None else date.fromisoformat(text)
    except ValueError as err:
        raise UsageError(f"--date: not an ISO 8601 date: {text!r}", value=text) from err


def ingest_radar(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(help="Files (.gz, .zip too); - is stdin.")],
    sensor: Annotated[
        str | None,
        typer.Option(help="Sensor of NMEA sentences without an s: tag and of ASTERIX records."),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option("--date", help="UTC date (YYYY-MM-DD) of NMEA and ASTERIX times of day."),
    ] = None,
    position_error_m: Annotated[
        float | None,
        typer.Option(help="Position error of NMEA targets, m (ingest.arpa_position_error_m)."),
    ] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first bad record (exit 3).")] = False,
    batch_records: Annotated[int | None, typer.Option(help="Records per batch.")] = None,
    output: Annotated[SummaryFormat, typer.Option("--format", help="Summary format.")] = (
        SummaryFormat.table
    ),
) -> None:
    flags = {
        "ingest.batch_records": batch_records,
        "ingest.arpa_position_error_m": position_error_m,
    }
    _, settings = settings_for(ctx, **flags)
    defaults = RadarDefaults(sensor, _day(day), settings["ingest.arpa_position_error_m"])
    ingest = partial(ingest_records, RecordKind.RADAR, radar=defaults)
    ingest_files(ctx, files, strict, output, ingest, RECORD_REPORTER, flags)


ingest_radar.__doc__ = COMMAND_HELP[RecordKind.RADAR]


def register(app: typer.Typer) -> None:
    """Add `releases`, `gate`, `access-log`, `staff`, `work`, `radar`, `radar-sites`,
    `clearances`, `containers`, `manifests`, `telemetry` and `registry` to the `balise ingest`
    group (the links of a registry are ingested with it)."""
    for kind in (k for k in RecordKind if k in COMMAND_HELP):
        command = ingest_radar if kind is RecordKind.RADAR else _command(kind)
        app.command(kind.value)(command)
