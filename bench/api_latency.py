"""REST API latency of every list route on a 10k-vessel workspace, under load.

Builds a workspace of `--vessels` vessels (10,000 by default): `--positions` positions each
over one day, random-walk tracks spread over the North and South Atlantic, stored in time
order as ingestion would (so the positions table is not clustered by vessel); one identity per
vessel; `--events` events of several types; and a `vessel_risk` table (`SCORE_SCHEMA`) for
every vessel, so that the map layer carries scores and bands. Detection is not run: the API
reads what is stored, and these rows have the shapes it reads. An account holding every role
but viewer (`balise users add bench`) signs every request with its API token, so that each
request is authenticated, decided by the policy and, for sensitive data, audited as a real
reader's is; the inbox is derived from the events on the first alerts request.

The real server (`uvicorn` on `balise.api.app.create_app`, one worker, as `balise serve`)
runs in its own process, so that the clients do not share its interpreter lock; it is warmed
up (the fleet snapshot is built once per data version, on the first map request) and then
driven by `--clients` concurrent clients, and by 1 client as the baseline, `--requests`
requests per endpoint. The clients are keep-alive HTTP/1.1 connections on asyncio streams in
this process (`Connection`, a connection per client): a lean load generator in the manner of
wrk, because a full Python client spends more time per request than the server does, and on 2
cores its work would be measured as server latency. Like a browser they send
`Accept-Encoding: gzip` and decode gzip answers (inside the measured time).

- `positions/latest`: `GET /api/v1/positions/latest` (every vessel, columns format);
- `events first page`: `GET /api/v1/events?limit=100`;
- `events next pages`: pages 2 to `--pages` of the same list, from the `next` cursors;
- `vessel track`: `GET /api/v1/vessels/{mmsi}/track` of random vessels (GeoJSON);
- `vessel search`: `GET /api/v1/vessels?q=…` by the serial of random vessels' names;
- every other list route of `LISTS` at its default page (alerts, inbox counters, vessels of
  highest risk, audit log, containers, zones, ports, event types, lists, screening review,
  releases, gate, shares, users, radar and inspection sites).

`--before` a previous run's JSON record puts its p99 beside (the same command on the code
before a change); `--only` measures some endpoints (while working).

Latency is measured at the client, from sending the request to having read the whole body.
Percentiles pool every request of `--repeat` runs; the p99 of each run is listed too. After
the server stops, the map layer's server-side work is timed in this process on one thread
(snapshot build, rows of the layer, JSON body, gzip), which a change of data costs once.

Writes `bench/results/api_latency.json` and `.md`. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gzip
import io
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
import numpy as np
import polars as pl

from balise.api.fleet import build_fleet
from balise.api.routers.positions import columns_body, latest_positions
from balise.cli.main import run as run_cli
from balise.geo.sphere import destination_point
from balise.maritime.risk import SCORE_SCHEMA
from balise.model.batch import ReadBatch
from balise.model.events import EVENT_SCHEMA, event_id_expr, to_json
from balise.model.schema import IDENTITY_SCHEMA, POSITION_SCHEMA, UTC_TIME
from balise.workspace import Workspace

RESULTS: Final = Path(__file__).resolve().parents[1] / "bench" / "results"
START: Final = datetime(2024, 3, 1, tzinfo=UTC)
TARGET_P99_MS: Final = 300.0
"""The issue's target: p99 under 300 ms for every list route at 20 concurrent clients."""
EVENT_KINDS: Final = ("ais_gap", "encounter", "loitering", "port_visit", "identity_change")
SERVER: Final = (
    "import sys, uvicorn\n"
    "from pathlib import Path\n"
    "from balise.api.app import create_app\n"
    "uvicorn.run(create_app(Path(sys.argv[1])), host='127.0.0.1', port=int(sys.argv[2]),\n"
    "            log_level='warning', access_log=False)\n"
)
"""The server process: what `balise serve` runs, without the access log (which would be
written for every request and measured with it)."""


def conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """`frame` with exactly the columns of `schema`, in order and of its types (missing: null)."""
    return frame.select(
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in schema.items()
    )


def positions(vessels: int, per_vessel: int, seed: int) -> pl.DataFrame:
    """Random-walk tracks over one day (`POSITION_SCHEMA`), in time order."""
    rng = np.random.default_rng(seed)
    lat0 = rng.uniform(-40.0, 60.0, vessels)
    lon0 = rng.uniform(-60.0, 0.0, vessels)
    knots = rng.uniform(0.0, 15.0, vessels)
    course = rng.uniform(0.0, 360.0, vessels)
    every_s = 86_400 / per_vessel
    offsets = rng.uniform(0.0, every_s, vessels)
    step_s = np.tile(np.arange(per_vessel) * every_s, vessels) + np.repeat(offsets, per_vessel)
    wobble = rng.normal(0.0, 10.0, vessels * per_vessel)
    lat, lon = destination_point(
        np.repeat(lat0, per_vessel),
        np.repeat(lon0, per_vessel),
        np.repeat(course, per_vessel) + wobble,
        np.repeat(knots, per_vessel) * step_s / 3600,
    )
    micros = (step_s * 1e6).astype(np.int64) + int(START.timestamp() * 1e6)
    frame = pl.DataFrame(
        {
            "mmsi": np.repeat(np.arange(vessels) + 200_000_000, per_vessel).astype(np.int32),
            "timestamp": pl.Series(micros).cast(pl.Datetime("us", "UTC")),
            "lat": np.clip(lat, -89.9, 89.9),
            "lon": lon,
            "sog_knots": np.repeat(knots, per_vessel).round(1),
            "cog_deg": (np.repeat(course, per_vessel) + wobble) % 360,
            "heading_deg": ((np.repeat(course, per_vessel) + wobble) % 360).astype(np.int16),
            "nav_status": np.zeros(vessels * per_vessel, dtype=np.int8),
            "msg_type": np.ones(vessels * per_vessel, dtype=np.int8),
            "source": "bench",
            "source_format": "synthetic",
            "source_line": np.arange(vessels * per_vessel, dtype=np.int64),
        }
    )
    return conform(frame, POSITION_SCHEMA).sort("timestamp")


def identities(vessels: int, seed: int) -> pl.DataFrame:
    """One static report per vessel (`IDENTITY_SCHEMA`): name, call sign, ship type, length."""
    rng = np.random.default_rng(seed + 1)
    mmsi = np.arange(vessels) + 200_000_000
    frame = pl.DataFrame(
        {
            "mmsi": mmsi.astype(np.int32),
            "timestamp": pl.Series([START] * vessels, dtype=UTC_TIME),
            "msg_type": np.full(vessels, 5, dtype=np.int8),
            "name": [f"BENCH VESSEL {i:05d}" for i in range(vessels)],
            "call_sign": [f"B{i:05d}" for i in range(vessels)],
            "ship_type": rng.choice([30, 52, 70, 80], vessels).astype(np.int16),
            "length_m": rng.uniform(12.0, 300.0, vessels).round(0),
            "source": "bench",
            "source_format": "synthetic",
            "source_line": np.arange(vessels, dtype=np.int64),
        }
    )
    return conform(frame, IDENTITY_SCHEMA)


def events(vessels: int, count: int, seed: int) -> pl.DataFrame:
    """`count` events (`EVENT_SCHEMA`) of random vessels, kinds and times over the day."""
    rng = np.random.default_rng(seed + 2)
    start_s = rng.uniform(0.0, 86_400.0, count)
    hours = rng.uniform(0.5, 12.0, count)
    kind = rng.choice(EVENT_KINDS, count)
    mmsi = rng.integers(0, vessels, count) + 200_000_000
    frame = pl.DataFrame(
        {
            "type": kind,
            "start": [START + timedelta(seconds=float(s)) for s in start_s],
            "end": [
                START + timedelta(seconds=float(s + h * 3600))
                for s, h in zip(start_s, hours, strict=True)
            ],
            "lat": rng.uniform(-40.0, 60.0, count),
            "lon": rng.uniform(-60.0, 0.0, count),
            "mmsi": mmsi.astype(np.int32),
            "confidence": rng.uniform(0.3, 1.0, count).round(2),
            "params": to_json({"min_hours": 0.5}),
        }
    ).with_columns(
        other_mmsi=pl.when(pl.col("type") == "encounter").then(pl.col("mmsi") + 1),
        score=pl.col("confidence"),
        evidence=pl.format('{{"hours":{},"note":"synthetic"}}', pl.lit(hours).round(2)),
        status=pl.lit("active"),
        id=event_id_expr("bench", "type", "mmsi", "start"),
    )
    return conform(frame, EVENT_SCHEMA).unique("id")


def risk(vessels: int, seed: int) -> pl.DataFrame:
    """A `vessel_risk` row (`SCORE_SCHEMA`) per vessel: score 0-100 and its band."""
    rng = np.random.default_rng(seed + 3)
    score = (rng.beta(1.2, 6.0, vessels) * 100).round(1)
    frame = pl.DataFrame(
        {
            "mmsi": (np.arange(vessels) + 200_000_000).astype(np.int32),
            "score": score,
            "band": np.where(score >= 60, "high", np.where(score >= 30, "medium", "low")),
            "reasons": "[]",
            "computed_at": pl.Series([START + timedelta(days=1)] * vessels, dtype=UTC_TIME),
        }
    )
    return conform(frame, SCORE_SCHEMA)


def add_reader(root: Path) -> str:
    """`balise users add bench` with every role (sees every list route, each read audited as a
    real reader's would be): the API token it prints on its last line."""
    roles = [f"--role={role}" for role in ("admin", "security_officer", "analyst", "watch_officer")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run_cli(["--workspace", str(root), "users", "add", "bench", "--agency=customs",
                        *roles])  # fmt: skip
    if code != 0:
        raise RuntimeError("balise users add failed")
    return out.getvalue().strip().splitlines()[-1]


def build_workspace(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The synthetic workspace at `root`, and what it holds."""
    store = Workspace(root).open_store(create=True)
    try:
        track = positions(args.vessels, args.positions, args.seed)
        store.store_batch(
            "bench", 0, ReadBatch(positions=track, identities=identities(args.vessels, args.seed))
        )
        found = events(args.vessels, args.events, args.seed)
        store.save_events(found, list(EVENT_KINDS))
        store.save_table("vessel_risk", risk(args.vessels, args.seed))
    finally:
        store.close()
    return {"vessels": args.vessels, "positions": track.height, "events": found.height}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(root: Path, port: int, token: str) -> subprocess.Popen[bytes]:
    """The API over `root` on `port`, in its own process, once it answers."""
    signed = {"Authorization": f"Bearer {token}"}
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(root), str(port)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/event-types", headers=signed)
            if answer.status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not answer within 120 s")


def peak_rss_mib(pid: int) -> float | None:
    """The process's peak resident memory (Linux `VmHWM`), None elsewhere."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class Connection:
    """One keep-alive HTTP/1.1 connection that sends GETs and reads whole answers: a lean load
    generator (like wrk), so that the clients' own interpreter work does not stand in the
    server's queue. It asks for gzip as browsers do and decodes what comes compressed."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int, bytes]:
        """Status, bytes on the wire and the decoded body of `GET path`."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\n"
            "Accept-Encoding: gzip\r\nAccept: */*\r\n\r\n".encode()
        )
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        if "content-length" not in fields:
            raise RuntimeError(f"{path}: answer without Content-Length")
        body = await self.reader.readexactly(int(fields["content-length"]))
        wire = len(body)
        if fields.get("content-encoding") == "gzip":
            body = zlib.decompress(body, wbits=31)
        return status, wire, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def drive(base: str, urls: list[str], clients: int, token: str) -> dict[str, Any]:
    """Request every URL of `urls` with `clients` concurrent clients, a connection each:
    latencies (ms), body sizes (decoded and on the wire), statuses and the wall time."""
    latencies: list[float] = []
    sizes: list[int] = []
    wire: list[int] = []
    errors: list[int] = []
    queue = iter(urls)
    address = httpx.URL(base)
    assert address.port is not None
    connections = [Connection(address.host, address.port, token) for _ in range(clients)]

    async def worker(connection: Connection) -> None:
        for url in queue:
            began = time.perf_counter()
            status, sent, body = await connection.get(url)
            latencies.append((time.perf_counter() - began) * 1000)
            sizes.append(len(body))
            wire.append(sent)
            if status != 200:
                errors.append(status)

    began = time.perf_counter()
    try:
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        await asyncio.gather(*(c.close() for c in connections))
    wall = time.perf_counter() - began
    return {"latencies": latencies, "sizes": sizes, "wire": wire, "errors": errors,
            "wall_s": wall}  # fmt: skip


LISTS: Final = {
    "alerts first page": "/api/v1/alerts?limit=100",
    "alerts counts": "/api/v1/alerts/counts",
    "vessels of highest risk": "/api/v1/vessels",
    "audit": "/api/v1/audit",
    "containers": "/api/v1/containers",
    "zones": "/api/v1/zones",
    "ports": "/api/v1/ports",
    "event types": "/api/v1/event-types",
    "lists": "/api/v1/lists",
    "screening review": "/api/v1/screening/review",
    "releases": "/api/v1/releases",
    "gate": "/api/v1/gate",
    "shares": "/api/v1/shares",
    "users": "/api/v1/users",
    "radar sites": "/api/v1/radar/sites",
    "inspection sites": "/api/v1/inspection/sites",
}
"""The other list routes, each at its default page: the same URL every time (what a tab's
refresh asks for). The bench world holds no containers, lists, port records, shares, radar or
inspection sites: those routes answer their empty (or built-in) lists, which still measures
what every request of them costs (authentication, the policy, the audit of the read)."""


def repeated(url: str, n: int) -> list[str]:
    return [url] * n


def workload(base: str, args: argparse.Namespace) -> dict[str, Callable[[int], list[str]]]:
    """Per endpoint, the URLs of `n` requests; warms the server up on the way (the first map
    request builds the fleet snapshot; the first inbox request derives the alerts; the event
    pages are followed once to get the cursors)."""
    signed = {"Authorization": f"Bearer {args.token}"}
    with httpx.Client(base_url=base, timeout=300, headers=signed) as client:
        layer = client.get("/api/v1/positions/latest").json()
        mmsis = layer["columns"]["mmsi"]
        names = layer["columns"]["name"]
        pages = ["/api/v1/events?limit=100"]
        while len(pages) < args.pages:
            token = client.get(pages[-1]).json()["next"]
            if token is None:
                break
            pages.append(f"/api/v1/events?limit=100&cursor={token}")
        for url in [*pages, f"/api/v1/vessels/{mmsis[0]}/track", *LISTS.values()] * 3:
            client.get(url).raise_for_status()
    rng = np.random.default_rng(args.seed + 4)
    later = pages[1:] or pages
    urls: dict[str, Callable[[int], list[str]]] = {
        "positions/latest": lambda n: ["/api/v1/positions/latest"] * n,
        "events first page": lambda n: [pages[0]] * n,
        "events next pages": lambda n: [later[i % len(later)] for i in range(n)],
        "vessel track": lambda n: [
            f"/api/v1/vessels/{m}/track" for m in rng.choice(mmsis, n).tolist()
        ],
        "vessel search": lambda n: [
            f"/api/v1/vessels?q={str(name).split()[-1]}" for name in rng.choice(names, n).tolist()
        ],
    }
    for name, url in LISTS.items():
        urls[name] = functools.partial(repeated, url)
    return {k: v for k, v in urls.items() if not args.only or k in args.only}


def summary(runs: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    """Pooled percentiles of the runs of one endpoint at one concurrency."""
    latency = np.array([x for r in runs for x in r["latencies"]])
    p = np.percentile(latency, [50, 90, 99])
    requests = int(latency.size)
    wall = sum(r["wall_s"] for r in runs)
    return {
        "clients": clients,
        "requests": requests,
        "p50_ms": round(float(p[0]), 1),
        "p90_ms": round(float(p[1]), 1),
        "p99_ms": round(float(p[2]), 1),
        "max_ms": round(float(latency.max()), 1),
        "p99_ms_per_run": [round(float(np.percentile(r["latencies"], 99)), 1) for r in runs],
        "requests_per_s": round(requests / wall, 1),
        "response_bytes_median": int(np.median([s for r in runs for s in r["sizes"]])),
        "wire_bytes_median": int(np.median([s for r in runs for s in r["wire"]])),
        "errors": [e for r in runs for e in r["errors"]],
    }


def measure(base: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Each endpoint at 1 client and at `--clients`, `--repeat` times, interleaved."""
    urls = workload(base, args)
    raw: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for run in range(args.repeat):
        for clients in (1, args.clients):
            for name, make in urls.items():
                result = asyncio.run(drive(base, make(args.requests), clients, args.token))
                raw.setdefault((name, clients), []).append(result)
                p99 = np.percentile(result["latencies"], 99)
                print(f"run {run + 1}: {name:18} {clients:3} clients  p99 {p99:8.1f} ms")
    return [{"endpoint": name, **summary(runs, clients)} for (name, clients), runs in raw.items()]


def layer_breakdown(root: Path, repeat: int) -> dict[str, float]:
    """Medians (ms, one thread, in this process) of the map layer's server-side work: the
    fleet snapshot (once per data version), the layer's rows and its JSON body (every request)."""
    store = Workspace(root).open_store()
    timings: dict[str, list[float]] = {
        "snapshot_build_ms": [], "rows_ms": [], "json_body_ms": [], "gzip_ms": []
    }  # fmt: skip
    try:
        for _ in range(max(repeat, 5)):
            began = time.perf_counter()
            fleet = build_fleet(store)
            built = time.perf_counter()
            rows = latest_positions(fleet, None, None)
            selected = time.perf_counter()
            body = columns_body(rows)
            done = time.perf_counter()
            gzip.compress(body, compresslevel=6, mtime=0)
            timings["gzip_ms"].append((time.perf_counter() - done) * 1000)
            timings["snapshot_build_ms"].append((built - began) * 1000)
            timings["rows_ms"].append((selected - built) * 1000)
            timings["json_body_ms"].append((done - selected) * 1000)
    finally:
        store.close()
    return {k: round(float(np.median(v)), 1) for k, v in timings.items()}


def run(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Serve `root`, measure, stop the server; then time the layer's parts in this process."""
    port = free_port()
    server = start_server(root, port, args.token)
    try:
        results = measure(f"http://127.0.0.1:{port}", args)
        server_rss = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "results": results,
        "server_peak_rss_mib": server_rss,
        "layer_breakdown": layer_breakdown(root, args.repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vessels", type=int, default=10_000)
    parser.add_argument("--positions", type=int, default=50, help="per vessel, over one day")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", type=int, default=5, help="event pages followed")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="serve this workspace instead of building one (an account is added to it unless "
        "--token is given)",
    )
    parser.add_argument("--token", default=None, help="an API token of the given workspace")
    parser.add_argument("--only", nargs="*", default=None, help="measure only these endpoints")
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="the JSON record of a previous run, to show its p99 beside",
    )
    parser.add_argument("--code", default=None, help="what code is measured, in words")
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="balise-api-bench-") as tmp:
        root = args.workspace or Path(tmp)
        began = time.perf_counter()
        built = None if args.workspace else build_workspace(root, args)
        args.token = args.token or add_reader(root)
        build_s = round(time.perf_counter() - began, 1)
        record = run(root, args)
    _record(
        args,
        record
        | {
            "workspace": built or "given",
            "build_s": build_s,
            "load_average_before": load_before,
            "code": args.code or "",
            "before": before_of(args.before) if args.before else None,
        },
    )


def _command(args: argparse.Namespace) -> str:
    given = (
        " --workspace WORKSPACE"
        if args.workspace
        else (f" --vessels {args.vessels} --positions {args.positions} --events {args.events}")
    )
    return (
        f"python bench/api_latency.py{given} --clients {args.clients} --requests "
        f"{args.requests} --repeat {args.repeat} --pages {args.pages} --seed {args.seed}"
    )


def _record(args: argparse.Namespace, record: dict[str, Any]) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    record = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine,
        "command": _command(args),
        "target_p99_ms": TARGET_P99_MS,
        **record,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api_latency.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = _markdown(record, args)
    (RESULTS / "api_latency.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _markdown(record: dict[str, Any], args: argparse.Namespace) -> list[str]:
    loaded = [r for r in record["results"] if r["clients"] == args.clients]
    over = [f"{r['endpoint']} {r['p99_ms']} ms" for r in loaded if r["p99_ms"] >= TARGET_P99_MS]
    worst = max(loaded, key=lambda r: r["p99_ms"])
    verdict = (
        f"met by all {len(loaded)} (the slowest: {worst['endpoint']}, {worst['p99_ms']} ms)"
        if not over
        else "**not met** by " + ", ".join(over)
    )
    space = record["workspace"]
    held = (
        "a given workspace"
        if space == "given"
        else (
            f"{space['vessels']:,} vessels, {space['positions']:,} positions over one day, "
            f"{space['events']:,} events, a risk row per vessel (built in {record['build_s']} s)"
        )
    )
    lines = [
        "# REST API latency",
        "",
        f"{record['date']} — {record['machine']} — `{record['command']}`",
        "",
        f"Workspace: {held}. Server: uvicorn, one worker, in its own process (peak RSS "
        f"{record['server_peak_rss_mib']} MiB); clients: keep-alive HTTP/1.1 connections on "
        "asyncio streams in the bench process (a lean load generator, sending `Accept-Encoding: "
        "gzip` as browsers do and decoding gzip answers), on the same 2 cores. Load average "
        f"{record['load_average_before']} before, {record['load_average_after']} after. "
        "Latency at the client, request sent to body read; percentiles pool the "
        f"{args.repeat} runs.",
        "",
        f"Target: p99 < {TARGET_P99_MS:g} ms for every list route at {args.clients} clients: "
        f"{verdict}.",
        "",
        *_before_lines(record.get("before")),
        "| endpoint | clients | requests | p50 ms | p90 ms | p99 ms | p99 before ms | max ms "
        "| p99 per run | req/s | response | sent | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
        "| ---: | ---: | ---: | ---: |",
    ]
    earlier = (record.get("before") or {}).get("p99_ms", {})
    for r in sorted(record["results"], key=lambda r: (r["endpoint"], r["clients"])):
        lines.append(
            f"| {r['endpoint']} | {r['clients']} | {r['requests']} | {r['p50_ms']} | "
            f"{r['p90_ms']} | {r['p99_ms']} | {earlier.get(_slot(r), '')} | {r['max_ms']} | "
            f"{', '.join(map(str, r['p99_ms_per_run']))} | {r['requests_per_s']} | "
            f"{r['response_bytes_median'] / 1000:,.1f} kB | "
            f"{r['wire_bytes_median'] / 1000:,.1f} kB | {len(r['errors'])} |"
        )
    parts = record["layer_breakdown"]
    lines += [
        "",
        "Map layer, server-side work on one thread (medians, ms), all done once per data "
        f"version and kept: fleet snapshot build {parts['snapshot_build_ms']}, rows of the "
        f"layer {parts['rows_ms']}, JSON body {parts['json_body_ms']}, gzip "
        f"{parts['gzip_ms']}. Every other request is answered from the kept bytes.",
    ]
    return lines


def _slot(result: dict[str, Any]) -> str:
    return f"{result['endpoint']} @ {result['clients']}"


def before_of(path: Path) -> dict[str, Any]:
    """What a previous run (its JSON record) measured: its date, command, load and p99s."""
    earlier = json.loads(path.read_text())
    return {
        "date": earlier["date"],
        "command": earlier["command"],
        "code": earlier.get("code", "the code before"),
        "load_average": [earlier["load_average_before"], earlier["load_average_after"]],
        "p99_ms": {_slot(r): r["p99_ms"] for r in earlier["results"]},
    }


def _before_lines(before: dict[str, Any] | None) -> list[str]:
    if not before:
        return []
    load = before["load_average"]
    return [
        f"Before: {before['code']}, the same command on {before['date']} (load average "
        f"{load[0]} before, {load[1]} after): its p99 in the column `p99 before`.",
        "",
    ]


if __name__ == "__main__":
    main()
