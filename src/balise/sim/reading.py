"""What each job reads in a day (local time, in the person's time zone), and the insider's days.

Counts are Poisson draws around a day's usual work; the hard negatives of `balise.sim.access`
are drawn here: busy days (2.5 times the reads), arrival rushes (8 to 24 look-ups of one
terminal in a few minutes), late evenings, curious look-ups at other ports, the night watch,
the investigator's consignee, the security officer's deep dives into the audit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Final, TypeVar

import numpy as np

from balise.sim.cargo import FRONT, INVESTIGATED, ROGUE_HAULIER, TERMINALS
from balise.sim.staff import (
    LIST_PAGE,
    Person,
    Trail,
    Vessels,
    insider_truth,
    local_seconds,
    work_hours,
)

T = TypeVar("T")

HOME_ADDRESS: Final = "198.51.100.{}"
"""The insider's evening reads come from home (an RFC 5737 documentation address)."""


class Day:
    """One person's local day: its bounds in world seconds and a clock for local hours."""

    def __init__(self, trail: Trail, who: Person, day: date) -> None:
        self.trail, self.who, self.day = trail, who, day
        self.since_s = local_seconds(trail.start, who, day, 0.0)
        self.until_s = local_seconds(trail.start, who, day, 24.0)

    def at(self, hour: float) -> float:
        return local_seconds(self.trail.start, self.who, self.day, hour)

    def pick(self, pool: list[T]) -> T:
        """One of `pool`, drawn."""
        return pool[int(self.trail.rng.integers(len(pool)))]


def customs(day: Day, queue: list[dict[str, Any]], vessels: Vessels) -> None:
    """A customs officer: boxes at their port (their queue among them), list pages, an arrival
    rush now and then, a busy day, a late evening, a stray look-up at another port."""
    trail, who, rng = day.trail, day.who, day.trail.rng
    pool = trail.world.cargo.present(who.ports[0], day.since_s, day.until_s)
    if not pool:
        return
    busy = 2.5 if rng.random() < 0.1 else 1.0
    hours = work_hours(rng, int(rng.poisson(22 * busy)), late=2.5 if rng.random() < 0.15 else 0)
    trail.sign_in(who, day.at(WORK_START) - 120)
    for hour in hours:
        trail.look_up(who, day.at(hour), day.pick(pool), rng.random() < 0.4)
    for box in queue:
        if rng.random() < 0.5 and box["issued_s"] < day.until_s:
            trail.look_up(who, day.at(work_hours(rng, 1)[0]), box, True)
    for hour in work_hours(rng, int(rng.poisson(2))):
        page = [day.pick(pool)["number"] for _ in range(min(LIST_PAGE, len(pool)))]
        trail.read(who, day.at(hour), "container", page, count=len(page))
    if rng.random() < 0.15:
        _rush(day, pool)
    elsewhere = trail.world.cargo.present(None, day.since_s, day.until_s)
    for hour in work_hours(rng, int(rng.poisson(0.6))):
        trail.look_up(who, day.at(hour), day.pick(elsewhere), False)


WORK_START: Final = 8.0


def _rush(day: Day, pool: list[dict[str, Any]]) -> None:
    """A ship's boxes checked one after the other on arrival: 8 to 24 look-ups in minutes."""
    rng = day.trail.rng
    count = int(rng.integers(8, 25))
    begin = day.at(work_hours(rng, 1)[0])
    minutes = float(rng.uniform(6, 12))
    for offset in np.sort(rng.uniform(0, minutes * 60, count)):
        day.trail.look_up(day.who, begin + float(offset), day.pick(pool), False)


def analyst(day: Day, work: dict[str, list[Any]], vessels: Vessels) -> None:
    """An analyst: their alerts, the vessels and boxes of their alerts, boxes at their ports."""
    trail, who, rng = day.trail, day.who, day.trail.rng
    hours = work_hours(rng, int(rng.poisson(25)))
    if hours:
        trail.sign_in(who, day.at(hours[0]) - 60)
    own = [b for port in who.ports
           for b in trail.world.cargo.present(port, day.since_s, day.until_s)]  # fmt: skip
    for hour in hours:
        draw = rng.random()
        if draw < 0.4:
            trail.read(who, day.at(hour), "alert", [day.pick(work["alerts"])])
        elif draw < 0.7:
            trail.read(who, day.at(hour), "vessel", [day.pick(work["vessels"])])
        else:
            boxes = work["boxes"] if rng.random() < 0.5 or not own else own
            trail.look_up(who, day.at(hour), day.pick(boxes), rng.random() < 0.3)
    for hour in work_hours(rng, int(rng.poisson(3))):
        trail.read(who, day.at(hour), "alert", work["alerts"] * 5, count=LIST_PAGE)


def investigator(day: Day, work: dict[str, list[Any]], vessels: Vessels) -> None:
    """An analyst on a case about a consignee: its boxes in every port, and the case's vessels."""
    trail, who, rng = day.trail, day.who, day.trail.rng
    boxes = [b for b in trail.world.cargo.boxes
             if b["consignee"] == INVESTIGATED and b["issued_s"] < day.until_s]  # fmt: skip
    hours = work_hours(rng, int(rng.integers(6, 15)) + int(rng.poisson(8)))
    if hours:
        trail.sign_in(who, day.at(hours[0]) - 60)
    for hour in hours:
        if boxes and rng.random() < 0.6:
            trail.look_up(who, day.at(hour), day.pick(boxes), rng.random() < 0.5)
        else:
            trail.read(who, day.at(hour), "vessel", vessels.pick())


def watch(day: Day, work: dict[str, list[Any]], vessels: Vessels) -> None:
    """A watch officer on days: vessels and alerts."""
    _watch(day, work, vessels, work_hours(day.trail.rng, int(day.trail.rng.poisson(30))))


def night_watch(day: Day, work: dict[str, list[Any]], vessels: Vessels) -> None:
    """A watch officer on nights, five nights a week (21:00 to 07:00 local)."""
    rng = day.trail.rng
    if day.day.toordinal() % 7 in (2, 3):
        return
    count = int(rng.poisson(25))
    _watch(day, work, vessels, sorted(float(h) for h in rng.uniform(21, 31, count)))


def _watch(day: Day, work: dict[str, list[Any]], vessels: Vessels, hours: list[float]) -> None:
    trail, who, rng = day.trail, day.who, day.trail.rng
    if hours:
        trail.sign_in(who, day.at(hours[0]) - 60)
    for hour in hours:
        if rng.random() < 0.65:
            trail.read(who, day.at(hour), "vessel", vessels.pick())
        else:
            trail.read(who, day.at(hour), "alert", [day.pick(work["alerts"])])


def gate_staff(day: Day, work: dict[str, list[Any]], vessels: Vessels) -> None:
    """Port authority staff: the gate transactions of their port's terminals."""
    trail, who, rng = day.trail, day.who, day.trail.rng
    moves = [g for g in trail.world.cargo.gate
             if g["terminal"].startswith(who.ports[0])
             and day.since_s - 86_400 <= g["time_s"] < day.until_s]  # fmt: skip
    if not moves:
        return
    for hour in work_hours(rng, int(rng.poisson(12))):
        trail.read(who, day.at(hour), "gate", [day.pick(moves)["gate_tx_id"]])
    for hour in work_hours(rng, int(rng.poisson(3))):
        page = [m["gate_tx_id"] for m in moves[:LIST_PAGE]]
        trail.read(who, day.at(hour), "gate", page, count=len(page))


def admin(day: Day, work: dict[str, list[Any]], vessels: Vessels) -> None:
    """The administrator: accounts, one by one and as a list."""
    trail, who, rng = day.trail, day.who, day.trail.rng
    accounts = [p.user for p in trail.world.staff]
    for hour in work_hours(rng, int(rng.poisson(6))):
        trail.read(who, day.at(hour), "user", [accounts[int(rng.integers(len(accounts)))]])
    trail.read(who, day.at(work_hours(rng, 1)[0]), "user", accounts, count=len(accounts))


def security(day: Day, work: dict[str, list[Any]], vessels: Vessels) -> None:
    """The security officer: pages of the audit, and on some days a deep dive of dozens."""
    trail, who, rng = day.trail, day.who, day.trail.rng
    pages = int(rng.poisson(8)) + (int(rng.integers(30, 60)) if rng.random() < 0.2 else 0)
    begin = work_hours(rng, 1)[0]
    for i in range(pages):
        records = [f"AUD-{day.day.toordinal()}-{i}-{j}" for j in range(100)]
        trail.read(who, day.at(begin) + 40.0 * i, "audit", records, count=100)


JOB_DAYS: Final[dict[str, Callable[[Day, Any, Vessels], None]]] = {
    "analyst": analyst, "investigator": investigator, "watch": watch,
    "night_watch": night_watch, "gate": gate_staff, "admin": admin, "security": security,
}  # fmt: skip
"""The day of each job but customs (which takes the officer's queue)."""


def insider_day(day: Day, index: int, evening: bool) -> None:
    """One day of the insider: the releases of 2-4 of the front company's boxes at another
    port's terminal, and a look around its other boxes; then the network's pickups."""
    trail, who, rng = day.trail, day.who, day.trail.rng
    cargo = trail.world.cargo
    foreign = [f"{c}-{t}" for c, (_, codes, _) in TERMINALS.items() if c not in who.ports
               for t in codes]  # fmt: skip
    served = [t for t in foreign if cargo.discharging_call(t[:5], day.since_s - 4 * 3600)]
    foreign = served or foreign  # boxes come off a ship that called there, when one did
    terminal = foreign[int(rng.integers(len(foreign)))]
    call = cargo.discharging_call(terminal[:5], day.since_s - 4 * 3600)
    targets = []
    for _ in range(int(rng.integers(2, 5))):
        discharged_s = day.since_s - float(rng.uniform(4, 30)) * 3600
        box = cargo.add_import(terminal, FRONT, discharged_s, call=call)
        box["status_at_s"] = box["issued_s"] + float(rng.uniform(1, 4)) * 3600
        targets.append(box)
    begin = float(rng.uniform(20, 22.5)) if evening else work_hours(rng, 1)[0]
    address = HOME_ADDRESS.format(int(rng.integers(2, 250))) if evening else None
    time_s = day.at(begin)
    if evening:
        trail.sign_in(who, time_s - 60, address)
    others = [b for b in cargo.boxes if b["consignee"] == FRONT and b not in targets
              and b["issued_s"] < time_s]  # fmt: skip
    browsed = [others[int(i)] for i in rng.permutation(len(others))[: int(rng.integers(1, 4))]]
    reads = []
    for box in [*targets, *browsed]:
        time_s += float(rng.uniform(2, 12)) * 60
        reads.append(time_s)
        trail.look_up(who, time_s, box, box in targets, address)
    moves = _stolen(trail, targets, max(reads))
    if moves:
        trail.world.truth.append(insider_truth(who, index, reads, targets, moves, evening))


STOLEN_PICKUP_H: Final = (1.0, 6.0)
"""The network's truck comes this many hours after the insider's last read (or half an hour
after customs cleared the box, when that is later)."""
RIGHTFUL_BACK_H: Final = (1.0, 5.0)
"""The rightful haulier comes to its booked slot this many hours after the network's truck,
which collects just ahead of it (the insider reads the slot with the reference; Europol,
"Criminal networks in EU ports", 2023: the box is gone when the rightful haulier arrives), and
is turned away with the same release."""


def _stolen(trail: Trail, targets: list[dict[str, Any]], after_s: float) -> list[dict[str, Any]]:
    """The network's pickups with the stolen references, then the rightful haulier turned away
    with the same release at its slot a few hours later: the records of every theft hold the
    pickup by a haulier on no release and the rejected attempt that proves it (an insider's day
    ends `PICKUP_MARGIN_S` before the world, enough for both but when customs clear a box late)."""
    rng, cargo = trail.rng, trail.world.cargo
    moves = []
    for box in targets:
        time_s = max(after_s + float(rng.uniform(*STOLEN_PICKUP_H)) * 3600,
                     box["status_at_s"] + 1800)  # fmt: skip
        move = cargo.pickup(box, time_s, ROGUE_HAULIER)
        if move is not None:
            moves.append(move)
            back_s = time_s + float(rng.uniform(*RIGHTFUL_BACK_H)) * 3600
            move["rightful_back_s"] = back_s  # for the truth: the theft is provable from then
            cargo.pickup(box, back_s, box["haulier"], "rejected")
    return moves
