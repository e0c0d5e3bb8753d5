"""The Spark engine finds the local engine's events, id for id and field for field."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from balise.engine.detect import DETECTED_TYPES, Geography, run_detectors
from balise.store.base import EventChanges, RunScope
from balise.workspace import Workspace
from spark_world import geography, spark, world_workspace

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark
__all__ = ["geography", "spark", "world_workspace"]  # the fixtures


@pytest.mark.parametrize("preset", ["gfw", "skylight"])
def test_spark_events_equal_the_local_engines(
    spark: SparkSession,
    world_workspace: Path,
    geography: Geography,
    tmp_path: Path,
    preset: str,
) -> None:
    from balise.engine.spark import detect_on_spark
    from balise.engine.spark_session import SparkPlan

    shutil.copytree(world_workspace, tmp_path / "ws")
    store = Workspace(tmp_path / "ws").open_store()
    saved: list[pl.DataFrame] = []
    save_events = store.save_events

    def recorded(
        events: pl.DataFrame, types: list[str], scope: RunScope | None = None
    ) -> EventChanges:
        saved.append(events)
        return save_events(events, types, scope)

    try:
        positions, identities = store.positions_of(None), store.identity_history_all()
        local = run_detectors(positions, identities, preset, geography)
        store.save_events = recorded  # type: ignore[method-assign]
        # small tiles and many groups: pairs cross tile borders, vessels are spread over groups
        plan = SparkPlan(vessel_groups=5, tile_cells=4, pair_buckets=3)
        report = detect_on_spark(
            store, preset, geography, lake=tmp_path / "lake", spark=spark, plan=plan
        )
    finally:
        store.close()
    assert set(local["type"]) >= {"encounter", "shared_mmsi", "identity_change", "port_visit"}
    assert (report.positions, report.vessels) == (positions.height, positions["mmsi"].n_unique())
    assert report.changes.new == local.height
    assert set(report.by_type) <= set(DETECTED_TYPES)
    assert_frame_equal(saved[0].sort("id"), local.sort("id"))


@pytest.mark.parametrize("groups", [2, 5, 8])
def test_each_vessel_group_gets_a_partition_of_its_own(spark: SparkSession, groups: int) -> None:
    from pyspark.sql import functions

    from balise.engine.spark_lake import group_keys

    ranges = [(g * 1_000, g * 1_000 + 999) for g in range(groups)]
    keys = group_keys(spark, ranges)
    parted = keys.select(functions.spark_partition_id(), "first", "last").collect()
    assert sorted((r[0], r[1], r[2]) for r in parted) == [(g, *r) for g, r in enumerate(ranges)]
