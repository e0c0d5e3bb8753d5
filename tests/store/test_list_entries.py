"""Screening lists in the store: a list once per name, entries with their provenance, a removal
that keeps the row, an entry added again after removal, and an older store given the tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from balise.engine.lists import add_entities, provenance
from balise.entities.identifiers import Identifier
from balise.entities.match import Entity
from balise.store.base import Store
from balise.store.duckdb import DuckDBStore
from stores import any_store

__all__ = ["any_store"]

VESSEL = Entity("", "Vessel", ("Ocean Star", "Star of the Ocean"),
                identifiers=(Identifier("imo", "9074729"),))  # fmt: skip
WHEN = datetime(2026, 11, 30, 9, tzinfo=UTC)


def _list(store: Store, name: str = "voi") -> None:
    assert store.create_list({"name": name, "kind": "vessels_of_interest", "description": "d",
                              "created_at": WHEN, "created_by": "local:ana"})  # fmt: skip


def test_an_entry_keeps_its_provenance(any_store: Store) -> None:
    _list(any_store)
    assert not any_store.create_list({"name": "voi", "kind": "user"}), "one list per name"
    given = provenance("local:ana", "MAOC-N", "suspected cocaine carrier",
                       source_date=date(2026, 11, 29), valid_until=date(2027, 11, 29))  # fmt: skip
    (entry_id,), added = add_entities(any_store, "voi", [VESSEL], given)
    entry = any_store.list_entries("voi").row(0, named=True)
    assert added == 1
    assert entry["entry_id"] == entry_id
    assert entry["name"] == "Ocean Star"
    assert entry["aliases"] == ["Star of the Ocean"]
    assert entry["identifiers"] == ["imo:9074729"]
    assert (entry["source"], entry["reason"], entry["added_by"]) == (
        "MAOC-N", "suspected cocaine carrier", "local:ana")  # fmt: skip
    assert (entry["source_date"], entry["valid_until"]) == (date(2026, 11, 29), date(2027, 11, 29))
    lists = any_store.lists().row(0, named=True)
    assert (lists["name"], lists["kind"], lists["entries"], lists["removed"]) == (
        "voi", "vessels_of_interest", 1, 0)  # fmt: skip


def test_the_same_entry_is_not_added_twice(any_store: Store) -> None:
    _list(any_store)
    given = provenance("local:ana")
    first, added = add_entities(any_store, "voi", [VESSEL, VESSEL], given)
    again, added_again = add_entities(any_store, "voi", [VESSEL], given)
    assert (added, added_again) == (1, 0)
    assert first[0] == again[0]
    assert any_store.list_entries().height == 1


def test_removal_keeps_the_row_and_the_entry_can_come_back(any_store: Store) -> None:
    _list(any_store)
    (entry_id,), _ = add_entities(any_store, "voi", [VESSEL], provenance("local:ana"))
    assert any_store.remove_list_entry("voi", entry_id, "local:bob", "delisted", WHEN)
    assert not any_store.remove_list_entry("voi", entry_id, "local:bob", "again", WHEN)
    assert any_store.list_entries("voi").is_empty()
    kept = any_store.list_entries("voi", include_removed=True).row(0, named=True)
    assert (kept["removed_by"], kept["removed_reason"], kept["removed_at"]) == (
        "local:bob", "delisted", WHEN)  # fmt: skip
    _, added = add_entities(any_store, "voi", [VESSEL], provenance("local:ana"))
    history = any_store.list_entries("voi", include_removed=True)
    assert added == 1
    assert history["removed_at"].is_null().to_list() == [False, True]
    assert any_store.lists()["removed"].to_list() == [1]


def test_an_older_store_gets_the_list_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    DuckDBStore(path).close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE list_entries")
    con.execute("ALTER TABLE lists DROP COLUMN description")
    con.close()
    store = DuckDBStore(path)
    try:
        _list(store)
        assert store.lists()["description"].to_list() == ["d"]
        assert store.list_entries().schema == store.list_entries("voi").schema
        assert isinstance(store.list_entries(), pl.DataFrame)
    finally:
        store.close()


def test_the_latest_judgement_of_a_pair_is_in_force(any_store: Store) -> None:
    pair = {"subject_kind": "vessel", "subject_id": "219000873", "list_name": "voi",
            "entry_id": "e-1", "entry_digest": "d", "note": "", "judged_by": "ana"}  # fmt: skip
    any_store.add_judgement({**pair, "verdict": "unsure", "judged_at": WHEN})
    any_store.add_judgement({**pair, "verdict": "not_same", "judged_at": WHEN.replace(hour=10)})
    any_store.add_judgement({**pair, "entry_id": "e-2", "verdict": "same", "judged_at": WHEN})
    latest = any_store.judgements()
    assert sorted(zip(latest["entry_id"], latest["verdict"], strict=True)) == [
        ("e-1", "not_same"), ("e-2", "same")]  # fmt: skip
    assert any_store.judgements(latest=False).height == 3


def test_the_review_queue_is_replaced_whole(any_store: Store) -> None:
    def rows(*pairs: tuple[str, float]) -> pl.DataFrame:
        return pl.DataFrame([{"subject_kind": "vessel", "subject_id": s, "list_name": "voi",
                              "entry_id": "e-1", "score": score, "raised": score >= 0.7,
                              "row": "{}", "screened_at": WHEN} for s, score in pairs])  # fmt: skip

    any_store.replace_review(rows(("1", 0.5), ("2", 0.9), ("3", 0.3)))
    assert any_store.review()["subject_id"].to_list() == ["2", "1", "3"]
    assert any_store.review(0.4)["subject_id"].to_list() == ["2", "1"]
    any_store.replace_review(rows(("4", 0.6)))
    assert any_store.review()["subject_id"].to_list() == ["4"]
    any_store.replace_review(rows())
    assert any_store.review().is_empty()
