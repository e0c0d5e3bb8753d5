"""The container layer of the world: the boxes the liners and feeders carry, and its files.

Three kinds of boxes: the access layer's imports at the terminals of `balise.sim.cargo` (their
releases and gate-outs are in `releases.csv` and `gate.csv`; here they get the voyage that
brought them), the ordinary trade between the other calls of the same ships (some of it
transshipped at a hub with an ordinary dwell), and the boxes of the cargo scenarios
(`balise.sim.box_scenarios`). A share of the boxes are smart (`WorldSpec.smart_share`): their
device reports hourly and at every door opening (`balise.sim.smart`).

Files: `container-events.jsonl` (DCSA Track & Trace 3.0 events, `balise.sim.tnt`),
`manifests.csv` (one bill of lading a row; a share of the bills cover two or three boxes,
`MULTI_BOX_SHARE`) and `telemetry.jsonl`. The layer draws from its own
generator, after the access layer is built.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from balise.geo.landmask import LandMask
from balise.sim import smart, tnt
from balise.sim.box_scenarios import Yard, stage_boxes
from balise.sim.boxes import (
    HOUR_S,
    Box,
    Door,
    Leg,
    Packer,
    attach_release,
    connection,
    leg,
)
from balise.sim.calls import CallIndex, VesselCall
from balise.sim.cargo import TERMINALS, Cargo, iso
from balise.sim.places import port
from balise.sim.truth import TruthEvent

TRADE_BOXES_PER_LEG: Final = 1.5
"""Mean boxes of the ordinary trade per pair of calls (the next call and the one after): the
layer's sample of a ship's thousands of moves."""
TRANSSHIPPED_SHARE: Final = 0.25
"""Share of the ordinary boxes discharged at a hub that go on with another ship."""
INSPECTED_SHARE: Final = 0.04
"""Share of the imports that customs inspect (the door opens with an `INSPECTED` event)."""
MULTI_BOX_SHARE: Final = 0.15
"""Share of the ordinary shipments that fill two or three boxes under one bill of lading (a
shipper's several boxes of the same goods on the same voyage), and chance that an import joins
an earlier import's bill when both come off the same call for the same consignee at the same
terminal (each box keeps its own release: terminals release box by box)."""
MAX_BOXES_PER_BILL: Final = 3
HUB_ROLES: Final = ("transshipment",)
HUB_FORWARDER: Final = "Caribbean Transit Logistics Ltd"
"""The forwarder that re-issues a shell game's bill of lading at a hub (synthetic name)."""


@dataclass
class Containers:
    """The boxes of a world and the truth of the cargo scenarios."""

    boxes: list[Box]
    calls: CallIndex
    truth: list[TruthEvent] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def build_containers(
    rng: np.random.Generator,
    calls: CallIndex,
    cargo: Cargo,
    land: LandMask,
    end_s: float,
    smart_share: float,
) -> Containers:
    """Every box of the world, the cargo scenarios staged among them, from `rng`."""
    packer = Packer(rng, {b["number"] for b in cargo.boxes})
    boxes = [*_imports(packer, calls, cargo), *_trade(packer, calls, end_s)]
    yard = Yard(packer, calls, cargo, land, end_s, boxes)
    stage_boxes(yard)
    for box in boxes:
        box.smart = box.smart or bool(rng.random() < smart_share)
        _scheduled_doors(box, rng)
    yard.release_fraud()
    return Containers(boxes, calls, yard.truth)


def _imports(packer: Packer, calls: CallIndex, cargo: Cargo) -> list[Box]:
    """The access layer's imports, on the ship that discharged them from an earlier call."""
    boxes = []
    gate_outs: dict[str, list[tuple[float, str]]] = {}
    for move in sorted(cargo.gate, key=lambda g: g["time_s"]):
        if move["result"] == "accepted":
            gate_outs.setdefault(move["number"], []).append((move["time_s"], move["truck_plate"]))
    bills: dict[tuple[int, str, str], list[Box]] = {}
    for record in cargo.boxes:
        call: VesselCall | None = record["call"]
        if call is None:
            continue
        key = (id(call), record["consignee"], record["terminal"])
        mates = bills.get(key, [])
        joins = 0 < len(mates) < MAX_BOXES_PER_BILL and packer.rng.random() < MULTI_BOX_SHARE
        if joins:
            load = mates[0].legs[0].load
            record["bill_of_lading"] = mates[0].bill_of_lading
        else:
            earlier = calls.earlier(call)[-4:]
            far = [c for c in earlier if port(c.locode).role != "europe"] or earlier
            load = packer.pick(tuple(far))
        box = packer.box(
            [leg(packer.rng, load, call)],
            record["number"],
            record["bill_of_lading"],
            record["consignee"],
        )
        if joins:
            _same_shipment(box, mates[0])
            mates.append(box)
        else:
            bills[key] = [box]
        box.legs[0].discharged_s = record["issued_s"]
        attach_release(box, record, gate_outs.get(record["number"], []))
        if packer.rng.random() < INSPECTED_SHARE:
            until = box.released_s or record["issued_s"] + 24 * HOUR_S
            box.inspected_s = float(packer.rng.uniform(record["issued_s"] + HOUR_S, until))
        boxes.append(box)
    return boxes


def _trade(packer: Packer, calls: CallIndex, end_s: float) -> list[Box]:
    """Ordinary boxes between a call and the next two of the same ship, discharged outside the
    access layer's terminals; some transshipped at a hub onto another ship."""
    rng, boxes = packer.rng, []
    for plan_calls in calls.by_plan.values():
        for i, load in enumerate(plan_calls):
            for discharge in plan_calls[i + 1 : i + 3]:
                if discharge.locode in TERMINALS or not -3 * 86_400 < discharge.arrival_s < end_s:
                    continue
                for _ in range(int(rng.poisson(TRADE_BOXES_PER_LEG))):
                    box = _ordinary(packer, calls, load, discharge)
                    boxes.append(box)
                    if rng.random() < MULTI_BOX_SHARE:
                        more = int(rng.integers(1, MAX_BOXES_PER_BILL))
                        boxes += [_sibling(packer, box) for _ in range(more)]
    return boxes


def _same_shipment(box: Box, first: Box) -> None:
    """`box` carries the same goods as `first`, from the same shipper under the same booking."""
    box.shipper, box.goods, box.origin = first.shipper, first.goods, first.origin
    box.iso_code, box.booking = first.iso_code, first.booking
    box.bill_of_lading = first.bill_of_lading
    if first.stuffed_s is not None:  # the same truck time to the port as the first box
        box.stuffed_s = box.gate_in_s - (first.gate_in_s - first.stuffed_s)


def _during(call: VesselCall, time_s: float) -> float:
    """`time_s` moved inside the stay of `call` at its berth (cranes work the ship there)."""
    low, high = call.alongside_s + 600, call.departure_s - 600
    if low > high:  # a stay shorter than 20 min (a ship's first call at the world's start)
        low = high = (call.alongside_s + call.departure_s) / 2
    return float(np.clip(time_s, low, high))


def _sibling(packer: Packer, first: Box) -> Box:
    """Another box of `first`'s shipment (same bill, legs and parties): stuffed and gated in
    within hours of it, released with it, collected by its own truck."""
    rng = packer.rng
    legs = [
        Leg(
            lg.load,
            lg.discharge,
            _during(lg.load, lg.loaded_s + float(rng.uniform(-1, 1)) * 600),
            _during(lg.discharge, lg.discharged_s + float(rng.uniform(0, 2)) * 600),
        )
        for lg in first.legs
    ]
    box = packer.box(legs, bill=first.bill_of_lading, consignee=first.consignee)
    shift = float(rng.uniform(-3, 3)) * HOUR_S
    box.gate_in_s = min(first.gate_in_s + shift, legs[0].loaded_s - HOUR_S)
    _same_shipment(box, first)
    box.released_s = first.released_s
    plate = f"{packer.pick(tuple('ABCDEFGHJKLMNPRSTUVWXYZ'))}{int(rng.integers(1000, 9999))}"
    left = first.gate_outs[0][0] + float(rng.uniform(0, 8)) * HOUR_S
    box.gate_outs = [(left, plate)]
    box.stripped_s = (box.delivered_s or left) + float(rng.uniform(1, 8)) * HOUR_S
    return box


def _ordinary(packer: Packer, calls: CallIndex, load: VesselCall, discharge: VesselCall) -> Box:
    rng = packer.rng
    legs = [leg(rng, load, discharge)]
    if port(discharge.locode).role in HUB_ROLES and rng.random() < TRANSSHIPPED_SHARE:
        ends = tuple(
            p
            for p in (
                "ESALG",
                "MAPTM",
                "DEHAM",
                "FRFOS",
                "GBFXT",
                "JMKIN",
                "COCTG",
                "DOCAU",
                "BSFPO",
                "ESLPA",
            )
            if p != discharge.locode
        )
        onward = connection(calls, rng, discharge, legs[0].discharged_s, (12, 96), ends)
        if onward is not None:
            legs.append(leg(rng, onward[0], onward[1], legs[0].discharged_s + 11 * HOUR_S))
    box = packer.box(legs)
    last = legs[-1].discharged_s
    box.released_s = last + float(rng.uniform(2, 24)) * HOUR_S
    plate = f"{packer.pick(tuple('ABCDEFGHJKLMNPRSTUVWXYZ'))}{int(rng.integers(1000, 9999))}"
    box.gate_outs = [(box.released_s + float(rng.uniform(1, 48)) * HOUR_S, plate)]
    box.stripped_s = (box.delivered_s or last) + float(rng.uniform(1, 8)) * HOUR_S
    return box


def _scheduled_doors(box: Box, rng: np.random.Generator) -> None:
    """A smart box's door opens when it is stuffed, inspected and stripped."""
    if not box.smart:
        return
    for code, time_s in (
        ("STUFFED", box.stuffed_s),
        ("INSPECTED", box.inspected_s),
        ("STRIPPED", box.stripped_s),
    ):
        if time_s is not None:
            minutes = float(rng.uniform(20, 90 if code != "INSPECTED" else 60))
            box.doors.append(
                Door(time_s - minutes * 60, time_s, code, float(rng.uniform(150, 900)))
            )


def write_containers(
    containers: Containers,
    start: datetime,
    end_s: float,
    paths: dict[str, Path],
    rng: np.random.Generator,
) -> dict[str, int]:
    """Write the events, manifests and telemetry of `containers`; returns their counts."""
    events = tnt.events(containers.boxes, containers.calls, start, end_s, rng)
    with paths["containers"].open("w") as out:
        for event in events:
            out.write(tnt.dumps(event) + "\n")
    manifests = manifest_frame(containers.boxes, start, end_s)
    manifests.write_csv(paths["manifests"])
    readings = smart.telemetry(containers.boxes, containers.calls, start, end_s, rng)
    readings.write_ndjson(paths["telemetry"])
    return {
        "container_events": len(events),
        "containers": len(containers.boxes),
        "manifests": manifests.height,
        "telemetry_readings": readings.height,
    }


MANIFEST_COLUMNS: Final = (
    "bill_of_lading",
    "issued_at",
    "carrier",
    "vessel_imo",
    "voyage",
    "shipper",
    "consignee",
    "notify_party",
    "declarant",
    "hs_code",
    "goods_description",
    "packages",
    "gross_weight_kg",
    "declared_value",
    "currency",
    "place_of_receipt",
    "port_of_loading",
    "port_of_discharge",
    "place_of_delivery",
    "container_numbers",
)

DECLARANTS: Final = ("Rhine Customs Brokers BV", "Scheldt Forwarding NV", "Hanse Zollagentur GmbH",
                     "Transitaire Atlantique SARL")  # fmt: skip
"""The customs brokers lodging the bills (one per bill, from its number: no draw of the seed)."""


def manifest_frame(boxes: list[Box], start: datetime, end_s: float) -> pl.DataFrame:
    """`manifests.csv`: one row per bill of lading issued before the world's end (a replaced
    bill keeps its row; container numbers `;`-separated)."""
    bills: dict[str, dict[str, Any]] = {}
    for box in boxes:
        for bill, first, issued_s, shipper in _bills(box):
            if issued_s >= end_s:
                continue
            row = bills.get(bill)
            goods, last = box.goods, box.legs[-1]
            weight = goods.packages * goods.kg_per_package
            if row is not None:
                row["container_numbers"] += f";{box.number}"
                row["packages"] += goods.packages
                row["gross_weight_kg"] = round(row["gross_weight_kg"] + weight, 1)
                row["declared_value"] = round(row["declared_value"] + weight * goods.usd_per_kg, 2)
                continue
            load = box.legs[first].load
            bills[bill] = {
                "bill_of_lading": bill,
                "issued_at": iso(start, issued_s),
                "carrier": load.operator,
                "vessel_imo": load.imo,
                "voyage": load.voyage,
                "shipper": shipper,
                "consignee": box.consignee,
                "notify_party": box.consignee,
                "declarant": DECLARANTS[zlib.crc32(bill.encode()) % len(DECLARANTS)],
                "hs_code": goods.hs_code,
                "goods_description": goods.description,
                "packages": goods.packages,
                "gross_weight_kg": round(weight, 1),
                "declared_value": round(weight * goods.usd_per_kg, 2),
                "currency": "USD",
                "place_of_receipt": f"{box.origin[0]}, {box.origin[1]}"
                if first == 0 and box.stuffed_s is not None
                else load.locode,
                "port_of_loading": load.locode,
                "port_of_discharge": last.discharge.locode,
                "place_of_delivery": f"{box.delivery[0]}, {box.delivery[1]}",
                "container_numbers": box.number,
            }
    rows = sorted(bills.values(), key=lambda r: (r["issued_at"], r["bill_of_lading"]))
    schema = dict.fromkeys(MANIFEST_COLUMNS, pl.String) | {
        "vessel_imo": pl.Int64,
        "packages": pl.Int64,
        "gross_weight_kg": pl.Float64,
        "declared_value": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def _bills(box: Box) -> list[tuple[str, int, float, str]]:
    """The bills of lading of a box: reference, first leg covered, issue time, shipper."""
    first_issue = box.issued_s
    if box.replaced is None:
        return [(box.bill_of_lading, 0, first_issue, box.shipper)]
    old, replaced_s = box.replaced
    onward = next(i for i, leg_ in enumerate(box.legs) if leg_.loaded_s >= replaced_s)
    return [
        (old, 0, first_issue, box.shipper),
        (box.bill_of_lading, onward, replaced_s, HUB_FORWARDER),
    ]
