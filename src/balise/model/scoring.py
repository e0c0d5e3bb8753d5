"""What every detector and scorer shares to write evidence people read and to add reasons into
one risk score: numbers rounded and times as ISO 8601 text in evidence, and the noisy-OR
combination of reasons (a vessel's risk in `balise.maritime.risk`, a container's in
`balise.cargo.risk`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

import polars as pl

CARRIED_SCHEMA: Final[dict[str, pl.DataType]] = {
    "mmsi": pl.Int64(),
    "weight": pl.Float64(),
    "contribution": pl.Float64(),
    "containers": pl.List(pl.String()),
    "text": pl.String(),
    "reasons": pl.String(),
}
"""What the containers a vessel carried add to its risk, one row per vessel: the contribution
(0–1) and the most it can be (`weight`, the vessel share), the containers (highest score
first), one line saying which boxes and which events, and the boxes as a JSON list of
{container_number, score, events: [{kind, event_id, events}]} (at most 25). The cargo domain
computes it (`balise.cargo.risk`), the maritime risk takes it in (`balise.maritime.risk`):
neither depends on the other."""
MAX_CONTRIBUTION: Final = 0.999
"""Contributions are kept below 1 so that every reason keeps a finite share of the score."""


def rounded(value: float | None, digits: int = 3) -> float | None:
    """`value` rounded for evidence (null and NaN stay null): evidence is read by people."""
    if value is None or math.isnan(value):
        return None
    return round(value, digits)


def iso(value: datetime | None) -> str | None:
    """ISO-8601 text of a time for evidence."""
    return None if value is None else value.isoformat()


def combine(reasons: Iterable[dict[str, Any]]) -> tuple[float, list[dict[str, Any]]]:
    """The noisy-OR score (0-100) of `reasons` (dicts with `contribution` 0-1, `weight`, `kind`
    and optionally `event_id`) and copies of the reasons with their `points` (the score shared
    in proportion to each reason's -log(1 - contribution)), largest contribution first. Reasons
    contributing nothing are dropped; no reason scores 0."""
    kept = [dict(r) for r in reasons if r["contribution"] > 0]
    for r in kept:
        r["contribution"] = min(float(r["contribution"]), MAX_CONTRIBUTION)
    lambdas = [-math.log1p(-r["contribution"]) for r in kept]
    total = sum(lambdas)
    score = 100.0 * -math.expm1(-total) if kept else 0.0
    for r, lam in zip(kept, lambdas, strict=True):
        r["points"] = round(score * lam / total, 2)
        r["contribution"] = round(r["contribution"], 4)
        r["weight"] = round(float(r["weight"]), 4)
    kept.sort(key=lambda r: (-r["contribution"], r["kind"], r.get("event_id") or ""))
    return round(score, 2), kept
