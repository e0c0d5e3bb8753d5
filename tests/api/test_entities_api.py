"""`/api/v1/entities`: search a page at a time, one entity's page, the policy (enforcement
analysts and admins; a viewer refused, and the refusal audited), reads audited, bills of lading
only for those who read manifests, problems for an unknown id and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api_clients import audit_entries, signed_in
from balise.api.routers import entities as entities_router
from balise.cli import detect as detect_cli
from balise.cli.main import run
from balise.engine import ownership
from balise.engine.detect import Geography
from helpers import count_calls
from registry_helpers import registry_workspace


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = registry_workspace(tmp_path_factory.mktemp("entities-api") / "ws")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_cli, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        assert run(["--workspace", str(folder), "detect"]) == 0
    return folder


def test_search_a_page_at_a_time(root: Path) -> None:
    with signed_in(root, "ana", roles=("analyst",)) as api:
        answer = api.get("/api/v1/entities", params={"q": "trading"})
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        assert [i["id"] for i in items] == ["gl", "ok", "party:green leaf trading",
                                            "party:honest trading"]  # fmt: skip
        assert items[0]["schema"] == "Company"
        assert items[0]["kind"] == "registry"
        pages, cursor = [], None
        while True:
            more: dict[str, str] = {"cursor": cursor} if cursor else {}
            page = api.get("/api/v1/entities", params={"q": "trading", "limit": 3, **more})
            assert page.status_code == 200
            pages += [i["id"] for i in page.json()["items"]]
            cursor = page.json()["next"]
            if cursor is None:
                break
            assert 'rel="next"' in page.headers["Link"]
        assert pages == [i["id"] for i in items]
        assert api.get("/api/v1/entities", params={"q": "x", "cursor": "nope"}).status_code == 400
        blank = api.get("/api/v1/entities", params={"q": "  "})
        assert blank.status_code == 422
        assert blank.headers["content-type"].startswith("application/problem+json")
        assert api.get("/api/v1/entities").status_code == 422
    assert any("gl" in e["records"] for e in audit_entries(root, "entity"))


def test_an_entity_page_with_bills_for_manifest_readers(root: Path) -> None:
    with signed_in(root, "cus", roles=("analyst",), agency="customs") as api:
        page = api.get("/api/v1/entities/tf")
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["schema"] == "Company"
        assert body["directors"][0]["id"] == "mn"
        assert body["shell"]["is_shell"]
        assert {i["code"] for i in body["shell"]["indicators"]} >= {"mass_address", "young_company"}
        assert [b["bill_of_lading"] for b in body["bills"]] == ["BL-1"]
        owners = api.get("/api/v1/entities/ac", params={"depth": 1}).json()
        assert [o["id"] for o in owners["ultimate_owners"]] == ["bh"], "cut at one link"
        assert owners["ultimate_owners"][0]["truncated"]
    with signed_in(root, "nav", roles=("analyst",), agency="navy") as api:
        body = api.get("/api/v1/entities/tf").json()
        assert body["bills"] is None, "the navy does not read manifests"
        assert body["containers"] == ["CSQU3054383"]
    assert any("tf" in e["records"] for e in audit_entries(root, "entity"))


def test_unknown_id_and_bad_depth_are_problems(root: Path) -> None:
    with signed_in(root, "ana2", roles=("analyst",)) as api:
        missing = api.get("/api/v1/entities/nobody")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert "nobody" in missing.json()["detail"]
        assert api.get("/api/v1/entities/ac", params={"depth": 0}).status_code == 422


@pytest.mark.parametrize(
    ("roles", "agency"),
    [(("viewer",), "customs"), (("watch_officer",), "navy"), (("analyst",), "port_authority")],
)
def test_the_policy_refuses_others(root: Path, roles: tuple[str, ...], agency: str) -> None:
    with signed_in(root, f"u-{roles[0]}-{agency}", roles=roles, agency=agency) as api:
        assert api.get("/api/v1/entities/ac").status_code == 403
        assert api.get("/api/v1/entities/ac/ftm").status_code == 403
        assert api.get("/api/v1/entities", params={"q": "a"}).status_code == 403
    denied = [e for e in audit_entries(root, "entity") if e["action"] == "denied"]
    assert denied


def test_an_entity_as_ftm_lines(root: Path) -> None:
    with signed_in(root, "ftm", roles=("analyst",)) as api:
        answer = api.get("/api/v1/entities/ac/ftm")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/x-ndjson")
        items = [json.loads(line) for line in answer.text.splitlines()]
        assert {i["id"] for i in items if i["schema"] in ("Company", "Person", "Vessel")} == {
            "ac", "bh", "vb", "v1"}  # fmt: skip
        assert api.get("/api/v1/entities/nobody/ftm").status_code == 404
    assert any("vb" in e["records"] for e in audit_entries(root, "entity"))


def test_a_page_is_kept_until_the_data_changes_and_shows_what_screening_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = registry_workspace(tmp_path / "ws")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_cli, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        assert run(["--workspace", str(folder), "detect"]) == 0
    screened = count_calls(monkeypatch, ownership, "screen_registry")
    built = count_calls(monkeypatch, entities_router, "entity_record")
    with signed_in(folder, "keeper", roles=("analyst",), agency="customs") as api:
        first = api.get("/api/v1/entities/gl").json()
        assert api.get("/api/v1/entities/gl").json() == first
        assert api.get("/api/v1/entities/gl/ftm").status_code == 200
        assert len(built) == 1, "the page is kept: it is made once"
        assert screened == [], "the page reads the matches the ownership stage stored"
        assert first["list_matches"] == []
        assert not [e for e in first["events"] if e["type"] == "list_match"]
        added = api.post("/api/v1/lists/sanctions/entries",
                         json={"name": "Green Leaf Trading", "schema": "Company",
                               "source": "court order", "reason": "banned"})  # fmt: skip
        assert added.status_code == 201, added.text
        assert len(screened) == 1, "the list change screens the registry once, for everyone"
        after = api.get("/api/v1/entities/gl").json()
        assert len(built) == 2, "a list change is a new data version: the page is made again"
        assert len(screened) == 1, "and it reads the matches the list change stored"
        assert [m["entry_name"] for m in after["list_matches"]] == ["Green Leaf Trading"]
        stored = [e for e in after["events"] if e["type"] == "list_match"]
        assert stored, "the party's list hit stored by the screening run is on the page"
        party = api.get("/api/v1/entities/party:green leaf trading").json()
        assert [e["id"] for e in party["events"] if e["type"] == "list_match"] == [
            e["id"] for e in stored]  # fmt: skip
    reads = [e for e in audit_entries(folder, "entity") if e["action"] == "read"
             and "gl" in e["records"]]  # fmt: skip
    assert len(reads) >= 4, "every read of a kept page is audited"
