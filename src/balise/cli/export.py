"""`balise export parquet DIR`: the workspace's positions, identities and quarantine as a
position lake;
`balise export ftm`: the stored registries as FollowTheMoney JSON lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from balise.cli import HELP_MARKUP
from balise.cli.context import settings_for
from balise.cli.output import print_table
from balise.engine.entity_ftm import registry_export
from balise.engine.lake import export_lake
from balise.io.registry_export import write_ftm_lines

app = typer.Typer(
    rich_markup_mode=HELP_MARKUP,
    help="Write the workspace's data for other tools.",
    no_args_is_help=True,
)


@app.command("parquet")
def parquet(
    ctx: typer.Context,
    lake: Annotated[Path, typer.Argument(help="Folder of the lake (replaced if it exists).")],
) -> None:
    """Write the stored positions and identity snapshots as a Parquet position lake,
    partitioned by UTC day and MMSI range, with the quarantined records beside them
    (docs/deployment.md, "On a cluster")."""
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        manifest = export_lake(store, lake)
    finally:
        store.close()
    rows = [
        ("positions", f"{manifest.positions:,}"),
        ("identity snapshots", f"{manifest.identities:,}"),
        ("records quarantined", f"{manifest.quarantined:,}"),
        ("days", f"{len(manifest.days):,}"),
        ("first", manifest.first or ""),
        ("last", manifest.last or ""),
    ]
    print_table(f"Position lake written to {lake}", rows, ("", ""))


@app.command("ftm")
def ftm(ctx: typer.Context) -> None:
    """Write the stored registries (`balise ingest registry`) to stdout as FollowTheMoney JSON
    lines, valid against the model: every entity, then every Ownership and Directorship link.
    `balise ingest registry` reads them back."""
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        count = write_ftm_lines(registry_export(store), sys.stdout)
    finally:
        store.close()
    sys.stdout.flush()
    sys.stderr.write(f"{count:,} FtM entities written\n")
