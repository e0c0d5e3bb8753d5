"""The position lake: a workspace export, an ingest straight into it, and the Spark engine's
error without pyspark (these tests need no Spark)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import balise.engine.ingest as ingest_module
from balise.cli.main import run
from balise.engine.spark_lake import vessel_ranges
from balise.engine.spark_session import (
    GROUP_POSITIONS,
    SPARK_HINT,
    SparkMissing,
    SparkPlan,
    require_pyspark,
)
from balise.io.lake import (
    LakeError,
    fold_positions,
    list_parts,
    read_identities,
    read_manifest,
    read_mmsi_range,
    read_positions,
    read_quarantine,
)
from balise.io.nmea import read_nmea
from balise.model.schema import POSITION_SCHEMA
from balise.workspace import Workspace

DATA = Path(__file__).parents[1] / "data"
DMA = DATA / "csv" / "dma_26_columns.csv"
DMA_BAD = DATA / "csv" / "dma_bad_rows.csv"
NMEA = DATA / "formats" / "tag_lines.nmea"


def _workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    assert run(["--workspace", str(workspace), "ingest", "ais", str(DMA)]) == 0
    return workspace


def test_export_writes_what_the_workspace_holds(tmp_path: Path) -> None:
    workspace, lake = _workspace(tmp_path), tmp_path / "lake"
    assert run(["--workspace", str(workspace), "export", "parquet", str(lake)]) == 0
    store = Workspace(workspace).open_store()
    try:
        positions, identities = store.positions_of(None), store.identity_history_all()
    finally:
        store.close()
    assert positions.height > 0
    assert_frame_equal(read_positions(lake), positions)
    order = ["mmsi", "timestamp", "msg_type", "first_source", "first_source_line"]
    assert_frame_equal(read_identities(lake), identities.sort(order))
    manifest = read_manifest(lake)
    assert (manifest.positions, manifest.identities) == (positions.height, identities.height)
    parts = sorted(p.relative_to(lake).parts[:3] for p in lake.rglob("*.parquet"))
    days = {p[1] for p in parts}
    assert days == {f"day={d}" for d in manifest.days}
    assert {p[2] for p in parts} == {
        f"mmsi_bucket={m // 1_000_000}" for m in positions["mmsi"].unique()
    } | {f"mmsi_bucket={m // 1_000_000}" for m in identities["mmsi"].unique()}


def test_ingest_to_lake_reads_as_the_workspace_and_again_adds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    for _ in range(2):
        capsys.readouterr()
        args = ["ingest", "ais", str(DMA), "--to-lake", str(lake), "--format", "json"]
        assert run(["--workspace", str(tmp_path / "unused"), *args]) == 0
        summary = json.loads(capsys.readouterr().out)
        parts = sorted(lake.rglob("*.parquet"))
        assert read_manifest(lake).positions == summary["positions_written"]
    assert not (tmp_path / "unused" / "balise.duckdb").exists()
    assert sorted(lake.rglob("*.parquet")) == parts
    store = Workspace(_workspace(tmp_path)).open_store()
    try:
        positions, identities = store.positions_of(None), store.identity_history_all()
    finally:
        store.close()
    stored = positions.sort("mmsi", "timestamp", "source_line")
    assert_frame_equal(read_positions(lake).sort("mmsi", "timestamp", "source_line"), stored)
    order = ["mmsi", "timestamp", "msg_type", "first_source", "first_source_line"]
    assert_frame_equal(read_identities(lake), identities.sort(order))


def test_a_folder_without_manifest_is_not_a_lake(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="not a Balise position lake"):
        read_manifest(tmp_path)


def test_spark_engine_without_pyspark_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(SparkMissing, match="balise\\[spark\\]"):
        require_pyspark()
    workspace = _workspace(tmp_path)
    capsys.readouterr()
    assert run(["--workspace", str(workspace), "detect", "--engine", "spark"]) == 1
    err = capsys.readouterr().err
    assert "pip install" in err
    assert "Traceback" not in err
    assert SPARK_HINT.split(":")[0] in " ".join(err.split())


def _to_lake(tmp_path: Path, *args: str) -> int:
    lake = tmp_path / "lake"
    return run(["--workspace", str(tmp_path / "unused"), "ingest", "ais", *args, "--to-lake",
                str(lake), "--format", "json"])  # fmt: skip


def test_ingest_to_lake_keeps_the_quarantine_as_the_workspace_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert _to_lake(tmp_path, str(DMA_BAD), str(DMA)) == 0
    out = capsys.readouterr()
    summaries = [json.loads(line) for line in out.out.splitlines()]
    assert "quarantined records of dma_bad_rows.csv kept in" in " ".join(out.err.split())
    kept = read_quarantine(tmp_path / "lake")
    assert kept.height == sum(sum(s["quarantined"].values()) for s in summaries) > 0
    assert read_manifest(tmp_path / "lake").quarantined == kept.height
    workspace = tmp_path / "ws"
    assert run(["--workspace", str(workspace), "ingest", "ais", str(DMA_BAD), str(DMA)]) == 0
    files = sorted((workspace / "quarantine").glob("*.jsonl"))
    stored = pl.concat([pl.read_ndjson(f, schema=dict(kept.schema)) for f in files])
    assert_frame_equal(kept, stored.sort("source", "source_line"))
    # ingesting again replaces the quarantine with the positions: nothing twice
    assert _to_lake(tmp_path, str(DMA_BAD)) == 0
    assert_frame_equal(read_quarantine(tmp_path / "lake"), kept)


def test_a_reader_failure_is_quarantined_in_the_lake_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Panic(BaseException):
        """Stands in for pyo3's PanicException, a BaseException."""

    def breaks_after_one_batch(*args: object, **kwargs: object) -> Iterator[object]:
        batches = read_nmea(*args, **kwargs)  # type: ignore[arg-type]
        yield next(batches)
        raise Panic("boom")

    monkeypatch.setattr(ingest_module, "read_nmea", breaks_after_one_batch)
    capsys.readouterr()
    assert _to_lake(tmp_path, "--batch-records", "5", str(NMEA), str(DMA)) == 3
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (first["status"], second["status"]) == ("failed", "ingested")
    assert first["quarantined"]["reader_error"] == 1
    failure = read_quarantine(tmp_path / "lake").filter(pl.col("reason") == "reader_error")
    assert "Panic: boom" in failure["detail"][0]
    assert first["positions_written"] > 0  # what was read before the failure is kept
    manifest = read_manifest(tmp_path / "lake")
    assert manifest.positions == first["positions_written"] + second["positions_written"]


def test_strict_ingest_to_lake_stops_at_the_first_bad_record_and_writes_nothing_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _to_lake(tmp_path, "--strict", str(DMA), str(DMA_BAD)) == 3
    assert "line" in capsys.readouterr().err
    assert read_positions(tmp_path / "lake")["source"].unique().to_list() == [DMA.name]
    assert read_quarantine(tmp_path / "lake").is_empty()


def test_a_plan_sized_to_the_lake_fills_the_slots_and_bounds_a_group() -> None:
    assert SparkPlan.sized(654_644, 2) == SparkPlan(vessel_groups=2, pair_buckets=2)
    assert SparkPlan.sized(0, 0).vessel_groups == 1
    year = 6_200_000_000
    plan = SparkPlan.sized(year, 40)
    assert plan.vessel_groups % 40 == 0
    assert year / plan.vessel_groups <= GROUP_POSITIONS < year / (plan.vessel_groups - 40)
    assert plan.pair_buckets == 40


def test_export_keeps_the_workspaces_quarantine_beside_the_lake(tmp_path: Path) -> None:
    workspace, lake = tmp_path / "ws", tmp_path / "lake"
    assert run(["--workspace", str(workspace), "ingest", "ais", str(DMA_BAD), str(DMA)]) == 0
    assert run(["--workspace", str(workspace), "export", "parquet", str(lake)]) == 0
    store = Workspace(workspace).open_store()
    try:
        stored = store.quarantine()
    finally:
        store.close()
    kept = read_quarantine(lake)
    assert kept.height == stored.height > 0
    assert_frame_equal(kept, stored.select(kept.columns).sort("source", "source_line"))
    assert read_manifest(lake).quarantined == kept.height
    # the export replaces the lake: its quarantine too, nothing twice
    assert run(["--workspace", str(workspace), "export", "parquet", str(lake)]) == 0
    assert_frame_equal(read_quarantine(lake), kept)


def test_vessel_ranges_cover_every_mmsi_once_with_even_positions() -> None:
    mmsis = [219_000_001 + i for i in range(90)] + [220_000_001 + i for i in range(10)]
    counts = pl.DataFrame({"mmsi": mmsis, "positions": [100] * 90 + [900] * 10})
    ranges = vessel_ranges(counts, 4)
    assert len(ranges) == 4
    assert (ranges[0][0], ranges[-1][1]) == (-(2**31), 2**31 - 1)
    assert all(last + 1 == first for (_, last), (first, _) in pairwise(ranges))
    held = [
        int(counts.filter(pl.col("mmsi").is_between(a, b))["positions"].sum()) for a, b in ranges
    ]
    assert sum(held) == 18_000
    assert max(held) - min(held) <= 900
    assert vessel_ranges(counts.head(2), 4) == [(-(2**31), 219_000_001), (219_000_002, 2**31 - 1)]
    assert vessel_ranges(counts.head(0), 4) == [(-(2**31), 2**31 - 1)]


def test_the_vessel_ranges_read_from_the_parts_are_the_lake(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    assert _to_lake(tmp_path, str(DMA), str(NMEA)) == 0
    positions = read_positions(lake)
    counts = positions.group_by("mmsi").agg(pl.len().alias("positions"))
    ranges = vessel_ranges(counts, 3)
    assert len(ranges) == 3
    parts = list_parts(lake, "positions")
    groups = [fold_positions(read_mmsi_range(parts, POSITION_SCHEMA, a, b)) for a, b in ranges]
    assert all(g.height for g in groups)
    assert_frame_equal(pl.concat(groups), positions)
    one = positions["mmsi"][0]
    assert_frame_equal(
        read_mmsi_range(parts, POSITION_SCHEMA, one, one), read_positions(lake, [one])
    )
