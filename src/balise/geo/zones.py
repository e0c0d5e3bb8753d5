"""Zones: named sea areas (GeoJSON polygons) and the rules that make a visit to one an alert.

What: a `Zone` is an id, a name, a kind ("watch", "protected", "port_approach", ...), a polygon or
multipolygon and its `ZoneRule`s; `Zone.contains` answers "which of these positions are inside?"
for arrays of positions. Zones are read from a GeoJSON FeatureCollection (RFC 7946) whose feature
properties carry the rules:

    {"type": "Feature", "id": "galicia-rias",
     "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], ...]]},
     "properties": {"name": "Galician rias", "kind": "watch", "description": "...",
                    "rules": [{"trigger": "entry", "exclude_flags": ["ES"], "score": 0.3},
                              {"trigger": "dwell", "min_dwell_minutes": 120,
                               "max_speed_knots": 3, "ship_types": [[30, 37], 52],
                               "flags": ["VE", 226], "score": 0.6}]}}

`id` is the feature's `id` or `properties.id`; `name` defaults to the id, `kind` to "watch", and a
zone without `rules` gets one entry rule of score 0.5. Rule keys: `trigger` ("entry" or "dwell"),
`min_dwell_minutes` (dwell rules only, required there), `ship_types` (AIS ship type codes or
inclusive [low, high] ranges), `flags` / `exclude_flags` (ISO 3166-1 alpha-2 codes or MIDs; a
vessel's flag is the MID of its MMSI), `max_speed_knots` (mean speed over the visit) and `score`.

Why: coastal drop-offs happen where the global behaviour rules are blind (within 50 nm of shore,
where Welch et al. 2022, Sci. Adv. 8(44) eabq2109, count no gap as likely intentional), so a
watch needs its own areas of interest, as Skylight's "Entry" events and MonitorFish's
parameterised position alerts (flag, zone) have them.

Reading is lenient by default: a bulk file keeps its good features and reports each bad one with
its index and reason (`ZoneProblem`); `strict=True` (for a zone typed in by hand) raises
`InputRejected` at the first bad feature instead.

Antimeridian: a ring may cross it with longitudes beyond ±180 (e.g. 170 to 190), as the halves of
a MultiPolygon split at ±180 (RFC 7946 §3.1.9), or with an edge spanning more than 180° of
longitude (read as the short way round: no sea zone is that wide). Polygons are cut at ±180 into
parts within [-180, 180]; each part is tested against the positions inside its bounding box only,
with shapely 2's vectorised `intersects_xy` on a prepared geometry (a position on the boundary,
e.g. on the seam of a split zone, counts as inside).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import shapely
from shapely.affinity import translate
from shapely.geometry import Polygon, box

from balise.errors import InputRejected
from balise.model.arrays import BoolArray, FloatArray
from balise.model.mid import FLAGS

__all__ = [
    "DEFAULT_SCORE",
    "TRIGGERS",
    "Zone",
    "ZoneLoad",
    "ZoneProblem",
    "ZoneRule",
    "default_zones",
    "load_zones",
    "read_zone_file",
    "zone_from_feature",
    "zones_from_geojson",
]

Trigger = Literal["entry", "dwell"]

TRIGGERS: Final = ("entry", "dwell")
""""entry": a visit happened; "dwell": a visit lasted at least `min_dwell_minutes`."""
DEFAULT_SCORE: Final = 0.5
"""Score of a rule that gives none: the middle of the 0-1 risk scale, for the zone owner to set."""
_RULE_KEYS: Final = frozenset(
    ("trigger", "min_dwell_minutes", "ship_types", "flags", "exclude_flags", "max_speed_knots",
     "score")
)  # fmt: skip
_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_KIND_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_MAX_SHIP_TYPE: Final = 255  # the AIS ship type field is 8 bits (ITU-R M.1371-5, message 5)
_DEFAULTS_PACKAGE: Final = "zones"
_DEFAULTS_FILE: Final = "default_zones.geojson"
_MIDS_BY_ALPHA2: Final[dict[str, frozenset[int]]] = {
    code: frozenset(f.mid for f in FLAGS.values() if f.alpha2 == code)
    for code in {f.alpha2 for f in FLAGS.values()}
}


class _Invalid(ValueError):
    """A feature or rule that cannot be read; the message is the reason given to the user."""


@dataclass(frozen=True)
class ZoneRule:
    """When a visit to a zone becomes a `zone_entry` event, and what it adds to the risk score.

    Every filter given must match (a filter left out matches every vessel): `ship_types` the
    vessel's last reported AIS ship type (unknown matches no range), `flags` / `exclude_flags`
    the flag of its MMSI's MID, `max_speed_knots` its mean speed over the visit.
    """

    trigger: Trigger = "entry"
    min_dwell_minutes: float = 0.0
    """Dwell rules: the shortest visit (first to last position inside) that fires, minutes."""
    ship_types: tuple[tuple[int, int], ...] = ()
    """Inclusive ranges of AIS ship type codes (e.g. (30, 30) fishing, (36, 37) pleasure craft)."""
    flags: tuple[str, ...] = ()
    """Flags (ISO 3166-1 alpha-2, or a MID as digits) the rule applies to."""
    exclude_flags: tuple[str, ...] = ()
    """Flags the rule ignores (a French watch ignoring French-flagged vessels)."""
    max_speed_knots: float | None = None
    score: float = DEFAULT_SCORE
    """Contribution of a fired rule to the vessel's risk, 0-1."""

    def flag_mids(self) -> frozenset[int]:
        """The MIDs of `flags` (a country has several: France 226-228)."""
        return _mids(self.flags)

    def excluded_mids(self) -> frozenset[int]:
        """The MIDs of `exclude_flags`."""
        return _mids(self.exclude_flags)

    def as_dict(self) -> dict[str, Any]:
        """The rule as JSON-ready values (for params and evidence)."""
        values = asdict(self)
        values["ship_types"] = [list(r) for r in self.ship_types]
        values["flags"], values["exclude_flags"] = list(self.flags), list(self.exclude_flags)
        return values


@dataclass(frozen=True)
class Zone:
    """A named sea area: its polygon parts within [-180, 180] of longitude, and its rules."""

    id: str
    name: str
    kind: str
    parts: tuple[Polygon, ...]
    rules: tuple[ZoneRule, ...] = (ZoneRule(),)
    description: str = ""
    _bounds: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for part in self.parts:
            shapely.prepare(part)
        bounds = np.array([p.bounds for p in self.parts], dtype=np.float64).reshape(-1, 4)
        object.__setattr__(self, "_bounds", bounds)

    @property
    def geometry(self) -> shapely.Polygon | shapely.MultiPolygon:
        """The zone as one shapely geometry (a MultiPolygon when cut at the antimeridian)."""
        return self.parts[0] if len(self.parts) == 1 else shapely.MultiPolygon(self.parts)

    def contains(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> BoolArray:
        """Which positions (degrees) are inside the zone or on its boundary, element-wise.

        Only positions within a part's bounding box reach the polygon test, so a zone costs little
        for the millions of positions far from it.
        """
        lats = np.asarray(lat, dtype=np.float64)
        lons = _wrapped(np.asarray(lon, dtype=np.float64))
        inside = self._inside(lats, lons)
        seam = np.flatnonzero(np.abs(lons) == 180.0)  # -180 and 180 are one meridian
        if seam.size:
            inside[seam] |= self._inside(lats[seam], -lons[seam])
        return inside

    def _inside(self, lats: FloatArray, lons: FloatArray) -> BoolArray:
        inside = np.zeros(lats.shape, dtype=np.bool_)
        for part, (west, south, east, north) in zip(self.parts, self._bounds, strict=True):
            near = (lons >= west) & (lons <= east) & (lats >= south) & (lats <= north) & ~inside
            rows = np.flatnonzero(near)
            if rows.size:
                inside[rows] = shapely.intersects_xy(part, lons[rows], lats[rows])
        return inside


class ZoneProblem(NamedTuple):
    """A feature left out of a zone file: its index in `features`, its id if known, why."""

    feature_index: int
    zone_id: str | None
    reason: str


class ZoneLoad(NamedTuple):
    """Zones read from GeoJSON, and the features refused."""

    zones: tuple[Zone, ...]
    problems: tuple[ZoneProblem, ...]


def _wrapped(lon: FloatArray) -> FloatArray:
    if lon.size == 0 or (lon.min() >= -180.0 and lon.max() <= 180.0):
        return lon
    return (lon + 180.0) % 360.0 - 180.0


def _mids(flags: Sequence[str]) -> frozenset[int]:
    return frozenset().union(*(_MIDS_BY_ALPHA2.get(f) or {int(f)} for f in flags))


def _flag(value: Any) -> str:
    """A flag as given in a rule: an alpha-2 code of the MID table, or an allocated MID."""
    text = str(value).strip().upper()
    if text.isdigit() and int(text) in FLAGS:
        return str(int(text))
    if text in _MIDS_BY_ALPHA2:
        return text
    raise _Invalid(f"unknown flag {value!r} (an ISO 3166-1 alpha-2 code or an allocated MID)")


def _number(value: Any, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Invalid(f"{what} must be a number")
    if not low <= value <= high:
        raise _Invalid(f"{what} {value} is out of range [{low}, {high}]")
    return float(value)


def _ship_type_range(item: Any) -> tuple[int, int]:
    pair = item if isinstance(item, list | tuple) else [item, item]
    if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise _Invalid(f"ship_types item {item!r} must be a code or a [low, high] pair of codes")
    low, high = int(pair[0]), int(pair[1])
    if not 0 <= low <= high <= _MAX_SHIP_TYPE:
        raise _Invalid(f"ship_types range {item!r} must satisfy 0 <= low <= high <= 255")
    return low, high


def _listed(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid(f"{what} must be a list")
    return value


def _rule(raw: Any) -> ZoneRule:
    """A rule from its JSON object; unknown keys are refused, as they are most often typos."""
    if not isinstance(raw, Mapping):
        raise _Invalid("a rule must be an object")
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise _Invalid(f"unknown rule key(s) {unknown}; known: {sorted(_RULE_KEYS)}")
    trigger = raw.get("trigger")
    if trigger not in TRIGGERS:
        raise _Invalid(f"rule trigger {trigger!r} must be one of {list(TRIGGERS)}")
    dwell = raw.get("min_dwell_minutes")
    if (trigger == "dwell") != (dwell is not None):
        raise _Invalid("min_dwell_minutes is required by a dwell rule and only allowed there")
    speed = raw.get("max_speed_knots")
    return ZoneRule(
        trigger=trigger,
        min_dwell_minutes=0.0 if dwell is None else _number(dwell, "min_dwell_minutes", 0, 1e6),
        ship_types=tuple(
            _ship_type_range(i) for i in _listed(raw.get("ship_types", []), "ship_types")
        ),
        flags=tuple(_flag(f) for f in _listed(raw.get("flags", []), "flags")),
        exclude_flags=tuple(_flag(f) for f in _listed(raw.get("exclude_flags", []), "flags")),
        max_speed_knots=None if speed is None else _number(speed, "max_speed_knots", 0, 1e3),
        score=_number(raw.get("score", DEFAULT_SCORE), "score", 0.0, 1.0),
    )


def _position(raw: Any) -> tuple[float, float]:
    if not isinstance(raw, list | tuple) or len(raw) not in (2, 3):
        raise _Invalid(f"bad coordinates: position {raw!r} is not [lon, lat]")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw):
        raise _Invalid(f"bad coordinates: position {raw!r} is not numeric")
    lon, lat = float(raw[0]), float(raw[1])
    if not (math.isfinite(lon) and math.isfinite(lat) and -90 <= lat <= 90 and -360 <= lon <= 360):
        raise _Invalid(f"bad coordinates: position {raw!r} out of range (lat ±90, lon ±360)")
    return lon, lat


def _ring(raw: Any) -> FloatArray:
    """A closed linear ring as an (n, 2) array, longitudes unwrapped along its edges."""
    if not isinstance(raw, list | tuple):
        raise _Invalid("bad coordinates: a ring must be a list of positions")
    points = np.array([_position(p) for p in raw], dtype=np.float64).reshape(-1, 2)
    if len(points) < 4:
        raise _Invalid(f"ring has {len(points)} positions, fewer than the 4 of a closed ring")
    if not np.array_equal(points[0], points[-1]):
        raise _Invalid("unclosed ring: its first and last positions differ")
    step = np.diff(points[:, 0])
    if np.any(np.abs(step) > 180):
        points[1:, 0] = points[0, 0] + np.cumsum((step + 180) % 360 - 180)
        if points[-1, 0] != points[0, 0]:
            raise _Invalid("ring circles a pole, which a sea zone cannot")
    return points


def _near(ring: FloatArray, reference: float) -> FloatArray:
    """`ring` shifted by whole turns so that its mean longitude is nearest `reference`."""
    turns = round((reference - float(ring[:-1, 0].mean())) / 360)
    return ring + np.array([360.0 * turns, 0.0]) if turns else ring


def _polygon(raw: Any) -> Polygon:
    if not isinstance(raw, list | tuple) or not raw:
        raise _Invalid("bad coordinates: a polygon must be a non-empty list of rings")
    shell = _ring(raw[0])
    holes = [_near(_ring(r), float(shell[:-1, 0].mean())) for r in raw[1:]]
    polygon = Polygon(shell, holes)
    reason = shapely.is_valid_reason(polygon)
    if reason != "Valid Geometry":
        raise _Invalid(f"invalid polygon: {reason}")
    if polygon.area == 0:
        raise _Invalid("invalid polygon: it has no area")
    return polygon


def _cut_at_antimeridian(polygon: Polygon) -> list[Polygon]:
    """The pieces of `polygon` in each 360° turn of longitude, moved into [-180, 180]."""
    pieces: list[Polygon] = []
    for shift in (-360.0, 0.0, 360.0):
        window = box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        if not polygon.intersects(window):
            continue
        cut = shapely.intersection(polygon, window)
        for piece in shapely.get_parts(cut):
            if isinstance(piece, Polygon) and piece.area > 0:
                pieces.append(translate(piece, xoff=shift) if shift else piece)
    return pieces


def _parts(geometry: Any) -> tuple[Polygon, ...]:
    if geometry is None:
        raise _Invalid("missing geometry")
    if not isinstance(geometry, Mapping):
        raise _Invalid("geometry must be an object")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [_polygon(coordinates)]
    elif kind == "MultiPolygon" and isinstance(coordinates, list) and coordinates:
        polygons = [_polygon(p) for p in coordinates]
    elif kind == "MultiPolygon":
        raise _Invalid("bad coordinates: a MultiPolygon needs a non-empty list of polygons")
    else:
        raise _Invalid(f"unsupported geometry type {kind!r} (Polygon or MultiPolygon)")
    return tuple(piece for polygon in polygons for piece in _cut_at_antimeridian(polygon))


def _feature_id(feature: Mapping[str, Any]) -> str | None:
    properties = feature.get("properties") or {}
    raw = feature.get("id", properties.get("id") if isinstance(properties, Mapping) else None)
    return None if raw is None else str(raw)


def _text(value: Any, what: str, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise _Invalid(f"{what} must be text")
    return value


def _zone(feature: Any) -> Zone:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise _Invalid('not a GeoJSON Feature (an object with "type": "Feature")')
    properties = feature.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise _Invalid("properties must be an object")
    zone_id = _feature_id(feature)
    if zone_id is None or not _ID_PATTERN.match(zone_id):
        raise _Invalid(f"missing or bad id {zone_id!r} (letters, digits, _ . : -; up to 64)")
    kind = _text(properties.get("kind"), "kind", "watch")
    if not _KIND_PATTERN.match(kind):
        raise _Invalid(f"bad kind {kind!r} (lower-case word, e.g. watch, protected)")
    raw_rules = properties.get("rules")
    rules = (
        (ZoneRule(),) if raw_rules is None else tuple(_rule(r) for r in _listed(raw_rules, "rules"))
    )
    if not rules:
        raise _Invalid("rules is empty: a zone needs at least one rule")
    return Zone(
        id=zone_id,
        name=_text(properties.get("name"), "name", zone_id),
        kind=kind,
        parts=_parts(feature.get("geometry")),
        rules=rules,
        description=_text(properties.get("description"), "description", ""),
    )


def zone_from_feature(feature: Any) -> Zone:
    """One zone from a GeoJSON Feature, or `InputRejected` saying what is wrong with it."""
    try:
        return _zone(feature)
    except _Invalid as err:
        raise InputRejected(f"zone refused: {err}", reason=str(err)) from err


def zones_from_geojson(collection: Any, *, strict: bool = False) -> ZoneLoad:
    """The zones of a GeoJSON FeatureCollection and the features refused.

    Lenient by default (a bulk file keeps its good zones; each bad feature, and each repeat of an
    id, is a `ZoneProblem`); with `strict`, the first problem raises `InputRejected`.
    """
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        raise InputRejected("zones must be a GeoJSON FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list):
        raise InputRejected('a FeatureCollection needs a "features" list')
    zones: dict[str, Zone] = {}
    problems: list[ZoneProblem] = []
    for index, feature in enumerate(features):
        known = _feature_id(feature) if isinstance(feature, Mapping) else None
        try:
            zone = _zone(feature)
            if zone.id in zones:
                raise _Invalid(f"duplicate id {zone.id!r}")
        except _Invalid as err:
            if strict:
                raise InputRejected(
                    f"zone feature {index} refused: {err}",
                    index=index,
                    zone_id=known,
                    reason=str(err),
                ) from err
            problems.append(ZoneProblem(index, known, str(err)))
            continue
        zones[zone.id] = zone
    return ZoneLoad(tuple(zones.values()), tuple(problems))


def read_zone_file(path: Path, *, strict: bool = False) -> ZoneLoad:
    """The zones of a GeoJSON file (see `zones_from_geojson`); an unreadable file is refused."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputRejected(f"{path.name}: cannot read zones: {err}", source=str(path)) from err
    return zones_from_geojson(collection, strict=strict)


@functools.cache
def default_zones() -> tuple[Zone, ...]:
    """The illustrative watch zones shipped with Balise (data/zones, see its SOURCE.md)."""
    text = resources.files("balise.data").joinpath(_DEFAULTS_PACKAGE, _DEFAULTS_FILE).read_text()
    return zones_from_geojson(json.loads(text), strict=True).zones


def load_zones(path: Path | None = None, *, strict: bool = False) -> ZoneLoad:
    """The default zones overlaid by the user's zone file: a user zone replaces the default of the
    same id, the others are added after the defaults. Problems are those of the user's file."""
    if path is None:
        return ZoneLoad(default_zones(), ())
    user = read_zone_file(path, strict=strict)
    merged = {zone.id: zone for zone in default_zones()} | {zone.id: zone for zone in user.zones}
    return ZoneLoad(tuple(merged.values()), user.problems)
