"""Containers: the boxes at risk (at a port, or by number), one box's journey with its legs,
stops, transshipments, cargo events, bills of lading and risk, and its journey as GeoJSON for the
map.

Containers are sensitive (`container` in docs/security.md: which boxes are suspected), read by
the alert inbox's readers; bills of lading (`manifest`) are shown only to those who may read
manifests (customs and police analysts), else `manifests` is null; releases and gate moves stay
behind `/api/v1/releases` and `/api/v1/gate`. Every read is audited with the containers it
returned. The list is paged with a keyset cursor over (score descending, number).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any, Final

import polars as pl
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from balise.api.auth import allowed, record_read, requires
from balise.api.deps import StoreDep
from balise.api.kept import KeptDep
from balise.api.pagination import bad_cursor, next_link
from balise.api.params import invalid
from balise.api.problems import not_found
from balise.api.routers.events import EventOut
from balise.engine.containers import container_record, containers_at_risk
from balise.model.containers import is_valid_container, normalise_container

router = APIRouter(tags=["containers"], dependencies=[Depends(requires("container"))])

_CURSOR: Final = "c1."
PROBLEMS: Final[dict[int | str, dict[str, Any]]] = {
    404: {"description": "Nothing about this container in the workspace"},
    422: {"description": "Not an ISO 6346 container number with its check digit"},
}
Number = Annotated[str, PathParam(max_length=20, description="ISO 6346 container number.")]


class Reason(BaseModel):
    kind: str = Field(description="The event type behind the reason.")
    points: float = Field(description="Its share of the score (the points add up to it).")
    text: str
    event_id: str | None = None
    events: int | None = None


class Risk(BaseModel):
    score: float = Field(description="0–100: indicators, not proof.")
    band: str = Field(description="low, medium or high.")
    reasons: list[Reason]
    computed_at: datetime = Field(description="The record's latest time the score is at.")


class ContainerRow(BaseModel):
    container_number: str
    score: float
    band: str
    reasons: list[Reason]
    events: int = Field(description="Cargo events about the box.")
    event_types: list[str]
    last_port: str | None = Field(description="UN/LOCODE of its last actual event.")
    last_time: datetime | None
    last_code: str | None = Field(description="Its last event's code (LOADED, GATED_OUT, …).")


class ContainerPage(BaseModel):
    items: list[ContainerRow]
    next: str | None = Field(description="Cursor of the next page (null on the last page).")


class Point(BaseModel):
    lat: float | None
    lon: float | None


class LegOut(BaseModel):
    leg: int
    load_port: str | None
    discharge_port: str | None
    loaded_at: datetime | None
    discharged_at: datetime | None
    vessel_imo: int | None
    vessel_mmsi: int | None
    vessel_name: str | None
    voyage: str | None
    mode: str | None
    transshipment: bool
    load: Point
    discharge: Point


class StopOut(BaseModel):
    port: str | None
    next_port: str | None
    arrived: datetime | None
    departed: datetime | None
    dwell_hours: float | None
    transshipment: bool
    vessel_changed: bool
    lat: float | None
    lon: float | None


class ChangeOut(BaseModel):
    time: datetime
    port: str | None
    code: str | None
    before: list[str]
    after: list[str]
    mid_route: bool = Field(description="After the first load, before the last discharge.")


class HandledOut(BaseModel):
    code: str
    port: str | None
    time: datetime


class JourneyOut(BaseModel):
    """One trip of the box: from stuffing (or empty pickup) to stripping."""

    trip: int
    start: datetime
    end: datetime
    origin: str | None
    custody_from: str = Field(description="stuffing, empty_pickup or laden (origin unknown).")
    destination: str | None
    complete: bool
    legs: list[LegOut]
    stops: list[StopOut]
    transshipments: int
    vessels: list[int]
    bills_of_lading: list[str]
    redocumented: list[ChangeOut] = Field(description="Bills of lading replaced.")
    seal_changes: list[ChangeOut]
    handled_mid_route: list[HandledOut]
    routed_km: float | None
    direct_km: float | None
    detour_ratio: float | None


class LastSeen(BaseModel):
    time: datetime
    code: str | None
    port: str | None
    facility: str | None
    lat: float | None
    lon: float | None
    empty_laden: str | None
    vessel_mmsi: int | None
    vessel_name: str | None


class TelemetrySpan(BaseModel):
    readings: int
    first: datetime | None
    last: datetime | None


class ContainerOut(BaseModel):
    container_number: str
    as_of: datetime | None = Field(description="The record's latest time.")
    last_seen: LastSeen | None
    journeys: list[JourneyOut]
    events: list[EventOut] = Field(description="Cargo events about the box, newest first.")
    risk: Risk | None
    manifests: list[dict[str, Any]] | None = Field(
        description="Its bills of lading; null unless you may read manifests."
    )
    telemetry: TelemetrySpan
    track_and_trace_events: int


def container_number(number: str) -> str:
    """`number` normalised, or a 422 problem when it is not a valid ISO 6346 number."""
    container = normalise_container(number)
    if not is_valid_container(container):
        raise invalid("number", f"{number!r} is not an ISO 6346 number with its check digit")
    return container


def _encode(score: float, number: str) -> str:
    text = json.dumps([score, number], separators=(",", ":"))
    return _CURSOR + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[float, str]:
    if not token.startswith(_CURSOR):
        raise bad_cursor()
    body = token[len(_CURSOR) :]
    try:
        raw = base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode("ascii"))
        score, number = json.loads(raw)
        if not isinstance(score, int | float) or not isinstance(number, str):
            raise TypeError("wrong member types")
    except (binascii.Error, ValueError, TypeError, UnicodeError) as err:
        raise bad_cursor() from err
    return float(score), number


@router.get("/api/v1/containers", response_model=ContainerPage,
            responses={400: {"description": "A cursor this API did not issue"}})  # fmt: skip
def list_containers(
    request: Request, response: Response, store: StoreDep, kept: KeptDep,
    q: Annotated[str | None, Query(max_length=20, description="A container number or its "
                 "start (owner code, serial).")] = None,
    port: Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z]{2}[A-Za-z0-9]{3}",
                    description="UN/LOCODE (or terminal): boxes last seen or flagged there.")]
    = None,
    min_score: Annotated[float | None, Query(ge=0, le=100, description="Risk score (0–100) at "
                         "least this.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:  # fmt: skip
    """Containers at risk (with cargo events), highest score first: at a port, above a score,
    or those whose number starts with `q` (any container the workspace knows), a page at a
    time (`next` and a `Link: rel="next"` header)."""
    prefix = normalise_container(q) if q else None
    wanted = (prefix or None, port.upper() if port else None, min_score)
    found = kept.get(store.generation, ("containers", *wanted), lambda: containers_at_risk(
        store, prefix=wanted[0], port=wanted[1], min_score=wanted[2]))  # fmt: skip
    if cursor:
        score, number = _decode(cursor)
        found = found.filter(
            (pl.col("score") < score)
            | ((pl.col("score") == score) & (pl.col("container_number") > number))
        )
    page = found.head(limit + 1)
    items = page.head(limit).drop("event_ports").to_dicts()
    for item in items:
        item["reasons"] = json.loads(item["reasons"])
    token = None
    if page.height > limit:
        token = _encode(items[-1]["score"], items[-1]["container_number"])
        response.headers["Link"] = next_link(request.url, token)
    record_read(request, "container", [i["container_number"] for i in items], len(items))
    return {"items": items, "next": token}


def _record(request: Request, store: Any, number: str) -> dict[str, Any]:
    container = container_number(number)
    found = container_record(store, container)
    if found is None:
        raise not_found("container", container)
    if allowed(request, "manifest", "read"):
        record_read(request, "manifest", [m["bill_of_lading"] for m in found["manifests"]],
                    len(found["manifests"]))  # fmt: skip
    else:
        found["manifests"] = None
    record_read(request, "container", [container], 1)
    return found


@router.get("/api/v1/containers/{number}", response_model=ContainerOut, responses=PROBLEMS)
def get_container(request: Request, store: StoreDep, number: Number) -> dict[str, Any]:
    """One container: where it was last seen, its journeys (legs with vessels, ports and times;
    stops with dwell; transshipments; detour; bills of lading replaced, seals changed), its
    cargo events, its risk with reasons, its bills of lading (if you may read manifests)."""
    return _record(request, store, number)


@router.get("/api/v1/containers/{number}/journey.geojson", responses=PROBLEMS,
            response_class=Response)  # fmt: skip
def container_journey_geojson(request: Request, store: StoreDep, number: Number) -> Response:
    """The container's journeys as a GeoJSON FeatureCollection: a point per port (`role`:
    origin, load, stop, discharge) and a line per leg (its vessel and times), for the map."""
    found = _record(request, store, number)
    body = json.dumps(journey_features(found), default=_iso, separators=(",", ":"))
    return Response(body, media_type="application/geo+json")


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else str(value)


def journey_features(found: dict[str, Any]) -> dict[str, Any]:
    """Port points and leg lines of a container record's journeys (GeoJSON, lon/lat)."""
    features: list[dict[str, Any]] = []
    ports: dict[tuple[int, str], dict[str, Any]] = {}

    def port(trip: int, locode: str | None, at: dict[str, Any], role: str, time: Any) -> None:
        if not locode or at.get("lat") is None or at.get("lon") is None:
            return
        entry = ports.setdefault((trip, locode), {
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [at["lon"], at["lat"]]},
            "properties": {"kind": "port", "port": locode, "trip": trip, "roles": [],
                           "times": []}})  # fmt: skip
        if role not in entry["properties"]["roles"]:
            entry["properties"]["roles"].append(role)
        if time is not None:
            entry["properties"]["times"].append(time)

    for journey in found["journeys"]:
        trip = journey["trip"]
        for leg in journey["legs"]:
            port(trip, leg["load_port"], leg["load"], "load", leg["loaded_at"])
            port(trip, leg["discharge_port"], leg["discharge"], "discharge", leg["discharged_at"])
            ends = (leg["load"], leg["discharge"])
            if all(e["lat"] is not None and e["lon"] is not None for e in ends):
                features.append({
                    "type": "Feature",
                    "geometry": {"type": "LineString",
                                 "coordinates": [[e["lon"], e["lat"]] for e in ends]},
                    "properties": {"kind": "leg", "trip": trip, "leg": leg["leg"],
                                   **{k: leg[k] for k in ("load_port", "discharge_port",
                                      "loaded_at", "discharged_at", "vessel_mmsi", "vessel_imo",
                                      "vessel_name", "voyage", "mode", "transshipment")}},
                })  # fmt: skip
        for stop in journey["stops"]:
            if stop["transshipment"]:
                port(trip, stop["port"], stop, "transshipment", stop["arrived"])
    return {"type": "FeatureCollection", "container_number": found["container_number"],
            "features": list(ports.values()) + features}  # fmt: skip
