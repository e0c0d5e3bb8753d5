"""The places of the synthetic Atlantic/Caribbean theatre: ports, fairways, sites, stations, lines.

What: fixed tables the simulator draws its world from. `PORTS` holds the cocaine departure ports of
South America, the Caribbean and West/North African transshipment hubs, the French Caribbean, the
European container and ro-ro ranges and the islands yachts hop between, each with its berth, a
waiting anchorage at sea and the spellings crews type in the AIS destination field. `FAIRWAYS` are
the navigable channels that the 30-arc-second land mask closes (river ports, the Panama Canal);
`COASTAL_SITES`, `FISHING_GROUNDS`, `RECEIVERS`, `FERRY_LINES` and `YACHT_PORTS` complete the scene.

Why: scenarios need real places (a drop-off off Galicia must be where the Ría de Arousa is), and
the detectors downstream compare ports, anchorages and receiver coverage with the tracks.

Sources: port codes are UN/LOCODE (UNECE code list). Berths come from the `ports.geojson` shipped
with searoute 1.6 where it has the port at the right place; where it lacks the port or places it
away from the harbour the position is the harbour's own (see `_SUPPLIED`). Anchorages, fairways,
sites, fishing grounds and receivers are placed on nautical-chart geography and checked against
the GLOBE land mask by the tests (on water, off the coast, within range).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from balise.geo.landmask import Fairway

ROLES: Final = ("departure", "transshipment", "french_caribbean", "europe", "island")
"""Port roles: cocaine departure, transshipment hub, French Caribbean, Europe, yacht island."""
AIS_DESTINATION_CHARS: Final = 20
"""The AIS voyage-data destination field holds 20 six-bit characters (ITU-R M.1371-5, msg 5)."""


@dataclass(frozen=True)
class Port:
    """A port of the theatre: its berth, its waiting anchorage and how crews name it over AIS.

    `lat`/`lon` are the berth or harbour basin (it may fall on the land mask, whose cells are ~1 km
    wide); `anchorage_lat`/`anchorage_lon` is a waiting area at sea 2-8 km off the port entrance.
    `high_risk` marks the known cocaine departure and transshipment ports.
    """

    locode: str
    name: str
    country: str
    lat: float
    lon: float
    anchorage_lat: float
    anchorage_lon: float
    role: str
    high_risk: bool
    ais_destination_texts: tuple[str, ...]


@dataclass(frozen=True)
class CoastalSite:
    """Where a coastal drop-off happens: the ship slows at `sea_*`, a small boat leaves `shore_*`.

    `sea_*` is on water 3-10 km from the shore and more than 15 km from any port of `PORTS`;
    `shore_*` is a beach or cove, on water within 500 m of land. `region` is "french_caribbean",
    "brittany" or "galicia".
    """

    name: str
    region: str
    sea_lat: float
    sea_lon: float
    shore_lat: float
    shore_lon: float


@dataclass(frozen=True)
class FishingGround:
    """A fishing ground: a disc of `radius_nm` around (`lat`, `lon`), all of it at sea."""

    name: str
    lat: float
    lon: float
    radius_nm: float
    home_port: str


@dataclass(frozen=True)
class Receiver:
    """A terrestrial AIS base station on the coast and its nominal range (30-60 nm, VHF horizon)."""

    name: str
    lat: float
    lon: float
    range_nm: float


@dataclass(frozen=True)
class FerryLine:
    """A scheduled ferry between two ports: crossing time and departure hours (UTC, 0-24)."""

    name: str
    ports: tuple[str, str]
    crossing_hours: float
    departures_utc: tuple[float, ...]


def _ascii_upper(text: str, hyphen: str = " ") -> str:
    """`text` in upper-case ASCII, hyphens as `hyphen`: "Pointe-à-Pitre" -> "POINTE A PITRE"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return hyphen.join(" ".join(part.split()) for part in plain.upper().split("-"))


def destination_texts(locode: str, name: str, aliases: tuple[str, ...] = ()) -> tuple[str, ...]:
    """How crews type a port in the AIS destination field, most common first.

    The plain name ("LE HAVRE"), the UN/LOCODE ("FRLEH"), the code split after the country
    ("FR LEH"), the name without spaces ("LEHAVRE"), with its hyphens ("FORT-DE-FRANCE"), then the
    port's usual aliases; each cut to the field's 20 characters, without repeats.
    """
    plain = _ascii_upper(name)
    hyphenated = _ascii_upper(name, hyphen="-")
    candidates = (
        plain,
        locode,
        f"{locode[:2]} {locode[2:]}",
        plain.replace(" ", ""),
        hyphenated,
        *aliases,
    )
    texts: list[str] = []
    for text in candidates:
        cut = text[:AIS_DESTINATION_CHARS]
        if cut not in texts:
            texts.append(cut)
    return tuple(texts)


# locode, name, country, berth (lat, lon), anchorage (lat, lon), role
_PortRow = tuple[str, str, str, float, float, float, float, str]
_PORT_ROWS: Final[tuple[_PortRow, ...]] = (
    # South American departure ports (Pacific side first: they reach the Atlantic via Panama)
    ("ECGYE", "Guayaquil", "EC", -2.2405, -79.8816, -3.035, -80.045, "departure"),
    ("ECPSJ", "Posorja", "EC", -2.7082, -80.2410, -2.765, -80.260, "departure"),
    ("PABLB", "Balboa", "PA", 8.9396, -79.5547, 8.885, -79.525, "departure"),
    ("PAMIT", "Manzanillo", "PA", 9.3640, -79.8830, 9.415, -79.905, "departure"),
    ("COTRB", "Turbo", "CO", 8.0930, -76.7370, 8.115, -76.775, "departure"),
    ("COCTG", "Cartagena", "CO", 10.4025, -75.5200, 10.310, -75.620, "departure"),
    ("COBAQ", "Barranquilla", "CO", 10.9750, -74.7647, 11.165, -74.845, "departure"),
    ("COSMR", "Santa Marta", "CO", 11.2366, -74.2154, 11.265, -74.245, "departure"),
    ("COPBO", "Puerto Bolívar", "CO", 12.2450, -71.9580, 12.300, -71.975, "departure"),
    ("GYGEO", "Georgetown", "GY", 6.8153, -58.1543, 6.870, -58.170, "departure"),
    ("SRPBM", "Paramaribo", "SR", 5.8170, -55.1580, 6.015, -55.170, "departure"),
    ("BRSSZ", "Santos", "BR", -23.9738, -46.3208, -24.035, -46.340, "departure"),
    # Caribbean, West and North African transshipment hubs
    ("JMKIN", "Kingston", "JM", 17.9899, -76.8265, 17.905, -76.850, "transshipment"),
    ("DOCAU", "Caucedo", "DO", 18.4290, -69.6766, 18.395, -69.660, "transshipment"),
    ("BSFPO", "Freeport", "BS", 26.5170, -78.7670, 26.480, -78.765, "transshipment"),
    ("TTPOS", "Port of Spain", "TT", 10.6552, -61.5193, 10.630, -61.545, "transshipment"),
    ("MAPTM", "Tanger Med", "MA", 35.8860, -5.5030, 35.920, -5.525, "transshipment"),
    ("ESALG", "Algeciras", "ES", 36.1411, -5.4381, 36.120, -5.405, "transshipment"),
    ("SNDKR", "Dakar", "SN", 14.6824, -17.4408, 14.665, -17.395, "transshipment"),
    ("CVRAI", "Praia", "CV", 14.9186, -23.5167, 14.885, -23.510, "transshipment"),
    ("ESLPA", "Las Palmas", "ES", 28.1289, -15.4303, 28.115, -15.395, "transshipment"),
    ("CIABJ", "Abidjan", "CI", 5.2562, -3.9780, 5.210, -4.010, "transshipment"),
    ("TGLFW", "Lomé", "TG", 6.1370, 1.2840, 6.095, 1.295, "transshipment"),
    ("NGLOS", "Lagos", "NG", 6.4235, 3.4067, 6.365, 3.395, "transshipment"),
    # French Caribbean (and French Guiana)
    ("MQFDF", "Fort-de-France", "MQ", 14.6030, -61.0600, 14.575, -61.085, "french_caribbean"),
    ("MQQMR", "Le Marin", "MQ", 14.4670, -60.8680, 14.395, -60.850, "french_caribbean"),
    ("GPPTP", "Pointe-à-Pitre", "GP", 16.2333, -61.5333, 16.195, -61.520, "french_caribbean"),
    ("MFMAR", "Marigot", "MF", 18.0690, -63.0870, 18.090, -63.110, "french_caribbean"),
    ("GFDDC", "Dégrad des Cannes", "GF", 4.8667, -52.2667, 4.925, -52.255, "french_caribbean"),
    # European ranges
    ("FRLEH", "Le Havre", "FR", 49.4860, 0.1071, 49.515, 0.040, "europe"),
    ("FRDKK", "Dunkirk", "FR", 51.0448, 2.3761, 51.075, 2.335, "europe"),
    ("FRFOS", "Marseille-Fos", "FR", 43.4130, 4.8877, 43.360, 4.910, "europe"),
    ("FRMTX", "Montoir-de-Bretagne", "FR", 47.3019, -2.1396, 47.255, -2.190, "europe"),
    ("FRBES", "Brest", "FR", 48.3868, -4.4907, 48.345, -4.500, "europe"),
    ("FRCER", "Cherbourg", "FR", 49.6450, -1.6170, 49.690, -1.610, "europe"),
    ("BEANR", "Antwerp", "BE", 51.2024, 4.3829, 51.435, 3.465, "europe"),
    ("NLRTM", "Rotterdam", "NL", 51.9044, 4.4424, 52.010, 3.955, "europe"),
    ("DEHAM", "Hamburg", "DE", 53.5477, 9.9694, 53.915, 8.560, "europe"),
    ("GBFXT", "Felixstowe", "GB", 51.9579, 1.3445, 51.920, 1.410, "europe"),
    ("GBSOU", "Southampton", "GB", 50.8939, -1.3753, 50.785, -1.260, "europe"),
    ("GBPME", "Portsmouth", "GB", 50.8120, -1.0880, 50.745, -1.080, "europe"),
    ("ESVGO", "Vigo", "ES", 42.2430, -8.7044, 42.230, -8.770, "europe"),
    ("PTSIE", "Sines", "PT", 37.9600, -8.8550, 37.935, -8.895, "europe"),
    # Islands yachts hop between
    ("LCCAS", "Castries", "LC", 14.0167, -61.0000, 14.015, -61.040, "island"),
    ("LCGRI", "Rodney Bay", "LC", 14.0770, -60.9500, 14.085, -60.990, "island"),
    ("VCKTN", "Kingstown", "VC", 13.1500, -61.2333, 13.135, -61.260, "island"),
    ("GDSTG", "St George's", "GD", 12.0500, -61.7500, 12.040, -61.800, "island"),
    ("DMRSU", "Roseau", "DM", 15.3000, -61.3833, 15.290, -61.415, "island"),
    ("AGSJO", "St John's", "AG", 17.1167, -61.8667, 17.130, -61.905, "island"),
    ("BBBGI", "Bridgetown", "BB", 13.1040, -59.6300, 13.090, -59.665, "island"),
    ("SXPHI", "Philipsburg", "SX", 18.0180, -63.0470, 17.990, -63.050, "island"),
)

_ALIASES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "ECGYE": ("GYE",),
        "ECPSJ": ("DP POSORJA",),
        "PABLB": ("BALBOA PANAMA",),
        "PAMIT": ("MIT COLON",),
        "COTRB": ("PUERTO ANTIOQUIA",),
        "COCTG": ("CTG",),
        "COBAQ": ("BAQ",),
        "COSMR": ("STA MARTA",),
        "GYGEO": ("GEORGETOWN GY",),
        "SRPBM": ("PBM",),
        "BRSSZ": ("SANTOS BR",),
        "JMKIN": ("KFTL",),
        "DOCAU": ("DP WORLD CAUCEDO",),
        "BSFPO": ("FREEPORT BAHAMAS",),
        "TTPOS": ("POS",),
        "MAPTM": ("TANGIER MED",),
        "ESALG": ("ALGECIRAS BAY",),
        "SNDKR": ("DAKAR SENEGAL",),
        "CVRAI": ("PORTO PRAIA",),
        "ESLPA": ("LPA",),
        "CIABJ": ("ABIDJAN CI",),
        "TGLFW": ("LOME TOGO",),
        "NGLOS": ("APAPA", "LAGOS NG"),
        "MQFDF": ("FDF",),
        "MQQMR": ("MARIN",),
        "GPPTP": ("PTP",),
        "MFMAR": ("ST MARTIN",),
        "GFDDC": ("CAYENNE",),
        "FRLEH": ("HAVRE",),
        "FRDKK": ("DUNKERQUE",),
        "FRFOS": ("FOS SUR MER",),
        "FRMTX": ("ST NAZAIRE",),
        "FRBES": ("BREST FR",),
        "FRCER": ("CHERBOURG FR",),
        "BEANR": ("ANTWERPEN", "ANVERS"),
        "NLRTM": ("RTM", "EUROPOORT"),
        "DEHAM": ("HAMBOURG",),
        "GBFXT": ("FXT",),
        "GBSOU": ("SOTON",),
        "GBPME": ("PORTSMOUTH UK",),
        "ESVGO": ("VIGO SPAIN",),
        "PTSIE": ("SINES PT",),
        "LCCAS": ("ST LUCIA",),
        "LCGRI": ("RODNEY BAY MARINA",),
        "VCKTN": ("ST VINCENT",),
        "GDSTG": ("GRENADA",),
        "DMRSU": ("DOMINICA",),
        "AGSJO": ("ANTIGUA",),
        "BBBGI": ("BARBADOS",),
        "SXPHI": ("SINT MAARTEN",),
    }
)
"""Other names crews type for a port (old names, other languages, terminals, short forms)."""

_SUPPLIED: Final = {
    "PAMIT": "Manzanillo International Terminal, Colón (searoute places PAMIT 40 km away)",
    "COTRB": "Turbo on the east shore of the Gulf of Urabá (searoute: the Atrato delta, 15 km)",
    "COPBO": "Puerto Bolívar in Bahía Portete (searoute: Cabo de la Vela, 24 km west)",
    "SRPBM": "Paramaribo Nieuwe Haven on the Suriname river (searoute: 9 km north-west, ashore)",
    "TGLFW": "the port of Lomé, east of the city (searoute: 8 km west)",
    "BSFPO": "Freeport Harbour, west of the town (searoute: inland, 7 km east)",
    "BBBGI": "Bridgetown deep water harbour (searoute: 4 km south-east, ashore)",
    "MQFDF": "the Fort-de-France container terminal (searoute: 4 km west)",
    "MAPTM": "Tanger Med (absent from searoute; MATNG is the old city port)",
    "MQQMR": "Le Marin (absent from searoute)",
    "MFMAR": "Marigot, Saint-Martin (absent from searoute)",
    "GBPME": "Portsmouth International Port (absent from searoute)",
    "FRCER": "Cherbourg (absent from searoute)",
    "LCGRI": "Rodney Bay, Gros Islet (absent from searoute)",
    "SXPHI": "Philipsburg, Great Bay (absent from searoute)",
    "AGSJO": "St John's; searoute has this harbour as AGSJS, UN/LOCODE is AGSJO",
}
"""Ports whose code or berth is not searoute's, and where they come from (charts, UN/LOCODE)."""

HIGH_RISK_ROLES: Final = ("departure", "transshipment")
"""Roles of the known cocaine departure and transshipment ports (UNODC/EMCDDA port reports)."""

PORTS: Final[tuple[Port, ...]] = tuple(
    Port(
        locode=row[0],
        name=row[1],
        country=row[2],
        lat=row[3],
        lon=row[4],
        anchorage_lat=row[5],
        anchorage_lon=row[6],
        role=row[7],
        high_risk=row[7] in HIGH_RISK_ROLES,
        ais_destination_texts=destination_texts(row[0], row[1], _ALIASES.get(row[0], ())),
    )
    for row in _PORT_ROWS
)
"""Every port of the theatre, grouped by role."""

_BY_LOCODE: Final[Mapping[str, Port]] = MappingProxyType({p.locode: p for p in PORTS})


def port(locode: str) -> Port:
    """The port of UN/LOCODE `locode`; KeyError naming the code if the theatre has no such port."""
    try:
        return _BY_LOCODE[locode]
    except KeyError:
        raise KeyError(f"no port {locode!r} in the theatre") from None


PANAMA_CANAL: Final = Fairway(
    "Panama Canal",
    (
        (8.890, -79.520),  # Pacific entrance, off Balboa
        (8.935, -79.555),  # Bridge of the Americas
        (8.960, -79.575),
        (8.997, -79.591),  # Miraflores Locks
        (9.017, -79.612),  # Pedro Miguel Locks
        (9.050, -79.650),  # Culebra Cut
        (9.080, -79.665),
        (9.115, -79.695),  # Gamboa, where the channel enters Gatun Lake
        (9.120, -79.740),
        (9.150, -79.800),
        (9.170, -79.860),  # north of Barro Colorado Island
        (9.225, -79.905),
        (9.272, -79.921),  # Gatun Locks
        (9.320, -79.915),
        (9.350, -79.910),  # Cristóbal
        (9.390, -79.920),  # Atlantic breakwater, Limon Bay
    ),
    half_width_km=2.0,
)
"""The canal's ship channel: lakes and locks are land on the GLOBE mask. Routes find their way
through it over mask cells, hence a corridor wide enough for cells wholly inside it."""

RIVER_FAIRWAYS: Final[Mapping[str, Fairway]] = MappingProxyType(
    {
        "DEHAM": Fairway(
            "Elbe, Hamburg to Brunsbüttel",
            (
                (53.5477, 9.9694),
                (53.5445, 9.9400),
                (53.5450, 9.9050),
                (53.5465, 9.8700),
                (53.5480, 9.8350),
                (53.5520, 9.8000),
                (53.5580, 9.7400),
                (53.5660, 9.6800),
                (53.5830, 9.6300),
                (53.6042, 9.5875),
                (53.6458, 9.5292),
                (53.6708, 9.5125),
                (53.7042, 9.4833),
                (53.7458, 9.4208),
                (53.7708, 9.4000),
                (53.7958, 9.3833),
                (53.8208, 9.3625),
                (53.8458, 9.3250),
                (53.8625, 9.2833),
                (53.8792, 9.1800),
            ),
        ),
        "BEANR": Fairway(
            "Scheldt, Antwerp to Bath",
            (
                (51.2024, 4.3829),
                (51.2230, 4.3960),
                (51.2380, 4.3880),
                (51.2540, 4.3420),
                (51.2700, 4.3230),
                (51.2850, 4.3050),
                (51.3000, 4.2950),
                (51.3180, 4.2800),
                (51.3500, 4.2500),
                (51.3700, 4.2300),
                (51.3920, 4.2050),
            ),
        ),
        "NLRTM": Fairway(
            "Nieuwe Maas and Nieuwe Waterweg, Rotterdam to the Maasmond",
            (
                (51.9044, 4.4424),
                (51.8980, 4.4180),
                (51.8970, 4.3850),
                (51.8950, 4.3450),
                (51.9060, 4.2900),
                (51.9180, 4.2500),
                (51.9360, 4.2050),
                (51.9550, 4.1650),
                (51.9720, 4.1300),
                (51.9820, 4.0950),
                (51.9840, 4.0200),
            ),
        ),
        "ECGYE": Fairway(
            "Guayas river, Guayaquil to the Jambelí channel",
            (
                (-2.2405, -79.8816),
                (-2.2750, -79.8660),
                (-2.3300, -79.8520),
                (-2.4000, -79.8500),
                (-2.4700, -79.8580),
                (-2.5500, -79.8500),
                (-2.6200, -79.8350),
                (-2.6750, -79.8300),
            ),
        ),
        "COBAQ": Fairway(
            "Magdalena river, Barranquilla to Bocas de Ceniza",
            (
                (10.9750, -74.7647),
                (11.0000, -74.7720),
                (11.0300, -74.7900),
                (11.0600, -74.8150),
                (11.0900, -74.8400),
                (11.1150, -74.8520),
                (11.1350, -74.8580),
            ),
        ),
        "SRPBM": Fairway(
            "Suriname river, Paramaribo to the estuary",
            (
                (5.8170, -55.1580),
                (5.8350, -55.1480),
                (5.8600, -55.1400),
                (5.8850, -55.1300),
                (5.9050, -55.1250),
            ),
        ),
    }
)
"""The river approaches the land mask closes, from each port's berth to where open water starts."""

FAIRWAYS: Final[tuple[Fairway, ...]] = (PANAMA_CANAL, *RIVER_FAIRWAYS.values())
"""Every channel the land mask must treat as water."""

_ENTRANCES: Final[Mapping[str, tuple[float, float]]] = MappingProxyType(
    {
        "DEHAM": (53.885, 8.640),  # Elbe mouth off Cuxhaven
        "BEANR": (51.430, 3.530),  # Westerschelde mouth off Vlissingen
        "NLRTM": (51.984, 4.020),  # Maasmond
        "ECGYE": (-3.000, -80.000),  # Jambelí channel, Gulf of Guayaquil
        "COBAQ": (11.130, -74.858),  # Bocas de Ceniza
        "SRPBM": (5.965, -55.165),  # Suriname river mouth
        "COCTG": (10.320, -75.585),  # Bocachica, the channel into Cartagena Bay
        "JMKIN": (17.935, -76.845),  # Port Royal channel, Kingston Harbour
        "MQQMR": (14.440, -60.875),  # mouth of the Cul-de-sac du Marin
        "GBSOU": (50.820, -1.310),  # Calshot, where Southampton Water meets the Solent
    }
)


def port_entrance(locode: str) -> tuple[float, float]:
    """Where ships enter port `locode` from the sea: a river mouth, a channel, else the berth."""
    here = port(locode)
    return _ENTRANCES.get(locode, (here.lat, here.lon))


COASTAL_SITES: Final[tuple[CoastalSite, ...]] = (
    # name, region, sea point (lat, lon), shore point (lat, lon)
    CoastalSite("Martinique, Caravelle", "french_caribbean", 14.800, -60.840, 14.7700, -60.8735),
    CoastalSite("Martinique, Grand-Riviere", "french_caribbean", 14.927, -61.150, 14.8768, -61.18),
    CoastalSite("Guadeloupe, Le Moule", "french_caribbean", 16.378, -61.290, 16.3431, -61.3400),
    CoastalSite("Marie-Galante, Capesterre", "french_caribbean", 15.870, -61.17, 15.8900, -61.22),
    CoastalSite("Baie d'Audierne, La Torche", "brittany", 47.829, -4.433, 47.8400, -4.3460),
    CoastalSite("Crozon peninsula, Morgat", "brittany", 48.187, -4.447, 48.2200, -4.5040),
    CoastalSite("Baie de La Foret, Beg-Meil", "brittany", 47.780, -3.990, 47.8480, -3.9750),
    CoastalSite("Ria de Arousa, Vilanova", "galicia", 42.450, -9.068, 42.5573, -8.8800),
    CoastalSite("Costa da Morte, Camarinas", "galicia", 43.150, -9.300, 43.1102, -9.2050),
    CoastalSite("Ria de Muros, Louro", "galicia", 42.720, -9.194, 42.7420, -9.0950),
)
"""Beaches and coves of the three drop-off regions, with where a mother ship would slow offshore."""

FISHING_GROUNDS: Final[tuple[FishingGround, ...]] = (
    FishingGround("Suriname shelf", 6.80, -55.00, 20.0, "SRPBM"),
    FishingGround("French Guiana shelf", 5.75, -51.95, 15.0, "GFDDC"),
    FishingGround("Guyana shelf", 7.45, -58.00, 20.0, "GYGEO"),
    FishingGround("Saba Bank", 17.45, -63.45, 10.0, "SXPHI"),
    FishingGround("Pedro Bank", 16.95, -78.10, 12.0, "JMKIN"),
    FishingGround("Martinique Atlantic banks", 14.70, -60.55, 10.0, "MQQMR"),
    FishingGround("Bay of Biscay, Grande Vasiere", 46.60, -4.30, 25.0, "FRMTX"),
    FishingGround("Iroise and Celtic Sea approaches", 48.20, -5.60, 15.0, "FRBES"),
    FishingGround("Galician shelf", 43.10, -9.65, 12.0, "ESVGO"),
    FishingGround("Senegal shelf, Petite Cote", 14.20, -17.40, 15.0, "SNDKR"),
    FishingGround("Cape Verde, Santiago banks", 15.25, -23.95, 8.0, "CVRAI"),
    FishingGround("Togo and Ghana shelf", 5.65, 1.10, 9.0, "TGLFW"),
    FishingGround("Ivorian shelf", 4.85, -4.60, 10.0, "CIABJ"),
)
"""Fishing grounds near the theatre's coasts; every point within `radius_nm` is at sea."""

RECEIVERS: Final[tuple[Receiver, ...]] = (
    # French Caribbean and French Guiana
    Receiver("Fort-de-France", 14.62, -61.07, 40.0),
    Receiver("Le Marin", 14.47, -60.87, 35.0),
    Receiver("La Trinite", 14.76, -60.90, 40.0),
    Receiver("Pointe-a-Pitre", 16.24, -61.53, 40.0),
    Receiver("Basse-Terre", 16.00, -61.73, 35.0),
    Receiver("Marie-Galante", 15.95, -61.27, 30.0),
    Receiver("Marigot", 18.07, -63.08, 35.0),
    Receiver("Degrad des Cannes", 4.86, -52.27, 40.0),
    Receiver("Kourou", 5.16, -52.65, 35.0),
    # Lesser Antilles
    Receiver("Castries", 14.01, -60.99, 35.0),
    Receiver("Kingstown", 13.16, -61.23, 35.0),
    Receiver("St George's", 12.05, -61.75, 35.0),
    Receiver("Roseau", 15.30, -61.39, 35.0),
    Receiver("St John's", 17.12, -61.85, 35.0),
    Receiver("Bridgetown", 13.10, -59.62, 40.0),
    # South America and Panama
    Receiver("Paramaribo", 5.95, -55.18, 35.0),
    Receiver("Georgetown", 6.82, -58.16, 35.0),
    Receiver("Port of Spain", 10.65, -61.52, 40.0),
    Receiver("Cartagena", 10.40, -75.53, 40.0),
    Receiver("Barranquilla", 11.02, -74.80, 35.0),
    Receiver("Santa Marta", 11.24, -74.21, 35.0),
    Receiver("Puerto Bolivar", 12.24, -71.96, 35.0),
    Receiver("Turbo", 8.09, -76.73, 30.0),
    Receiver("Colon", 9.36, -79.90, 40.0),
    Receiver("Balboa", 8.95, -79.56, 40.0),
    Receiver("Guayaquil", -2.25, -79.89, 30.0),
    Receiver("Posorja", -2.70, -80.24, 35.0),
    Receiver("Santos", -23.98, -46.30, 40.0),
    # Caribbean hubs
    Receiver("Kingston", 17.95, -76.80, 40.0),
    Receiver("Caucedo", 18.43, -69.63, 40.0),
    Receiver("Freeport", 26.52, -78.75, 40.0),
    # Morocco, Strait of Gibraltar, Atlantic islands and West Africa
    Receiver("Tanger Med", 35.88, -5.52, 40.0),
    Receiver("Tarifa", 36.01, -5.60, 45.0),
    Receiver("Rabat", 34.03, -6.84, 35.0),
    Receiver("Casablanca", 33.60, -7.62, 40.0),
    Receiver("El Jadida", 33.25, -8.50, 35.0),
    Receiver("Safi", 32.30, -9.25, 35.0),
    Receiver("Essaouira", 31.51, -9.77, 35.0),
    Receiver("Agadir", 30.42, -9.62, 40.0),
    Receiver("Las Palmas", 28.13, -15.42, 45.0),
    Receiver("Dakar", 14.68, -17.43, 45.0),
    Receiver("Praia", 14.92, -23.51, 40.0),
    Receiver("Abidjan", 5.25, -4.00, 40.0),
    Receiver("San-Pedro", 4.74, -6.62, 35.0),
    Receiver("Takoradi", 4.88, -1.74, 35.0),
    Receiver("Tema", 5.63, 0.01, 40.0),
    Receiver("Lome", 6.13, 1.28, 40.0),
    Receiver("Cotonou", 6.35, 2.43, 40.0),
    Receiver("Lagos", 6.42, 3.40, 40.0),
    # Iberia
    Receiver("Cadiz", 36.53, -6.30, 40.0),
    Receiver("Faro", 37.00, -7.92, 35.0),
    Receiver("Cabo de Sao Vicente", 37.02, -8.99, 45.0),
    Receiver("Sines", 37.95, -8.87, 40.0),
    Receiver("Cabo da Roca", 38.78, -9.50, 45.0),
    Receiver("Nazare", 39.60, -9.07, 40.0),
    Receiver("Leixoes", 41.18, -8.70, 40.0),
    Receiver("Cabo Silleiro", 42.10, -8.89, 40.0),
    Receiver("Finisterre", 42.88, -9.27, 50.0),
    Receiver("A Coruna", 43.37, -8.40, 40.0),
    Receiver("Cabo Penas", 43.66, -5.85, 40.0),
    Receiver("Santander", 43.47, -3.78, 40.0),
    Receiver("Fos, Cap Couronne", 43.33, 5.05, 40.0),
    # Bay of Biscay
    Receiver("Biarritz", 43.49, -1.56, 40.0),
    Receiver("Cap Ferret", 44.63, -1.25, 40.0),
    Receiver("Chassiron", 46.05, -1.41, 40.0),
    Receiver("Les Sables-d'Olonne", 46.50, -1.79, 40.0),
    Receiver("Saint-Nazaire, Chemoulin", 47.23, -2.30, 40.0),
    Receiver("Groix", 47.64, -3.45, 40.0),
    Receiver("Penmarc'h", 47.80, -4.37, 40.0),
    Receiver("Pointe Saint-Mathieu", 48.33, -4.77, 45.0),
    Receiver("Ouessant", 48.47, -5.10, 50.0),
    # English Channel
    Receiver("Roscoff", 48.72, -3.98, 40.0),
    Receiver("Cap Frehel", 48.68, -2.32, 40.0),
    Receiver("Cap de la Hague", 49.72, -1.94, 45.0),
    Receiver("Cap de la Heve", 49.51, 0.07, 40.0),
    Receiver("Dieppe", 49.93, 1.08, 35.0),
    Receiver("Cap Gris-Nez", 50.87, 1.58, 40.0),
    Receiver("Dunkirk", 51.05, 2.37, 35.0),
    Receiver("Lizard", 49.96, -5.20, 45.0),
    Receiver("Start Point", 50.22, -3.64, 40.0),
    Receiver("Portland", 50.51, -2.45, 40.0),
    Receiver("The Needles", 50.66, -1.59, 35.0),
    Receiver("Portsmouth", 50.78, -1.10, 35.0),
    Receiver("Dover", 51.13, 1.33, 35.0),
    # North Sea
    Receiver("North Foreland", 51.37, 1.45, 35.0),
    Receiver("Felixstowe", 51.95, 1.33, 35.0),
    Receiver("Ostend", 51.23, 2.92, 35.0),
    Receiver("Vlissingen", 51.44, 3.58, 35.0),
    Receiver("Antwerp", 51.27, 4.33, 30.0),
    Receiver("Hoek van Holland", 51.98, 4.12, 35.0),
    Receiver("IJmuiden", 52.46, 4.58, 35.0),
    Receiver("Den Helder", 52.96, 4.76, 35.0),
    Receiver("Terschelling", 53.36, 5.22, 35.0),
    Receiver("Borkum", 53.59, 6.66, 35.0),
    Receiver("Wangerooge", 53.79, 7.90, 40.0),
    Receiver("Cuxhaven", 53.87, 8.70, 35.0),
    Receiver("Hamburg", 53.55, 9.95, 30.0),
)
"""Terrestrial AIS base stations: every port is covered; open-ocean legs are not (as in reality)."""

FERRY_LINES: Final[tuple[FerryLine, ...]] = (
    # the Pointe-à-Pitre crossing includes the call at Roseau, Dominica
    FerryLine("Fort-de-France - Pointe-à-Pitre", ("MQFDF", "GPPTP"), 4.5, (11.0, 20.5)),
    FerryLine("Fort-de-France - Castries", ("MQFDF", "LCCAS"), 1.5, (12.0, 21.0)),
    FerryLine("Algeciras - Tanger Med", ("ESALG", "MAPTM"), 1.5, tuple(range(6, 23, 2))),
    FerryLine("Portsmouth - Le Havre", ("GBPME", "FRLEH"), 5.5, (7.0, 22.0)),
    FerryLine("Portsmouth - Cherbourg", ("GBPME", "FRCER"), 3.0, (7.5, 14.0)),
)
"""Scheduled ferry lines of the theatre (timetables in the style of the operators', UTC)."""

YACHT_PORTS: Final[tuple[str, ...]] = (
    "MQQMR",
    "MQFDF",
    "LCGRI",
    "LCCAS",
    "VCKTN",
    "GDSTG",
    "DMRSU",
    "GPPTP",
    "AGSJO",
    "MFMAR",
    "SXPHI",
    "BBBGI",
    "SRPBM",
)
"""Marinas and island ports cruising yachts hop between, from Paramaribo up to Saint-Martin."""
