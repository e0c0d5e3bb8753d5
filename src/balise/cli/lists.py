"""`balise list …`: screening lists kept in the workspace, with the provenance of every entry.

`create` makes a list of a kind (vessels_of_interest, banned_companies, sanctions, user); `add`
types one entry, `import` reads a CSV or FtM JSON lines file (leniently: bad rows are counted
on stderr, the good ones kept), `remove` marks an entry removed (its row stays, with who and
why), `show` prints a list's entries (or every list), `export` writes a list as FtM or CSV.
After `add`, `remove` and `import` everything stored is screened again (`list_match` events,
`balise.engine.screening`), so a new entry finds its vessels and a removed one's matches are
retracted. `review` prints the candidate matches still to judge (near misses included), `judge`
records an analyst's verdict on one (same, not-same, unsure), which screening reuses. Entries
and judgements are written as `local:<login name>`, and every change (create, add, remove,
import, judge) is written to the audit log.
"""

from __future__ import annotations

import getpass
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from balise.alerts.rules import alert_rules
from balise.cli import HELP_MARKUP
from balise.cli.context import settings_for
from balise.cli.output import TableFormat, print_table, write_frames
from balise.cli.screen import report_quarantine
from balise.cli.users import operator
from balise.engine.lists import (
    add_entities,
    audit_change,
    import_file,
    provenance,
    record_judgement,
    rescreen,
)
from balise.engine.screening import ScreeningReport, review_queue
from balise.entities.identifiers import normalise_identifier
from balise.entities.match import Entity
from balise.entities.params import screen_params
from balise.entities.screening import SUBJECT_KINDS
from balise.entities.shell_params import shell_params
from balise.errors import UsageError
from balise.io.list_export import write_csv, write_ftm
from balise.model.lists import ENTRY_SCHEMATA, LIST_KINDS
from balise.settings import Settings
from balise.store.base import Store

app = typer.Typer(help="Screening lists: create, add, remove, show, import, export; review and "
                  "judge candidate matches.",
                  no_args_is_help=True, rich_markup_mode=HELP_MARKUP)  # fmt: skip

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Verdict(StrEnum):
    same = "same"
    not_same = "not-same"
    unsure = "unsure"


class ExportFormat(StrEnum):
    ftm = "ftm"
    csv = "csv"


def who() -> str:
    """The person running the command line, as recorded on the lists."""
    try:
        return f"local:{getpass.getuser()}"
    except (KeyError, OSError):
        return "local:unknown"


@contextmanager
def opened(ctx: typer.Context, create: bool = False) -> Iterator[tuple[Store, Settings]]:
    workspace, settings = settings_for(ctx)
    store = workspace.open_store(create=create)
    try:
        yield store, settings
    finally:
        store.close()


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise UsageError(f"bad list name {name!r}: letters, digits, _ . - only")
    return name


def _require_list(store: Store, name: str) -> None:
    if name not in store.lists()["name"].to_list():
        raise UsageError(f"no list {name!r} (balise list create {name} --kind K)")


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise UsageError(f"{option} must be a date (YYYY-MM-DD), not {value!r}") from err


def _rescreen(store: Store, settings: Settings) -> None:
    values = settings.values
    done = rescreen(store, screen_params(values), shell_params(values), alert_rules(values))
    if done.screening is not None:
        sys.stderr.write(_screened(done.screening) + "\n")
    if done.ownership is not None:
        c = done.ownership.changes
        sys.stderr.write(
            f"registry: entities on a list {done.ownership.listed:,}; ownership and shell "
            f"events {c.new:,} new, {c.revised:,} revised, {c.retracted:,} retracted, "
            f"{c.unchanged:,} unchanged\n"
        )


def _screened(report: ScreeningReport) -> str:
    c = report.changes
    return (
        f"screened {report.vessels:,} vessels and {report.parties:,} manifest parties: "
        f"list matches {c.new:,} new, {c.revised:,} revised, {c.retracted:,} retracted, "
        f"{c.unchanged:,} unchanged"
    )


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The list's name.")],
    kind: Annotated[str, typer.Option(help=", ".join(LIST_KINDS) + ".")],
    description: Annotated[str, typer.Option(help="What the list holds, and why.")] = "",
) -> None:
    """Make an empty list."""
    if kind not in LIST_KINDS:
        raise UsageError(f"unknown --kind {kind!r} (balise list create --help)")
    record = {"name": _check_name(name), "kind": kind, "description": description,
              "created_at": datetime.now(UTC), "created_by": who()}  # fmt: skip
    with opened(ctx, create=True) as (store, _):
        if not store.create_list(record):
            raise UsageError(f"a list {name!r} exists already")
        audit_change(store, operator("list create"), [name], f"list created ({kind})")
    sys.stderr.write(f"list {name} ({kind}) created\n")


def _typed_entity(fields: dict[str, Any]) -> Entity:
    """The entity typed on the command line; a bad identifier or date is a usage error."""
    ids = []
    for kind in ("imo", "mmsi", "lei", "registration"):
        if fields[kind]:
            identifier = normalise_identifier(kind, fields[kind])
            if identifier is None:
                raise UsageError(f"--{kind} {fields[kind]!r} is not a valid {kind.upper()}")
            ids.append(identifier)
    if not fields["name"].strip():
        raise UsageError("--name must not be empty")
    if fields["schema"] not in ENTRY_SCHEMATA:
        raise UsageError(f"--schema must be {'|'.join(ENTRY_SCHEMATA)}")
    birth = _date(fields["birth_date"], "--birth-date")
    return Entity(
        id="",
        schema=fields["schema"],
        names=tuple(dict.fromkeys([fields["name"].strip(), *fields["aliases"]])),
        birth_dates=(birth.isoformat(),) if birth else (),
        countries=tuple(c.strip().lower() for c in fields["countries"] if c.strip()),
        identifiers=tuple(ids),
    )


@app.command("add")
def add(
    ctx: typer.Context,
    list_name: Annotated[str, typer.Argument(metavar="NAME", help="The list.")],
    name: Annotated[str, typer.Option("--name", help="The entry's name.")],
    schema: Annotated[str, typer.Option(help=", ".join(ENTRY_SCHEMATA) + ".")] = "LegalEntity",
    alias: Annotated[list[str] | None, typer.Option(help="Another name (repeat).")] = None,
    imo: Annotated[str | None, typer.Option(help="IMO number (check digit verified).")] = None,
    mmsi: Annotated[str | None, typer.Option(help="MMSI (nine digits).")] = None,
    lei: Annotated[str | None, typer.Option(help="LEI (ISO 17442).")] = None,
    registration: Annotated[str | None, typer.Option(help="Registration number.")] = None,
    country: Annotated[list[str] | None, typer.Option(help="Country or flag (repeat).")] = None,
    birth_date: Annotated[str | None, typer.Option(help="Date of birth (YYYY-MM-DD).")] = None,
    reason: Annotated[str, typer.Option(help="Why it is listed.")] = "",
    source: Annotated[str, typer.Option(help="Where the listing comes from.")] = "",
    source_date: Annotated[str | None, typer.Option(help="Date of the source.")] = None,
    valid_from: Annotated[str | None, typer.Option(help="Listed from (YYYY-MM-DD).")] = None,
    valid_until: Annotated[str | None, typer.Option(help="Listed until (YYYY-MM-DD).")] = None,
) -> None:
    """Add one entry; its id is printed. Then screen what is stored again."""
    fields = {"name": name, "schema": schema, "aliases": alias or [], "imo": imo, "mmsi": mmsi,
              "lei": lei, "registration": registration, "countries": country or [],
              "birth_date": birth_date}  # fmt: skip
    entity = _typed_entity(fields)
    given = _provenance(source, reason, source_date, valid_from, valid_until)
    with opened(ctx) as (store, settings):
        _require_list(store, list_name)
        (entry_id,), added = add_entities(store, list_name, [entity], given)
        if not added:
            raise UsageError(f"{list_name} already holds this entry ({entry_id})")
        audit_change(store, operator("list add"), [f"{list_name}/{entry_id}"],
                     f"entry added: {entity.names[0]}")  # fmt: skip
        sys.stdout.write(entry_id + "\n")
        _rescreen(store, settings)


def _provenance(
    source: str, reason: str, source_date: str | None, valid_from: str | None,
    valid_until: str | None,
) -> dict[str, Any]:  # fmt: skip
    start, end = _date(valid_from, "--valid-from"), _date(valid_until, "--valid-until")
    if start and end and end < start:
        raise UsageError("--valid-until is before --valid-from")
    return provenance(who(), source, reason, source_date=_date(source_date, "--source-date"),
                      valid_from=start, valid_until=end)  # fmt: skip


@app.command("remove")
def remove(
    ctx: typer.Context,
    list_name: Annotated[str, typer.Argument(metavar="NAME", help="The list.")],
    entry_id: Annotated[str, typer.Argument(help="The entry's id (`balise list show NAME`).")],
    reason: Annotated[str, typer.Option(help="Why it is removed.")] = "",
) -> None:
    """Remove an entry (its row is kept, marked removed). Then screen what is stored again."""
    with opened(ctx) as (store, settings):
        _require_list(store, list_name)
        if not store.remove_list_entry(list_name, entry_id, who(), reason, datetime.now(UTC)):
            raise UsageError(f"{list_name} holds no entry {entry_id!r}")
        audit_change(store, operator("list remove"), [f"{list_name}/{entry_id}"],
                     f"entry removed: {reason}" if reason else "entry removed")  # fmt: skip
        sys.stderr.write(f"{entry_id} removed from {list_name}\n")
        _rescreen(store, settings)


@app.command("import")
def import_entries(
    ctx: typer.Context,
    list_name: Annotated[str, typer.Argument(metavar="NAME", help="The list.")],
    path: Annotated[Path, typer.Argument(metavar="FILE", help="CSV or FtM JSON lines.")],
    source: Annotated[
        str, typer.Option(help="Where the file comes from (default: its name).")
    ] = "",
    reason: Annotated[str, typer.Option(help="Why its entries are listed.")] = "",
    source_date: Annotated[str | None, typer.Option(help="Date of the source.")] = None,
) -> None:
    """Add the entries of a file (bad rows counted on stderr, the good ones kept); entries
    already listed are not added twice. Then screen what is stored again."""
    given = _provenance(source or path.name, reason, source_date, None, None)
    with opened(ctx) as (store, settings):
        _require_list(store, list_name)
        done = import_file(store, list_name, path, given)
        report_quarantine(path, done.quarantined)
        audit_change(store, operator("list import"), [list_name], f"{done.added} entries "
                     f"imported from {path.name} ({done.read} read)")  # fmt: skip
        sys.stderr.write(
            f"{path}: {done.read:,} entries read, {done.added:,} added, "
            f"{done.read - done.added:,} already listed\n"
        )
        _rescreen(store, settings)


_TABLE_COLUMNS = ("entry_id", "schema", "name", "identifiers", "reason", "source", "added_by",
                  "added_at", "valid_until", "removed_at")  # fmt: skip


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value.isoformat() if isinstance(value, date) else value)


@app.command("show")
def show(
    ctx: typer.Context,
    list_name: Annotated[
        str | None, typer.Argument(metavar="[NAME]", help="The list (every list when omitted).")
    ] = None,
    output: Annotated[TableFormat, typer.Option("--format", help="table, csv or jsonl.")] = (
        TableFormat.table
    ),
    removed: Annotated[bool, typer.Option("--removed", help="Removed entries too.")] = False,
) -> None:
    """A list's entries with their provenance, or every list with its counts."""
    with opened(ctx) as (store, _):
        if list_name is None:
            frame = store.lists()
        else:
            _require_list(store, list_name)
            frame = store.list_entries(list_name, include_removed=removed)
    if output is not TableFormat.table:
        write_frames([frame], output.value)
        return
    columns = list(frame.columns) if list_name is None else list(_TABLE_COLUMNS)
    rows = [[_cell(r[c]) for c in columns] for r in frame.iter_rows(named=True)]
    title = "lists" if list_name is None else f"{list_name}: {frame.height:,} entries"
    print_table(title, rows, columns)


@app.command("export")
def export(
    ctx: typer.Context,
    list_name: Annotated[str, typer.Argument(metavar="NAME", help="The list.")],
    output: Annotated[ExportFormat, typer.Option("--format", help="ftm or csv.")] = (
        ExportFormat.ftm
    ),
) -> None:
    """A list's active entries to stdout, as FtM JSON lines or CSV (both read by
    `balise list import` and `balise screen --list`)."""
    with opened(ctx) as (store, _):
        _require_list(store, list_name)
        entries = store.list_entries(list_name).to_dicts()
    (write_ftm if output is ExportFormat.ftm else write_csv)(entries, sys.stdout)
    sys.stdout.flush()


_REVIEW_COLUMNS = ("score", "state", "subject", "entry", "reasons")


def _review_cells(row: dict[str, Any]) -> list[str]:
    shown = row["subject"]
    names = ", ".join(shown.get("names") or [shown.get("name", "")])
    state = "match" if row["raised"] else "near miss"
    return [f"{row['score']:.3f}", f"{state}, {row['verdict']}" if row["verdict"] else state,
            f"{row['subject_kind']} {row['subject_id']}: {names}",
            f"{row['list_name']}/{row['entry_id']}: {row['entry']['name']}",
            "; ".join(row["reasons"])]  # fmt: skip


@app.command("review")
def review(
    ctx: typer.Context,
    output: Annotated[TableFormat, typer.Option("--format", help="table, csv or jsonl.")] = (
        TableFormat.table
    ),
) -> None:
    """The candidate matches still to judge, best score first: list matches not judged or
    judged unsure, and near misses (from `screen.review_threshold`, below
    `screen.match_threshold`), with the subject, the entry and the reasons."""
    with opened(ctx) as (store, settings):
        rows = review_queue(store, screen_params(settings.values))
    if output is TableFormat.table:
        cells = [_review_cells(r) for r in rows]
        print_table(f"review queue: {len(rows):,} candidates", cells, list(_REVIEW_COLUMNS))
        return
    if output is TableFormat.csv:
        flat = [{**r, "subject": json.dumps(r["subject"]), "entry": json.dumps(r["entry"]),
                 "reasons": "; ".join(r["reasons"])} for r in rows]  # fmt: skip
        write_frames([pl.DataFrame(flat, infer_schema_length=None)], "csv")
        return
    for row in rows:
        sys.stdout.write(json.dumps(row, default=str) + "\n")


@app.command("judge")
def judge(
    ctx: typer.Context,
    subject_kind: Annotated[str, typer.Argument(help=" or ".join(SUBJECT_KINDS) + ".")],
    subject_id: Annotated[str, typer.Argument(help="An MMSI, or a party's name as screened.")],
    list_name: Annotated[str, typer.Argument(metavar="LIST", help="The list.")],
    entry_id: Annotated[str, typer.Argument(help="The entry's id (`balise list review`).")],
    verdict: Annotated[Verdict, typer.Argument(help="same, not-same or unsure.")],
    note: Annotated[str, typer.Option(help="Why (kept with the judgement).")] = "",
) -> None:
    """Judge a candidate match (the subject and entry of `balise list review`): `not-same`
    keeps the pair from being raised again (until the entry's names or identifiers change),
    `same` raises it at full score even after a rename, `unsure` keeps it in the queue. Then
    screen what is stored again."""
    if subject_kind not in SUBJECT_KINDS:
        raise UsageError(f"SUBJECT_KIND must be {' or '.join(SUBJECT_KINDS)}, not "
                         f"{subject_kind!r}")  # fmt: skip
    said = verdict.value.replace("-", "_")
    with opened(ctx) as (store, settings):
        _require_list(store, list_name)
        pair = (subject_kind, subject_id, list_name, entry_id)
        if record_judgement(store, who(), pair, said, note) is None:
            raise UsageError(f"{list_name} holds no entry {entry_id!r}")
        audit_change(store, operator("list judge"), [f"{list_name}/{entry_id}"],
                     f"{subject_kind} {subject_id} judged {said}")  # fmt: skip
        sys.stderr.write(f"{subject_kind} {subject_id} and {list_name}/{entry_id}: {said}\n")
        _rescreen(store, settings)
