"""Cargo scenarios staged among the world's ordinary boxes, with their truth.

Each truth event is about a container (subject kind `container`, id its number) and carries the
type of the detector meant to find it:

- `shell_game`: a laden box from Guayaquil or Santos (or one whose chain starts at a hub, origin
  hidden) transshipped through Caribbean or West African hubs with an unusual dwell, its bill of
  lading replaced at a hub, discharged in Europe;
- `release_fraud`: the access layer's insider passes release references on and the network's
  haulier, on no release, collects the box first (`balise.sim.reading`);
- `container_clone`: a second box under the same number gated in at another port hours later;
- `door_opened`: a smart box opened at its terminal after discharge and before release (rip-off,
  resealed with another seal), or at sea near a coast far from ports;
- `reefer_anomaly` (with its `door_opened`): a smart reefer opened, the temperature jumps and
  light comes in;
- `box_off_vessel`: a smart box's device leaves its ship at sea towards the coast;
- `unexpected_stop`: a truck stops for hours off its way to the consignee.

Benign look-alikes stay in the ordinary trade: transshipments at hubs with ordinary dwell, customs
inspections that open the door (with an `INSPECTED` event), stuffing and stripping, pickups by a
subcontracted haulier (`balise.sim.cargo`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from balise.geo.landmask import LandMask
from balise.sim.boxes import (
    HOUR_S,
    Box,
    Door,
    Leg,
    Packer,
    attach_release,
    leg,
    road_hours,
)
from balise.sim.calls import CallIndex, VesselCall
from balise.sim.cargo import INVESTIGATED, ROGUE_HAULIER, TERMINALS, Cargo
from balise.sim.motion import haversine_nm, offset
from balise.sim.places import PORTS, port
from balise.sim.truth import TruthEvent

SHELL_HUBS: Final = ("JMKIN", "DOCAU", "BSFPO", "TTPOS", "TGLFW", "CIABJ", "SNDKR", "CVRAI")
"""Caribbean and West African hubs a shell game routes boxes through."""
EUROPE: Final = tuple(p.locode for p in PORTS if p.role == "europe")
SHELL_ORIGINS: Final = ("ECGYE", "BRSSZ", "ECPSJ")
DEPARTURES: Final = tuple(p.locode for p in PORTS if p.role == "departure")
DESTINATIONS: Final = (*EUROPE, "MQFDF", "GPPTP", "GFDDC")
UNUSUAL_DWELL_H: Final = 96.0
"""A shell game's box waits at least this long at a hub (ordinary transshipment: 12-96 h)."""
CLONE_PORTS: Final = ("COCTG", "PAMIT", "ECGYE", "BRSSZ", "DOCAU", "JMKIN", "COSMR", "TGLFW")


def _proof(move: dict[str, Any], end_s: float) -> dict[str, Any]:
    """When a release theft becomes provable: the rightful haulier, turned away at the gate,
    comes a few hours after the thief (`balise.sim.reading.RIGHTFUL_BACK_H`). Before that the
    records show only a pickup by a haulier on no release, which an honest subcontractor can
    make too. `provable_in_data` is False when that attempt falls after the world's end (the
    records hold no proof yet: only when customs cleared the box too late in the world)."""
    back_s = move.get("rightful_back_s")
    if back_s is None:
        return {}
    return {
        "rightful_haulier_after_h": round((back_s - move["time_s"]) / HOUR_S, 1),
        "provable_in_data": bool(back_s < end_s),
    }


@dataclass
class Yard:
    """What the cargo scenarios share: the boxes, the calls, the access layer's cargo."""

    packer: Packer
    calls: CallIndex
    cargo: Cargo
    land: LandMask
    end_s: float
    boxes: list[Box]
    truth: list[TruthEvent] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    @property
    def rng(self) -> np.random.Generator:
        return self.packer.rng

    def take(self, candidates: list[Box]) -> Box | None:
        """One of `candidates` not yet used by a scenario."""
        free = [b for b in candidates if b.number not in self.used and not b.scenario]
        if not free:
            return None
        box = free[int(self.rng.integers(len(free)))]
        self.used.add(box.number)
        return box

    def record(
        self,
        kind: str,
        scenario: str,
        box: Box,
        start_s: float,
        end_s: float,
        at: tuple[float, float],
        vessel: int | None = None,
        **evidence: Any,
    ) -> None:
        box.scenario = box.scenario or scenario
        self.truth.append(
            TruthEvent(
                kind,
                scenario,
                start_s,
                end_s,
                at[0],
                at[1],
                None,
                evidence={"container": box.number, **evidence},
                subject=("container", box.number),
                related=(("vessel", str(vessel)),) if vessel is not None else (),
            )
        )

    def release_fraud(self) -> None:
        """A `release_fraud` truth per box the network's haulier collected (the insider's), with
        when its proof comes (`_proof`)."""
        for move in self.cargo.gate:
            if move["haulier"] != ROGUE_HAULIER or move["result"] != "accepted":
                continue
            box = next(b for b in self.cargo.boxes if b["number"] == move["number"])
            here = port(box["port"])
            self.truth.append(
                TruthEvent(
                    "release_fraud",
                    "release_theft",
                    move["time_s"],
                    move["time_s"],
                    here.lat,
                    here.lon,
                    None,
                    subject=("container", box["number"]),
                    related=(("release", box["release_id"]), ("company", ROGUE_HAULIER)),
                    evidence={
                        "container": box["number"],
                        "release_id": box["release_id"],
                        "gate_tx_id": move["gate_tx_id"],
                        "haulier": ROGUE_HAULIER,
                        "authorised_haulier": box["haulier"],
                        **_proof(move, self.cargo.end_s),
                    },
                )
            )

    def in_window(self, time_s: float, low: float = 0.05, high: float = 0.95) -> bool:
        return low * self.end_s <= time_s < high * self.end_s


def _onward(
    yard: Yard,
    hub: VesselCall,
    after_s: float,
    min_dwell_h: float,
    ends: tuple[str, ...],
    latest: bool = True,
) -> list[VesselCall] | None:
    """The ship leaving `hub`'s port latest (earliest unless `latest`), but `min_dwell_h` after
    `after_s`, for one of `ends` before the window's end: its call at the hub and at the end."""
    best: list[VesselCall] | None = None
    for call in yard.calls.at(hub.locode, -np.inf, yard.end_s):
        if call.plan == hub.plan or call.departure_s - HOUR_S < after_s + min_dwell_h * HOUR_S:
            continue
        for onward in yard.calls.later(call, 5):
            if (
                onward.locode in ends
                and onward.locode != hub.locode
                and (onward.arrival_s < yard.end_s - 6 * HOUR_S)
            ):
                if best is None or (call.departure_s > best[0].departure_s) == latest:
                    best = [call, onward]
                break
    return best


def shell_game(yard: Yard, hidden: bool) -> None:
    """A box through hubs with an unusual dwell and a new bill of lading, to Europe or the
    French Caribbean (from Guayaquil or Santos when a ship calls there, else another departure
    port); with its origin hidden, a box gated in at a hub months ago."""
    if not hidden:
        for origins, dwell_h in ((SHELL_ORIGINS, UNUSUAL_DWELL_H), (DEPARTURES, 48.0)):
            legs = _via_hub(yard, origins, dwell_h)
            if legs is not None:
                _ship_shell(yard, legs, hidden)
                return
    for hub in SHELL_HUBS:
        for call in yard.calls.by_port.get(hub, []):
            ends = [
                c
                for c in yard.calls.later(call, 5)
                if c.locode in DESTINATIONS and 0 < c.arrival_s < yard.end_s - 6 * HOUR_S
            ]
            if ends:
                _ship_shell(yard, [leg(yard.rng, call, ends[0])], True)
                return


def _via_hub(yard: Yard, origins: tuple[str, ...], dwell_h: float) -> list[Leg] | None:
    """A leg from one of `origins` to a shell hub, then a ship on from the hub after `dwell_h`
    or more, discharging inside the window."""
    calls = yard.calls
    for origin in origins:
        for call in calls.by_port.get(origin, []):
            hub = next((c for c in calls.later(call, 5) if c.locode in SHELL_HUBS), None)
            if hub is None:
                continue
            first = leg(yard.rng, call, hub)
            onward = _onward(yard, hub, first.discharged_s, dwell_h, DESTINATIONS)
            if onward is not None and onward[1].arrival_s > 0:
                waited = first.discharged_s + (dwell_h - 1) * HOUR_S
                return [first, leg(yard.rng, onward[0], onward[1], waited)]
            between = _onward(yard, hub, first.discharged_s, dwell_h, SHELL_HUBS, latest=False)
            if between is None:
                continue
            second = leg(
                yard.rng, between[0], between[1], first.discharged_s + (dwell_h - 1) * HOUR_S
            )
            onward = _onward(yard, between[1], second.discharged_s, 24.0, DESTINATIONS)
            if onward is not None and onward[1].arrival_s > 0:
                waited = second.discharged_s + 23 * HOUR_S
                return [first, second, leg(yard.rng, onward[0], onward[1], waited)]
    return None


def _ship_shell(yard: Yard, legs: list[Leg], hidden: bool) -> None:
    rng = yard.rng
    final = legs[-1].discharge
    box = yard.packer.box(legs, consignee=INVESTIGATED)
    old = box.bill_of_lading
    box.bill_of_lading = f"{box.number[:3]}BL{int(rng.integers(10**7, 10**8))}"
    if hidden:
        box.stuffed_s = None
        box.gate_in_s = legs[0].loaded_s - float(rng.uniform(40, 120)) * 86_400
        replaced_s = legs[0].loaded_s - float(rng.uniform(1, 3)) * 86_400
    else:
        # re-documented at the first hub, before the onward leg loads (a short dwell there
        # leaves less than the usual 1-3 days)
        replaced_s = legs[0].discharged_s + float(rng.uniform(1, 3)) * 86_400
        if len(legs) > 1:
            replaced_s = min(replaced_s, (legs[0].discharged_s + legs[1].loaded_s) / 2)
    box.replaced = (old, replaced_s)
    dwell = [(legs[i + 1].loaded_s - legs[i].discharged_s) / 86_400 for i in range(len(legs) - 1)]
    if hidden:
        dwell = [(legs[0].loaded_s - box.gate_in_s) / 86_400]
    _discharge_in_europe(yard, box, final)
    yard.boxes.append(box)
    first_s = box.gate_in_s if hidden else (box.stuffed_s or box.gate_in_s)
    yard.record(
        "shell_game",
        "shell_game",
        box,
        first_s,
        legs[-1].discharged_s,
        (final.lat, final.lon),
        final.mmsi,
        route=[legs[0].load.locode, *(lg.discharge.locode for lg in legs)],
        origin_hidden=hidden,
        dwell_days=round(max(dwell), 1),
        bill_of_lading=box.bill_of_lading,
        replaced_bill_of_lading=old,
    )


def _discharge_in_europe(yard: Yard, box: Box, final: VesselCall) -> None:
    """At one of the access layer's terminals the box gets a release and its gate-outs."""
    if final.locode not in TERMINALS:
        box.released_s = box.legs[-1].discharged_s + 20 * HOUR_S
        box.gate_outs = [(box.released_s + 6 * HOUR_S, "B7301")]
        return
    terminal = f"{final.locode}-{TERMINALS[final.locode][1][0]}"
    record = yard.cargo.add_import(terminal, box.consignee, box.legs[-1].discharged_s, call=final)
    record["number"], record["bill_of_lading"] = box.number, box.bill_of_lading
    box.legs[-1].discharged_s = record["issued_s"]
    if record["status"] == "released":
        yard.cargo.collect(record, record["status_at_s"])
    moves = [
        (g["time_s"], g["truck_plate"])
        for g in yard.cargo.gate
        if g["number"] == box.number and g["result"] == "accepted"
    ]
    attach_release(box, record, moves)


def clone(yard: Yard) -> None:
    """A second box under an ordinary box's number gated in at another port hours after the
    box was gated in (or out) somewhere else."""
    anchors = {}
    for each in yard.boxes:
        if yard.in_window(each.gate_in_s, 0.02, 0.9):
            anchors[each.number] = (each.gate_in_s, each.first_port)
        elif each.gate_outs and yard.in_window(each.gate_outs[0][0], 0.02, 0.9):
            anchors[each.number] = (each.gate_outs[0][0], each.last_port)
    box = yard.take([b for b in yard.boxes if b.number in anchors and not b.replaced])
    if box is None:
        return
    seen_s, seen_at = anchors[box.number]
    own = (box.first_port, box.last_port)
    far = [p for p in CLONE_PORTS if _nm(seen_at, p) > 250 and p not in own]
    other = port(yard.packer.pick(tuple(far)))
    later = seen_s + float(yard.rng.uniform(3, 10)) * HOUR_S
    box.clone_gate_in = (later, other.locode)
    yard.record(
        "container_clone",
        "cloned_number",
        box,
        seen_s,
        later,
        (other.lat, other.lon),
        ports=[seen_at, other.locode],
        distance_nm=round(_nm(seen_at, other.locode)),
        hours_apart=round((later - seen_s) / HOUR_S, 1),
    )


def _nm(a: str, b: str) -> float:
    pa, pb = port(a), port(b)
    return float(
        haversine_nm(
            np.array([pa.lat]), np.array([pa.lon]), np.array([pb.lat]), np.array([pb.lon])
        )[0]
    )


def rip_off(yard: Yard) -> None:
    """A smart box opened at night at its terminal between discharge and release, resealed;
    opened inside the window (a release after the window's end leaves the box in its terminal
    when the records stop)."""

    def last_s(b: Box) -> float:
        return min((b.released_s or 0.0) - 1.5 * HOUR_S, 0.95 * yard.end_s)

    candidates = [
        b
        for b in yard.boxes
        if b.release is not None
        and b.released_s is not None
        and b.inspected_s is None
        and yard.in_window(b.legs[-1].discharged_s)
        and last_s(b) - b.legs[-1].discharged_s > 1.5 * HOUR_S
    ]
    box = yard.take(candidates)
    if box is None or box.released_s is None:
        return
    rng, discharged = yard.rng, box.legs[-1].discharged_s
    opened = float(rng.uniform(discharged + HOUR_S, last_s(box)))
    box.smart = True
    box.doors.append(
        Door(opened, opened + float(rng.uniform(15, 40)) * 60, "", float(rng.uniform(20, 80)))
    )
    box.later_seal = f"{box.seal[:2]}{int(rng.integers(10**6, 10**7))}"
    here = port(box.last_port)
    yard.record(
        "door_opened",
        "rip_off",
        box,
        opened,
        box.doors[-1].end_s,
        (here.lat, here.lon),
        box.legs[-1].discharge.mmsi,
        where="terminal",
        seal_loaded=box.seal,
        seal_at_gate_out=box.later_seal,
    )


def _at_sea(yard: Yard, box: Box, near_coast: bool) -> tuple[Any, float, float, float] | None:
    """A time aboard in the window when the ship is under way far from ports (and 5-25 nm from
    land when `near_coast`): the leg, the time and the ship's position."""
    for lg in box.legs:
        low, high = max(lg.loaded_s, 0.05 * yard.end_s), min(lg.discharged_s, 0.95 * yard.end_s)
        if high - low < 6 * HOUR_S:
            continue
        times = np.arange(low + 3 * HOUR_S, high - 3 * HOUR_S, HOUR_S)
        lat, lon = yard.calls.position(lg.load.plan, times)
        ports = np.array([[p.lat, p.lon] for p in PORTS])
        far = (
            np.min(
                haversine_nm(lat[:, None], lon[:, None], ports[None, :, 0], ports[None, :, 1]),
                axis=1,
            )
            > 40
        )
        if near_coast:
            land_nm = yard.land.distance_to_land_km(lat, lon, search_km=50.0) / 1.852
            far &= (land_nm > 5) & (land_nm < 25)
        hits = np.flatnonzero(far)
        if hits.size:
            i = int(hits[int(yard.rng.integers(hits.size))])
            return lg, float(times[i]), float(lat[i]), float(lon[i])
    return None


def door_at_sea(yard: Yard) -> None:
    """A smart box's door opened at sea near a coast far from any port (a drop)."""
    for box in _shuffled(yard, [b for b in yard.boxes if b.iso_code != "45R1"]):
        found = _at_sea(yard, box, near_coast=True)
        if found is None:
            continue
        lg, time_s, lat, lon = found
        yard.used.add(box.number)
        box.smart = True
        box.doors.append(Door(time_s, time_s + float(yard.rng.uniform(20, 50)) * 60, "", 15.0))
        yard.record(
            "door_opened",
            "door_at_sea",
            box,
            time_s,
            box.doors[-1].end_s,
            (lat, lon),
            lg.load.mmsi,
            where="at_sea",
        )
        return


def reefer_opened(yard: Yard) -> None:
    """A smart reefer opened at sea: light, and the temperature jumps by 5-9 °C."""
    for box in _shuffled(yard, [b for b in yard.boxes if b.iso_code == "45R1"]):
        found = _at_sea(yard, box, near_coast=False)
        if found is None:
            continue
        lg, time_s, lat, lon = found
        yard.used.add(box.number)
        box.smart = True
        door = Door(time_s, time_s + float(yard.rng.uniform(20, 45)) * 60, "", 120.0)
        box.doors.append(door)
        box.reefer_jump = (time_s, float(yard.rng.uniform(5, 9)))
        _reefer_truth(yard, box, door, (lat, lon), lg.load.mmsi, "at_sea")
        return
    waiting = [
        b
        for b in yard.boxes
        if b.iso_code == "45R1"
        and b.release is not None
        and yard.in_window(b.legs[-1].discharged_s, 0.05, 0.8)
    ]
    taken = yard.take(waiting)
    if taken is not None:
        box = taken
        time_s = box.legs[-1].discharged_s + float(yard.rng.uniform(1, 4)) * HOUR_S
        here = port(box.last_port)
        box.smart = True
        door = Door(time_s, time_s + float(yard.rng.uniform(20, 45)) * 60, "", 120.0)
        box.doors.append(door)
        box.reefer_jump = (time_s, float(yard.rng.uniform(5, 9)))
        _reefer_truth(yard, box, door, (here.lat, here.lon), None, "terminal")


def _reefer_truth(
    yard: Yard, box: Box, door: Door, at: tuple[float, float], vessel: int | None, where: str
) -> None:
    """An opened reefer is a `reefer_anomaly` (its temperature settles back within ~4 h of the
    door closing) and a `door_opened`."""
    for kind, end_s in (("reefer_anomaly", door.end_s + 4 * HOUR_S), ("door_opened", door.end_s)):
        yard.record(
            kind,
            "reefer_opened",
            box,
            door.start_s,
            end_s,
            at,
            vessel,
            where=where,
            setpoint_c=box.setpoint_c,
        )


def off_vessel(yard: Yard) -> None:
    """A smart box's device leaves its ship at sea and heads 25 nm abeam at 20 knots."""
    for box in _shuffled(yard, list(yard.boxes)):
        found = _at_sea(yard, box, near_coast=False)
        if found is None:
            continue
        lg, time_s, lat, lon = found
        yard.used.add(box.number)
        box.smart = True
        ahead = yard.calls.position(lg.load.plan, np.array([time_s + 600.0]))
        course = float(np.degrees(np.arctan2(ahead[1][0] - lon, ahead[0][0] - lat)))
        to_lat, to_lon = offset(lat, lon, course + 90, 25.0)
        box.off_vessel = (time_s, to_lat, to_lon)
        yard.record(
            "box_off_vessel",
            "box_off_vessel",
            box,
            time_s,
            time_s + 1.25 * HOUR_S,
            (lat, lon),
            lg.load.mmsi,
            away_nm=25.0,
        )
        return


def unexpected_stop(yard: Yard) -> None:
    """A truck stops 1.5-3 h 5-8 km off its way to the consignee."""
    candidates = [
        b
        for b in yard.boxes
        if b.release is not None and b.gate_outs and yard.in_window(b.gate_outs[-1][0], 0.05, 0.75)
    ]
    box = yard.take(candidates)
    if box is None:
        return
    rng, here = yard.rng, port(box.last_port)
    hours = road_hours(here.lat, here.lon, *box.delivery[2:])
    left = box.gate_outs[-1][0]
    share = float(rng.uniform(0.3, 0.7))
    lat = here.lat + share * (box.delivery[2] - here.lat)
    lon = here.lon + share * (box.delivery[3] - here.lon)
    # 2.5-4.5 nm (5-8 km) to a side of the way: a stop nearer the terminal or the consignee is
    # theirs (a random bearing could lead back to the terminal)
    way = np.degrees(
        np.arctan2(
            (box.delivery[3] - here.lon) * np.cos(np.radians(here.lat)), box.delivery[2] - here.lat
        )
    )
    side = way + float(rng.choice([-90.0, 90.0])) + float(rng.uniform(-30, 30))
    lat, lon = offset(lat, lon, float(side), float(rng.uniform(2.5, 4.5)))
    stop = left + share * hours * HOUR_S
    box.smart = True
    box.truck_stop = (stop, stop + float(rng.uniform(1.5, 3)) * HOUR_S, lat, lon)
    if box.stripped_s is not None:
        box.stripped_s += box.truck_stop[1] - box.truck_stop[0]
    yard.record(
        "unexpected_stop",
        "unexpected_stop",
        box,
        stop,
        box.truck_stop[1],
        (lat, lon),
        truck_plate=box.gate_outs[-1][1],
    )


def _shuffled(yard: Yard, boxes: list[Box]) -> list[Box]:
    free = [b for b in boxes if b.number not in yard.used and not b.scenario]
    return [free[int(i)] for i in yard.rng.permutation(len(free))]


BOX_SCENARIOS: Final[tuple[tuple[str, Callable[[Yard], None]], ...]] = (
    ("shell_game_origin", lambda yard: shell_game(yard, hidden=False)),
    ("shell_game_hidden", lambda yard: shell_game(yard, hidden=True)),
    ("cloned_number", clone),
    ("cloned_number_again", clone),
    ("rip_off", rip_off),
    ("rip_off_again", rip_off),
    ("door_at_sea", door_at_sea),
    ("door_at_sea_again", door_at_sea),
    ("reefer_opened", reefer_opened),
    ("reefer_opened_again", reefer_opened),
    ("box_off_vessel", off_vessel),
    ("box_off_vessel_again", off_vessel),
    ("unexpected_stop", unexpected_stop),
    ("unexpected_stop_again", unexpected_stop),
)
"""Every cargo scenario, in staging order (the order fixes the random draws)."""


def stage_boxes(yard: Yard) -> None:
    """Stage every cargo scenario on boxes that no other scenario touches (the insider's
    stolen boxes are the access layer's)."""
    yard.used |= {m["number"] for m in yard.cargo.gate if m["haulier"] == ROGUE_HAULIER}
    for _, scenario in BOX_SCENARIOS:
        scenario(yard)
