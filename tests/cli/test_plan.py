"""`balise plan radars`: strict inputs (exit 2, every bad row named), a table and a GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api_clients import signed_in
from balise.cli.main import run
from balise.store.duckdb import DuckDBStore
from balise.workspace import STORE_FILE

ZONE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "south-martinique",
            "properties": {"name": "South of Martinique"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-61.1, 14.2], [-60.75, 14.2], [-60.75, 14.45], [-61.1, 14.45], [-61.1, 14.2]]
                ],
            },
        }
    ],
}
CANDIDATES = """id,name,lat,lon,antenna_height_m,range_nm
MQ-SALINES,Pointe des Salines,14.396,-60.872,25,24
MQ-GRAND-RIVIERE,Grand-Riviere,14.872,-61.180,80,24
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "zone.geojson").write_text(json.dumps(ZONE))
    (tmp_path / "candidates.csv").write_text(CANDIDATES)
    return {
        "workspace": str(tmp_path / "no-workspace"),
        "zone": str(tmp_path / "zone.geojson"),
        "candidates": str(tmp_path / "candidates.csv"),
    }


def _plan(files: dict[str, str], *extra: str) -> int:
    return run(
        ["--workspace", files["workspace"], "plan", "radars", "--zone", files["zone"],
         "--candidates", files["candidates"], *extra]
    )  # fmt: skip


def test_the_channel_site_is_chosen_over_a_site_out_of_reach(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _plan(files, "--count", "1", "--format", "geojson") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["type"] == "FeatureCollection"
    roles = [(f["id"], f["properties"]["role"]) for f in document["features"]]
    assert roles == [("site:MQ-SALINES", "site"), ("coverage:MQ-SALINES", "coverage")]
    site = document["features"][0]["properties"]
    assert site["rank"] == 1
    assert site["reach_nm"] == pytest.approx(2.226 * (5 + 1), abs=0.01)
    assert document["properties"]["share_before"] == 0.0
    assert document["properties"]["share_after"] == pytest.approx(site["gain_share"])
    assert 0.2 < site["gain_share"] < 1.0
    assert document["features"][1]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_existing_sites_are_kept_and_counted_before(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "existing.csv"
    existing.write_text(
        "id,name,lat,lon,antenna_height_m,range_nm\nMQ-DIAMANT,,14.47,-61.03,100,24\n"
    )
    code = _plan(files, "--count", "1", "--existing", str(existing), "--method", "greedy",
                 "--format", "geojson")  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["properties"]["method"] == "greedy"
    assert document["properties"]["share_before"] > 0.3
    assert document["features"][-1]["id"] == "coverage:existing"


def test_the_table_names_the_site_and_the_shares(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _plan(files, "--count", "2") == 0
    out = capsys.readouterr().out
    assert "MQ-SALINES" in out
    assert "corridors" in out
    assert "covered 0.0% ->" in out


def test_bad_candidate_rows_are_listed_with_exit_2(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    Path(files["candidates"]).write_text(CANDIDATES + "X,,14.4,-60.9,high,24\nY,,91,-60.9,10,24\n")
    assert _plan(files, "--count", "1") == 2
    err = " ".join(capsys.readouterr().err.split())  # the terminal wraps long lines
    assert "2 bad row(s)" in err
    assert "line 4: antenna_height_m is not a number" in err
    assert "line 5: lat 91" in err
    assert "Traceback" not in err


def test_a_bad_zone_file_and_a_bad_method_are_usage_errors(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    Path(files["zone"]).write_text('{"type": "Feature"}')
    assert _plan(files, "--count", "1") == 2
    assert "--zone" in capsys.readouterr().err
    assert _plan(files, "--count", "1", "--method", "best") == 2
    assert _plan(files, "--count", "-1") == 2


def test_the_last_plan_of_a_workspace_is_served_to_the_map(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "workspace"
    root.mkdir()
    DuckDBStore(root / STORE_FILE).close()
    files["workspace"] = str(root)
    with signed_in(root) as client:
        assert client.get("/api/v1/radar/plans/latest").status_code == 404
    assert _plan(files, "--count", "1", "--format", "geojson") == 0
    printed = json.loads(capsys.readouterr().out)
    with signed_in(root) as client:
        served = client.get("/api/v1/radar/plans/latest").json()
    assert served["features"] == printed["features"]
    assert served["properties"]["share_after"] == printed["properties"]["share_after"]
    assert served["properties"]["planned_at"]
