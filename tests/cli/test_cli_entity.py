"""`balise ingest registry`, the ownership stage of `balise detect` (shell companies, vessels and
companies owned by a listed person or a shell, the vessel's risk raised) and `balise entity`
(the page as a table and as JSON, search, an unknown id as one line with exit code 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from balise.cli import detect as detect_cli
from balise.cli.main import run
from balise.engine.detect import Geography
from balise.engine.ownership import run_ownership
from balise.entities.params import ScreenParams
from balise.entities.shell_params import ShellParams
from balise.workspace import Workspace
from registry_helpers import REGISTRY_DATA, registry_workspace

NORDIC_STAR = 219000873


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = registry_workspace(tmp_path_factory.mktemp("registry") / "ws")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_cli, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        assert run(["--workspace", str(folder), "detect"]) == 0
    return folder


def _cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["--workspace", str(root), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def events(root: Path) -> Iterator[pl.DataFrame]:
    store = Workspace(root).open_store()
    try:
        yield store.events().filter(pl.col("status") != "retracted")
    finally:
        store.close()


def _about(events: pl.DataFrame, kind: str) -> list[str]:
    found = events.filter(pl.col("type") == kind)
    return sorted(found["subject"].struct.field("id").to_list())


def test_the_registry_is_ingested_once(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(root, capsys, "ingest", "registry", "--format", "json",
                        str(REGISTRY_DATA / "entities.csv"))  # fmt: skip
    assert code == 0
    assert '"already_ingested"' in out or "already" in out
    store = Workspace(root).open_store()
    try:
        assert store.registry_entities().height == 11
        assert store.registry_links().height == 9
        assert store.registry_links(["mn"])["target_id"].sort().to_list() == ["gl", "sc", "tf"]
    finally:
        store.close()


def test_detect_finds_shells_and_what_a_listed_person_owns(events: pl.DataFrame) -> None:
    assert _about(events, "shell_company") == ["ac", "bh", "gl", "l1", "l2", "sc", "tf"]
    tf = events.filter((pl.col("type") == "shell_company")
                       & (pl.col("subject").struct.field("id") == "tf"))  # fmt: skip
    codes = {i["code"] for i in json.loads(tf["evidence"][0])["indicators"]}
    assert codes == {"mass_address", "nominee_director", "young_company", "consignee_only"}
    assert _about(events, "owned_by_listed") == [str(NORDIC_STAR), "ac", "bh"]
    vessel = events.filter((pl.col("type") == "owned_by_listed") & (pl.col("mmsi") == NORDIC_STAR))
    evidence = json.loads(vessel["evidence"][0])
    assert evidence["path"] == ["vb", "bh", "ac", "v1"]
    assert evidence["reasons"][0] == "Viktor Bosch owns 100 % of Blue Holdings Ltd"
    assert str(NORDIC_STAR) in _about(events, "owned_by_shell")
    assert "ok" not in _about(events, "owned_by_listed"), "a link that ended long ago"


def test_the_vessels_risk_takes_in_its_owner(root: Path) -> None:
    store = Workspace(root).open_store()
    try:
        risk = store.table("vessel_risk", NORDIC_STAR)
    finally:
        store.close()
    assert risk is not None
    assert risk.height == 1
    kinds = [r["kind"] for r in json.loads(risk["reasons"][0])]
    assert "owned_by_listed" in kinds


def test_the_stage_alone_is_stable_and_retracts_what_no_longer_holds(root: Path) -> None:
    workspace_params = ShellParams(mass_address_min=3, nominee_director_min=3)
    store = Workspace(root).open_store()
    try:
        again = run_ownership(store, workspace_params, ScreenParams())
        assert again is not None
        assert again.changes.new == 0
        assert again.changes.retracted == 0
        assert (again.entities, again.links, again.listed) == (11, 9, 1)
        looser = run_ownership(store, ShellParams(), ScreenParams())
        assert looser is not None
        assert looser.changes.retracted > 0, "defaults: no mass address"
    finally:
        run_ownership(store, workspace_params, ScreenParams())  # as the module's other tests see it
        store.close()


def test_entity_page_as_json(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(root, capsys, "entity", "ac", "--format", "json")
    assert code == 0
    page: dict[str, Any] = json.loads(out)
    assert page["name"] == "Atlantic Carriers SA"
    assert page["identifiers"] == {"registration_number": "PA-1001"}
    (owner,) = page["ultimate_owners"]
    assert owner["id"] == "vb"
    assert owner["effective_pct"] == pytest.approx(80.0)
    assert [step["id"] for step in owner["paths"][0]] == ["vb", "bh", "ac"]
    assert [o["id"] for o in page["owns"]] == ["v1"]
    assert {i["code"] for i in page["shell"]["indicators"]} == {"secrecy_owner", "listed_officer"}
    assert [v["mmsi"] for v in page["vessels"]] == [NORDIC_STAR]
    assert {e["type"] for e in page["events"]} >= {"owned_by_listed", "shell_company"}


def test_entity_page_of_a_company_on_the_bills(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(root, capsys, "entity", "tf", "--format", "json")
    assert code == 0
    page = json.loads(out)
    assert page["directors"][0]["id"] == "mn"
    assert page["containers"] == ["CSQU3054383"]
    assert [p["id"] for p in page["parties"]] == ["party:tropical fruits import"]
    code, out, _ = _cli(root, capsys, "entity", "party:tropical fruits import", "--format", "json")
    party = json.loads(out)
    assert code == 0
    assert party["linked_registry"][0]["id"] == "tf"
    code, out, _ = _cli(root, capsys, "entity", "vessel:IMO9074729", "--format", "json")
    vessel = json.loads(out)
    assert code == 0
    assert vessel["vessels"][0]["names"] == ["NORDIC STAR"]
    assert vessel["linked_registry"] == [{"id": "v1", "name": "SEA STAR", "schema": "Vessel"}]


def test_entity_table_and_search(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(root, capsys, "entity", "ac")
    assert code == 0
    assert "ultimate owners" in out
    assert "Viktor Bosch" in out
    code, out, _ = _cli(root, capsys, "entity", "search", "loop", "--format", "json")
    assert code == 0
    assert [f["id"] for f in json.loads(out)] == ["l1", "l2"]
    code, out, _ = _cli(root, capsys, "entity", "search", "9074729", "--format", "json")
    assert {f["id"] for f in json.loads(out)} == {"vessel:IMO9074729"}


def test_an_unknown_id_is_one_line_and_exit_code_2(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(root, capsys, "entity", "nobody")
    assert code == 2
    assert "no entity 'nobody'" in err
    assert "Traceback" not in err + out
    assert _cli(root, capsys, "entity", "ac", "extra")[0] == 2


def test_entity_page_as_ftm(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(root, capsys, "entity", "ac", "--format", "ftm")
    assert code == 0
    items = [json.loads(line) for line in out.splitlines()]
    ids = {i["id"]: i["schema"] for i in items}
    assert {k: v for k, v in ids.items() if v not in ("Ownership", "Directorship")} == {
        "ac": "Company", "bh": "Company", "vb": "Person", "v1": "Vessel"}  # fmt: skip
    owners = {(i["properties"]["owner"][0], i["properties"]["asset"][0])
              for i in items if i["schema"] == "Ownership"}  # fmt: skip
    assert owners == {("bh", "ac"), ("vb", "bh"), ("ac", "v1")}, "not the link that ended"
    code, out, _ = _cli(root, capsys, "entity", "tf", "--format", "ftm")
    assert {json.loads(line)["schema"] for line in out.splitlines()} == {
        "Company", "Person", "Directorship"}  # fmt: skip
    code, out, _ = _cli(root, capsys, "entity", "vessel:IMO9074729", "--format", "ftm")
    vessel, linked = (json.loads(line) for line in out.splitlines())
    assert vessel["properties"]["mmsi"] == [str(NORDIC_STAR)]
    assert vessel["properties"]["imoNumber"] == ["IMO9074729"]
    assert linked["id"] == "v1"


def test_registry_exported_as_ftm_is_ingested_as_the_same_graph(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(root, capsys, "export", "ftm")
    assert code == 0
    assert "20 FtM entities" in err
    exported = tmp_path / "registry.ftm.json"
    exported.write_text(out)
    again = tmp_path / "again"
    again.mkdir()
    assert run(["--workspace", str(again), "ingest", "registry", str(exported)]) == 0
    frames = []
    for folder in (root, again):
        store = Workspace(folder).open_store()
        try:
            entities = store.registry_entities().drop("source", "source_line")
            links = store.registry_links().drop("source", "source_line")
            frames.append((entities.sort("entity_id"), links.sort("link_id")))
        finally:
            store.close()
    assert frames[0][0].to_dicts() == frames[1][0].to_dicts()
    assert frames[0][1].to_dicts() == frames[1][1].to_dicts()


def test_a_vessel_never_heard_but_owned_by_a_listed_person_has_its_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = registry_workspace(tmp_path / "ws")
    (tmp_path / "more.csv").write_text("id,schema,name,imo\nv9,Vessel,QUIET ONE,9176187\n")
    (tmp_path / "more_links.csv").write_text("kind,source_id,target_id,share\n"
                                             "ownership,bh,v9,100\n")  # fmt: skip
    assert run(["--workspace", str(folder), "ingest", "registry", str(tmp_path / "more.csv"),
                str(tmp_path / "more_links.csv")]) == 0  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_cli, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        assert run(["--workspace", str(folder), "detect"]) == 0
    capsys.readouterr()
    code, out, _ = _cli(folder, capsys, "events", "--type", "owned_by_listed", "--format", "jsonl")
    assert code == 0
    found = [json.loads(line) for line in out.splitlines()]
    (quiet,) = [e for e in found if e["subject"] == {"kind": "vessel", "id": "v9"}]
    assert quiet["mmsi"] is None
    assert quiet["evidence"]["path"] == ["vb", "bh", "v9"]
    code, out, _ = _cli(folder, capsys, "entity", "v9", "--format", "json")
    page = json.loads(out)
    assert page["vessels"] == [], "never heard on AIS"
    assert {e["type"] for e in page["events"]} >= {"owned_by_listed", "owned_by_shell"}
