"""`balise detect --full` of two source trees alternated, one process per run.

Runs `balise.engine.detect.detect(store, preset, geo, full=True)` (positions and identities read
from DuckDB, every detector, the events saved) on the workspace of `detect_speed.py`'s cached
world (`--cache`, `--vessels`, `--days`, `--seed`: build it with `detect_speed.py` first), in a
fresh Python process per run, the `--before` tree's sources (another tree's `src/`, e.g.
`OLD/src` from `git archive main src`) then this tree's, `--repeat` times. Each run prints one
JSON line: wall and CPU seconds of the process (every thread), positions, events, peak RSS and
the load average after it; then the medians and ratios as a Markdown table. With `--fresh`
every run works on a new copy of the cached workspace (copied before the run, not timed): each
is the first full run after the ingest, with nothing a run before it kept. On a shared machine
the alternation keeps both trees under the same conditions; only the figures of one command
compare. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _one(workspace: Path, cache: Path, preset: str) -> dict[str, Any]:
    """One `detect(full=True)` on `workspace` in this process, with the sources on `sys.path`."""
    from balise.engine.detect import default_geography, detect
    from balise.workspace import Workspace

    geo = default_geography(cache)
    store = Workspace(workspace).open_store()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        report = detect(store, preset, geo, full=True)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        store.close()
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "positions": report.positions,
        "events": sum(report.by_type.values()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def _run(src: Path, args: argparse.Namespace, workspace: Path) -> dict[str, Any]:
    """One run on `workspace` in a new process importing Balise from `src`; on a new copy of
    it with `--fresh`."""
    with tempfile.TemporaryDirectory(dir=args.cache) as scratch:
        if args.fresh:
            workspace = Path(shutil.copytree(workspace, Path(scratch) / "ws"))
        command = [sys.executable, __file__, "--one", "--cache", str(args.cache),
                   "--vessels", str(args.vessels), "--days", f"{args.days:g}",
                   "--seed", str(args.seed), "--preset", args.preset,
                   "--workspace", str(workspace)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(src)}
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _table(runs: dict[str, list[dict[str, Any]]]) -> str:
    """Medians of each tree and the ratio of this tree's to the other's."""
    before, after = runs["before"], runs["this"]
    lines = ["| | before | this tree | this / before |", "| --- | ---: | ---: | ---: |"]
    for key, label in (("wall_s", "wall, s"), ("cpu_s", "CPU, s (all threads)")):
        runs_of = [", ".join(f"{r[key]:g}" for r in side) for side in (before, after)]
        lines.append(f"| {label} (runs) | {runs_of[0]} | {runs_of[1]} | |")
        old, new = (statistics.median(r[key] for r in side) for side in (before, after))
        lines.append(f"| {label}, median | {old:.2f} | {new:.2f} | **{new / old:.2f}** |")
    positions = after[0]["positions"]
    rates = [positions / statistics.median(r["wall_s"] for r in side) for side in (before, after)]
    lines.append(
        f"| positions/s | {rates[0]:,.0f} | {rates[1]:,.0f} | {rates[1] / rates[0]:.2f}× |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", type=Path, help="the other tree's src/ directory")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    parser.add_argument("--vessels", type=int, default=5000)
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--preset", default="gfw")
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--fresh", action="store_true", help="a new copy of the workspace per run")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.cache / f"world-{args.vessels}v-{args.days:g}d-s{args.seed}"
    if not (folder / "ingested").exists():
        raise SystemExit(f"no ingested world in {folder}: run detect_speed.py first")
    if args.one:
        print(json.dumps(_one(args.workspace or folder / "ws", args.cache, args.preset)))
        return
    if args.before is None:
        raise SystemExit("--before is needed")
    runs: dict[str, list[dict[str, Any]]] = {"before": [], "this": []}
    for _ in range(args.repeat):
        for side, src in (("before", args.before), ("this", ROOT / "src")):
            runs[side].append(_run(src, args, folder / "ws"))
            print(side, json.dumps(runs[side][-1]), flush=True)
    events = {r["events"] for side in runs.values() for r in side}
    print(f"events of every run: {sorted(events)}")
    print(_table(runs))


if __name__ == "__main__":
    main()
