"""Detector thresholds as settings: every number of every detector's parameter dataclass is a
setting `detect.<detector>.<field>` (e.g. `detect.gap.min_gap_hours`), with the dataclass default,
its documentation (the field's docstring, which names its source) and a unit read from its name.

So a threshold can be set like any other setting (flag-free: `BALISE_DETECT_GAP_MIN_GAP_HOURS`,
or `[detect.gap] min_gap_hours = 8` in the workspace's `balise.toml`), `docs/settings.md` lists
them all, and a detection run records the values in force in each event's `params`.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final

from balise.maritime.coastal import CoastalDropParams
from balise.maritime.destination import DestinationParams
from balise.maritime.encounter_filters import EncounterFilterParams
from balise.maritime.gaps import GapParams
from balise.maritime.identity import IdentityParams
from balise.maritime.loitering import LoiteringFilterParams, LoiteringParams
from balise.maritime.port_visits import PortVisitParams
from balise.maritime.segment import SegmentParams
from balise.maritime.zones import ZoneParams


@dataclass(frozen=True)
class DetectorParams:
    """The thresholds of every detector the engine runs (encounters come from the preset; the
    filters Balise adds to loitering and encounters have their own)."""

    segment: SegmentParams = field(default_factory=SegmentParams)
    gap: GapParams = field(default_factory=GapParams)
    loitering: LoiteringParams = field(default_factory=LoiteringParams)
    loitering_filter: LoiteringFilterParams = field(default_factory=LoiteringFilterParams)
    encounter_filter: EncounterFilterParams = field(default_factory=EncounterFilterParams)
    port_visit: PortVisitParams = field(default_factory=PortVisitParams)
    destination: DestinationParams = field(default_factory=DestinationParams)
    coastal_drop: CoastalDropParams = field(default_factory=CoastalDropParams)
    zone: ZoneParams = field(default_factory=ZoneParams)
    identity: IdentityParams = field(default_factory=IdentityParams)


DETECTORS: Final[dict[str, type[Any]]] = {
    "segment": SegmentParams, "gap": GapParams, "loitering": LoiteringParams,
    "loitering_filter": LoiteringFilterParams, "encounter_filter": EncounterFilterParams,
    "port_visit": PortVisitParams, "destination": DestinationParams,
    "coastal_drop": CoastalDropParams, "zone": ZoneParams, "identity": IdentityParams,
}  # fmt: skip
"""Each field of `DetectorParams` and its parameter class."""

UNITS: Final = (
    ("_hours", "hours"), ("_minutes", "minutes"), ("_knots", "knots"), ("_km", "km"),
    ("_nm", "nm"), ("_deg_per_hour", "degrees per hour"), ("_deg", "degrees"),
    ("_share", "fraction"), ("_per_day", "per day"), ("_positions", "positions"),
)  # fmt: skip


def _unit(name: str) -> str:
    return next((unit for suffix, unit in UNITS if name.endswith(suffix)), "number")


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of dataclass `cls`, from its source, on one line."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, following in zip(body, [*body[1:], None], strict=True):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def _numeric(cls: type) -> list[tuple[str, type, Any]]:
    """The fields of `cls` holding a number: (name, int or float, default)."""
    found = []
    for item in fields(cls):
        kind = {"float": float, "int": int, "float | None": float}.get(str(item.type))
        if kind is not None and item.default is not None:
            found.append((item.name, kind, item.default))
    return found


def _non_negative(kind: type) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if value < 0:
            raise ValueError("must not be negative")
        return value

    return parse


def detector_settings() -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per numeric
    threshold of every detector."""
    declared = []
    for detector, cls in DETECTORS.items():
        docs = field_docs(cls)
        for name, kind, default in _numeric(cls):
            declared.append(
                {
                    "name": f"detect.{detector}.{name}",
                    "parse": _non_negative(kind),
                    "default": default,
                    "unit": _unit(name),
                    "help": docs.get(name, f"{cls.__name__}.{name}"),
                    "source": f"{cls.__module__}.{cls.__name__} (docs/detectors.md)",
                }
            )
    return declared


def detector_params(values: Mapping[str, Any]) -> DetectorParams:
    """The thresholds in force: the `detect.<detector>.<field>` entries of resolved settings."""
    parts = {}
    for detector, cls in DETECTORS.items():
        changed = {
            name: values[key]
            for name, _, _ in _numeric(cls)
            if (key := f"detect.{detector}.{name}") in values
        }
        parts[detector] = replace(cls(), **changed)
    return DetectorParams(**parts)
