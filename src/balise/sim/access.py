"""The access layer of the world: containers at the terminals with their releases and gate
transactions, the staff who read them, their work, and the audit trail of their reads, with one
insider among about twenty honest people.

Honest staff do their jobs (`balise.sim.reading`): customs officers read the boxes of their
port and their inspection queue, analysts their alerts and the boxes and vessels of their
alerts, watch officers vessels and alerts (one of them on nights), port authority staff the
gate, an administrator the accounts, the security officer the audit. The hard cases a detector
must leave alone are among them: busy days, arrival rushes, evenings finished late, curious
look-ups, the night shift, an analyst whose case is a consignee and who reads its boxes in every
port, honest pickups rejected at the gate or made by a subcontractor.

The insider is a customs officer at Pointe-à-Pitre who, on about one weekday in two, reads the
release references of the front company's boxes at another port's terminal (sometimes in the
evening, from home) and looks at its other boxes; hours later the network's haulier collects
each box with the stolen reference, and the rightful haulier is turned away at the gate. Each
such day is an `insider_lookup` truth event about the user, from the first read to the last
stolen pickup.

Files: `staff.csv`, `work.csv`, `releases.csv`, `gate.csv` and `access-log.jsonl`, times in
ISO 8601 UTC (`Z`). The layer draws from its own generator, so it changes no other file.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from balise.sim.calls import CallIndex
from balise.sim.cargo import INVESTIGATED, build_cargo, gate_frame, release_frame
from balise.sim.reading import JOB_DAYS, Day, customs, insider_day
from balise.sim.staff import AccessWorld, Person, Trail, Vessels, frames, hire

INSIDER_SHARE = 0.5
"""Share of the insider's possible weekdays on which they read for the network."""
PICKUP_MARGIN_S = 12 * 3600
"""An insider day ends at least this long before the world does, so that its pickups happen."""


def build_access(
    rng: np.random.Generator,
    start: datetime,
    days: float,
    vessels: Vessels,
    calls: CallIndex | None = None,
) -> AccessWorld:
    """The access layer of a world of `days` from `start`, drawn from `rng`; `vessels` are the
    vessels the staff read about, `calls` the container ship calls that discharge the boxes."""
    cargo = build_cargo(rng, days, calls)
    staff, insider = hire(rng)
    world = AccessWorld(staff, cargo, insider=insider)
    trail = Trail(world, rng, start)
    work = {person.user: _assign(world, person, rng, vessels) for person in staff}
    plotted = _insider_days(trail, next(p for p in staff if p.user == insider))
    for offset in range(math.ceil(days) + 1):
        for person in staff:
            day = Day(trail, person, _local_start(start, person) + timedelta(days=offset))
            if day.until_s <= 0:
                continue
            if person.user == insider and offset in plotted:
                insider_day(day, offset, plotted[offset])
            _work_day(day, work[person.user], vessels)
    return world


def _local_start(start: datetime, person: Person) -> date:
    return start.astimezone(ZoneInfo(person.timezone)).date()


def _work_day(day: Day, work: dict[str, list[Any]], vessels: Vessels) -> None:
    """The person's ordinary day: nothing at the weekend but for the night watch."""
    weekend = day.day.isoweekday() >= 6
    if day.who.job == "night_watch":
        JOB_DAYS["night_watch"](day, work, vessels)
    elif not weekend and day.who.job == "customs":
        customs(day, work["boxes"], vessels)
    elif not weekend:
        JOB_DAYS[day.who.job](day, work, vessels)


def _insider_days(trail: Trail, insider: Person) -> dict[int, bool]:
    """The days (offsets from the world's first local day) the insider reads for the network,
    each with whether it is an evening from home: weekdays whose stolen pickups fall inside the
    world, about `INSIDER_SHARE` of them (at least one), at least one evening when two or more."""
    rng = trail.rng
    first = _local_start(trail.start, insider)
    end_s = trail.world.cargo.end_s
    possible = []
    for offset in range(math.ceil(end_s / 86_400) + 1):
        day = Day(trail, insider, first + timedelta(days=offset))
        if day.until_s + PICKUP_MARGIN_S > end_s:
            break
        if day.day.isoweekday() < 6 and day.at(8.0) >= 0:
            possible.append(offset)
    if not possible:
        return {}
    count = max(1, round(INSIDER_SHARE * len(possible)))
    chosen = sorted(int(o) for o in rng.choice(possible, size=count, replace=False))
    evenings = rng.random(count) < 0.4
    if count >= 2 and not evenings.any():
        evenings[int(rng.integers(count))] = True
    return {offset: bool(evening) for offset, evening in zip(chosen, evenings, strict=True)}


def _assign(
    world: AccessWorld, person: Person, rng: np.random.Generator, vessels: Vessels
) -> dict[str, list[Any]]:
    """The person's work, recorded in `world.work`: a customs officer's inspection queue, an
    analyst's alerts (their boxes and vessels), the investigator's case (a consignee)."""
    boxes = world.cargo.boxes
    own = [b for b in boxes if b["port"] in person.ports]
    work: dict[str, list[Any]] = {"boxes": [], "alerts": [], "vessels": []}
    if person.job == "customs" and own:
        work["boxes"] = [own[int(i)] for i in rng.choice(len(own), min(4, len(own)), False)]
    if person.job in ("analyst", "investigator", "watch", "night_watch"):
        work["alerts"] = [f"AL-{int(v):06d}" for v in rng.integers(0, 10**6, 6)]
        work["vessels"] = vessels.pick(6)
    if person.job == "analyst" and boxes:
        picks = [own[int(i)] for i in rng.integers(0, len(own), 4)] if own else []
        picks += [boxes[int(i)] for i in rng.integers(0, len(boxes), 2)]
        work["boxes"] = picks
    world.work += [(person.user, b["number"]) for b in work["boxes"]]
    world.work += [(person.user, a) for a in work["alerts"] + work["vessels"]]
    if person.job == "investigator":
        world.work += [(person.user, INVESTIGATED), (person.user, "CASE-2024-017")]
    return work


def access_frames(world: AccessWorld, start: datetime) -> dict[str, pl.DataFrame]:
    """Every file of the access layer as a frame of text columns (the access log's records a
    list): staff, work, releases, gate, access."""
    return {
        **frames(world, start),
        "releases": release_frame(world.cargo, start),
        "gate": gate_frame(world.cargo, start),
    }


def write_access(world: AccessWorld, start: datetime, paths: dict[str, Path]) -> dict[str, int]:
    """Write the access layer's files to `paths` (keys of `access_frames`); returns counts."""
    written = access_frames(world, start)
    for name, frame in written.items():
        if name == "access":
            frame.write_ndjson(paths[name])
        else:
            frame.write_csv(paths[name])
    return {
        "staff": written["staff"].height,
        "releases": written["releases"].height,
        "gate_transactions": written["gate"].height,
        "access_log_entries": written["access"].height,
    }
