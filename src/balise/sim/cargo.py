"""Import containers at the world's terminals: their releases (the PIN references hauliers present
at the gate) and the gate-outs that collect them.

A box is discharged from a call of a container ship of the world (`balise.sim.calls`; when the
world has none, as in the access layer's own tests, at a random time), released to its consignee
with an authorised haulier and a validity, cleared by customs (or held), then collected by its
haulier a few hours to days later. Benign oddities that a detector must live with: a first attempt
rejected at the gate (a mistyped reference, a truck not booked) and a pickup by a subcontracted
haulier that is not the one on the release.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np
import polars as pl

from balise.model.arrays import FloatArray, ObjectArray
from balise.sim.calls import CallIndex, VesselCall

TERMINALS: Final = {
    "MQFDF": ("America/Martinique", ("TPG",), 0.10),
    "GPPTP": ("America/Guadeloupe", ("JAR",), 0.10),
    "FRLEH": ("Europe/Paris", ("TDF", "TPO"), 0.25),
    "NLRTM": ("Europe/Amsterdam", ("ECT", "RWG", "APM"), 0.30),
    "BEANR": ("Europe/Brussels", ("MPE", "PSA"), 0.25),
}
"""Container ports of the world (UN/LOCODE): time zone, terminal codes and share of the boxes."""

OWNER_CODES: Final = ("MSCU", "MAEU", "CMAU", "HLXU", "ONEU", "EGHU", "TGHU", "SEGU", "TCNU")
"""ISO 6346 owner codes and category `U` (freight container) of the boxes."""

CONSIGNEES: Final = (
    "Antilles Fruits SARL", "Caribbean Agro Import", "Delta Agro Trading",
    "Sol Tropical Foods", "Nord Frais Distribution", "Hanse Banana Import", "Scheldt Produce NV",
    "Maas Fresh BV", "Karukera Distribution", "Madinina Négoce", "Atlantic Reefer Logistics",
    "Eurofruit Handel", "Caraïbes Matériaux", "Seine Import Export", "Zeeland Groothandel",
    "Flanders Food Partners", "Le Havre Négoce", "Rhine Commodities", "Tropic Flowers BV",
    "Iberia Citrus Trade",
)  # fmt: skip
"""Consignees (synthetic names): `Caribbean Agro Import` is the network's front company,
`Delta Agro Trading` the one an analyst's case is about."""
FRONT: Final = "Caribbean Agro Import"
INVESTIGATED: Final = "Delta Agro Trading"

HAULIERS: Final = (
    "Transports Martin", "Caraïbes Logistique", "Normandie Fret", "Van Dijk Transport",
    "Schelde Trucking", "Rijnmond Container Transport", "Antilles Transit", "Port Shuttle BV",
)  # fmt: skip
"""Hauliers authorised on releases (synthetic names)."""
ROGUE_HAULIER: Final = "Express Fret Services"
"""The haulier the network sends with a stolen reference (never on a release)."""

ISO6346_LETTERS: Final = dict(
    zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", [v for v in range(10, 39) if v % 11], strict=True)
)
"""ISO 6346 letter values: A = 10 up, skipping the multiples of 11."""
BOXES_PER_DAY: Final = 60
"""Import boxes discharged per day across the world's terminals."""
VALID_DAYS: Final = 7.0
"""A release is valid this long from discharge (free time at the terminal)."""


def check_digit(code: str) -> int:
    """The ISO 6346 check digit of the first ten characters of a container number."""
    total = sum(
        (ISO6346_LETTERS[c] if c.isalpha() else int(c)) * 2**i for i, c in enumerate(code[:10])
    )
    return int(total % 11 % 10)


def container_number(owner: str, serial: int) -> str:
    """`owner` (four letters, ending in U) and a six-digit serial with their check digit."""
    code = f"{owner}{serial:06d}"
    return f"{code}{check_digit(code)}"


def iso(start: datetime, seconds: float) -> str:
    """ISO 8601 UTC text of a world time (seconds after `start`)."""
    return (start + timedelta(seconds=round(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Cargo:
    """The boxes of a world, their releases and gate transactions (world seconds)."""

    rng: np.random.Generator
    end_s: float
    boxes: list[dict[str, Any]] = field(default_factory=list)
    gate: list[dict[str, Any]] = field(default_factory=list)
    serials: set[int] = field(default_factory=set)
    calls: CallIndex | None = None
    """The world's container ship calls, which discharge the boxes; None: no ships."""
    _stays: tuple[int, FloatArray, FloatArray, ObjectArray] | None = None

    def present(self, port: str | None, since_s: float, until_s: float) -> list[dict[str, Any]]:
        """The boxes at `port` (any port for None) some time between `since_s` and
        `until_s`: discharged before the end, not collected before the start."""
        issued, left, ports = self._arrays()
        here = (issued < until_s) & (left > since_s)
        if port is not None:
            here &= ports == port
        return [self.boxes[int(i)] for i in np.flatnonzero(here)]

    def _arrays(self) -> tuple[FloatArray, FloatArray, ObjectArray]:
        """Discharge and pickup times and ports of the boxes, cached until a box is added or
        collected (the staff's days ask for them thousands of times)."""
        version = len(self.boxes) + len(self.gate)
        if self._stays is None or self._stays[0] != version:
            issued = np.array([b["issued_s"] for b in self.boxes], np.float64)
            left = np.array([np.inf if b["left_s"] is None else b["left_s"] for b in self.boxes])
            ports = np.array([b["port"] for b in self.boxes], dtype=object)
            self._stays = (version, issued, left.astype(np.float64), ports)
        return self._stays[1], self._stays[2], self._stays[3]

    def terminal(self) -> str:
        """A terminal drawn by the ports' shares."""
        locodes = list(TERMINALS)
        shares = np.array([TERMINALS[c][2] for c in locodes])
        locode = locodes[int(self.rng.choice(len(locodes), p=shares / shares.sum()))]
        codes = TERMINALS[locode][1]
        return f"{locode}-{codes[int(self.rng.integers(len(codes)))]}"

    def add_import(
        self,
        terminal: str,
        consignee: str,
        discharged_s: float,
        hold: bool = False,
        call: VesselCall | None = None,
    ) -> dict[str, Any]:
        """A box discharged at `terminal` for `consignee`, released at discharge to its
        authorised haulier and cleared by customs a few hours later (or held).

        With ships in the world, the box comes off `call`, or else the last call at the
        terminal's port that arrived before `discharged_s` (and that the ship reached from an
        earlier call): the discharge time moves into that call's stay (`call` of the box, None
        without ships)."""
        call = call or self.discharging_call(terminal[:5], discharged_s)
        if call is not None:
            discharged_s = float(
                np.clip(discharged_s, call.alongside_s + 1800, call.departure_s - 1800)
            )
            discharged_s = min(discharged_s, self.end_s - 1800)
        serial = int(self.rng.integers(100_000, 999_999))
        while serial in self.serials:
            serial = int(self.rng.integers(100_000, 999_999))
        self.serials.add(serial)
        owner = OWNER_CODES[int(self.rng.integers(len(OWNER_CODES)))]
        cleared = discharged_s + float(self.rng.uniform(1, 30)) * 3600
        box = {
            "number": container_number(owner, serial),
            "terminal": terminal,
            "port": terminal[:5],
            "consignee": consignee,
            "release_id": f"RL{serial:06d}{int(self.rng.integers(10, 99))}",
            "bill_of_lading": f"{owner[:3]}BL{int(self.rng.integers(10**7, 10**8))}",
            "issued_s": discharged_s,
            "haulier": HAULIERS[int(self.rng.integers(len(HAULIERS)))],
            "valid_until_s": discharged_s + VALID_DAYS * 86_400,
            "status": "hold" if hold else "released",
            "status_at_s": discharged_s + float(self.rng.uniform(1, 12)) * 3600
            if hold
            else cleared,
            "left_s": None,
            "call": call,
        }
        self.boxes.append(box)
        return box

    def discharging_call(self, locode: str, before_s: float) -> VesselCall | None:
        """The latest call at `locode` arriving before `before_s` (not the ship's first)."""
        if self.calls is None:
            return None
        calls = [c for c in self.calls.at(locode, -np.inf, before_s) if c.seq > 0]
        return calls[-1] if calls else None

    def nearest_call(self, locode: str, time_s: float) -> VesselCall | None:
        """The call at `locode` nearest `time_s` in the window (not a ship's first call)."""
        if self.calls is None:
            return None
        calls = [c for c in self.calls.at(locode, -2 * 86_400, self.end_s - 3600) if c.seq > 0]
        if not calls:
            return None
        return min(calls, key=lambda c: abs(c.arrival_s - time_s))

    def ports_called(self, since_s: float, until_s: float) -> set[str]:
        """The terminals' ports where a ship called between `since_s` and `until_s`."""
        if self.calls is None:
            return set(TERMINALS)
        return {p for p in TERMINALS if any(c.seq for c in self.calls.at(p, since_s, until_s))}

    def pickup(
        self, box: dict[str, Any], time_s: float, haulier: str, result: str = "accepted"
    ) -> dict[str, Any] | None:
        """A gate-out of `box` by `haulier` (inside the world's window, else nothing)."""
        if not 0 <= time_s < self.end_s:
            return None
        move = {
            "gate_tx_id": f"G{len(self.gate) + 1:07d}",
            "number": box["number"],
            "terminal": box["terminal"],
            "time_s": time_s,
            "direction": "out",
            "haulier": haulier,
            "truck_plate": self._plate(box["port"]),
            "release_id": box["release_id"],
            "result": result,
        }
        self.gate.append(move)
        if result == "accepted":
            box["left_s"] = time_s
        return move

    def _plate(self, locode: str) -> str:
        letters = "".join(chr(65 + int(v)) for v in self.rng.integers(0, 26, 4))
        digits = int(self.rng.integers(100, 999))
        if locode.startswith("NL"):
            return f"{letters[:2]}-{digits}-{letters[2:]}"
        if locode.startswith("BE"):
            return f"1-{letters[:3]}-{digits}"
        return f"{letters[:2]}-{digits}-{letters[2:]}"

    def collect(self, box: dict[str, Any], after_s: float) -> None:
        """The box's ordinary pickup: its haulier comes a few hours to days after `after_s`;
        3 % of first attempts are rejected (and retried within the hour or two), 2 % of
        pickups are made by a subcontractor that is not on the release."""
        time_s = after_s + float(self.rng.uniform(4, 72)) * 3600
        if self.rng.random() < 0.03:
            self.pickup(box, time_s, box["haulier"], "rejected")
            time_s += float(self.rng.uniform(0.3, 2)) * 3600
        subcontracted = self.rng.random() < 0.02
        haulier = self._other_haulier(box["haulier"]) if subcontracted else box["haulier"]
        self.pickup(box, time_s, haulier)

    def _other_haulier(self, haulier: str) -> str:
        others = [h for h in HAULIERS if h != haulier]
        return others[int(self.rng.integers(len(others)))]


def build_cargo(rng: np.random.Generator, days: float, calls: CallIndex | None = None) -> Cargo:
    """The ordinary imports of a world of `days`: boxes discharged from two days before its
    start, released and collected (most of them) inside it; from the ships of `calls`."""
    end_s = days * 86_400
    cargo = Cargo(rng, end_s, calls=calls)
    count = round(BOXES_PER_DAY * (days + 2))
    discharged = np.sort(rng.uniform(-2 * 86_400, end_s - 3600, count))
    called = cargo.ports_called(-2 * 86_400, end_s - 3600)
    if not called:  # a world too small for its ships to call at a terminal: boxes without ships
        cargo.calls, called = None, set(TERMINALS)
    for time_s in discharged:
        consignee = CONSIGNEES[int(rng.integers(len(CONSIGNEES)))]
        terminal = cargo.terminal()
        while terminal[:5] not in called:
            terminal = cargo.terminal()
        call = cargo.nearest_call(terminal[:5], float(time_s))
        hold = rng.random() < 0.06
        at_s = float(time_s) if call is None else call.stay(rng, early=True)
        box = cargo.add_import(terminal, consignee, at_s, hold, call)
        if box["status"] == "released":
            cargo.collect(box, box["status_at_s"])
    return cargo


def release_frame(cargo: Cargo, start: datetime) -> pl.DataFrame:
    """`releases.csv`: one row per box (RELEASE_SCHEMA's columns but source)."""
    rows = [
        {
            "release_id": b["release_id"],
            "container_number": b["number"],
            "terminal": b["terminal"],
            "bill_of_lading": b["bill_of_lading"],
            "issued_at": iso(start, b["issued_s"]),
            "issued_to": b["consignee"],
            "authorised_haulier": b["haulier"],
            "valid_from": iso(start, b["issued_s"]),
            "valid_until": iso(start, b["valid_until_s"]),
            "customs_status": b["status"],
            "customs_status_at": iso(start, b["status_at_s"]),
        }
        for b in sorted(cargo.boxes, key=lambda b: (b["issued_s"], b["number"]))
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(RELEASE_COLUMNS, pl.String))


def gate_frame(cargo: Cargo, start: datetime) -> pl.DataFrame:
    """`gate.csv`: the gate transactions in time order (GATE_SCHEMA's columns but source)."""
    rows = [
        {
            "gate_tx_id": g["gate_tx_id"],
            "container_number": g["number"],
            "terminal": g["terminal"],
            "time": iso(start, g["time_s"]),
            "direction": g["direction"],
            "haulier": g["haulier"],
            "truck_plate": g["truck_plate"],
            "release_id": g["release_id"],
            "result": g["result"],
        }
        for g in sorted(cargo.gate, key=lambda g: (g["time_s"], g["gate_tx_id"]))
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(GATE_COLUMNS, pl.String))


RELEASE_COLUMNS: Final = (
    "release_id", "container_number", "terminal", "bill_of_lading", "issued_at", "issued_to",
    "authorised_haulier", "valid_from", "valid_until", "customs_status", "customs_status_at",
)  # fmt: skip
GATE_COLUMNS: Final = (
    "gate_tx_id", "container_number", "terminal", "time", "direction", "haulier",
    "truck_plate", "release_id", "result",
)  # fmt: skip
