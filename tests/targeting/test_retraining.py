"""Retraining on inspection results: a model weighted by the inverse of the logged selection
probabilities learns the rate of the whole population, while one fitted on the inspected boxes as
they are learns the selection; the join of results with their day's plan; the weights' clip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from balise.errors import UsageError
from balise.inspection.params import InspectionParams
from balise.inspection.planner import Candidates, plan_inspections, slots_of
from balise.targeting.declarations import SCHEMA, Declarations
from balise.targeting.encoding import fit_table, out_of_fold
from balise.targeting.inspected import inspected_examples, ipw_weights
from balise.targeting.metrics import Isotonic
from balise.targeting.model import train
from balise.targeting.params import TrainOptions

QUICK = TrainOptions(folds=3, rounds=100, learning_rate=0.2, critical_rounds=10, threads=1,
                     min_data_in_leaf=20)  # fmt: skip
FIRST_DAY = date(2024, 1, 1)


@dataclass(frozen=True)
class Selection:
    """A simulated port: every candidate box (declaration and true fraud probability), the
    stored plans' rows and the results of the boxes scanned."""

    population: pl.DataFrame
    plans: pl.DataFrame
    results: pl.DataFrame


def declarations(frame: pl.DataFrame) -> Declarations:
    columns = [
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
        for c, t in SCHEMA.items()
    ]
    return Declarations(frame=frame.select(columns), present=frozenset(frame.columns))


def simulate(seed: int, days: int = 60, boxes: int = 500, codes: int = 40) -> Selection:
    """Boxes whose fraud probability depends on their HS code (seen by the model) and on
    intelligence the model does not see but the plan's risk does; each day one scanner's
    60 scans go to the riskiest boxes, 10 % of its time to boxes drawn at random, with the
    planner's logged probabilities."""
    rng = np.random.default_rng(seed)
    code_logit = rng.normal(-3.0, 1.0, codes)
    slots = slots_of(1, ((0.0, 1200.0),))  # 60 scans of 20 min: 12 % of the boxes
    population, plans, results = [], [], []
    for d in range(days):
        day = FIRST_DAY + timedelta(days=d)
        code = rng.integers(codes, size=boxes)
        intelligence = rng.normal(size=boxes)
        p_true = 1 / (1 + np.exp(-(code_logit[code] + 1.5 * intelligence)))
        fraud = rng.random(boxes) < p_true
        ids = tuple(f"B{d:03d}{i:04d}" for i in range(boxes))
        always = (np.zeros(boxes), np.full(boxes, 1440.0), np.zeros(boxes, dtype=np.bool_))
        candidates = Candidates(ids, p_true, np.ones(boxes), np.full(boxes, 20.0), *always)
        plan = plan_inspections(candidates, slots, InspectionParams(), rng, "greedy")
        lanes = np.array(plan.lane)
        plans.append(pl.DataFrame({"site": "FRLEH", "plan_date": day, "container_number": ids,
                                   "lane": lanes, "probability": plan.probability}))  # fmt: skip
        red = lanes == "red"
        results.append(pl.DataFrame({"container_number": np.array(ids)[red],
                                     "inspected_on": day, "found": fraud[red]}))  # fmt: skip
        hs6 = [f"{100000 + 37 * c:06d}" for c in code]
        population.append(pl.DataFrame({"declaration_id": ids, "date": day, "p_true": p_true,
                                        "hs6": hs6}))  # fmt: skip
    return Selection(pl.concat(population), pl.concat(plans), pl.concat(results))


def training_rows(world: Selection) -> tuple[Declarations, np.ndarray]:
    examples = inspected_examples(world.results, world.plans, QUICK.max_weight)
    rows = examples.join(
        world.population, left_on="container_number", right_on="declaration_id"
    ).with_columns(
        pl.col("container_number").alias("declaration_id"),
        pl.col("found").cast(pl.Int8).alias("fraud"),
    )
    return declarations(rows), examples["weight"].to_numpy()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_weighted_model_learns_the_population_the_unweighted_one_the_selection(
    seed: int,
) -> None:
    world = simulate(seed)
    examples, weights = training_rows(world)
    assert weights.max() > 50  # the random draws speak for the boxes left unscanned
    population = declarations(world.population)
    true_rate = float(world.population["p_true"].to_numpy().mean())
    weighted = train(examples, options=QUICK, weights=weights).predict(population)["score"]
    plain = train(examples, options=QUICK).predict(population)["score"]
    assert abs(weighted.mean() / true_rate - 1) < 0.3  # 0.78-1.11 of it on seeds 0-11
    assert plain.mean() > 2.5 * true_rate  # the scanned boxes were chosen as risky (3.5-4.2×)
    # and the weighted model still ranks by the HS code's risk, if noisily: about nine random
    # draws a code, the selected boxes telling little of the others (ρ 0.34-0.79, seeds 0-11)
    by_code = (
        world.population.with_columns(pl.Series("score", weighted))
        .group_by("hs6")
        .agg(pl.col("p_true").mean(), pl.col("score").mean())
    )
    assert by_code.select(pl.corr("p_true", "score", method="spearman")).item() > 0.2


def plan_row(
    box: str, day: date, lane: str, probability: float, site: str = "FRLEH"
) -> dict[str, object]:
    return {"site": site, "plan_date": day, "container_number": box, "lane": lane,
            "probability": probability}  # fmt: skip


def test_results_are_joined_to_the_plan_of_their_day() -> None:
    d1, d2 = FIRST_DAY, FIRST_DAY + timedelta(days=1)
    plans = pl.DataFrame([
        plan_row("RISK0000001", d1, "red", 1.0),
        plan_row("DRAW0000001", d1, "red", 0.02),
        plan_row("TINY0000001", d1, "red", 0.0001),
        plan_row("GREEN000001", d1, "green", 0.02),
        plan_row("NOREACH0001", d1, "green", 0.0),
        plan_row("TWOSITES001", d1, "green", 0.05, site="BEANR"),
        plan_row("TWOSITES001", d1, "red", 0.25, site="FRLEH"),
        plan_row("OTHERDAY001", d2, "red", 0.5),
    ])  # fmt: skip
    boxes = ["RISK0000001", "DRAW0000001", "TINY0000001", "GREEN000001", "NOREACH0001",
             "TWOSITES001", "OTHERDAY001", "NEVER000001"]  # fmt: skip
    results = pl.DataFrame({
        "container_number": boxes, "inspected_on": [d1] * len(boxes),
        "found": [True, False, True, False, True, False, True, False],
        "what": [None] * len(boxes),
    })  # fmt: skip
    found = inspected_examples(results, plans, max_weight=1000.0)
    assert found["container_number"].to_list() == boxes  # one example per result, in order
    rows = {r["container_number"]: r for r in found.iter_rows(named=True)}
    assert (rows["RISK0000001"]["status"], rows["RISK0000001"]["weight"]) == ("planned", 1.0)
    assert rows["DRAW0000001"]["weight"] == pytest.approx(50.0)
    assert rows["TINY0000001"]["weight"] == 1000.0  # clipped
    assert (rows["GREEN000001"]["status"], rows["GREEN000001"]["weight"]) == ("off_plan", 1.0)
    assert rows["NOREACH0001"]["status"] == "off_plan"
    assert (rows["TWOSITES001"]["site"], rows["TWOSITES001"]["weight"]) == ("FRLEH", 4.0)
    # a plan of another day says nothing of this inspection
    assert rows["OTHERDAY001"]["status"] == "unplanned"
    assert rows["OTHERDAY001"]["probability"] is None
    assert (rows["NEVER000001"]["status"], rows["NEVER000001"]["weight"]) == ("unplanned", 1.0)


def test_weights_are_clipped_at_the_setting() -> None:
    p = np.array([1.0, 0.5, 0.01, 0.001, 1e-6])
    assert ipw_weights(p, 1000.0).tolist() == [1.0, 2.0, 100.0, 1000.0, 1000.0]
    assert ipw_weights(p, 20.0).tolist() == [1.0, 2.0, 20.0, 20.0, 20.0]
    for bad in ([0.0], [1.5], [float("nan")]):
        with pytest.raises(ValueError, match="probabilities"):
            ipw_weights(np.array(bad), 1000.0)
    with pytest.raises(ValueError, match="at least 1"):
        ipw_weights(p, 0.5)


def test_target_statistics_count_each_row_with_its_weight() -> None:
    frame = pl.DataFrame({"importer": ["A", "A", "A", "B"]})
    fraud = np.array([1, 0, 0, 1])
    critical = np.zeros(4)
    table = fit_table(frame, ("importer",), fraud, critical, np.array([1.0, 10.0, 10.0, 2.0]))
    assert table.lookup("A") == (21.0, 1.0, 0.0)
    assert table.lookup("B") == (2.0, 2.0, 0.0)
    assert fit_table(frame, ("importer",), fraud, critical).lookup("A") == (3.0, 1.0, 0.0)
    assert table.to_json()["counts"]["A"] == [21, 1, 0]  # whole counts stay ints in the file


def test_out_of_fold_counts_are_on_the_scale_of_scoring() -> None:
    """Each row's counts leave its fold out and are scaled by K / (K − 1): with every value in
    every fold equally, a row sees the counts a declaration to score sees."""
    frame = pl.DataFrame({"importer": ["A"] * 6 + ["B"] * 6})
    fraud = np.array([1, 1, 1, 0, 0, 0] * 2)
    folds = np.array([0, 1, 2] * 4)
    n, k, _ = out_of_fold(frame, ("importer",), fraud, np.zeros(12), folds)
    assert n.tolist() == [6.0] * 12
    assert k[:3].tolist() == pytest.approx([3.0, 3.0, 3.0])


def test_weighted_calibration_keeps_the_weighted_rate() -> None:
    rng = np.random.default_rng(5)
    scores = rng.random(400)
    labels = (rng.random(400) < scores).astype(np.float64)
    weights = np.where(scores < 0.5, 20.0, 1.0)
    mapped = Isotonic.fit(scores, labels, weights)(scores)
    assert np.average(mapped, weights=weights) == pytest.approx(np.average(labels, weights=weights))
    assert np.average(mapped) != pytest.approx(np.average(labels))


def test_bad_weights_are_refused() -> None:
    world = simulate(0, days=2, boxes=100)
    examples, weights = training_rows(world)
    with pytest.raises(UsageError, match="weight"):
        train(examples, options=QUICK, weights=weights[:-1])
    with pytest.raises(UsageError, match="weight"):
        train(examples, options=QUICK, weights=np.zeros_like(weights))
