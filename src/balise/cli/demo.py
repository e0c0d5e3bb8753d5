"""`balise demo`: the main job on the embedded default, the demo world.

The demo world is the synthetic Atlantic and Caribbean world of a fixed seed and size (every
scenario staged, its truth written beside it). It is built into the workspace's `demo-world`
folder on first use (or when its spec changes), then its AIS is ingested and the pipeline of
`balise detect` runs (`balise.engine.pipeline`: the workspace's zones, watchlist and detection
settings apply); a second run reuses the world, stores nothing new and finds the same events.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Final

import polars as pl
import typer
from rich.console import Console

import balise.sim
from balise.cli.cargo import print_plan_summary, print_rates
from balise.cli.context import settings_for
from balise.cli.detect import report_other_stages, report_zone_problems
from balise.cli.ingest import print_summary, read_options
from balise.cli.output import print_table
from balise.cli.serve import run_server
from balise.cli.users import operator
from balise.engine.accounts import create_account, sign_in_link
from balise.engine.detect import default_geography
from balise.engine.dossier import with_flag
from balise.engine.ingest import Input, ingest_input
from balise.engine.ingest_records import ingest_records
from balise.engine.inspection import performance, plan_and_store
from balise.engine.inspection_candidates import last_record_day
from balise.engine.inspection_setup import inspection_setup
from balise.engine.lists import import_file, provenance
from balise.engine.pipeline import run_pipeline
from balise.errors import UsageError
from balise.model.record_batch import RecordKind
from balise.security.auth_params import auth_params
from balise.settings import Settings
from balise.sim.scanner import read_truth, scan, staged_finds
from balise.sim.world import FILES, WorldSpec, build_world, write_world
from balise.store.accounts import Account
from balise.store.base import INSPECTION_RESULT_SCHEMA, AlertFilter, Store
from balise.workspace import WATCHLIST_FILE, Workspace

DEMO_WORLD = WorldSpec(seed=7, vessels=200, days=7.0)
"""The demo world: a few hundred vessels over a week, with every scenario."""
SPEC_FILE = "spec.json"


@functools.cache
def simulator_version() -> str:
    """A digest of the simulator's source: a world built by another simulator is built again,
    since the same spec then gives other files."""
    digest = hashlib.sha256()
    for path in sorted(Path(balise.sim.__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _spec_text(spec: WorldSpec) -> str:
    return json.dumps({"seed": spec.seed, "vessels": spec.vessels, "days": spec.days,
                       "start": spec.start.isoformat(),
                       "simulator": simulator_version()})  # fmt: skip


def ensure_world(folder: Path, spec: WorldSpec = DEMO_WORLD) -> Path:
    """The demo world's folder, built unless it already holds a world of `spec`, built by this
    simulator, with every file the simulator writes."""
    stamp = folder / SPEC_FILE
    complete = all((folder / name).exists() for name in FILES.values())
    if stamp.exists() and stamp.read_text() == _spec_text(spec) and complete:
        return folder
    console = Console(stderr=True)
    console.print(f"building the world ({spec.vessels} vessels, {spec.days:g} days) "
                  f"in {folder}", highlight=False)  # fmt: skip
    write_world(build_world(spec), folder)
    stamp.write_text(_spec_text(spec))
    return folder


def _riskiest(vessels: pl.DataFrame, risk: pl.DataFrame | None, show: int) -> list[tuple[str, ...]]:
    """The `show` vessels of highest risk: MMSI, name, flag, score and band, first reason."""
    if risk is None or risk.is_empty():
        return []
    top = risk.sort("score", descending=True).head(show).join(vessels, on="mmsi", how="left")
    rows: list[tuple[str, ...]] = []
    for row in top.iter_rows(named=True):
        reasons = json.loads(row["reasons"] or "[]")
        first = reasons[0]["text"] if reasons else ""
        rows.append((str(row["mmsi"]), row["name"] or "", row["flag"] or "",
                     f"{row['score']:.0f} {row['band']}", first))  # fmt: skip
    return rows


DEMO_RECORDS: Final = (
    (RecordKind.STAFF, "staff"),
    (RecordKind.RELEASES, "releases"),
    (RecordKind.GATE, "gate"),
    (RecordKind.ACCESS_LOG, "access"),
    (RecordKind.WORK, "work"),
    (RecordKind.RADAR_SITES, "radars"),
    (RecordKind.RADAR, "radar"),
    (RecordKind.CLEARANCES, "clearances"),
    (RecordKind.CONTAINERS, "containers"),
    (RecordKind.MANIFESTS, "manifests"),
    (RecordKind.TELEMETRY, "telemetry"),
    (RecordKind.REGISTRY, "registry_entities"),
    (RecordKind.REGISTRY, "registry_links"),
)
"""The demo world's other records, ingested beside its AIS: port and access records for the
insider rules, radar sites and contacts, clearance declarations, cargo records, and the
company registry (who owns the fleet; the shell cluster behind the front company)."""


def _nmea_input(path: Path) -> Input:
    return Input(path.name, lambda: path.open("rb"), path.stat().st_size)


def demo(
    ctx: typer.Context,
    show: Annotated[int, typer.Option(min=0, help="Vessels to list after the ingest.")] = 10,
    serve: Annotated[
        bool, typer.Option(help="Then serve the workstation (web app and API) until Ctrl-C.")
    ] = True,
    host: Annotated[str, typer.Option(help="Interface to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to serve on.")] = 8000,
) -> None:
    """Build the demo world (once), ingest its AIS, detect events, score every vessel, show the
    vessels of highest risk, then serve the workstation at http://HOST:PORT/."""
    workspace, settings = settings_for(ctx)
    folder = ensure_world(workspace.demo_world_dir, DEMO_WORLD)
    options = read_options(settings)
    store = workspace.open_store(create=True)
    try:
        result = ingest_input(_nmea_input(folder / FILES["nmea"]), store, options)
        for kind, key in DEMO_RECORDS:
            ingest_records(kind, _nmea_input(folder / FILES[key]), store, options)
        list_vessels_of_interest(store, folder / WATCHLIST_FILE)
    finally:
        store.close()
    if not workspace.watchlist_path.exists():
        shutil.copyfile(folder / WATCHLIST_FILE, workspace.watchlist_path)
    done = run_pipeline(workspace, settings, geography=default_geography)
    report_zone_problems(workspace.zones_path, done.zone_problems)
    report_other_stages(done)
    report, assessment = done.detection, done.assessment
    store = workspace.open_store()
    try:
        vessels = with_flag(store.vessels())
        risk = store.table("vessel_risk")
        stored = store.events().group_by("type").len().sort("type")
        inbox = store.alert_counts(AlertFilter(states=("open",)))
    finally:
        store.close()
    print_summary(result)
    counts = [(kind, f"{count:,}") for kind, count in stored.iter_rows()]
    title = f"events ({report.mode} detection run, preset {done.preset}, {report.seconds:.0f} s)"
    print_table(title, counts, ("type", "count"))
    rows = _riskiest(vessels, risk, show)
    title = (
        f"{vessels.height:,} vessels in {workspace.root}: the {len(rows)} of highest risk "
        f"({assessment.tracked:,} tracked to their next port; `balise vessel MMSI` for a dossier)"
    )
    print_table(title, rows, ("mmsi", "name", "flag", "risk", "first reason"))
    show_inspection_plan(workspace, settings, folder)
    opened = int(inbox["count"].sum()) if inbox.height else 0
    Console(stderr=True).print(
        f"{opened:,} open alerts in the inbox; demo world and its ground truth: {folder} "
        "(see README.md there)",
        highlight=False,
    )
    if serve:
        link = demo_sign_in(workspace, settings, f"http://{host}:{port}")
        run_server(workspace.root, host, port, sign_in=link)


DEMO_LIST: Final = "vessels-of-interest"
"""The screening list the demo fills with its world's watchlist."""


def list_vessels_of_interest(store: Store, watchlist: Path) -> None:
    """The world's watchlist as the screening list `DEMO_LIST` (once): the pipeline screens the
    AIS against it (`list_match` events)."""
    if DEMO_LIST in store.lists()["name"].to_list():
        return
    store.create_list({"name": DEMO_LIST, "kind": "vessels_of_interest",
                       "description": "Vessels of interest shared by a partner agency",
                       "created_at": datetime.now(UTC), "created_by": "balise demo"})  # fmt: skip
    given = provenance("balise demo", source=watchlist.name, reason="vessel of interest")
    import_file(store, DEMO_LIST, watchlist, given)


DEMO_SITE: Final = "FRLEH"
"""The import port whose inspection plan the demo shows: Le Havre."""


def show_inspection_plan(workspace: Workspace, settings: Settings, world: Path) -> None:
    """Le Havre's inspection plan on the world's last day, stored as `balise cargo plan` stores
    it (seed 0, so that a second run plans the same), its summary printed; then the simulated
    scanner's results for its red boxes recorded (`record_scans`) and the hit rates shown."""
    try:
        setup = inspection_setup(settings.values, workspace.root)
    except UsageError as err:
        Console(stderr=True).print(f"no inspection plan: {err}", highlight=False)
        return
    site = setup.sites.get(DEMO_SITE)
    store = workspace.open_store()
    try:
        day = last_record_day(store)
        if site is None or day is None:
            return
        done = plan_and_store(store, setup, site, day, seed=0)
        scanned = record_scans(store, done.rows, read_truth(world / FILES["truth"]))
        rates = performance(store, site.site)
    finally:
        store.close()
    print_plan_summary(done, limit=8)
    found = sum(1 for _, hit, _ in scanned if hit)
    print_rates(
        f"{DEMO_SITE} {day}: the simulated scanner's results of the {len(scanned)} red boxes "
        f"({found} found, from the world's truth); hit rates over every stored plan",
        rates.overall,
    )
    Console(stderr=True).print(
        f"`balise cargo plan --site {DEMO_SITE} --date {day}` for the whole plan, "
        "`balise cargo result` to record what a scan found, `balise cargo performance` for "
        "the hit rates, `balise cargo train --results` to retrain on them",
        highlight=False,
    )


def record_scans(
    store: Store, plan: pl.DataFrame, truth: list[dict[str, Any]]
) -> list[tuple[str, bool, str | None]]:
    """Record, as `balise cargo result` does, what the simulated scanner finds in each red box
    of `plan` on its day (`balise.sim.scanner`: a find where the truth staged contraband or a
    fraud in the box); (box, found, what) of each."""
    red = plan.filter(pl.col("lane") == "red")
    scanned = scan(red["container_number"].to_list(), staged_finds(truth))
    if scanned:
        now = datetime.now(UTC)
        store.record_inspection_results(pl.DataFrame(
            {"container_number": [box for box, _, _ in scanned],
             "inspected_on": red["plan_date"], "found": [hit for _, hit, _ in scanned],
             "what": [what for _, _, what in scanned], "recorded_at": [now] * len(scanned),
             "recorded_by": [DEMO_SCANNER] * len(scanned)},
            schema=INSPECTION_RESULT_SCHEMA,
        ))  # fmt: skip
    return scanned


DEMO_SCANNER: Final = "demo scanner (simulated)"
"""Who records the demo's scan results."""


DEMO_ACCOUNT = Account("demo", ("admin", "security_officer", "analyst"), "customs",
                       "Demo account", ("FRFDF", "GPPTP"), "America/Martinique")  # fmt: skip
"""The local account `balise demo` signs its user in with: every role, so the whole
workstation (the audit view too) can be tried; a real deployment separates them."""


def demo_sign_in(workspace: Workspace, settings: Settings, base: str) -> str:
    """A one-time sign-in link for the demo account, created on first use."""
    actor = operator("demo")
    store = workspace.open_store()
    try:
        params = auth_params(settings.values)
        if store.account(DEMO_ACCOUNT.username) is None:
            create_account(store, actor, DEMO_ACCOUNT, None, params)
        secret = sign_in_link(store, actor, DEMO_ACCOUNT.username, params.link_minutes)
    finally:
        store.close()
    return f"{base}/api/v1/auth/link?token={secret}"
