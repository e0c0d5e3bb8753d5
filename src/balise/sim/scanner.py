"""The simulated scanner: what an inspection of a box finds, from the world's ground truth.

A scan after discharge finds something when the world staged contraband or a fraud in the box
as it came off the ship: a shell game's box (drugs loaded at the origin the bills hide), a
rip-off's box (opened at the terminal to take the load out), a box the insider's haulier
collected on a stolen release, a box whose truck stopped on its way out (the load was still
inside at the scan), a box travelling under a cloned number. A box whose load left it at sea
(`door_at_sea`, `box_off_vessel`, a reefer opened at sea) comes in clean: nothing is found.
Every other box is clean. The scanner is perfect: a real one misses some and raises false
alarms, which the demo does not model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

CONTRABAND_ON_DISCHARGE: Final = frozenset(
    {"shell_game", "rip_off", "release_theft", "unexpected_stop", "cloned_number"}
)
"""The staged scenarios (`evidence.scenario` of a container's truth) that leave contraband or a
fraud in the box when it is discharged (module docstring)."""


def staged_finds(truth: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Container number → what a scan finds (the scenarios, comma-separated), from truth
    records (`truth.jsonl`): those about a container whose scenario leaves something in it."""
    found: dict[str, set[str]] = {}
    for record in truth:
        subject = record.get("subject") or {}
        scenario = (record.get("evidence") or {}).get("scenario")
        if subject.get("kind") == "container" and scenario in CONTRABAND_ON_DISCHARGE:
            found.setdefault(str(subject["id"]), set()).add(str(scenario))
    return {box: ", ".join(sorted(what)) for box, what in found.items()}


def read_truth(path: Path) -> list[dict[str, Any]]:
    """The truth records of a world's `truth.jsonl`."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def scan(boxes: Iterable[str], finds: dict[str, str]) -> list[tuple[str, bool, str | None]]:
    """(box, found, what) for each box scanned."""
    return [(box, box in finds, finds.get(box)) for box in boxes]
