"""The fleet snapshot: one row per vessel with its last position, identity and risk.

The map layer (latest positions of every vessel) and the vessel search both read it. Building it
scans the positions table once (a `GROUP BY mmsi` with `arg_max`), which takes too long to do
for every request on a large workspace, so it is built once per *data version* and kept: the
version is the store's last change sequence (every ingested batch bumps it) and the time of the
last detection run (which rewrites the risk table). A request after new data rebuilds it; the
others read the kept frame.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any, Final

import polars as pl
from fastapi import Depends, Request

from balise.engine.dossier import with_flag
from balise.store.duckdb import DuckDBStore

_NORMALISE_SQL: Final = "trim(regexp_replace(upper(strip_accents({c})), '[^A-Z0-9]+', ' ', 'g'))"
_LATEST: Final = ("name", "call_sign", "imo", "ship_type", "ship_type_text", "length_m")
_FLEET_SQL: Final = f"""
WITH last AS (
    SELECT mmsi, max(timestamp) AS time, arg_max(lat, timestamp) AS lat,
           arg_max(lon, timestamp) AS lon, arg_max(sog_knots, timestamp) AS sog_knots,
           arg_max(cog_deg, timestamp) AS cog_deg, arg_max(heading_deg, timestamp) AS heading_deg
    FROM positions GROUP BY mmsi),
ident AS (
    SELECT mmsi, {
    ", ".join(f"arg_max({c}, last_seen) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in _LATEST)
},
           string_agg(DISTINCT {_NORMALISE_SQL.format(c="name")}, '|') AS names,
           string_agg(DISTINCT {_NORMALISE_SQL.format(c="call_sign")}, '|') AS call_signs,
           string_agg(DISTINCT CAST(imo AS VARCHAR), '|') AS imos
    FROM identities GROUP BY mmsi)
SELECT *, {_NORMALISE_SQL.format(c="name")} AS name_key
FROM last FULL OUTER JOIN ident USING (mmsi)
"""


def normalise(text: str) -> str:
    """A name as search compares it: accents stripped, upper case, every run of other
    characters than A-Z and 0-9 (AIS `@` padding, punctuation, spaces) one space, trimmed.
    The same rule as `_NORMALISE_SQL`, so that "Nuestra Señora", "NUESTRA SENORA@@" and
    "nuestra-senora" are one name."""
    folded = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in folded if not unicodedata.combining(c)).upper()
    return re.sub(r"[^A-Z0-9]+", " ", plain).strip()


def data_version(store: DuckDBStore) -> tuple[Any, ...]:
    """What the snapshot depends on: the last change sequence and the last detection run."""
    return store._rows(
        "SELECT (SELECT coalesce(max(seq), 0) FROM changes), "
        "(SELECT max(run_at) FROM detect_runs), (SELECT count(*) FROM detect_runs)"
    )[0]


def build_fleet(store: DuckDBStore) -> pl.DataFrame:
    """One row per vessel heard or identified: last position (`time`, `lat`, `lon`,
    `sog_knots`, `cog_deg`, `heading_deg`), current identity, flag, risk `score` and `band`
    (null before the first detection run), and the search columns `name_key` (the current name
    normalised), `names`, `call_signs`, `imos` (every normalised value ever reported,
    `|`-separated)."""
    fleet = store._frame(_FLEET_SQL)
    risk = store.table("vessel_risk")
    if risk is None:
        risk = pl.DataFrame(schema={"mmsi": pl.Int32, "score": pl.Float64, "band": pl.String})
    fleet = fleet.join(risk.select("mmsi", "score", "band"), on="mmsi", how="left")
    return with_flag(fleet).sort("mmsi")


class FleetCache:
    """The snapshot of the current data version (thread-safe: requests run in a pool)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._frame: pl.DataFrame | None = None
        self._bodies: dict[str, bytes] = {}

    def get(self, store: DuckDBStore) -> pl.DataFrame:
        return self._current(store)[0]

    def _current(self, store: DuckDBStore) -> tuple[pl.DataFrame, tuple[Any, ...]]:
        version = data_version(store)
        with self._lock:
            if self._frame is None or version != self._version:
                self._frame, self._version = build_fleet(store), version
                self._bodies = {}
            return self._frame, version

    def body(
        self, store: DuckDBStore, key: str, encode: Callable[[pl.DataFrame], bytes]
    ) -> tuple[bytes, str]:
        """A response body made from the snapshot by `encode`, kept with it under `key` (the
        unfiltered map layer is the same bytes for every request until the data changes), and
        an entity tag naming the data version and `key`."""
        frame, version = self._current(store)
        tag = hashlib.sha256(repr((version, key)).encode()).hexdigest()[:20]
        with self._lock:
            if version == self._version and key in self._bodies:
                return self._bodies[key], tag
        made = encode(frame)
        with self._lock:
            if version == self._version:
                self._bodies[key] = made
        return made, tag


def get_fleet_cache(request: Request) -> FleetCache:
    """The app's fleet cache (made on first use)."""
    cache: FleetCache | None = getattr(request.app.state, "fleet", None)
    if cache is None:
        cache = request.app.state.fleet = FleetCache()
    return cache


FleetDep = Annotated[FleetCache, Depends(get_fleet_cache)]
