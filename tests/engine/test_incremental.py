"""Incremental runs on a time window around the new data: a synthetic world fed in batches, as a
live listener stores it, detected after each batch, ends with the events of one full run, id
for id, field for field, although every run after the first day reads only part of the history
(gaps and encounters spanning the batch boundaries included)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from balise.alerts.rules import alert_rules
from balise.cli.main import run
from balise.engine import incremental
from balise.engine.detect import Geography, detect, run_detectors
from balise.engine.incremental import context_hours, lookbacks
from balise.engine.live_detect import LiveDetection
from balise.geo.gazetteer import load_high_risk_ports, nearest_locode
from balise.geo.ports import AnchorageIndex, load_ports
from balise.geo.zones import load_zones
from balise.io.nmea import read_nmea
from balise.maritime.params import DetectorParams
from balise.model.arrays import FloatArray
from balise.model.batch import ReadOptions
from balise.store.base import IngestRecord
from balise.store.duckdb import DuckDBStore

Fed = tuple[DuckDBStore, list[datetime], list[int]]
BATCHES = 16
"""The world's three days in batches of about four and a half hours."""


def _shore_nm(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """A made-up distance to shore (the real grid takes a minute to build): far out west of
    20° W, near the coast east of it."""
    return np.where(np.asarray(lon) < -20.0, 60.0, 5.0)


def _geography() -> Geography:
    ports = load_ports().select("lat", "lon", "label", "sublabel", "iso3")
    return Geography(
        shore_nm=_shore_nm,
        anchorage_km=AnchorageIndex(ports).distance_km,
        zones=tuple(load_zones().zones),
        anchorages=ports,
        locode=nearest_locode,
        high_risk_ports=tuple(load_high_risk_ports()["locode"].to_list()),
    )


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fed]:
    """A store fed the world's AIS in time-ordered batches, detected after each one; the time
    each batch began and the positions each run read."""
    folder = tmp_path_factory.mktemp("incremental")
    world = folder / "world"
    args = ["--seed", "5", "--vessels", "20", "--days", "3"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    lines = (world / "ais.nmea").read_bytes().splitlines(keepends=True)
    store, geo = DuckDBStore(folder / "balise.duckdb"), _geography()
    starts: list[datetime] = []
    reads: list[int] = []
    size = len(lines) // BATCHES + 1
    for k in range(BATCHES):
        tag = f"batch-{k}"
        store.start_ingest(IngestRecord(tag, tag, "nmea", "running", 0, 0))
        chunk = io.BytesIO(b"".join(lines[k * size : (k + 1) * size]))
        for i, batch in enumerate(read_nmea(chunk, tag, ReadOptions())):
            start = batch.positions["timestamp"].min()
            if i == 0 and isinstance(start, datetime):
                starts.append(start)
            store.store_batch(tag, i, batch)
        store.finish_ingest(tag)
        report = detect(store, "gfw", geo)
        assert report.mode == ("full" if k == 0 else "incremental")
        reads.append(report.positions)
    yield store, starts, reads
    store.close()


def _rows(events: pl.DataFrame) -> dict[str, tuple[object, ...]]:
    return {row[0]: row[1:] for row in events.drop("status").rows()}


def test_batches_detected_as_they_arrive_end_as_one_full_run(
    fed: Fed,
) -> None:
    store, starts, _ = fed
    full = run_detectors(
        store.positions_of(None), store.identity_history_all(), "gfw", _geography()
    )
    stored = store.events()
    assert _rows(stored) == _rows(full)
    kinds = set(full["type"].to_list())
    assert {"ais_gap", "encounter", "loitering", "port_visit"} <= kinds

    def spanning(kind: str) -> int:
        events = full.filter(pl.col("type") == kind)
        return sum(
            events.filter((pl.col("start") < at) & (pl.col("end") > at)).height for at in starts
        )

    assert spanning("ais_gap")
    assert spanning("encounter")


def test_later_runs_read_a_window_not_the_whole_history(
    fed: Fed,
) -> None:
    """The last run reads about a day and a half of the three (the look-back and context of
    the default thresholds), not everything stored."""
    store, _, reads = fed
    assert 0 < reads[-1] < store.positions_of(None).height * 0.7


def test_lookback_follows_the_thresholds() -> None:
    params = DetectorParams()
    default = max(lookbacks(params, "gfw").values())
    assert default == params.coastal_drop.max_hours
    assert max(context_hours(params).values()) == params.gap.dense_before_hours
    longer = DetectorParams(loitering=type(params.loitering)(min_hours=30.0))
    assert max(lookbacks(longer, "gfw").values()) == 31.0
    assert timedelta(hours=default) < timedelta(days=1)


SMALL_BATCHES = 32
"""A day in batches of 45 minutes of the world's time, each followed by a live run."""


def test_a_live_feed_in_many_small_batches_ends_as_one_full_run(tmp_path: Path) -> None:
    """The live path (`LiveDetection`: the incremental run, the risk of the vessels of runs
    with new events scored again, the alerts refreshed) after every one of many small
    batches ends with the events of one full run, id for id, field for field."""
    world = tmp_path / "world"
    args = ["--seed", "11", "--vessels", "10", "--days", "1"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    lines = (world / "ais.nmea").read_bytes().splitlines(keepends=True)
    store, geo = DuckDBStore(tmp_path / "balise.duckdb"), _geography()
    rescored: list[list[int]] = []

    def rescore(_: object, mmsis: Sequence[int]) -> int:
        rescored.append(list(mmsis))
        return len(mmsis)

    live = LiveDetection("gfw", geo, DetectorParams(), alert_rules({}), rescore=rescore)
    size = len(lines) // SMALL_BATCHES + 1
    modes = []
    for k in range(SMALL_BATCHES):
        tag = f"batch-{k}"
        store.start_ingest(IngestRecord(tag, tag, "nmea", "running", 0, 0))
        chunk = io.BytesIO(b"".join(lines[k * size : (k + 1) * size]))
        for i, batch in enumerate(read_nmea(chunk, tag, ReadOptions())):
            store.store_batch(tag, i, batch)
        store.finish_ingest(tag)
        modes.append(live(store).detection.mode)
    full = run_detectors(store.positions_of(None), store.identity_history_all(), "gfw", geo)
    assert _rows(store.events()) == _rows(full)
    assert modes[0] == "full"
    assert set(modes[1:]) == {"incremental"}
    assert len(rescored) > 1  # not only after the first, full, run
    assert all(rescored)
    store.close()


def _fed_late(folder: Path, lines: list[bytes], geo: Geography) -> tuple[pl.DataFrame, int]:
    """The events of a store fed the last two thirds of `lines` then, late, the first third
    (each part detected once it is stored), and how many reads of some vessels' positions (not
    the window's) the late run made."""
    store = DuckDBStore(folder / "balise.duckdb")
    reads = []
    positions_of = store.positions_of

    def spied(mmsis: list[int] | None, *args: Any, **kwargs: Any) -> pl.DataFrame:
        reads.append(mmsis is not None)
        return positions_of(mmsis, *args, **kwargs)

    third = len(lines) // 3
    for k, chunk in enumerate((lines[third:], lines[:third])):
        tag = f"part-{k}"
        store.start_ingest(IngestRecord(tag, tag, "nmea", "running", 0, 0))
        for i, batch in enumerate(read_nmea(io.BytesIO(b"".join(chunk)), tag, ReadOptions())):
            store.store_batch(tag, i, batch)
        store.finish_ingest(tag)
        reads.clear()
        store.positions_of = spied  # type: ignore[method-assign]
        assert detect(store, "gfw", geo).mode == ("full" if k == 0 else "incremental")
        del store.positions_of
    events = store.events()
    store.close()
    return events, sum(reads)


def test_positions_taken_from_the_window_detect_what_a_read_apart_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run takes the touched vessels' positions from the window every vessel is read over
    (`in_window`), else reads them apart: with the first day arriving after the two others
    (late data, more than a day before what is stored after it) both happen, and the events
    are those of runs that read every touched vessel apart."""
    world = tmp_path / "world"
    args = ["--seed", "7", "--vessels", "12", "--days", "3"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    lines = (world / "ais.nmea").read_bytes().splitlines(keepends=True)
    geo = _geography()
    (tmp_path / "shared").mkdir()
    shared, apart_reads = _fed_late(tmp_path / "shared", lines, geo)
    assert apart_reads  # the late vessels' positions reach past the window

    def apart(*args: Any) -> pl.DataFrame:
        return read_from(*args).with_columns(pl.lit(False).alias("in_window"))

    read_from = incremental._read_from
    monkeypatch.setattr(incremental, "_read_from", apart)
    (tmp_path / "apart").mkdir()
    alone, _ = _fed_late(tmp_path / "apart", lines, geo)
    assert _rows(shared) == _rows(alone)
    assert shared.height > 20
