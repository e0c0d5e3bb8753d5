"""Where a box is in its trip at a given time, and whether its cargo is due to be handled then:
what the smart-container rules compare a door opening, a light reading or a GPS fix with.

The phase at a moment is read from the box's last actual equipment event before it (customs and
inspection events keep the phase they happen in): `origin_terminal` (gated in laden, not yet
loaded), `aboard` (loaded, not yet discharged), `hub_terminal` (discharged and loaded again later
in the trip), `destination_terminal` (discharged for the last time, not yet gated out), `inland`
(gated out or picked up laden), `stuffing` or `delivered` (stripped), None when nothing is known.

Handling is scheduled near a moment when a stuffing, stripping, inspection or customs selection
for inspection is recorded — actual, planned or estimated — within the window given.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import polars as pl

HANDLING: Final = ("STUFFED", "STRIPPED", "INSPECTED", "CUSTOMS_SELECTED_FOR_INSPECTION")
"""Codes under which a box's door is opened legitimately."""
_PHASE_OF: Final = {
    "GATED_IN": "origin_terminal",
    "RECEIVED": "origin_terminal",
    "LOADED": "aboard",
    "GATED_OUT": "inland",
    "PICKED_UP": "inland",
    "STUFFED": "stuffing",
    "STRIPPED": "delivered",
    "DROPPED_OFF": "delivered",
    "HANDED_OVER": "delivered",
}
"""The phase an event puts a laden box in; `DISCHARGED` is read with what follows it."""


@dataclass(frozen=True)
class Timeline:
    """The actual equipment events and the handling times of one container."""

    rows: list[dict[str, Any]]
    times: list[datetime]
    handling: list[tuple[datetime, str]]

    def last_before(self, moment: datetime) -> dict[str, Any] | None:
        """The last actual event at or before `moment`."""
        index = bisect_right(self.times, moment)
        return self.rows[index - 1] if index else None

    def phase(self, moment: datetime) -> tuple[str | None, dict[str, Any] | None]:
        """(phase, the event that sets it) at `moment` (module docstring)."""
        index = bisect_right(self.times, moment)
        for row in reversed(self.rows[:index]):
            code = row["event_code"]
            if (row["empty_laden"] or "").upper() == "EMPTY":
                return "empty", row
            if code == "DISCHARGED":
                later = any(
                    r["event_code"] == "LOADED"
                    for r in self.rows[index:]
                    if _same_trip(row, r, self.rows)
                )
                return ("hub_terminal" if later else "destination_terminal"), row
            if code in _PHASE_OF:
                return _PHASE_OF[code], row
        return None, None

    def handled_near(self, moment: datetime, window_hours: float) -> tuple[datetime, str] | None:
        """A handling (time, code) within `window_hours` of `moment`, None if none."""
        window = timedelta(hours=window_hours)
        for time, code in self.handling:
            if abs(time - moment) <= window:
                return time, code
        return None

    def next_after(self, moment: datetime, codes: tuple[str, ...]) -> dict[str, Any] | None:
        """The first actual event of `codes` after `moment`."""
        index = bisect_right(self.times, moment)
        return next((r for r in self.rows[index:] if r["event_code"] in codes), None)


def _same_trip(first: dict[str, Any], later: dict[str, Any], rows: list[dict[str, Any]]) -> bool:
    """Whether no emptying comes between `first` and `later` (events of one container)."""
    between = [r for r in rows if first["event_time"] <= r["event_time"] <= later["event_time"]]
    return not any(
        r["event_code"] == "STRIPPED" or (r["empty_laden"] or "").upper() == "EMPTY"
        for r in between
    )


def timelines(events: pl.DataFrame | None) -> dict[str, Timeline]:
    """Container number → its `Timeline`, from `CONTAINER_EVENT_SCHEMA` events."""
    if events is None or events.is_empty():
        return {}
    ordered = events.filter(
        pl.col("container_number").is_not_null() & pl.col("event_time").is_not_null()
    ).sort("container_number", "event_time", "event_id", nulls_last=True)
    found: dict[str, Timeline] = {}
    for (box,), group in ordered.group_by("container_number", maintain_order=True):
        rows = list(group.iter_rows(named=True))
        actual = [
            r
            for r in rows
            if (r["classifier"] or "ACT").upper() == "ACT"
            and (r["event_kind"] or "EQUIPMENT") == "EQUIPMENT"
        ]
        handling = [(r["event_time"], r["event_code"]) for r in rows if r["event_code"] in HANDLING]
        found[str(box)] = Timeline(actual, [r["event_time"] for r in actual], handling)
    return found
