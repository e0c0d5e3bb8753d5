"""Vessels: search by any identifier, the dossier, the track as GeoJSON or MF-JSON.

Search reads the fleet snapshot (`balise.api.fleet`): every name, call sign and IMO number a
vessel ever reported is searchable, so a vessel is found by a former name too (identity
changes are what an analyst is often chasing). Matches rank exact identifier first, then a
name starting with the query, then a name containing it; ties by risk score, highest first.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final

import polars as pl
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from balise.api.auth import allowed, record_read, requires
from balise.api.deps import StoreDep
from balise.api.fleet import SEARCH_COLUMNS, FleetDep, normalise
from balise.api.params import time_range
from balise.api.problems import not_found
from balise.engine.dossier import dossier
from balise.io.exports.geojson import track_geojson
from balise.io.exports.mfjson import track_mfjson
from balise.store.base import PositionStore

router = APIRouter(tags=["vessels"], dependencies=[Depends(requires("picture"))])

MmsiPath = Annotated[int, Path(ge=0, le=999_999_999, description="The vessel's MMSI.")]
NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {404: {"description": "No such vessel"}}
MAX_TRACK_POSITIONS: Final = 200_000
"""A track longer than this is cut to its latest positions (a year of 2-minute reports)."""


class VesselHit(BaseModel):
    """A vessel found by a search: its current identity, last position and risk."""

    mmsi: int
    name: str | None
    call_sign: str | None
    imo: int | None
    ship_type: int | None
    ship_type_text: str | None
    flag: str | None = Field(description="ISO 3166-1 alpha-2 of the MMSI's MID.")
    last_seen: datetime | None = Field(description="Time of the last position.")
    lat: float | None
    lon: float | None
    score: float | None = Field(description="Risk score 0-100 (an indicator, not proof).")
    band: str | None = Field(description='"low", "medium" or "high".')
    matched: str = Field(description="What matched: mmsi, imo, call_sign, name, former_name.")


class VesselHits(BaseModel):
    query: str
    items: list[VesselHit]


def _rank(fleet: pl.DataFrame, q: str) -> pl.DataFrame:
    """Vessels matching `q` with `rank` (0 exact identifier, 1 name prefix, 2 name substring)
    and `matched`; `fleet` has the search's columns (`SEARCH_COLUMNS`)."""
    assert set(SEARCH_COLUMNS) <= set(fleet.columns)
    text = normalise(q)
    digits = re.sub(r"^IMO\s*", "", text).replace(" ", "")
    mmsi, names, current = pl.col("mmsi_text"), pl.col("names_key"), pl.col("current_key")
    rules: list[tuple[pl.Expr, int, str]] = []
    if digits.isdigit():
        rules += [
            (mmsi == digits, 0, "mmsi"),
            (pl.col("imos_key").str.contains(f"|{digits}|", literal=True), 0, "imo"),
            (mmsi.str.starts_with(digits), 1, "mmsi"),
        ]
    if text:
        rules += [
            (pl.col("call_signs_key").str.contains(f"|{text}|", literal=True), 0, "call_sign"),
            (current == text, 0, "name"),
            (current.str.starts_with(text), 1, "name"),
            (names.str.contains(f"|{text}", literal=True), 1, "former_name"),
            (current.str.contains(text, literal=True), 2, "name"),
            (names.str.contains(text, literal=True), 2, "former_name"),
        ]
    if not rules:
        return fleet.clear().with_columns(pl.lit(0).alias("rank"), pl.lit("").alias("matched"))
    rank, matched = pl.lit(None, pl.Int32), pl.lit(None, pl.String)
    for condition, value, what in reversed(rules):  # the first rule that holds wins
        rank = pl.when(condition).then(pl.lit(value, pl.Int32)).otherwise(rank)
        matched = pl.when(condition).then(pl.lit(what)).otherwise(matched)
    ranked = fleet.with_columns(rank.alias("rank"), matched.alias("matched"))
    return ranked.filter(pl.col("rank").is_not_null())


def search_vessels(fleet: pl.DataFrame, q: str | None, limit: int) -> list[dict[str, Any]]:
    """The best `limit` vessels of `fleet` (with `SEARCH_COLUMNS`) matching `q`; without a
    query, the highest risk first."""
    if q is None or not q.strip():
        found = fleet.with_columns(pl.lit(0).alias("rank"), pl.lit("risk").alias("matched"))
    else:
        found = _rank(fleet, q)
    found = found.sort(["rank", "score", "mmsi"], descending=[False, True, False],
                       nulls_last=True).head(limit)  # fmt: skip
    columns = [name for name in VesselHit.model_fields if name not in ("last_seen", "matched")]
    return found.select(*columns, pl.col("time").alias("last_seen"), "matched").to_dicts()


@router.get("/api/v1/vessels", response_model=VesselHits)
def list_vessels(
    fleet: FleetDep, store: StoreDep,
    q: Annotated[str | None, Query(max_length=100, description=
                 "Name (any part, accents and case ignored; former names too), MMSI, IMO "
                 "number or call sign. Without it: the vessels of highest risk.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:  # fmt: skip
    """Find vessels by name, MMSI, IMO or call sign."""
    return {"query": q or "", "items": search_vessels(fleet.searchable(store), q, limit)}


@router.get("/api/v1/vessels/{mmsi}", responses=NOT_FOUND)
def get_vessel(request: Request, mmsi: MmsiPath, store: StoreDep) -> dict[str, Any]:
    """The dossier: identity now and over time per source, flag, positions summary, risk with
    its reasons, likely destination, voyages and events (newest first). A watchlist hit among
    the reasons is shown only to those who may read the watchlist, the containers it carried
    (reason `cargo`) only to those who may read containers (`withheld` counts the reasons left
    out)."""
    if not store.knows_vessel(mmsi):
        raise not_found("vessel with MMSI", mmsi)
    found = dossier(store, mmsi)
    risk = found.get("risk")
    if isinstance(risk, dict) and isinstance(risk.get("reasons"), list):
        hidden = {kind for kind, resource in (("watchlist", "watchlist"), ("cargo", "container"))
                  if not allowed(request, resource, "read")}  # fmt: skip
        if "watchlist" not in hidden and any(r.get("kind") == "watchlist" for r in risk["reasons"]):
            record_read(request, "watchlist", [str(mmsi)])
        if hidden:
            kept = [r for r in risk["reasons"] if r.get("kind") not in hidden]
            risk["withheld"] = len(risk["reasons"]) - len(kept)
            risk["reasons"] = kept
    return found


class TrackFormat(StrEnum):
    geojson = "geojson"
    mfjson = "mfjson"


MEDIA_TYPES: Final = {TrackFormat.geojson: "application/geo+json",
                      TrackFormat.mfjson: "application/json"}  # fmt: skip
TRACK_RESPONSES: Final[dict[int | str, dict[str, Any]]] = NOT_FOUND | {
    200: {
        "description": "GeoJSON Feature (LineString / MultiLineString cut at the antimeridian, "
        "per-vertex `coordTimes`, `sog_knots`, `cog_deg`) or an OGC MF-JSON MovingPoint.",
        "content": {"application/geo+json": {"schema": {"type": "object"}},
                    "application/json": {"schema": {"type": "object"}}},
    }
}  # fmt: skip


def vessel_track(store: PositionStore, mmsi: int, since: Any, until: Any) -> pl.DataFrame:
    """The vessel's positions in [`since`, `until`), oldest first, at most the latest
    `MAX_TRACK_POSITIONS`."""
    return store.track(mmsi, since, until, MAX_TRACK_POSITIONS)


@router.get("/api/v1/vessels/{mmsi}/track", response_class=JSONResponse,
            responses=TRACK_RESPONSES)  # fmt: skip
def get_track(
    mmsi: MmsiPath, store: StoreDep,
    since: Annotated[datetime | None, Query(description="From (UTC if no zone).")] = None,
    until: Annotated[datetime | None, Query(description="Until, excluded.")] = None,
    format: Annotated[TrackFormat, Query(description="geojson or mfjson.")] = TrackFormat.geojson,
) -> JSONResponse:  # fmt: skip
    """The vessel's track over a time range, as GeoJSON or OGC Moving Features JSON."""
    start, end = time_range(since, until)
    if not store.knows_vessel(mmsi):
        raise not_found("vessel with MMSI", mmsi)
    track = vessel_track(store, mmsi, start, end)
    properties = {"mmsi": mmsi}
    writer = track_geojson if format is TrackFormat.geojson else track_mfjson
    return JSONResponse(writer(track, properties), media_type=MEDIA_TYPES[format])
