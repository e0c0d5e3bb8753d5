"""Screening what is stored: a stored vessel on a list by its IMO number gives a `list_match`
about it, removing the entry retracts it, a manifest party on a banned list gives one about the
party, an expired entry screens nothing, and the pipeline runs the stage."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from balise.engine import screening as screening_engine
from balise.engine.detect import Geography
from balise.engine.ingest import Input, ingest_input
from balise.engine.ingest_records import ingest_records
from balise.engine.lists import add_entities, provenance, record_judgement
from balise.engine.pipeline import run_pipeline
from balise.engine.screening import review_queue, run_screening
from balise.entities.identifiers import Identifier
from balise.entities.match import Entity
from balise.entities.params import ScreenParams
from balise.geo.zones import Zone
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordKind
from balise.store.base import Store
from balise.workspace import Workspace

DATA = Path(__file__).parents[1] / "data"
AIS = DATA / "csv" / "dma_26_columns.csv"
"""Holds NORDIC STAR, MMSI 219000873, IMO 9074729, call sign OXAB2."""
MANIFESTS = DATA / "cargo" / "manifests.csv"
"""Bill HHL71800000 is shipped by Kaffee Export GmbH."""
TODAY = date(2026, 12, 1)
PARAMS = ScreenParams()


def _input(path: Path) -> Input:
    return Input(path.name, lambda: path.open("rb"), path.stat().st_size)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Workspace(tmp_path / "ws").open_store(create=True)
    ingest_input(_input(AIS), opened, ReadOptions())
    ingest_records(RecordKind.MANIFESTS, _input(MANIFESTS), opened, ReadOptions())
    yield opened
    opened.close()


def _make(store: Store, name: str, kind: str) -> None:
    store.create_list({"name": name, "kind": kind, "created_at": datetime.now(UTC),
                       "created_by": "test"})  # fmt: skip


def _matches(store: Store) -> list[dict[str, Any]]:
    found = store.events(kind="list_match")
    return [{**row, "evidence": json.loads(row["evidence"])} for row in found.to_dicts()]


def test_a_vessel_listed_by_imo_matches_until_its_entry_is_removed(store: Store) -> None:
    _make(store, "voi", "vessels_of_interest")
    renamed = Entity("", "Vessel", ("Northern Light",), identifiers=(Identifier("imo", "9074729"),))
    (entry_id,), _ = add_entities(store, "voi", [renamed], provenance("test", "MAOC-N", "drugs"))
    report = run_screening(store, PARAMS, TODAY)
    (match,) = _matches(store)
    assert report is not None
    assert report.changes.new == 1
    assert report.vessels == store.fleet().height
    assert match["subject"] == {"kind": "vessel", "id": "219000873"}
    assert match["mmsi"] == 219000873
    assert match["related"] == [{"kind": "list_entry", "id": f"voi/{entry_id}"}]
    assert match["confidence"] == PARAMS.identifier_match_score
    assert match["evidence"]["reasons"][0] == "same IMO 9074729"
    assert match["evidence"]["screened"]["call_signs"] == ["OXAB2"]
    assert match["evidence"]["listed_for"] == "drugs"
    again = run_screening(store, PARAMS, TODAY)
    assert again is not None
    assert (again.changes.new, again.changes.unchanged) == (0, 1)
    store.remove_list_entry("voi", entry_id, "test", "delisted", datetime.now(UTC))
    after = run_screening(store, PARAMS, TODAY)
    assert after is not None
    assert after.changes.retracted == 1
    assert _matches(store) == []
    retracted = store.event(str(match["id"]))
    assert retracted is not None
    assert retracted["status"] == "retracted"


def test_a_party_on_a_banned_list_matches(store: Store) -> None:
    _make(store, "banned", "banned_companies")
    firm = Entity("", "Company", ("KAFFEE EXPORT G.M.B.H.",), countries=("de",))
    add_entities(store, "banned", [firm], provenance("test", reason="infiltrated"))
    run_screening(store, PARAMS, TODAY)
    (match,) = _matches(store)
    assert match["subject"] == {"kind": "company", "id": "Kaffee Export GmbH"}
    assert match["mmsi"] is None
    assert match["evidence"]["list_kind"] == "banned_companies"
    assert match["evidence"]["screened"]["roles"] == ["shipper"]
    assert match["evidence"]["screened"]["bills_listed"] == ["HHL71800000"]
    assert match["confidence"] >= PARAMS.match_threshold


def test_a_haulier_on_a_banned_list_matches_from_releases_and_gate_moves(store: Store) -> None:
    for kind, name in ((RecordKind.RELEASES, "releases.csv"), (RecordKind.GATE, "gate.csv")):
        ingest_records(kind, _input(DATA / "records" / name), store, ReadOptions())
    _make(store, "banned", "banned_companies")
    firm = Entity("", "Company", ("VAN DIJK TRANSPORT B.V.",), countries=("nl",))
    add_entities(store, "banned", [firm], provenance("test", reason="collects for a network"))
    run_screening(store, PARAMS, TODAY)
    (match,) = _matches(store)
    assert match["subject"] == {"kind": "company", "id": "Van Dijk Transport"}
    screened = match["evidence"]["screened"]
    assert screened["roles"] == ["haulier"]
    assert screened["containers_listed"] == ["CSQU3054383"]
    assert screened["bills"] == 0
    assert match["start"] == datetime(2024, 3, 1, 8, tzinfo=UTC)
    assert match["end"] == datetime(2024, 3, 2, 13, 5, tzinfo=UTC)


def test_a_declarant_on_a_banned_list_matches(store: Store, tmp_path: Path) -> None:
    bills = tmp_path / "declared.csv"
    bills.write_text("bill_of_lading,issued_at,shipper,consignee,declarant,container_numbers\n"
                     "DB-1,2024-05-01T10:00:00Z,Kaffee Export GmbH,Acme Imports,"
                     "Rhine Customs Brokers BV,MSCU7418529\n")  # fmt: skip
    ingest_records(RecordKind.MANIFESTS, _input(bills), store, ReadOptions())
    assert store.manifests("DB-1")["declarant"].to_list() == ["Rhine Customs Brokers BV"]
    _make(store, "banned", "banned_companies")
    broker = Entity("", "Company", ("Rhine Customs Brokers B.V.",))
    add_entities(store, "banned", [broker], provenance("test", reason="lodges for a network"))
    run_screening(store, PARAMS, TODAY)
    (match,) = _matches(store)
    assert match["subject"] == {"kind": "company", "id": "Rhine Customs Brokers BV"}
    assert match["evidence"]["screened"]["roles"] == ["declarant"]
    assert match["evidence"]["screened"]["bills_listed"] == ["DB-1"]


def test_an_expired_entry_and_a_stranger_screen_nothing(store: Store) -> None:
    _make(store, "voi", "vessels_of_interest")
    expired = Entity("", "Vessel", ("Nordic Star",), identifiers=(Identifier("imo", "9074729"),))
    stranger = Entity("", "Company", ("Completely Unrelated Holdings",))
    add_entities(store, "voi", [expired], provenance("test", valid_until=date(2025, 1, 1)))
    add_entities(store, "voi", [stranger], provenance("test"))
    report = run_screening(store, PARAMS, TODAY)
    assert report is not None
    assert report.entries == 2
    assert _matches(store) == []


def test_no_list_no_stage(store: Store) -> None:
    assert run_screening(store, PARAMS, TODAY) is None


def _no_geography(_: Path, zones: tuple[Zone, ...]) -> Geography:
    return Geography(zones=zones)


def test_the_pipeline_screens(tmp_path: Path, store: Store) -> None:
    _make(store, "voi", "vessels_of_interest")
    listed = Entity("", "Vessel", ("Nordic Star",), identifiers=(Identifier("imo", "9074729"),))
    add_entities(store, "voi", [listed], provenance("test"))
    store.close()
    workspace = Workspace(tmp_path / "ws")
    done = run_pipeline(workspace, workspace.settings(), geography=_no_geography)
    assert done.screening is not None
    assert done.screening.changes.new == 1
    reopened = workspace.open_store()
    try:
        risk = reopened.table("vessel_risk")
        assert risk is not None
        row = risk.filter(pl.col("mmsi") == 219000873)
        assert row.height == 1
        assert "list_match" in str(row.to_dicts()[0])
    finally:
        reopened.close()


def test_a_dismissed_match_stays_away_and_a_confirmed_one_is_certain(store: Store) -> None:
    _make(store, "voi", "vessels_of_interest")
    near = Entity("", "Vessel", ("Nordic Starr",))
    (entry_id,), _ = add_entities(store, "voi", [near], provenance("test"))
    run_screening(store, PARAMS, TODAY)
    (match,) = _matches(store)
    pair = ("vessel", "219000873", "voi", entry_id)
    assert record_judgement(store, "ana", pair, "not_same", "another hull") is not None
    dismissed = run_screening(store, PARAMS, TODAY)
    assert dismissed is not None
    assert dismissed.changes.retracted == 1
    assert _matches(store) == []
    assert review_queue(store, PARAMS) == []
    again = run_screening(store, PARAMS, TODAY)
    assert again is not None
    assert (again.changes.new, again.changes.revised) == (0, 0)
    assert record_judgement(store, "ana", pair, "same") is not None
    run_screening(store, PARAMS, TODAY)
    (confirmed,) = _matches(store)
    assert confirmed["id"] == match["id"]
    assert confirmed["confidence"] == 1.0
    assert confirmed["evidence"]["reasons"][0].startswith("confirmed same by ana on ")
    assert confirmed["evidence"]["judgement"]["verdict"] == "same"
    assert record_judgement(store, "ana", ("vessel", "1", "voi", "e-none"), "same") is None


def test_the_review_queue_is_kept_at_screening_and_follows_list_changes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict = ScreenParams(match_threshold=0.999, review_threshold=0.4)
    _make(store, "voi", "vessels_of_interest")
    near = Entity("", "Vessel", ("Nordic Starr",))
    (entry_id,), _ = add_entities(store, "voi", [near], provenance("test"))
    assert review_queue(store, strict) == [], "nothing stored before a screening"
    run_screening(store, strict, TODAY)
    assert _matches(store) == []
    monkeypatch.setattr(screening_engine, "screen_candidates", _no_screening)
    (row,) = review_queue(store, strict)
    assert (row["subject_id"], row["entry_id"], row["raised"]) == ("219000873", entry_id, False)
    assert strict.review_threshold <= row["score"] < strict.match_threshold
    assert review_queue(store, ScreenParams(match_threshold=0.999, review_threshold=0.99)) == []
    monkeypatch.undo()
    store.remove_list_entry("voi", entry_id, "test", "wrong hull", datetime.now(UTC))
    run_screening(store, strict, TODAY)
    assert review_queue(store, strict) == [], "a removed entry leaves the queue"
    other = Entity("", "Company", ("Kaffee Export GmbH",))
    add_entities(store, "voi", [other], provenance("test"))
    run_screening(store, strict, TODAY)
    assert [r["subject_id"] for r in review_queue(store, strict)] == ["Kaffee Export GmbH"]


def _no_screening(*_: object, **__: object) -> None:
    raise AssertionError("the review queue must not screen again")


def test_a_judgement_records_its_subject_and_a_new_name_asks_again(
    store: Store, tmp_path: Path
) -> None:
    _make(store, "voi", "vessels_of_interest")
    near = Entity("", "Vessel", ("Nordic Starr",))
    (entry_id,), _ = add_entities(store, "voi", [near], provenance("test"))
    pair = ("vessel", "219000873", "voi", entry_id)
    done = record_judgement(store, "ana", pair, "not_same", "another hull")
    assert done is not None
    assert done["subject_digest"] is not None
    run_screening(store, PARAMS, TODAY)
    assert _matches(store) == []
    header = AIS.read_text().splitlines()[0]
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(f"{header}\n02/03/2024 00:00:00,Class A,219000873,57.0,10.3,Under way "
                       "using engine,0.0,10.2,264.7,265,9074729,OXAB2,NORDIC STARR,Cargo,No "
                       "additional information,16,100,GPS,5.6,ESBJERG,02/03/2024 06:30:00,AIS,"
                       "80,20,8,8\n")  # fmt: skip
    ingest_input(_input(renamed), store, ReadOptions())
    run_screening(store, PARAMS, TODAY)
    (back,) = _matches(store)
    assert back["subject"] == {"kind": "vessel", "id": "219000873"}
    assert "judgement" not in back["evidence"], "the dismissal was of the vessel as it was"
