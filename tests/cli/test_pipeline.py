"""`balise demo` runs the pipeline of `balise detect`: the workspace's zones, detection preset and
detector thresholds apply to it as they do to `balise detect`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from balise.cli import demo
from balise.cli.main import run
from balise.engine.detect import Geography
from balise.geo.zones import Zone
from balise.sim.world import WorldSpec
from balise.workspace import Workspace

BOX = {
    "type": "Feature",
    "id": "test-box",
    "properties": {
        "name": "Mid-Atlantic test box",
        "kind": "watch",
        "rules": [{"trigger": "entry", "score": 0.9}],
    },
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[-30.0, 0.0], [-20.0, 0.0], [-20.0, 20.0], [-30.0, 20.0], [-30.0, 0.0]]],
    },
}
"""A zone that a vessel of the small world (seed 3) crosses on its way east."""
BROKEN: dict[str, Any] = {"type": "Feature", "id": "broken", "properties": {}, "geometry": None}
SETTINGS = '[detect]\npreset = "skylight"\n\n[detect.gap]\nmin_gap_hours = 4.0\n'


def _geography(cache_dir: Path, zones: tuple[Zone, ...] = ()) -> Geography:
    """The zones the pipeline passes, without the distance-to-shore grid (a minute to build)."""
    return Geography(zones=zones)


def test_demo_honours_the_workspace_zones_and_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "DEMO_WORLD", WorldSpec(seed=3, vessels=15, days=1.0))
    monkeypatch.setattr(demo, "default_geography", _geography)
    workspace = Workspace(tmp_path / "demo")
    workspace.root.mkdir()
    collection = {"type": "FeatureCollection", "features": [BOX, BROKEN]}
    workspace.zones_path.write_text(json.dumps(collection))
    workspace.settings_path.write_text(SETTINGS)

    code = run(["--workspace", str(workspace.root), "demo", "--no-serve", "--show", "0"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "preset skylight" in out
    assert "zones.geojson: feature 1 (broken) skipped" in err
    assert "test-box" not in err

    store = workspace.open_store()
    try:
        run_stamp = store.last_detect_run()
        entries = store.events("zone_entry")
        gaps = store.events("ais_gap")
    finally:
        store.close()
    assert run_stamp is not None
    assert "|skylight|" in run_stamp[1]
    zones = {json.loads(p)["zone_id"] for p in entries["params"]}
    assert "test-box" in zones
    assert not gaps.is_empty()
    assert {json.loads(p)["min_gap_hours"] for p in gaps["params"]} == {4.0}
