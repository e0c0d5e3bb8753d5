"""`balise plan radars`: where to put the next coastal radars.

Reads the zone (GeoJSON), the candidate sites and the existing ones (CSV, strictly: a bad row
stops the run with every bad row listed, exit 2), weighs the zone with the workspace's stored
traffic and events (when there is a workspace) and the approach corridors, and prints the chosen
sites with their marginal gains and the share covered before and after, as a table or as GeoJSON
(the chosen sites and their coverage, for a map).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import shapely
import typer
from rich.console import Console
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from balise.cli import HELP_MARKUP
from balise.cli.context import settings_for
from balise.cli.output import print_table
from balise.engine.siting import SitingPlan, plan_radars
from balise.errors import BaliseError, UsageError
from balise.geo.landmask import LandMask
from balise.geo.zones import read_zone_file
from balise.io.site_file import read_site_file
from balise.maritime.siting import coverage_polygon, site_reach_nm
from balise.maritime.siting_demand import CORRIDOR_COUNTRIES, siting_params
from balise.maritime.siting_select import Selection
from balise.store.base import RADAR_PLAN_SCHEMA

app = typer.Typer(
    rich_markup_mode=HELP_MARKUP,
    help="Plan sensors: where to put the next coastal radars.",
    no_args_is_help=True,
)

EXISTING_FILE = "radars.csv"
"""The workspace's radar sites (`RADAR_SITE_SCHEMA`), the existing sites by default."""


class PlanFormat(StrEnum):
    table = "table"
    geojson = "geojson"


class MethodChoice(StrEnum):
    auto = "auto"
    greedy = "greedy"
    exact = "exact"


def _sites(path: Path, what: str) -> pl.DataFrame:
    found = read_site_file(path)
    if found.problems:
        listed = "; ".join(f"line {p.line}: {p.reason}" for p in found.problems[:20])
        more = len(found.problems) - 20
        raise UsageError(
            f"{what} {path}: {len(found.problems)} bad row(s): {listed}"
            + (f"; and {more} more" if more > 0 else ""),
            problems=[p._asdict() for p in found.problems],
        )
    return found.sites


def _zone(path: Path) -> BaseGeometry:
    try:
        zones = read_zone_file(path, strict=True).zones
    except BaliseError as err:
        raise UsageError(f"--zone {path}: {err}") from err
    if not zones:
        raise UsageError(f"--zone {path}: no zone in the file")
    return shapely.union_all([z.geometry for z in zones])


@app.command("radars")
def radars(
    ctx: typer.Context,
    zone: Annotated[Path, typer.Option(help="The area to cover: a GeoJSON FeatureCollection.")],
    candidates: Annotated[
        Path, typer.Option(help="Candidate sites, CSV: id,name,lat,lon,antenna_height_m,range_nm.")
    ],
    count: Annotated[int, typer.Option(min=0, help="How many new sites to choose.")],
    existing: Annotated[
        Path | None,
        typer.Option(
            help="Existing sites, CSV as --candidates (default: the workspace's "
            "radar sites stored by `balise ingest radar-sites`, else its radars.csv)."
        ),
    ] = None,
    method: Annotated[
        MethodChoice,
        typer.Option(
            help="greedy ((1-1/e) of the optimum), exact (integer programme, HiGHS), "
            "or auto (exact for small problems)."
        ),
    ] = MethodChoice.auto,
    from_country: Annotated[
        list[str] | None,
        typer.Option(
            help="Country of the approach corridors' ports (gazetteer name, "
            "repeatable; default: Saint_lucia, Dominica, Venezuela, Suriname)."
        ),
    ] = None,
    output: Annotated[PlanFormat, typer.Option("--format")] = PlanFormat.table,
) -> None:
    """Choose COUNT new radar sites among the candidates that cover the most of what matters
    in the zone (stored traffic and events, approach corridors), the existing sites kept."""
    workspace, settings = settings_for(ctx)
    params = siting_params(settings.values)
    area = _zone(zone)
    chosen_from = _sites(candidates, "--candidates")
    store = workspace.open_store() if workspace.store_path.exists() else None
    fixed_path = existing or (workspace.root / EXISTING_FILE)
    if existing is None and store is not None and not store.radar_sites().is_empty():
        fixed = store.radar_sites()  # the sites ingested with `balise ingest radar-sites`
    elif existing is None and not fixed_path.exists():
        fixed = chosen_from.clear()
    else:
        fixed = _sites(fixed_path, "--existing")
    if store is None:
        Console(stderr=True).print(f"no workspace at {workspace.root}: corridors only")
    try:
        plan = plan_radars(
            store, area, chosen_from, fixed, count, method=method.value, params=params,
            countries=tuple(from_country or CORRIDOR_COUNTRIES), on_land=LandMask().on_land,
        )  # fmt: skip
        document = plan_geojson(plan, params.target_height_m)
        if store is not None:  # the map shows the workspace's last plan
            store.save_table("radar_plan", pl.DataFrame(
                {"planned_at": [datetime.now(UTC)], "geojson": [json.dumps(document)]},
                schema=RADAR_PLAN_SCHEMA,
            ))  # fmt: skip
    except ValueError as err:
        raise UsageError(str(err)) from err
    finally:
        if store is not None:
            store.close()
    if output is PlanFormat.geojson:
        sys.stdout.write(json.dumps(document) + "\n")
    else:
        _print_plan(plan)


def _print_plan(plan: SitingPlan) -> None:
    chosen = plan.selection
    rows = [
        [str(rank), site["sensor_id"], site["name"], f"{site['lat']:.4f}", f"{site['lon']:.4f}",
         f"{gain / chosen.total:.1%}" if chosen.total else "-"]
        for rank, (index, gain) in enumerate(zip(chosen.chosen, chosen.gains, strict=True), 1)
        for site in [plan.candidates.row(index, named=True)]
    ]  # fmt: skip
    print_table(
        f"{len(rows)} new site(s), {chosen.method}: covered {chosen.share_before:.1%} -> "
        f"{chosen.share_after:.1%} of the weighted demand ({len(plan.grid)} cells)",
        rows,
        ["rank", "id", "name", "lat", "lon", "gain"],
    )
    shares = [
        [name, f"{before:.1%}", f"{after:.1%}"]
        for name, (before, after) in plan.component_shares().items()
    ]
    print_table("covered share by component", shares, ["component", "before", "after"])


def plan_geojson(plan: SitingPlan, target_height_m: float) -> dict[str, Any]:
    """The chosen sites (points) and their coverage (polygons), then the existing sites'
    coverage, as a FeatureCollection; properties say rank, gain and reach."""
    selection = plan.selection
    reach = site_reach_nm(plan.candidates, target_height_m)
    features: list[dict[str, Any]] = []
    for rank, (index, gain) in enumerate(zip(selection.chosen, selection.gains, strict=True), 1):
        site = plan.candidates.row(index, named=True)
        properties = {**site, "rank": rank, "gain": gain, "gain_share": _share(gain, selection),
                      "reach_nm": float(reach[index])}  # fmt: skip
        point = {"type": "Point", "coordinates": [site["lon"], site["lat"]]}
        area = mapping(coverage_polygon(plan.grid, plan.coverage[index]))
        features.append(_feature(f"site:{site['sensor_id']}", point, properties, "site"))
        features.append(_feature(f"coverage:{site['sensor_id']}", area, properties, "coverage"))
    if plan.existing_coverage.any():
        area = mapping(coverage_polygon(plan.grid, plan.existing_coverage))
        features.append(_feature("coverage:existing", area, {}, "existing_coverage"))
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"method": selection.method, "share_before": selection.share_before,
                       "share_after": selection.share_after, "cells": len(plan.grid)},
    }  # fmt: skip


def _share(gain: float, selection: Selection) -> float:
    return gain / selection.total if selection.total else 0.0


def _feature(
    feature_id: str, geometry: Any, properties: dict[str, Any], role: str
) -> dict[str, Any]:
    return {"type": "Feature", "id": feature_id, "geometry": geometry,
            "properties": {**properties, "role": role}}  # fmt: skip
