"""The vessel population of a synthetic world: hulls with plausible, consistent identities.

Each hull gets a role (what it does in the world), a flag drawn from the flags seen in the theatre
for that role, an MMSI whose maritime identification digits are a real allocation of that flag
(ITU MID table), an IMO number with a valid check digit for the ship types that carry one (SOLAS
ships; not yachts or small fishing boats), a name and call sign in the style of the flag, the
antenna offsets that give its length and beam, a design draught and its speeds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from balise.model.mid import FLAGS

ROLE_SHARES: Final[dict[str, float]] = {
    "container_liner": 0.16,
    "feeder": 0.08,
    "tanker": 0.12,
    "bulker": 0.13,
    "general_cargo": 0.08,
    "reefer": 0.03,
    "fishing": 0.16,
    "yacht": 0.14,
    "ferry": 0.04,
    "tug": 0.06,
}
"""Share of each role in the background traffic (scenarios add their own hulls)."""


@dataclass(frozen=True)
class RoleSpec:
    """What hulls of one role look like: ranges are drawn uniformly."""

    ship_types: tuple[int, ...]
    length_m: tuple[float, float]
    beam_ratio: tuple[float, float]
    draught_m: tuple[float, float]
    service_speed_kn: tuple[float, float]
    max_speed_kn: float
    ais_class: str
    has_imo: bool
    flags: tuple[str, ...]
    name_style: str


_CONVENIENCE = ("PA", "LR", "MH", "MT", "BS", "CY", "SG", "AG", "PT")
ROLE_SPECS: Final[dict[str, RoleSpec]] = {
    "container_liner": RoleSpec((71, 79), (250, 366), (0.13, 0.15), (12.5, 15.5), (16, 20), 24, "A",
                                True, (*_CONVENIENCE, "DE", "DK", "FR", "GB"), "liner"),
    "feeder": RoleSpec((71, 79), (120, 185), (0.15, 0.17), (7.5, 10.0), (12, 15), 18, "A", True,
                       ("AG", "PT", "CY", "NL", "MT", "LR", "VC"), "cargo"),
    "tanker": RoleSpec((80, 81, 84), (180, 250), (0.17, 0.19), (11.0, 15.0), (12, 14), 16, "A",
                       True, (*_CONVENIENCE, "GR", "NO", "IT"), "tanker"),
    "bulker": RoleSpec((70,), (180, 230), (0.14, 0.16), (10.5, 13.5), (11, 13), 15, "A", True,
                       (*_CONVENIENCE, "GR"), "bulk"),
    "general_cargo": RoleSpec((70, 79), (90, 140), (0.15, 0.17), (5.5, 8.0), (10, 13), 15, "A",
                              True, ("AG", "PA", "VC", "BZ", "TG", "CM", "KM", "NL", "MT"),
                              "cargo"),
    "reefer": RoleSpec((72,), (130, 160), (0.15, 0.16), (7.0, 9.0), (15, 18), 21, "A", True,
                       ("LR", "PA", "BS", "CW", "MH"), "reefer"),
    "fishing": RoleSpec((30,), (20, 45), (0.22, 0.26), (3.0, 5.0), (9, 11), 13, "A", False,
                        ("FR", "ES", "PT", "MA", "SN", "SR", "GY", "TT", "MQ", "GP"), "fishing"),
    "yacht": RoleSpec((36, 37), (10, 24), (0.25, 0.33), (1.6, 3.0), (5.5, 7.5), 9, "B", False,
                      ("FR", "GB", "US", "NL", "DE", "VC", "LC", "MQ", "BE"), "yacht"),
    "ferry": RoleSpec((60, 69), (100, 200), (0.14, 0.17), (4.5, 6.5), (17, 22), 25, "A", True,
                      ("FR", "ES", "MA", "GB", "DM"), "ferry"),
    "tug": RoleSpec((52,), (25, 35), (0.32, 0.36), (4.0, 5.5), (8, 11), 13, "A", False,
                    ("FR", "ES", "NL", "BE", "DE", "JM", "DO", "CO", "MA", "TG"), "tug"),
    "go_fast": RoleSpec((37,), (11, 14), (0.22, 0.25), (0.8, 1.0), (30, 40), 45, "B", False,
                        ("VC", "GY", "SR"), "yacht"),
    "narco_sub": RoleSpec((0,), (18, 24), (0.12, 0.15), (2.5, 3.0), (6, 8), 9, "B", False,
                          ("CO",), "yacht"),
}  # fmt: skip
"""Dimensions from typical fleets (container: feeders to ultra-large); speeds are service speeds."""

_CALL_SIGN_PREFIXES: Final[dict[str, str]] = {
    "PA": "3E", "LR": "A8", "MH": "V7", "MT": "9H", "BS": "C6", "CY": "5B", "SG": "9V", "AG": "V2",
    "PT": "CQ", "DE": "DA", "DK": "OZ", "FR": "FM", "GB": "MG", "GR": "SV", "NO": "LA", "IT": "IB",
    "NL": "PD", "VC": "J8", "BZ": "V3", "TG": "5V", "CM": "TJ", "KM": "D6", "CW": "PJ", "ES": "EA",
    "MA": "CN", "SN": "6W", "SR": "PZ", "GY": "8R", "TT": "9Y", "MQ": "FM", "GP": "FG", "US": "WD",
    "LC": "J6", "BE": "OR", "DM": "J7", "JM": "6Y", "DO": "HI", "CO": "HK", "EC": "HC", "BR": "PP",
}  # fmt: skip
"""ITU call sign series of each flag (Radio Regulations Appendix 42), a common prefix per flag."""

_WORDS: Final = (
    "ATLANTIC", "AURORA", "BALTIC", "CORAL", "DELTA", "EMERALD", "FALCON", "GALAXY", "HORIZON",
    "ISLAND", "JADE", "KESTREL", "LIBERTY", "MARINER", "NEPTUNE", "OCEAN", "PACIFIC", "PEARL",
    "POLARIS", "QUEEN", "RIVER", "SAPPHIRE", "SEA", "SIRIUS", "STAR", "SUN", "TRADER", "UNITY",
    "VEGA", "VICTORY", "WAVE", "ZEPHYR", "ANDES", "CARIBE", "CONDOR", "ESPERANZA", "MARINA",
    "ORINOCO", "PALOMA", "SANTA ANA", "TIERRA", "VIENTO", "BRETAGNE", "NORMANDIE", "GALICIA",
    "MADINA", "SAHEL", "ALIZE", "MISTRAL", "SIROCCO", "HARMATTAN", "LAGUNA", "CAPRICORN",
)  # fmt: skip
_PREFIXES: Final[dict[str, tuple[str, ...]]] = {
    "liner": ("MSC ", "MAERSK ", "CMA CGM ", "HAPAG ", "ONE ", "EVER ", "COSCO "),
    "cargo": ("", "NORDIC ", "BBC ", "ARKLOW "),
    "tanker": ("", "NAVE ", "TORM ", "STI "),
    "bulk": ("", "GOLDEN ", "STAR ", "GENCO "),
    "reefer": ("", "BALTIC ", "COOL ", "FRIO "),
    "fishing": ("SAN ", "NUESTRA SENORA ", "PETIT ", "SAINT ", "ALBA ", ""),
    "yacht": ("", "SY ", "MY ", "BLUE ", "LADY "),
    "ferry": ("", "PONT ", "CIUDAD DE ", "EXPRESS "),
    "tug": ("", "SMIT ", "BOLUDA ", "ABEILLE "),
}
_SUFFIXES: Final[dict[str, tuple[str, ...]]] = {
    "liner": ("", " II", " EXPRESS", " BRIDGE"),
    "cargo": ("", " TRADER", " I"),
    "tanker": ("", " SPIRIT", " VOYAGER"),
    "bulk": ("", " BULKER", " GLORY"),
    "reefer": ("", " REEFER", " FROST"),
    "fishing": ("", " II", " III", " DOS"),
    "yacht": ("", " II", " OF LONDON"),
    "ferry": ("", " EXPRESS", " JET"),
    "tug": ("", " 12", " 7", " 21"),
}


@dataclass(frozen=True)
class Identity:
    """What a transponder broadcasts about the hull (types 5 and 24)."""

    mmsi: int
    imo: int | None
    name: str
    call_sign: str
    flag: str
    ship_type: int
    to_bow_m: int
    to_stern_m: int
    to_port_m: int
    to_starboard_m: int
    ais_class: str

    @property
    def length_m(self) -> int:
        return self.to_bow_m + self.to_stern_m


@dataclass(frozen=True)
class Hull:
    """One physical vessel of the world; `identity` is what it broadcasts at the start."""

    hull_id: int
    role: str
    identity: Identity
    design_draught_m: float
    service_speed_kn: float
    max_speed_kn: float


def imo_check_digit(first_six: int) -> int:
    """The IMO check digit of a six-digit stem (IMO Resolution A.1117(30))."""
    digits = [int(d) for d in f"{first_six:06d}"]
    return sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10


class IdentityFactory:
    """Unique MMSIs, IMO numbers and names, drawn from one random generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._mmsis: set[int] = set()
        self._imos: set[int] = set()
        self._names: Counter[str] = Counter()
        self._mids: dict[str, list[int]] = {}
        for flag in FLAGS.values():
            self._mids.setdefault(flag.alpha2, []).append(flag.mid)

    def mmsi(self, flag: str) -> int:
        """A new ship-station MMSI (MIDXXXXXX) of `flag`; class A numbers often end in 0."""
        mids = self._mids[flag]
        while True:
            mid = mids[int(self._rng.integers(len(mids)))]
            mmsi = mid * 1_000_000 + int(self._rng.integers(1_000, 999_999))
            if mmsi not in self._mmsis:
                self._mmsis.add(mmsi)
                return mmsi

    def imo(self) -> int:
        """A new IMO number with a valid check digit, as ships built since the 1990s carry."""
        while True:
            stem = int(self._rng.integers(900_000, 999_999))
            imo = stem * 10 + imo_check_digit(stem)
            if imo not in self._imos:
                self._imos.add(imo)
                return imo

    def name(self, style: str) -> str:
        """A new name in the style of the role, at most 20 characters (the AIS field).

        When the drawn name is taken, a number is added ("ATLANTIC TRADER 3"), as fleets do, so
        large fleets never run out of names."""
        base = self.pick(_PREFIXES[style]) + self.pick(_WORDS) + self.pick(_SUFFIXES[style])
        base = base[:20].strip()
        name, number = base, 1
        while self._names[name]:
            number += 1
            name = f"{base[: 19 - len(str(number))].strip()} {number}"
        self._names[name] += 1
        return name

    def call_sign(self, flag: str) -> str:
        """A call sign of the flag's series: its prefix and letters/digits, 4 to 7 characters."""
        prefix = _CALL_SIGN_PREFIXES.get(flag, "X")
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        length = int(self._rng.integers(5, 8)) - len(prefix)
        return prefix + "".join(self.pick(letters) for _ in range(max(length, 2)))

    def pick(self, options: tuple[str, ...] | str) -> str:
        return options[int(self._rng.integers(len(options)))]

    def uniform(self, bounds: tuple[float, float]) -> float:
        return float(self._rng.uniform(*bounds))


def make_hull(factory: IdentityFactory, hull_id: int, role: str, flag: str | None = None) -> Hull:
    """A new hull of `role`, with a flag from the role's usual flags unless `flag` is given."""
    spec = ROLE_SPECS[role]
    flag = flag or factory.pick(spec.flags)
    length = factory.uniform(spec.length_m)
    beam = length * factory.uniform(spec.beam_ratio)
    to_bow = round(length * factory.uniform((0.75, 0.88)))
    to_port = round(beam / 2)
    identity = Identity(
        mmsi=factory.mmsi(flag),
        imo=factory.imo() if spec.has_imo else None,
        name=factory.name(spec.name_style),
        call_sign=factory.call_sign(flag),
        flag=flag,
        ship_type=spec.ship_types[int(factory.uniform((0, len(spec.ship_types) - 1e-9)))],
        to_bow_m=to_bow,
        to_stern_m=max(round(length) - to_bow, 1),
        to_port_m=to_port,
        to_starboard_m=max(round(beam) - to_port, 1),
        ais_class=spec.ais_class,
    )
    return Hull(
        hull_id=hull_id,
        role=role,
        identity=identity,
        design_draught_m=round(factory.uniform(spec.draught_m), 1),
        service_speed_kn=round(factory.uniform(spec.service_speed_kn), 1),
        max_speed_kn=spec.max_speed_kn,
    )


def role_counts(vessels: int) -> dict[str, int]:
    """How many hulls of each role make `vessels` background vessels (largest remainders)."""
    exact = {role: share * vessels for role, share in ROLE_SHARES.items()}
    counts = {role: int(value) for role, value in exact.items()}
    by_remainder = sorted(exact, key=lambda role: exact[role] - counts[role], reverse=True)
    for role in by_remainder[: vessels - sum(counts.values())]:
        counts[role] += 1
    return counts


def renamed(identity: Identity, factory: IdentityFactory, *, new_flag: str | None) -> Identity:
    """The identity after a rename (name and call sign), and a reflag (new MMSI) if asked."""
    flag = new_flag or identity.flag
    return replace(
        identity,
        name=factory.name("cargo"),
        call_sign=factory.call_sign(flag),
        flag=flag,
        mmsi=factory.mmsi(flag) if new_flag else identity.mmsi,
    )
