"""After detection: each vessel's risk (from its events and context), each voyage's risk, and,
for the vessels under way, the likely next port and ETA. All are recomputed whole after every
detection run and stored as the derived tables `vessel_risk`, `voyage_risk` and
`vessel_tracking`, which the dossier and the API read.

"Now", for recency, is the time of the newest stored position, not the wall clock: an archive
replayed a year later scores as it would have on its last day.

A vessel's risk takes in the containers it carried: the stored cargo events about containers
name the vessel that carried each box (`balise.cargo.risk.vessel_contributions_of_events`), and
what they add comes in as the reason `cargo` (`score_vessels(carried=...)`). The pipeline runs
the cargo stage before this one, so the risk sees this run's cargo events.

Live, between two runs, `reassess_vessels` scores again only the vessels a batch's new events
name (a vessel's score depends on its own events, context and carried boxes alone), replacing
their rows of `vessel_risk`; voyages and tracking wait for the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from balise.cargo.risk import CargoRiskParams, vessel_contributions_of_events
from balise.engine.dossier import with_flag
from balise.maritime.risk import score_vessels
from balise.maritime.tracking import SeaRoutes, track_destinations
from balise.maritime.voyages import score_voyages
from balise.model.event_types import detected_types
from balise.model.events import EVENT_SCHEMA
from balise.store.base import EventFilter, Store

RECENT_HOURS = 6.0
"""Track length read per vessel to check its progress towards a port."""
ACTIVE_HOURS = 24.0
"""Vessels silent for longer before the newest stored position are not tracked."""

Normaliser = Callable[[str | None], str | None]


@dataclass(frozen=True)
class Assessment:
    """What the assessment wrote: vessels scored, by band, vessels tracked, seconds taken."""

    scored: int
    bands: dict[str, int]
    tracked: int
    seconds: float


def _latest_time(store: Store) -> datetime | None:
    latest = store.vessels()["last_position"].max()
    return latest if isinstance(latest, datetime) else None


def assess(
    store: Store,
    *,
    normalise: Normaliser,
    ports: pl.DataFrame,
    high_risk_ports: frozenset[str],
    watchlist: pl.DataFrame | None = None,
    routes: SeaRoutes | None = None,
    cargo_risk: CargoRiskParams | None = None,
) -> Assessment:
    """Score every vessel and track those under way; store both tables.

    `normalise` turns an AIS destination text into a UN/LOCODE (or None); `ports` (locode,
    lat, lon) are the ports a vessel may be heading for; `cargo_risk` how much the containers a
    vessel carried add to it (`cargo.risk.*` settings)."""
    started = time.perf_counter()
    now = _latest_time(store)
    if now is None:
        return Assessment(0, {}, 0, 0.0)
    vessels = with_flag(store.vessels()).rename({"flag": "flag_iso2"})
    events = store.events()
    cargo = events.filter(pl.col("type").is_in(detected_types("cargo")))
    risk = score_vessels(
        events,
        vessels.select("mmsi", "imo", "name", "flag_iso2"),
        now=now,
        high_risk_ports=high_risk_ports,
        watchlist=watchlist,
        carried=vessel_contributions_of_events(cargo, now=now, params=cargo_risk),
    )
    store.save_table("vessel_risk", risk)
    store.save_table("voyage_risk", score_voyages(events, now=now, high_risk_ports=high_risk_ports))
    texts = vessels["destination"].to_list()
    declared = vessels.select(
        "mmsi",
        pl.Series("destination_locode", [normalise(t) for t in texts], pl.String),
        "eta",
    )
    recent = store.recent_positions(RECENT_HOURS, ACTIVE_HOURS)
    tracking = track_destinations(recent, declared, ports, routes=routes)
    store.save_table("vessel_tracking", tracking)
    bands = dict(risk.group_by("band").len().iter_rows())
    return Assessment(risk.height, bands, tracking.height, time.perf_counter() - started)


def _context(root: Path) -> tuple[frozenset[str], pl.DataFrame | None]:
    """The high-risk ports and the workspace's watchlist."""
    from balise.geo.gazetteer import load_high_risk_ports
    from balise.workspace import Workspace

    return frozenset(load_high_risk_ports()["locode"].to_list()), Workspace(root).watchlist()


def reassess_vessels(
    store: Store, root: Path, mmsis: Iterable[int], cargo_risk: CargoRiskParams | None = None
) -> int:
    """Score the vessels `mmsis` again as `assess` does (same "now", context and carried boxes)
    and replace their rows of the stored `vessel_risk`; returns how many were scored."""
    wanted = sorted(set(mmsis))
    if not wanted:
        return 0
    # what those vessels' scores read, not the whole workspace: a live run calls this
    now = store.last_position_time()
    if not isinstance(now, datetime):
        return 0
    high_risk_ports, watchlist = _context(root)
    vessels = with_flag(store.vessels(wanted)).rename({"flag": "flag_iso2"})
    about = _events(store, EventFilter(mmsis=tuple(wanted)))
    # the cargo events naming them: a vessel's contribution reads only the events naming it
    cargo = _events(
        store, EventFilter(types=detected_types("cargo"), related_vessels=tuple(wanted))
    )
    carried = vessel_contributions_of_events(cargo, now=now, params=cargo_risk)
    risk = score_vessels(
        about.filter(pl.col("mmsi").is_in(wanted)),
        vessels.select("mmsi", "imo", "name", "flag_iso2"),
        now=now,
        high_risk_ports=high_risk_ports,
        watchlist=watchlist,
        carried=carried.filter(pl.col("mmsi").is_in(wanted)),
    )
    scored = risk.height
    stored = store.table("vessel_risk")
    if stored is not None:
        others = stored.filter(~pl.col("mmsi").is_in(wanted))
        risk = pl.concat([others, risk.select(others.columns).cast(others.schema)])
    store.save_table("vessel_risk", risk)
    return scored


def _events(store: Store, where: EventFilter) -> pl.DataFrame:
    """The events `where` says, as `Store.events` gives them (`EVENT_SCHEMA`, newest first)."""
    return store.find_events(where).cast(EVENT_SCHEMA)  # type: ignore[arg-type]


def assess_workspace(
    store: Store, root: Path, cargo_risk: CargoRiskParams | None = None
) -> Assessment:
    """`assess` with the packaged gazetteer, the high-risk port list and the workspace's
    watchlist (`Workspace.watchlist`, when it has one)."""
    from balise.geo.gazetteer import Gazetteer, normalise_destination

    ports = Gazetteer.packaged().ports.select("locode", "lat", "lon")
    high_risk_ports, watchlist = _context(root)
    return assess(
        store,
        normalise=normalise_destination,
        ports=ports,
        high_risk_ports=high_risk_ports,
        watchlist=watchlist,
        cargo_risk=cargo_risk,
    )
