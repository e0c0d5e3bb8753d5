"""Live telemetry to alert: how long from the MQTT publish of a reading that completes a cargo
event to its alert in the inbox, under a steady background load. A benchmark, not a test.

A workspace holds `--targets` boxes discharged at Le Havre an hour ago and not yet collected
(ingested through `balise ingest containers`). A local Mosquitto (the Debian package) runs on a
free port; `balise listen telemetry`'s listener (`listen_telemetry`, default settings) runs in
this process with the live cargo detection of `balise listen telemetry --detect`
(`run_cargo_live`: the rules over the batch's boxes, then the alerts refreshed). A publisher
process sends readings of 1,000 other boxes at `--rate` messages/s and, every `--every` seconds,
a door-open reading of the next target box at its terminal: a rip-off (`door_opened`). After
each stored batch the listener looks for the alerts of the targets it was told about; the
latency is from the publish of the door-open reading (its `time`) to the end of the batch that
raised its alert. The geography is left out (no distance to shore): a door opened at a terminal
does not need it. Writes `bench/results/telemetry_alert.md` and `.json`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
import polars as pl
from paho.mqtt.enums import CallbackAPIVersion

from balise.alerts.rules import alert_rules
from balise.cargo.params import cargo_params
from balise.cli.main import run
from balise.engine.cargo import run_cargo_live
from balise.engine.detect import Geography
from balise.engine.telemetry_listener import ListenOptions, listen_telemetry
from balise.model.containers import check_digit
from balise.store.base import AlertFilter
from balise.workspace import Workspace
from telemetry_live_bench import _broker

RESULTS = Path(__file__).resolve().parent / "results"
TOPIC = "containers/{}/telemetry"
LE_HAVRE = (49.4860, 0.1071)


def _numbers(prefix: str, count: int) -> list[str]:
    return [s + str(check_digit(s)) for s in (f"{prefix}{n:06d}" for n in range(count))]


def _workspace(root: Path, targets: list[str]) -> Workspace:
    discharged = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events = [
        {"eventID": f"00000000-0000-4000-8000-{n:012d}", "eventDateTime": discharged,
         "eventClassification": {"eventType": "EQUIPMENT", "equipmentEventType": "DISCHARGED",
                                 "eventClassifier": "ACTUAL"},
         "equipmentDetails": {"equipmentReference": box, "ISOEquipmentCode": "45R1",
                              "emptyIndicator": "LADEN"},
         "eventLocation": {"locationName": "Le Havre", "UNLocationCode": "FRLEH",
                           "facilityType": "PORT_TERMINAL",
                           "geoCoordinate": {"latitude": str(LE_HAVRE[0]),
                                             "longitude": str(LE_HAVRE[1])}}}
        for n, box in enumerate(targets)
    ]  # fmt: skip
    path = root / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    if run(["--workspace", str(root / "ws"), "ingest", "containers", str(path)]) != 0:
        raise RuntimeError("ingest failed")
    return Workspace(root / "ws")


def publish(port: int, seconds: float, rate: float, every: float, targets: list[str]) -> None:
    """Background readings at `rate`/s for `seconds`; a door opening of the next target every
    `every` seconds (its `time`: the instant before the publish)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="alert-bench-publisher")
    client.max_inflight_messages_set(0)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    others = _numbers("BNCU", 1000)
    first, n, opened = time.time(), 0, 0
    while (now := time.time()) - first < seconds:
        if opened < len(targets) and now - first >= (opened + 1) * every:
            box = targets[opened]
            reading = {"container_number": box, "time": time.time(), "lat": LE_HAVRE[0],
                       "lon": LE_HAVRE[1], "door_open": True, "light_lux": 500.0}  # fmt: skip
            client.publish(TOPIC.format(box), json.dumps(reading), 1)
            opened += 1
        delay = first + n / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        box = others[n % len(others)]
        reading = {"container_number": box, "time": time.time(), "lat": 51.9, "lon": 4.1,
                   "door_open": False, "temperature_c": 12.5}  # fmt: skip
        client.publish(TOPIC.format(box), json.dumps(reading), 1)
        n += 1
    client.disconnect()
    client.loop_stop()


def measure(args: argparse.Namespace, rate: float, folder: Path) -> dict[str, Any]:
    targets = _numbers("RIPU", args.targets)
    workspace = _workspace(folder, targets)
    settings = workspace.settings()
    params, rules = cargo_params(settings.values), alert_rules(settings.values)
    broker, port = _broker(folder)
    store = workspace.open_store()
    opened: dict[str, float] = {}
    latencies: dict[str, float] = {}
    stop = threading.Event()

    def on_batch(readings: pl.DataFrame) -> None:
        doors = readings.filter(pl.col("door_open").fill_null(False))
        for box, sent in doors.select("container_number", "time").iter_rows():
            opened.setdefault(box, sent.timestamp())
        run_cargo_live(store, params, Geography(), readings, rules)
        waiting = [box for box in opened if box not in latencies]
        if waiting:
            alerts = store.find_alerts(AlertFilter(types=("door_opened",)))
            raised = set(alerts["subject"].struct.field("id").to_list()) if alerts.height else set()
            now = time.time()
            for box in waiting:
                if box in raised:
                    latencies[box] = now - opened[box]

    options = ListenOptions("127.0.0.1", port, duration_s=args.seconds + 5)
    listener = threading.Thread(
        target=listen_telemetry, args=(store, options), kwargs={"on_batch": on_batch, "stop": stop}
    )
    try:
        listener.start()
        time.sleep(1.0)  # subscribed
        sender = multiprocessing.Process(
            target=publish, args=(port, args.seconds, rate, args.every, targets)
        )
        sender.start()
        sender.join()
        time.sleep(2.0)
        stop.set()
        listener.join()
        stored = store.telemetry().height
    finally:
        store.close()
        broker.terminate()
        broker.wait()
    values = np.array(sorted(latencies.values()))
    return {
        "rate": rate, "stored": stored, "seconds": args.seconds, "door_openings": len(opened),
        "alerts": len(latencies),
        "p50_s": float(np.percentile(values, 50)) if values.size else None,
        "p95_s": float(np.percentile(values, 95)) if values.size else None,
        "max_s": float(values.max()) if values.size else None,
    }  # fmt: skip


def _markdown(result: dict[str, Any]) -> str:
    def s(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = [
        "# Live telemetry to alert", "",
        f"`{result['command']}`", "",
        f"{result['machine']}, {result['date']}; Mosquitto, the publisher and the listener on "
        "the same 2 CPUs.", "",
        "| rate asked (/s) | readings stored | stored/s | door openings | alerts | p50 (s) "
        "| p95 (s) | max (s) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for row in result["runs"]:
        lines.append(
            f"| {row['rate']:,.0f} | {row['stored']:,} | {row['stored'] / row['seconds']:,.0f} "
            f"| {row['door_openings']} | {row['alerts']} | {s(row['p50_s'])} "
            f"| {s(row['p95_s'])} | {s(row['max_s'])} |"
        )
    lines += ["", "Target (issue 14): sustained >= 5,000 messages/s, the alert within 1 s of "
              "the message that triggers it. `stored/s` counts the readings stored over the "
              "publishing time.", ""]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, action="append")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--every", type=float, default=1.0)
    parser.add_argument("--targets", type=int, default=15)
    args = parser.parse_args()
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        raise SystemExit("mosquitto is not installed")
    rates = args.rate or [2000.0, 5000.0]
    runs = []
    for rate in rates:
        with tempfile.TemporaryDirectory() as folder:
            runs.append(measure(args, rate, Path(folder)))
    result = {
        "command": "PYTHONPATH=src:bench python bench/telemetry_alert_bench.py "
        + " ".join(f"--rate {r:g}" for r in rates)
        + f" --seconds {args.seconds:g} --every {args.every:g} --targets {args.targets}",
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "runs": runs,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "telemetry_alert.json").write_text(json.dumps(result, indent=2))
    (RESULTS / "telemetry_alert.md").write_text(_markdown(result))
    print(_markdown(result))


if __name__ == "__main__":
    main()
