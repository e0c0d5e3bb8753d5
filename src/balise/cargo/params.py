"""Cargo thresholds as settings: every number of every cargo rule's parameter dataclass is a
setting `cargo.<rule>.<field>` (e.g. `cargo.shell_game.long_dwell_days`), declared the way the
maritime detectors' are (`balise.maritime.params`), plus `cargo.watched_hubs`, the list of
transshipment hubs on watch (UN/LOCODEs).

So a threshold can be set like any other setting (`BALISE_CARGO_SHELL_GAME_LONG_DWELL_DAYS`, or
`[cargo.shell_game] long_dwell_days = 21` in the workspace's `balise.toml`), `docs/settings.md`
lists them, and each event records the values in force in its `params`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from balise.cargo.clone import CloneParams
from balise.cargo.door import DoorParams
from balise.cargo.inland import InlandParams
from balise.cargo.ports import default_watched_hubs
from balise.cargo.reefer import ReeferParams
from balise.cargo.release_fraud import ReleaseFraudParams
from balise.cargo.risk import CargoRiskParams
from balise.cargo.shell_game import ShellGameParams
from balise.cargo.vessel_track import BoxOffVesselParams
from balise.model.parameters import params_from, settings_of

PREFIX: Final = "cargo"
WATCHED_HUBS: Final = "cargo.watched_hubs"
_LOCODE: Final = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")


@dataclass(frozen=True)
class CargoParams:
    """The thresholds of every cargo rule, and the watched hubs."""

    shell_game: ShellGameParams = field(default_factory=ShellGameParams)
    release_fraud: ReleaseFraudParams = field(default_factory=ReleaseFraudParams)
    container_clone: CloneParams = field(default_factory=CloneParams)
    door_opened: DoorParams = field(default_factory=DoorParams)
    box_off_vessel: BoxOffVesselParams = field(default_factory=BoxOffVesselParams)
    reefer_anomaly: ReeferParams = field(default_factory=ReeferParams)
    unexpected_stop: InlandParams = field(default_factory=InlandParams)
    risk: CargoRiskParams = field(default_factory=CargoRiskParams)
    watched_hubs: tuple[str, ...] = field(default_factory=default_watched_hubs)
    """Transshipment hubs on watch (UN/LOCODEs): `balise.cargo.ports.default_watched_hubs`."""


RULES: Final[dict[str, type[Any]]] = {
    "shell_game": ShellGameParams,
    "release_fraud": ReleaseFraudParams,
    "container_clone": CloneParams,
    "door_opened": DoorParams,
    "box_off_vessel": BoxOffVesselParams,
    "reefer_anomaly": ReeferParams,
    "unexpected_stop": InlandParams,
    "risk": CargoRiskParams,
}
"""Each parameter field of `CargoParams` and its class."""


def locodes(text: str | Any) -> tuple[str, ...]:
    """Comma-separated UN/LOCODEs (`DOCAU, JMKIN`), or a list of them from `balise.toml`, as a
    sorted tuple; a code that is not five letters or digits 2-9 raises ValueError."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    codes = tuple(
        sorted({str(p).strip().upper().replace(" ", "") for p in parts if str(p).strip()})
    )
    for code in codes:
        if not _LOCODE.fullmatch(code):
            raise ValueError(f"{code!r} is not a UN/LOCODE (country code and three characters)")
    return codes


def cargo_settings() -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per cargo
    threshold, and the watched hubs."""
    declared = []
    for rule, cls in RULES.items():
        source = f"{cls.__module__}.{cls.__name__} (docs/detectors.md)"
        declared += settings_of(f"{PREFIX}.{rule}", cls, source)
    declared.append(
        {
            "name": WATCHED_HUBS,
            "parse": locodes,
            "default": default_watched_hubs(),
            "unit": "UN/LOCODEs",
            "help": "Transshipment hubs on watch for the shell game, comma-separated: a box "
            "transshipped at one of them has that reason. Default: the hubs of the Caribbean "
            "and West Africa in balise/data/container_ports.csv.",
            "source": 'EMCDDA and Europol, EU Drug Markets: Cocaine (2016, 2022): "The '
            "Caribbean and West Africa are important transit areas\"; the ports are Balise's "
            "choice (balise/data/container_ports.md)",
        }
    )
    return declared


def cargo_params(values: Mapping[str, Any]) -> CargoParams:
    """The thresholds in force: the `cargo.*` entries of resolved settings."""
    parts = {rule: params_from(values, f"{PREFIX}.{rule}", cls) for rule, cls in RULES.items()}
    hubs = values.get(WATCHED_HUBS)
    return CargoParams(
        **parts, watched_hubs=locodes(hubs) if hubs is not None else default_watched_hubs()
    )
