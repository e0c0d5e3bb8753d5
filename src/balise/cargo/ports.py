"""Container ports by UN/LOCODE: where they are, how far apart, their time zone, which are hubs.

Positions come from the UN/LOCODE gazetteer (`balise.geo.gazetteer`); the roles and time zones of
the container ports the cargo analytics name from `balise/data/container_ports.csv` (see its
`.md` for sources). Distances between ports are great-circle by default; `sea_route_km` follows
searoute's maritime network (Eurostat SeaRoute, through Panama and Suez), cached per pair, for a
detour ratio measured on routes ships can sail.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources
from typing import Final

import polars as pl

from balise.geo.gazetteer import Gazetteer
from balise.geo.sphere import haversine_km

PortDistance = Callable[[str, str], float | None]
"""(UN/LOCODE, UN/LOCODE) → distance in km between the two ports, None when one is unknown."""
PortPosition = Callable[[str], tuple[float, float] | None]
"""UN/LOCODE → (lat, lon) in degrees, None when unknown."""

WATCHED_REGIONS: Final = ("caribbean", "west_africa")
"""Regions whose hubs are watched by default: "The Caribbean and West Africa are important transit
areas" (EMCDDA and Europol, EU Drug Markets: Cocaine, 2016 and 2022)."""


@functools.cache
def load_container_ports() -> pl.DataFrame:
    """`balise/data/container_ports.csv`: locode, name, region, hub (bool), timezone (IANA)."""
    data = resources.files("balise.data").joinpath("container_ports.csv").read_bytes()
    return pl.read_csv(data, schema_overrides={"hub": pl.Boolean})


def default_watched_hubs() -> tuple[str, ...]:
    """The hubs of `WATCHED_REGIONS` in the port list, sorted."""
    ports = load_container_ports()
    watched = ports.filter(pl.col("hub") & pl.col("region").is_in(WATCHED_REGIONS))
    return tuple(sorted(watched["locode"].to_list()))


def hub_ports() -> frozenset[str]:
    """The transshipment hubs of the port list."""
    return frozenset(load_container_ports().filter("hub")["locode"].to_list())


def port_timezones() -> dict[str, str]:
    """UN/LOCODE → IANA time zone of the ports of the list."""
    return dict(load_container_ports().select("locode", "timezone").iter_rows())


def port_of(terminal: str | None) -> str | None:
    """The UN/LOCODE of a terminal (`NLRTM-ECT` → `NLRTM`) or of a port code."""
    if not terminal:
        return None
    return terminal.strip().upper()[:5] or None


def port_position(locode: str) -> tuple[float, float] | None:
    """(lat, lon) of port `locode` in the gazetteer, None if unknown."""
    return Gazetteer.packaged().position(locode.upper())


def great_circle_km(origin: str, destination: str) -> float | None:
    """Great-circle distance between two ports (km), None when one is unknown."""
    a, b = port_position(origin), port_position(destination)
    if a is None or b is None:
        return None
    return float(haversine_km(a[0], a[1], b[0], b[1]))


@functools.lru_cache(maxsize=4096)
def sea_route_km(origin: str, destination: str) -> float | None:
    """Length of searoute's shortest sea route between two ports (km), None when one is unknown;
    a few milliseconds a pair once the network is loaded, so it is cached per pair."""
    if origin == destination:
        return 0.0
    a, b = port_position(origin), port_position(destination)
    if a is None or b is None:
        return None
    import searoute  # the network loads on first use only

    route = searoute.searoute((a[1], a[0]), (b[1], b[0]), units="km")
    return float(route["properties"]["length"])
