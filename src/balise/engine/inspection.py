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

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from balise.cargo.params import cargo_params
from balise.cargo.ports import load_container_ports
from balise.cargo.risk import CargoRiskParams, score_containers
from balise.engine.cargo import CARGO_TYPES
from balise.engine.targeting import load_model
from balise.entities.graph_risk import EVENT_TYPES as OWNERSHIP_TYPES
from balise.entities.screening import EVENT_TYPE as LIST_MATCH
from balise.entities.screening import party_key
from balise.errors import UsageError
from balise.inspection.estimate import HitRates, hit_rates
from balise.inspection.params import (
    InspectionParams,
    Site,
    SiteError,
    inspection_params,
    parse_sites,
)
from balise.inspection.parties import banned_match, banned_set, party_risk
from balise.inspection.planner import Candidates, Method, Plan, plan_inspections, slots_of
from balise.model.event_types import event_type
from balise.store.base import INSPECTION_PLAN_SCHEMA, INSPECTION_RESULT_SCHEMA, EventFilter, Store
from balise.targeting.declarations import SCHEMA as DECLARATION_SCHEMA
from balise.targeting.declarations import Declarations
from balise.targeting.model import TargetingModel

SITES_FILE: Final = "inspection-sites.csv"
"""A workspace's sites table, replacing the shipped one."""
MODEL_FILE: Final = "customs-model.zip"
"""A workspace's customs risk model (`balise cargo train --model …`), used by every plan."""
BANNED_FILE: Final = "banned-parties.csv"
"""A workspace's banned parties, one name a line."""
PARTY_COLUMNS: Final = ("shipper", "consignee", "notify_party", "carrier")
LANE_ORDER: Final = {"red": 0, "yellow": 1, "green": 2}
"""The lanes, the most checked first (customs selectivity: physical, documentary, released)."""


def read_sites(path: Path | None, workspace_root: Path) -> tuple[dict[str, Site], str]:
    """The sites table and where it came from: `path` (the setting), else the workspace's
    `inspection-sites.csv`, else the shipped default. A bad table is a `UsageError`."""
    chosen = path or (workspace_root / SITES_FILE)
    try:
        if path is not None or chosen.exists():
            text, origin = chosen.read_text(encoding="utf-8"), str(chosen)
        else:
            shipped = resources.files("balise.data").joinpath("inspection_sites.csv")
            text, origin = shipped.read_text(encoding="utf-8"), "balise/data/inspection_sites.csv"
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"sites table {chosen}: {err}") from err
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise UsageError(f"sites table {origin}: empty")
    try:
        return parse_sites(rows[0], rows[1:]), origin
    except SiteError as err:
        raise UsageError(f"sites table {origin}: {err}") from err


def read_banned(path: Path | None, workspace_root: Path) -> frozenset[str]:
    """The banned parties' normalised names: `path` (the flag or setting), else the workspace's
    `banned-parties.csv`, else none. One name a line, the first field of a CSV row; a `name`
    header is skipped."""
    chosen = path or (workspace_root / BANNED_FILE)
    if path is None and not chosen.exists():
        return frozenset()
    try:
        text = chosen.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"banned parties {chosen}: {err}") from err
    names = [row[0] for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
    if names and names[0].strip().lower() in {"name", "company", "party"}:
        names = names[1:]
    return banned_set(names)


def parse_day(text: str) -> date:
    """A plan's day, `YYYY-MM-DD`; anything else is a `UsageError`."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as err:
        raise UsageError(f"--date {text!r}: not a day as YYYY-MM-DD") from err


def site_of(sites: dict[str, Site], code: str, origin: str) -> Site:
    """The site `code` (any case) of the table, or a `UsageError` naming the known ones."""
    found = sites.get(code.strip().upper())
    if found is None:
        known = ", ".join(sorted(sites)) or "none"
        raise UsageError(f"unknown site {code!r} (sites in {origin}: {known})")
    return found


def read_model(path: Path | None, workspace_root: Path) -> TargetingModel | None:
    """The customs risk model that scores the boxes' manifests: `path` (the flag or setting),
    else the workspace's `customs-model.zip`, else none (the plan then ranks on the cargo
    events alone). A missing or unreadable file named by `path` is a `UsageError`."""
    chosen = path or (workspace_root / MODEL_FILE)
    if path is None and not chosen.exists():
        return None
    return load_model(chosen)


@dataclass(frozen=True)
class InspectionSetup:
    """What planning reads besides the store: the sites table and where it came from, the
    planner's settings, the banned parties, the customs risk model, if any, and the container
    risk's settings."""

    sites: dict[str, Site]
    origin: str
    params: InspectionParams
    banned: frozenset[str]
    model: TargetingModel | None = None
    risk: CargoRiskParams = field(default_factory=CargoRiskParams)

    def site(self, code: str) -> Site:
        """The site `code` (any case), or a `UsageError` naming the known ones."""
        return site_of(self.sites, code, self.origin)


def inspection_setup(
    values: Mapping[str, Any],
    workspace_root: Path,
    banned: Path | None = None,
    model: Path | None = None,
) -> InspectionSetup:
    """The setup from resolved settings (`inspection.*`, `cargo.risk.*`) and the workspace's
    files; `banned` and `model` (flags) replace the settings `inspection.banned_file` and
    `inspection.model_file`."""
    sites, origin = read_sites(values.get("inspection.sites_file"), workspace_root)
    blocked = read_banned(banned or values.get("inspection.banned_file"), workspace_root)
    trained = read_model(model or values.get("inspection.model_file"), workspace_root)
    return InspectionSetup(sites, origin, inspection_params(values), blocked, trained,
                           cargo_params(values).risk)  # fmt: skip


def site_name(code: str) -> str | None:
    """The port's name of a site's UN/LOCODE (`FRLEH` → Le Havre), None when unlisted."""
    ports = load_container_ports().filter(pl.col("locode") == code)
    return str(ports["name"][0]) if ports.height else None


def capacity_minutes(site: Site) -> float:
    """Scanner minutes of a day at `site`: every scanner over every shift."""
    slots = slots_of(site.scanners, tuple((float(a), float(b)) for a, b in site.shifts))
    return float(sum(s.capacity for s in slots))


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


def _origin(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _minutes(moments: pl.Series, origin: datetime) -> np.ndarray[Any, np.dtype[np.float64]]:
    deltas = (moments - origin).dt.total_microseconds().to_numpy().astype(np.float64)
    return deltas / 60e6


def candidates_of(store: Store, site: Site, day: date, params: InspectionParams) -> pl.DataFrame:
    """One row per box discharged at `site` whose window overlaps the day's shifts:
    container_number, earliest, latest, vessel_imo, bill_of_lading."""
    origin = _origin(day)
    first = origin + timedelta(minutes=min(a for a, _ in site.shifts))
    last = origin + timedelta(minutes=max(b for _, b in site.shifts))
    dwell = timedelta(hours=params.default_dwell_hours)
    events = store.container_events(since=first - timedelta(days=60), until=last)
    here = events.filter(pl.col("unlocode") == site.site)
    discharges = (
        here.filter(pl.col("event_code") == "DISCHARGED")
        .sort("event_time")
        .group_by("container_number")
        .agg(pl.all().last())
        .select(
            "container_number",
            pl.col("event_time").alias("earliest"),
            "vessel_imo",
            "bill_of_lading",
        )
    )
    gate_outs = here.filter(pl.col("event_code") == "GATED_OUT").select(
        "container_number", pl.col("event_time").alias("gate_out")
    )
    later = store.container_events(since=last, until=last + dwell)
    gate_outs = pl.concat(
        [gate_outs, later.filter((pl.col("unlocode") == site.site)
                                 & (pl.col("event_code") == "GATED_OUT"))
                    .select("container_number", pl.col("event_time").alias("gate_out"))]
    )  # fmt: skip
    first_out = (
        discharges.join(gate_outs, on="container_number", how="left")
        .filter(pl.col("gate_out").is_null() | (pl.col("gate_out") > pl.col("earliest")))
        .group_by("container_number")
        .agg(pl.col("gate_out").min())
    )
    return (
        discharges.join(first_out, on="container_number", how="left")
        .with_columns(
            pl.coalesce("gate_out", pl.col("earliest") + dwell).alias("latest"),
        )
        .filter((pl.col("earliest") < last) & (pl.col("latest") > first))
        .select("container_number", "earliest", "latest", "vessel_imo", "bill_of_lading")
        .sort("container_number")
    )


def last_record_day(store: Store) -> date | None:
    """The day (UTC) of the latest stored container event, None without any: the demo plans
    that day."""
    events = store.container_events()
    latest = events["event_time"].max() if not events.is_empty() else None
    return latest.date() if isinstance(latest, datetime) else None


def _box_manifests(manifests: pl.DataFrame, boxes: Iterable[str]) -> pl.DataFrame:
    """One manifest row per box (the latest bill naming it)."""
    wanted = pl.Series("container_number", list(boxes), dtype=pl.String())
    return (
        manifests.explode("container_numbers")
        .rename({"container_numbers": "container_number"})
        .filter(pl.col("container_number").is_in(wanted.implode()))
        .sort("issued_at")
        .group_by("container_number")
        .agg(pl.all().last())
    )


def box_manifests(store: Store, boxes: Iterable[str]) -> pl.DataFrame:
    """One stored manifest row per box of `boxes` that a bill names (the latest bill), with
    `container_number`: what `manifest_declarations` turns into declarations."""
    return _box_manifests(store.manifests(), boxes)


def _country(place: str | None) -> str | None:
    """The country of a UN/LOCODE (`FRLEH` → `FR`), None for free text."""
    text = (place or "").replace(" ", "").upper()
    return text[:2] if len(text) == 5 and text[:2].isalpha() else None


def manifest_declarations(boxes: pl.DataFrame, day: date) -> Declarations:
    """A declaration per box from its manifest (module docstring for the limits):
    `declaration_id` the container number, `date` the plan's day, `importer` the consignee,
    `seller` the shipper, `declarant` the manifest's declarant (the notify party when the
    manifest names none, or `boxes` has no such column), `hs6` the HS code's first six digits,
    `departure_country` the port of loading's country, `origin_country` the place of receipt's
    (else the port of loading's), `net_mass_kg` the gross weight, `item_price` the declared
    value; the other features are missing."""
    rows = [
        {
            "declaration_id": row["container_number"],
            "date": day,
            "importer": row.get("consignee"),
            "seller": row.get("shipper"),
            "declarant": row.get("declarant") or row.get("notify_party"),
            "hs6": (row.get("hs_code") or "").replace(".", "")[:6] or None,
            "departure_country": _country(row.get("port_of_loading")),
            "origin_country": _country(row.get("place_of_receipt"))
            or _country(row.get("port_of_loading")),
            "net_mass_kg": row.get("gross_weight_kg"),
            "item_price": row.get("declared_value"),
        }
        for row in boxes.iter_rows(named=True)
    ]
    frame = pl.DataFrame(rows, schema=DECLARATION_SCHEMA) if rows else pl.DataFrame(
        schema=DECLARATION_SCHEMA)  # fmt: skip
    present = frozenset(
        ("declaration_id", "date", "importer", "seller", "declarant", "hs6", "departure_country",
         "origin_country", "net_mass_kg", "item_price")
    )  # fmt: skip
    return Declarations(frame=frame, present=present)


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
    origin = _origin(day)
    boxes = candidates_of(store, site, day, params)
    names = boxes["container_number"].to_list()
    last = origin + timedelta(minutes=max(b for _, b in site.shifts))
    risk_params = risk_params or CargoRiskParams()
    cargo = score_containers(store.find_events(EventFilter(types=CARGO_TYPES)), now=last,
                             params=risk_params)  # fmt: skip
    boxes = boxes.join(
        cargo.select("container_number", (pl.col("score") / 100).alias("p_cargo"),
                     pl.col("reasons").alias("cargo_reasons")),
        on="container_number", how="left",
    ).with_columns(pl.col("p_cargo").fill_null(0.0))  # fmt: skip
    manifests = _box_manifests(store.manifests(), names)
    boxes = boxes.join(
        manifests.select("container_number", *PARTY_COLUMNS, "declarant", "hs_code",
                         "place_of_receipt", "port_of_loading", "gross_weight_kg",
                         "declared_value"),
        on="container_number", how="left",
    )  # fmt: skip
    flags = party_flags(store, last)
    inherited = [
        party_risk(((c, row.get(c)) for c in PARTY_COLUMNS), flags, params.party_weight, party_key)
        for row in boxes.iter_rows(named=True)
    ]
    p_model = np.zeros(boxes.height)
    critical = np.zeros(boxes.height)
    if model is not None and not manifests.is_empty():
        covered = boxes.filter(pl.col("shipper").is_not_null() | pl.col("consignee").is_not_null())
        predicted = model.predict(manifest_declarations(covered, day))
        where = {box: i for i, box in enumerate(boxes["container_number"])}
        for box, score, crit in zip(
            covered["container_number"], predicted["score"], predicted["critical"], strict=True
        ):
            p_model[where[box]] = float(score)
            critical[where[box]] = 0.0 if np.isnan(crit) else float(crit)
    p_cargo = boxes["p_cargo"].to_numpy().astype(np.float64)
    p_party = np.array([p for p, _ in inherited], dtype=np.float64)
    risk = np.clip(1 - (1 - p_cargo) * (1 - p_party) * (1 - p_model), 0.0, 1.0)
    severity = 1 + params.critical_weight * critical
    listed = banned_list_hits(store)
    held_by = [
        (banned_match([row.get(c) for c in PARTY_COLUMNS], banned) if banned else None)
        or next((listed[k] for c in PARTY_COLUMNS if (k := party_key(row.get(c) or "")) in listed),
                None)
        for row in boxes.iter_rows(named=True)
    ]  # fmt: skip
    scan = site.scan_minutes(params)
    candidates = Candidates(
        ids=tuple(names),
        risk=risk,
        severity=severity,
        scan_minutes=np.full(boxes.height, scan),
        earliest=_minutes(boxes["earliest"], origin),
        latest=_minutes(boxes["latest"], origin),
        held=np.array([h is not None for h in held_by], dtype=np.bool_),
    )
    gathered = (datetime.now(UTC) - began).total_seconds()
    slots = slots_of(site.scanners, tuple((float(a), float(b)) for a, b in site.shifts))
    plan = plan_inspections(candidates, slots, params, np.random.default_rng(seed), method)
    reasons = [
        _reasons(row, inherited[i][1], p_model[i], critical[i], held_by[i], model is not None)
        for i, row in enumerate(boxes.select("cargo_reasons", "shipper").iter_rows(named=True))
    ]
    slot_of = [plan.slots[k] if k >= 0 else None for k in plan.slot]
    rows = pl.DataFrame(
        {
            "site": site.site,
            "plan_date": day,
            "planned_at": planned_at or datetime.now(UTC),
            "container_number": names,
            "lane": list(plan.lane),
            "selected_by": list(plan.selected_by),
            "probability": plan.probability,
            "risk": risk,
            "severity": severity,
            "value": risk * severity,
            "scan_minutes": candidates.scan_minutes,
            "earliest": boxes["earliest"],
            "latest": boxes["latest"],
            "scanner": [s.scanner + 1 if s else None for s in slot_of],
            "shift_start": [origin + timedelta(minutes=s.start) if s else None for s in slot_of],
            "shift_end": [origin + timedelta(minutes=s.end) if s else None for s in slot_of],
            "vessel_imo": boxes["vessel_imo"],
            "bill_of_lading": boxes["bill_of_lading"],
            "reasons": reasons,
            "method": plan.method,
            "seed": seed,
        },
        schema=INSPECTION_PLAN_SCHEMA,
    )
    rows = rows.sort(
        pl.col("lane").replace_strict(LANE_ORDER, return_dtype=pl.Int8), pl.col("value"),
        "container_number", descending=[False, True, False],
    )  # fmt: skip
    capacity = sum(s.capacity for s in slots)
    return DayPlan(site, day, rows, plan, capacity, gathered)


def banned_list_hits(store: Store) -> dict[str, str]:
    """The manifest parties that screening matched to an active entry of a `banned_companies`
    list (their stored `list_match` events), by `party_key`: what the plan says of each, the
    list, the entry and the score. Their boxes are held like those of the banned-parties file."""
    events = store.find_events(EventFilter(types=(LIST_MATCH,)))
    hits: dict[str, str] = {}
    for row in events.sort("score", descending=True).iter_rows(named=True):
        subject = row["subject"] or {}
        evidence = json.loads(row["evidence"] or "{}")
        if subject.get("kind") != "company" or evidence.get("list_kind") != "banned_companies":
            continue
        party = str(subject.get("id", ""))
        score = float(row["score"] or 0)
        hits.setdefault(party_key(party), f"{party} (list {evidence.get('list')}: "
                        f"{evidence.get('entry_name')}, score {score:.2f})")  # fmt: skip
    return hits


FLAG_TYPES: Final = (*OWNERSHIP_TYPES, LIST_MATCH)
"""The company events a party of a plan's box is flagged by (`party_flags`)."""


def party_flags(store: Store, now: datetime) -> dict[str, tuple[float, str]]:
    """The manifest parties, by `party_key`, that the ownership graph or screening flags as a
    company by `now`: a `shell_company`, `owned_by_listed` or `owned_by_shell` event about a
    registry company (keyed by its name and aliases), or a `list_match` on a list other than
    banned companies (those hold the box: `banned_list_hits`); the strongest event's
    confidence (0–1) and a sentence saying what it is."""
    events = store.find_events(EventFilter(types=FLAG_TYPES)).filter(
        (pl.col("subject").struct.field("kind") == "company")
        & (pl.col("status").fill_null("active") != "retracted")
        & (pl.col("start") <= now)
    )
    if events.is_empty():
        return {}
    ids = events.filter(pl.col("type") != LIST_MATCH)["subject"].struct.field("id").unique()
    names: dict[str, list[str]] = {}
    if len(ids):
        registry = store.registry_entities(ids.to_list())
        for row in registry.select("entity_id", "name", "aliases").iter_rows(named=True):
            names[row["entity_id"]] = [row["name"], *(row["aliases"] or ())]
    flags: dict[str, tuple[float, str]] = {}
    for row in events.sort("confidence", "id", descending=[True, False]).iter_rows(named=True):
        evidence = json.loads(row["evidence"] or "{}")
        subject = str(row["subject"]["id"])
        if row["type"] == LIST_MATCH:
            if evidence.get("list_kind") == "banned_companies":
                continue
            keys = [subject]
            found = f"on the list {evidence.get('list')}: {evidence.get('entry_name')}"
        else:
            keys = names.get(subject) or [str(evidence.get("name") or subject)]
            found = str((evidence.get("reasons") or [subject])[0])
        strength = float(row["confidence"] if row["confidence"] is not None else row["score"] or 0)
        text = f"{event_type(row['type']).title.lower()} ({strength:.2f}: {found})"
        for name in keys:
            if name:
                flags.setdefault(party_key(name), (strength, text))
    return flags


def _reasons(
    row: dict[str, Any],
    parties: list[dict[str, Any]],
    p_model: float,
    critical: float,
    held_by: str | None,
    modelled: bool,
) -> str:
    """The reasons of a box's risk as a JSON list of {source, text}: banned party, its cargo
    events, its flagged parties (`parties`), the customs model."""
    out: list[dict[str, Any]] = []
    if held_by:
        out.append({"source": "banned", "text": f"party on the banned list: {held_by}"})
    for reason in json.loads(row["cargo_reasons"]) if row["cargo_reasons"] else []:
        out.append({"source": "cargo", "text": reason.get("text", reason.get("kind", "")),
                    "points": reason.get("points")})  # fmt: skip
    for reason in parties:
        out.append({"source": "party", "text": reason["text"],
                    "contribution": reason["contribution"]})  # fmt: skip
    if modelled and row.get("shipper") is not None:
        out.append({"source": "model", "text": f"customs model: fraud {p_model:.0%}, "
                    f"critical {critical:.0%} (declaration from the manifest)"})  # fmt: skip
    return json.dumps(out)


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
