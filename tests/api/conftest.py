"""A small detected world shared by the API tests: built once per session (a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from balise.api.app import create_app
from balise.cli import detect as detect_cli
from balise.cli.main import run
from balise.engine.detect import Geography
from helpers import TEST_HOSTS


@pytest.fixture(scope="session")
def world_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`balise sim atlantic --seed 5 --vessels 20 --days 2`, ingested and detected (with no
    distance-to-shore grid: it takes a minute to build and tests/geo covers it)."""
    folder = tmp_path_factory.mktemp("api")
    world, root = folder / "world", folder / "ws"
    args = ["--seed", "5", "--vessels", "20", "--days", "2"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    assert run(["--workspace", str(root), "ingest", "ais", str(world / "ais.nmea")]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_cli, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        assert run(["--workspace", str(root), "detect"]) == 0
    return root


@pytest.fixture(scope="module")
def api(world_root: Path) -> Iterator[TestClient]:
    """The app on the shared world, in-process; server errors become 500 problems."""
    with TestClient(
        create_app(world_root, allowed_hosts=TEST_HOSTS), raise_server_exceptions=False
    ) as client:
        yield client
