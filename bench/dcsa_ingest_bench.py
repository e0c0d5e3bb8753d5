"""Speed of `balise ingest containers` on DCSA Track & Trace 3.0 JSON lines.

Generates `--events` realistic 3.0 events (deterministic, `--seed`): boxes travelling between
real ports, each journey booking -> stuffed -> gated in -> loaded -> discharged -> customs ->
gated out, with vessels, voyages, seals, documents and terminal positions; writes them as JSON
lines and as a JSON array in a temporary folder, then times, as the median of `--runs` runs,
(1) reading the JSON lines only (`read_event_lines`, every batch made), the real ingest path
(`ingest_records`, into a fresh DuckDB workspace store) of (2) the JSON lines and (3) the JSON
array, and the command end to end (`python -m balise --workspace NEW ingest containers FILE`,
the interpreter's start, the workspace's creation and the report included; CPU seconds of the
child process) of (4) the JSON lines and (5) the JSON array: paths `read`, `lines`, `array`,
`cli-lines`, `cli-array`. Prints wall and CPU seconds and events per second, and with `--json`
writes them with the machine and its load: the record in `bench/results/dcsa_ingest.md` is
written from those (it keeps the previous figures). The code measured is the `balise` on
`PYTHONPATH`: the same script measures another checkout (`PYTHONPATH=../main/src`) back to
back. Target (issue 14): 200,000 events/s end to end. A benchmark, not a test.

    PYTHONPATH=src python bench/dcsa_ingest_bench.py --events 1000000 --runs 3 --json after.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import balise
from balise.engine.ingest import Input
from balise.engine.ingest_records import ingest_records
from balise.io.dcsa_events import read_event_lines
from balise.model.batch import ReadOptions
from balise.model.containers import check_digit
from balise.model.record_batch import RecordKind
from balise.store.duckdb import DuckDBStore

PORTS = [
    ("BRSSZ", "BTP", -23.9214, -46.3422), ("DOCAU", "DPW", 18.4258, -69.6334),
    ("BEANR", "DGD", 51.2856, 4.2717), ("NLRTM", "ECT", 51.9536, 4.0428),
    ("ECGYE", "CGSA", -2.2806, -79.9081), ("PAMIT", "MIT", 9.3625, -79.8831),
    ("ESALG", "TTIA", 36.1283, -5.4386), ("DEHAM", "CTA", 53.5336, 9.9339),
]  # fmt: skip
STEPS = [("EQUIPMENT", "STUFFED"), ("EQUIPMENT", "GATED_IN"), ("EQUIPMENT", "LOADED"),
         ("TRANSPORT", "DEPARTED"), ("TRANSPORT", "ARRIVED"), ("EQUIPMENT", "DISCHARGED"),
         ("EQUIPMENT", "CUSTOMS_SELECTED_FOR_SCAN"), ("EQUIPMENT", "CUSTOMS_RELEASED"),
         ("EQUIPMENT", "GATED_OUT"), ("SHIPMENT", "ISSUED")]  # fmt: skip
VESSELS = [
    (9463217, 636019825, "MARIA SANTOS"),
    (9780122, 255806123, "NORDIC SPIRIT"),
    (9321483, 211234560, "KING OF THE SEAS"),
    (9812341, 538009876, "ATLANTIC DAWN"),
]


def _box(rng: random.Random) -> str:
    prefix = rng.choice(["MSCU", "MAEU", "CMAU", "HLXU", "TGHU", "SUDU"])
    owner = f"{prefix}{rng.randrange(10**6):06}"
    return owner + str(check_digit(owner))


def events(count: int, seed: int) -> list[str]:
    """`count` DCSA 3.0 events as JSON lines."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    lines: list[str] = []
    while len(lines) < count:
        box, bl = _box(rng), f"MEDU{rng.randrange(10**8):08}"
        origin, destination = rng.sample(PORTS, 2)
        imo, mmsi, name = rng.choice(VESSELS)
        when = start + timedelta(minutes=rng.randrange(500_000))
        for step, (kind, code) in enumerate(STEPS):
            port = origin if step < 4 else destination
            when += timedelta(hours=rng.uniform(2, 60))
            event = _event(kind, code, box, bl, port, (imo, mmsi, name), when, step)
            lines.append(json.dumps(event))
    return lines[:count]


def _event(
    kind: str,
    code: str,
    box: str,
    bl: str,
    port: tuple[str, str, float, float],
    vessel: tuple[int, int, str],
    when: datetime,
    step: int,
) -> dict[str, object]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    key = {"EQUIPMENT": "equipmentEventType", "TRANSPORT": "transportEventType"}.get(
        kind, "shipmentEventType"
    )
    event: dict[str, object] = {
        "eventID": f"{bl}-{box}-{step}", "eventDateTime": stamp, "eventUpdatedDateTime": stamp,
        "eventClassification": {"eventClassifier": "ACTUAL", "eventType": kind, key: code},
        "eventLocation": {"UNLocationCode": port[0], "facilityType": "PORT_TERMINAL",
                          "facility": {"facilityCode": port[1],
                                       "facilityCodeListProvider": "SMDG"},
                          "geoCoordinate": {"latitude": str(port[2]), "longitude": str(port[3])}},
        "shipmentDetails": {"documentReference": {"type": "TRANSPORT_DOCUMENT", "reference": bl}},
        "eventRouting": {"originatingParties": [
            {"partyCode": "MSCU", "codeListProvider": "SMDG", "codeListName": "LCL",
             "partyFunction": "CA"}]},
    }  # fmt: skip
    if kind == "EQUIPMENT":
        event["equipmentDetails"] = {
            "equipmentReference": box, "ISOEquipmentCode": "45G1", "emptyIndicator": "LADEN",
            "transportPhase": "EXPORT" if step < 4 else "IMPORT",
            "seals": [{"number": f"SL{step}{box[-5:]}", "source": "CARRIER", "type": "BOLT"}],
        }  # fmt: skip
    if kind != "SHIPMENT":
        event["transportDetails"] = {"transportCall": {
            "modeOfTransport": "VESSEL", "portVisitReference": f"{port[0]}24-{step}",
            "exportVoyageNumberOrReference": {"carrierVoyageNumber": "441N"},
            "importVoyageNumberOrReference": {"carrierVoyageNumber": "440S"},
            "vesselTransport": {"vesselIMONumber": str(vessel[0]),
                                "vesselMMSINumber": str(vessel[1]), "vesselName": vessel[2]},
        }}  # fmt: skip
    return event


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (all threads)."""
    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + children.ru_utime + children.ru_stime


def _median_seconds(action, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall-clock and CPU seconds (this process and the commands it ran) of `runs` calls
    of `action` (CPU time, all threads, is the steadier figure on a machine shared with other
    jobs)."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), _cpu()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--json", type=Path, help="write the figures there too")
    parser.add_argument(
        "--paths",
        default="read,lines,array,cli-lines,cli-array",
        help="which of read, lines, array, cli-lines, cli-array to time",
    )
    parser.add_argument("--label", default="", help="a name for the code measured (in --json)")
    args = parser.parse_args()
    load_start = _load()
    with tempfile.TemporaryDirectory() as folder:
        texts = events(args.events, args.seed)
        path, array = Path(folder) / "events.jsonl", Path(folder) / "events.json"
        path.write_text("\n".join(texts) + "\n")
        if "array" in args.paths:  # array, cli-array
            array.write_text("[\n" + ",\n".join(texts) + "\n]\n")
        del texts
        size = path.stat().st_size
        options = ReadOptions()

        def read() -> None:
            with path.open("rb") as stream:
                for _ in read_event_lines(stream, path.name, options):
                    pass

        def ingest(source: Path) -> None:
            store = DuckDBStore(Path(folder) / f"ws-{time.perf_counter_ns()}.duckdb")
            item = Input(source.name, lambda: source.open("rb"), source.stat().st_size)
            result = ingest_records(RecordKind.CONTAINERS, item, store, options)
            assert result.count("records_stored") == args.events, result.counts
            store.close()

        def balise_command(source: Path) -> None:
            workspace = Path(folder) / f"ws-{time.perf_counter_ns()}"
            argv = [sys.executable, "-m", "balise", "--workspace", str(workspace), "ingest",
                    "containers", str(source)]  # fmt: skip
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stdout + done.stderr

        actions = {
            "read": ("read only (JSON lines)", read),
            "lines": ("read + store (JSON lines)", lambda: ingest(path)),
            "array": ("read + store (JSON array)", lambda: ingest(array)),
            "cli-lines": ("`balise ingest containers` (JSON lines)", lambda: balise_command(path)),
            "cli-array": ("`balise ingest containers` (JSON array)", lambda: balise_command(array)),
        }
        rows = [
            (actions[name][0], *_median_seconds(actions[name][1], args.runs))
            for name in args.paths.split(",")
        ]
    load_end = _load()
    command = (
        f"bench/dcsa_ingest_bench.py --events {args.events} --runs {args.runs} --seed {args.seed}"
        f" --paths {args.paths}"
    )
    report = "\n".join(
        [
            f"`{command}` ({balise.__file__})",
            "",
            f"{args.events:,} DCSA 3.0 events ({size / 1e6:,.0f} MB as JSON lines, "
            f"{size / args.events:,.0f} bytes an event), batches of {options.batch_records:,}; "
            f"median of {args.runs} runs; {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
            f"{load_start} before, {load_end} after, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            "| path | wall s | events/s | CPU s (all threads) | events per CPU-second |",
            "| --- | ---: | ---: | ---: | ---: |",
            *(
                f"| {name} | {wall:.2f} | {args.events / wall:,.0f} | {cpu:.2f} | "
                f"{args.events / cpu:,.0f} |"
                for name, wall, cpu in rows
            ),
            "",
            "Target (issue 14): 200,000 events/s end to end.",
        ]
    )
    print(report)
    if args.json:
        record = {
            "label": args.label, "command": command, "code": balise.__file__,
            "events": args.events, "bytes": size, "runs": args.runs,
            "batch_records": options.batch_records, "cpus": os.cpu_count(),
            "python": platform.python_version(), "load_before": load_start,
            "load_after": load_end, "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "paths": [{"path": n, "wall_s": w, "cpu_s": c} for n, w, c in rows],
        }  # fmt: skip
        args.json.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
