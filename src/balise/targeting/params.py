"""The risk model's training options as settings (`targeting.<field>`).

Like the detectors' thresholds (`balise.model.parameters`), each field of `TrainOptions` is a
setting `targeting.<field>` with the docstring under it, which names its source; `balise cargo
train` resolves them (flag > `BALISE_TARGETING_*` > `balise.toml` > default). The defaults of
the trees and the target statistics were chosen on the KCS validation split
(bench/results/targeting_kcs.md); `max_weight` bounds the inverse-propensity weights of
training examples that come from inspection results (`balise.targeting.inspected`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from balise.errors import SettingError
from balise.model.parameters import params_from, settings_of

PREFIX: Final = "targeting"


@dataclass(frozen=True)
class TrainOptions:
    """How the model is trained (`targeting.<field>`)."""

    folds: int = 5
    """Folds of the out-of-fold target statistics and of the calibration's predictions (a
    row's statistics come from the other folds: Micci-Barreca 2001 computes them leave-one-out,
    K folds leak less); 5 kept on the KCS validation split (bench/results/targeting_kcs.md)."""
    smoothing: float = 3.0
    """Weight m of the prior in a smoothed fraud rate (k + m·p) / (n + m) (Micci-Barreca 2001,
    SIGKDD Explorations 3(1)); 3 chosen on the KCS validation split
    (bench/results/targeting_kcs.md)."""
    learning_rate: float = 0.05
    """Shrinkage of each tree (LightGBM `learning_rate`); 0.05 chosen on the KCS validation
    split with early stopping (bench/results/targeting_kcs.md)."""
    num_leaves: int = 31
    """Leaves per tree of the fraud head: LightGBM's default (31), kept on the KCS validation
    split (bench/results/targeting_kcs.md); the severity head uses 15."""
    min_data_in_leaf: int = 40
    """Fewest declarations in a leaf (LightGBM `min_data_in_leaf`, default 20); 40 chosen on
    the KCS validation split (bench/results/targeting_kcs.md)."""
    feature_fraction: float = 0.7
    """Share of the features each tree sees (LightGBM `feature_fraction`); 0.7 chosen on the
    KCS validation split (bench/results/targeting_kcs.md)."""
    bagging_fraction: float = 0.8
    """Share of the declarations each tree sees (LightGBM `bagging_fraction`, re-drawn every
    tree); 0.8 chosen on the KCS validation split (bench/results/targeting_kcs.md)."""
    lambda_l2: float = 1.0
    """L2 penalty on the leaves' values (LightGBM `lambda_l2`); 1 chosen on the KCS validation
    split (bench/results/targeting_kcs.md)."""
    max_rounds: int = 5000
    """Most trees with a validation split (early stopping picks fewer): Balise, far above the
    1,546-1,673 the KCS validation chose (bench/results/targeting_kcs.md)."""
    early_stopping: int = 200
    """Trees without improvement of the validation log-loss before stopping (LightGBM
    `early_stopping`); 200 at learning rate 0.05 (Balise, bench/results/targeting_kcs.md)."""
    rounds: int = 1000
    """Trees of the fraud head without a validation split: the KCS validation chose 956, then
    1,546 once the out-of-fold counts were put on the scale of scoring, for a gain in AUC of
    0.002 (bench/results/targeting_kcs.md)."""
    critical_rounds: int = 250
    """Trees of the severity head without a validation split: the KCS validation chose 247,
    then 230 (bench/results/targeting_kcs.md)."""
    seed: int = 1
    """Seed of the folds and of the trees' bagging: the same data and seed train the same model
    (Balise; seeds 1-3 compared in bench/results/targeting_kcs.md)."""
    threads: int = 2
    """CPU threads LightGBM uses (Balise: the 2-core machine of the benchmarks)."""
    max_weight: float = 1000.0
    """Largest inverse-propensity weight 1/π of a training example from an inspection result
    (`balise cargo train --results`); a smaller π is counted as 1/max_weight. A box drawn at
    random when 2 % of the boxes are scanned (the European rate: Europol, Criminal networks in
    EU ports, 2023) and 10 % of the scans are drawn (`inspection.exploration_share`) has
    π ≈ 0.002, weight ≈ 500: the clip at twice that binds only on days with fewer draws than
    the design, where one box would otherwise speak for thousands. Clipping trades a small
    bias toward the boxes selected by risk for variance (Ionides 2008, truncated importance
    sampling, Journal of Computational and Graphical Statistics 17(2))."""

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be at least {low:g}"
            for name, low in _LOWEST.items()
            if getattr(self, name) < low
        ]
        for name in ("feature_fraction", "bagging_fraction"):
            if not 0 < getattr(self, name) <= 1:
                problems.append(f"{name} must be in (0, 1]")
        if not self.learning_rate > 0:
            problems.append("learning_rate must be positive")
        if problems:
            raise ValueError("; ".join(problems))


_LOWEST: Final[dict[str, float]] = {
    "folds": 2, "num_leaves": 2, "min_data_in_leaf": 1, "max_rounds": 1, "early_stopping": 1,
    "rounds": 1, "critical_rounds": 1, "threads": 1, "max_weight": 1.0,
}  # fmt: skip


def targeting_settings() -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per field."""
    return settings_of(PREFIX, TrainOptions, f"{TrainOptions.__module__}.TrainOptions")


def train_options(values: Mapping[str, Any], **overrides: Any) -> TrainOptions:
    """The training options in force: the `targeting.<field>` entries of resolved settings,
    then `overrides` (a command's flags, None for unset); values out of range are a
    `SettingError` naming them."""
    try:
        options = params_from(values, PREFIX, TrainOptions)
        given = {k: v for k, v in overrides.items() if v is not None}
        known = {f.name for f in fields(TrainOptions)}
        return TrainOptions(**{f: getattr(options, f) for f in known} | given)
    except ValueError as err:
        raise SettingError(f"targeting settings: {err}") from err
