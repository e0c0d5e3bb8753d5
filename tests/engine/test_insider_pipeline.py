"""Insider look-ups through the pipeline: a small world's access layer ingested, `balise detect`
finds the simulated insider among the staff, and a second run changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from balise.cli import detect as detect_cli
from balise.cli.main import run
from balise.engine.detect import Geography
from balise.workspace import Workspace

RECORDS = (("staff", "staff.csv"), ("releases", "releases.csv"), ("gate", "gate.csv"),
           ("access-log", "access-log.jsonl"), ("work", "work.csv"))  # fmt: skip


def test_the_pipeline_finds_the_simulated_insider(tmp_path: Path) -> None:
    world, root = tmp_path / "world", tmp_path / "ws"
    assert run(["sim", "atlantic", "--out", str(world), "--seed", "6", "--vessels", "10",
                "--days", "3"]) == 0  # fmt: skip
    ws = ["--workspace", str(root)]
    assert run([*ws, "ingest", "ais", str(world / "ais.nmea")]) == 0
    for kind, name in RECORDS:
        assert run([*ws, "ingest", kind, str(world / name)]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_cli, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        assert run([*ws, "detect"]) == 0
        store = Workspace(root).open_store()
        try:
            first = store.events("insider_lookup")
        finally:
            store.close()
        assert run([*ws, "detect"]) == 0
    truth = [json.loads(line) for line in (world / "truth.jsonl").read_text().splitlines()]
    insiders = {t["subject"]["id"] for t in truth if t["type"] == "insider_lookup"}
    assert len(insiders) == 1
    strong = first.filter(first["confidence"] >= 0.7)
    assert {s["id"] for s in strong["subject"]} == insiders
    store = Workspace(root).open_store()
    try:
        again = store.events("insider_lookup")
    finally:
        store.close()
    assert sorted(again["id"]) == sorted(first["id"])
