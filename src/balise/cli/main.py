"""The `balise` entry point: global options, command groups and the error contract.

Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 input rejected. A `BaliseError` becomes one
line on stderr with its exit code; only a bug in Balise shows a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Annotated, Final

import typer
from rich.console import Console
from rich.markup import escape

from balise import __version__
from balise.cli import HELP_MARKUP
from balise.errors import BaliseError

_GROUPS: Final = {
    "ingest": "ingest", "listen": "listen", "sim": "sim", "export": "export", "users": "users",
    "audit": "audit", "plan": "plan", "cargo": "cargo", "list": "lists",
}  # fmt: skip
"""Each command group: its name and the module (`balise.cli.<module>`) whose `app` it is."""
_COMMANDS: Final = {
    "positions": ("query", "positions"), "vessels": ("query", "vessels"),
    "vessel": ("query", "vessel"), "container": ("container", "container"),
    "containers": ("container", "containers"), "detect": ("detect", "run_detect"),
    "events": ("detect", "events"), "demo": ("demo", "demo"), "serve": ("serve", "serve"),
    "screen": ("screen", "screen"), "entity": ("entity", "entity"),
}  # fmt: skip
"""Each single command: its name, module and function."""


@cache
def _group_app(module: str) -> typer.Typer:
    """The Typer group of `balise.cli.<module>` (the record kinds added to `ingest` once)."""
    group: typer.Typer = import_module(f"balise.cli.{module}").app
    if module == "ingest":
        import_module("balise.cli.ingest_records").register(group)
    return group


def _app(names: Iterable[str]) -> typer.Typer:
    """The command line with the commands and groups `names` only: a command imports only
    the modules it runs (the others' imports are a large part of a short command's time)."""
    app = typer.Typer(
        name="balise",
        help="Balise: maritime intelligence against drug trafficking.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=HELP_MARKUP,
    )
    app.callback()(main)
    for name in names:
        if name in _GROUPS:
            app.add_typer(_group_app(_GROUPS[name]), name=name)
        else:
            module, function = _COMMANDS[name]
            app.command(name)(getattr(import_module(f"balise.cli.{module}"), function))
    return app


def __getattr__(name: str) -> typer.Typer:
    """`app`: the whole command line (every command and group)."""
    if name == "app":
        return _app([*_GROUPS, *_COMMANDS])
    raise AttributeError(name)


def _commands_for(argv: list[str]) -> list[str]:
    """The commands and groups the command line needs for `argv`: the one it runs when that is
    one of Balise's, after the global options; none for `--version`; all of them otherwise (no
    command, `--help`, a typo: the whole command line answers)."""
    words = iter(argv)
    for word in words:
        if word == "--workspace":
            next(words, None)
        elif word == "--version":
            return []
        elif not word.startswith("-"):
            return [word] if word in _GROUPS or word in _COMMANDS else [*_GROUPS, *_COMMANDS]
        elif not word.startswith("--workspace="):
            break
    return [*_GROUPS, *_COMMANDS]


def _version(show: bool) -> None:
    if show:
        typer.echo(f"balise {__version__}")
        raise typer.Exit()


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
    from balise.cli.context import AppState  # settings and workspace: not for `--version`

    ctx.obj = AppState(workspace=workspace)


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (usage errors: 2, printed by Typer)."""
    args = sys.argv[1:] if argv is None else argv
    app = _app(_commands_for(args))
    try:
        app(args=args, prog_name="balise")
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
