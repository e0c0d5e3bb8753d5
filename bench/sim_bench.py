"""Simulator scale: a national-archive day (`--vessels 5000 --days 1`) and the demo world.

Runs `balise sim atlantic` in a child process per size (so its peak memory is its own), records
wall time, peak resident memory, lines and rows written, and writes `bench/results/sim.json` and
`bench/results/sim.md`. A benchmark, not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SIZES = {"demo": ("200", "7"), "national-day": ("5000", "1")}


def _run(vessels: str, days: str, out: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "balise", "sim", "atlantic", "--out", str(out),
               "--vessels", vessels, "--days", days, "--seed", "7"]  # fmt: skip
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status:
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    peak_mb = usage.ru_maxrss / 1024
    with (out / "ais.nmea").open("rb") as nmea:
        lines = sum(1 for _ in nmea)
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb),
        "nmea_lines": lines,
        "nmea_mb": round((out / "ais.nmea").stat().st_size / 2**20),
        "csv_mb": round((out / "ais-dma.csv").stat().st_size / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    args = parser.parse_args()
    results = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            results[size] = _run(*SIZES[size], Path(folder))
            print(size, results[size], flush=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = "python bench/sim_bench.py --sizes " + " ".join(args.sizes)
    record = {"date": datetime.now(UTC).date().isoformat(), "machine": machine,
              "command": command, "results": results}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sim.json").write_text(json.dumps(record, indent=2) + "\n")
    rows = [
        f"| {size} | {SIZES[size][0]} | {SIZES[size][1]} | {r['seconds']} | "
        f"{r['nmea_lines']:,} | {r['nmea_lines'] / r['seconds']:,.0f} | {r['peak_rss_mb']:,} | "
        f"{r['nmea_mb']} | {r['csv_mb']} |"
        for size, r in results.items()
    ]
    (RESULTS / "sim.md").write_text(
        "# Simulator benchmark\n\n"
        f"{record['date']} — {machine} — `{command}`\n\n"
        "Each world is built by its own process; peak RSS is that process's.\n\n"
        "| world | vessels | days | seconds | NMEA lines | lines/s | peak RSS MB | NMEA MB "
        "| CSV MB |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" + "\n".join(rows) + "\n"
    )


if __name__ == "__main__":
    main()
