"""`balise sim atlantic`: write a synthetic world with its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from balise.cli import HELP_MARKUP
from balise.settings import parse_utc
from balise.sim.world import FILES, WorldSpec, build_world, write_world

app = typer.Typer(help="Synthetic worlds with ground truth, written in real formats.",
                  no_args_is_help=True, rich_markup_mode=HELP_MARKUP)  # fmt: skip


@app.command("atlantic")
def atlantic(
    out: Annotated[Path, typer.Option(help="Folder to write the world into.")],
    seed: Annotated[int, typer.Option(help="Random seed: same arguments, same bytes.")] = 7,
    vessels: Annotated[
        int, typer.Option(min=1, help="Background vessels (scenarios add ~25).")
    ] = 300,
    days: Annotated[float, typer.Option(min=1, max=120, help="Days of traffic.")] = 10.0,
    start: Annotated[
        str, typer.Option(help="Start of the world, ISO 8601 UTC.")
    ] = "2024-03-01T00:00:00Z",
    smart_share: Annotated[
        float, typer.Option(min=0, max=1, help="Share of the containers that are smart boxes.")
    ] = 0.2,
) -> None:
    """Atlantic and Caribbean traffic with trafficking scenarios: NMEA, DMA CSV, radar, truth."""
    spec = WorldSpec(
        seed=seed, vessels=vessels, days=days, start=parse_utc(start), smart_share=smart_share
    )
    console = Console(stderr=True)
    console.print(f"building {vessels:,} vessels over {days:g} days (seed {seed})", highlight=False)
    world = build_world(spec)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("writing", total=1.0)
        counts = write_world(world, out, lambda done: progress.update(task, completed=done))
    for name, count in counts.items():
        console.print(f"{name.replace('_', ' ')}: {count:,}", highlight=False)
    console.print(f"wrote {', '.join(FILES.values())} to {out}", highlight=False)
