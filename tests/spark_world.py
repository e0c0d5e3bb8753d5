"""Fixtures of the Spark tests (tests/spark): one small Spark session for them all (local[2],
few shuffle partitions) and a small synthetic world stored in a workspace: starting Spark costs
seconds, building the world more."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from balise.cli.main import run
from balise.engine.detect import Geography, default_geography
from balise.model.arrays import FloatArray

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def coast_nm(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """A made-up coast (the real distance-to-shore grid takes a minute to build): near it in
    the south-west of the world, far elsewhere, so that the filters keep some events and drop
    others."""
    return np.asarray(np.abs(lat - 18.0) * 20 + np.abs(lon + 66.0) * 5, dtype=np.float64)


@pytest.fixture(scope="session")
def geography(tmp_path_factory: pytest.TempPathFactory) -> Geography:
    """The real ports, anchorages, gazetteer and zones, with `coast_nm` as the shore."""
    real = default_geography(tmp_path_factory.mktemp("cache"))
    return replace(real, shore_nm=coast_nm)


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    from pyspark import cloudpickle

    from balise.engine.spark_session import spark_session

    # the test geography's functions travel to Spark's Python workers by value
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # type: ignore[no-untyped-call]
    session = spark_session("local[2]", shuffle_partitions=4)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def world_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding a small synthetic world (20 vessels, 3 days)."""
    folder = tmp_path_factory.mktemp("spark-world")
    world = folder / "world"
    args = ["--seed", "5", "--vessels", "20", "--days", "3"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    assert run(["--workspace", str(folder / "ws"), "ingest", "ais", str(world / "ais.nmea")]) == 0
    return folder / "ws"
