"""The staff of the world's agencies and the audit trail of their reads: who they are (account,
agency, role, ports, time zone, job), the trail being written (`Trail`, one method per kind of
read) and the frames of the access layer's files. What each job reads in a day is in
`balise.sim.reading`; the layer is put together in `balise.sim.access`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from balise.sim.cargo import FRONT, INVESTIGATED, ROGUE_HAULIER, TERMINALS, Cargo, iso
from balise.sim.truth import TruthEvent

LIST_PAGE: Final = 50
"""Records on one page of a list."""
WORKDAY: Final = ((8.0, 12.0), (13.5, 17.5))
"""Local hours of the working day: morning and afternoon."""

SURNAMES: Final = (
    "Bernard", "Dubois", "Laurent", "Moreau", "Lefèvre", "Girard", "Jacques", "Marie-Sainte",
    "Louisy", "Bellance", "de Vries", "Jansen", "Bakker", "Visser", "Peeters", "Janssens",
    "Maes", "Willems", "Lambert", "Fontaine", "Rousseau", "Vincent", "Mercier", "Blanc",
)  # fmt: skip
"""Synthetic surnames for the staff's account names."""


@dataclass(frozen=True)
class Person:
    """A member of staff: account, agency, role, ports, time zone, job and address."""

    user: str
    agency: str
    role: str
    ports: tuple[str, ...]
    timezone: str
    job: str
    address: str


@dataclass
class AccessWorld:
    """The staff, their work, the audit trail and the cargo it is about."""

    staff: list[Person]
    cargo: Cargo
    work: list[tuple[str, str]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    truth: list[TruthEvent] = field(default_factory=list)
    insider: str = ""


JOBS: Final = (
    # job, agency, role, ports
    ("customs", "customs", "customs_officer", ("MQFDF",)),
    ("customs", "customs", "customs_officer", ("MQFDF",)),
    ("customs", "customs", "customs_officer", ("GPPTP",)),
    ("customs", "customs", "customs_officer", ("GPPTP",)),
    ("customs", "customs", "customs_officer", ("GPPTP",)),
    ("customs", "customs", "customs_officer", ("FRLEH",)),
    ("customs", "customs", "customs_officer", ("FRLEH",)),
    ("customs", "customs", "customs_officer", ("NLRTM",)),
    ("customs", "customs", "customs_officer", ("NLRTM",)),
    ("customs", "customs", "customs_officer", ("BEANR",)),
    ("customs", "customs", "customs_officer", ("BEANR",)),
    ("analyst", "customs", "analyst", ("MQFDF", "GPPTP", "FRLEH")),
    ("analyst", "police", "analyst", ("NLRTM",)),
    ("analyst", "customs", "analyst", ("BEANR",)),
    ("investigator", "police", "analyst", ("FRLEH",)),
    ("watch", "navy", "watch_officer", ("MQFDF", "GPPTP")),
    ("night_watch", "navy", "watch_officer", ("MQFDF", "GPPTP")),
    ("watch", "navy", "watch_officer", ("FRLEH",)),
    ("gate", "port_authority", "viewer", ("FRLEH",)),
    ("gate", "port_authority", "viewer", ("NLRTM",)),
    ("admin", "customs", "admin", ("FRLEH",)),
    ("security", "customs", "security_officer", ("FRLEH",)),
)  # fmt: skip
"""The staff: one customs officer at Pointe-à-Pitre is the insider (drawn from the three)."""


def hire(rng: np.random.Generator) -> tuple[list[Person], str]:
    """The staff of `JOBS` with synthetic account names, and the insider's account."""
    names = rng.permutation(len(SURNAMES))
    staff = []
    for i, (job, agency, role, ports) in enumerate(JOBS):
        surname = SURNAMES[int(names[i % len(SURNAMES)])].lower().replace(" ", "").replace("è", "e")
        initial = chr(97 + int(rng.integers(26)))
        user = f"{initial}.{surname}"
        zone = TERMINALS[ports[0]][0]
        staff.append(Person(user, agency, role, ports, zone, job, f"10.{20 + i}.{i}.{10 + i}"))
    candidates = [p for p in staff if p.job == "customs" and p.ports == ("GPPTP",)]
    return staff, candidates[int(rng.integers(len(candidates)))].user


def local_seconds(start: datetime, person: Person, day: date, hour: float) -> float:
    """World seconds of `hour` (local, fractional) on local `day` of `person`'s time zone."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(person.timezone))
    moment = (midnight + timedelta(hours=hour)).astimezone(UTC)
    return (moment - start).total_seconds()


class Trail:
    """The audit trail being written: one method per kind of read."""

    def __init__(self, world: AccessWorld, rng: np.random.Generator, start: datetime) -> None:
        self.world, self.rng, self.start = world, rng, start

    def read(self, who: Person, time_s: float, resource: str, records: list[str],
             count: int | None = None, address: str | None = None) -> None:  # fmt: skip
        """One read of `records` of `resource` (a look-up of one, or a list page)."""
        if not 0 <= time_s < self.world.cargo.end_s:
            return
        single = len(records) == 1 and count is None
        route = f"GET /api/v1/{resource}s" + ("/{id}" if single else "")
        self.world.log.append(
            {"time_s": time_s, "user": who.user, "agency": who.agency, "role": who.role,
             "address": address or who.address, "action": "read", "route": route,
             "resource": resource, "records": records,
             "count": len(records) if count is None else count}
        )  # fmt: skip

    def sign_in(self, who: Person, time_s: float, address: str | None = None) -> None:
        if 0 <= time_s < self.world.cargo.end_s:
            self.world.log.append(
                {"time_s": time_s, "user": who.user, "agency": who.agency, "role": who.role,
                 "address": address or who.address, "action": "sign_in",
                 "route": "POST /api/v1/session", "resource": "session", "records": [],
                 "count": 0}
            )  # fmt: skip

    def look_up(self, who: Person, time_s: float, box: dict[str, Any], release: bool,
                address: str | None = None) -> None:  # fmt: skip
        """A box's page, and its release a few seconds later when `release`."""
        self.read(who, time_s, "container", [box["number"]], address=address)
        if release:
            later = time_s + float(self.rng.uniform(5, 60))
            self.read(who, later, "release", [box["release_id"]], address=address)


def work_hours(rng: np.random.Generator, count: int, late: float = 0.0) -> list[float]:
    """`count` sorted local hours in the working day (the afternoon stretched by `late` h)."""
    (m0, m1), (a0, a1) = WORKDAY
    morning = rng.random(count) < (m1 - m0) / (m1 - m0 + a1 + late - a0)
    hours = np.where(morning, rng.uniform(m0, m1, count), rng.uniform(a0, a1 + late, count))
    return sorted(float(h) for h in hours)


class Vessels:
    """The vessels the staff read about (MMSIs of the world's fleet), drawn from a generator of
    their own: the rest of the layer does not depend on the fleet's size."""

    def __init__(self, mmsis: list[int], rng: np.random.Generator) -> None:
        self.pool = mmsis or list(range(227_000_000, 227_001_000))
        self.rng = rng

    def pick(self, count: int = 1) -> list[str]:
        return [str(self.pool[int(i)]) for i in self.rng.integers(len(self.pool), size=count)]


def frames(world: AccessWorld, start: datetime) -> dict[str, pl.DataFrame]:
    """The files of the access layer as frames: staff, work, access log (times as text)."""
    staff = pl.DataFrame(
        [{"user": p.user, "agency": p.agency, "role": p.role, "ports": ";".join(p.ports),
          "timezone": p.timezone} for p in world.staff]
    )  # fmt: skip
    work = pl.DataFrame(
        [{"user": u, "record": r} for u, r in sorted(set(world.work))],
        schema={"user": pl.String, "record": pl.String},
    )
    ordered = sorted(world.log, key=lambda r: (r["time_s"], r["user"], r["resource"]))
    log = pl.DataFrame(
        [{"time": iso(start, r["time_s"]), **{k: v for k, v in r.items() if k != "time_s"}}
         for r in ordered],
        schema={"time": pl.String, "user": pl.String, "agency": pl.String, "role": pl.String,
                "address": pl.String, "action": pl.String, "route": pl.String,
                "resource": pl.String, "records": pl.List(pl.String), "count": pl.Int64},
    )  # fmt: skip
    return {"staff": staff, "work": work, "access": log}


def insider_truth(who: Person, day: int, reads: list[float], boxes: list[dict[str, Any]],
                  moves: list[dict[str, Any]], evening: bool) -> TruthEvent:  # fmt: skip
    """The truth of one day of the insider: first read to the last stolen pickup."""
    return TruthEvent(
        "insider_lookup", "insider", min(reads), max(m["time_s"] for m in moves), None, None, None,
        subject=("user", who.user),
        related=tuple(
            [("container", b["number"]) for b in boxes]
            + [("release", b["release_id"]) for b in boxes]
            + [("company", FRONT), ("company", ROGUE_HAULIER)]
        ),
        evidence={
            "user": who.user, "day": day, "consignee": FRONT, "haulier": ROGUE_HAULIER,
            "containers": [b["number"] for b in boxes],
            "release_ids": [b["release_id"] for b in boxes],
            "gate_tx_ids": [m["gate_tx_id"] for m in moves], "evening": evening,
            "reads": len(reads), "investigated": INVESTIGATED,
        },
    )  # fmt: skip
