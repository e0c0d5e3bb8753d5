"""Training examples from inspection results, weighted so the model learns the population and
not the selection.

A recorded result (box, day, found) is a label, but only for a box the plan chose to scan: most
were chosen because they looked risky, so a model fitted on them as they are learns the plan's
selection (the selective-labels problem, Lakkaraju et al., KDD 2017; see
`balise.inspection.estimate`). Each plan logs every candidate's selection probability π
(`balise.inspection.planner`: 1 for boxes selected by risk or held, n_k / N_k for the random
exploration draw). Weighting each example by 1/π (inverse propensity) makes the weighted
examples stand for every candidate box: a box drawn with π = 1/50 speaks for the 50 boxes of
its group left unscanned, a box selected by risk for itself only.

The join: a result is matched to the stored plan of its day (`inspected_on` = `plan_date`) by
container number. Its status:

- `planned`: red on that plan with π > 0 — weight min(1/π, `max_weight`);
- `off_plan`: on that day's plan but not selected (yellow or green lane, or π = 0), so scanned
  for a reason the plan did not log — weight 1;
- `unplanned`: on no plan of that day (planned elsewhere, or never) — weight 1.

The last two carry no known propensity: weight 1 treats them as if they were the whole of their
kind, which is the selection's bias back for them, so they are counted and reported. A box on
the plans of several sites the same day takes the red row with the highest π.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import polars as pl

STATUSES: Final = ("planned", "off_plan", "unplanned")
"""How a result was matched to its day's plan (module docstring)."""

EXAMPLE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "container_number": pl.String(),
    "inspected_on": pl.Date(),
    "found": pl.Boolean(),
    "site": pl.String(),
    "lane": pl.String(),
    "probability": pl.Float64(),
    "status": pl.String(),
    "weight": pl.Float64(),
}


def ipw_weights(probability: np.ndarray[Any, Any], max_weight: float) -> np.ndarray[Any, Any]:
    """1/π of each selection probability, clipped at `max_weight` (π ≤ 1/max_weight weighs
    `max_weight`); a probability that is not in (0, 1] is refused (ValueError)."""
    p = np.asarray(probability, dtype=np.float64)
    if np.any(~np.isfinite(p)) or np.any(p <= 0) or np.any(p > 1):
        raise ValueError("selection probabilities must be in (0, 1]")
    if max_weight < 1:
        raise ValueError("the largest weight must be at least 1")
    return np.minimum(1.0 / p, max_weight)


def _plan_rows(plans: pl.DataFrame) -> pl.DataFrame:
    """One plan row per (box, day): the red row of highest probability first."""
    return (
        plans.select(
            "container_number", pl.col("plan_date").alias("inspected_on"), "site", "lane",
            "probability",
        )
        .sort(
            [(pl.col("lane") == "red"), "probability", "site"],
            descending=[True, True, False], nulls_last=True,
        )
        .unique(["container_number", "inspected_on"], keep="first", maintain_order=True)
    )  # fmt: skip


def inspected_examples(
    results: pl.DataFrame, plans: pl.DataFrame, max_weight: float
) -> pl.DataFrame:
    """One row per result (`EXAMPLE_SCHEMA`, in the results' order): the box, its day and
    outcome, the plan row it matched (site, lane, probability; null when unplanned), its
    status and its weight (module docstring). `results` has the columns of the store's
    `inspection_results`, `plans` those of `inspection_plans`."""
    joined = results.select("container_number", "inspected_on", "found").join(
        _plan_rows(plans), on=["container_number", "inspected_on"], how="left",
        maintain_order="left",
    )  # fmt: skip
    selected = (pl.col("lane") == "red") & (pl.col("probability") > 0)
    joined = joined.with_columns(
        pl.when(pl.col("lane").is_null())
        .then(pl.lit("unplanned"))
        .when(selected)
        .then(pl.lit("planned"))
        .otherwise(pl.lit("off_plan"))
        .alias("status")
    )
    planned = (joined["status"] == "planned").to_numpy()
    weight = np.ones(joined.height)
    if planned.any():
        p = joined["probability"].to_numpy()[planned].astype(np.float64)
        weight[planned] = ipw_weights(np.minimum(p, 1.0), max_weight)
    return joined.with_columns(pl.Series("weight", weight)).select(list(EXAMPLE_SCHEMA))
