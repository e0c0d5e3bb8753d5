"""Coastal radars: the sites with their coverage (radar horizon for a target height, capped by
the instrumented range) as a map layer, and the radar tracks paired with AIS vessels by the last
detection run, and the last radar siting plan (`balise plan radars`). Dark targets are events
(`GET /api/v1/events?type=dark_target`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from balise.api.auth import requires
from balise.api.deps import StoreDep
from balise.api.problems import not_found
from balise.maritime.radar_coverage import (
    DEFAULT_TARGET_HEIGHT_M,
    coverage_polygons,
    coverage_range_nm,
)

router = APIRouter(tags=["radar"], dependencies=[Depends(requires("picture"))])


class Association(BaseModel):
    track_id: str
    mmsi: int
    start: datetime
    end: datetime
    contacts: int
    matched: int
    median_distance_m: float | None


@router.get("/api/v1/radar/sites")
def radar_sites(
    store: StoreDep,
    target_height_m: Annotated[
        float, Query(gt=0, le=50, description="Height of the target above the sea (m): 1-2 for "
                     "a go-fast or a semi-submersible, 10-30 for a ship.")
    ] = DEFAULT_TARGET_HEIGHT_M,
) -> dict[str, Any]:  # fmt: skip
    """Each radar site as a GeoJSON Feature: its coverage polygon, with the site's position,
    antenna height, instrumented range and the coverage range for `target_height_m`."""
    sites = store.radar_sites()
    if sites.is_empty():
        return {"type": "FeatureCollection", "features": []}
    ranges = coverage_range_nm(sites, target_height_m)
    polygons = dict(coverage_polygons(sites, target_height_m))
    features = []
    for site, reach in zip(sites.iter_rows(named=True), ranges, strict=True):
        shape = polygons.get(site["sensor_id"])
        features.append({
            "type": "Feature", "id": site["sensor_id"],
            "geometry": shapely.geometry.mapping(shape) if shape is not None else None,
            "properties": site | {"coverage_nm": round(float(reach), 2),
                                  "target_height_m": target_height_m},
        })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


@router.get(
    "/api/v1/radar/plans/latest",
    responses={404: {"description": "No plan made in this workspace yet"}},
)
def radar_plan_latest(store: StoreDep) -> dict[str, Any]:
    """The last plan of `balise plan radars` in this workspace, as its GeoJSON FeatureCollection:
    the chosen sites (`role` "site": rank, gain, gain_share, reach_nm), their coverage (`role`
    "coverage") and the existing sites' coverage (`role` "existing_coverage"); `properties` say
    the method, the covered share before and after, and `planned_at`."""
    found = store.table("radar_plan")
    if found is None or found.is_empty():
        raise not_found("radar plan", "latest")
    row = found.sort("planned_at").row(-1, named=True)
    document: dict[str, Any] = json.loads(row["geojson"])
    document.setdefault("properties", {})["planned_at"] = row["planned_at"].isoformat()
    return document


@router.get("/api/v1/radar/associations", response_model=list[Association])
def radar_associations(
    store: StoreDep,
    mmsi: Annotated[int | None, Query(ge=0, le=999_999_999)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[dict[str, Any]]:
    """Radar tracks paired with AIS vessels by the last detection run, newest first."""
    found = store.table("radar_associations", mmsi)
    if found is None or found.is_empty():
        return []
    return found.sort("end", descending=True).head(limit).to_dicts()
