"""The feature matrix of declarations: target statistics of parties, goods and routes, codes of
the declaration, and numbers (value, mass, value per kg against the HS code's usual, tax rate).

`Encoders.fit` learns from the training rows everything the features need (target tables,
code vocabularies, the usual value per kg of each HS code); `Encoders.matrix` builds the matrix
of training rows (out-of-fold statistics, given) or of rows to score (statistics of all the
training rows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import polars as pl

from balise.targeting.encoding import (
    TargetTable,
    assign_folds,
    fit_table,
    out_of_fold,
    smoothed_rate,
)

TARGET_KEYS: Final[tuple[tuple[str, ...], ...]] = (
    ("importer",),
    ("declarant",),
    ("seller",),
    ("courier",),
    ("hs6",),
    ("hs4",),
    ("hs2",),
    ("origin_country",),
    ("departure_country",),
    ("office",),
    ("importer", "hs6"),
    ("declarant", "importer"),
    ("seller", "importer"),
    ("hs6", "origin_country"),
    ("hs6", "departure_country"),
    ("hs6", "tax_type"),
    ("hs6", "origin_country", "origin_indicator"),
    ("hs4", "origin_country"),
    ("importer", "origin_country"),
    ("declarant", "hs6"),
    ("office", "hs4"),
)
"""Keys whose fraud rate and count are features: the parties, the goods at three levels of the
HS nomenclature, the route, the office, and crosses (an HS code with an origin, a departure
country or a tax type; an importer with an HS code...), DATE's cross features done as target
statistics. The crosses were chosen on the KCS validation split (bench/results/targeting_kcs.md)."""

CODES: Final = (
    "office",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "tax_type",
    "origin_indicator",
    "departure_country",
    "origin_country",
    "hs2",
)
"""Low-cardinality codes given to the trees as categories."""

PARTY_WORDS: Final[dict[str, str]] = {
    "importer": "importer",
    "declarant": "declarant",
    "seller": "seller",
    "courier": "courier",
    "hs6": "HS",
    "hs4": "HS heading",
    "hs2": "HS chapter",
    "origin_country": "origin",
    "departure_country": "departure country",
    "office": "office",
    "process_type": "process type",
    "import_type": "import type",
    "import_use": "import use",
    "payment_type": "payment type",
    "transport_mode": "mode of transport",
    "tax_type": "tax type",
    "origin_indicator": "origin indicator",
}
"""How an analyst calls each column."""


def with_derived(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the HS heading (`hs4`) and chapter (`hs2`) cut from `hs6`."""
    return frame.with_columns(
        pl.col("hs6").str.slice(0, 4).alias("hs4"), pl.col("hs6").str.slice(0, 2).alias("hs2")
    )


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def stat_feature(key: Sequence[str], what: str) -> str:
    return f"te_{_safe('_x_'.join(key))}_{what}"


@dataclass
class Encoders:
    """What the features need from the training rows."""

    tables: list[TargetTable]
    vocabularies: dict[str, list[str]]
    usual_price_per_kg: dict[str, float]
    """HS6 -> median log value per kg of the training rows (no label involved)."""
    prior: float
    critical_prior: float
    smoothing: float
    names: list[str] = field(default_factory=list)

    @classmethod
    def fit(
        cls,
        frame: pl.DataFrame,
        fraud: np.ndarray[Any, Any],
        critical: np.ndarray[Any, Any],
        smoothing: float,
        keys: Sequence[tuple[str, ...]] = TARGET_KEYS,
        weights: np.ndarray[Any, Any] | None = None,
    ) -> Encoders:
        """The encoders of training rows `frame` with their labels; `weights` (inverse
        propensities, 1 by default) weigh every target statistic and the priors (the usual
        value per kg, which involves no label, is the rows' plain median)."""
        frame = with_derived(frame)
        tables = [fit_table(frame, key, fraud, critical, weights) for key in keys]
        vocabularies = {
            c: sorted(v for v in frame[c].unique().to_list() if v is not None) for c in CODES
        }
        per_kg = frame.select(
            "hs6", _log_per_kg(pl.col("item_price"), pl.col("net_mass_kg")).alias("lpk")
        ).drop_nulls()
        usual = {
            str(h): float(m)
            for h, m in per_kg.group_by("hs6").agg(pl.col("lpk").median()).iter_rows()
            if m is not None
        }
        encoders = cls(
            tables,
            vocabularies,
            usual,
            _mean(fraud, weights),
            _mean(critical, weights),
            smoothing,
        )
        encoders.names = encoders._names()
        return encoders

    def _names(self) -> list[str]:
        names: list[str] = []
        for table in self.tables:
            names += [stat_feature(table.key, "rate"), stat_feature(table.key, "n")]
            if len(table.key) == 1:
                names.append(stat_feature(table.key, "critical"))
        names += [f"code_{c}" for c in CODES]
        names += ["log_value", "log_mass", "log_value_per_kg", "value_per_kg_vs_hs", "tax_rate"]
        names += ["weekday", "no_seller"]
        return names

    def categorical(self) -> list[str]:
        return [f"code_{c}" for c in CODES]

    def out_of_fold_stats(
        self,
        frame: pl.DataFrame,
        fraud: np.ndarray[Any, Any],
        critical: np.ndarray[Any, Any],
        folds: int,
        seed: int,
        weights: np.ndarray[Any, Any] | None = None,
    ) -> list[tuple[np.ndarray[Any, Any], ...]]:
        """Each table's (n, k, c) for the training rows themselves, out of fold (weighted as
        in `fit`)."""
        frame = with_derived(frame)
        fold = assign_folds(frame.height, folds, seed)
        return [out_of_fold(frame, t.key, fraud, critical, fold, weights) for t in self.tables]

    def stats(self, frame: pl.DataFrame) -> list[tuple[np.ndarray[Any, Any], ...]]:
        """Each table's (n, k, c) for rows to score, from all the training rows."""
        frame = with_derived(frame)
        return [t.encode(frame) for t in self.tables]

    def matrix(
        self, frame: pl.DataFrame, stats: list[tuple[np.ndarray[Any, Any], ...]]
    ) -> np.ndarray[Any, Any]:
        """The feature matrix (rows × `names`), float64, NaN for missing."""
        frame = with_derived(frame)
        columns: list[np.ndarray[Any, Any]] = []
        for table, (n, k, c) in zip(self.tables, stats, strict=True):
            columns.append(smoothed_rate(n, k, self.prior, self.smoothing))
            columns.append(n)
            if len(table.key) == 1:
                columns.append(smoothed_rate(n, c, self.critical_prior, self.smoothing))
        for code in CODES:
            index = {v: float(i) for i, v in enumerate(self.vocabularies[code])}
            values = frame[code].to_list()
            columns.append(np.array([index.get(v, math.nan) if v else math.nan for v in values]))
        numbers = frame.select(
            (pl.col("item_price") + 1).log().alias("lv"),
            (pl.col("net_mass_kg") + 1).log().alias("lm"),
            _log_per_kg(pl.col("item_price"), pl.col("net_mass_kg")).alias("lpk"),
            pl.col("hs6"),
            pl.col("tax_rate"),
            pl.col("date").dt.weekday().cast(pl.Float64).alias("wd"),
            pl.col("seller").is_null().cast(pl.Float64).alias("ns"),
        )
        usual = np.array(
            [self.usual_price_per_kg.get(h, math.nan) if h else math.nan for h in numbers["hs6"]]
        )
        lpk = numbers["lpk"].to_numpy().astype(np.float64)
        columns += [
            numbers["lv"].to_numpy().astype(np.float64),
            numbers["lm"].to_numpy().astype(np.float64),
            lpk,
            lpk - usual,
            numbers["tax_rate"].to_numpy().astype(np.float64),
            numbers["wd"].to_numpy().astype(np.float64),
            numbers["ns"].to_numpy().astype(np.float64),
        ]
        return np.column_stack(columns) if columns else np.empty((frame.height, 0))

    def to_json(self) -> dict[str, Any]:
        return {
            "tables": [t.to_json() for t in self.tables],
            "vocabularies": self.vocabularies,
            "usual_price_per_kg": self.usual_price_per_kg,
            "prior": self.prior,
            "critical_prior": self.critical_prior,
            "smoothing": self.smoothing,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Encoders:
        encoders = cls(
            [TargetTable.from_json(t) for t in data["tables"]],
            {str(k): [str(x) for x in v] for k, v in data["vocabularies"].items()},
            {str(k): float(v) for k, v in data["usual_price_per_kg"].items()},
            float(data["prior"]),
            float(data["critical_prior"]),
            float(data["smoothing"]),
        )
        encoders.names = encoders._names()
        return encoders


def _mean(labels: np.ndarray[Any, Any], weights: np.ndarray[Any, Any] | None) -> float:
    """The (weighted) share of positive labels; 0 without rows."""
    if not len(labels):
        return 0.0
    return float(np.average(labels, weights=weights))


def _log_per_kg(value: pl.Expr, mass: pl.Expr) -> pl.Expr:
    return pl.when(mass > 0).then((value + 1).log() - mass.log()).otherwise(None)
