"""Lists, entries, the review queue and judgements over HTTP: the policy (viewers refused, watch
officers read, analysts change), strict problems (unknown 404, duplicate 409, bad input 422),
paging, a change screening again, and every change audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_clients import audit_entries, signed_in
from balise.cli.main import run
from helpers import problem

DATA = Path(__file__).parents[1] / "data"
NORDIC_STAR = "219000873"
"""The vessel of tests/data/csv/dma_26_columns.csv (NORDIC STAR, IMO 9074729)."""
ENTRY = {"name": "Nordic Starr", "schema": "Vessel", "source": "MAOC-N", "reason": "tip-off",
         "valid_until": "2099-01-01"}  # fmt: skip


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    assert run(["--workspace", str(folder), "ingest", "ais",
                str(DATA / "csv" / "dma_26_columns.csv")]) == 0  # fmt: skip
    return folder


@pytest.fixture
def analyst(root: Path) -> Iterator[TestClient]:
    with signed_in(root, "ana", ("analyst",), "customs") as client:
        yield client


def _make(client: TestClient, name: str = "voi") -> None:
    made = client.post("/api/v1/lists", json={"name": name, "kind": "vessels_of_interest"})
    assert made.status_code == 201, made.text


def _review(client: TestClient) -> list[dict[str, Any]]:
    found = client.get("/api/v1/screening/review")
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


@pytest.mark.parametrize(
    ("roles", "agency", "read", "change"),
    [
        (("viewer",), "customs", 403, 403),
        (("watch_officer",), "navy", 200, 403),
        (("security_officer",), "police", 403, 403),
        (("analyst",), "partner", 403, 403),
        (("admin",), "police", 200, 201),
    ],
)
def test_policy(root: Path, roles: tuple[str, ...], agency: str, read: int, change: int) -> None:
    with signed_in(root, "someone", roles, agency) as client:
        assert client.get("/api/v1/lists").status_code == read
        assert client.get("/api/v1/screening/review").status_code == read
        made = client.post("/api/v1/lists", json={"name": "u", "kind": "user"})
        assert made.status_code == change


def test_add_review_judge_remove(analyst: TestClient, root: Path) -> None:
    _make(analyst)
    added = analyst.post("/api/v1/lists/voi/entries", json=ENTRY)
    assert added.status_code == 201, added.text
    entry = added.json()["entry"]
    assert (entry["added_by"], entry["source"], entry["reason"], entry["valid_until"]) == (
        "ana", "MAOC-N", "tip-off", "2099-01-01")  # fmt: skip
    assert added.json()["screening"]["new"] == 1
    (row,) = _review(analyst)
    assert (row["subject_kind"], row["subject_id"], row["entry_id"], row["raised"]) == (
        "vessel", NORDIC_STAR, entry["entry_id"], True)  # fmt: skip
    assert row["entry"]["name"] == "Nordic Starr"
    assert row["subject"]["names"]
    pair = {"subject_kind": "vessel", "subject_id": NORDIC_STAR, "list_name": "voi",
            "entry_id": entry["entry_id"]}  # fmt: skip
    unsure = analyst.post("/api/v1/screening/judgements", json={**pair, "verdict": "unsure"})
    assert unsure.status_code == 201, unsure.text
    assert _review(analyst)[0]["verdict"] == "unsure"
    judged = analyst.post("/api/v1/screening/judgements",
                          json={**pair, "verdict": "not_same", "note": "another hull"})  # fmt: skip
    assert judged.status_code == 201, judged.text
    assert judged.json()["judged_by"] == "ana"
    assert judged.json()["screening"]["retracted"] == 1
    assert _review(analyst) == []
    removed = analyst.delete(f"/api/v1/lists/voi/entries/{entry['entry_id']}?reason=delisted")
    assert removed.status_code == 200, removed.text
    lists = analyst.get("/api/v1/lists").json()
    assert [(x["name"], x["entries"], x["removed"]) for x in lists] == [("voi", 0, 1)]
    changes = [e for e in audit_entries(root, "lists") if e["action"] == "change"][::-1]
    assert [e["detail"] for e in changes] == [
        "list created (vessels_of_interest)", "entry added: Nordic Starr",
        f"vessel {NORDIC_STAR} judged unsure", f"vessel {NORDIC_STAR} judged not_same",
        "entry removed: delisted"]  # fmt: skip
    assert {e["user"] for e in changes} == {"ana"}


def test_problems(analyst: TestClient) -> None:
    _make(analyst)
    assert problem(analyst.post("/api/v1/lists", json={"name": "voi", "kind": "user"}), 409)
    assert problem(analyst.post("/api/v1/lists", json={"name": "x", "kind": "secret"}), 422)
    assert problem(analyst.get("/api/v1/lists/nope/entries"), 404)
    assert problem(analyst.post("/api/v1/lists/nope/entries", json=ENTRY), 404)
    assert analyst.post("/api/v1/lists/voi/entries", json=ENTRY).status_code == 201
    assert problem(analyst.post("/api/v1/lists/voi/entries", json=ENTRY), 409)
    bad_imo = problem(analyst.post("/api/v1/lists/voi/entries", json={**ENTRY, "imo": "123"}),
                      422)  # fmt: skip
    assert bad_imo["errors"][0]["name"] == "imo"
    assert problem(analyst.post("/api/v1/lists/voi/entries", json={**ENTRY, "valid_from":
                                "2099-02-01"}), 422)  # fmt: skip
    assert problem(analyst.post("/api/v1/lists/voi/entries", json={"name": "x"}), 422)
    assert problem(analyst.delete("/api/v1/lists/voi/entries/e-none"), 404)
    pair = {"subject_kind": "vessel", "subject_id": NORDIC_STAR, "list_name": "voi",
            "entry_id": "e-none"}  # fmt: skip
    assert problem(analyst.post("/api/v1/screening/judgements",
                                json={**pair, "verdict": "maybe"}), 422)  # fmt: skip
    assert problem(analyst.post("/api/v1/screening/judgements",
                                json={**pair, "verdict": "same"}), 404)  # fmt: skip


def test_entries_are_paged(analyst: TestClient) -> None:
    _make(analyst, "u")
    for name in ("Acme Shipping", "Blue Holdings", "Coral Trading"):
        assert analyst.post("/api/v1/lists/u/entries", json={**ENTRY, "name": name,
                            "schema": "Company"}).status_code == 201  # fmt: skip
    first = analyst.get("/api/v1/lists/u/entries?limit=2")
    assert first.status_code == 200
    assert 'rel="next"' in first.headers["link"]
    second = analyst.get(f"/api/v1/lists/u/entries?limit=2&cursor={first.json()['next']}")
    names = [e["name"] for e in first.json()["items"] + second.json()["items"]]
    assert names == ["Acme Shipping", "Blue Holdings", "Coral Trading"]
    assert second.json()["next"] is None
    assert problem(analyst.get("/api/v1/lists/u/entries?cursor=junk"), 400)
