"""`balise ingest ais FILE...`: store AIS from NMEA logs and national CSV archives; the ingest
loop, summaries and quarantine files every `balise ingest` command shares."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from balise.cli import HELP_MARKUP
from balise.cli.context import settings_for
from balise.cli.output import print_table
from balise.cli.users import operator
from balise.engine.accounts import audit_entry
from balise.engine.ingest import (
    IngestResult,
    Input,
    ProgressCallback,
    expand_inputs,
    ingest_input,
)
from balise.engine.lake import LakeIngest, ingest_to_lake
from balise.errors import InputRejected
from balise.io.lake import QUARANTINE
from balise.model.batch import ReadOptions
from balise.settings import Settings
from balise.store.base import Store
from balise.workspace import make_private, private_folder

app = typer.Typer(
    rich_markup_mode=HELP_MARKUP, help="Read sources into the workspace.", no_args_is_help=True
)
stderr = Console(stderr=True)


class SummaryFormat(StrEnum):
    table = "table"
    json = "json"


Ingester = Callable[[Input, Store, ReadOptions, bool, ProgressCallback | None], IngestResult]
"""Ingests one input: (input, store, options, strict, progress) -> its result."""


@dataclass(frozen=True)
class Reporter:
    """How an ingest's counts are shown: as the JSON object of `--format json`, as a table."""

    summary: Callable[[IngestResult], dict[str, object]]
    table: Callable[[IngestResult], None]


@contextmanager
def _progress() -> Iterator[ProgressCallback | None]:
    if not sys.stderr.isatty():
        yield None
        return
    columns = ("{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        tasks: dict[str, object] = {}

        def update(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)  # type: ignore[arg-type]

        yield update


def summary_dict(result: IngestResult) -> dict[str, object]:
    """The counts of one ingest, as printed by `--format json`."""
    return {
        "source": result.source,
        "format": result.source_format,
        "status": result.status,
        "ingest_id": result.ingest_id,
        "read": result.count("records_read"),
        "positions_stored": result.count("positions_stored"),
        "duplicates": result.count("duplicates"),
        "no_position": result.count("no_position"),
        "identity_reports": result.count("identity_reports"),
        "quarantined": result.by_key("quarantined"),
        "messages_by_type": {
            int(k): v
            for k, v in sorted(result.by_key("messages").items(), key=lambda kv: int(kv[0]))
        },
        "cleared": result.by_key("cleared"),
        "skipped": result.by_key("skipped"),
    }


def print_summary(result: IngestResult) -> None:
    summary = summary_dict(result)
    rows = [
        (key, f"{summary[key]:,}")
        for key in ("read", "positions_stored", "duplicates", "no_position", "identity_reports")
    ]
    for group in ("quarantined", "cleared", "skipped"):
        tally = summary[group]
        assert isinstance(tally, dict)
        rows.extend((f"{group}: {key}", f"{n:,}") for key, n in sorted(tally.items()))
    types = summary["messages_by_type"]
    assert isinstance(types, dict)
    rows.extend((f"messages: type {key}", f"{n:,}") for key, n in types.items())
    title = f"{result.source} ({result.source_format}, {result.status.replace('_', ' ')})"
    print_table(title, rows, ("", "count"))
    if "no_time" in summary["quarantined"]:  # type: ignore[operator]
        stderr.print(
            f"[yellow]{result.source}: sentences without time were quarantined; "
            "re-run with --assume-time ISO to accept them.[/]"
        )


AIS_REPORTER = Reporter(summary_dict, print_summary)


def read_options(settings: Settings) -> ReadOptions:
    """The readers' options from resolved settings: assumed time, batch size and the caps."""
    assumed: datetime | None = settings["ingest.assume_time"]
    return ReadOptions(
        assume_time=assumed,
        batch_records=settings["ingest.batch_records"],
        max_line_bytes=settings["ingest.max_line_bytes"],
        max_record_line_bytes=settings["ingest.max_record_line_bytes"],
        max_input_bytes=settings["ingest.max_input_bytes"],
        max_quarantine_text_bytes=settings["ingest.max_quarantine_text_bytes"],
    )


@app.command("ais")
def ingest_ais(
    ctx: typer.Context,
    files: Annotated[
        list[str], typer.Argument(help="NMEA or CSV files (.gz, .zip too); - is stdin.")
    ],
    strict: Annotated[bool, typer.Option(help="Stop at the first bad record (exit 3).")] = False,
    assume_time: Annotated[
        str | None, typer.Option(help="UTC time for sentences that carry none (ISO 8601).")
    ] = None,
    batch_records: Annotated[int | None, typer.Option(help="Records per batch.")] = None,
    output: Annotated[SummaryFormat, typer.Option("--format", help="Summary format.")] = (
        SummaryFormat.table
    ),
    to_lake: Annotated[
        Path | None,
        typer.Option(
            help="Write a Parquet position lake in this folder instead of the workspace.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Ingest AIS: NMEA 0183 (tag blocks, leading timestamps, Gatehouse $PGHP archives),
    AIS-catcher JSON lines, DMA or NOAA CSV; format detected.

    With --to-lake the records go to a position lake (docs/deployment.md, "On a cluster"),
    for archives too big for one workspace; ingesting a file again replaces its records."""
    flags = {"ingest.assume_time": assume_time, "ingest.batch_records": batch_records}
    if to_lake is not None:
        ingest_lake(ctx, files, to_lake, strict, output, flags)
        return
    ingest_files(ctx, files, strict, output, ingest_input, AIS_REPORTER, flags)


def ingest_lake(
    ctx: typer.Context,
    files: list[str],
    lake: Path,
    strict: bool,
    output: SummaryFormat,
    flags: dict[str, Any],
) -> None:
    """`balise ingest ais --to-lake`: each input's counts, its quarantined records kept in the
    lake's quarantine (by reason in the summary); exit 3 at the end when an input was rejected
    or its reader broke, as `balise ingest ais` does."""
    workspace, settings = settings_for(ctx, **flags)
    options = read_options(settings)
    rejected = 0
    for item in expand_inputs(files, workspace.spool_dir):
        try:
            done = ingest_to_lake(item, lake, options, strict)
        except InputRejected as err:
            if strict:
                raise
            stderr.print(f"[red]rejected[/] {err}")
            rejected += 1
            continue
        _report_lake(done, lake, output)
        rejected += done.status == "failed"
    if rejected:
        raise typer.Exit(InputRejected.exit_code)


def _report_lake(done: LakeIngest, lake: Path, output: SummaryFormat) -> None:
    summary = {
        "source": done.source,
        "format": done.source_format,
        "status": done.status,
        "lake_source": done.tag,
        "read": done.records_read,
        "positions_written": done.positions,
        "identity_reports": done.identities,
        "duplicates": done.duplicates,
        "quarantined": dict(sorted(done.quarantined.items())),
    }
    if output is SummaryFormat.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        rows = [(k, f"{v:,}") for k, v in summary.items() if isinstance(v, int)]
        rows += [(f"quarantined: {k}", f"{n:,}") for k, n in sorted(done.quarantined.items())]
        print_table(f"{done.source} ({done.source_format}) into {lake}", rows, ("", "count"))
    total = done.quarantined.total()
    if total:
        where = lake / QUARANTINE / f"part-{done.tag}-*.parquet"
        stderr.print(f"{total:,} quarantined records of {done.source} kept in {where}")
    if done.status == "failed":
        stderr.print(
            f"[red]failed[/] {done.source}: the reader broke on this input (reason "
            "reader_error in its quarantine); what was read before is in the lake"
        )


def ingest_files(
    ctx: typer.Context,
    files: list[str],
    strict: bool,
    output: SummaryFormat,
    ingest: Ingester,
    reporter: Reporter,
    flags: dict[str, Any],
) -> None:
    """Ingest every input of `files` (zip members, `-` for stdin) with `ingest`, print each
    one's counts and write its quarantine file; exit 3 at the end when an input was rejected
    (under `strict`, at the first)."""
    workspace, settings = settings_for(ctx, **flags)
    options = read_options(settings)
    store = workspace.open_store(create=True)
    rejected = 0
    try:
        with _progress() as progress:
            for item in expand_inputs(files, workspace.spool_dir):
                try:
                    result = ingest(item, store, options, strict, progress)
                except InputRejected as err:
                    if strict:
                        raise
                    stderr.print(f"[red]rejected[/] {err}")
                    rejected += 1
                    continue
                _report(result, output, workspace.quarantine_dir, store, reporter)
                rejected += _warn_if_cut_short(result)
                entry = audit_entry(operator("ingest"), "change", "ingest", [result.source],
                                    1, f"{result.source_format}: {result.status}")  # fmt: skip
                store.append_audit([entry])
    finally:
        store.close()
    if rejected:
        raise typer.Exit(InputRejected.exit_code)


EARLY_END_REASONS = ("corrupt_input", "input_too_large")
"""Quarantine reasons of an input read only up to some point; what was read before is kept."""


def _warn_if_cut_short(result: IngestResult) -> int:
    """Say on stderr when an input was not read to its end; 1 when its reader failed (the input
    counts as rejected for the exit code, as an unrecognised one does), else 0."""
    quarantined = result.by_key("quarantined")
    if result.status == "failed":
        stderr.print(
            f"[red]failed[/] {result.source}: the reader broke on this input "
            "(reason reader_error in its quarantine); the other inputs are read"
        )
        return 1
    for reason in EARLY_END_REASONS:
        if quarantined.get(reason):
            stderr.print(
                f"[yellow]{result.source}: {reason.replace('_', ' ')}; the records before "
                "were kept (see its quarantine file)[/]"
            )
    return 0


def _report(
    result: IngestResult,
    output: SummaryFormat,
    quarantine_dir: Path,
    store: Store,
    reporter: Reporter,
) -> None:
    if result.status != "already_ingested":
        _write_quarantine(store, result, quarantine_dir)
    if output is SummaryFormat.json:
        sys.stdout.write(json.dumps(reporter.summary(result)) + "\n")
    else:
        reporter.table(result)


def _write_quarantine(store: Store, result: IngestResult, folder: Path) -> None:
    rows = store.quarantine(result.ingest_id)
    if rows.is_empty():
        return
    private_folder(folder)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in result.source)
    path = folder / f"{safe}-{result.ingest_id[:12]}.jsonl"
    rows.drop("ingest_id").write_ndjson(path)
    make_private(path)
    stderr.print(f"{rows.height:,} quarantined records of {result.source} written to {path}")
