"""The registry's list matches: stored by the ownership stage with a digest of what it screened,
read by the entity page while that digest holds, screened again when the registry, the lists,
the parameters or the day differ; and a list change (`rescreen`) runs the ownership graph
again, so a company directed by a newly listed person is flagged at once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from balise.cli.main import run
from balise.engine import ownership
from balise.engine.entity_page import entity_record
from balise.engine.ownership import registry_digest, run_ownership
from balise.entities.params import ScreenParams
from balise.entities.shell_params import ShellParams
from balise.store.base import Store
from balise.workspace import Workspace
from helpers import count_calls
from registry_helpers import entity, registry_workspace

DAY = date(2026, 12, 1)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return registry_workspace(tmp_path / "ws")


def _screened(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return count_calls(monkeypatch, ownership, "screen_registry")


def _page(store: Store, entity_id: str, day: date = DAY) -> dict[str, Any]:
    page = entity_record(store, entity_id, ShellParams(), ScreenParams(), today=day)
    assert page is not None
    return page


def _matched(page: dict[str, Any]) -> list[str]:
    return [m["entry_name"] for m in page["list_matches"]]


def test_the_page_reads_the_stored_matches_while_they_hold(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Workspace(root).open_store()
    try:
        run_ownership(store, ShellParams(), ScreenParams(), DAY)
        calls = _screened(monkeypatch)
        assert _matched(_page(store, "vb")) == ["Viktor BOSCH"]
        assert _matched(_page(store, "ok")) == []
        assert calls == [], "the ownership run's matches are read, nothing is screened"
        report = run_ownership(store, ShellParams(), ScreenParams(), DAY)
        assert report is not None
        assert report.listed == 1
        assert report.changes.new == report.changes.retracted == 0
        assert calls == [], "a run with nothing changed reads the stored matches too"
        assert _matched(_page(store, "vb", date(2026, 12, 2))) == ["Viktor BOSCH"]
        assert calls == [1], "another day (entries lapse) is screened again"
    finally:
        store.close()


def test_a_list_or_registry_changed_since_the_run_is_screened_again(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Workspace(root).open_store()
    try:
        run_ownership(store, ShellParams(), ScreenParams(), DAY)
        entries = store.list_entries()
        added = entries.head(1).with_columns(
            pl.lit("e-added").alias("entry_id"), pl.lit("Honest Trading GmbH").alias("name"),
            pl.lit("Company").alias("schema"),
        )  # fmt: skip
        store.add_list_entries(added)
        calls = _screened(monkeypatch)
        assert _matched(_page(store, "ok")) == ["Honest Trading GmbH"]
        assert calls == [1], "the stored matches are of other lists: the page screens"
        run_ownership(store, ShellParams(), ScreenParams(), DAY)
        assert _matched(_page(store, "ok")) == ["Honest Trading GmbH"]
        assert calls == [1, 1], "the run screened the registry once; the page read it"
    finally:
        store.close()


def test_the_digest_sums_up_every_input() -> None:
    entities = pl.DataFrame([entity("a", name="Alpha Shipping")])
    entries = pl.DataFrame({"entry_id": ["1"], "name": ["Viktor Bosch"]})
    base = registry_digest(entities, entries, ScreenParams(), DAY)
    assert base == registry_digest(entities.clone(), entries.clone(), ScreenParams(), DAY)
    renamed = entities.with_columns(pl.lit("Alpha Shiping").alias("name"))
    assert registry_digest(renamed, entries, ScreenParams(), DAY) != base
    assert registry_digest(entities, entries.head(0), ScreenParams(), DAY) != base
    stricter = ScreenParams(match_threshold=0.6)
    assert registry_digest(entities, entries, stricter, DAY) != base
    assert registry_digest(entities, entries, ScreenParams(), date(2026, 12, 2)) != base


def _events(root: Path, kind: str) -> list[str]:
    store = Workspace(root).open_store()
    try:
        found = store.events().filter((pl.col("status") != "retracted") & (pl.col("type") == kind))
        return sorted(found["subject"].struct.field("id").to_list())
    finally:
        store.close()


def test_a_list_change_runs_the_ownership_graph_again(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _events(root, "owned_by_listed")
    assert "gl" not in before
    assert run(["--workspace", str(root), "list", "add", "sanctions", "--name",
                "Maria Nominee", "--schema", "Person"]) == 0  # fmt: skip
    assert "registry: " in capsys.readouterr().err
    after = _events(root, "owned_by_listed")
    assert {"gl", "sc", "tf"} <= set(after), "the companies she directs, flagged at once"
    store = Workspace(root).open_store()
    try:
        page = _page(store, "mn", datetime.now(UTC).date())
    finally:
        store.close()
    assert _matched(page) == ["Maria Nominee"]
