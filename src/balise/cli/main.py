"""The `balise` entry point: global options, command groups and the error contract.

Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 input rejected. A `BaliseError` becomes one
line on stderr with its exit code; only a bug in Balise shows a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from balise import __version__
from balise.cli import (
    audit,
    cargo,
    container,
    demo,
    detect,
    entity,
    export,
    ingest,
    ingest_records,
    listen,
    lists,
    plan,
    query,
    screen,
    serve,
    sim,
    users,
)
from balise.cli.context import AppState
from balise.errors import BaliseError

app = typer.Typer(
    name="balise",
    help="Balise: maritime intelligence against drug trafficking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ingest_records.register(ingest.app)
app.add_typer(ingest.app, name="ingest")
app.add_typer(listen.app, name="listen")
app.add_typer(sim.app, name="sim")
app.add_typer(export.app, name="export")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")
app.add_typer(plan.app, name="plan")
app.add_typer(cargo.app, name="cargo")
app.add_typer(lists.app, name="list")
app.command("positions")(query.positions)
app.command("vessels")(query.vessels)
app.command("vessel")(query.vessel)
app.command("container")(container.container)
app.command("containers")(container.containers)
app.command("detect")(detect.run_detect)
app.command("events")(detect.events)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("screen")(screen.screen)
app.command("entity")(entity.entity)


def _version(show: bool) -> None:
    if show:
        typer.echo(f"balise {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            help="Workspace folder (default: $BALISE_WORKSPACE or ./balise-workspace).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    ctx.obj = AppState(workspace=workspace)


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (usage errors: 2, printed by Typer)."""
    try:
        app(args=argv, prog_name="balise")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaliseError as err:
        Console(stderr=True).print(f"[bold red]error:[/] {escape(str(err))}", highlight=False)
        return err.exit_code
    except BrokenPipeError:
        return 0
    return 0


def entry() -> None:
    """The console script."""
    sys.exit(run())


if __name__ == "__main__":
    entry()
