"""Ports and anchorages: the places the port-visit and encounter detectors measure from, as a map
layer. Ports come from the UN/LOCODE gazetteer (with the high-risk list's flag), anchorages from
Global Fishing Watch's named anchorages; a bounding box keeps a view's answer small."""

from __future__ import annotations

import functools
import gzip
import json
from typing import Annotated, Final

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from balise.api.auth import requires
from balise.api.params import BBoxQuery, parse_bbox
from balise.api.routers.positions import accepts_gzip
from balise.model.box import Box

router = APIRouter(tags=["ports"], dependencies=[Depends(requires("picture"))])

MAX_FEATURES: Final = 20_000


@functools.cache
def places() -> pl.DataFrame:
    """Every port (`kind` "port", with `locode` and `high_risk`) and named anchorage (`kind`
    "anchorage"), ports first: `kind`, `locode`, `name`, `country`, `high_risk`, `lat`, `lon`."""
    from balise.geo.gazetteer import Gazetteer, load_high_risk_ports
    from balise.geo.ports import load_anchorages

    risky = load_high_risk_ports()["locode"].to_list()
    ports = Gazetteer.packaged().ports.select(
        pl.lit("port").alias("kind"),
        "locode",
        "name",
        "country",
        pl.col("locode").is_in(risky).alias("high_risk"),
        "lat",
        "lon",
    )
    anchorages = load_anchorages().select(
        pl.lit("anchorage").alias("kind"),
        pl.lit(None, pl.String).alias("locode"),
        pl.col("label").alias("name"),
        pl.col("iso3").alias("country"),
        pl.lit(False).alias("high_risk"),
        "lat",
        "lon",
    )
    return pl.concat([ports, anchorages])


@router.get("/api/v1/ports", response_class=Response)
def get_ports(
    request: Request, bbox: BBoxQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FEATURES, description="Most features returned.")]
    = 5_000,
) -> Response:  # fmt: skip
    """Ports and named anchorages (in the box when given) as a GeoJSON FeatureCollection, ports
    first; `truncated` says whether `limit` cut the list. Sent gzip-compressed to clients that
    accept it (the whole list is about 1 MB of JSON)."""
    compress = accepts_gzip(request)
    body = ports_body(parse_bbox(bbox), limit, compress)
    headers = {"Vary": "Accept-Encoding"} | ({"Content-Encoding": "gzip"} if compress else {})
    return Response(body, media_type="application/geo+json", headers=headers)


@functools.lru_cache(maxsize=256)
def ports_body(box: Box | None, limit: int, compress: bool = False) -> bytes:
    """The FeatureCollection of the places in `box` (all when None), at most `limit`, gzipped
    when `compress`: the places are the package's and never change, so each answer is made
    once and kept (the last 256 views)."""
    if compress:
        return gzip.compress(ports_body(box, limit), compresslevel=6, mtime=0)
    rows = places()
    if box is not None:
        rows = rows.filter(box.expr())
    shown = rows.head(limit)
    features = [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
         "properties": {k: row[k] for k in ("kind", "locode", "name", "country", "high_risk")}}
        for row in shown.iter_rows(named=True)
    ]  # fmt: skip
    body = {"type": "FeatureCollection", "features": features, "truncated": rows.height > limit}
    return json.dumps(body, separators=(",", ":")).encode()
