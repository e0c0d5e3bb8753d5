"""Training examples from a workspace's inspection results: each result joined to the plan of
its day (its logged probability, its weight) and to its box's manifest (its declaration)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from balise.engine.retrain import result_examples, train_on_results
from balise.errors import UsageError
from balise.store.base import Store
from balise.targeting.params import TrainOptions
from balise.workspace import Workspace
from inspection_helpers import DAY, box_number, store_day


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Workspace(tmp_path / "ws").open_store(create=True)
    try:
        yield opened
    finally:
        opened.close()


def test_each_result_meets_its_plan_and_its_manifest(store: Store) -> None:
    risky, drawn, green, unplanned, bare = (box_number(n) for n in range(1, 6))
    store_day(
        store,
        plan=[(risky, "red", 1.0), (drawn, "red", 0.05), (green, "green", 0.05),
              (bare, "red", 1.0)],
        results=[(risky, True), (drawn, False), (green, True), (unplanned, False), (bare, True)],
        bills={risky: "Acme Import", drawn: "Calm Foods", green: "Calm Foods",
               unplanned: "Other Co"},
    )  # fmt: skip
    found = result_examples(store, max_weight=10.0)
    counts = found.counts()
    assert counts | {"weight_sum": 0} == {
        "results": 5, "used": 4, "found": 2, "no_manifest": 1, "planned": 2, "off_plan": 1,
        "unplanned": 1, "weight_min": 1.0, "weight_max": 10.0, "weight_sum": 0,
    }  # fmt: skip
    frame_ = found.declarations.frame
    rows = {r["declaration_id"]: r for r in frame_.iter_rows(named=True)}
    assert set(rows) == {f"{b} {DAY}" for b in (risky, drawn, green, unplanned)}
    first = rows[f"{risky} {DAY}"]
    assert (first["importer"], first["seller"], first["declarant"]) == (
        "Acme Import", f"Shipper of {risky}", "Broker SA")  # fmt: skip
    assert (first["hs6"], first["origin_country"], first["departure_country"]) == (
        "090111", "CO", "CO")  # fmt: skip
    assert (first["date"], first["fraud"]) == (DAY, 1)
    assert rows[f"{drawn} {DAY}"]["fraud"] == 0
    by_id = dict(zip(frame_["declaration_id"], found.weights.tolist(), strict=True))
    assert by_id[f"{drawn} {DAY}"] == 10.0  # 1 / 0.05 = 20, clipped at 10
    assert by_id[f"{green} {DAY}"] == 1.0  # scanned though the plan did not select it
    assert found.declarations.has_labels


def test_a_box_inspected_on_two_days_gives_two_examples(store: Store) -> None:
    box = box_number(7)
    store_day(store, [(box, "red", 0.5)], [(box, False)], {box: "Acme Import"})
    later = DAY + timedelta(days=3)
    store_day(store, [(box, "red", 1.0)], [(box, True)], {}, day=later)
    found = result_examples(store, max_weight=1000.0)
    frame_ = found.declarations.frame.sort("date")
    assert frame_["date"].to_list() == [DAY, later]
    assert frame_["fraud"].to_list() == [0, 1]
    assert sorted(found.weights.tolist()) == [1.0, 2.0]


def test_no_results_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError, match="no inspection results to learn from"):
        result_examples(store, max_weight=1000.0)


def test_the_model_learns_from_the_results(store: Store) -> None:
    boxes = [box_number(100 + n) for n in range(60)]
    risky = {b for n, b in enumerate(boxes) if n % 3 == 0}
    store_day(
        store,
        plan=[(b, "red", 1.0 if b in risky else 0.25) for b in boxes],
        results=[(b, b in risky and n % 2 == 0) for n, b in enumerate(boxes)],
        bills={b: ("Risky Import" if b in risky else "Calm Foods") for b in boxes},
    )
    options = TrainOptions(folds=2, rounds=20, critical_rounds=5, threads=1, min_data_in_leaf=3)
    model, found = train_on_results(store, options)
    assert model.meta["training_data"]["inspection_results"]["used"] == 60
    assert model.meta["training_weights"]["max"] == 4.0
    scores = model.predict(found.declarations)["score"]
    importer = found.declarations.frame["importer"].to_numpy()
    assert np.mean(scores[importer == "Risky Import"]) > np.mean(scores[importer == "Calm Foods"])


@pytest.mark.parametrize(
    ("declarant", "expected"), [("Customs Agent Ltd", "Customs Agent Ltd"), (None, "Broker SA")]
)
def test_the_declaration_names_the_manifests_declarant(
    store: Store, declarant: str | None, expected: str
) -> None:
    box = box_number(1)
    store_day(store, plan=[(box, "red", 1.0)], results=[(box, True)], bills={box: "Acme Import"},
              declarant=declarant)  # fmt: skip
    found = result_examples(store, max_weight=10.0).declarations.frame
    assert found["declarant"].to_list() == [expected], "the notify party only without one"
