"""The calls a clearance check reads: port visits and stops of a vessel, French or abroad.

What: `vessel_identities` reduces AIS identity snapshots to one row per vessel (name, call sign,
ship type as last reported); `slow_stops` finds the periods a vessel stayed slow outside any port
visit (at anchor in a bay, drifting at sea); `vessel_calls` puts a vessel's port visits and its
stops in French waters in one timeline, each call marked French or not.

Why: the clearance checks (`balise.maritime.clearance`) ask "where did she come from?" and
"where did she stop on the way?"; the port-visit detector names ports, but a yacht from abroad
often anchors first in a bay with no port (an arrival all the same), and a stop at sea on the way
is what a declaration leaves out.

A call is French when its port's UN/LOCODE country is one of `FRENCH_COUNTRIES`, or, for a
visit with no LOCODE or a stop, when its position lies in the French jurisdiction (the
territorial sea and the land it surrounds, `balise.geo.territorial_sea`, passed in as a
callable so that tests need no land mask).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final

import numpy as np
import polars as pl

from balise.model.arrays import BoolArray, FloatArray
from balise.model.schema import UTC_TIME

Jurisdiction = Callable[[FloatArray, FloatArray], BoolArray]
"""(lat, lon) degrees -> whether each position lies in French waters (or on French land)."""

FRENCH_COUNTRIES: Final = ("MQ", "GP", "MF", "BL", "GF")
"""UN/LOCODE countries (ISO 3166) of Martinique, Guadeloupe, Saint-Martin, Saint-Barthélemy and
French Guiana: an arrival there from abroad is declared to French customs."""

CALL_SCHEMA: Final[dict[str, pl.DataType]] = {
    "mmsi": pl.Int32(),
    "arrival": UTC_TIME,
    "departure": UTC_TIME,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "locode": pl.String(),
    "port": pl.String(),
    "kind": pl.String(),
    "french": pl.Boolean(),
}
"""One call: a port visit (`kind` "port") or a stop outside ports (`kind` "stop"), its times,
position, port (LOCODE and label, null for a stop) and whether it is in French waters."""

STOP_SCHEMA: Final[dict[str, pl.DataType]] = {
    "mmsi": pl.Int32(),
    "start": UTC_TIME,
    "end": UTC_TIME,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
}


def vessel_identities(identity_history: pl.DataFrame) -> pl.DataFrame:
    """One row per MMSI with its last reported `name`, `call_sign` and `ship_type` (each the
    last non-null value: a class B unit sends its name and its call sign in separate parts)."""
    columns = ("name", "call_sign", "ship_type")
    present = [c for c in columns if c in identity_history.columns]
    ordered = (
        identity_history.sort("mmsi", "timestamp")
        if "timestamp" in identity_history.columns
        else identity_history
    )
    found = ordered.group_by("mmsi", maintain_order=True).agg(
        [pl.col(c).drop_nulls().last().alias(c) for c in present]
    )
    missing = [pl.lit(None).alias(c) for c in columns if c not in present]
    return found.with_columns(missing).select(
        pl.col("mmsi").cast(pl.Int32),
        pl.col("name").cast(pl.String),
        pl.col("call_sign").cast(pl.String),
        pl.col("ship_type").cast(pl.Int16),
    )


def _in_visits(positions: pl.DataFrame, visits: pl.DataFrame) -> pl.Series:
    """Whether each position (sorted by time) falls within a port visit of its vessel."""
    spans = visits.select(
        pl.col("mmsi").cast(pl.Int32), pl.col("start").alias("visit_start"),
        pl.col("end").alias("visit_end"),
    ).sort("visit_start")  # fmt: skip
    joined = positions.select(pl.col("mmsi").cast(pl.Int32), "timestamp").join_asof(
        spans,
        left_on="timestamp",
        right_on="visit_start",
        by="mmsi",
        strategy="backward",
        check_sortedness=False,
    )
    return joined.select(pl.col("timestamp") <= pl.col("visit_end")).to_series().fill_null(False)


def slow_stops(
    positions: pl.DataFrame, visits: pl.DataFrame, max_knots: float, min_hours: float
) -> pl.DataFrame:
    """Periods (`STOP_SCHEMA`) of at least `min_hours` when a vessel's reported speed stayed at
    or below `max_knots`, outside its port visits (`visits`: port_visit events); the position is
    the mean of the period's positions."""
    if positions.is_empty():
        return pl.DataFrame(schema=STOP_SCHEMA)
    rows = positions.select("mmsi", "timestamp", "lat", "lon", "sog_knots").sort("timestamp")
    rows = rows.with_columns(
        (pl.col("sog_knots").fill_null(np.inf) <= max_knots).alias("slow"),
        _in_visits(rows, visits).alias("in_port"),
    ).sort("mmsi", "timestamp")
    state = pl.col("slow") & ~pl.col("in_port")
    change = state.ne(state.shift(1)) | pl.col("mmsi").ne(pl.col("mmsi").shift(1))
    rows = rows.with_columns(state.alias("stopped"), change.fill_null(True).cum_sum().alias("run"))
    found = (
        rows.filter("stopped")
        .group_by("mmsi", "run")
        .agg(
            pl.col("timestamp").min().alias("start"),
            pl.col("timestamp").max().alias("end"),
            pl.col("lat").mean(),
            pl.col("lon").mean(),
        )
        .filter((pl.col("end") - pl.col("start")).dt.total_seconds() >= min_hours * 3600.0)
    )
    return found.select(pl.col(c).cast(t) for c, t in STOP_SCHEMA.items()).sort("mmsi", "start")


def _evidence_field(evidence: pl.Series, key: str) -> list[str | None]:
    values = []
    for text in evidence.to_list():
        value = json.loads(text or "{}").get(key)
        values.append(None if value is None else str(value))
    return values


def vessel_calls(
    visits: pl.DataFrame, stops: pl.DataFrame, jurisdiction: Jurisdiction
) -> pl.DataFrame:
    """Every vessel's calls (`CALL_SCHEMA`), by vessel then arrival: its port visits (`visits`,
    port_visit events; departure null while open) and those of its `stops` (`STOP_SCHEMA`) that
    lie in French waters (a bay or an anchorage with no port); a stop outside French waters is a
    stop on the way, not a call."""
    ports = visits.select(
        pl.col("mmsi").cast(pl.Int32),
        pl.col("start").alias("arrival"),
        pl.col("end").alias("departure"),
        "lat",
        "lon",
        pl.Series("locode", _evidence_field(visits["evidence"], "locode"), pl.String),
        pl.Series("port", _evidence_field(visits["evidence"], "port"), pl.String),
        pl.lit("port").alias("kind"),
    )
    country = pl.col("locode").str.slice(0, 2)
    french_here = pl.Series(jurisdiction(ports["lat"].to_numpy(), ports["lon"].to_numpy()))
    ports = ports.with_columns(
        pl.when(pl.col("locode").is_not_null())
        .then(country.is_in(FRENCH_COUNTRIES))
        .otherwise(french_here)
        .alias("french")
    )
    inside = pl.Series(
        jurisdiction(stops["lat"].to_numpy(), stops["lon"].to_numpy()), dtype=pl.Boolean
    )
    bays = stops.filter(inside).select(
        "mmsi",
        pl.col("start").alias("arrival"),
        pl.col("end").alias("departure"),
        "lat",
        "lon",
        pl.lit(None, pl.String).alias("locode"),
        pl.lit(None, pl.String).alias("port"),
        pl.lit("stop").alias("kind"),
        pl.lit(True).alias("french"),
    )
    frames = [f.select(pl.col(c).cast(t) for c, t in CALL_SCHEMA.items()) for f in (ports, bays)]
    return pl.concat(frames).sort("mmsi", "arrival")
