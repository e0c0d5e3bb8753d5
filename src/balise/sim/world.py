"""`balise sim atlantic`: build the Atlantic and Caribbean world and write it in real formats.

Layers, each over the same hulls: the fleet (identities), the traffic (background plans), the
scenarios (staged behaviour and its truth), the transponders (what is transmitted), reception
(what is heard), radar (what is seen without AIS) and the writers; beside them the access layer
(`balise.sim.access`: containers, releases, gate, staff and their audit trail, one insider) and
the container layer (`balise.sim.containers`: the boxes the liners and feeders carry, their Track
& Trace events, manifests, smart-box telemetry and the cargo scenarios).
The world is written in time windows so memory stays bounded whatever the size; every random
draw comes from a generator seeded from the seed and the layer (and window), so the same
arguments give the same bytes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from balise.geo.landmask import LandMask
from balise.io.dma_writer import dma_rows
from balise.io.nmea_writer import write_nmea
from balise.model.broadcast import POSITION_REPORT_SCHEMA, STATIC_REPORT_SCHEMA
from balise.sim import documents, readme
from balise.sim.access import build_access, write_access
from balise.sim.calls import CallIndex
from balise.sim.containers import Containers, build_containers, write_containers
from balise.sim.fleet import IdentityFactory, make_hull, role_counts
from balise.sim.motion import Segments
from balise.sim.places import FAIRWAYS, RECEIVERS
from balise.sim.plan import HullPlan
from balise.sim.radar import RADAR_CONTACT_SCHEMA, near_any_site, radar_contacts, radar_sites
from balise.sim.reception import Coverage, Outages, glitch, receive
from balise.sim.registry import write_registry
from balise.sim.routes import SeaRoutes
from balise.sim.scenarios import Staging, stage_all
from balise.sim.staff import AccessWorld, Vessels
from balise.sim.traffic import PLANNERS, fishing, fishing_grounds
from balise.sim.transponder import Transponders, conform_reports, position_reports, static_reports
from balise.sim.truth import TruthEvent, truth_record

WINDOW_VESSEL_HOURS: Final = 10_000.0
"""Writing window in vessel-hours: bounds memory (5,000 ships: 2 h windows of ~4 M reports)."""


def window_s(vessels: int) -> float:
    """The writing window for a world of `vessels`: 1 to 24 hours."""
    return float(np.clip(WINDOW_VESSEL_HOURS / max(vessels, 1), 1, 24)) * 3600.0


LAYERS: Final = {
    "fleet": 1,
    "traffic": 2,
    "scenarios": 3,
    "transponders": 4,
    "reception": 5,
    "radar": 6,
    "documents": 7,
    "outages": 8,
    "access": 9,
    "containers": 10,
}
FILES: Final = {
    "nmea": "ais.nmea",
    "csv": "ais-dma.csv",
    "radar": "radar-contacts.csv",
    "radars": "radars.csv",
    "clearances": "clearances.csv",
    "watchlist": "watchlist.csv",
    "vessels": "vessels.csv",
    "staff": "staff.csv",
    "work": "work.csv",
    "releases": "releases.csv",
    "gate": "gate.csv",
    "access": "access-log.jsonl",
    "containers": "container-events.jsonl",
    "manifests": "manifests.csv",
    "telemetry": "telemetry.jsonl",
    "truth": "truth.jsonl",
    "registry_entities": "registry-entities.csv",
    "registry_links": "registry-links.csv",
    "readme": "README.md",
}


@dataclass(frozen=True)
class WorldSpec:
    """The arguments of a world: the same spec gives byte-identical files."""

    seed: int = 7
    vessels: int = 300
    days: float = 10.0
    start: datetime = datetime(2024, 3, 1, tzinfo=UTC)
    smart_share: float = 0.2
    """Share of the boxes that are smart containers (their devices report telemetry)."""

    @property
    def end_s(self) -> float:
        return self.days * 86_400.0

    def rng(self, layer: str, *extra: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, LAYERS[layer], *extra])


@dataclass
class World:
    spec: WorldSpec
    plans: list[HullPlan]
    truth: list[TruthEvent]
    stage: Staging
    access: AccessWorld
    counts: dict[str, int] = field(default_factory=dict)
    containers: Containers | None = None


@functools.cache
def geography() -> tuple[LandMask, SeaRoutes]:
    """The land mask and the memoised sea routes, shared by every world of the process: both
    are read-only and the same for every seed, and computing them is most of a small world's
    cost."""
    land = LandMask(FAIRWAYS)
    return land, SeaRoutes(land)


def build_world(spec: WorldSpec) -> World:
    """The fleet, its traffic and the staged scenarios, without writing anything."""
    land, routes = geography()
    factory = IdentityFactory(spec.rng("fleet"))
    rng = spec.rng("traffic")
    grounds = fishing_grounds(land)
    plans: list[HullPlan] = []
    for role, count in role_counts(spec.vessels).items():
        for _ in range(count):
            hull = make_hull(factory, len(plans), role)
            if role == "fishing":
                plans.append(fishing(hull, routes, rng, spec.end_s, grounds))
            else:
                plans.append(PLANNERS[role](hull, routes, rng, spec.end_s))
    stage = Staging(factory, routes, land, spec.rng("scenarios"), spec.end_s, len(plans))
    stage_all(stage)
    plans.extend(stage.plans)
    mmsis = sorted({p.hull.identity.mmsi for p in plans if p.statics and not p.scenario})
    vessels = Vessels(mmsis, spec.rng("access", 1))
    calls = CallIndex(plans)
    access = build_access(spec.rng("access"), spec.start, spec.days, vessels, calls)
    containers = build_containers(
        spec.rng("containers"), calls, access.cargo, land, spec.end_s, spec.smart_share
    )
    truth = [*_port_visits(plans, spec.end_s), *stage.truth, *access.truth, *containers.truth]
    return World(
        spec=spec, plans=plans, truth=truth, stage=stage, access=access, containers=containers
    )


def _port_visits(plans: list[HullPlan], end_s: float) -> list[TruthEvent]:
    """The port calls of the background traffic that overlap the window: port visit truth."""
    return [
        TruthEvent(
            "port_visit",
            "traffic",
            call.arrival_s,
            call.departure_s,
            call.lat,
            call.lon,
            plan.hull.identity.mmsi,
            evidence={"port": call.locode},
        )
        for plan in plans
        if not plan.scenario and plan.statics
        for call in plan.port_calls
        if call.departure_s > 0 and call.arrival_s < end_s
    ]


Progress = Callable[[float], None]


def write_world(world: World, out: Path, progress: Progress | None = None) -> dict[str, int]:
    """Write every file of the world into `out`; returns the number of records of each."""
    out.mkdir(parents=True, exist_ok=True)
    spec = world.spec
    segments = Segments.of([plan.track for plan in world.plans])
    transponders = Transponders.of(world.plans, spec.rng("transponders"))
    coverage = Coverage.of()
    outages = Outages.draw(len(RECEIVERS), spec.days, spec.rng("outages"))
    roles = [plan.hull.role for plan in world.plans]
    near = near_any_site(segments)
    start = np.datetime64(spec.start.replace(tzinfo=None), "us")
    counts = {"nmea_lines": 0, "csv_rows": 0, "radar_contacts": 0}
    last_statics = pl.DataFrame(schema=STATIC_REPORT_SCHEMA)
    radar_frames = []
    with (out / FILES["nmea"]).open("wb") as nmea, (out / FILES["csv"]).open("wb") as csv:
        step = window_s(len(world.plans))
        for index, window_start in enumerate(np.arange(0.0, spec.end_s, step)):
            window = (float(window_start), min(float(window_start) + step, spec.end_s))
            rng = spec.rng("reception", index)
            sent = glitch(position_reports(segments, transponders, window, rng), rng)
            positions = conform_reports(
                receive(sent, coverage, outages, rng), POSITION_REPORT_SCHEMA, start
            )
            statics = conform_reports(
                receive(static_reports(segments, transponders, window), coverage, outages, rng),
                STATIC_REPORT_SCHEMA,
                start,
            )
            counts["nmea_lines"] += write_nmea(positions, statics, nmea)
            known = pl.concat([last_statics, statics])
            rows = dma_rows(positions, known)
            rows.write_csv(csv, quote_style="never", include_header=index == 0)
            counts["csv_rows"] += rows.height
            last_statics = known.sort("timestamp").unique("mmsi", keep="last", maintain_order=True)
            radar_frames.append(
                radar_contacts(segments, near, roles, window, spec.rng("radar", index))
            )
            if progress:
                progress(window[1] / spec.end_s)
    radar = pl.concat(radar_frames)
    _complete_dark_targets(world, radar)
    counts["radar_contacts"] = _write_radar(radar, start, out / FILES["radar"])
    sites = radar_sites()
    sites.write_csv(out / FILES["radars"])
    counts["radar_sites"] = sites.height
    counts |= _write_documents(world, out)
    paths = {name: out / FILES[name] for name in ("staff", "work", "releases", "gate", "access")}
    counts |= write_access(world.access, spec.start, paths)
    if world.containers is not None:
        boxes = {name: out / FILES[name] for name in ("containers", "manifests", "telemetry")}
        counts |= write_containers(
            world.containers, spec.start, spec.end_s, boxes, spec.rng("containers", 1)
        )
    world.counts = counts
    readme.write(world, out / FILES["readme"])
    return counts


def _write_radar(radar: pl.DataFrame, start: np.datetime64, path: Path) -> int:
    """Radar contacts in time order, as CSV with ISO 8601 UTC times."""
    start_us = int(start.astype(np.int64))
    contacts = (
        radar.with_columns(
            time=(pl.col("t_s") * 1e6 + start_us).cast(pl.Int64).cast(pl.Datetime("us", "UTC"))
        )
        .select(list(RADAR_CONTACT_SCHEMA))
        .sort("time", "sensor_id", "lat", "lon")
    )
    contacts.with_columns(pl.col("time").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(path)
    return contacts.height


def _complete_dark_targets(world: World, radar: pl.DataFrame) -> None:
    """Give each dark target's truth the span and position of its radar contacts, or drop it."""
    kept = []
    for event in world.truth:
        if event.type != "dark_target":
            kept.append(event)
            continue
        seen = radar.filter(pl.col("hull") == world.plans.index(_hull_plan(world, event))).sort(
            "t_s"
        )
        if seen.height:
            first = seen.row(0, named=True)
            kept.append(
                TruthEvent(
                    event.type,
                    event.scenario,
                    first["t_s"],
                    float(seen["t_s"].to_numpy().max()),
                    first["lat"],
                    first["lon"],
                    None,
                    evidence={
                        **event.evidence,
                        "contacts": seen.height,
                        "sensor": first["sensor_id"],
                    },
                )
            )
    world.truth = kept


def _hull_plan(world: World, event: TruthEvent) -> HullPlan:
    hull_id = event.evidence["hull"]
    return next(plan for plan in world.plans if plan.hull.hull_id == hull_id)


def _write_documents(world: World, out: Path) -> dict[str, int]:
    spec, stage = world.spec, world.stage
    rng = spec.rng("documents")
    declared = documents.clearances(
        world.plans, stage.undeclared_arrivals, spec.start, spec.end_s, rng, stage.declarations
    )
    declared.write_csv(out / FILES["clearances"])
    listed = documents.watchlist(stage.watchlist, stage.factory, spec.start)
    listed.write_csv(out / FILES["watchlist"])
    roster = documents.roster(world.plans)
    roster.write_csv(out / FILES["vessels"])
    registry_records = write_registry(
        roster, spec.start, out / FILES["registry_entities"], out / FILES["registry_links"]
    )
    records = sorted(
        (truth_record(e, spec.start, spec.seed) for e in world.truth),
        key=lambda r: (r["start"], r["type"], r["id"]),
    )
    with (out / FILES["truth"]).open("w") as truth:
        for record in records:
            truth.write(json.dumps(record, sort_keys=False) + "\n")
    return {"clearances": declared.height, "watchlist": listed.height, "truth_events": len(records),
            "registry_records": registry_records}  # fmt: skip
