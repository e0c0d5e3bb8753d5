"""Inspection: the sites' scanners, a site's plan for a day against its capacity (each box's
lane, why it was selected, its selection probability, risk, severity, slot, window and
reasons), planning a day, recording what an inspection found, and the hit rates over time.

The same engine as `balise cargo plan|result|performance` (`balise.engine.inspection`): a plan
made here is the one the CLI would store, and replaces that day's. Plans say which boxes the
scanners will check (`inspection` in docs/security.md: customs and police; read by
administrators, analysts and watch officers; planned and recorded by analysts); every read of a
plan is audited with the boxes it returned, every plan and result with who made it. The plan's
boxes are paged with a keyset cursor over (lane, expected value descending, number).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from balise.api.auth import current, record, record_read, requires
from balise.api.deps import StoreDep
from balise.api.pagination import bad_cursor, next_link
from balise.api.problems import ProblemError, not_found
from balise.engine.inspection import (
    LANE_ORDER,
    lane_counts,
    performance,
    plan_and_store,
    record_result,
    stored_plan,
    used_minutes,
)
from balise.engine.inspection_setup import (
    InspectionSetup,
    capacity_minutes,
    inspection_setup,
    site_name,
)
from balise.errors import UsageError
from balise.inspection.estimate import HitRates
from balise.inspection.params import Site
from balise.model.containers import is_valid_container, normalise_container
from balise.store.base import Store
from balise.workspace import Workspace

router = APIRouter(tags=["inspection"], dependencies=[Depends(requires("inspection"))])
CHANGE: Final = [Depends(requires("inspection", "change"))]

_CURSOR: Final = "p1."
LOCODE: Final = r"^[A-Za-z]{2}[A-Za-z2-9]{3}$"
Lane = Literal["red", "yellow", "green"]
SiteCode = Annotated[str, PathParam(pattern=LOCODE, description="The site's UN/LOCODE (FRLEH).")]


class SiteOut(BaseModel):
    code: str = Field(description="UN/LOCODE of the site.")
    name: str | None = Field(description="The port's name, when Balise's port list has it.")
    scanners: int
    scans_per_hour: float | None = Field(description="Throughput of one scanner (null: the "
                                         "setting inspection.scan_minutes).")  # fmt: skip
    scan_minutes: float = Field(description="Scanner minutes per container.")
    shifts: list[str] = Field(description="Daily shifts, UTC (`06:00-13:00`).")
    capacity_minutes: float = Field(description="Scanner minutes a day: scanners × shifts.")


class SitesOut(BaseModel):
    items: list[SiteOut]
    source: str = Field(description="The sites table read (setting inspection.sites_file).")


class PlanReason(BaseModel):
    source: str = Field(description="banned (a listed party), cargo (an event) or model.")
    text: str
    points: float | None = Field(default=None, description="Its share of the cargo score.")


class ResultOut(BaseModel):
    container_number: str
    inspected_on: dt.date
    found: bool
    what: str | None
    recorded_at: datetime
    recorded_by: str | None = Field(description="The account that recorded it.")


class PlanBox(BaseModel):
    container_number: str
    lane: Lane = Field(description="red: scanned; yellow: documentary check; green: released.")
    selected_by: str | None = Field(description="held (banned party), risk, exploration (drawn "
                                    "at random) or null (not selected).")  # fmt: skip
    probability: float = Field(description="Probability of being scanned under the plan: 1 by "
                               "risk or held, the draw's odds for the others.")  # fmt: skip
    risk: float = Field(description="0–1: indicators, not proof.")
    severity: float = Field(description="1 + weight × probability of a critical find.")
    value: float = Field(description="Expected value of a scan: risk × severity.")
    scan_minutes: float
    earliest: datetime = Field(description="Discharged: the window opens.")
    latest: datetime = Field(description="Gate-out (actual, planned or assumed).")
    scanner: int | None = Field(description="The scanner (1, 2, …) given the box, if any.")
    shift_start: datetime | None
    shift_end: datetime | None
    vessel_imo: int | None
    bill_of_lading: str | None
    reasons: list[PlanReason]
    result: ResultOut | None = Field(description="The result recorded on the plan's day.")


class PlanOut(BaseModel):
    site: str
    name: str | None
    date: dt.date
    planned_at: datetime
    method: str | None = Field(description="exact (MILP) or greedy.")
    seed: int | None = Field(description="Seed of the random draw (to replay it).")
    capacity_minutes: float | None = Field(description="Scanner minutes of the day (null when "
                                           "the site left the sites table).")  # fmt: skip
    used_minutes: float = Field(description="Scanner minutes the plan uses.")
    candidates: int = Field(description="Boxes in the window that day.")
    lanes: dict[str, int] = Field(description="Boxes per lane (red, yellow, green).")
    selected_by: dict[str, int] = Field(description="Boxes per reason of selection.")
    items: list[PlanBox] = Field(description="The boxes of this page, by lane then value.")
    next: str | None = Field(description="Cursor of the next page (null on the last page).")


class PlanRequest(BaseModel):
    site: str = Field(pattern=LOCODE, description="The site's UN/LOCODE (FRLEH).")
    date: dt.date = Field(description="The day to plan (UTC).")
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1,
                             description="Seed of the random draw (default: fresh).")  # fmt: skip


class ResultRequest(BaseModel):
    container_number: str = Field(max_length=20, description="ISO 6346, with its check digit.")
    date: dt.date | None = Field(
        default=None,
        description="Day of the inspection (default: today, UTC); the plan of that day is the "
        "one it counts for.",
    )
    found: bool = Field(description="Whether the inspection found something.")
    what: str | None = Field(default=None, max_length=500, description="What (free text).")


class RecordedOut(ResultOut):
    on_plan: bool = Field(description="Whether the box was on a stored plan of that day; "
                          "results off a plan do not count in the hit rates.")  # fmt: skip


class Rates(BaseModel):
    population: int = Field(description="Candidates that could be scanned (probability > 0).")
    scanned: int = Field(description="Red boxes with a recorded result.")
    found: int
    naive: float | None = Field(description="Finds ÷ scans: biased towards the risky boxes.")
    horvitz_thompson: float | None = Field(description="Inverse-propensity estimate of the hit "
                                           "rate over every candidate.")  # fmt: skip
    self_normalised: float | None = Field(description="Hájek (self-normalised) estimate.")


class DayRates(Rates):
    site: str
    date: dt.date


class PerformanceOut(BaseModel):
    site: str | None
    overall: Rates
    days: list[DayRates] = Field(description="Per planned day, oldest first.")


def _setup(request: Request) -> InspectionSetup:
    workspace: Workspace = request.app.state.workspace
    try:
        return inspection_setup(workspace.settings().values, workspace.root)
    except UsageError as err:  # a broken sites table or banned list: the operator's to fix
        raise ProblemError(409, "Inspection setup unreadable", str(err),
                           kind="inspection-setup") from err  # fmt: skip


def _site_out(site: Site, setup: InspectionSetup) -> dict[str, Any]:
    def clock(minutes: int) -> str:
        return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"

    return {"code": site.site, "name": site_name(site.site), "scanners": site.scanners,
            "scans_per_hour": site.scans_per_hour, "scan_minutes": site.scan_minutes(setup.params),
            "shifts": [f"{clock(a)}-{clock(b)}" for a, b in site.shifts],
            "capacity_minutes": capacity_minutes(site)}  # fmt: skip


@router.get("/api/v1/inspection/sites", response_model=SitesOut,
            responses={409: {"description": "The sites table cannot be read"}})  # fmt: skip
def list_sites(request: Request) -> dict[str, Any]:
    """The inspection sites and their scanners: count, throughput, shifts and the day's
    capacity in scanner minutes."""
    setup = _setup(request)
    return {"items": [_site_out(s, setup) for _, s in sorted(setup.sites.items())],
            "source": setup.origin}  # fmt: skip


def _encode(rank: int, value: float, number: str) -> str:
    text = json.dumps([rank, value, number], separators=(",", ":"))
    return _CURSOR + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[int, float, str]:
    if not token.startswith(_CURSOR):
        raise bad_cursor()
    body = token[len(_CURSOR) :]
    try:
        raw = base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode("ascii"))
        rank, value, number = json.loads(raw)
        if not (isinstance(rank, int) and isinstance(value, int | float)
                and isinstance(number, str)):  # fmt: skip
            raise TypeError("wrong member types")
    except (binascii.Error, ValueError, TypeError, UnicodeError) as err:
        raise bad_cursor() from err
    return rank, float(value), number


def _box(row: dict[str, Any], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    reasons = json.loads(row["reasons"]) if row["reasons"] else []
    return row | {"selected_by": row["selected_by"] or None, "reasons": reasons,
                  "result": results.get(row["container_number"])}  # fmt: skip


def _plan_page(
    store: Store, rows: pl.DataFrame, sites: dict[str, Site],
    lane: str | None, limit: int, cursor: str | None,
) -> dict[str, Any]:  # fmt: skip
    """The plan's figures and one page of its boxes (of `lane` when given)."""
    first = rows.row(0, named=True)
    site = sites.get(first["site"])
    boxes = rows.with_columns(
        pl.col("lane").replace_strict(LANE_ORDER, default=len(LANE_ORDER),
                                      return_dtype=pl.Int64).alias("rank")
    )  # fmt: skip
    if lane:
        boxes = boxes.filter(pl.col("lane") == lane)
    if cursor:
        rank, value, number = _decode(cursor)
        boxes = boxes.filter(
            (pl.col("rank") > rank)
            | ((pl.col("rank") == rank) & (pl.col("value") < value))
            | ((pl.col("rank") == rank) & (pl.col("value") == value)
               & (pl.col("container_number") > number))
        )  # fmt: skip
    page = boxes.head(limit + 1)
    shown = page.head(limit)
    results = _results_of(store, first["plan_date"], shown["container_number"].to_list())
    items = [_box(r, results) for r in shown.drop("rank").iter_rows(named=True)]
    token = None
    if page.height > limit:
        last = shown.row(shown.height - 1, named=True)
        token = _encode(last["rank"], last["value"], last["container_number"])
    chosen = rows["selected_by"].fill_null("").value_counts()
    return {
        "site": first["site"], "name": site_name(first["site"]), "date": first["plan_date"],
        "planned_at": first["planned_at"], "method": first["method"], "seed": first["seed"],
        "capacity_minutes": capacity_minutes(site) if site is not None else None,
        "used_minutes": used_minutes(rows), "candidates": rows.height,
        "lanes": lane_counts(rows),
        "selected_by": {str(k): int(n) for k, n in chosen.iter_rows() if k},
        "items": items, "next": token,
    }  # fmt: skip


def _results_of(store: Store, day: dt.date, boxes: list[str]) -> dict[str, dict[str, Any]]:
    results = store.inspection_results().filter(
        (pl.col("inspected_on") == day) & pl.col("container_number").is_in(boxes)
    )
    return {r["container_number"]: r for r in results.iter_rows(named=True)}


LaneQuery = Annotated[Lane | None, Query(description="Only the boxes of this lane.")]
Limit = Annotated[int, Query(ge=1, le=1000)]
Cursor = Annotated[str | None, Query(max_length=512)]


@router.get(
    "/api/v1/inspection/plans/{site}/{date}", response_model=PlanOut,
    responses={400: {"description": "A cursor this API did not issue"},
               404: {"description": "No stored plan of this site on this day"}},
)  # fmt: skip
def get_plan(
    request: Request, response: Response, store: StoreDep, site: SiteCode,
    date: Annotated[dt.date, PathParam(description="The plan's day, YYYY-MM-DD (UTC).")],
    lane: LaneQuery = None, limit: Limit = 100, cursor: Cursor = None,
) -> dict[str, Any]:  # fmt: skip
    """A site's stored plan for a day against its capacity: scanner minutes used and
    available, boxes per lane, and the boxes (red first, by expected value), each with its
    lane, why it was selected, its selection probability, risk, severity, slot, window,
    reasons and the result recorded that day, a page at a time."""
    code = site.upper()
    rows = stored_plan(store, code, date)
    if rows.is_empty():
        raise not_found("inspection plan of", f"{code} on {date}")
    try:
        sites = _setup(request).sites
    except ProblemError:  # the stored plan still reads; its capacity is unknown
        sites = {}
    page = _plan_page(store, rows, sites, lane, limit, cursor)
    if page["next"]:
        response.headers["Link"] = next_link(request.url, page["next"])
    record_read(request, "inspection", [i["container_number"] for i in page["items"]],
                len(page["items"]))  # fmt: skip
    return page


def _invalid_body(name: str, detail: str) -> ProblemError:
    errors = [{"in": "body", "pointer": f"#/{name}", "detail": detail}]
    return ProblemError(422, "Invalid parameters", f"invalid: {name}", kind="invalid-parameters",
                        errors=errors)  # fmt: skip


@router.post("/api/v1/inspection/plans", status_code=201, response_model=PlanOut,
             dependencies=CHANGE,
             responses={409: {"description": "The sites table cannot be read"},
                        422: {"description": "An unknown site, a bad date or seed"}})  # fmt: skip
def make_plan(
    request: Request, response: Response, store: StoreDep, body: PlanRequest,
    limit: Limit = 100,
) -> dict[str, Any]:  # fmt: skip
    """Plan a site's inspections for a day (which discharged boxes the scanners check, the
    lanes, the random exploration share with each box's selection probability), store the
    plan (it replaces that day's) and return it with its first page of boxes."""
    setup = _setup(request)
    try:
        site = setup.site(body.site)
    except UsageError as err:
        raise _invalid_body("site", str(err)) from err
    done = plan_and_store(store, setup, site, body.date, seed=body.seed)
    record(request, "change", "inspection", [f"{site.site} {body.date}"], done.rows.height,
           f"planned (seed {done.rows['seed'][0] if done.rows.height else body.seed})")  # fmt: skip
    response.headers["Location"] = f"/api/v1/inspection/plans/{site.site}/{body.date}"
    rows = stored_plan(store, site.site, body.date)
    if rows.is_empty():  # no candidate: the plan is empty, its figures still say so
        return _empty_plan(site, body.date, done.rows, setup)
    return _plan_page(store, rows, setup.sites, None, limit, None)


def _empty_plan(
    site: Site, day: dt.date, rows: pl.DataFrame, setup: InspectionSetup
) -> dict[str, Any]:
    return {"site": site.site, "name": site_name(site.site), "date": day,
            "planned_at": datetime.now(UTC), "method": None, "seed": None,
            "capacity_minutes": capacity_minutes(site), "used_minutes": 0.0,
            "candidates": rows.height, "lanes": lane_counts(rows), "selected_by": {},
            "items": [], "next": None}  # fmt: skip


@router.post("/api/v1/inspection/results", status_code=201, response_model=RecordedOut,
             dependencies=CHANGE,
             responses={422: {"description": "Not an ISO 6346 number, or a bad date"}})  # fmt: skip
def post_result(request: Request, store: StoreDep, body: ResultRequest) -> dict[str, Any]:
    """Record what an inspection found (or that it found nothing), as the signed-in account;
    a later result of the same box and day replaces it."""
    number = normalise_container(body.container_number)
    if not is_valid_container(number):
        raise _invalid_body("container_number", f"{body.container_number!r} is not an ISO 6346 "
                            "number with its check digit")  # fmt: skip
    day = body.date or datetime.now(UTC).date()
    who = current(request).username
    what = body.what.strip() or None if body.what else None
    on_plan = record_result(store, number, day, body.found, what, who)
    record(request, "change", "inspection", [number], 1,
           f"result {day}: {'found' if body.found else 'nothing found'}")  # fmt: skip
    stored = store.inspection_results(number).filter(pl.col("inspected_on") == day)
    return stored.row(0, named=True) | {"on_plan": on_plan}


def _rates(rates: HitRates) -> dict[str, Any]:
    return {"population": rates.population, "scanned": rates.scanned, "found": rates.found,
            "naive": rates.naive, "horvitz_thompson": rates.horvitz_thompson,
            "self_normalised": rates.self_normalised}  # fmt: skip


@router.get("/api/v1/inspection/performance", response_model=PerformanceOut)
def get_performance(
    request: Request, store: StoreDep,
    site: Annotated[str | None, Query(pattern=LOCODE, description="Only this site.")] = None,
) -> dict[str, Any]:  # fmt: skip
    """The hit rate of inspections over every stored plan, overall and per day: naive (finds
    ÷ scans, biased towards the boxes chosen for their risk) beside the inverse-propensity
    estimates over every candidate (Horvitz-Thompson and self-normalised), with the counts."""
    code = site.upper() if site else None
    found = performance(store, code)
    record_read(request, "inspection", [], len(found.days))
    return {"site": code, "overall": _rates(found.overall),
            "days": [{"site": s, "date": d, **_rates(r)} for s, d, r in found.days]}  # fmt: skip
