"""The synthetic world end to end: `balise sim atlantic`, its files, its physics and its truth."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from balise.cli.main import run
from balise.geo.landmask import LandMask
from balise.io.ais_csv import read_ais_csv, sniff_csv
from balise.io.nmea import read_nmea
from balise.maritime import segment as segmenter
from balise.model.batch import ReadOptions
from balise.sim.motion import haversine_nm
from balise.sim.places import FAIRWAYS, PORTS
from balise.sim.world import FILES
from helpers import count_calls

ARGS = ["--seed", "11", "--vessels", "40", "--days", "3", "--start", "2024-03-01T00:00:00Z"]
PORT_RADIUS_NM = 10.0
"""Positions on the land mask are accepted this close to a port: the 1 km mask closes harbour
basins and river fairways (Rotterdam's berths are 30 km up the Nieuwe Waterweg)."""


def _simulate(out: Path, *args: str) -> None:
    assert run(["sim", "atlantic", "--out", str(out), *args]) == 0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    _simulate(out, *ARGS)
    return out


@pytest.fixture(scope="module")
def nmea(world: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Positions and identities read back from the NMEA output by Balise's reader."""
    with (world / FILES["nmea"]).open("rb") as stream:
        batches = list(read_nmea(stream, "ais.nmea", ReadOptions()))
    assert sum(b.quarantine.height for b in batches) == 0
    positions = pl.concat([b.positions for b in batches]).sort("mmsi", "timestamp")
    identities = pl.concat([b.identities for b in batches]).sort("mmsi", "timestamp")
    return positions, identities


@pytest.fixture(scope="module")
def truth(world: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (world / FILES["truth"]).read_text().splitlines()]


def _events(truth: list[dict[str, Any]], kind: str) -> Iterator[dict[str, Any]]:
    return (e for e in truth if e["type"] == kind)


def _during(positions: pl.DataFrame, mmsi: int, start: str, end: str) -> pl.DataFrame:
    since, until = (
        pl.lit(start).str.to_datetime(time_zone="UTC"),
        pl.lit(end).str.to_datetime(time_zone="UTC"),
    )
    return positions.filter((pl.col("mmsi") == mmsi) & pl.col("timestamp").is_between(since, until))


def test_writes_every_file(world: Path) -> None:
    for name in FILES.values():
        assert (world / name).stat().st_size > 0, name
    assert "--seed 11" in (world / FILES["readme"]).read_text()


def test_same_arguments_same_bytes(world: Path, tmp_path: Path) -> None:
    _simulate(tmp_path, *ARGS)
    for name in FILES.values():
        assert (tmp_path / name).read_bytes() == (world / name).read_bytes(), name


def test_another_seed_another_world(world: Path, tmp_path: Path) -> None:
    _simulate(tmp_path, "--seed", "12", *ARGS[2:])
    assert (tmp_path / FILES["nmea"]).read_bytes() != (world / FILES["nmea"]).read_bytes()


def test_every_scenario_has_truth(truth: list[dict[str, Any]]) -> None:
    types = {e["type"] for e in truth}
    assert types >= {
        "loitering", "ais_gap", "encounter", "coastal_drop", "shared_mmsi", "identity_change",
        "position_jump", "destination_mismatch", "clearance_missing", "dark_target", "port_visit",
        "insider_lookup",
    }  # fmt: skip
    scenarios = {e["evidence"]["scenario"] for e in truth}
    assert {"watchlist_arrival", "traffic", "mothership_transfer", "insider"} <= scenarios
    for event in truth:
        assert set(event) >= {"id", "type", "start", "end", "lat", "lon", "mmsi", "status"}
        assert event["start"] <= event["end"]
    assert len({e["id"] for e in truth}) == len(truth)


def test_the_insider_is_on_the_staff(world: Path, truth: list[dict[str, Any]]) -> None:
    staff = pl.read_csv(world / FILES["staff"])
    insiders = {e["subject"]["id"] for e in _events(truth, "insider_lookup")}
    assert len(insiders) == 1
    assert insiders <= set(staff["user"])
    lines = (world / FILES["access"]).read_text().splitlines()
    readers = {json.loads(line)["user"] for line in lines}
    assert insiders <= readers


def test_nmea_and_csv_carry_the_same_positions(world: Path, nmea: tuple[pl.DataFrame, ...]) -> None:
    path = world / FILES["csv"]
    layout = sniff_csv(path.read_bytes()[:4096])
    assert layout == "dma"
    with path.open("rb") as stream:
        batches = list(read_ais_csv(stream, "ais-dma.csv", layout, ReadOptions()))
    assert sum(b.quarantine.height for b in batches) == 0
    key = ["mmsi", "timestamp", "lat", "lon"]
    from_csv = pl.concat([b.positions for b in batches]).unique(key).select(key).sort(key)
    from_nmea = nmea[0].unique(key).select(key).sort(key)
    assert from_csv.equals(from_nmea)


def _exempt(truth: list[dict[str, Any]]) -> set[int]:
    """MMSIs whose broadcast positions are deliberately wrong or shared."""
    kinds = ("position_jump", "shared_mmsi")
    return {e["mmsi"] for e in truth if e["type"] in kinds}


def test_no_position_on_land_outside_ports(
    nmea: tuple[pl.DataFrame, ...], truth: list[dict[str, Any]]
) -> None:
    positions = nmea[0].filter(~pl.col("mmsi").is_in(list(_exempt(truth))))
    lat, lon = positions["lat"].to_numpy(), positions["lon"].to_numpy()
    on_land = LandMask(FAIRWAYS).on_land(lat, lon)
    port_lat = np.array([p.lat for p in PORTS])
    port_lon = np.array([p.lon for p in PORTS])
    for la, lo in zip(lat[on_land], lon[on_land], strict=True):
        nearest = haversine_nm(np.full(len(port_lat), la), np.full(len(port_lon), lo),
                               port_lat, port_lon).min()  # fmt: skip
        assert nearest < PORT_RADIUS_NM, (la, lo)
    assert on_land.mean() < 0.2


def test_speeds_are_plausible(nmea: tuple[pl.DataFrame, ...], truth: list[dict[str, Any]]) -> None:
    moves = (
        nmea[0]
        .filter(~pl.col("mmsi").is_in(list(_exempt(truth))))
        .sort("mmsi", "timestamp")
        .with_columns(
            dt_s=pl.col("timestamp").diff().over("mmsi").dt.total_seconds(),
            prev_lat=pl.col("lat").shift().over("mmsi"),
            prev_lon=pl.col("lon").shift().over("mmsi"),
        )
        .filter(pl.col("dt_s") >= 60)
    )
    distance = haversine_nm(moves["prev_lat"].to_numpy(), moves["prev_lon"].to_numpy(),
                            moves["lat"].to_numpy(), moves["lon"].to_numpy())  # fmt: skip
    implied_kn = distance / (moves["dt_s"].to_numpy() / 3600)
    assert implied_kn.max() < 30
    assert float(nmea[0]["sog_knots"].drop_nulls().max()) < 30  # type: ignore[arg-type]


def test_reporting_intervals_follow_the_class(nmea: tuple[pl.DataFrame, ...]) -> None:
    gaps = (
        nmea[0]
        .unique(["mmsi", "timestamp"])
        .sort("mmsi", "timestamp")
        .with_columns(dt_s=pl.col("timestamp").diff().over("mmsi").dt.total_seconds())
        .filter(pl.col("sog_knots").is_between(4, 13) & (pl.col("dt_s") < 120))
    )
    class_a = gaps.filter(pl.col("msg_type").is_in([1, 3]))["dt_s"]
    class_b = gaps.filter(pl.col("msg_type") == 18)["dt_s"]
    assert class_a.median() == 10
    assert class_b.median() == 30


def test_gaps_are_dark_and_framed_by_reports(
    nmea: tuple[pl.DataFrame, ...], truth: list[dict[str, Any]]
) -> None:
    for gap in _events(truth, "ais_gap"):
        inside = _during(nmea[0], gap["mmsi"], gap["start"], gap["end"])
        assert inside.height <= 2, gap  # the reports of the instants the transponder switched
        assert nmea[0].filter(pl.col("mmsi") == gap["mmsi"]).height > 0


def test_encounters_are_side_by_side(
    nmea: tuple[pl.DataFrame, ...], truth: list[dict[str, Any]]
) -> None:
    for meeting in _events(truth, "encounter"):
        one = _during(nmea[0], meeting["mmsi"], meeting["start"], meeting["end"])
        two = _during(nmea[0], meeting["other_mmsi"], meeting["start"], meeting["end"])
        assert one.height
        assert two.height
        paired = one.join_asof(two.sort("timestamp"), on="timestamp", tolerance="10m")
        paired = paired.drop_nulls("lat_right")
        apart = haversine_nm(
            paired["lat"].to_numpy(),
            paired["lon"].to_numpy(),
            paired["lat_right"].to_numpy(),
            paired["lon_right"].to_numpy(),
        )
        assert np.median(apart) < 0.3
        assert float(one["sog_knots"].median()) < 2  # type: ignore[arg-type]


def test_loitering_ships_drift(nmea: tuple[pl.DataFrame, ...], truth: list[dict[str, Any]]) -> None:
    for event in _events(truth, "loitering"):
        seen = _during(nmea[0], event["mmsi"], event["start"], event["end"])
        assert seen.height
        assert float(seen["sog_knots"].median()) < 2  # type: ignore[arg-type]


def test_identity_changes_are_broadcast(
    nmea: tuple[pl.DataFrame, ...], truth: list[dict[str, Any]]
) -> None:
    identities = nmea[1]
    for change in _events(truth, "identity_change"):
        names = identities.filter(
            pl.col("mmsi").is_in([change["mmsi"], change["other_mmsi"] or change["mmsi"]])
        )["name"]
        assert names.drop_nulls().n_unique() >= 2


def test_position_jumps_are_far(
    nmea: tuple[pl.DataFrame, ...], truth: list[dict[str, Any]]
) -> None:
    for jump in _events(truth, "position_jump"):
        during = _during(nmea[0], jump["mmsi"], jump["start"], jump["end"])
        if during.height:
            far = haversine_nm(during["lat"].to_numpy(), during["lon"].to_numpy(),
                               np.full(during.height, jump["evidence"]["true_lat"]),
                               np.full(during.height, jump["evidence"]["true_lon"]))  # fmt: skip
            assert far.min() > 90


@pytest.mark.skipif(segmenter._KERNEL is None, reason="the segmenter's kernel is not built")
def test_compiled_segmenter_gives_the_python_segments(
    nmea: tuple[pl.DataFrame, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The world's jumps, spoofers and shared MMSIs go through the per-point matching: compiled
    and in Python, the same segments, codes and noise."""
    compiled_calls = count_calls(monkeypatch, segmenter._KERNEL, "match")
    compiled = segmenter.segment(nmea[0])
    assert compiled_calls
    monkeypatch.setattr(segmenter, "_KERNEL", None)
    assert compiled.equals(segmenter.segment(nmea[0]))


def test_documents_match_the_truth(world: Path, truth: list[dict[str, Any]]) -> None:
    clearances = pl.read_csv(world / FILES["clearances"])
    for missing in _events(truth, "clearance_missing"):
        assert missing["mmsi"] not in clearances["mmsi"].to_list()
    watchlist = pl.read_csv(world / FILES["watchlist"])
    arrivals = [e for e in truth if e["evidence"]["scenario"] == "watchlist_arrival"]
    assert arrivals
    assert {e["mmsi"] for e in arrivals} <= set(watchlist["mmsi"].to_list())
    radar = pl.read_csv(world / FILES["radar"])
    for target in _events(truth, "dark_target"):
        seen = pl.col("time").is_between(pl.lit(target["start"]), pl.lit(target["end"]))
        assert radar.filter(seen).height


def test_balise_ingests_both_outputs(world: Path, tmp_path: Path) -> None:
    workspace = str(tmp_path / "ws")
    for name in (FILES["nmea"], FILES["csv"]):
        assert run(["--workspace", workspace, "ingest", "ais", str(world / name)]) == 0
