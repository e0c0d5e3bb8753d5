"""The inspection plan over a workspace: candidates from the stored container records, their
risk, the site's scanners, the pure planner (`balise.inspection.planner`), the plan stored, and
the hit rate estimated from the stored results.

Candidates of a site on a day: every box with a DISCHARGED event at the site (its `unlocode`)
whose window, from that discharge to the first GATED_OUT at the site after it (actual, estimated
or planned) or else to the discharge plus `inspection.default_dwell_hours`, overlaps the day's
shifts.

Risk of a box, combined as a noisy-OR, `p = 1 − (1 − p_cargo)(1 − p_party)(1 − p_model)`:
independent ways to be right, each able to raise the risk alone and none able to lower another's:
- `p_cargo`: the container risk of its stored cargo events (`balise.cargo.risk`, score / 100,
  with the workspace's `cargo.risk.*` settings);
- `p_party`: what the parties of its manifest (shipper, consignee, notify party) pass on as
  companies (`balise.inspection.parties.party_risk`): the ownership graph's and screening's
  events about them (`party_flags`: a shell company, a company owned by a listed entity or by
  a shell, a match on a list other than banned companies, whose parties hold the box), each
  `inspection.party_weight` × its strength. A box with no cargo event of its own is ranked on
  what is known of whom it is for;
- `p_model`, with a model (`--model`, the setting `inspection.model_file` or the workspace's
  `customs-model.zip`) and a manifest covering the box: the customs risk model's calibrated
  probability of a fraud on a declaration built from the manifest (`manifest_declarations`);
  its probability of a critical fraud gives the severity, `1 + critical_weight × critical`.
The mapping from a bill of lading to a declaration is partial: a manifest has no office, tax
or import type (its declarant, who lodged the bill, is often missing: the notify party, often
the customs broker, stands in for it then), its values are in the carrier's currency (the KCS
model learned KRW prices), and a bill covering several boxes gives each the same declaration.
The model's score there is a ranking hint, not a calibrated probability for the port: the
noisy-OR keeps the cargo evidence in charge where the manifest says little.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import numpy as np
import polars as pl

from balise.cargo.risk import CargoRiskParams
from balise.engine.inspection_candidates import CandidateBoxes, day_origin, gather_boxes
from balise.engine.inspection_risk import BoxRisk, box_risk, risk_reasons
from balise.engine.inspection_setup import InspectionSetup
from balise.inspection.estimate import HitRates, hit_rates
from balise.inspection.params import InspectionParams, Site
from balise.inspection.planner import Candidates, Method, Plan, plan_inspections, slots_of
from balise.store.base import INSPECTION_PLAN_SCHEMA, INSPECTION_RESULT_SCHEMA, Store
from balise.targeting.model import TargetingModel

LANE_ORDER: Final = {"red": 0, "yellow": 1, "green": 2}
"""The lanes, the most checked first (customs selectivity: physical, documentary, released)."""


def fresh_seed() -> int:
    """A seed for a plan's random draw when none is asked for (it is logged with the plan)."""
    return int.from_bytes(os.urandom(4), "big")


@dataclass(frozen=True)
class DayPlan:
    """A site's plan for a day: the rows stored (`INSPECTION_PLAN_SCHEMA`), the planner's
    result, the slots' capacity and the time the candidates took to gather."""

    site: Site
    day: date
    rows: pl.DataFrame
    plan: Plan
    capacity_minutes: float
    gather_seconds: float


def _minutes(moments: pl.Series, origin: datetime) -> np.ndarray[Any, np.dtype[np.float64]]:
    deltas = (moments - origin).dt.total_microseconds().to_numpy().astype(np.float64)
    return deltas / 60e6


def plan_day(
    store: Store,
    site: Site,
    day: date,
    params: InspectionParams,
    *,
    banned: frozenset[str] = frozenset(),
    model: TargetingModel | None = None,
    risk_params: CargoRiskParams | None = None,
    seed: int = 0,
    method: Method = "auto",
    planned_at: datetime | None = None,
) -> DayPlan:
    """Gather the candidates of `site` on `day`, plan them and return the plan (not stored).
    Cargo events and party flags count as they stood at the end of the day's last shift."""
    began = datetime.now(UTC)
    boxes = gather_boxes(store, site, day, params, risk_params or CargoRiskParams())
    risk = box_risk(store, boxes, day, params, banned, model)
    candidates = _candidates(boxes, risk, site.scan_minutes(params), day_origin(day))
    gathered = (datetime.now(UTC) - began).total_seconds()
    slots = slots_of(site.scanners, tuple((float(a), float(b)) for a, b in site.shifts))
    plan = plan_inspections(candidates, slots, params, np.random.default_rng(seed), method)
    rows = _plan_rows(site, day, boxes, risk, candidates, plan,
                      seed=seed, planned_at=planned_at or datetime.now(UTC))  # fmt: skip
    capacity = sum(s.capacity for s in slots)
    return DayPlan(site, day, rows, plan, capacity, gathered)


def _candidates(
    boxes: CandidateBoxes, risk: BoxRisk, scan_minutes: float, origin: datetime
) -> Candidates:
    """What the planner reads of the boxes: risk, severity, scan time, window (minutes from
    `origin`) and whether a banned party holds them."""
    return Candidates(
        ids=tuple(boxes.names),
        risk=risk.risk,
        severity=risk.severity,
        scan_minutes=np.full(boxes.rows.height, scan_minutes),
        earliest=_minutes(boxes.rows["earliest"], origin),
        latest=_minutes(boxes.rows["latest"], origin),
        held=np.array([h is not None for h in risk.held_by], dtype=np.bool_),
    )


def _plan_rows(
    site: Site,
    day: date,
    boxes: CandidateBoxes,
    risk: BoxRisk,
    candidates: Candidates,
    plan: Plan,
    *,
    seed: int,
    planned_at: datetime,
) -> pl.DataFrame:
    """The plan's rows (`INSPECTION_PLAN_SCHEMA`): red then yellow then green, by expected
    value."""
    rows = boxes.rows
    origin = day_origin(day)
    slot_of = [plan.slots[k] if k >= 0 else None for k in plan.slot]
    frame = pl.DataFrame(
        {
            "site": site.site,
            "plan_date": day,
            "planned_at": planned_at,
            "container_number": boxes.names,
            "lane": list(plan.lane),
            "selected_by": list(plan.selected_by),
            "probability": plan.probability,
            "risk": candidates.risk,
            "severity": candidates.severity,
            "value": candidates.risk * candidates.severity,
            "scan_minutes": candidates.scan_minutes,
            "earliest": rows["earliest"],
            "latest": rows["latest"],
            "scanner": [s.scanner + 1 if s else None for s in slot_of],
            "shift_start": [origin + timedelta(minutes=s.start) if s else None for s in slot_of],
            "shift_end": [origin + timedelta(minutes=s.end) if s else None for s in slot_of],
            "vessel_imo": rows["vessel_imo"],
            "bill_of_lading": rows["bill_of_lading"],
            "reasons": _reasons_of(rows, risk),
            "method": plan.method,
            "seed": seed,
        },
        schema=INSPECTION_PLAN_SCHEMA,
    )
    return frame.sort(
        pl.col("lane").replace_strict(LANE_ORDER, return_dtype=pl.Int8), pl.col("value"),
        "container_number", descending=[False, True, False],
    )  # fmt: skip


def _reasons_of(rows: pl.DataFrame, risk: BoxRisk) -> list[str]:
    """The reasons of each box's risk (`risk_reasons`)."""
    return [
        risk_reasons(row, risk.parties[i], risk.p_model[i], risk.critical[i], risk.held_by[i],
                     risk.modelled)
        for i, row in enumerate(rows.select("cargo_reasons", "shipper").iter_rows(named=True))
    ]  # fmt: skip


@dataclass(frozen=True)
class Performance:
    """Hit rates over every stored plan (of a site), and per day."""

    overall: HitRates
    days: list[tuple[str, date, HitRates]]


def performance(store: Store, site: str | None = None) -> Performance:
    """The naive and inverse-propensity hit rates from the stored plans and results: a scan
    counts when its box was red on the plan of that day and a result was recorded that day."""
    plans = store.inspection_plans(site=site)
    results = store.inspection_results().select(
        "container_number", pl.col("inspected_on").alias("plan_date"), "found"
    )
    joined = plans.join(results, on=["container_number", "plan_date"], how="left")

    def rates(frame: pl.DataFrame) -> HitRates:
        scanned = (frame["lane"] == "red") & frame["found"].is_not_null()
        return hit_rates(
            frame["probability"].to_numpy().astype(np.float64),
            scanned.to_numpy(),
            frame["found"].fill_null(False).to_numpy(),
        )

    days = [
        (str(key[0]), key[1], rates(group))
        for key, group in joined.group_by("site", "plan_date", maintain_order=True)
        if isinstance(key[1], date)
    ]
    return Performance(rates(joined), sorted(days, key=lambda d: (d[0], d[1])))


def plan_and_store(
    store: Store,
    setup: InspectionSetup,
    site: Site,
    day: date,
    *,
    seed: int | None = None,
    method: Method = "auto",
) -> DayPlan:
    """Plan `site` on `day` (a fresh seed unless given) and store the plan, replacing that
    day's: what `balise cargo plan` and `POST /api/v1/inspection/plans` do."""
    done = plan_day(store, site, day, setup.params, banned=setup.banned, model=setup.model,
                    risk_params=setup.risk, seed=fresh_seed() if seed is None else seed,
                    method=method)  # fmt: skip
    store.save_inspection_plan(site.site, day, done.rows)
    return done


def stored_plan(store: Store, site: str, day: date) -> pl.DataFrame:
    """The stored plan of `site` on `day` (its latest `planned_at`), red then yellow then
    green, by expected value: empty when the day was never planned."""
    rows = store.inspection_plans(site=site, day=day)
    if rows.is_empty():
        return rows
    latest = rows.filter(pl.col("planned_at") == pl.col("planned_at").max())
    return latest.sort(
        pl.col("lane").replace_strict(LANE_ORDER, default=len(LANE_ORDER), return_dtype=pl.Int8),
        pl.col("value"), "container_number", descending=[False, True, False], nulls_last=True,
    )  # fmt: skip


def lane_counts(rows: pl.DataFrame) -> dict[str, int]:
    """Boxes of a plan per lane, every lane named (0 when none)."""
    counts = dict.fromkeys(LANE_ORDER, 0)
    for lane, n in rows["lane"].value_counts().iter_rows():
        counts[str(lane)] = int(n)
    return counts


def used_minutes(rows: pl.DataFrame) -> float:
    """Scanner minutes a plan uses: the scan time of every box given a slot."""
    return float(rows.filter(pl.col("scanner").is_not_null())["scan_minutes"].sum() or 0.0)


def record_result(
    store: Store,
    container_number: str,
    day: date,
    found: bool,
    what: str | None,
    recorded_by: str | None,
) -> bool:
    """Store the result of a box's inspection on `day` (replacing one of the same box and
    day); whether the box was on a stored plan of that day (else the hit rates ignore it)."""
    store.record_inspection_results(pl.DataFrame(
        {"container_number": [container_number], "inspected_on": [day], "found": [found],
         "what": [what], "recorded_at": [datetime.now(UTC)], "recorded_by": [recorded_by]},
        schema=INSPECTION_RESULT_SCHEMA,
    ))  # fmt: skip
    planned = store.inspection_plans(day=day).filter(pl.col("container_number") == container_number)
    return not planned.is_empty()
