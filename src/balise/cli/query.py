"""`balise positions`, `balise vessels`, `balise vessel MMSI`: read the store back."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import polars as pl
import typer

from balise.cli.context import settings_for
from balise.cli.output import DataFormat, print_table, write_frames
from balise.errors import UsageError
from balise.model.mid import flag_frame, mid_expr
from balise.model.schema import IDENTITY_FIELDS
from balise.settings import parse_utc


def with_flag(frame: pl.DataFrame) -> pl.DataFrame:
    flagged = frame.with_columns(mid_expr("mmsi").alias("mid")).join(
        flag_frame(), on="mid", how="left"
    )
    return flagged.drop("mid")


def positions(
    ctx: typer.Context,
    mmsi: Annotated[int | None, typer.Option(help="Only this vessel.")] = None,
    since: Annotated[str | None, typer.Option(help="From this UTC time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this UTC time (ISO 8601).")] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="At most this many rows.")] = None,
    output: Annotated[DataFormat, typer.Option("--format")] = DataFormat.jsonl,
) -> None:
    """Stored, cleaned positions, ordered by vessel and time."""
    start, end = (parse_utc(t) if t else None for t in (since, until))
    if start and end and start >= end:
        raise UsageError("--since must be before --until")
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        write_frames(store.positions(mmsi, start, end, limit), output)
    finally:
        store.close()


def vessels(
    ctx: typer.Context, output: Annotated[DataFormat, typer.Option("--format")] = DataFormat.jsonl
) -> None:
    """One line per vessel seen: latest identity, flag, position count, time span, last position."""
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        write_frames([with_flag(store.vessels())], output)
    finally:
        store.close()


def _history(snapshots: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Per identity field: each value seen, with first/last time seen and the reports behind it."""
    history: dict[str, list[dict[str, Any]]] = {}
    for field in IDENTITY_FIELDS:
        values = (
            snapshots.filter(pl.col(field).is_not_null())
            .group_by(field)
            .agg(
                pl.col("first_seen").min(),
                pl.col("last_seen").max(),
                pl.col("messages").sum(),
                pl.col("source_format").unique().sort().str.join(",").alias("sources"),
            )
            .sort("first_seen")
        )
        if not values.is_empty():
            history[field] = values.rename({field: "value"}).to_dicts()
    return history


def dossier(store: Any, mmsi: int) -> dict[str, Any]:
    """The vessel dossier: identity now, flag, identity history, positions summary."""
    summary = with_flag(pl.DataFrame({"mmsi": [mmsi]}, schema={"mmsi": pl.Int32}))
    snapshots = store.identity_history(mmsi)
    current = (
        {
            field: snapshots.filter(pl.col(field).is_not_null()).sort("last_seen")[field].last()
            for field in IDENTITY_FIELDS
        }
        if not snapshots.is_empty()
        else {}
    )
    return {
        "mmsi": mmsi,
        "flag": summary["flag"].item(),
        "flag_country": summary["flag_country"].item(),
        "identity": current,
        "identity_history": _history(snapshots),
        "positions": store.position_summary(mmsi),
    }


def _default(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else str(value)


def vessel(
    ctx: typer.Context,
    mmsi: Annotated[int, typer.Argument(help="The vessel's MMSI.")],
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """A vessel's dossier: identity, flag, identity changes over time, positions."""
    if output not in ("table", "json"):
        raise UsageError("--format must be table or json")
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        record = dossier(store, mmsi)
    finally:
        store.close()
    if not record["identity"] and not record["positions"]["positions"]:
        raise UsageError(f"no vessel with MMSI {mmsi} in the workspace", mmsi=mmsi)
    if output == "json":
        sys.stdout.write(json.dumps(record, default=_default) + "\n")
        return
    _print_dossier(record)


def _print_dossier(record: dict[str, Any]) -> None:
    flag = f"{record['flag'] or '?'} {record['flag_country'] or ''}".strip()
    identity = record["identity"]
    rows = [("flag (from MMSI)", flag)]
    rows += [(field, _default(value)) for field, value in identity.items() if value is not None]
    rows += [(key, _default(value)) for key, value in record["positions"].items()]
    print_table(f"Vessel {record['mmsi']}", rows, ("", "value"))
    changes = []
    for field, values in record["identity_history"].items():
        if len(values) > 1:
            changes += [
                (
                    field,
                    _default(v["value"]),
                    _default(v["first_seen"]),
                    _default(v["last_seen"]),
                    str(v["messages"]),
                )
                for v in values
            ]
    if changes:
        print_table("Identity history", changes, ("field", "value", "first seen", "last seen", "n"))
