"""The Spark engine against the local engine on the same positions, back to back in one command.

Builds (once, cached under `--cache`) a world with `balise sim atlantic` and ingests its NMEA into
a DuckDB workspace, writes the workspace to a position lake, then times on the same data:

- local: `run_detectors` over the stored positions and identities (in memory, read not timed);
- spark: `detect_lake` over the lake on a `--master` session (default local[2]), from the
  Parquet read to the events on the driver (the session's start not timed).

With `--before OLD/src` (a `git archive` of an earlier revision) the earlier Spark engine
(`OLD/src/balise/engine/spark*.py`, shipped to the workers by value) runs too, on the same
session, last: before and after compared back to back, the earlier one on warm workers (their
imports and shore grid already loaded, the JVM's code compiled), which favours it.

Both find the same events (checked here, as tests/spark does on a smaller world). Reports wall
time, positions per second and CPU seconds (this process for local; this process, the JVM and
its Python workers for Spark) and, for each Spark run, the peak memory of the driver's Python
(its rise over the run) and of the JVM, with the load average: the machine may be shared, so
the ratio of the engines measured back to back is the figure to keep. Adds its run to the history of
bench/results/spark.md and writes .json. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import resource
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from balise.cli.main import run
from balise.engine.detect import default_geography, run_detectors
from balise.engine.lake import export_lake
from balise.engine.spark import detect_lake
from balise.engine.spark_session import SparkPlan, spark_session
from balise.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TICKS = os.sysconf("SC_CLK_TCK")


def _world(cache: Path, vessels: int, days: float, seed: int) -> Path:
    """The cached folder holding `world/` (simulated) and `ws/` (ingested), built when missing."""
    folder = cache / f"world-{vessels}v-{days:g}d-s{seed}"
    world, workspace = folder / "world", folder / "ws"
    if not (folder / "ingested").exists():
        sim = ["sim", "atlantic", "--out", str(world), "--seed", str(seed),
               "--vessels", str(vessels), "--days", f"{days:g}"]  # fmt: skip
        if run(sim) != 0 or run(["--workspace", str(workspace), "ingest", "ais",
                                 str(world / "ais.nmea")]) != 0:  # fmt: skip
            raise SystemExit("balise sim or ingest failed")
        (folder / "ingested").touch()
    return folder


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of process `pid` and its descendants (children reaped included)."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(f) for f in fields[11:15]) / TICKS
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return total
    return total + sum(_tree_cpu_s(int(child)) for child in children)


def _earlier_engine(src: Path) -> ModuleType:
    """The Spark engine module of an earlier source tree (`spark.py` and the `spark_*.py`
    modules it imports, where it has them), its functions pickled by value (the workers import
    today's Balise for everything else). Each module is loaded under a name of its own, the
    earlier modules standing in for today's while they load: the earlier driver runs the
    earlier stages."""
    from pyspark import cloudpickle

    pending = {path.stem: path for path in (src / "balise" / "engine").glob("spark*.py")}
    today = {stem: sys.modules.get(f"balise.engine.{stem}") for stem in pending}
    loaded: dict[str, ModuleType] = {}
    try:
        while pending:
            stem = next(s for s in sorted(pending) if _siblings(pending[s]) <= set(loaded))
            spec = importlib.util.spec_from_file_location(
                f"balise_spark_before_{stem}", pending.pop(stem)
            )
            assert spec is not None
            assert spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = sys.modules[f"balise.engine.{stem}"] = module
            spec.loader.exec_module(module)
            cloudpickle.register_pickle_by_value(module)  # type: ignore[no-untyped-call]
            loaded[stem] = module
    finally:
        for stem, current in today.items():
            if current is None:
                sys.modules.pop(f"balise.engine.{stem}", None)
            else:
                sys.modules[f"balise.engine.{stem}"] = current
    return loaded["spark"]


def _siblings(path: Path) -> set[str]:
    """The `balise.engine.spark*` modules that the module at `path` imports."""
    found = re.findall(r"^from balise\.engine\.(spark\w*) import", path.read_text(), re.M)
    return set(found)


def _rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


def _descendants(pid: int) -> list[int]:
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []
    return children + [d for c in children for d in _descendants(c)]


class PeakMemory:
    """Peak resident memory during a run, sampled every 0.1 s: this process (the Spark driver's
    Python side, where collected rows land), its rise over the run's start, and the JVM (in
    `local` mode the driver and the executor at once: the cached blobs and the shuffles)."""

    def __init__(self) -> None:
        self.start_mb = _rss_mb(os.getpid())
        self.driver_mb = self.start_mb
        self.jvm_mb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            self.driver_mb = max(self.driver_mb, _rss_mb(os.getpid()))
            jvm = [_rss_mb(c) for c in _descendants(os.getpid()) if _is_java(c)]
            self.jvm_mb = max(self.jvm_mb, sum(jvm))

    def stop(self) -> tuple[float, float]:
        """The driver's rise over the run's start and the JVM's peak, in MB."""
        self._done.set()
        self._thread.join()
        return self.driver_mb - self.start_mb, self.jvm_mb


def _is_java(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "java"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vessels", type=int, default=300)
    parser.add_argument("--days", type=float, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--preset", default="gfw")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument(
        "--groups", type=int, default=0, help="vessel groups (Spark; 0: sized to the lake)"
    )
    parser.add_argument("--before", type=Path, help="an earlier src/ to run as well")
    parser.add_argument(
        "--warm", action="store_true", help="run Spark once untimed first (workers started)"
    )
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    args = parser.parse_args()
    folder = _world(args.cache, args.vessels, args.days, args.seed)
    store = Workspace(folder / "ws").open_store()
    try:
        positions, identities = store.positions_of(None), store.identity_history_all()
        export_lake(store, folder / "lake")
    finally:
        store.close()
    # two geographies: the local run loads the shore grid into its own, and Spark's workers
    # load theirs from the cache instead of receiving 200 MB with every task
    local_geo = default_geography(args.cache)
    local_geo.shore_nm(positions["lat"][:1].to_numpy(), positions["lon"][:1].to_numpy())  # type: ignore[misc]
    cpu, started = _own_cpu_s(), time.perf_counter()
    local = run_detectors(positions, identities, args.preset, local_geo)
    local_s, local_cpu = time.perf_counter() - started, _own_cpu_s() - cpu
    spark = spark_session(args.master, shuffle_partitions=2 * (args.groups or 8))
    spark.sparkContext.setLogLevel("ERROR")
    runs: list[tuple[str, float, float, tuple[float, float] | None]] = [
        ("local (`run_detectors`)", local_s, local_cpu, None)
    ]
    engines = [("Spark", detect_lake, SparkPlan)]
    if args.before is not None:
        earlier = _earlier_engine(args.before)
        # after the current engine: the session and its Python workers are warm for it, so the
        # comparison leans towards the earlier engine, if anything
        engines.append(("Spark before", earlier.detect_lake, earlier.SparkPlan))
    same = True
    if args.warm:  # the Python workers started, Balise imported, the JVM's code compiled
        detect_lake(spark, folder / "lake", args.preset, default_geography(args.cache))
    for name, engine, plan_type in engines:
        cpu, tree = _own_cpu_s(), _tree_cpu_s(os.getpid())
        memory = PeakMemory()
        started = time.perf_counter()
        plan: Any = plan_type(vessel_groups=args.groups, pair_buckets=args.groups)
        if not args.groups:  # sized to the lake; the earlier engine's default cut
            plan = plan_type() if name == "Spark before" else None
        found, examined, _ = engine(
            spark, folder / "lake", args.preset, default_geography(args.cache), plan=plan
        )
        runs.append((f"{name} {args.master} (`detect_lake`)", time.perf_counter() - started,
                     _tree_cpu_s(os.getpid()) - tree, memory.stop()))  # fmt: skip
        same = same and found.sort("id").equals(local.sort("id"))
    spark.stop()
    _record(args, positions.height, examined, local.height, same, runs)


def _record(args: argparse.Namespace, positions: int, examined: int, events: int, same: bool,
            runs: list[tuple[str, float, float, tuple[float, float] | None]]) -> None:  # fmt: skip
    load = [round(x, 2) for x in os.getloadavg()]
    command = (
        f"python bench/spark_bench.py --vessels {args.vessels} --days {args.days:g} "
        f"--seed {args.seed} --preset {args.preset} --master '{args.master}' --groups {args.groups}"
        + (" --before OLD/src" if args.before else "")
        + (" --warm" if args.warm else "")
    )
    (_, local_s, local_cpu, _), (_, spark_s, spark_cpu, _) = runs[0], runs[1]
    result: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(), "command": command, "load_average": load,
        "cpus": os.cpu_count(), "positions": positions, "examined": examined, "events": events,
        "same_events": same, "runs": [
            {"engine": name, "wall_s": round(s, 2), "cpu_s": round(cpu, 2),
             "driver_rise_mb": round(mem[0]) if mem else None,
             "jvm_peak_mb": round(mem[1]) if mem else None} for name, s, cpu, mem in runs
        ],
    }  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "spark.json").write_text(json.dumps(result, indent=2) + "\n")
    table = "\n".join(
        f"| {name} | {s:.1f} | {positions / s:,.0f} | {cpu:.1f} | {positions / cpu:,.0f} | "
        + (f"{mem[0]:,.0f} | {mem[1]:,.0f} |" if mem else "| |")
        for name, s, cpu, mem in runs
    )
    before = ""
    if len(runs) == 3:
        (_, old_s, old_cpu, _) = runs[2]
        before = (
            f"\n- Spark before/after: wall time **{old_s / spark_s:.1f}× faster**, "
            f"CPU-seconds **{old_cpu / spark_cpu:.1f}× fewer**"
        )
    entry = (
        f"## {result['date']} — {positions:,} positions\n\n"
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()} — "
        f"`{command}`\n\nLoad average after the runs: {load} (a shared machine: the engines "
        "ran back to back in one command, compare them with each other).\n\n"
        f"- positions: {positions:,}; events: {events:,}; Spark's events equal the local "
        f"engine's: **{same}**\n- Spark/local wall-time ratio: **{spark_s / local_s:.1f}×**; "
        f"CPU-seconds ratio: **{spark_cpu / local_cpu:.1f}×**{before}\n\n"
        "Memory: the peak rise of this process's resident memory during the run (the driver's "
        "Python side, where collected rows land) and the peak resident memory of the JVM (in "
        "`local` mode the driver and the executor at once), sampled every 0.1 s.\n\n"
        "| engine | wall s | positions/s | CPU s | positions per CPU s | driver rise MB "
        "| JVM peak MB |\n"
        f"| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n{table}\n"
    )
    path = RESULTS / "spark.md"
    title = "# Spark engine against the local engine\n\n"
    history = path.read_text().removeprefix(title) if path.exists() else ""
    path.write_text(title + entry + ("\n" + history if history else ""))
    print(entry)


if __name__ == "__main__":
    main()
