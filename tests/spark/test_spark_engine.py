"""The Spark engine finds the local engine's events, id for id and field for field."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from balise.engine.detect import Geography, run_detectors
from balise.engine.lake import export_lake
from balise.workspace import Workspace
from spark_world import geography, spark, world_workspace

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark
__all__ = ["geography", "spark", "world_workspace"]  # the fixtures


def _sorted(events: pl.DataFrame) -> pl.DataFrame:
    return events.sort("id")


@pytest.mark.parametrize("preset", ["gfw", "skylight"])
def test_spark_events_equal_the_local_engines(
    spark: SparkSession,
    world_workspace: Path,
    geography: Geography,
    tmp_path: Path,
    preset: str,
) -> None:
    from balise.engine.spark import SparkPlan, detect_lake

    store = Workspace(world_workspace).open_store()
    try:
        local = run_detectors(
            store.positions_of(None), store.identity_history_all(), preset, geography
        )
        export_lake(store, tmp_path / "lake")
    finally:
        store.close()
    # small tiles and many groups: pairs cross tile borders, vessels are spread over groups
    plan = SparkPlan(vessel_groups=5, tile_cells=4, pair_buckets=3)
    found, positions, _ = detect_lake(spark, tmp_path / "lake", preset, geography, plan=plan)
    assert positions > 0
    assert set(local["type"]) >= {"encounter", "shared_mmsi", "identity_change", "port_visit"}
    assert found.height == local.height
    assert_frame_equal(_sorted(found), _sorted(local))
