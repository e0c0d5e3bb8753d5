"""The map layer: the latest position of every vessel, with what the map draws it by.

Format: columns, not objects. A WebGL layer (deck.gl, regl, raw buffers) wants one array per
attribute (positions, colour by band, angle by course); the default answer is exactly that,
`{"count": n, "columns": {"mmsi": [...], "lon": [...], ...}}`, every array of length `n` and
in the same row order. It is under a third of the bytes of GeoJSON for 10,000 vessels (no repeated
keys, no per-feature envelope), parses faster, and maps onto typed arrays without walking
objects. Times are integer seconds since 1970-01-01 UTC (`time`), coordinates are rounded to
5 decimals (about 1 m). `format=geojson` gives the same rows as a FeatureCollection of Points
for GIS clients.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from balise.api.auth import requires
from balise.api.deps import in_thread
from balise.api.fleet import FleetDep
from balise.api.params import BBoxQuery, parse_bbox, utc
from balise.model.box import Box

router = APIRouter(tags=["positions"], dependencies=[Depends(requires("picture"))])

COLUMNS: Final = ("mmsi", "lon", "lat", "time", "sog_knots", "cog_deg", "heading_deg", "name",
                  "ship_type", "flag", "score", "band")  # fmt: skip


class PositionColumns(BaseModel):
    """One array per attribute, all of the same length, row i being one vessel."""

    mmsi: list[int]
    lon: list[float]
    lat: list[float]
    time: list[int] = Field(description="Time of the position, seconds since 1970 UTC.")
    sog_knots: list[float | None]
    cog_deg: list[float | None]
    heading_deg: list[int | None]
    name: list[str | None]
    ship_type: list[int | None] = Field(description="AIS ship type code.")
    flag: list[str | None] = Field(description="ISO 3166-1 alpha-2 of the MMSI's MID.")
    score: list[float | None] = Field(description="Risk score 0-100 (an indicator, not proof).")
    band: list[str | None] = Field(description='Risk band: "low", "medium", "high".')


class LatestPositions(BaseModel):
    count: int
    columns: PositionColumns


class PositionFormat(StrEnum):
    columns = "columns"
    geojson = "geojson"


def latest_positions(fleet: pl.DataFrame, bbox: Box | None, since: datetime | None) -> pl.DataFrame:
    """Each vessel's last position (vessels never positioned are left out), in the box and
    heard since `since` when given, with the `COLUMNS` of the layer."""
    rows = fleet.filter(pl.col("time").is_not_null())
    if bbox is not None:
        rows = rows.filter(bbox.expr())
    if since is not None:
        rows = rows.filter(pl.col("time") >= since)
    return rows.select(
        "mmsi",
        pl.col("lon").round(5),
        pl.col("lat").round(5),
        pl.col("time").dt.epoch("s").alias("time"),
        pl.col("sog_knots").fill_nan(None).round(1),
        pl.col("cog_deg").fill_nan(None).round(1),
        pl.col("heading_deg").cast(pl.Int32),
        "name",
        pl.col("ship_type").cast(pl.Int32),
        "flag",
        pl.col("score").fill_nan(None).round(1),
        "band",
    )


def columns_body(rows: pl.DataFrame) -> bytes:
    """The columnar JSON document of `rows`."""
    columns = {name: rows[name].to_list() for name in COLUMNS}
    return json.dumps({"count": rows.height, "columns": columns},
                      separators=(",", ":")).encode()  # fmt: skip


def geojson_body(rows: pl.DataFrame) -> bytes:
    """The rows as a GeoJSON FeatureCollection of Points (RFC 7946)."""
    features = [
        {"type": "Feature", "id": row["mmsi"],
         "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
         "properties": {k: v for k, v in row.items() if k not in ("lon", "lat")}}
        for row in rows.iter_rows(named=True)
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":")).encode()  # fmt: skip


def accepts_gzip(request: Request) -> bool:
    """Whether the client's `Accept-Encoding` allows gzip (RFC 9110 §12.5.3: absent from the
    list, or given `q=0`, it does not)."""
    for item in request.headers.get("accept-encoding", "").split(","):
        coding, _, weight = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = weight.strip().removeprefix("q=").strip()
            try:
                return not quality or float(quality) > 0
            except ValueError:
                return False
    return False


RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "model": LatestPositions,
        "description": "Columns (default) or a GeoJSON FeatureCollection (`format=geojson`).",
        "content": {"application/geo+json": {"schema": {"type": "object"}}},
    }
}


@router.get("/api/v1/positions/latest", response_class=Response, responses=RESPONSES)
async def get_latest_positions(
    request: Request, fleet: FleetDep, bbox: BBoxQuery = None,
    since: Annotated[datetime | None, Query(description="Heard at or after (UTC if no zone).")]
    = None,
    format: Annotated[PositionFormat, Query(description="columns or geojson.")]
    = PositionFormat.columns,
) -> Response:  # fmt: skip
    """The latest position of each vessel with its name, type, flag and risk: the map layer.

    Without filters the answer is kept until the data changes, with an entity tag: a client
    sending it back in `If-None-Match` gets 304 Not Modified. It is kept gzip-compressed too
    and sent so to clients that accept gzip (browsers do): about a quarter of the bytes, made
    once per data version rather than per request. A kept answer is sent straight from memory,
    without a database query or a worker thread."""
    encode = geojson_body if format is PositionFormat.geojson else columns_body
    media = "application/geo+json" if format is PositionFormat.geojson else "application/json"
    box, heard = parse_bbox(bbox), utc(since)
    if box is not None or heard is not None:
        body = await in_thread(
            request, lambda store: encode(latest_positions(fleet.get(store), box, heard))
        )
        return Response(body, media_type=media)
    compress = accepts_gzip(request)
    key = f"{format.value}.gz" if compress else format.value

    def made(frame: pl.DataFrame) -> bytes:
        body = encode(latest_positions(frame, None, None))
        return gzip.compress(body, compresslevel=6, mtime=0) if compress else body

    version = request.app.state.store.generation
    kept = fleet.kept(version, key)
    if kept is None:
        kept, version = await in_thread(request, lambda store: fleet.body(store, key, made))
    etag = f'"{fleet.tag(version, key)}"'
    headers = {"ETag": etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if compress:
        headers["Content-Encoding"] = "gzip"
    return Response(kept, media_type=media, headers=headers)
