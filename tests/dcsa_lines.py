"""Track & Trace lines for the reader's tests: synthetic files of good and bad lines, and what
ingesting one stores."""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl

from balise.engine.ingest import Input
from balise.engine.ingest_records import ingest_records
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordKind
from balise.store.duckdb import DuckDBStore

CARGO = Path(__file__).parent / "data" / "cargo"
OPTIONS = ReadOptions(batch_records=37, max_record_line_bytes=3000)


def synthetic(seed: int, count: int = 200) -> list[str]:
    """`count` lines: the journey's events under new ids, 2.x events, and some bad lines (not
    JSON, cut, blank, a bad container number, an unknown code, a bad time, non-ASCII text)."""
    rng = random.Random(seed)
    journey = [
        line for line in (CARGO / "dcsa-journey.jsonl").read_text().splitlines() if is_event(line)
    ]
    array = json.loads((CARGO / "dcsa-v2-array.json").read_text())
    v2 = [json.dumps(item) for item in array if isinstance(item, dict)]
    lines: list[str] = []
    for index in range(count):
        roll = rng.random()
        template = rng.choice(journey if roll < 0.7 else v2)
        event = json.loads(template)
        event["eventID"] = f"{event.get('eventID', 'e')}-{index}"
        if roll < 0.05:
            lines.append("{not json " + str(index))
        elif roll < 0.08:
            lines.append(json.dumps(event)[: rng.randrange(5, 60)])
        elif roll < 0.11:
            lines.append(rng.choice(["", "   ", "\t"]))
        elif roll < 0.13:
            event["equipmentReference"] = "ABCU1234567"  # wrong check digit
            event.setdefault("equipmentDetails", {})["equipmentReference"] = "ABCU1234567"
            lines.append(json.dumps(event))
        elif roll < 0.15:
            event["eventDateTime"] = "yesterday"
            lines.append(json.dumps(event))
        elif roll < 0.17:
            event["eventType"] = "WEATHER"
            event.setdefault("eventClassification", {})["eventType"] = "WEATHER"
            lines.append(json.dumps(event))
        elif roll < 0.20:
            event["eventID"] = f" \u00a0{event['eventID']}\u3000"  # trimmed as Unicode space
            lines.append(json.dumps(event, ensure_ascii=rng.random() < 0.5))
        elif roll < 0.22:
            lines.append("[1, 2]")
        else:
            lines.append(json.dumps(event))
    return lines


Stored = tuple[pl.DataFrame, pl.DataFrame, list[tuple[object, ...]]]


def ingest(data: bytes, name: str, folder: Path, options: ReadOptions = OPTIONS) -> Stored:
    path = folder / name
    path.write_bytes(data)
    store = DuckDBStore(":memory:")
    item = Input(name, lambda: path.open("rb"), path.stat().st_size)
    result = ingest_records(RecordKind.CONTAINERS, item, store, options)
    rows = store.container_events(retracted=True).sort("source_line")
    quarantine = store.quarantine().select("source_line", "reason", "detail", "raw")
    counts = sorted(result.counts.rows())
    store.close()
    return rows, quarantine.sort("source_line"), counts


def is_event(line: str) -> bool:
    return is_json(line) and isinstance(json.loads(line), dict)


def is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True
