"""Containers and their journeys: who ships what in which box, on which ships' calls.

A `Box` is stuffed at its shipper's place of receipt, trucked to the port of loading and gated
in, loaded on a container ship during one of its calls, discharged during a later call of the
same ship (at a hub, loaded again on another ship: a transshipment), gated out at the port of
discharge and trucked to its consignee, who strips it. Every vessel move happens inside a call
of `balise.sim.calls`, so the events agree with the ship's AIS track.

Goods, shippers and places are synthetic but typical of the Europe-Latin America trades (HS
2022 codes; places of receipt near the departure ports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from balise.sim.calls import CallIndex, VesselCall
from balise.sim.cargo import CONSIGNEES, OWNER_CODES, TERMINALS, container_number
from balise.sim.places import port

HOUR_S: Final = 3600.0
TRUCK_KMH: Final = 55.0
"""Average truck speed between a port and an inland site (roads, traffic, city streets)."""


@dataclass(frozen=True)
class Goods:
    hs_code: str
    description: str
    reefer_setpoint_c: float | None
    package: str
    packages: int
    kg_per_package: float
    usd_per_kg: float


GOODS: Final = {
    "bananas": Goods("080390", "Fresh bananas, Cavendish", 13.3, "cartons", 1080, 19.5, 0.9),
    "pineapples": Goods("080430", "Fresh pineapples MD2", 7.5, "cartons", 1320, 12.0, 0.8),
    "shrimp": Goods(
        "030617", "Frozen shrimp, vannamei, headless", -18.0, "cartons", 1400, 20.0, 7.5
    ),
    "coffee": Goods("090111", "Green coffee beans, not roasted", None, "bags", 320, 60.0, 5.2),
    "flowers": Goods("060311", "Fresh cut roses", 1.0, "boxes", 900, 9.0, 6.0),
    "avocados": Goods("080440", "Fresh avocados Hass", 5.5, "cartons", 1500, 11.0, 2.4),
    "sugar": Goods("170199", "Cane sugar, refined", None, "bags", 500, 50.0, 0.55),
    "rum": Goods("220840", "Rum in bottles", None, "cases", 1100, 16.0, 6.0),
    "cocoa": Goods("180100", "Cocoa beans, raw", None, "bags", 380, 62.0, 3.1),
    "machinery": Goods("847989", "Machine parts", None, "crates", 24, 700.0, 14.0),
    "wine": Goods("220421", "Wine in bottles", None, "cases", 1200, 15.0, 5.0),
    "foodstuff": Goods("210690", "Food preparations", None, "cartons", 1000, 14.0, 3.0),
}
"""Goods of the trades (HS 2022 subheadings), their reefer setpoint (°C, None for a dry box),
packing and typical value."""

Site = tuple[str, str, float, float]
"""A place inland: name, ISO 3166 country, lat, lon."""
ORIGINS: Final[dict[str, tuple[tuple[str, tuple[str, ...], Site], ...]]] = {
    "ECGYE": (
        ("Exportadora Bananera del Oro", ("bananas",), ("Machala", "EC", -3.258, -79.955)),
        ("Camaronera Golfo Azul", ("shrimp",), ("Durán", "EC", -2.171, -79.830)),
    ),
    "ECPSJ": (
        (
            "Frutas Tropicales Pacífico",
            ("bananas", "pineapples"),
            ("Naranjal", "EC", -2.672, -79.617),
        ),
    ),
    "BRSSZ": (
        ("Café Serra Mogiana Exportação", ("coffee",), ("Franca", "BR", -20.539, -47.401)),
        ("Açúcar Paulista Trading", ("sugar",), ("Ribeirão Preto", "BR", -21.178, -47.810)),
    ),
    "COCTG": (
        ("Flores de la Sabana SAS", ("flowers",), ("Cartagena", "CO", 10.391, -75.479)),
        (
            "Comercializadora Caribe Andino",
            ("coffee", "foodstuff"),
            ("Turbaco", "CO", 10.332, -75.412),
        ),
    ),
    "COTRB": (("Bananeras de Urabá SA", ("bananas",), ("Apartadó", "CO", 7.883, -76.626)),),
    "COSMR": (("Agrícola Magdalena Export", ("bananas",), ("Ciénaga", "CO", 11.007, -74.247)),),
    "COBAQ": (("Café Sierra Nevada SAS", ("coffee",), ("Barranquilla", "CO", 10.964, -74.796)),),
    "PAMIT": (
        ("Piñas del Atlántico SA", ("pineapples",), ("Sixaola", "CR", 9.523, -82.617)),
        ("Costa Verde Avocado Export", ("avocados",), ("Colón", "PA", 9.359, -79.901)),
    ),
    "DOCAU": (
        (
            "Cacao Dominicano Export",
            ("cocoa",),
            ("San Francisco de Macorís", "DO", 19.300, -70.253),
        ),
    ),
    "JMKIN": (("Blue Mountain Traders", ("coffee", "rum"), ("Kingston", "JM", 18.017, -76.809)),),
    "GPPTP": (("Distillerie du Nord Grande-Terre", ("rum",), ("Le Moule", "GP", 16.333, -61.344)),),
    "MQFDF": (("Banamart Export", ("bananas",), ("Le Lorrain", "MQ", 14.833, -61.058)),),
    "CIABJ": (("Ivoire Cacao Négoce", ("cocoa",), ("San-Pédro", "CI", 4.748, -6.636)),),
}
"""Shippers near each departure port: name, goods, place of receipt."""
EUROPEAN_SHIPPERS: Final = (
    ("Normandie Agro Export", ("foodstuff",), ("Rouen", "FR", 49.443, 1.099)),
    ("Rhein Maschinenbau GmbH", ("machinery",), ("Duisburg", "DE", 51.435, 6.762)),
    ("Bordeaux Vins Export", ("wine",), ("Bordeaux", "FR", 44.838, -0.579)),
    ("Flanders Machinery NV", ("machinery",), ("Ghent", "BE", 51.054, 3.717)),
)
"""Shippers of the other ports' boxes (exports to the Caribbean and South America)."""
DELIVERIES: Final[dict[str, Site]] = {
    "FRLEH": ("Rungis", "FR", 48.748, 2.352),
    "NLRTM": ("Barendrecht", "NL", 51.856, 4.535),
    "BEANR": ("Mechelen", "BE", 51.026, 4.477),
    "MQFDF": ("Le Lamentin", "MQ", 14.612, -61.004),
    "GPPTP": ("Baie-Mahault", "GP", 16.267, -61.586),
    "DEHAM": ("Lüneburg", "DE", 53.252, 10.414),
    "ESALG": ("Los Barrios", "ES", 36.184, -5.492),
    "FRFOS": ("Cavaillon", "FR", 43.837, 5.038),
    "FRDKK": ("Lille", "FR", 50.629, 3.057),
    "GBFXT": ("Ipswich", "GB", 52.057, 1.148),
}
"""Where the consignees of each port of discharge take their boxes (other ports: the port)."""
HUB_FACILITIES: Final = {
    "JMKIN": "KFTL",
    "DOCAU": "DPWC",
    "BSFPO": "FCT",
    "TTPOS": "POSCT",
    "MAPTM": "TC1",
    "ESALG": "APMA",
    "TGLFW": "LCT",
    "CIABJ": "ABJCT",
    "SNDKR": "DPWD",
    "ESLPA": "OPCSA",
    "ECGYE": "CGSA",
    "ECPSJ": "DPWP",
    "BRSSZ": "BTP",
    "COCTG": "SPRC",
    "PAMIT": "MIT",
}
"""Terminal codes (SMDG style) of the ports outside `TERMINALS`; elsewhere `<port>T`."""
REEFER_CODE, DRY_CODES = "45R1", ("22G1", "42G1", "45G1")


def facility(locode: str) -> str:
    """The terminal of `locode` where boxes are handled."""
    if locode in TERMINALS:
        return TERMINALS[locode][1][0]
    return HUB_FACILITIES.get(locode, f"{locode[2:]}T")


@dataclass
class Leg:
    """A box aboard a ship from its loading to its discharge (two calls of the same ship)."""

    load: VesselCall
    discharge: VesselCall
    loaded_s: float
    discharged_s: float


@dataclass
class Door:
    """A door opening seen by a smart box's sensors: `why` is an event code (`STUFFED`,
    `STRIPPED`, `INSPECTED`) when it was scheduled, empty when not."""

    start_s: float
    end_s: float
    why: str
    lux: float


@dataclass
class Box:
    """One container on one trip, with everything the writers need."""

    number: str
    iso_code: str
    goods: Goods
    shipper: str
    origin: Site
    consignee: str
    delivery: Site
    bill_of_lading: str
    booking: str
    seal: str
    legs: list[Leg]
    smart: bool = False
    stuffed_s: float | None = None
    """None when the chain starts at a hub (the origin is not in the carrier's events)."""
    gate_in_s: float = 0.0
    gate_outs: list[tuple[float, str]] = field(default_factory=list)
    """Accepted gate-outs at the port of discharge: time and truck plate."""
    released_s: float | None = None
    inspected_s: float | None = None
    stripped_s: float | None = None
    replaced: tuple[str, float] | None = None
    """The bill of lading this box travelled under before `bill_of_lading`, and when it was
    replaced (at a hub)."""
    later_seal: str | None = None
    """A seal found at gate-out that is not the one loaded (a box opened and resealed)."""
    doors: list[Door] = field(default_factory=list)
    truck_stop: tuple[float, float, float, float] | None = None
    """An unplanned stop on the way to the consignee: start, end, lat, lon."""
    off_vessel: tuple[float, float, float] | None = None
    """The box's device leaves its ship at this time towards (lat, lon)."""
    reefer_jump: tuple[float, float] | None = None
    """A reefer's temperature rises from this time by this many °C (an opened reefer)."""
    clone_gate_in: tuple[float, str] | None = None
    """Another box under the same number gated in at this time at this port (UN/LOCODE)."""
    scenario: str = ""
    release: dict[str, object] | None = None
    """The access layer's import record when the box is discharged at one of its terminals."""

    @property
    def first_port(self) -> str:
        return self.legs[0].load.locode

    @property
    def last_port(self) -> str:
        return self.legs[-1].discharge.locode

    @property
    def setpoint_c(self) -> float | None:
        return self.goods.reefer_setpoint_c if self.iso_code == REEFER_CODE else None

    @property
    def issued_s(self) -> float:
        """When the box's first bill of lading was issued: before its first loading, or soon
        after its gate-in when it was replaced before that loading (at the hub it waited at)."""
        before_loading = self.legs[0].loaded_s - 2 * HOUR_S
        if self.replaced is not None and self.replaced[1] < before_loading:
            return min(self.gate_in_s + HOUR_S, self.replaced[1] - HOUR_S)
        return before_loading

    @property
    def delivered_s(self) -> float | None:
        """When the truck reaches the consignee after the last gate-out."""
        if not self.gate_outs:
            return None
        lat, lon = port(self.last_port).lat, port(self.last_port).lon
        time_s = self.gate_outs[-1][0] + road_hours(lat, lon, *self.delivery[2:]) * HOUR_S
        if self.truck_stop is not None:
            time_s += self.truck_stop[1] - self.truck_stop[0]
        return time_s


def road_hours(lat: float, lon: float, lat2: float, lon2: float) -> float:
    """Truck time between two places: great-circle distance x 1.3 (roads) at `TRUCK_KMH`."""
    dlat, dlon = np.radians(lat2 - lat), np.radians(lon2 - lon)
    a = (
        np.sin(dlat / 2) ** 2
        + np.cos(np.radians(lat)) * np.cos(np.radians(lat2)) * np.sin(dlon / 2) ** 2
    )
    km = 2 * 6371.0 * float(np.arcsin(np.sqrt(a)))
    return max(km * 1.3 / TRUCK_KMH, 0.25)


class Packer:
    """Draws boxes: numbers unique in the world, parties, goods, references."""

    def __init__(self, rng: np.random.Generator, taken: set[str]) -> None:
        self.rng = rng
        self.taken = set(taken)

    def pick(self, options: tuple[Any, ...]) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def number(self, owner: str | None = None) -> str:
        while True:
            owner_code = owner or self.pick(OWNER_CODES)
            number = container_number(owner_code, int(self.rng.integers(100_000, 999_999)))
            if number not in self.taken:
                self.taken.add(number)
                return number

    def shipper(self, locode: str) -> tuple[str, Goods, Site]:
        name, goods, site = self.pick(ORIGINS.get(locode, EUROPEAN_SHIPPERS))
        return name, GOODS[self.pick(goods)], site

    def box(
        self,
        legs: list[Leg],
        number: str | None = None,
        bill: str | None = None,
        consignee: str | None = None,
    ) -> Box:
        """A laden box on `legs`, from a shipper near its first port to a consignee of its
        last; its stuffing and gate-in before the first loading."""
        shipper, goods, origin = self.shipper(legs[0].load.locode)
        number = number or self.number()
        owner = number[:4]
        last = legs[-1].discharge
        delivery = DELIVERIES.get(
            last.locode,
            (port(last.locode).name, last.locode[:2], port(last.locode).lat, port(last.locode).lon),
        )
        here = port(legs[0].load.locode)
        truck_h = road_hours(*origin[2:], here.lat, here.lon)
        gate_in = legs[0].loaded_s - float(self.rng.uniform(10, 96)) * HOUR_S
        return Box(
            number=number,
            iso_code=REEFER_CODE if goods.reefer_setpoint_c is not None else self.pick(DRY_CODES),
            goods=goods,
            shipper=shipper,
            origin=origin,
            consignee=consignee or self.pick(CONSIGNEES),
            delivery=delivery,
            bill_of_lading=bill or f"{owner[:3]}BL{int(self.rng.integers(10**7, 10**8))}",
            booking=f"{owner[:3]}BK{int(self.rng.integers(10**7, 10**8))}",
            seal=f"{owner[:2]}{int(self.rng.integers(10**6, 10**7))}",
            legs=legs,
            stuffed_s=gate_in - (truck_h + float(self.rng.uniform(2, 20))) * HOUR_S,
            gate_in_s=gate_in,
        )


def leg(
    rng: np.random.Generator,
    load: VesselCall,
    discharge: VesselCall,
    after_s: float = -np.inf,
) -> Leg:
    """A box loaded in the second half of `load`'s stay (and an hour or more after `after_s`,
    when it came off another ship there), discharged in the first half of the other's."""
    loaded = load.stay(rng, early=False)
    if loaded < after_s + HOUR_S:
        loaded = float(
            rng.uniform(after_s + HOUR_S, max(load.departure_s - 1800, after_s + HOUR_S))
        )
    return Leg(load, discharge, loaded, discharge.stay(rng, early=True))


def connection(
    calls: CallIndex,
    rng: np.random.Generator,
    hub: VesselCall,
    after_s: float,
    dwell_h: tuple[float, float],
    ends: tuple[str, ...],
) -> list[VesselCall] | None:
    """A ship leaving `hub`'s port `dwell_h` hours after `after_s` for one of `ends` within its
    next four calls: its call at the hub and the call at the end; None if no ship does."""
    low, high = after_s + dwell_h[0] * HOUR_S, after_s + dwell_h[1] * HOUR_S
    options = []
    for call in calls.at(hub.locode, low - 36 * HOUR_S, high):
        if call.plan == hub.plan or call.departure_s - HOUR_S < low:
            continue
        for onward in calls.later(call, 4):
            if onward.locode in ends:
                options.append([call, onward])
                break
    return options[int(rng.integers(len(options)))] if options else None


def attach_release(box: Box, record: dict[str, Any], gate_outs: list[tuple[float, str]]) -> None:
    """The release, customs clearance and gate-outs of an import box of the access layer."""
    box.release = record
    box.released_s = record["status_at_s"] if record["status"] == "released" else None
    box.gate_outs = gate_outs
    delivered = box.delivered_s
    if delivered is not None:
        box.stripped_s = delivered + float(box_rng_hours(box, 1, 8)) * HOUR_S


def box_rng_hours(box: Box, low: float, high: float) -> float:
    """A duration drawn from the box's number (stable whatever the order of drawing)."""
    return low + (int(box.number[4:10]) % 997) / 997 * (high - low)
