"""Risk per voyage: the same transparent score as per vessel (`maritime/risk.py`), over one leg
between two port calls instead of the vessel's recent past.

A voyage of a vessel runs from the end of one `port_visit` (departure) to the start of the next
(arrival); the stretch before its first visit in the data and the one after its last (still at
sea, arrival unknown) are voyages too, open at one end. A voyage's events are those of the vessel
that overlap it, the departure and arrival visits included (a call at a high-risk port weighs on
the voyage it starts or ends). Within a voyage nothing decays: the voyage is judged as a whole, as
a customs targeting officer judges a consignment's voyage when the ship arrives.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Final

import polars as pl

from balise.maritime.risk import (
    RiskParams,
    band_of,
    event_reasons,
    intensities,
    per_type_contributions,
)
from balise.model.schema import UTC_TIME
from balise.model.scoring import combine

NO_DECAY_DAYS: Final = 1e9
"""A half-life so long that nothing decays within a voyage."""

VOYAGE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "mmsi": pl.Int32(),
    "departure": UTC_TIME,
    "arrival": UTC_TIME,
    "from_locode": pl.String(),
    "to_locode": pl.String(),
    "score": pl.Float64(),
    "band": pl.String(),
    "reasons": pl.String(),
}
"""One row per voyage: departure (null: before the data) and arrival (null: still at sea), the
ports' UN/LOCODEs when known, the score 0–100, its band and reasons (JSON, as per vessel)."""


def voyages(events: pl.DataFrame) -> pl.DataFrame:
    """The voyages of every vessel with port visits in `events`: `mmsi`, `voyage` (a number),
    `departure`, `arrival`, `from_locode`, `to_locode`."""
    visits = (
        events.filter((pl.col("type") == "port_visit") & (pl.col("status") != "retracted"))
        .select(
            "mmsi",
            "start",
            "end",
            pl.col("evidence").str.json_path_match("$.locode").alias("locode"),
        )
        .sort("mmsi", "start")
    )
    legs = visits.with_columns(
        pl.col("end").shift(1).over("mmsi").alias("departure"),
        pl.col("locode").shift(1).over("mmsi").alias("from_locode"),
    ).select(
        "mmsi", "departure", pl.col("start").alias("arrival"), "from_locode",
        pl.col("locode").alias("to_locode"),
    )  # fmt: skip
    at_sea = visits.group_by("mmsi").agg(
        pl.col("end").last().alias("departure"),
        pl.lit(None, UTC_TIME).alias("arrival"),
        pl.col("locode").last().alias("from_locode"),
        pl.lit(None, pl.String).alias("to_locode"),
    )
    return (
        pl.concat([legs, at_sea.select(legs.columns)])
        .sort("mmsi", "departure", nulls_last=False)
        .with_row_index("voyage")
    )


def score_voyages(
    events: pl.DataFrame,
    *,
    now: datetime,
    high_risk_ports: frozenset[str] = frozenset(),
    params: RiskParams | None = None,
) -> pl.DataFrame:
    """The risk of every voyage (`VOYAGE_SCHEMA`) from the events of `events` that overlap it,
    with the weights of `params` and no decay within the voyage."""
    params = replace(
        params or RiskParams(),
        half_life_days=NO_DECAY_DAYS,
        port_half_life_days=NO_DECAY_DAYS,
        port_lookback_days=NO_DECAY_DAYS,
    )
    legs = voyages(events)
    if legs.is_empty():
        return pl.DataFrame(schema=VOYAGE_SCHEMA)
    live = events.filter(pl.col("status") != "retracted")
    inside = live.join(legs.select("mmsi", "voyage", "departure", "arrival"), on="mmsi").filter(
        (pl.col("departure").is_null() | (pl.col("end") >= pl.col("departure")))
        & (pl.col("arrival").is_null() | (pl.col("start") <= pl.col("arrival")))
    )
    # the risk model groups by `mmsi`: group by voyage instead, under that name
    keyed = inside.with_columns(pl.col("voyage").cast(pl.Int32).alias("mmsi")).drop(
        "voyage", "departure", "arrival"
    )
    reasons = event_reasons(
        per_type_contributions(intensities(keyed, high_risk_ports, now, params), params)
    )
    rows = []
    for leg in legs.iter_rows(named=True):
        score, listed = combine(reasons.get(leg["voyage"], []))
        rows.append(
            {
                **{k: leg[k] for k in ("mmsi", "departure", "arrival", "from_locode", "to_locode")},
                "score": score,
                "band": band_of(score, params),
                "reasons": json.dumps(listed, sort_keys=True, separators=(",", ":"), default=str),
            }
        )
    return pl.DataFrame(rows, schema=VOYAGE_SCHEMA)
