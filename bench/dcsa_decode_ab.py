"""Decoding Track & Trace JSON lines: the reader's way against DuckDB reading the file itself.

Times, alternately in one process (`--rounds` rounds), the CPU seconds (all threads) of turning
a JSON lines file into decoded events as polars frames of `ingest.batch_records` rows:

- `stream`: what `read_event_lines` does before the mapping (blocks split by polars' CSV reader,
  each batch decoded by DuckDB's `from_json`, exported to polars);
- `csv+from_json`: DuckDB reads the file (`read_csv`, one text column), `from_json` in the same
  query, the line's text kept for the quarantine;
- `read_json`: DuckDB's `read_json` of newline-delimited JSON with the event's columns given
  (no line text, blank lines skipped: the line numbers would need a scan of their own);
- `lines only`: DuckDB's `read_csv` of the lines alone (the floor of reading the file);
- `plain scan`: the Python scan that tells a file DuckDB may number by rows (no carriage return,
  NUL or blank line; every line begins with `{`).

    python bench/dcsa_decode_ab.py EVENTS.jsonl --rounds 2

`bench/dcsa_ingest_bench.py` writes such a file (200,000 events, seed 14, in its temporary
folder). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from balise.io import dcsa_events
from balise.io.dcsa_shape import EVENT_STRUCTURE
from balise.model.batch import ReadOptions

_LINES = (
    "read_csv($path, columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', "
    "header = false, auto_detect = false, new_line = '\\n')"
)


def _duckdb_type(shape: object) -> str:
    if isinstance(shape, dict):
        inner = ", ".join(f'"{key}" {_duckdb_type(value)}' for key, value in shape.items())
        return f"STRUCT({inner})"
    if isinstance(shape, list):
        return _duckdb_type(shape[0]) + "[]"
    return "VARCHAR"


def _query(sql: str, params: dict[str, object], size: int) -> None:
    con = duckdb.connect(config={"preserve_insertion_order": True})
    try:
        for chunk in con.sql(sql, params=params).to_arrow_reader(size):
            pl.from_arrow(chunk)
    finally:
        con.close()


def _stream(path: Path, options: ReadOptions) -> None:
    decoder = dcsa_events._Decoder()
    try:
        with path.open("rb") as stream:
            for lines in dcsa_events._batch_lines(stream, options):
                kept = lines.filter(~lines["blank"]).select("source_line", "raw")
                dcsa_events._decode(kept, decoder)
    finally:
        decoder.close()


def _plain_scan(path: Path) -> None:
    lines = starts = 0
    last = b"\n"
    with path.open("rb") as stream:
        while block := stream.read(16 << 20):
            if any(byte in block for byte in (b"\r", b"\x00", b"\x01")):
                return
            lines += block.count(b"\n")
            starts += block.count(b"\n{") + (last == b"\n" and block[:1] == b"{")
            last = block[-1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    path: Path = args.events
    options = ReadOptions()
    size = options.batch_records
    shape = json.loads(EVENT_STRUCTURE)
    columns = {key: _duckdb_type(value) for key, value in shape.items()}
    ways: dict[str, Callable[[], None]] = {
        "stream": lambda: _stream(path, options),
        "csv+from_json": lambda: _query(
            f"SELECT line, from_json(line, $structure) AS event FROM {_LINES}",
            {"path": str(path), "structure": EVENT_STRUCTURE},
            size,
        ),
        "read_json": lambda: _query(
            "SELECT * FROM read_json($path, format = 'newline_delimited', columns = $columns)",
            {"path": str(path), "columns": columns},
            size,
        ),
        "lines only": lambda: _query(f"SELECT line FROM {_LINES}", {"path": str(path)}, size),
        "plain scan": lambda: _plain_scan(path),
    }
    for round_ in range(1, args.rounds + 1):
        for name, way in ways.items():
            cpu = time.process_time()
            way()
            load = Path("/proc/loadavg").read_text().split()[0]
            record = {"round": round_, "way": name, "cpu_s": round(time.process_time() - cpu, 2)}
            print(json.dumps({**record, "load": load}), flush=True)


if __name__ == "__main__":
    main()
