"""What each insider rule hands to the event builder: one `Finding` per (user, rule, episode),
with the reasons an analyst reads, and small helpers to write them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

MAX_LISTED: Final = 25
"""Containers, records or times listed in one event's evidence and `related`; the counts say
how many there were."""


@dataclass(frozen=True)
class Finding:
    """One insider look-up event before it becomes an event record."""

    user: str
    rule: str
    key: str
    """What tells this finding from the user's others of the same rule (a day, a gate
    transaction, an episode's start): part of the event's stable id."""
    start: datetime
    end: datetime
    confidence: float
    reasons: list[str]
    evidence: dict[str, Any]
    related: list[tuple[str, str]] = field(default_factory=list)
    """(kind, id) of what the event involves: containers, releases, consignees, hauliers."""


def listed(values: Iterable[Any]) -> list[Any]:
    """At most `MAX_LISTED` of `values`, nulls left out."""
    return [v for v in values if v is not None][:MAX_LISTED]


def related_of(kind: str, values: Iterable[Any]) -> list[tuple[str, str]]:
    """`related` entries of `kind` for `values` (at most `MAX_LISTED`)."""
    return [(kind, str(v)) for v in listed(values)]


def day_text(day: date | None) -> str:
    """A local day as text for reasons ("2024-03-05 (Tue)")."""
    return "an unknown day" if day is None else day.strftime("%Y-%m-%d (%a)")


def joined(values: Iterable[Any], limit: int = 5) -> str:
    """Up to `limit` values as "a, b, c and 2 more" (for reasons)."""
    items = [str(v) for v in values if v is not None]
    if len(items) <= limit:
        return ", ".join(items) if items else "none"
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"


def grown(base: float, observed: float, threshold: float, cap: float) -> float:
    """A confidence that grows from `base` at the threshold by 0.1 per threshold's worth above
    it, up to `cap`: far above a threshold is more telling than just at it."""
    if threshold <= 0:
        return base
    return round(min(cap, base + 0.1 * max(0.0, observed / threshold - 1.0)), 3)
