"""Detector thresholds as settings: every number of every detector's parameter dataclass is a
setting `detect.<detector>.<field>` (e.g. `detect.gap.min_gap_hours`), with the dataclass default,
its documentation (the field's docstring, which names its source) and a unit read from its name.

So a threshold can be set like any other setting (flag-free: `BALISE_DETECT_GAP_MIN_GAP_HOURS`,
or `[detect.gap] min_gap_hours = 8` in the workspace's `balise.toml`), `docs/settings.md` lists
them all, and a detection run records the values in force in each event's `params`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from balise.maritime.clearance import ClearanceParams
from balise.maritime.coastal import CoastalDropParams
from balise.maritime.destination import DestinationParams
from balise.maritime.encounter_filters import EncounterFilterParams
from balise.maritime.gaps import GapParams
from balise.maritime.identity import IdentityParams
from balise.maritime.loitering import LoiteringFilterParams, LoiteringParams
from balise.maritime.port_visits import PortVisitParams
from balise.maritime.radar_params import RadarParams
from balise.maritime.segment import SegmentParams
from balise.maritime.zones import ZoneParams
from balise.model.parameters import params_from, settings_of


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
    clearance: ClearanceParams = field(default_factory=ClearanceParams)
    radar: RadarParams = field(default_factory=RadarParams)


DETECTORS: Final[dict[str, type[Any]]] = {
    "segment": SegmentParams, "gap": GapParams, "loitering": LoiteringParams,
    "loitering_filter": LoiteringFilterParams, "encounter_filter": EncounterFilterParams,
    "port_visit": PortVisitParams, "destination": DestinationParams,
    "coastal_drop": CoastalDropParams, "zone": ZoneParams, "identity": IdentityParams,
    "clearance": ClearanceParams,
    "radar": RadarParams,
}  # fmt: skip
"""Each field of `DetectorParams` and its parameter class."""


def detector_settings() -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per numeric
    threshold of every detector."""
    declared = []
    for detector, cls in DETECTORS.items():
        source = f"{cls.__module__}.{cls.__name__} (docs/detectors.md)"
        declared += settings_of(f"detect.{detector}", cls, source)
    return declared


def detector_params(values: Mapping[str, Any]) -> DetectorParams:
    """The thresholds in force: the `detect.<detector>.<field>` entries of resolved settings."""
    parts = {detector: params_from(values, f"detect.{detector}", cls)
             for detector, cls in DETECTORS.items()}  # fmt: skip
    return DetectorParams(**parts)
