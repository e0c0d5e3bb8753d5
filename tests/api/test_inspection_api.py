"""`/api/v1/inspection`: the sites' scanners, planning a day and reading the plan back against
its capacity (a page at a time, each box's lane, probability and reasons, banned parties held),
recording results and the hit rates they move; the policy (customs and police; read by admins,
analysts and watch officers, changed by analysts), the audit of plan reads, and 422 problems for
bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_clients import audit_entries, signed_in
from balise.api.app import create_app
from balise.cli.main import run
from cargo_helpers import PLAN_BOXES, at, plan_workspace
from helpers import TEST_HOSTS
from kcs_rows import kcs_csv, kcs_rows

BOXES = PLAN_BOXES
DAY = at(1).date()
PLANS = "/api/v1/inspection/plans"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Five boxes discharged at Le Havre (the first gone before the day's shifts), one at
    Rotterdam, their bills of lading; the shipper of the fourth on the banned list."""
    root = plan_workspace(tmp_path / "ws")
    (root / "banned-parties.csv").write_text("name\nACME TRADING LIMITED\n")
    return root


def _plan(api: Any, seed: int = 3, day: date = DAY) -> dict[str, Any]:
    answer = api.post(PLANS, json={"site": "frleh", "date": str(day), "seed": seed})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_sites_with_their_capacity(root: Path) -> None:
    with signed_in(root, "wo", roles=("watch_officer",)) as api:
        answer = api.get("/api/v1/inspection/sites")
    assert answer.status_code == 200, answer.text
    (site,) = answer.json()["items"]
    assert site["code"] == "FRLEH"
    assert site["name"] == "Le Havre"
    assert site["shifts"] == ["06:00-13:00", "13:00-20:00"]
    assert site["scan_minutes"] == pytest.approx(20.0)
    # two scanners over two shifts of seven hours
    assert site["capacity_minutes"] == pytest.approx(2 * 14 * 60)


def test_plan_round_trip_against_capacity(root: Path) -> None:
    with signed_in(root, "ana", roles=("analyst",)) as api:
        assert api.get(f"{PLANS}/FRLEH/{DAY}").status_code == 404
        made = _plan(api)
        read = api.get(f"{PLANS}/frleh/{DAY}")
    assert read.status_code == 200, read.text
    plan = read.json()
    assert plan == made
    assert plan["site"] == "FRLEH"
    assert plan["seed"] == 3
    assert plan["candidates"] == len(BOXES) - 1
    assert sum(plan["lanes"].values()) == plan["candidates"]
    assert set(plan["lanes"]) == {"red", "yellow", "green"}
    assert sorted(b["container_number"] for b in plan["items"]) == sorted(BOXES[1:])
    red = [b for b in plan["items"] if b["lane"] == "red"]
    assert len(red) == plan["lanes"]["red"] > 0
    assert all(b["scanner"] and b["shift_start"] for b in red)
    assert 0 < plan["used_minutes"] <= plan["capacity_minutes"]
    assert plan["used_minutes"] == pytest.approx(sum(b["scan_minutes"] for b in red))
    lanes = [b["lane"] for b in plan["items"]]
    assert lanes == sorted(lanes, key=["red", "yellow", "green"].index)
    held = next(b for b in plan["items"] if b["container_number"] == BOXES[3])
    assert (held["lane"], held["selected_by"], held["probability"]) == ("red", "held", 1.0)
    assert any("banned list" in r["text"] for r in held["reasons"])
    assert all(isinstance(b["reasons"], list) and 0 <= b["probability"] <= 1
               for b in plan["items"])  # fmt: skip
    assert plan["selected_by"]["held"] == 1


def test_plan_pages_lanes_and_audit(root: Path) -> None:
    with signed_in(root, "ana", roles=("analyst",)) as api:
        whole = _plan(api)
        seen: list[str] = []
        url: str | None = f"{PLANS}/FRLEH/{DAY}?limit=1"
        while url:
            page = api.get(url)
            assert page.status_code == 200, page.text
            seen += [b["container_number"] for b in page.json()["items"]]
            link = page.headers.get("Link")
            url = link[1 : link.index(">")] if link else None
            assert (page.json()["next"] is None) == (link is None)
        red = api.get(f"{PLANS}/FRLEH/{DAY}?lane=red").json()["items"]
        assert api.get(f"{PLANS}/FRLEH/{DAY}?cursor=nonsense").status_code == 400
    assert seen == [b["container_number"] for b in whole["items"]]
    assert {b["lane"] for b in red} == {"red"}
    reads = [e for e in audit_entries(root, "inspection") if e["action"] == "read"]
    assert any(BOXES[3] in (e["records"] or []) for e in reads)
    changes = [e for e in audit_entries(root, "inspection") if e["action"] == "change"]
    assert changes
    assert changes[0]["user"] == "ana"


def test_planning_again_replaces_the_day(root: Path) -> None:
    with signed_in(root, "ana", roles=("analyst",)) as api:
        _plan(api, seed=1)
        _plan(api, seed=2)
        plan = api.get(f"{PLANS}/FRLEH/{DAY}").json()
    assert plan["seed"] == 2
    assert plan["candidates"] == len(BOXES) - 1


def test_results_move_the_hit_rates(root: Path) -> None:
    with signed_in(root, "ana", roles=("analyst",)) as api:
        plan = _plan(api)
        before = api.get("/api/v1/inspection/performance?site=FRLEH").json()
        red = [b["container_number"] for b in plan["items"] if b["lane"] == "red"]
        found = api.post("/api/v1/inspection/results", json={
            "container_number": red[0].lower(), "date": str(DAY), "found": True,
            "what": "cocaine, 40 kg"})  # fmt: skip
        assert found.status_code == 201, found.text
        for box in red[1:]:
            nothing = {"container_number": box, "date": str(DAY), "found": False}
            answer = api.post("/api/v1/inspection/results", json=nothing)
            assert answer.status_code == 201
        after = api.get("/api/v1/inspection/performance?site=FRLEH").json()
        shown = api.get(f"{PLANS}/FRLEH/{DAY}").json()
        elsewhere = api.get("/api/v1/inspection/performance?site=NLRTM").json()
    assert found.json() | {"recorded_at": None} == {
        "container_number": red[0], "inspected_on": str(DAY), "found": True,
        "what": "cocaine, 40 kg", "recorded_at": None, "recorded_by": "ana", "on_plan": True,
    }  # fmt: skip
    assert before["overall"]["scanned"] == 0
    assert before["overall"]["naive"] is None
    overall = after["overall"]
    assert (overall["scanned"], overall["found"]) == (len(red), 1)
    assert overall["naive"] == pytest.approx(1 / len(red))
    assert overall["population"] == plan["candidates"]
    assert overall["horvitz_thompson"] is not None
    assert overall["self_normalised"] is not None
    (day,) = after["days"]
    assert (day["site"], day["date"], day["found"]) == ("FRLEH", str(DAY), 1)
    box = next(b for b in shown["items"] if b["container_number"] == red[0])
    assert box["result"]["found"] is True
    assert box["result"]["what"] == "cocaine, 40 kg"
    assert elsewhere["days"] == []


def test_a_result_off_the_plan_is_kept_and_said(root: Path) -> None:
    with signed_in(root, "ana", roles=("analyst",)) as api:
        answer = api.post("/api/v1/inspection/results",
                          json={"container_number": "HLXU 123456-1", "found": False})  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["on_plan"] is False
    assert answer.json()["container_number"] == "HLXU1234561"


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("post", PLANS, {"site": "XXABC", "date": "2025-03-02"}, "#/site"),
        ("post", PLANS, {"site": "FRLEH", "date": "2025-02-30"}, "#/date"),
        ("post", PLANS, {"site": "FRLEH", "date": "tomorrow"}, "#/date"),
        ("post", PLANS, {"site": "FRLEH", "date": "2025-03-02", "seed": -1}, "#/seed"),
        ("post", PLANS, {"site": "Le Havre", "date": "2025-03-02"}, "#/site"),
        ("post", "/api/v1/inspection/results",
         {"container_number": "MSCU1234565", "found": True}, "#/container_number"),
        ("post", "/api/v1/inspection/results",
         {"container_number": "MSCU1234566"}, "#/found"),
        ("post", "/api/v1/inspection/results",
         {"container_number": "MSCU1234566", "found": True, "date": "03/02/2025"}, "#/date"),
        ("get", f"{PLANS}/FRLEH/2025-13-01", None, "date"),
        ("get", f"{PLANS}/LE-HAVRE/2025-03-02", None, "site"),
        ("get", f"{PLANS}/FRLEH/2025-03-02?lane=blue", None, "lane"),
        ("get", "/api/v1/inspection/performance?site=nowhere", None, "site"),
    ],
)  # fmt: skip
def test_bad_input_is_a_422_problem(
    root: Path, method: str, path: str, body: dict[str, Any] | None, where: str
) -> None:
    with signed_in(root, "ana", roles=("analyst",)) as api:
        answer = api.request(method.upper(), path, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["status"] == 422
    assert any(where in (e.get("pointer") or e.get("name") or "") for e in problem["errors"])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/inspection/sites", None),
        ("get", f"{PLANS}/FRLEH/{DAY}", None),
        ("get", "/api/v1/inspection/performance", None),
        ("post", PLANS, {"site": "FRLEH", "date": str(DAY)}),
        ("post", "/api/v1/inspection/results", {"container_number": BOXES[1], "found": True}),
    ],
)
def test_the_policy(root: Path, method: str, path: str, body: dict[str, Any] | None) -> None:
    with TestClient(create_app(root, allowed_hosts=TEST_HOSTS)) as anonymous:
        assert anonymous.request(method.upper(), path, json=body).status_code == 401
    for username, roles, agency in (("vi", ("viewer",), "customs"),
                                    ("navy", ("analyst",), "navy")):  # fmt: skip
        with signed_in(root, username, roles=roles, agency=agency) as api:
            refused = api.request(method.upper(), path, json=body)
        assert refused.status_code == 403, (username, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    with signed_in(root, "wo", roles=("watch_officer",)) as api:
        answer = api.request(method.upper(), path, json=body)
    assert answer.status_code == (403 if method == "post" else 404 if "plans/" in path else 200)


def test_a_day_without_candidates_is_an_empty_plan(root: Path) -> None:
    with signed_in(root, "ana", roles=("analyst",)) as api:
        answer = api.post(PLANS, json={"site": "FRLEH", "date": "2025-06-01"})
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    assert (plan["candidates"], plan["items"], plan["used_minutes"]) == (0, [], 0.0)
    assert plan["lanes"] == {"red": 0, "yellow": 0, "green": 0}
    assert plan["capacity_minutes"] == pytest.approx(2 * 14 * 60)


def test_a_broken_sites_table_is_a_409_yet_a_stored_plan_reads(root: Path) -> None:
    with signed_in(root, "ana", roles=("analyst",)) as api:
        _plan(api)
        (root / "inspection-sites.csv").write_text("site,scanners,scans_per_hour,shifts\n"
                                                   "FRLEH,2,3,morning\n")  # fmt: skip
        sites = api.get("/api/v1/inspection/sites")
        planned = api.post(PLANS, json={"site": "FRLEH", "date": str(DAY)})
        read = api.get(f"{PLANS}/FRLEH/{DAY}")
    assert sites.status_code == planned.status_code == 409
    assert "line 2" in sites.json()["detail"]
    assert read.status_code == 200
    assert read.json()["capacity_minutes"] is None


def test_a_workspace_model_scores_the_manifests_of_an_api_plan(root: Path) -> None:
    """With a customs model at the workspace's customs-model.zip, a plan made through the API
    weighs each covered box's manifest with it (a model reason on every covered box); a model
    file named by the setting that cannot be read is the operator's to fix (409)."""
    train = root.parent / "train.csv"
    train.write_text(kcs_csv(kcs_rows(400, seed=31)))
    code = run(["cargo", "train", "--declarations", str(train), "--model",
                str(root / "customs-model.zip"), "--folds", "3", "--threads", "1"])  # fmt: skip
    assert code == 0
    with signed_in(root, "ana", roles=("analyst",)) as api:
        plan = _plan(api)
    for box in plan["items"]:
        assert any(r["source"] == "model" for r in box["reasons"]), box
    (root / "balise.toml").write_text('[inspection]\nmodel_file = "missing.zip"\n')
    with signed_in(root, "ana", roles=("analyst",)) as api:
        answer = api.post(PLANS, json={"site": "FRLEH", "date": str(DAY)})
    assert answer.status_code == 409, answer.text
    assert "no model file" in answer.json()["detail"]
