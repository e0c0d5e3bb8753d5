"""The inspection planner's settings (`inspection.<field>`) and a site's scanners.

The numbers are settings like the detectors' thresholds (`balise.model.parameters`): each field
of `InspectionParams` is a setting `inspection.<field>` with the docstring under it, which names
its source. A site's scanners (how many, their throughput, their shifts) differ from port to
port and are a small table, not settings: `parse_sites` reads it from CSV rows (`site`,
`scanners`, `scans_per_hour`, `shifts` as `06:00-14:00;14:00-22:00`, UTC); Balise ships one for
Le Havre (`balise/data/inspection_sites.csv`, documented beside it) and a workspace's
`inspection-sites.csv` replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from balise.model.parameters import params_from, settings_of

PREFIX: Final = "inspection"
SITE_COLUMNS: Final = ("site", "scanners", "scans_per_hour", "shifts")
_SHIFT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


@dataclass(frozen=True)
class InspectionParams:
    """The inspection planner's settings (`inspection.<field>`)."""

    exploration_share: float = 0.10
    """Share of each shift's scanner time given to containers drawn at random, with known
    probabilities, so that the hit rate can be estimated without selection bias: 10 % kept the
    revenue of a selection model from collapsing under drift (0.146 → 0.58 Norm-Rev@10 %) and
    never cost more than noise otherwise (Seondong/Customs-Fraud-Detection gATE.pdf Table 3,
    Fig. 8; research note cargo-anchors §4.3)."""
    exact_max_pairs: int = 30_000
    """Largest instance, in (container, scanner slot) pairs a container's window allows, solved
    exactly (MILP, HiGHS); larger ones are planned greedily by value density with the gap to a
    fractional-knapsack bound reported (Balise: 2,000 boxes × 9 slots, ~11,000 pairs, solve
    within 0.3 % in 2.4-4.8 s on 2 cores, greedy is 1.4-3 % short:
    bench/results/inspection_plan.md)."""
    solver_seconds: float = 20.0
    """Longest the MILP solver runs; on time-out its best plan is kept with its gap to HiGHS's
    bound (Balise: a plan is made once a day, not in a loop)."""
    solver_gap_share: float = 0.005
    """The MILP stops once its plan is proven within this share of the optimum (HiGHS
    `mip_rel_gap`): 0.5 % of expected finds is below the noise of the risk estimates
    (Balise)."""
    default_dwell_hours: float = 72.0
    """A discharged box without a planned or actual gate-out is taken to stay this long: median
    import dwell at European terminals is 3-5 days (Balise judgement; research note
    cargo-anchors §4.2 takes the window from discharge to gate-out)."""
    scan_minutes: float = 20.0
    """Scanner minutes per container (scan, moving the box to the scanner and back) when the
    site's table gives no throughput: Le Havre's mobile scanner checks up to 70 boxes a day and
    its fixed one 6-8 (narconews.fr 2025-01-24; tendanceouest.com 2024-03; cargo-anchors
    §3.9)."""
    yellow_per_red: float = 2.0
    """Documentary checks (yellow lane) per physical one (red): the next boxes by expected
    value after those scanned; a document check costs an officer minutes, not a scanner slot
    (Balise judgement; customs selectivity lanes red / yellow / green)."""
    critical_weight: float = 2.0
    """Severity of a container: 1 + this × the model's probability of a critical fraud (drugs,
    false origin: KCS `Critical Fraud` = 2), so a likely critical find weighs up to 3× a plain
    one (Balise judgement)."""
    party_weight: float = 0.5
    """Risk a party of a box's manifest passes on per unit of the strength of what flags it as
    a company (a shell company's score, the match score of an owner on a list, a list match
    other than banned companies, which holds the box instead): a shell consignee at 0.76 makes
    its box 0.38. Half: a flag says who stands behind the box, not what is in it (Balise
    judgement)."""


def inspection_settings() -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per field."""
    return settings_of(PREFIX, InspectionParams, f"{InspectionParams.__module__}.InspectionParams")


def inspection_params(values: Mapping[str, Any]) -> InspectionParams:
    """The planner's settings in force: the `inspection.<field>` entries of resolved settings."""
    return params_from(values, PREFIX, InspectionParams)


@dataclass(frozen=True)
class Site:
    """A site's scanners: how many, their throughput (scans per hour, None: the
    `inspection.scan_minutes` setting) and their daily shifts as (start, end) minutes after
    midnight UTC (an end past 24:00 ends the next day)."""

    site: str
    scanners: int
    scans_per_hour: float | None
    shifts: tuple[tuple[int, int], ...]

    def scan_minutes(self, params: InspectionParams) -> float:
        """Scanner minutes per container at this site."""
        return 60.0 / self.scans_per_hour if self.scans_per_hour else params.scan_minutes


class SiteError(ValueError):
    """A sites table that cannot be read: the line and what is wrong."""


def parse_shifts(text: str) -> tuple[tuple[int, int], ...]:
    """`06:00-14:00;14:00-22:00` as ((360, 840), (840, 1320)); a shift ending at or before its
    start ends the next day (`22:00-06:00`)."""
    shifts = []
    for part in text.split(";"):
        if not part.strip():
            continue
        found = _SHIFT.match(part)
        if found is None:
            raise ValueError(f"shift {part.strip()!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ValueError(f"shift {part.strip()!r}: no such time")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            end += 24 * 60
        shifts.append((start, end))
    if not shifts:
        raise ValueError("no shift")
    return tuple(sorted(shifts))


def parse_sites(header: Sequence[str], rows: Iterable[Sequence[str]]) -> dict[str, Site]:
    """The sites of a table (`SITE_COLUMNS`, header first as `csv.reader` yields it), keyed by
    UN/LOCODE; any bad row raises `SiteError` naming its line (a plan on wrong capacity is
    worse than none)."""
    names = [h.strip().lower() for h in header]
    missing = [c for c in SITE_COLUMNS if c not in names]
    if missing:
        raise SiteError(f"line 1: missing column(s) {', '.join(missing)}")
    where = {c: names.index(c) for c in SITE_COLUMNS}
    sites: dict[str, Site] = {}
    for line, row in enumerate(rows, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise SiteError(f"line {line}: {len(row)} fields, the header has {len(names)}")
        cell = {c: row[i].strip() for c, i in where.items()}
        code = cell["site"].upper()
        try:
            if not _LOCODE.match(code):
                raise ValueError(f"site {cell['site']!r} is not a UN/LOCODE")
            scanners = int(cell["scanners"])
            if scanners < 0:
                raise ValueError("scanners must not be negative")
            rate = float(cell["scans_per_hour"]) if cell["scans_per_hour"] else None
            if rate is not None and not 0 < rate < float("inf"):
                raise ValueError("scans_per_hour must be positive")
            sites[code] = Site(code, scanners, rate, parse_shifts(cell["shifts"]))
        except ValueError as err:
            raise SiteError(f"line {line}: {err}") from err
    return sites
