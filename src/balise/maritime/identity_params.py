"""Thresholds and periods shared by the identity (`identity.py`) and spoofing (`spoofing.py`)
detectors: one `IdentityParams` for both, so the engine passes one settings object, and
`outside_periods`, which drops the events a period of two hulls on one MMSI already explains.

Scores are provisional weights, to be calibrated on labelled cases: shared_mmsi 0.6,
position_jump 0.5, identity_change 0.4, identity_inconsistency 0.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

SHARED_MMSI_SCORE: Final = 0.6
POSITION_JUMP_SCORE: Final = 0.5
IDENTITY_CHANGE_SCORE: Final = 0.4
IDENTITY_INCONSISTENCY_SCORE: Final = 0.2
"""Provisional weights of each event type in a vessel's risk score."""


@dataclass(frozen=True)
class IdentityParams:
    """Thresholds of the identity and spoofing detectors."""

    max_speed_knots: float = 25.0
    """Speed above which a move is impossible for the hull (GFW segmenter `max_knots` = 25)."""
    reported_speed_factor: float = 1.5
    """A move is a jump only when its implied speed also exceeds this many times the speed the
    vessel reported (SOG) at either end: fast ferries and patrol craft really do 26 to 40 kn
    (above `max_speed_knots`), while a spoofed or false position implies hundreds of knots
    against a reported 10 to 20. Balise's choice: 1.5 absorbs SOG rounding and a turn between
    fixes."""
    min_alternations: int = 3
    """Switches between two overlapping segments (A, B, A, B) needed for a shared MMSI; two
    switches (A, B, A) are a single excursion, reported as a position jump. Project choice."""
    min_jump_nm: float = 10.0
    """Smallest jump reported: GNSS error is metres, but satellite AIS timestamps can be minutes
    off, which at 10-20 kn moves a position by a few nm. Project choice."""
    max_excursion_hours: float = 12.0
    """Longest run of positions away from the track that still counts as one excursion and
    return rather than two vessels. Project choice."""
    min_excursion_positions: int = 3
    """Positions a run away from the track needs to be a position jump: spoofing moves a track
    for many consecutive reports (the circle-spoofing cases of SkyTruth/GFW, 2019-2021; C4ADS
    "Above Us Only Stars", 2019), while a lone fix far off is receiver or GNSS noise, which GFW's
    pipe-segment drops. The segmenter already makes runs of up to 3 points inside a longer track
    noise (`detect.segment.noise_max_points`). Project choice."""
    min_excursion_minutes: float = 10.0
    """Time a run away from the track must span to be a position jump: copies of one bad fix
    heard by several receivers within seconds are not a sustained excursion. Class A ships report
    every 2-10 s under way, so 10 minutes is tens of reports. Project choice."""
    min_repeated_jumps: int = 3
    """Short jumps away and back (noise fixes, excursions too short to count) that make a
    `repeated` position jump when each follows the previous within `repeat_window_hours`: a
    transponder jumping again and again is a pattern, not chance. As `min_alternations`, 3 is
    the least that is more than an excursion and its return. Project choice."""
    repeat_window_hours: float = 24.0
    """Longest time between two short jumps of one `repeated` position jump. Project choice."""
    identity_fields: tuple[str, ...] = ("name", "call_sign", "imo", "ship_type")
    """Identity columns whose change is reported (IDENTITY_SCHEMA)."""
    debounce_hours: float = 1.0
    """A value that gives way to the previous one within this time (A, B, A) is a flip, not a
    change: two transponders or a typo corrected. Class A static data is sent every 6 min, so an
    hour is ten reports: enough to tell a lasting change. Project choice."""
    min_reports: int = 2
    """Reports of a new value needed before it counts as a change (or a call sign is checked):
    one garbled or mistyped report is not a new identity. Project choice."""
    no_call_sign_ship_types: tuple[int, ...] = (36, 37)
    """AIS ship types (ITU-R M.1371 table 53: 36 sailing, 37 pleasure craft) of vessels that need
    no call sign: recreational boats carry one only when they hold an individual radio licence
    (US: 47 CFR 80.13(c), a ship station not required to carry radio that stays in domestic waters
    is licensed by rule, with no call sign; European states give call signs with the ship radio
    licence), and owners type the boat's name into the field. Their call signs are not checked."""
    no_call_sign_msg_types: tuple[int, ...] = (18, 19, 24)
    """AIS messages of class B transponders (ITU-R M.1371: 18, 19 and 24), fitted on leisure and
    small craft which by regulation may carry no call sign: their call signs are not checked."""
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
