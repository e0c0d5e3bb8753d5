"""The fleet snapshot: one row per vessel with its last position, identity and risk.

The map layer (latest positions of every vessel) and the vessel search both read it. Building it
scans the positions table once (a `GROUP BY mmsi` with `arg_max`), which takes too long to do
for every request on a large workspace, so it is built once per *data version* and kept: the
version is the store's `generation`, which every write of data in this process bumps (ingested
batches, detection runs, the risk table). A request after new data rebuilds it; the others read
the kept frame.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import unicodedata
from collections.abc import Callable
from typing import Annotated, Final

import polars as pl
from fastapi import Depends, Request

from balise.engine.dossier import with_flag
from balise.store.base import Store


def normalise(text: str) -> str:
    """A name as search compares it: accents stripped, upper case, every run of other
    characters than A-Z and 0-9 (AIS `@` padding, punctuation, spaces) one space, trimmed.
    The same rule as the store's fleet query (`FleetStore.fleet`), so that "Nuestra Señora",
    "NUESTRA SENORA@@" and "nuestra-senora" are one name."""
    folded = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in folded if not unicodedata.combining(c)).upper()
    return re.sub(r"[^A-Z0-9]+", " ", plain).strip()


def build_fleet(store: Store) -> pl.DataFrame:
    """One row per vessel heard or identified: last position (`time`, `lat`, `lon`,
    `sog_knots`, `cog_deg`, `heading_deg`), current identity, flag, risk `score` and `band`
    (null before the first detection run), and the search columns `name_key` (the current name
    normalised), `names`, `call_signs`, `imos` (every normalised value ever reported,
    `|`-separated)."""
    fleet = store.fleet()
    risk = store.table("vessel_risk")
    if risk is None:
        risk = pl.DataFrame(schema={"mmsi": pl.Int32, "score": pl.Float64, "band": pl.String})
    fleet = fleet.join(risk.select("mmsi", "score", "band"), on="mmsi", how="left")
    return with_flag(fleet).sort("mmsi")


SEARCH_COLUMNS: Final = ("mmsi_text", "imos_key", "call_signs_key", "names_key", "current_key")
"""The vessel search's columns: the MMSI as text, the `|`-separated identifiers and former
names framed by `|` (so that `|NAME|` matches one whole value), the current name ('' if none)."""


def with_search_columns(fleet: pl.DataFrame) -> pl.DataFrame:
    """`fleet` with `SEARCH_COLUMNS`."""

    def framed(column: str) -> pl.Expr:
        return pl.concat_str(pl.lit("|"), pl.col(column).fill_null(""), pl.lit("|"))

    return fleet.with_columns(
        pl.col("mmsi").cast(pl.String).alias("mmsi_text"),
        framed("imos").alias("imos_key"),
        framed("call_signs").alias("call_signs_key"),
        framed("names").alias("names_key"),
        pl.col("name_key").fill_null("").alias("current_key"),
    )


class FleetCache:
    """The snapshot of the current data version, and response bodies made from it
    (thread-safe: requests run in a pool)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._snapshot: pl.DataFrame | None = None
        self._bodies: dict[str, bytes] = {}
        self._frames: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
        # generations restart at each process start: entity tags must not repeat across runs
        self._instance = secrets.token_hex(8)

    def get(self, store: Store) -> pl.DataFrame:
        """The snapshot, rebuilt first if the data changed since it was built."""
        version = store.generation
        with self._lock:
            if self._snapshot is None or version != self._version:
                self._snapshot, self._version = build_fleet(store), version
                self._bodies, self._frames = {}, {}
            return self._snapshot

    def searchable(self, store: Store) -> pl.DataFrame:
        """The snapshot with the search's columns (`SEARCH_COLUMNS`), made once per data
        version: what every search compares is then read, not computed again."""
        snapshot = self.get(store)
        with self._lock:
            kept = self._frames.get("search")
            if kept is not None and kept[0] is snapshot:
                return kept[1]
        made = with_search_columns(snapshot)
        with self._lock:
            self._frames["search"] = (snapshot, made)
        return made

    def tag(self, version: int, key: str) -> str:
        """The entity tag of body `key` at data version `version`."""
        return hashlib.sha256(repr((self._instance, version, key)).encode()).hexdigest()[:20]

    def kept(self, version: int, key: str) -> bytes | None:
        """Body `key` if it was made at data version `version` (no database access: an
        unchanged map layer is answered without leaving the event loop)."""
        with self._lock:
            return self._bodies.get(key) if version == self._version else None

    def body(
        self, store: Store, key: str, encode: Callable[[pl.DataFrame], bytes]
    ) -> tuple[bytes, int]:
        """A response body made from the snapshot by `encode` and kept with it under `key`
        (the unfiltered map layer is the same bytes for every request until the data
        changes), and the data version it belongs to."""
        version = store.generation
        kept = self.kept(version, key)
        if kept is not None:
            return kept, version
        made = encode(self.get(store))
        with self._lock:
            if version == self._version:
                self._bodies[key] = made
        return made, version


def get_fleet_cache(request: Request) -> FleetCache:
    """The app's fleet cache (made on first use)."""
    cache: FleetCache | None = getattr(request.app.state, "fleet", None)
    if cache is None:
        cache = request.app.state.fleet = FleetCache()
    return cache


FleetDep = Annotated[FleetCache, Depends(get_fleet_cache)]
