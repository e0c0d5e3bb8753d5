"""`/api/v1/containers`: the containers at risk (by port, number, score, a page at a time), one
container's journey, events, risk and bills of lading, its journey as GeoJSON; the policy
(containers as the alert inbox, manifests for customs and police analysts, cargo events listed as
events only to container readers); `balise container NUMBER` on the same workspace."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from api_clients import audit_entries, signed_in
from balise.cli import detect as detect_cli
from balise.cli.main import run
from balise.engine.detect import Geography
from balise.workspace import Workspace

RECORDS = (
    ("containers", "container-events.jsonl"),
    ("manifests", "manifests.csv"),
    ("telemetry", "telemetry.jsonl"),
    ("releases", "releases.csv"),
    ("gate", "gate.csv"),
)


@pytest.fixture(scope="module")
def cargo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small simulated world with its AIS and cargo records ingested and detected."""
    folder = tmp_path_factory.mktemp("cargo")
    world, root = folder / "world", folder / "ws"
    args = ["--seed", "5", "--vessels", "20", "--days", "2"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    for kind, name in (("ais", "ais.nmea"), *RECORDS):
        assert run(["--workspace", str(root), "ingest", kind, str(world / name)]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_cli, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        assert run(["--workspace", str(root), "detect"]) == 0
    return root


def test_containers_at_risk_by_score_port_and_number_a_page_at_a_time(cargo_root: Path) -> None:
    with signed_in(cargo_root, "ana", roles=("analyst",)) as api:
        answer = api.get("/api/v1/containers")
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        assert items, "the simulated world has containers with cargo events"
        scores = [i["score"] for i in items]
        assert scores == sorted(scores, reverse=True)
        assert all(i["events"] > 0 and i["reasons"] for i in items)
        top = items[0]
        assert top["reasons"][0]["points"] > 0
        assert top["last_port"]
        at_port = api.get("/api/v1/containers", params={"port": top["last_port"]}).json()
        assert top["container_number"] in [i["container_number"] for i in at_port["items"]]
        assert all(i["last_port"] == top["last_port"] or i["events"]
                   for i in at_port["items"])  # fmt: skip
        assert api.get("/api/v1/containers", params={"port": "ZZZZZ"}).json()["items"] == []
        high = api.get("/api/v1/containers", params={"min_score": top["score"]}).json()["items"]
        assert high
        assert all(i["score"] >= top["score"] for i in high)
        found = api.get("/api/v1/containers", params={"q": top["container_number"][:6]})
        assert top["container_number"] in [i["container_number"] for i in found.json()["items"]]
        pages, cursor = [], None
        while True:
            more: dict[str, str] = {"cursor": cursor} if cursor else {}
            page = api.get("/api/v1/containers", params={"limit": 2, **more}).json()
            pages += [i["container_number"] for i in page["items"]]
            cursor = page["next"]
            if cursor is None:
                break
        assert pages == [i["container_number"] for i in items]
        assert api.get("/api/v1/containers", params={"cursor": "nope"}).status_code == 400
    entries = audit_entries(cargo_root, "container")
    assert any(top["container_number"] in e["records"] for e in entries)


def _riskiest(api: Any) -> str:
    number: str = api.get("/api/v1/containers").json()["items"][0]["container_number"]
    return number


def test_a_container_with_its_journey_events_risk_and_bills(cargo_root: Path) -> None:
    with signed_in(cargo_root, "ana", roles=("analyst",)) as api:
        number = _riskiest(api)
        spaced = f"{number[:4]} {number[4:10]}-{number[10]}".lower()
        answer = api.get(f"/api/v1/containers/{spaced}")
        assert answer.status_code == 200, answer.text
        record = answer.json()
        assert record["container_number"] == number
        legs = [leg for j in record["journeys"] for leg in j["legs"]]
        assert legs
        assert all(leg["load"]["lat"] is not None for leg in legs if leg["load_port"])
        assert record["events"]
        assert {e["subject"]["id"] for e in record["events"]} == {number}
        assert record["risk"]["score"] == pytest.approx(
            sum(r["points"] for r in record["risk"]["reasons"]), abs=0.05
        )
        assert record["manifests"]
        assert number in record["manifests"][0]["container_numbers"]
        geo = api.get(f"/api/v1/containers/{number}/journey.geojson")
        assert geo.headers["content-type"].startswith("application/geo+json")
        kinds = {f["properties"]["kind"] for f in geo.json()["features"]}
        assert kinds == {"port", "leg"}
        invalid = api.get(f"/api/v1/containers/{number[:-1]}{(int(number[-1]) + 1) % 10}")
        assert invalid.status_code == 422
        assert invalid.json()["errors"][0]["name"] == "number"
        unknown = api.get("/api/v1/containers/MSKU9070323")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem+json")
    audited = audit_entries(cargo_root, "manifest")
    assert audited
    assert audited[0]["user"] == "ana"


def test_the_policy_on_containers_manifests_and_cargo_events(cargo_root: Path) -> None:
    with signed_in(cargo_root, "wendy", roles=("watch_officer",), agency="navy") as api:
        number = _riskiest(api)
        record = api.get(f"/api/v1/containers/{number}").json()
        assert record["manifests"] is None
        assert record["events"]
        listed = api.get("/api/v1/events", params={"type": "shell_game"})
        assert listed.status_code == 200
    with signed_in(cargo_root, "port", roles=("analyst",), agency="port_authority") as api:
        refused = api.get("/api/v1/containers")
        assert refused.status_code == 403
        assert "container" in refused.json()["detail"]
        assert api.get(f"/api/v1/containers/{number}").status_code == 403
        assert api.get("/api/v1/events", params={"type": "container_clone"}).status_code == 403
        everything = api.get("/api/v1/events", params={"limit": 1000}).json()["items"]
        assert everything
        assert all(e["subject"]["kind"] != "container" for e in everything)
        assert api.get(f"/api/v1/containers/{number}/telemetry").status_code == 200
    with signed_in(cargo_root, "sec", roles=("security_officer",), agency="police") as api:
        assert api.get("/api/v1/containers").status_code == 403
    denied = [e for e in audit_entries(cargo_root, "container") if e["action"] == "denied"]
    assert {e["user"] for e in denied} >= {"port", "sec"}


def test_cargo_events_in_the_event_list_the_inbox_and_exports(cargo_root: Path) -> None:
    with signed_in(cargo_root, "ana", roles=("analyst",)) as api:
        kinds = api.get("/api/v1/events", params={"limit": 1000}).json()["items"]
        cargo = [e for e in kinds if e["subject"] and e["subject"]["kind"] == "container"]
        assert cargo
        one = cargo[0]
        typed = api.get("/api/v1/events", params={"type": one["type"]}).json()["items"]
        assert typed
        assert {e["type"] for e in typed} == {one["type"]}
        assert api.get(f"/api/v1/events/{one['id']}").status_code == 200
        alerts = api.get("/api/v1/alerts", params={"limit": 500})
        assert alerts.status_code == 200, alerts.text
        exported = api.get("/api/v1/exports/events.csv", params={"type": one["type"]})
        assert exported.status_code == 200, exported.text
        assert one["id"] in exported.text


def test_the_command_line_shows_a_container_and_audits_its_releases(cargo_root: Path) -> None:
    with signed_in(cargo_root, "ana", roles=("analyst",)) as api:
        number = _riskiest(api)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(["--workspace", str(cargo_root), "container", number, "--format", "json"]) == 0
    record = json.loads(out.getvalue())
    assert record["container_number"] == number
    assert record["journeys"]
    assert record["events"]
    assert all("•" in (r["release_id"] or "•") for r in record["releases"])
    table = io.StringIO()
    with contextlib.redirect_stdout(table):
        assert run(["--workspace", str(cargo_root), "container", number]) == 0
    assert f"Container {number}" in table.getvalue()
    assert "Risk" in table.getvalue()
    assert any(e["user"].startswith("local:") and number in e["records"]
               for e in audit_entries(cargo_root, "container"))  # fmt: skip
    assert run(["--workspace", str(cargo_root), "container", "ABCD1234567"]) == 2
    assert run(["--workspace", str(cargo_root), "container", "MSKU9070323"]) == 2


def test_a_vessel_risk_names_the_boxes_it_carried_to_container_readers(cargo_root: Path) -> None:
    store = Workspace(cargo_root).open_store()
    try:
        risk = store.table("vessel_risk")
    finally:
        store.close()
    assert risk is not None
    carriers = [
        row["mmsi"] for row in risk.iter_rows(named=True)
        if any(r["kind"] == "cargo" for r in json.loads(row["reasons"]))
    ]  # fmt: skip
    assert carriers, "the simulated world's ships carried boxes with cargo events"
    with signed_in(cargo_root, "ana", roles=("analyst",)) as api:
        seen = api.get(f"/api/v1/vessels/{carriers[0]}").json()["risk"]
        [cargo] = [r for r in seen["reasons"] if r["kind"] == "cargo"]
        assert cargo["text"].startswith("carried ")
        assert cargo["containers"]
        assert api.get(f"/api/v1/containers/{cargo['containers'][0]}").status_code == 200
    with signed_in(cargo_root, "port", roles=("analyst",), agency="port_authority") as api:
        hidden = api.get(f"/api/v1/vessels/{carriers[0]}").json()["risk"]
        assert all(r["kind"] != "cargo" for r in hidden["reasons"])
        assert hidden["withheld"] >= 1


def test_the_containers_at_risk_exported_as_the_list_shows_them(cargo_root: Path) -> None:
    with signed_in(cargo_root, "ana", roles=("analyst",)) as api:
        listed = api.get("/api/v1/containers", params={"limit": 500}).json()["items"]
        answer = api.get("/api/v1/exports/containers.csv")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert [r["container_number"] for r in rows] == [i["container_number"] for i in listed]
        top = rows[0]
        assert top["reasons"].split("; ")[0] == listed[0]["reasons"][0]["text"]
        assert float(top["score"]) == pytest.approx(listed[0]["score"])
        port = listed[0]["last_port"]
        at_port = api.get("/api/v1/exports/containers.csv", params={"port": port}).text
        wanted = api.get("/api/v1/containers", params={"port": port, "limit": 500}).json()
        assert at_port.count("\n") == len(wanted["items"]) + 1
        zipped = api.get("/api/v1/exports/containers.csv", params={"bundle": "zip"})
        with zipfile.ZipFile(io.BytesIO(zipped.content)) as bundle:
            assert "containers at risk" in bundle.read("README.txt").decode()
        assert api.get("/api/v1/exports/containers.csv", params={"port": "1"}).status_code == 422
    with signed_in(cargo_root, "port", roles=("analyst",), agency="port_authority") as api:
        assert api.get("/api/v1/exports/containers.csv").status_code == 403
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(["--workspace", str(cargo_root), "containers", "--format", "csv"]) == 0
    assert out.getvalue() == answer.text
    table = io.StringIO()
    with contextlib.redirect_stdout(table):
        assert run(["--workspace", str(cargo_root), "containers", "--port", port]) == 0
    assert f"{len(wanted['items'])} container" in table.getvalue()
    assert any(e["user"].startswith("local:") and top["container_number"] in e["records"]
               for e in audit_entries(cargo_root, "container"))  # fmt: skip
