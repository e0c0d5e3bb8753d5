"""Fuzz the AIS readers for a while: mutated real inputs, crashes counted and kept.

Inputs are made by `tests/fuzz_inputs.py` (byte flips, insertions, truncations, payload bytes
from the whole range, fragment reordering, tag-block corruption, NMEA checksums recomputed) from
the committed fixtures; Any exception a reader raises
(pyo3's `PanicException` included) is a crash: its input is written to
`bench/results/fuzz_crashes/` (first 20). NMEA inputs are read `--pack` at a time as one stream,
joined by newlines (a crash is then traced to the one input that raises alone); CSV inputs, one
in 20, alone. Figures go to `bench/results/fuzz.md` and `.json`.

    .venv/bin/python bench/fuzz_bench.py --inputs 1000000 --seconds 600 --seed 1
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from balise.io.ais_csv import read_ais_csv, sniff_csv  # noqa: E402
from balise.io.nmea import read_nmea  # noqa: E402
from balise.model.batch import ReadOptions  # noqa: E402
from fuzz_inputs import CSV_SEEDS, NMEA_SEEDS, csv_input, nmea_input, seed_lines  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CRASHES = RESULTS / "fuzz_crashes"
OPTIONS = ReadOptions(assume_time=datetime(2024, 1, 1, tzinfo=UTC), batch_records=64)
KEPT_CRASHES = 20
CSV_ONE_IN = 20


def _read(data: bytes) -> int:
    """Lines read from `data` by the reader its content calls for."""
    layout = sniff_csv(data)
    stream = io.BytesIO(data.removeprefix(b"\xef\xbb\xbf"))
    if layout is None:
        batches = read_nmea(stream, "fuzz", OPTIONS)
    else:
        batches = read_ais_csv(stream, "fuzz", layout, OPTIONS)
    return sum(batch.records_read for batch in batches)


def _inputs(rng: random.Random, lines: list[bytes], pack: int) -> list[bytes]:
    """`pack` NMEA inputs read as one stream (the reader's cost per call is amortised), or one
    CSV input one time in `CSV_ONE_IN`."""
    if rng.randrange(CSV_ONE_IN) == 0:
        return [csv_input(rng, CSV_SEEDS, rng.randrange(1, 40))]
    return [nmea_input(rng, lines, rng.randrange(1, 40)) for _ in range(pack)]


def _crash(
    data: list[bytes], err: BaseException, seed: int, tried: int, kinds: dict[str, int]
) -> None:
    """Count a crash and keep its smallest failing input: each packed input is re-read alone."""
    name = type(err).__name__
    kinds[name] = kinds.get(name, 0) + 1
    culprit = b"\n".join(data)
    for single in data:
        try:
            _read(single)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            culprit = single
            break
    if sum(kinds.values()) <= KEPT_CRASHES:
        CRASHES.mkdir(parents=True, exist_ok=True)
        (CRASHES / f"crash-{seed}-{tried}.bin").write_bytes(culprit)
        (CRASHES / f"crash-{seed}-{tried}.txt").write_text(f"{name}: {err}\n")


def run(inputs: int, seconds: float, seed: int, pack: int) -> dict[str, object]:
    rng = random.Random(seed)
    lines = seed_lines(NMEA_SEEDS)
    tried = records = 0
    kinds: dict[str, int] = {}
    started = time.perf_counter()
    while tried < inputs and time.perf_counter() - started < seconds:
        data = _inputs(rng, lines, pack)
        tried += len(data)
        try:
            records += _read(b"\n".join(d.removeprefix(b"\xef\xbb\xbf") for d in data))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # a crash is what is measured
            _crash(data, err, seed, tried, kinds)
    elapsed = time.perf_counter() - started
    return {
        "seed": seed,
        "inputs": tried,
        "crashes": sum(kinds.values()),
        "crash_kinds": kinds,
        "lines_read": records,
        "seconds": round(elapsed, 1),
        "inputs_per_s": round(tried / elapsed, 1),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "command": " ".join(["bench/fuzz_bench.py", *sys.argv[1:]]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pack", type=int, default=200, help="NMEA inputs per read")
    args = parser.parse_args()
    result = run(args.inputs, args.seconds, args.seed, args.pack)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fuzz.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "fuzz.md").write_text(
        "# Fuzzing the readers\n\n"
        f"`{result['command']}` on {result['machine']}:\n\n"
        "| inputs | crashes | lines read | seconds | inputs/s |\n| --- | --- | --- | --- | --- |\n"
        f"| {result['inputs']:,} | {result['crashes']} | {result['lines_read']:,} "
        f"| {result['seconds']} | {result['inputs_per_s']} |\n\n"
        f"Crash kinds: {result['crash_kinds'] or 'none'}.\n"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
