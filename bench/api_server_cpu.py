"""Server CPU per request of the API's slowest list routes, on the code given and on the code
before a change, back to back: a figure that a loaded machine does not skew as it skews latency.

Builds the `bench/api_latency.py` workspace (`--vessels` vessels, `--positions` positions each,
`--events` events, a risk row per vessel, an account with every role but viewer), copies it
once per code measured (so that each server starts from the same audit log), and serves each
copy with uvicorn in its own process (`PYTHONPATH` the code's `src`). Each route is asked
`--requests` times by `--clients` concurrent keep-alive clients (the same load generator as
`bench/api_latency.py`), `--repeat` times; the server's CPU time (user + system, from
`/proc/PID/stat`) over those requests, divided by their number, is its CPU per request (the
smallest of the repeats), beside the p99 latency at the client. `--before OLD/src` measures
that code too, right before, on its own copy of the same workspace.

Writes `bench/results/api_server_cpu.json` and `.md`. A benchmark, not a test; Linux only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_latency import SERVER, add_reader, build_workspace, drive, free_port

RESULTS: Final = Path(__file__).resolve().parents[1] / "bench" / "results"
SRC: Final = Path(__file__).resolve().parents[1] / "src"
ROUTES: Final = {
    "alerts first page": "/api/v1/alerts?limit=100",
    "audit": "/api/v1/audit",
    "screening review": "/api/v1/screening/review",
    "vessel search": "/api/v1/vessels?q={serial}",
    "users": "/api/v1/users",
    "lists": "/api/v1/lists",
    "events first page": "/api/v1/events?limit=100",
}
"""The routes measured: `{serial}` is the serial of a random vessel's name (a search each)."""


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(src: Path, root: Path, token: str) -> tuple[subprocess.Popen[bytes], str]:
    """The API over `root` from the code in `src`, once it answers; and its base URL."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(src))
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(root), str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            signed = {"Authorization": f"Bearer {token}"}
            if httpx.get(f"{base}/api/v1/event-types", headers=signed).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("the server did not answer within 120 s")


def measure(src: Path, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """CPU per request (ms) and client p99 (ms) of every route, served from `src`."""
    server, base = serve(src, root, args.token)
    rng = np.random.default_rng(args.seed)

    def urls(template: str) -> list[str]:
        serials = rng.integers(0, args.vessels, args.requests)
        return [template.format(serial=f"{int(s):05d}") for s in serials]

    found: dict[str, dict[str, Any]] = {}
    try:
        for template in ROUTES.values():  # warm up: the inbox, the fleet, the kept answers
            asyncio.run(drive(base, urls(template)[: args.clients], args.clients, args.token))
        for _ in range(args.repeat):
            for name, template in ROUTES.items():
                began = server_cpu_s(server.pid)
                done = asyncio.run(drive(base, urls(template), args.clients, args.token))
                cpu_ms = (server_cpu_s(server.pid) - began) * 1000 / args.requests
                slot = found.setdefault(name, {"cpu_ms": [], "p99_ms": [], "errors": 0})
                slot["cpu_ms"].append(round(cpu_ms, 2))
                slot["p99_ms"].append(round(float(np.percentile(done["latencies"], 99)), 1))
                slot["errors"] += len(done["errors"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vessels", type=int, default=10_000)
    parser.add_argument("--positions", type=int, default=50)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300, help="per route and repeat")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--before", type=Path, default=None, help="the `src` of the code before")
    parser.add_argument(
        "--route",
        action="append",
        default=None,
        metavar="NAME=URL",
        help="measure this route instead of the usual ones (repeatable; URL a path from /)",
    )
    args = parser.parse_args()
    if args.route:
        ROUTES.clear()
        for item in args.route:  # NAME=/path?query: the URL begins at the first "=/"
            name, _, path = item.partition("=/")
            ROUTES[name] = "/" + path
    load = [round(x, 2) for x in os.getloadavg()]
    codes = ([("before", args.before)] if args.before else []) + [("after", SRC)]
    with tempfile.TemporaryDirectory(prefix="balise-api-cpu-") as tmp:
        built = Path(tmp) / "built"
        build_workspace(built, args)
        args.token = add_reader(built)
        runs = {}
        for label, src in codes:
            root = Path(tmp) / label
            shutil.copytree(built, root)
            runs[label] = measure(src, root, args)
    record = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "command": f"python bench/api_server_cpu.py --vessels {args.vessels} --positions "
        f"{args.positions} --events {args.events} --clients {args.clients} --requests "
        f"{args.requests} --repeat {args.repeat} --seed {args.seed}"
        + (" --before OLD/src" if args.before else "")
        + "".join(f" --route '{item}'" for item in args.route or []),
        "load_average": [load, [round(x, 2) for x in os.getloadavg()]],
        "runs": runs,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api_server_cpu.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = markdown(record)
    (RESULTS / "api_server_cpu.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def markdown(record: dict[str, Any]) -> list[str]:
    runs = record["runs"]
    before, after = runs.get("before"), runs["after"]
    lines = [
        "# API server CPU per request",
        "",
        f"{record['date']} — {record['machine']} — `{record['command']}`",
        "",
        "Server CPU time (user + system of the server process) per request at "
        f"{record['command'].split('--clients ')[1].split()[0]} clients, the smallest of the "
        "repeats; p99 at the client per repeat. Load average "
        f"{record['load_average'][0]} before, {record['load_average'][1]} after"
        + (": the code before and after measured back to back." if before else "."),
        "",
        "| route | CPU ms/request before | CPU ms/request after | ratio | p99 ms before "
        "| p99 ms after | errors |",
        "| --- | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for name, now in after.items():
        was = (before or {}).get(name)
        cpu_after = min(now["cpu_ms"])
        cpu_before = min(was["cpu_ms"]) if was else None
        ratio = f"{cpu_before / cpu_after:.2f}×" if cpu_before and cpu_after else ""
        lines.append(
            f"| {name} | {cpu_before if cpu_before is not None else ''} | {cpu_after} | "
            f"{ratio} | {', '.join(map(str, was['p99_ms'])) if was else ''} | "
            f"{', '.join(map(str, now['p99_ms']))} | "
            f"{now['errors'] + (was['errors'] if was else 0)} |"
        )
    return lines


if __name__ == "__main__":
    main()
