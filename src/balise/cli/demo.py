"""`balise demo`: the main job on the embedded default data.

Until the synthetic world exists, the demo ingests the bundled real AIS sample (a GPSD receiver
stream without time tags, given an assumed receive time) and prints what was stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from balise.cli.context import settings_for
from balise.cli.ingest import print_summary
from balise.cli.output import print_table
from balise.cli.query import with_flag
from balise.engine.ingest import Input, ingest_input
from balise.io.batch import ReadOptions

SAMPLE = "gpsd-ais-stream.nmea"
SAMPLE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
"""The sample carries no times; this fixed instant keeps the demo reproducible."""


def _sample() -> Input:
    path = Path(str(resources.files("balise.data").joinpath("samples", SAMPLE)))
    return Input(SAMPLE, lambda: path.open("rb"), path.stat().st_size)


def demo(
    ctx: typer.Context,
    show: Annotated[int, typer.Option(min=0, help="Vessels to list after the ingest.")] = 10,
) -> None:
    """Ingest the bundled AIS sample into the workspace and show what was stored."""
    workspace, settings = settings_for(ctx)
    options = ReadOptions(SAMPLE_TIME, settings["ingest.batch_records"])
    store = workspace.open_store(create=True)
    try:
        result = ingest_input(_sample(), store, options)
        vessels = with_flag(store.vessels())
    finally:
        store.close()
    print_summary(result)
    named = vessels.filter(pl.col("name").is_not_null()).head(show)
    rows = [
        tuple("" if v is None else str(v) for v in row)
        for row in named.select("mmsi", "name", "call_sign", "ship_type_text", "flag").iter_rows()
    ]
    title = f"{vessels.height:,} vessels in {workspace.root} (first {len(rows)} named)"
    print_table(title, rows, ("mmsi", "name", "call sign", "type", "flag"))
