"""Draught across an AIS gap: a laden ship that comes back lighter (or a light one heavier) after
days of silence loaded or unloaded somewhere it did not want to be seen (the dark ship-to-ship
transfer of the US "Global Maritime Advisory" of 14 May 2020, OFAC, Department of State and US
Coast Guard, which lists it with disabling AIS).

Draught is crew-entered voyage data (AIS message 5), so only a change of at least `MIN_CHANGE_M`
counts; the reading before the gap is the last one reported at or before the vessel went dark, the
one after the first one reported after it came back (within `AFTER_HOURS`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import polars as pl

from balise.model.events import decode_event_json, to_json

MIN_CHANGE_M: Final = 0.5
"""A change smaller than this is rounding or a crew's correction, not cargo."""
AFTER_HOURS: Final = 24.0
"""How long after the gap a first draught report is still read as the draught it came back with."""


def _readings(identities: pl.DataFrame) -> pl.DataFrame:
    return (
        identities.filter(pl.col("draught_m").is_not_null() & (pl.col("draught_m") > 0))
        .select("mmsi", pl.col("timestamp").alias("seen"), "draught_m")
        .sort("mmsi", "seen")
    )


def with_draught_change(gaps: pl.DataFrame, identities: pl.DataFrame) -> pl.DataFrame:
    """`gaps` (`ais_gap` events) with `draught_before_m`, `draught_after_m` and
    `draught_change_m` in their evidence where the vessel reported its draught on both sides,
    and `draught_changed` true when it changed by `MIN_CHANGE_M` or more. A vessel that sent no
    new voyage data after the gap kept the draught it had (change 0)."""
    if gaps.is_empty() or "draught_m" not in identities.columns:
        return gaps
    readings = _readings(identities)
    if readings.is_empty():
        return gaps
    keyed = gaps.with_row_index("_row").sort("mmsi", "start")
    before = keyed.join_asof(
        readings,
        left_on="start",
        right_on="seen",
        by="mmsi",
        strategy="backward",
        check_sortedness=False,
    ).select("_row", pl.col("draught_m").alias("before"))
    after = (
        keyed.filter(pl.col("end").is_not_null())
        .sort("mmsi", "end")
        .join_asof(
            readings,
            left_on="end",
            right_on="seen",
            by="mmsi",
            strategy="forward",
            tolerance=timedelta(hours=AFTER_HOURS),
            check_sortedness=False,
        )
        .select("_row", pl.col("draught_m").alias("after"))
    )
    sides = keyed.join(before, on="_row", how="left").join(after, on="_row", how="left")
    evidence = []
    for row in sides.sort("_row").iter_rows(named=True):
        if row["before"] is None or row["end"] is None:
            evidence.append(row["evidence"])
            continue
        record = decode_event_json({"evidence": row["evidence"]})["evidence"]
        after_m = row["after"] if row["after"] is not None else row["before"]
        change = round(after_m - row["before"], 2)
        record |= {
            "draught_before_m": row["before"],
            "draught_after_m": after_m,
            "draught_change_m": change,
            "draught_changed": abs(change) >= MIN_CHANGE_M,
        }
        evidence.append(to_json(record))
    return gaps.with_columns(pl.Series("evidence", evidence, pl.String))
