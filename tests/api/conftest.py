"""A small detected world shared by the API tests: built once per session (a few seconds)."""

from __future__ import annotations

import contextlib
import io
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
    """`balise sim atlantic --seed 5 --vessels 20 --days 2`, its AIS and its port and access
    records ingested and detected (with no
    distance-to-shore grid: it takes a minute to build and tests/geo covers it)."""
    folder = tmp_path_factory.mktemp("api")
    world, root = folder / "world", folder / "ws"
    args = ["--seed", "5", "--vessels", "20", "--days", "2"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    assert run(["--workspace", str(root), "ingest", "ais", str(world / "ais.nmea")]) == 0
    for kind, name in (("staff", "staff.csv"), ("releases", "releases.csv"), ("gate", "gate.csv"),
                       ("access-log", "access-log.jsonl")):  # fmt: skip
        assert run(["--workspace", str(root), "ingest", kind, str(world / name)]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_cli, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        assert run(["--workspace", str(root), "detect"]) == 0
    return root


@pytest.fixture(scope="session")
def token(world_root: Path) -> str:
    """An API token of an account holding every role but viewer (an analyst of customs who is
    also administrator, watch officer and security officer), made by `balise users add`."""
    return add_account(world_root, "tester", "admin", "security_officer", "analyst",
                       "watch_officer", agency="customs")  # fmt: skip


def add_account(root: Path, name: str, *roles: str, agency: str) -> str:
    """`balise users add NAME --role … --agency …`: the token it prints on its last line."""
    args = ["--workspace", str(root), "users", "add", name, "--agency", agency]
    for role in roles:
        args += ["--role", role]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(args) == 0
    return out.getvalue().strip().splitlines()[-1]


@pytest.fixture(scope="module")
def api(world_root: Path, token: str) -> Iterator[TestClient]:
    """The app on the shared world, in-process, with the tester's token; server errors become
    500 problems."""
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(world_root, allowed_hosts=TEST_HOSTS), raise_server_exceptions=False,
                    headers=headers) as client:  # fmt: skip
        yield client
