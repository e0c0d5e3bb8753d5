"""The review queue read from the store versus screened per request (issue 16).

    .venv/bin/python bench/review_bench.py --before /tmp/main/src   # results/review_queue.*

A workspace of generated bills of lading (`--bills`, two parties each, from bench/name_parts.py)
and a generated list (`--entries`, half of them altered names of those parties, so the queue has
list matches and near misses) is made by each side in its own child process; each child then
times one screening run (`run_screening`) and `--rounds` reads of the review queue
(`review_queue`; the same queue on both sides, its pairs' digest is printed), in CPU seconds
(`time.process_time`, so the machine's load weighs less) and wall seconds. With `--before SRC`
(another checkout's `src`, e.g. the main branch's, where the queue is screened per request) the
same runs with that code, in the same command, back to back.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TODAY = date(2026, 12, 1)


def _bills(path: Path, count: int, seed: int) -> list[str]:
    from screen_bench import company

    rng = random.Random(seed)
    names = [company(rng) for _ in range(max(2, count // 2))]
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["bill_of_lading", "issued_at", "shipper", "consignee"])
        for i in range(count):
            shipper, consignee = rng.sample(names, 2)
            writer.writerow([f"B{i:07d}", "2024-05-01T10:00:00Z", shipper, consignee])
    return names


def _child(bills: int, entries: int, rounds: int) -> dict[str, Any]:
    from balise.engine.ingest import Input
    from balise.engine.ingest_records import ingest_records
    from balise.engine.lists import add_entities, provenance
    from balise.engine.screening import review_queue, run_screening
    from balise.entities.match import Entity
    from balise.entities.params import ScreenParams
    from balise.model.batch import ReadOptions
    from balise.model.record_batch import RecordKind
    from balise.workspace import Workspace
    from screen_bench import alter

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bills.csv"
        names = _bills(path, bills, 3)
        store = Workspace(Path(folder) / "ws").open_store(create=True)
        opened = Input(path.name, lambda: path.open("rb"), path.stat().st_size)
        ingest_records(RecordKind.MANIFESTS, opened, store, ReadOptions())
        store.create_list({"name": "banned", "kind": "banned_companies",
                           "created_at": datetime.now(UTC), "created_by": "bench"})  # fmt: skip
        listed = [alter(rng, "Company", n)[0] for n in rng.sample(names, entries // 2)]
        listed += [f"{n} Holdings" for n in rng.sample(names, entries - len(listed))]
        add_entities(store, "banned", [Entity("", "Company", (n,)) for n in listed],
                     provenance("bench"))  # fmt: skip
        params = ScreenParams()
        cpu, wall = time.process_time(), time.perf_counter()
        report = run_screening(store, params, TODAY)
        screening = (time.process_time() - cpu, time.perf_counter() - wall)
        reads = []
        for _ in range(rounds):
            cpu, wall = time.process_time(), time.perf_counter()
            queue = review_queue(store, params)
            reads.append((time.process_time() - cpu, time.perf_counter() - wall))
        store.close()
    assert report is not None
    pairs = sorted((r["subject_id"], r["list_name"], r["entry_id"], round(r["score"], 6),
                    r["raised"]) for r in queue)  # fmt: skip
    digest = hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:16]
    return {"parties": report.parties, "entries": report.entries, "queue": len(queue),
            "queue_digest": digest,
            "screening_cpu_s": screening[0], "screening_wall_s": screening[1],
            "review_cpu_s": statistics.median(r[0] for r in reads),
            "review_wall_s": statistics.median(r[1] for r in reads),
            "load_average_1min": os.getloadavg()[0]}  # fmt: skip


def _run(args: argparse.Namespace, before: str | None) -> dict[str, Any]:
    env = dict(os.environ)
    paths = [str(HERE), before or str(HERE.parent / "src"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    command = [sys.executable, __file__, "--child", "--bills", str(args.bills), "--entries",
               str(args.entries), "--rounds", str(args.rounds)]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    result: dict[str, Any] = json.loads(output.splitlines()[-1])
    return result


def _markdown(results: dict[str, Any], command: str) -> str:
    lines = ["# Review queue: stored at screening time vs screened per request", "",
             f"`{command}`", "",
             "| code | parties | entries | queue (digest) | screening CPU s | review read CPU s "
             "| review read wall s | load |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for name in ("before", "after"):
        if name not in results:
            continue
        r = results[name]
        lines.append(f"| {name} | {r['parties']:,} | {r['entries']:,} | {r['queue']:,} "
                     f"({r['queue_digest']}) | {r['screening_cpu_s']:.2f} "
                     f"| {r['review_cpu_s']:.4f} | {r['review_wall_s']:.4f} "
                     f"| {r['load_average_1min']:.1f} |")  # fmt: skip
    if "ratios" in results:
        ratios = results["ratios"]
        lines += ["", f"Ratios after/before (CPU): screening {ratios['screening_cpu']:.2f}, "
                  f"review read {ratios['review_cpu']:.4f}."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", metavar="SRC", help="another checkout's src to compare with")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.bills, args.entries, args.rounds)))
        return
    results: dict[str, Any] = {}
    if args.before:
        results["before"] = _run(args, args.before)
    results["after"] = _run(args, None)
    if args.before:
        before, after = results["before"], results["after"]
        results["ratios"] = {
            "screening_cpu": after["screening_cpu_s"] / before["screening_cpu_s"],
            "review_cpu": after["review_cpu_s"] / before["review_cpu_s"],
        }
    command = "python bench/review_bench.py " + " ".join(sys.argv[1:])
    out = HERE / "results"
    (out / "review_queue.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "review_queue.md").write_text(_markdown(results, command))
    print(_markdown(results, command))


if __name__ == "__main__":
    main()
