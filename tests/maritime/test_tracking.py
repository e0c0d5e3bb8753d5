"""Tracking to destination: declared port checked against course and progress, course guesses."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import polars as pl
import pytest

from balise.maritime.tracking import (
    TRACKING_SCHEMA,
    SeaRoutes,
    TrackingParams,
    angle_off,
    read_route,
    track_destinations,
)
from helpers import T0, track

PORTS = pl.DataFrame(
    {
        "locode": ["FRLEH", "NLRTM", "BEANR", "ESVGO", "BRSSZ"],
        "lat": [49.48, 51.95, 51.30, 42.24, -23.98],
        "lon": [0.11, 4.14, 4.30, -8.73, -46.30],
    }
)
"""Real ports: Le Havre, Rotterdam, Antwerp, Vigo, Santos."""
SHIP = 227_000_001
ROUTES = SeaRoutes()
"""Shared by the tests of this module: the searoute network is loaded once."""


def channel_track(hours: float = 6.0) -> pl.DataFrame:
    """A ship up the English Channel from south of the Isle of Wight, east-north-east at 14 kn."""
    return track(
        SHIP, hours, lat=50.2, lon=-1.2, knots=14, course_deg=64, every_s=600,
        sog_knots=14.0, cog_deg=64.0,
    )  # fmt: skip


def declared(locode: str | None, mmsi: int = SHIP) -> pl.DataFrame:
    return pl.DataFrame(
        {"mmsi": [mmsi], "destination_locode": [locode], "eta": [T0 + timedelta(days=1)]},
        schema={"mmsi": pl.Int32, "destination_locode": pl.String, "eta": pl.Datetime("us", "UTC")},
    )


def tracked(positions: pl.DataFrame, declaration: pl.DataFrame) -> dict[str, Any]:
    out = track_destinations(positions, declaration, PORTS, routes=ROUTES)
    assert out.schema == pl.Schema(TRACKING_SCHEMA)
    assert out.height == 1
    row = out.row(0, named=True)
    row["reasons"] = json.loads(row["reasons"])
    return row


def test_declared_rotterdam_is_consistent_with_an_eta() -> None:
    row = tracked(channel_track(), declared("NL RTM"))
    assert row["method"] == "declared"
    assert row["declared_locode"] == row["likely_locode"] == "NLRTM"
    assert row["declared_consistent"] is True
    assert row["likely_confidence"] == 0.9
    assert 140 < row["distance_nm"] < 185  # Beachy Head to the Maas, by the Dover strait
    hours = (row["eta"] - row["timestamp"]).total_seconds() / 3600
    assert hours == pytest.approx(row["distance_nm"] / 14.0, abs=0.01)
    assert 10 < hours < 13
    assert row["declared_eta"] == T0 + timedelta(days=1)
    assert "route distance fell" in row["reasons"][1]


def test_declared_port_behind_the_ship_is_inconsistent() -> None:
    row = tracked(channel_track(), declared("ESVGO"))
    assert row["declared_consistent"] is False
    assert row["method"] == "course"
    assert row["likely_locode"] in {"NLRTM", "BEANR"}
    assert 0 < row["likely_confidence"] <= 0.6
    assert row["reasons"][0].startswith("declared ESVGO: its sea route heads")


def test_missing_or_unknown_declaration_falls_back_to_the_course() -> None:
    missing = tracked(channel_track(), declared(None))
    assert missing["method"] == "course"
    assert missing["declared_consistent"] is None
    assert missing["likely_locode"] in {"NLRTM", "BEANR"}
    assert missing["reasons"][0] == "no destination declared"
    unknown = tracked(channel_track(), declared("XXABC"))
    assert unknown["likely_locode"] == missing["likely_locode"]
    assert unknown["reasons"][0] == "declared XXABC: not in the port list"


def test_stopped_ship_is_not_tracked() -> None:
    moored = track(SHIP, 3, lat=49.48, lon=0.2, knots=0.0, sog_knots=0.2, cog_deg=12.0)
    row = tracked(moored, declared("NLRTM"))
    assert row["method"] == "stopped"
    assert row["likely_locode"] is None
    assert row["eta"] is None
    assert row["reasons"] == ["not under way: 0.2 kn"]


def test_last_position_only_is_checked_on_bearing_alone() -> None:
    last = channel_track().tail(1)
    row = tracked(last, declared("NLRTM"))
    assert row["method"] == "declared"
    assert row["likely_confidence"] == TrackingParams().declared_unchecked_confidence
    assert row["reasons"][1].startswith("progress not checked")


def test_out_of_order_input_and_other_vessels_give_the_same_row() -> None:
    other = track(SHIP + 1, 2, lat=44.0, lon=-9.5, knots=12, course_deg=180, sog_knots=12.0)
    both = pl.concat([channel_track(), other]).sample(fraction=1.0, shuffle=True, seed=3)
    decl = pl.concat([declared("NLRTM"), declared(None, SHIP + 1)])
    out = track_destinations(both, decl, PORTS, routes=ROUTES)
    assert out["mmsi"].to_list() == [SHIP, SHIP + 1]
    alone = track_destinations(channel_track(), declared("NLRTM"), PORTS, routes=ROUTES)
    assert out.head(1).equals(alone)


def test_routes_are_cached_by_rounded_origin_and_port() -> None:
    calls: list[tuple[tuple[float, float], tuple[float, float]]] = []

    def finder(origin: tuple[float, float], port: tuple[float, float]) -> list[list[float]]:
        calls.append((origin, port))
        return [list(origin), [179.5, 0.0], [-179.5, 0.0], list(port)]

    routes = SeaRoutes(finder=finder)
    first = routes.route(0.01, 179.01, 0.0, -179.0)
    routes.route(0.02, 178.98, 0.0, -179.0)
    assert len(calls) == 1
    # across the antimeridian: 1.5° of equator from 179.5 E to 179.0 W, not 358.5°
    assert first.along_nm[-1] == pytest.approx(90.0, rel=0.01)
    assert ((first.lon >= -180) & (first.lon < 180)).all()
    head = read_route(first, 0.0, 179.2, lookahead_nm=20.0)
    assert head.first_leg_deg == pytest.approx(90.0, abs=1.0)
    assert head.remaining_nm == pytest.approx(1.8 * 60, rel=0.02)


def test_angle_off_wraps_north() -> None:
    assert angle_off(350.0, 10.0) == pytest.approx(20.0)
    assert angle_off(10.0, 190.0) == pytest.approx(180.0)


def test_network_paths_are_kept_by_their_end_nodes_and_the_routes_do_not_change() -> None:
    # the same routes as searoute's own search of its network, each path searched once for all
    # the ships that snap to the same network node
    from importlib import import_module

    import searoute

    from balise.maritime import tracking

    network = tracking._NetworkPaths(import_module("searoute.searoute").setup_M("networkx"))
    searched: list[object] = []
    search = network._network.shortest_path

    def counted(*args: object) -> object:
        searched.append(args)
        return search(*args)

    network._network = _Spy(network._network, counted)
    pairs = [((-30.0, 40.0), (4.14, 51.95)), ((-30.02, 40.01), (4.14, 51.95)),
             ((-9.5, 43.0), (-46.3, -23.98)), ((-1.2, 50.2), (-8.73, 42.24))]  # fmt: skip
    for origin, port in [*pairs, *pairs]:
        kept = searoute.searoute(list(origin), list(port), units="naut", append_orig_dest=True,
                                 M=network)  # fmt: skip
        plain = searoute.searoute(list(origin), list(port), units="naut", append_orig_dest=True)
        assert kept["geometry"]["coordinates"] == plain["geometry"]["coordinates"]
        assert kept["properties"]["length"] == plain["properties"]["length"]
    # mid-ocean the first two ships snap to one node: one search for both; none the second time
    assert len(searched) == 3


class _Spy:
    """`network` with its `shortest_path` replaced by `search`."""

    def __init__(self, network: object, search: object) -> None:
        self._network, self.shortest_path = network, search

    def __getattr__(self, name: str) -> object:
        return getattr(self._network, name)

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("_network", "shortest_path"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._network, name, value)
