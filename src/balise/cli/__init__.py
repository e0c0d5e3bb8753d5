"""The `balise` command line (ingest, detect, query, serve, sim, demo): one module per command
group, each thin: parse, call the engine or the store, print."""

from typing import Final, Literal

HELP_MARKUP: Final[Literal["markdown"]] = "markdown"
"""How `--help` reads the commands' docstrings (each command group's `typer.Typer`): as Markdown,
so that a paragraph written over several lines is one paragraph, wrapped to the terminal."""
