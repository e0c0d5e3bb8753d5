"""Live telemetry through Mosquitto: sustained stored messages per second and the latency from
publish to stored reading.

A local Mosquitto broker is started on a free port; `balise listen telemetry`'s engine
(`listen_telemetry`) runs in a process of its own on a new DuckDB store; this process publishes
`--messages` readings with Paho (QoS 1) as fast as it can, or at `--rate` messages/s. Each
reading's `time` is the wall-clock instant just before its publish call, so the listener's
`on_batch` callback, called once a batch is committed, knows each reading's latency from publish
to stored row. Sustained rate: messages stored / (last batch committed - first publish).

    .venv/bin/python bench/telemetry_live_bench.py --messages 100000
    .venv/bin/python bench/telemetry_live_bench.py --messages 50000 --rate 5000

    .venv/bin/python bench/telemetry_live_bench.py --messages 100000 --backlog --append

Writes bench/results/telemetry_live.{json,md} (one row per run; --append keeps earlier rows).
With --backlog the messages are published first, to the listener's persistent session while it
is away, and the listener is timed draining them: its own rate, with no publisher sharing the
processors.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
import polars as pl
from paho.mqtt.enums import CallbackAPIVersion

from balise.engine.telemetry_listener import ListenOptions, listen_telemetry
from balise.model.containers import check_digit
from balise.store.duckdb import DuckDBStore

RESULTS = Path(__file__).parent / "results"
TOPIC = "containers/{}/telemetry"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = _free_port()
    config = folder / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nmax_inflight_messages 0\n"
    )
    process = subprocess.Popen([binary, "-c", str(config)], stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return process, port
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("mosquitto did not start")


def _boxes(count: int) -> list[str]:
    serials = [f"BNCU{n:06d}" for n in range(count)]
    return [s + str(check_digit(s)) for s in serials]


def listen(port: int, db: Path, messages: int, out: Path, qos: int, client_id: str) -> None:
    """The listener process: store `messages` readings, then write each one's latency (s) and
    the time the last batch was committed to `out`."""
    latencies: list[np.ndarray[Any, Any]] = []
    committed: list[float] = []

    def on_batch(readings: pl.DataFrame) -> None:
        now = time.time()
        sent = readings["time"].dt.epoch("us").to_numpy() / 1e6
        latencies.append(now - sent)
        committed.append(now)

    def log(line: str) -> None:
        if "subscribed" in line:
            print("ready", flush=True)

    store = DuckDBStore(db)
    options = ListenOptions("127.0.0.1", port, qos=qos, client_id=client_id or None,
                            max_messages=messages, duration_s=600)  # fmt: skip
    started = time.time()
    summary = listen_telemetry(store, options, on_batch=on_batch, log=log)
    store.close()
    joined = np.concatenate(latencies) if latencies else np.zeros(0)
    out.write_text(json.dumps({"latencies": joined.tolist(), "last_commit": max(committed),
                               "started": started, "summary": summary.as_dict()}))  # fmt: skip


def publish(port: int, messages: int, rate: float | None, qos: int, first_box: int = 0) -> float:
    """Publish `messages` readings of 1,000 boxes from `first_box` on, paced at `rate`/s when
    given; the first publish's wall-clock time."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-publisher-{first_box}")
    client.max_inflight_messages_set(0)  # unlimited: a bounded window is far slower in Paho
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    boxes = _boxes(first_box + 1000)[first_box:]
    first = time.time()
    last = None
    for i in range(messages):
        if rate is not None:
            delay = first + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
        box = boxes[i % len(boxes)]
        payload = {"container_number": box, "time": time.time(), "lat": 51.9, "lon": 4.1,
                   "door_open": False, "temperature_c": 12.5, "battery": 80}  # fmt: skip
        last = client.publish(TOPIC.format(box), json.dumps(payload), qos)
    if last is not None:
        last.wait_for_publish(120)
    print(f"published {messages:,} in {time.time() - first:.2f} s", file=sys.stderr)
    client.disconnect()
    client.loop_stop()
    return first


def _publishers(port: int, messages: int, rate: float | None, qos: int, count: int) -> float:
    """Publish from `count` processes (devices are many); the earliest first publish."""
    share, pace = messages // count, None if rate is None else rate / count
    started = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--publish",
                str(port),
                str(share),
                str(pace),
                str(qos),
                str(1000 * i),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    firsts = [float(p.communicate(timeout=600)[0]) for p in started]
    return min(firsts)


def _register(port: int, client_id: str, qos: int) -> None:
    """Open the persistent session `client_id` (subscribed), then leave: the broker keeps what
    is published for it meanwhile."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    subscribed = threading.Event()
    client.on_subscribe = lambda *_: subscribed.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe(TOPIC.format("+"), qos)
    assert subscribed.wait(10)
    client.disconnect()
    client.loop_stop()


def run(
    messages: int, rate: float | None, qos: int, count: int, backlog: bool = False
) -> dict[str, Any]:
    """One run; with `backlog`, every message is published while the listener is away (its
    persistent session kept by the broker) and the listener then drains them: its own rate,
    without publishers sharing the machine's processors."""
    client_id = "balise-bench" if backlog else ""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        broker, port = _broker(folder)
        out = folder / "listener.json"
        command = [sys.executable, __file__, "--listen", str(port), str(folder / "b.duckdb"),
                   str(messages), str(out), str(qos), client_id]  # fmt: skip
        try:
            if backlog:
                _register(port, client_id, qos)
                first = _publishers(port, messages, rate, qos, count)
            listener = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
            if not backlog:
                assert listener.stdout is not None
                assert listener.stdout.readline().strip() == "ready"
                first = _publishers(port, messages, rate, qos, count)
            listener.wait(600)
        finally:
            broker.terminate()
            broker.wait(10)
        found = json.loads(out.read_text())
    latency = np.array(found["latencies"])
    seconds = found["last_commit"] - (found["started"] if backlog else first)
    return {
        "messages": messages,
        "mode": "backlog drained" if backlog else "live",
        "load_1min": round(load, 1),
        "rate_asked": rate,
        "qos": qos,
        "publishers": count,
        "stored": found["summary"]["stored"],
        "batches": found["summary"]["batches"],
        "seconds": round(seconds, 3),
        "stored_per_s": round(found["summary"]["stored"] / seconds),
        "latency_p50_ms": round(float(np.percentile(latency, 50)) * 1000, 1),
        "latency_p95_ms": round(float(np.percentile(latency, 95)) * 1000, 1),
        "latency_max_ms": round(float(latency.max()) * 1000, 1),
    }


def _markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# Live telemetry through Mosquitto",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {platform.system()}. Listener: `listen_telemetry` in its "
        "own process (default settings: listen.batch_seconds 0.25 s, listen.batch_messages "
        "5,000; DuckDB store on local disk); publishers: Paho processes, one connection and "
        "1,000 boxes each; Mosquitto 2 on 127.0.0.1, all on this machine. Target (issue 14): "
        "sustained >= 5,000 messages/s.",
        "",
        "Commands (in order, with `.venv/bin/`):",
        "",
        *dict.fromkeys(f"    {r['command']}" for r in rows),
        "",
        "| load | messages | mode | QoS | publishers | rate asked (/s) | stored | batches "
        "| seconds | stored/s | latency p50 (ms) | p95 (ms) | max (ms) |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for r in rows:
        rate = "as fast as possible" if r["rate_asked"] is None else f"{r['rate_asked']:,.0f}"
        lines.append(
            f"| {r['load_1min']} | {r['messages']:,} | {r['mode']} | {r['qos']} "
            f"| {r['publishers']} | {rate} | {r['stored']:,} | {r['batches']} | {r['seconds']} "
            f"| {r['stored_per_s']:,} "
            + (
                "| - | - | - |"
                if r["mode"] != "live"
                else f"| {r['latency_p50_ms']} | {r['latency_p95_ms']} | {r['latency_max_ms']} |"
            )
        )
    lines += [
        "",
        "`load` is the machine's 1-minute load average when the run started: the processors "
        "are shared with whatever else runs (other jobs), so figures taken under load are "
        "lower bounds. `backlog drained` is the listener's own rate: the messages were "
        "published to its persistent session while it was away, then it stored them.",
        "",
        "Latency is from the instant before the publish call to the commit of the batch holding "
        "the reading (the listener's on_batch callback). At full speed it includes the time a "
        "message waits in the broker's and the listener's queues while the publisher is ahead; "
        "paced runs show the latency at a given load.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rate", type=float, action="append",
                        help="Messages/s (repeatable); none: as fast as possible.")  # fmt: skip
    parser.add_argument("--qos", type=int, default=1, help="Publish and subscription QoS.")
    parser.add_argument("--publishers", type=int, default=2, help="Publishing processes.")
    parser.add_argument(
        "--backlog",
        action="store_true",
        help="Publish first, then time the listener draining the backlog.",
    )
    parser.add_argument("--append", action="store_true", help="Keep the rows already written.")
    parser.add_argument("--listen", nargs=6, help=argparse.SUPPRESS)
    parser.add_argument("--publish", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.listen:
        port, db, messages, out, qos, client_id = args.listen
        listen(int(port), Path(db), int(messages), Path(out), int(qos), client_id)
        return
    if args.publish:
        port, count, pace, qos, first_box = args.publish
        rate = None if pace == "None" else float(pace)
        print(publish(int(port), int(count), rate, int(qos), int(first_box)))
        return
    rates = args.rate or [None]
    command = "python bench/telemetry_live_bench.py " + " ".join(sys.argv[1:])
    rows = [
        {**run(args.messages, rate, args.qos, args.publishers, args.backlog), "command": command}
        for rate in rates
    ]
    for row in rows:
        print(json.dumps(row))
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / "telemetry_live.json"
    if args.append and saved.exists():
        rows = json.loads(saved.read_text()) + rows
    saved.write_text(json.dumps(rows, indent=1) + "\n")
    (RESULTS / "telemetry_live.md").write_text(_markdown(rows))


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
