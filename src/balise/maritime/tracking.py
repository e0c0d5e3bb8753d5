"""Tracking to destination: the likely next port of each vessel under way, and when it gets there.

A flagged ship is followed by asking where it is going. Its AIS voyage report declares a
destination, but the crew types it and nothing checks it, so it is tested against what the ship
does: the declaration is consistent when the sea route to that port starts in the direction the
ship is steering, and when the remaining route distance shrank along the recent track. When the
declaration is missing or inconsistent, the likely port is guessed from the course: among the
ports in the sector ahead, the one whose sea route starts best aligned with the course, nearer
ports first. The ETA is the remaining sea-route distance over the recent median speed.

Sea routes come from the `searoute` package (Apache-2.0, an offline copy of the Eurostat/ORNL
maritime network, "marnet"). The network is coarse offshore (nodes can be 100 nm apart), so a
route is read from the point of it nearest the ship, and its "first leg" is the route point at
least `lookahead_nm`, and at least twice the ship's distance to the network, further along.
Routes are slow to compute (milliseconds to tenths of a second), so they are asked only for the
declared port and a few candidates pre-filtered by great-circle bearing, and cached by (origin
rounded to `origin_round_deg`, port) in a `SeaRoutes` object the caller may keep between runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import import_module
from typing import Any, Final, NamedTuple

import numpy as np
import polars as pl

from balise.geo.sphere import bearing_deg, distance_nm
from balise.model.arrays import FloatArray
from balise.model.schema import UTC_TIME

RouteFinder = Callable[[tuple[float, float], tuple[float, float]], list[list[float]]]
"""(origin lon, lat), (port lon, lat) → the route's [lon, lat] vertices from origin to port."""

TRACKING_SCHEMA: Final[dict[str, pl.DataType]] = {
    "mmsi": pl.Int32(),
    "timestamp": UTC_TIME,
    "declared_locode": pl.String(),
    "declared_eta": UTC_TIME,
    "declared_consistent": pl.Boolean(),
    "likely_locode": pl.String(),
    "likely_confidence": pl.Float64(),
    "distance_nm": pl.Float64(),
    "speed_knots": pl.Float64(),
    "eta": UTC_TIME,
    "method": pl.String(),
    "reasons": pl.String(),
}
"""One row per vessel with a position: `method` is "declared", "course", "stopped" or "unknown";
`distance_nm` is the remaining sea-route distance to `likely_locode`; `reasons` a JSON list of
texts."""
DENSIFY_NM: Final = 5.0
"""Routes are resampled every 5 nm so that the point nearest the ship is found on a segment."""
NEAR_TIE_NM: Final = 2.0
"""Route points this close to the nearest one count as nearest too; the furthest along wins, so
that a route snapped to a node behind the ship (out and back) is read from its way forward."""


@dataclass(frozen=True)
class TrackingParams:
    """Thresholds of destination tracking; most are judgement calls, stated with their reason."""

    under_way_knots: float = 1.0
    """Below this speed a vessel is treated as stopped (moored, anchored or drifting)."""
    recent_hours: float = 6.0
    """Window of the recent track: median speed, progress toward the port, course fallback."""
    min_progress_hours: float = 1.0
    """The progress check needs a position at least this long before the last one."""
    min_progress_ratio: float = 0.5
    """Route distance must shrink by at least half the distance sailed: a velocity made good of
    50 % means steering within ~60° of the route."""
    lookahead_nm: float = 20.0
    """Length of the route's "first leg" whose bearing is compared with the course."""
    declared_tolerance_deg: float = 45.0
    """The declared port's first leg may differ this much from the course (traffic schemes,
    bends of the network)."""
    sector_half_width_deg: float = 30.0
    """Candidate ports must have a first leg within ± this of the course."""
    prefilter_half_width_deg: float = 60.0
    """Ports whose great-circle bearing is within ± this of the course are routed as candidates
    (routes bend, so this is wider than the sector)."""
    max_candidates: int = 5
    """Candidates routed per vessel, nearest first: bounds the route computations."""
    max_range_nm: float = 3000.0
    """Candidate ports beyond this great-circle distance are not considered (about 9 days at
    14 kn)."""
    arrival_nm: float = 10.0
    """Within this route distance the declared port is consistent whatever the heading
    (manoeuvring in the approaches)."""
    distance_scale_nm: float = 300.0
    """Course guesses favour near ports: a candidate's weight falls by e per this distance."""
    declared_confidence: float = 0.9
    """A declared port that passes both the bearing and the progress checks."""
    declared_unchecked_confidence: float = 0.75
    """A declared port whose bearing fits but whose progress could not be checked."""
    course_max_confidence: float = 0.6
    """A course guess never exceeds this: the ship may be bound further on."""
    origin_round_deg: float = 0.1
    """Routes are cached by origin rounded to 0.1° (about 6 nm)."""


MAX_NETWORK_PATHS: Final = 200_000
"""Shortest paths over the network (and nearest nodes of points) kept before they are dropped."""


class _NetworkPaths:
    """The network `searoute` searches, with its shortest paths kept by the network nodes nearest
    both ends (and the passages avoided): ships near one another snap to the same node, and a
    search costs about 10 ms, so a 5,000-vessel day asks each path about twice and a run a few
    minutes later mostly the same again. The path between two nodes is a function of them
    (the same search of the same network), so the routes are the same as without the store.
    Duck-types searoute's `Marnet`: `shortest_path`, `restrictions`, the rest delegated."""

    def __init__(self, network: Any) -> None:
        self._network = network
        self._paths: dict[tuple[Any, ...], tuple[Any, list[Any] | None]] = {}
        self._nearest: dict[tuple[float, ...], Any] = {}
        self.restrictions = network.restrictions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._network, name)

    def shortest_path(
        self, origin: Any, destination: Any, algorithm: str | None = "dijkstra"
    ) -> tuple[Any, list[Any] | None]:
        ends = (self._node(origin), self._node(destination))
        key = (*ends, tuple(self.restrictions or ()), algorithm)
        found = self._paths.get(key)
        if found is None:
            if len(self._paths) >= MAX_NETWORK_PATHS:
                self._paths.clear()
            self._network.restrictions = self.restrictions
            found = self._paths[key] = self._network.shortest_path(*ends, algorithm)
        length, path = found
        return length, None if path is None else list(path)  # searoute extends the list

    def _node(self, point: Any) -> Any:
        """The network node nearest `point` (searoute's own search, its answers kept: the
        ports and the ships' rounded positions come back run after run)."""
        key = tuple(map(float, point))
        node = self._nearest.get(key)
        if node is None:
            if len(self._nearest) >= MAX_NETWORK_PATHS:
                self._nearest.clear()
            node = self._nearest[key] = self._network.kdtree.query(point)
        return node


@cache
def _network_paths() -> _NetworkPaths:
    """The packaged network (searoute's own, loaded once), its paths kept between runs."""
    return _NetworkPaths(import_module("searoute.searoute").setup_M("networkx"))


def _searoute_vertices(origin: tuple[float, float], port: tuple[float, float]) -> list[list[float]]:
    import searoute  # with networkx, a fifth of a second: on the first route, not at import

    feature = searoute.searoute(
        list(origin), list(port), units="naut", append_orig_dest=True, M=_network_paths()
    )
    return [list(map(float, c)) for c in feature["geometry"]["coordinates"]]


class Route(NamedTuple):
    """A densified sea route: lat, lon of its points and the distance along it (nm)."""

    lat: FloatArray
    lon: FloatArray
    along_nm: FloatArray


class SeaRoutes:
    """Sea routes to ports, cached by (rounded origin, port): keep one between runs to reuse it."""

    def __init__(self, round_deg: float = 0.1, finder: RouteFinder = _searoute_vertices) -> None:
        self._round_deg = round_deg
        self._finder = finder
        self._cache: dict[tuple[float, float, float, float], Route] = {}

    def route(self, lat: float, lon: float, port_lat: float, port_lon: float) -> Route:
        """The route from near (`lat`, `lon`) to the port, without its rounded origin point."""
        step = self._round_deg
        origin = (round(round(lon / step) * step, 6), round(round(lat / step) * step, 6))
        key = (*origin, port_lon, port_lat)
        if key not in self._cache:
            vertices = np.asarray(self._finder(origin, (port_lon, port_lat)), dtype=np.float64)
            self._cache[key] = _densified(vertices[1:] if len(vertices) > 1 else vertices)
        return self._cache[key]


def _densified(lonlat: FloatArray) -> Route:
    """The route resampled every `DENSIFY_NM` (longitudes unwrapped across the antimeridian)."""
    lon = np.degrees(np.unwrap(np.radians(lonlat[:, 0])))
    lat = lonlat[:, 1]
    legs = np.atleast_1d(distance_nm(lat[:-1], lon[:-1], lat[1:], lon[1:]))
    # each leg cut in `steps` equal parts: its points at t = 1/steps ... steps/steps
    steps = np.maximum(1, np.ceil(legs / DENSIFY_NM).astype(np.int64))
    leg = np.repeat(np.arange(len(legs)), steps)
    t = (np.arange(len(leg)) - np.repeat(np.cumsum(steps) - steps, steps) + 1) / steps[leg]
    dense_lat = np.concatenate([lat[:1], lat[leg] + t * (lat[leg + 1] - lat[leg])])
    dense_lon = np.concatenate([lon[:1], lon[leg] + t * (lon[leg + 1] - lon[leg])])
    steps_nm = distance_nm(dense_lat[:-1], dense_lon[:-1], dense_lat[1:], dense_lon[1:])
    along = np.concatenate([[0.0], np.cumsum(steps_nm)])
    return Route(dense_lat, (dense_lon + 180.0) % 360.0 - 180.0, along)


class Heading(NamedTuple):
    """A route read from the ship: bearing of its first leg and remaining distance (nm)."""

    first_leg_deg: float
    remaining_nm: float


def read_route(route: Route, lat: float, lon: float, lookahead_nm: float) -> Heading:
    """Where the route goes from the ship at (`lat`, `lon`): the bearing from the ship to the
    route point `lookahead_nm` (at least twice the ship's distance to the route) past the point
    nearest the ship, and the distance to the port through that nearest point."""
    gaps = distance_nm(lat, lon, route.lat, route.lon)
    nearest = int(np.flatnonzero(gaps <= gaps.min() + NEAR_TIE_NM).max())
    reach = float(gaps[nearest])
    ahead = route.along_nm - route.along_nm[nearest] >= max(lookahead_nm, 2 * reach)
    target = int(np.argmax(ahead)) if ahead.any() else len(route.lat) - 1
    first_leg = float(bearing_deg(lat, lon, route.lat[target], route.lon[target]))
    return Heading(first_leg, reach + float(route.along_nm[-1] - route.along_nm[nearest]))


def angle_off(a_deg: float, b_deg: float) -> float:
    """The unsigned difference of two bearings, 0–180°."""
    return abs((a_deg - b_deg + 180.0) % 360.0 - 180.0)


class Ship(NamedTuple):
    """What the recent track says of one vessel."""

    mmsi: int
    timestamp: datetime
    lat: float
    lon: float
    sog_knots: float | None
    course_deg: float | None
    median_knots: float | None
    earlier: tuple[float, float, float] | None
    """(lat, lon, hours before the last position) of the oldest recent position, if old enough."""


def _median_sog(rows: pl.DataFrame) -> float | None:
    """The median reported speed over ground (kn), None when none is reported."""
    if "sog_knots" not in rows.columns:
        return None
    median = rows["sog_knots"].drop_nulls().median()
    return float(median) if isinstance(median, int | float) else None


def _ship(rows: pl.DataFrame, params: TrackingParams) -> Ship:
    """The summary of one vessel's recent positions sorted by time (last row = latest)."""
    first, last = rows.row(0, named=True), rows.row(-1, named=True)
    span_h = (last["timestamp"] - first["timestamp"]).total_seconds() / 3600
    sailed = float(distance_nm(first["lat"], first["lon"], last["lat"], last["lon"]))
    median = _median_sog(rows)
    if median is None and span_h > 0:
        median = sailed / span_h
    course = last.get("cog_deg")
    if (course is None or not 0 <= course < 360) and sailed >= 1.0:
        course = float(bearing_deg(first["lat"], first["lon"], last["lat"], last["lon"]))
    earlier = (first["lat"], first["lon"], span_h) if span_h >= params.min_progress_hours else None
    sog = last.get("sog_knots")
    return Ship(
        mmsi=int(last["mmsi"]),
        timestamp=last["timestamp"],
        lat=float(last["lat"]),
        lon=float(last["lon"]),
        sog_knots=float(sog) if sog is not None else median,
        course_deg=float(course) if course is not None and 0 <= course < 360 else None,
        median_knots=median,
        earlier=earlier,
    )


class Guess(NamedTuple):
    """A port the vessel is judged to be heading for."""

    locode: str | None
    consistent: bool | None
    confidence: float | None
    remaining_nm: float | None
    reasons: list[str]


PortTable = dict[str, tuple[float, float]]


def _progress(
    ship: Ship, port: tuple[float, float], now_nm: float, routes: SeaRoutes, params: TrackingParams
) -> tuple[bool | None, str]:
    """Whether the route distance to `port` shrank along the recent track, and why."""
    if ship.earlier is None:
        return None, "progress not checked: no position old enough in the recent track"
    lat0, lon0, hours = ship.earlier
    before = read_route(routes.route(lat0, lon0, *port), lat0, lon0, params.lookahead_nm)
    sailed = float(distance_nm(lat0, lon0, ship.lat, ship.lon))
    made_good = before.remaining_nm - now_nm
    text = f"route distance fell {made_good:.0f} nm while sailing {sailed:.0f} nm in {hours:.1f} h"
    if sailed < 1.0:
        return None, f"progress not checked: sailed {sailed:.1f} nm in {hours:.1f} h"
    return made_good >= params.min_progress_ratio * sailed, text


def check_declared(
    ship: Ship, locode: str, ports: PortTable, routes: SeaRoutes, params: TrackingParams
) -> Guess:
    """Whether the declared port fits the ship's course and recent progress."""
    if locode not in ports:
        return Guess(None, None, None, None, [f"declared {locode}: not in the port list"])
    if ship.course_deg is None:
        return Guess(None, None, None, None, [f"declared {locode}: no course to check it"])
    port = ports[locode]
    head = read_route(
        routes.route(ship.lat, ship.lon, *port), ship.lat, ship.lon, params.lookahead_nm
    )
    if head.remaining_nm <= params.arrival_nm:
        text = f"declared {locode}: {head.remaining_nm:.1f} nm away, arriving"
        return Guess(locode, True, params.declared_confidence, head.remaining_nm, [text])
    off = angle_off(head.first_leg_deg, ship.course_deg)
    text = (
        f"declared {locode}: its sea route heads {head.first_leg_deg:.0f}°, {off:.0f}° off the "
        f"course {ship.course_deg:.0f}°"
    )
    if off > params.declared_tolerance_deg:
        return Guess(locode, False, None, head.remaining_nm, [text])
    progressing, progress_text = _progress(ship, port, head.remaining_nm, routes, params)
    if progressing is False:
        return Guess(locode, False, None, head.remaining_nm, [text, progress_text])
    confidence = params.declared_confidence if progressing else params.declared_unchecked_confidence
    return Guess(locode, True, confidence, head.remaining_nm, [text, progress_text])


class Ports(NamedTuple):
    """The ports a vessel may be heading for: `table` (LOCODE → lat, lon) and, for the sector
    search, the LOCODEs sorted with their latitudes and longitudes as arrays, built once per run."""

    table: PortTable
    codes: list[str]
    lat: FloatArray
    lon: FloatArray


def ports_of(table: PortTable) -> Ports:
    """`table` with its sorted codes and coordinate arrays."""
    codes = sorted(table)
    lat = np.array([table[c][0] for c in codes], dtype=np.float64)
    lon = np.array([table[c][1] for c in codes], dtype=np.float64)
    return Ports(table, codes, lat, lon)


def _candidates(ship: Ship, course: float, ports: Ports, params: TrackingParams) -> list[str]:
    """The nearest ports ahead by great-circle bearing, at most `max_candidates`."""
    _, codes, lat, lon = ports
    gc = distance_nm(ship.lat, ship.lon, lat, lon)
    off = np.abs((bearing_deg(ship.lat, ship.lon, lat, lon) - course + 180.0) % 360.0 - 180.0)
    ahead = np.flatnonzero((off <= params.prefilter_half_width_deg) & (gc <= params.max_range_nm))
    nearest = ahead[np.argsort(gc[ahead], kind="stable")][: params.max_candidates]
    return [codes[i] for i in nearest]


def guess_from_course(
    ship: Ship, ports: Ports, routes: SeaRoutes, params: TrackingParams
) -> Guess | None:
    """The likely port among those ahead: each candidate whose route's first leg lies within the
    sector weighs `(1 − off / half_width) × e^(−distance / scale)`; the confidence is the best
    weight's share of all, times `course_max_confidence`."""
    if ship.course_deg is None:
        return None
    scored: list[tuple[float, str, Heading]] = []
    for locode in _candidates(ship, ship.course_deg, ports, params):
        route = routes.route(ship.lat, ship.lon, *ports.table[locode])
        head = read_route(route, ship.lat, ship.lon, params.lookahead_nm)
        off = angle_off(head.first_leg_deg, ship.course_deg)
        if off <= params.sector_half_width_deg:
            alignment = 1.0 - off / params.sector_half_width_deg
            weight = alignment * float(np.exp(-head.remaining_nm / params.distance_scale_nm))
            scored.append((weight, locode, head))
    if not scored or sum(w for w, _, _ in scored) <= 0:
        return None
    weight, locode, head = max(scored, key=lambda s: (s[0], s[1]))
    confidence = params.course_max_confidence * weight / sum(w for w, _, _ in scored)
    text = (
        f"{locode} is the best of {len(scored)} port(s) ahead: its sea route heads "
        f"{head.first_leg_deg:.0f}° against the course {ship.course_deg:.0f}°, "
        f"{head.remaining_nm:.0f} nm to go"
    )
    return Guess(locode, None, confidence, head.remaining_nm, [text])


def _row(
    ship: Ship, declared: tuple[str | None, datetime | None], method: str, guess: Guess | None
) -> dict[str, Any]:
    """One output row (`TRACKING_SCHEMA`) for `ship`."""
    speed = ship.median_knots
    remaining = guess.remaining_nm if guess is not None and guess.locode is not None else None
    eta = (
        (ship.timestamp + timedelta(hours=remaining / speed)).replace(microsecond=0)
        if remaining is not None and speed
        else None
    )
    return {
        "mmsi": ship.mmsi,
        "timestamp": ship.timestamp,
        "declared_locode": declared[0],
        "declared_eta": declared[1],
        "likely_locode": guess.locode if guess is not None else None,
        "likely_confidence": (
            round(guess.confidence, 3) if guess is not None and guess.confidence else None
        ),
        "distance_nm": round(remaining, 1) if remaining is not None else None,
        "speed_knots": round(speed, 2) if speed is not None else None,
        "eta": eta,
        "method": method,
    }


def track_one(
    ship: Ship,
    declared: tuple[str | None, datetime | None],
    ports: Ports,
    routes: SeaRoutes,
    params: TrackingParams,
) -> dict[str, Any]:
    """The tracking row of one vessel: stopped, declared port confirmed, or a course guess."""
    if ship.sog_knots is None or ship.sog_knots < params.under_way_knots:
        row = _row(ship, declared, "stopped", None)
        speed = "unknown" if ship.sog_knots is None else f"{ship.sog_knots:.1f} kn"
        return {**row, "declared_consistent": None, "reasons": _texts([f"not under way: {speed}"])}
    check = check_declared(ship, declared[0], ports.table, routes, params) if declared[0] else None
    if check is not None and check.consistent:
        row = _row(ship, declared, "declared", check)
        return {**row, "declared_consistent": True, "reasons": _texts(check.reasons)}
    reasons = check.reasons if check is not None else ["no destination declared"]
    guess = guess_from_course(ship, ports, routes, params)
    consistent = check.consistent if check is not None else None
    if guess is None:
        reasons = [*reasons, "no port found in the sector ahead"]
        row = _row(ship, declared, "unknown", None)
        return {**row, "declared_consistent": consistent, "reasons": _texts(reasons)}
    row = _row(ship, declared, "course", guess)
    return {**row, "declared_consistent": consistent, "reasons": _texts(reasons + guess.reasons)}


def _texts(reasons: list[str]) -> str:
    return json.dumps(reasons, ensure_ascii=False, separators=(",", ":"))


def _declarations(declared: pl.DataFrame) -> dict[int, tuple[str | None, datetime | None]]:
    """MMSI → (normalised LOCODE, declared ETA), the last row of each MMSI winning."""
    locode = pl.col("destination_locode").str.replace_all(r"[\s\-]", "").str.to_uppercase()
    eta = pl.col("eta") if "eta" in declared.columns else pl.lit(None, dtype=UTC_TIME)
    rows = declared.select(pl.col("mmsi").cast(pl.Int32), locode.replace("", None), eta)
    return {m: (c, e) for m, c, e in rows.unique("mmsi", keep="last", maintain_order=True).rows()}


def _recent(positions: pl.DataFrame, recent_hours: float) -> pl.DataFrame:
    """Located positions of the last `recent_hours` of each vessel, sorted by vessel and time."""
    located = positions.drop_nulls(["mmsi", "timestamp", "lat", "lon"])
    window = pl.col("timestamp").max().over("mmsi") - timedelta(hours=recent_hours)
    return located.filter(pl.col("timestamp") >= window).sort("mmsi", "timestamp", "lat", "lon")


def track_destinations(
    positions: pl.DataFrame,
    declared: pl.DataFrame,
    ports: pl.DataFrame,
    params: TrackingParams | None = None,
    routes: SeaRoutes | None = None,
) -> pl.DataFrame:
    """The likely next port and ETA of each vessel (`TRACKING_SCHEMA`), one row per MMSI.

    `positions` has `POSITION_SCHEMA` columns (at least mmsi, timestamp, lat, lon; `sog_knots`
    and `cog_deg` used when present): the recent track of each vessel, or only its last position
    (then progress is not checked). `declared` has mmsi, `destination_locode` (the AIS
    destination resolved to a UN/LOCODE) and optionally `eta`. `ports` has locode, lat, lon.
    `routes` caches sea routes; pass the same object between runs to reuse them.
    """
    params = params or TrackingParams()
    routes = routes or SeaRoutes(params.origin_round_deg)
    table = ports_of(
        {
            str(c).upper(): (float(a), float(o))
            for c, a, o in ports.select("locode", "lat", "lon").rows()
        }
    )
    declarations = _declarations(declared)
    rows = [
        track_one(_ship(track, params), declarations.get(mmsi, (None, None)), table, routes, params)
        for (mmsi,), track in _recent(positions, params.recent_hours).group_by(
            "mmsi", maintain_order=True
        )
    ]
    return pl.DataFrame(rows, schema=TRACKING_SCHEMA).select(list(TRACKING_SCHEMA))
