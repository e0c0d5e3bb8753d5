"""`balise audit`: read the audit log, and `balise audit verify` its hash chain."""

from __future__ import annotations

from typing import Annotated

import typer

from balise.cli import HELP_MARKUP
from balise.cli.output import print_table, write_frames
from balise.cli.users import opened
from balise.errors import BaliseError, UsageError
from balise.settings import parse_utc
from balise.store.accounts import AuditQuery

app = typer.Typer(help="The audit log: who read or changed what, when, from where.",
                  invoke_without_command=True, rich_markup_mode=HELP_MARKUP)  # fmt: skip


class ChainBroken(BaliseError):
    """The audit log's chain does not hold."""


@app.callback()
def audit(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option(help="Only this account's entries.")] = None,
    since: Annotated[str | None, typer.Option(help="From this time (ISO 8601).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many (newest first).")] = 200,
    fmt: Annotated[str, typer.Option("--format", help="table, jsonl or csv.")] = "table",
) -> None:
    """The newest audit entries (by user, since a time)."""
    if ctx.invoked_subcommand is not None:
        return
    if fmt not in ("table", "jsonl", "csv"):
        raise UsageError(f"--format must be table, jsonl or csv (got {fmt!r})")
    query = AuditQuery(user=user, since=parse_utc(since) if since else None)
    with opened(ctx) as (store, _):
        found = store.audit(query, limit)
    if fmt != "table":
        write_frames([found], fmt)
        return
    rows = [(str(r["seq"]), f"{r['time']:%Y-%m-%d %H:%M:%S}", r["user"], r["agency"],
             r["address"], r["action"], r["resource"], str(r["count"]),
             (r["detail"] or " ".join(r["records"][:3]))[:60])
            for r in found.iter_rows(named=True)]  # fmt: skip
    print_table(f"{len(rows)} audit entries, newest first", rows,
                ("seq", "time (UTC)", "user", "agency", "from", "action", "resource", "count",
                 "detail"))  # fmt: skip


@app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Recompute the hash chain; exit 1 if an entry was altered, removed or reordered."""
    with opened(ctx) as (store, _):
        check = store.verify_audit()
    if not check.ok:
        raise ChainBroken(f"the audit log is broken at entry {check.broken_at}: {check.reason} "
                          f"({check.entries} entries before it hold)",
                          broken_at=check.broken_at)  # fmt: skip
    typer.echo(f"the audit log holds: {check.entries} entries, head {check.head}")
