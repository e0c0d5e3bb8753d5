"""`balise screen --list LIST --names NAMES.csv`: each name screened against a list.

One output line per row of NAMES.csv, in order: `query_row` (0-based, without the header), the
best candidate's `match_id` (the list's row number for a CSV list, the entity id for FtM JSON
lines) or null when no candidate reaches the threshold, its `score` and `reasons`. A quarantined
row of NAMES.csv still has its line, with a null score and the quarantine reason. Counts of
quarantined rows go to stderr. `--workers N` screens in N processes; the same name on several
rows is screened once.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from balise.cli.context import settings_for
from balise.entities.blocking import ListIndex
from balise.entities.match import Match
from balise.entities.params import ScreenParams, screen_params
from balise.errors import UsageError
from balise.io.screen_lists import EntityFile, read_entity_file

COLUMNS = ("query_row", "match_id", "score", "reasons")


def screen_rows(
    index: ListIndex, queries: EntityFile, params: ScreenParams, workers: int = 1
) -> list[dict[str, Any]]:
    """One output row per query row: the best candidate at or above the threshold, or null
    (each distinct query screened once, over `workers` processes)."""
    kept = [query for query in queries.rows if query is not None]
    best = iter(index.screen_many(kept, params, workers=workers, keep=1))
    return [
        _row(number, None if query is None else next(best), params)
        for number, query in enumerate(queries.rows)
    ]


def _row(number: int, matches: list[Match] | None, params: ScreenParams) -> dict[str, Any]:
    if matches is None:
        return {
            "query_row": number,
            "match_id": None,
            "score": None,
            "reasons": ["row quarantined"],
        }
    if not matches or matches[0].score < params.match_threshold:
        best = matches[0] if matches else None
        reason = (
            (
                f"best candidate {best.candidate_id} scored {best.score:.2f}, below "
                f"{params.match_threshold}"
            )
            if best
            else "no candidate shares a name or identifier"
        )
        return {
            "query_row": number,
            "match_id": None,
            "score": best.score if best else 0.0,
            "reasons": [reason],
        }
    top = matches[0]
    return {
        "query_row": number,
        "match_id": top.candidate_id,
        "score": top.score,
        "reasons": list(top.reasons),
    }


def write_rows(rows: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    """The rows as JSON lines or CSV (reasons joined with ` | ` in CSV)."""
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row["query_row"], row["match_id"] or "",
                         "" if row["score"] is None else row["score"],
                         " | ".join(row["reasons"])])  # fmt: skip


def report_quarantine(path: Path, counts: Counter[str]) -> None:
    """Rows quarantined, and values ignored in kept rows (an IMO failing its check digit), by
    reason, on one line each."""
    dropped = {k: n for k, n in counts.items() if not k.endswith("_ignored")}
    ignored = {k.removesuffix("_ignored"): n for k, n in counts.items() if k.endswith("_ignored")}
    for label, found in (("rows quarantined", dropped), ("values ignored", ignored)):
        if found:
            detail = ", ".join(f"{reason} {n}" for reason, n in sorted(found.items()))
            sys.stderr.write(f"{path}: {label}: {detail}\n")


def screen(
    ctx: typer.Context,
    list_path: Annotated[Path, typer.Option("--list", help="The list: FtM JSON lines or CSV.")],
    names: Annotated[Path, typer.Option("--names", help="CSV of the names to screen.")],
    output: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Score from which a candidate is a match (default: setting "
            "screen.match_threshold)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Processes screening in parallel (each distinct name once).")
    ] = 1,
) -> None:
    """Screen each row of NAMES.csv against LIST: the best candidate, its score and reasons."""
    if output not in ("jsonl", "csv"):
        raise UsageError("--format must be jsonl or csv")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise UsageError("--threshold must be between 0 and 1")
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    _, settings = settings_for(ctx, **{"screen.match_threshold": threshold})
    params = screen_params(settings.values)
    listed = read_entity_file(list_path)
    queries = read_entity_file(names)
    report_quarantine(list_path, listed.quarantined)
    report_quarantine(names, queries.quarantined)
    rows = screen_rows(ListIndex(listed.entities), queries, params, workers)
    write_rows(rows, output, sys.stdout)
    sys.stdout.flush()
