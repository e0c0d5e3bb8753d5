"""The customs risk model: gradient-boosted trees (LightGBM) on the features of `features`, a
calibration of their scores into probabilities, a head for severity, and the reasons of a score.

Training (`train`):

1. The target tables are counted on all the training rows; the training rows themselves get
   out-of-fold statistics (`TrainOptions.folds` folds), so that none sees its own label.
2. The fraud head is fitted on the training rows. With a validation split, the number of trees
   is chosen on it (early stopping on its log-loss): everything is selected on validation, never
   on the training rows. Without one, `TrainOptions.rounds` trees are grown.
3. The calibration (isotonic) is fitted on out-of-fold predictions of the training rows
   (K models, each on K − 1 folds), not on the validation split, which stays for selection.
4. The severity head predicts a critical fraud (`critical_fraud` = 2: public safety, drugs, a
   false origin), with the same features; the value at stake of a declaration is its fraud
   probability times its value.

The model is saved as one zip (`to_bytes`): JSON metadata and encoders and the LightGBM model
texts; nothing in it is code.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import polars as pl

from balise.errors import UsageError
from balise.targeting.declarations import Declarations
from balise.targeting.encoding import MISSING, assign_folds, key_values
from balise.targeting.features import PARTY_WORDS, Encoders, stat_feature, with_derived
from balise.targeting.metrics import (
    Array,
    Isotonic,
    auc,
    brier,
    precision_recall_at,
    revenue_at,
)
from balise.targeting.params import TrainOptions

if TYPE_CHECKING:  # lightgbm is imported when a model is trained or loaded: every command's start
    import lightgbm as lgb

FORMAT: Final = "balise-targeting-model"
VERSION: Final = 1
SHARES: Final = (0.01, 0.02, 0.05, 0.10)
"""The top shares reported (DATE, KDD 2020; the KCS dataset's paper reports 5 % and 10 %)."""


def _params(options: TrainOptions, leaves: int | None = None) -> dict[str, Any]:
    return {
        "objective": "binary",
        "learning_rate": options.learning_rate,
        "num_leaves": leaves or options.num_leaves,
        "min_data_in_leaf": options.min_data_in_leaf,
        "feature_fraction": options.feature_fraction,
        "bagging_fraction": options.bagging_fraction,
        "bagging_freq": 1,
        "lambda_l2": options.lambda_l2,
        "num_threads": options.threads,
        "seed": options.seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }


def _labels(declarations: Declarations) -> tuple[Array, Array]:
    frame = declarations.frame
    fraud = frame["fraud"].fill_null(0).to_numpy().astype(np.float64)
    critical = (frame["critical_fraud"].fill_null(0).to_numpy() == 2).astype(np.float64)
    return fraud, critical


def _values(frame: pl.DataFrame) -> Array:
    return frame["item_price"].fill_null(0.0).to_numpy().astype(np.float64)


@dataclass
class TargetingModel:
    encoders: Encoders
    fraud: lgb.Booster
    critical: lgb.Booster | None
    calibration: Isotonic
    meta: dict[str, Any] = field(default_factory=dict)

    def _matrix(self, declarations: Declarations) -> tuple[Array, list[tuple[Array, ...]]]:
        stats = self.encoders.stats(declarations.frame)
        return self.encoders.matrix(declarations.frame, stats), stats

    def predict(self, declarations: Declarations) -> dict[str, Array]:
        """Per declaration: `score` (calibrated probability of a fraud), `critical`
        (probability of a critical fraud), `at_stake` (score × value)."""
        matrix, _ = self._matrix(declarations)
        return self._predict(matrix, declarations.frame)

    def _predict(self, matrix: Array, frame: pl.DataFrame) -> dict[str, Array]:
        if matrix.shape[0] == 0:
            empty = np.empty(0)
            return {"score": empty, "critical": empty, "at_stake": empty}
        score = self.calibration(np.asarray(self.fraud.predict(matrix), dtype=np.float64))
        critical = (
            np.asarray(self.critical.predict(matrix), dtype=np.float64)
            if self.critical is not None
            else np.full(matrix.shape[0], math.nan)
        )
        return {"score": score, "critical": critical, "at_stake": score * _values(frame)}

    def score(self, declarations: Declarations, reasons: int = 3) -> pl.DataFrame:
        """One row per declaration: `declaration_id`, `score`, `critical`, `at_stake` and
        `reasons` (the `reasons` features that raised the score most, worded)."""
        matrix, stats = self._matrix(declarations)
        predicted = self._predict(matrix, declarations.frame)
        words: list[list[str]] = [[] for _ in range(matrix.shape[0])]
        if matrix.shape[0] and reasons > 0:
            contributions = np.asarray(self.fraud.predict(matrix, pred_contrib=True))
            words = explain(self.encoders, declarations.frame, stats, contributions, reasons)
        return pl.DataFrame(
            {
                "declaration_id": declarations.frame["declaration_id"],
                "score": predicted["score"],
                # null, not NaN, without a severity head (JSON has no NaN)
                "critical": pl.Series(predicted["critical"], dtype=pl.Float64).fill_nan(None),
                "at_stake": predicted["at_stake"],
                "reasons": words,
            },
            schema={
                "declaration_id": pl.String(),
                "score": pl.Float64(),
                "critical": pl.Float64(),
                "at_stake": pl.Float64(),
                "reasons": pl.List(pl.String()),
            },
        )

    def to_bytes(self) -> bytes:
        """The model as a zip: `meta.json`, `encoders.json`, `fraud.txt`, `critical.txt`."""
        buffer = io.BytesIO()
        meta = {
            **self.meta,
            "format": FORMAT,
            "version": VERSION,
            "calibration": {"x": list(self.calibration.x), "y": list(self.calibration.y)},
        }
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("meta.json", json.dumps(meta, indent=2, sort_keys=True))
            archive.writestr("encoders.json", json.dumps(self.encoders.to_json()))
            archive.writestr("fraud.txt", self.fraud.model_to_string())
            if self.critical is not None:
                archive.writestr("critical.txt", self.critical.model_to_string())
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TargetingModel:
        """A model saved by `to_bytes`; anything else is a `UsageError`."""
        import lightgbm as lgb
        from lightgbm.basic import LightGBMError

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                meta = json.loads(archive.read("meta.json"))
                if meta.get("format") != FORMAT:
                    raise UsageError("not a Balise targeting model")
                if meta.get("version") != VERSION:
                    raise UsageError(f"targeting model version {meta.get('version')} unsupported")
                encoders = Encoders.from_json(json.loads(archive.read("encoders.json")))
                fraud = lgb.Booster(model_str=archive.read("fraud.txt").decode())
                critical = (
                    lgb.Booster(model_str=archive.read("critical.txt").decode())
                    if "critical.txt" in names
                    else None
                )
        except (
            zipfile.BadZipFile,
            KeyError,
            ValueError,
            TypeError,
            LightGBMError,
        ) as err:
            raise UsageError(f"not a Balise targeting model ({err})") from err
        knots = meta.pop("calibration")
        calibration = Isotonic(tuple(knots["x"]), tuple(knots["y"]))
        return cls(encoders, fraud, critical, calibration, meta)


def evaluate(model: TargetingModel, declarations: Declarations) -> dict[str, Any]:
    """The figures of `model` on labelled `declarations`: precision and recall at the top
    shares, AUC, Brier score, revenue at the top shares (ranked by value at stake, the value of
    the frauds), and the severity head's precision and recall of critical frauds."""
    fraud, critical = _labels(declarations)
    predicted = model.predict(declarations)
    at_stake_true = fraud * _values(declarations.frame)
    figures: dict[str, Any] = {
        "rows": declarations.frame.height,
        "fraud_rate": float(fraud.mean()) if len(fraud) else math.nan,
        "auc": auc(fraud, predicted["score"]),
        "brier": brier(fraud, predicted["score"]),
        "at": {},
    }
    for share in SHARES:
        precision, recall = precision_recall_at(fraud, predicted["score"], share)
        row = {
            "precision": precision,
            "recall": recall,
            "revenue_by_score": revenue_at(at_stake_true, predicted["score"], share),
            "revenue_by_at_stake": revenue_at(at_stake_true, predicted["at_stake"], share),
        }
        if model.critical is not None and critical.sum() > 0:
            cp, cr = precision_recall_at(critical, predicted["critical"], share)
            row |= {"critical_precision": cp, "critical_recall": cr}
        figures["at"][f"{share * 100:g}%"] = row
    if model.critical is not None and critical.sum() > 0:
        figures["critical_auc"] = auc(critical, predicted["critical"])
        figures["critical_rate"] = float(critical.mean())
    return figures


def _fit(
    params: dict[str, Any],
    matrix: Array,
    labels: Array,
    encoders: Encoders,
    rounds: int,
    valid: tuple[Array, Array] | None = None,
    stop: int = 0,
    weight: Array | None = None,
) -> lgb.Booster:
    import lightgbm as lgb

    train_set = lgb.Dataset(
        matrix,
        labels,
        weight=weight,
        feature_name=encoders.names,
        categorical_feature=encoders.categorical(),
        free_raw_data=False,
    )
    if valid is None:
        return lgb.train(params, train_set, rounds)
    valid_set = lgb.Dataset(valid[0], valid[1], reference=train_set)
    booster = lgb.train(
        params | {"metric": "binary_logloss"},
        train_set,
        rounds,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(stop, verbose=False)],
    )
    booster.best_iteration = max(booster.best_iteration, 1)
    return booster


def train(
    declarations: Declarations,
    valid: Declarations | None = None,
    options: TrainOptions | None = None,
    meta: dict[str, Any] | None = None,
    weights: Array | None = None,
) -> TargetingModel:
    """Train the model on labelled `declarations`, selecting the number of trees on `valid`
    when given (see the module's docstring); `meta` (data hashes...) is kept in the model.

    `weights` (one positive number per declaration, 1 by default) are the inverse propensities
    of declarations whose label comes from a selective inspection: the target statistics, the
    trees, the calibration and the priors all count each row with its weight, so the model
    learns the population the selection was drawn from rather than the selection (module
    `balise.targeting.inspected`). The validation split, chosen at random, is not weighted."""
    options = options or TrainOptions()
    fraud, critical = _labels(declarations)
    frame = declarations.frame
    weights = _checked_weights(weights, frame.height)
    if frame.height < 2 * options.folds or len(set(fraud.tolist())) < 2:
        raise UsageError(
            f"too few declarations to train on ({frame.height}, "
            f"{int(fraud.sum())} frauds): both outcomes are needed, in every fold"
        )
    encoders = Encoders.fit(frame, fraud, critical, options.smoothing, weights=weights)
    folds_stats = encoders.out_of_fold_stats(
        frame, fraud, critical, options.folds, options.seed, weights
    )
    matrix = encoders.matrix(frame, folds_stats)
    params = _params(options)
    valid_matrix: Array | None = None
    valid_fraud = valid_critical = np.empty(0)
    if valid is not None and valid.frame.height:
        valid_fraud, valid_critical = _labels(valid)
        valid_matrix = encoders.matrix(valid.frame, encoders.stats(valid.frame))
    if valid_matrix is not None and len(set(valid_fraud.tolist())) == 2:
        chosen = _fit(
            params,
            matrix,
            fraud,
            encoders,
            options.max_rounds,
            (valid_matrix, valid_fraud),
            options.early_stopping,
            weights,
        )
        booster, rounds = chosen, chosen.best_iteration  # kept at its best iteration
    else:
        rounds = options.rounds
        booster = _fit(params, matrix, fraud, encoders, rounds, weight=weights)
    # calibration on out-of-fold predictions of the training rows
    fold = assign_folds(frame.height, options.folds, options.seed + 1)
    out_of_fold = np.empty(frame.height)
    for k in range(options.folds):
        held = fold == k
        part = _fit(params, matrix[~held], fraud[~held], encoders, rounds,
                    weight=None if weights is None else weights[~held])  # fmt: skip
        out_of_fold[held] = np.asarray(part.predict(matrix[held]), dtype=np.float64)
    calibration = Isotonic.fit(out_of_fold, fraud, weights)
    critical_booster: lgb.Booster | None = None
    critical_rounds = options.critical_rounds
    if critical.sum() >= 2:
        critical_params = _params(options, leaves=15)
        if valid_matrix is not None and 0 < valid_critical.sum() < len(valid_critical):
            critical_booster = _fit(
                critical_params,
                matrix,
                critical,
                encoders,
                options.max_rounds,
                (valid_matrix, valid_critical),
                options.early_stopping,
                weights,
            )
            critical_rounds = critical_booster.best_iteration
        else:
            critical_booster = _fit(
                critical_params, matrix, critical, encoders, critical_rounds, weight=weights
            )
    model = TargetingModel(encoders, booster, critical_booster, calibration)
    model.meta = {
        **(meta or {}),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_rows": frame.height,
        "training_fraud_rate": float(np.average(fraud, weights=weights)),
        "options": asdict(options),
        "rounds": {"fraud": rounds, "critical": critical_rounds if critical_booster else 0},
        "features": encoders.names,
    }
    if weights is not None:
        model.meta["training_weights"] = {
            "min": float(weights.min()),
            "max": float(weights.max()),
            "sum": float(weights.sum()),
        }
    if valid is not None and valid.frame.height and valid.has_labels:
        model.meta["validation"] = evaluate(model, valid)
    return model


def _checked_weights(weights: Array | None, rows: int) -> Array | None:
    """`weights` as float64, or a `UsageError` unless one finite positive weight per row."""
    if weights is None:
        return None
    found = np.asarray(weights, dtype=np.float64)
    if found.shape != (rows,) or not np.all(np.isfinite(found)) or np.any(found <= 0):
        raise UsageError(f"training weights: one finite positive weight per declaration ({rows})")
    return found


# --- reasons ---------------------------------------------------------------------------------

VALUE_FEATURES: Final = ("log_value", "log_value_per_kg", "value_per_kg_vs_hs")


def _groups(encoders: Encoders) -> list[str]:
    """The reason group of each feature: a target key, a code, or a number."""
    groups: list[str] = []
    stat_names: dict[str, str] = {}
    for table in encoders.tables:
        for what in ("rate", "n", "critical"):
            stat_names[stat_feature(table.key, what)] = "key:" + "*".join(table.key)
    for name in encoders.names:
        if name in stat_names:
            groups.append(stat_names[name])
        elif name.startswith("code_"):
            column = name.removeprefix("code_")
            # a code that is also a target key (office, origin...) is one reason with its counts
            keyed = "key:" + column
            groups.append(keyed if keyed in stat_names.values() else "code:" + column)
        elif name in VALUE_FEATURES:
            groups.append("value")
        elif name == "no_seller":
            groups.append("key:seller")
        else:
            groups.append(name)
    return groups


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f} %"


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


WEEKDAYS: Final = ("", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def explain(
    encoders: Encoders,
    frame: pl.DataFrame,
    stats: list[tuple[Array, ...]],
    contributions: Array,
    count: int,
) -> list[list[str]]:
    """For each row, the `count` feature groups whose tree contributions (`pred_contrib`)
    raised its score most, in words."""
    groups = _groups(encoders)
    names = sorted(set(groups))
    index = {g: i for i, g in enumerate(names)}
    member = np.array([index[g] for g in groups])
    summed = np.zeros((contributions.shape[0], len(names)))
    for j in range(len(groups)):
        summed[:, member[j]] += contributions[:, j]
    derived = with_derived(frame)
    tables = {"key:" + "*".join(t.key): (t, s) for t, s in zip(encoders.tables, stats, strict=True)}
    values_cache: dict[str, list[str]] = {}
    out: list[list[str]] = []
    rows = derived.to_dicts()
    for r in range(contributions.shape[0]):
        order = np.argsort(-summed[r], kind="stable")
        words: list[str] = []
        for g in order[:count]:
            if summed[r, g] <= 0:
                break
            group = names[g]
            words.append(_words(group, rows[r], tables, values_cache, derived, r, encoders))
        out.append(words)
    return out


def _key_label(key: tuple[str, ...], value: str) -> str:
    parts = value.split("\x1f")
    return " with ".join(
        f"{PARTY_WORDS.get(k, k)} {'none' if v == MISSING else v}"
        for k, v in zip(key, parts, strict=True)
    )


def _words(
    group: str,
    row: dict[str, Any],
    tables: dict[str, Any],
    cache: dict[str, list[str]],
    frame: pl.DataFrame,
    r: int,
    encoders: Encoders,
) -> str:
    if group in tables:
        table, (n, k, _c) = tables[group]
        if group not in cache:
            cache[group] = key_values(frame, table.key).to_list()
        label = _key_label(table.key, cache[group][r])
        # weighted counts (a model retrained on inspection results) are estimates: rounded
        seen, frauds = round(float(n[r])), round(float(k[r]))
        if seen == 0:
            return f"{label}: never seen in the training declarations"
        return (
            f"{label}: {_percent(float(k[r]) / float(n[r]))} of past declarations were frauds "
            f"({frauds} of {seen})"
        )
    if group.startswith("code:"):
        column = group.removeprefix("code:")
        return f"{PARTY_WORDS.get(column, column)} {row.get(column) or 'none'}"
    if group == "value":
        value, mass = row.get("item_price"), row.get("net_mass_kg")
        text = f"declared value {_number(value)}" if value is not None else "no declared value"
        if value is not None and mass:
            per_kg = value / mass
            text += f", {_number(per_kg)} per kg"
            usual = encoders.usual_price_per_kg.get(row.get("hs6") or "")
            if usual is not None:
                ratio = (value + 1) / mass / math.exp(usual)
                text += f" ({ratio:.2g}× the usual for HS {row.get('hs6')})"
        return text
    if group == "log_mass":
        mass = row.get("net_mass_kg")
        return f"net mass {_number(mass)} kg" if mass is not None else "no net mass"
    if group == "tax_rate":
        rate = row.get("tax_rate")
        return f"tax rate {rate:g} %" if rate is not None else "no tax rate"
    if group == "weekday":
        day = row.get("date")
        return f"declared on a {WEEKDAYS[day.isoweekday()]}" if day is not None else "no date"
    return group
