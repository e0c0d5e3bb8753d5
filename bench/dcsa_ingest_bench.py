"""Speed of `balise ingest containers` on DCSA Track & Trace 3.0 JSON lines.

Generates `--events` realistic 3.0 events (deterministic, `--seed`): boxes travelling between
real ports, each journey booking -> stuffed -> gated in -> loaded -> discharged -> customs ->
gated out, with vessels, voyages, seals, documents and terminal positions; writes them as JSON
lines in a temporary folder, then times, as the median of `--runs` runs, (1) reading only
(`read_event_lines`, every batch made) and (2) the real ingest path (`ingest_records`, into a
fresh DuckDB workspace store). Reports events per second and writes
`bench/results/dcsa_ingest.md`. Target (issue 14): 200,000 events/s end to end. A benchmark, not
a test.

    PYTHONPATH=src python bench/dcsa_ingest_bench.py --events 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from balise.engine.ingest import Input
from balise.engine.ingest_records import ingest_records
from balise.io.dcsa_events import read_event_lines
from balise.model.batch import ReadOptions
from balise.model.containers import check_digit
from balise.model.record_batch import RecordKind
from balise.store.duckdb import DuckDBStore

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
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


def _median_seconds(action, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall-clock and process CPU seconds of `runs` calls of `action` (CPU time, all
    threads, is the steadier figure on a machine shared with other jobs)."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.jsonl"
        path.write_text("\n".join(events(args.events, args.seed)) + "\n")
        size = path.stat().st_size
        options = ReadOptions()

        def read() -> None:
            with path.open("rb") as stream:
                for _ in read_event_lines(stream, path.name, options):
                    pass

        def ingest() -> None:
            store = DuckDBStore(Path(folder) / f"ws-{time.perf_counter_ns()}.duckdb")
            item = Input(path.name, lambda: path.open("rb"), size)
            result = ingest_records(RecordKind.CONTAINERS, item, store, options)
            assert result.count("records_stored") == args.events, result.counts
            store.close()

        read_s = _median_seconds(read, args.runs)
        ingest_s = _median_seconds(ingest, args.runs)
    rows = [("read only", *read_s), ("read + store (DuckDB)", *ingest_s)]
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    report = "\n".join(
        [
            "# DCSA Track & Trace ingest speed",
            "",
            f"`PYTHONPATH=src python bench/dcsa_ingest_bench.py --events {args.events} "
            f"--runs {args.runs} --seed {args.seed}`",
            "",
            f"{args.events:,} DCSA 3.0 events as JSON lines ({size / 1e6:,.0f} MB, "
            f"{size / args.events:,.0f} bytes an event), batches of {options.batch_records:,}; "
            f"median of {args.runs} runs; {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load} "
            f"at the end, {datetime.now(UTC):%Y-%m-%d}.",
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
            "",
        ]
    )
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dcsa_ingest.md").write_text(report)


if __name__ == "__main__":
    main()
