"""Thresholds and periods shared by the identity (`identity.py`) and spoofing (`spoofing.py`)
detectors: one `IdentityParams` for both, so the engine passes one settings object, and
`outside_periods`, which drops the events a period of two hulls on one MMSI already explains.

Scores are provisional weights, to be calibrated on labelled cases: shared_mmsi 0.6,
position_jump 0.5, identity_change 0.4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

SHARED_MMSI_SCORE: Final = 0.6
POSITION_JUMP_SCORE: Final = 0.5
IDENTITY_CHANGE_SCORE: Final = 0.4
"""Provisional weights of each event type in a vessel's risk score."""


@dataclass(frozen=True)
class IdentityParams:
    """Thresholds of the identity and spoofing detectors."""

    max_speed_knots: float = 25.0
    """Speed above which a move is impossible for the hull (GFW segmenter `max_knots` = 25)."""
    min_alternations: int = 3
    """Switches between two overlapping segments (A, B, A, B) needed for a shared MMSI; two
    switches (A, B, A) are a single excursion, reported as a position jump. Project choice."""
    min_jump_nm: float = 10.0
    """Smallest jump reported: GNSS error is metres, but satellite AIS timestamps can be minutes
    off, which at 10-20 kn moves a position by a few nm. Project choice."""
    max_excursion_hours: float = 12.0
    """Longest run of positions away from the track that still counts as one excursion and
    return rather than two vessels. Project choice."""
    identity_fields: tuple[str, ...] = ("name", "call_sign", "imo", "ship_type")
    """Identity columns whose change is reported (IDENTITY_SCHEMA)."""
    debounce_hours: float = 1.0
    """A value that gives way to the previous one within this time (A, B, A) is a flip, not a
    change: two transponders or a typo corrected. Class A static data is sent every 6 min, so an
    hour is ten reports: enough to tell a lasting change. Project choice."""
    min_reports: int = 2
    """Reports of a new value needed before it counts as a change (or a call sign is checked):
    one garbled or mistyped report is not a new identity. Project choice."""
    vessel_ship_types: tuple[int, ...] = (30, *range(60, 90))
    """AIS ship types (fishing, passenger, cargo, tanker: ITU-R M.1371 table 53) that show a
    report is a ship's when its MMSI has the format of another kind of station."""


DEFAULT_PARAMS: Final = IdentityParams()
"""The default thresholds, the default argument of every identity and spoofing detector."""


def outside_periods(events: pl.DataFrame, periods: pl.DataFrame | None) -> pl.DataFrame:
    """`events` but those overlapping in time one of `periods` (events, e.g. `shared_mmsi`) of
    the same MMSI: what a period already explains is not reported again inside it."""
    if periods is None or periods.is_empty() or events.is_empty():
        return events
    spans = periods.select("mmsi", p_start="start", p_end="end")
    inside = (
        events.select("id", "mmsi", "start", "end")
        .join(spans, on="mmsi")
        .filter((pl.col("start") <= pl.col("p_end")) & (pl.col("end") >= pl.col("p_start")))
    )
    return events.filter(~pl.col("id").is_in(inside["id"].unique().implode()))
