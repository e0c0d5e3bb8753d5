"""CPU cost of reading one NMEA file: aiscat, Balise with its compiled kernel, Balise without.

The three run in one process, alternating, `--rounds` times each (after one warm-up round of
each), so that a shared, loaded machine weighs on all three alike; the figures are the process's
CPU seconds (user + system, all threads) per run, medians, and their ratios. aiscat
(AIS-catcher's C++ decoder, GPL-3.0, the `bench` extra) is only imported here, never by Balise.
Build the input with `bench/ingest_bench.py`'s `build_sim_nmea` or give any NMEA file.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _aiscat(path: Path) -> None:
    import aiscat

    for _ in aiscat.from_file(str(path)):
        pass


def _balise(kernel: bool) -> Callable[[Path], None]:
    def read(path: Path) -> None:
        from balise.io import nmea_kernel
        from balise.io.nmea import read_nmea
        from balise.model.batch import ReadOptions

        nmea_kernel.enabled = kernel
        options = ReadOptions(assume_time=datetime(2024, 3, 1, tzinfo=UTC))
        with path.open("rb") as stream:
            for _ in read_nmea(stream, path.name, options):
                pass

    return read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    runs = {"aiscat": _aiscat, "kernel": _balise(True), "numpy": _balise(False)}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    wall: dict[str, list[float]] = {name: [] for name in runs}
    loads = []
    for round_ in range(args.rounds + 1):
        for name, run in runs.items():
            started_cpu, started = _cpu(), time.perf_counter()
            run(args.file)
            if round_:  # the first round warms up imports and caches
                cpu[name].append(_cpu() - started_cpu)
                wall[name].append(time.perf_counter() - started)
        loads.append(os.getloadavg()[0])
    lines = sum(1 for _ in args.file.open("rb"))
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"{lines:,} lines, {args.rounds} rounds, load {min(loads):.1f}-{max(loads):.1f}")
    for name in runs:
        print(
            f"{name:7} CPU s median {medians[name]:.2f} (min {min(cpu[name]):.2f}, "
            f"max {max(cpu[name]):.2f}), wall median {statistics.median(wall[name]):.2f} s, "
            f"{lines / medians[name]:,.0f} lines per CPU-s"
        )
    print(f"kernel vs aiscat (CPU): {medians['aiscat'] / medians['kernel']:.2f}x")
    print(f"kernel vs numpy (CPU): {medians['numpy'] / medians['kernel']:.2f}x")


if __name__ == "__main__":
    main()
