"""The risk model on small generated tables: it learns the risky importers, its probabilities
are calibrated, its reasons name what raised a score with the right counts, and its file
round-trips."""

from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import polars as pl
import pytest

from balise.errors import UsageError
from balise.targeting.declarations import Declarations, parse_declarations
from balise.targeting.metrics import Isotonic, auc, precision_recall_at, revenue_at
from balise.targeting.model import TargetingModel, evaluate, train
from balise.targeting.params import TrainOptions
from kcs_rows import KCS_HEADER, kcs_rows

FAST = TrainOptions(folds=3, rounds=40, critical_rounds=20, max_rounds=150, early_stopping=20,
                    threads=1, min_data_in_leaf=10)  # fmt: skip


@pytest.fixture(scope="module")
def data() -> tuple[Declarations, Declarations]:
    train_rows = kcs_rows(1500, seed=11)
    valid_rows = kcs_rows(500, seed=12, start=50_000)
    return (
        parse_declarations(KCS_HEADER, train_rows, require_labels=True),
        parse_declarations(KCS_HEADER, valid_rows, require_labels=True),
    )


@pytest.fixture(scope="module")
def model(data: tuple[Declarations, Declarations]) -> TargetingModel:
    return train(data[0], data[1], FAST, meta={"training_data": {"sha256": "abc"}})


def test_the_model_learns_risky_parties_and_reports_validation(
    model: TargetingModel, data: tuple[Declarations, Declarations]
) -> None:
    figures = model.meta["validation"]
    assert figures["auc"] > 0.8
    assert figures["at"]["10%"]["precision"] > 0.65  # chance: the fraud rate
    assert figures == evaluate(model, data[1])
    assert model.meta["training_data"] == {"sha256": "abc"}
    assert 1 <= model.meta["rounds"]["fraud"] <= FAST.max_rounds
    assert model.critical is not None


def test_scores_are_calibrated_probabilities(
    model: TargetingModel, data: tuple[Declarations, Declarations]
) -> None:
    scored = model.score(data[1], reasons=0)
    score = scored["score"].to_numpy()
    assert ((score >= 0) & (score <= 1)).all()
    fraud = data[1].frame["fraud"].to_numpy()
    assert abs(score.mean() - fraud.mean()) < 0.05  # calibrated on average
    price = data[1].frame["item_price"].to_numpy()
    assert np.allclose(scored["at_stake"].to_numpy(), score * price)


def test_reasons_name_the_party_with_its_training_counts(
    model: TargetingModel, data: tuple[Declarations, Declarations]
) -> None:
    scored = model.score(data[1], reasons=3)
    counts = {
        importer: (int(frauds), int(seen))
        for importer, frauds, seen in data[0]
        .frame.group_by("importer")
        .agg(pl.col("fraud").sum(), pl.len())
        .iter_rows()
    }
    importers = dict(zip(data[1].frame["declaration_id"], data[1].frame["importer"], strict=True))
    checked = 0
    for declaration, reasons in zip(scored["declaration_id"], scored["reasons"], strict=True):
        assert len(reasons) <= 3
        for reason in reasons:
            if not reason.startswith("importer ") or " with " in reason.split(":")[0]:
                continue
            importer = importers[declaration]
            frauds, seen = counts[importer]
            assert reason == (
                f"importer {importer}: {100 * frauds / seen:.0f} % of past declarations "
                f"were frauds ({frauds} of {seen})"
            )
            checked += 1
    assert checked > 10  # the importer is among the top reasons of many declarations
    bare = re.compile(r"(origin|office|departure country|HS chapter) \S+")
    everything = [r for rs in scored["reasons"].to_list() for r in rs]
    assert not [r for r in everything if bare.fullmatch(r)]  # a code with a fraud rate has it


def test_the_model_file_round_trips(
    model: TargetingModel, data: tuple[Declarations, Declarations]
) -> None:
    blob = model.to_bytes()
    again = TargetingModel.from_bytes(blob)
    assert again.meta["validation"] == model.meta["validation"]
    assert "trained_at" in again.meta
    first, second = model.score(data[1]), again.score(data[1])
    assert np.allclose(first["score"].to_numpy(), second["score"].to_numpy())
    assert first["reasons"].to_list() == second["reasons"].to_list()
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert sorted(archive.namelist()) == [
            "critical.txt", "encoders.json", "fraud.txt", "meta.json",
        ]  # fmt: skip
        assert json.loads(archive.read("meta.json"))["format"] == "balise-targeting-model"


def test_a_foreign_file_is_not_a_model() -> None:
    with pytest.raises(UsageError, match="not a Balise targeting model"):
        TargetingModel.from_bytes(b"id,score\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("meta.json", json.dumps({"format": "something else"}))
    with pytest.raises(UsageError, match="not a Balise targeting model"):
        TargetingModel.from_bytes(buffer.getvalue())


def test_training_needs_both_outcomes() -> None:
    rows = kcs_rows(40, seed=3)
    for row in rows:
        row[20], row[21] = "0", "0"
    with pytest.raises(UsageError, match="both outcomes"):
        train(parse_declarations(KCS_HEADER, rows, require_labels=True), options=FAST)


def test_scoring_unlabelled_and_empty_tables(model: TargetingModel) -> None:
    unlabelled = parse_declarations(["declaration_id", "importer"], [["X1", "IMP0"], ["X2", "Z"]])
    scored = model.score(unlabelled)
    assert scored["declaration_id"].to_list() == ["X1", "X2"]
    assert scored["score"][0] > scored["score"][1]  # IMP0 is a risky importer
    empty = parse_declarations(KCS_HEADER, [])
    assert model.score(empty).height == 0


def test_metrics() -> None:
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    scores = np.arange(10, 0, -1, dtype=np.float64)
    assert precision_recall_at(labels, scores, 0.2) == (0.5, 1 / 3)
    assert auc(np.array([0, 1]), np.array([0.1, 0.9])) == 1.0
    assert auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    assert revenue_at(np.array([0.0, 10.0, 30.0]), np.array([0.1, 0.2, 0.9]), 1 / 3) == 0.75


def test_isotonic_calibration_is_monotone_and_matches_rates() -> None:
    rng = np.random.default_rng(4)
    raw = rng.random(5000)
    labels = (rng.random(5000) < raw**2).astype(np.float64)
    fitted = Isotonic.fit(raw, labels)
    grid = np.linspace(0, 1, 101)
    mapped = fitted(grid)
    assert (np.diff(mapped) >= -1e-12).all()
    assert abs(float(fitted(np.array([0.5]))[0]) - 0.25) < 0.07


def test_without_critical_labels_there_is_no_severity_head(
    data: tuple[Declarations, Declarations],
) -> None:
    plain = data[0].frame.with_columns(pl.lit(None, dtype=pl.Int8).alias("critical_fraud"))
    model = train(Declarations(plain, [], data[0].present), options=FAST)
    assert model.critical is None
    scored = model.score(data[1])
    assert scored["critical"].null_count() == scored.height
    again = TargetingModel.from_bytes(model.to_bytes())
    assert again.critical is None
