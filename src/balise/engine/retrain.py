"""Retraining the customs risk model on a workspace's inspection results.

The examples (`result_examples`): every recorded result (`balise cargo result`), matched to the
stored plan of its day for its logged selection probability and weighted by its inverse
(`balise.targeting.inspected`), with a declaration built from the box's manifest as the plan
builds it (`balise.engine.inspection_risk.manifest_declarations`, the inspection's day as its
date); the label is `found`. A box no manifest covers has no declaration to learn from: it is
left out and counted. The results say nothing of a critical fraud (`what` is free text), so their
`critical_fraud` is unknown and the severity head learns from the labelled base declarations
only, when some are given.

`train_on_results` adds labelled base declarations (`--declarations`, weight 1) and trains with
the weights (`balise.targeting.model.train`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from balise.engine.inspection_candidates import box_manifests
from balise.engine.inspection_risk import manifest_declarations
from balise.engine.targeting import DeclarationFile
from balise.errors import UsageError
from balise.model.arrays import FloatArray
from balise.store.base import Store
from balise.targeting.declarations import Declarations
from balise.targeting.inspected import STATUSES, inspected_examples
from balise.targeting.model import TargetingModel, train
from balise.targeting.params import TrainOptions

MANIFEST_COLUMNS = ("shipper", "consignee", "notify_party", "declarant", "hs_code",
                    "place_of_receipt", "port_of_loading", "gross_weight_kg",
                    "declared_value")  # fmt: skip
"""The manifest fields `manifest_declarations` reads."""


@dataclass(frozen=True)
class ResultExamples:
    """The examples of the recorded results: `examples` one row per result
    (`balise.targeting.inspected.EXAMPLE_SCHEMA` and `has_manifest`), `declarations` and
    `weights` those with a manifest, in the same order."""

    examples: pl.DataFrame
    declarations: Declarations
    weights: FloatArray

    def counts(self) -> dict[str, Any]:
        """How many results, by status, without a manifest, used; the weights' range and how
        many reached the clip."""
        used = self.examples.filter(pl.col("has_manifest"))
        by_status = {s: int((used["status"] == s).sum()) for s in STATUSES}
        return {
            "results": self.examples.height,
            "used": used.height,
            "found": int(used["found"].sum()),
            "no_manifest": self.examples.height - used.height,
            **by_status,
            "weight_min": float(self.weights.min()) if self.weights.size else None,
            "weight_max": float(self.weights.max()) if self.weights.size else None,
            "weight_sum": float(self.weights.sum()),
        }


def result_examples(store: Store, max_weight: float) -> ResultExamples:
    """The training examples of every result stored (module docstring); a workspace without
    results is a `UsageError`."""
    results = store.inspection_results()
    if results.is_empty():
        raise UsageError("no inspection results to learn from (`balise cargo result`)")
    examples = inspected_examples(results, store.inspection_plans(), max_weight)
    manifests = box_manifests(store, examples["container_number"].unique().to_list())
    joined = examples.join(
        manifests.select("container_number", *MANIFEST_COLUMNS), on="container_number",
        how="left", maintain_order="left",
    )  # fmt: skip
    covered = pl.col("shipper").is_not_null() | pl.col("consignee").is_not_null()
    joined = joined.with_columns(covered.alias("has_manifest"))
    used = joined.filter(pl.col("has_manifest"))
    built = manifest_declarations(used, date.min)  # each row's date is its inspection day
    ids = [f"{box} {day}" for box, day in used.select("container_number", "inspected_on").rows()]
    frame = built.frame.with_columns(
        pl.Series("declaration_id", ids, dtype=pl.String()),
        used["inspected_on"].alias("date"),
        used["found"].cast(pl.Int8).alias("fraud"),
    )
    declarations = Declarations(frame=frame, present=built.present | {"fraud"})
    weights = used["weight"].to_numpy().astype(np.float64)
    return ResultExamples(joined.select(*examples.columns, "has_manifest"), declarations, weights)


def train_on_results(
    store: Store,
    options: TrainOptions,
    base: DeclarationFile | None = None,
    valid: DeclarationFile | None = None,
) -> tuple[TargetingModel, ResultExamples]:
    """A model trained on the workspace's results (weighted, `result_examples`) and the
    labelled declarations of `base` (weight 1), selected on `valid`; the examples' counts and
    the files' names and hashes are kept in its metadata."""
    found = result_examples(store, options.max_weight)
    frames, weights = [found.declarations.frame], [found.weights]
    present = found.declarations.present
    meta: dict[str, Any] = {"training_data": {"inspection_results": found.counts()}}
    if base is not None:
        frames.append(base.declarations.frame)
        weights.append(np.ones(base.declarations.frame.height))
        present = present | base.declarations.present
        meta["training_data"]["declarations"] = base.describe()
    if valid is not None:
        meta["validation_data"] = valid.describe()
    declarations = Declarations(frame=pl.concat(frames), present=present)
    model = train(
        declarations,
        valid.declarations if valid else None,
        options,
        meta,
        weights=np.concatenate(weights),
    )
    return model, found
