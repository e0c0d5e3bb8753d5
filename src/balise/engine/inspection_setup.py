"""What a plan reads besides the store: the sites table, banned parties, customs model, settings."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Final

import polars as pl

from balise.cargo.params import cargo_params
from balise.cargo.ports import load_container_ports
from balise.cargo.risk import CargoRiskParams
from balise.engine.targeting import load_model
from balise.errors import UsageError
from balise.inspection.params import (
    InspectionParams,
    Site,
    SiteError,
    inspection_params,
    parse_sites,
)
from balise.inspection.parties import banned_set
from balise.inspection.planner import slots_of
from balise.targeting.model import TargetingModel

SITES_FILE: Final = "inspection-sites.csv"
"""A workspace's sites table, replacing the shipped one."""
MODEL_FILE: Final = "customs-model.zip"
"""A workspace's customs risk model (`balise cargo train --model …`), used by every plan."""
BANNED_FILE: Final = "banned-parties.csv"
"""A workspace's banned parties, one name a line."""


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
