"""UN/LOCODE gazetteer: port codes, names and positions, and what a crew typed as destination.

What: `Gazetteer` holds the ports of `searoute`'s `ports.geojson` (3,962 ports with UN/LOCODE,
name, country and position) with a few corrections and additions, and answers two questions:
which port is nearest a position (`nearest_locode`), and which port a free-text AIS destination
means (`normalise_destination`, `destination_candidates`).

Why: the AIS destination field is 20 characters typed by hand ("FR LEH", "LEHAVRE", "BRSSZ>FRLEH",
"FOR ORDERS", "ANTWERPEN@@@@"). Comparing a declared destination with the port a vessel reaches
needs both on one key, the UN/LOCODE.

How a text is read, first rule that gives an answer:
1. clean: ASCII upper case, the part after the last '>' (a route), '@' padding and punctuation
   dropped; "FOR ORDERS", "TBA" and the like mean no destination;
2. a 5-character code ("FRLEH", "FR LEH", "FR-LEH") found in the gazetteer;
3. the name: letters only, tokens abbreviated the way crews do ("SAINT" = "ST", "SANTA" = "STA"),
   compared with the gazetteer's names (also without their article, "LE HAVRE" = "HAVRE", or their
   qualifier, "KINGSTOWN, ST VINCENT" = "KINGSTOWN") and a short list of usual aliases;
4. the same after dropping a country ("GEORGETOWN GY", "DAKAR SENEGAL"), which also filters the
   ports by country, or harbour words ("ALGECIRAS BAY", "DP WORLD CAUCEDO");
5. the location part of a code alone ("CTG", "RTM");
6. a typo: edit distance (with swaps) 1 (names of 5-8 letters) or 2 (longer names).
A name shared by several ports is ambiguous: `normalise_destination` returns None, unless one of
them carries most of the traffic (searoute's `to_cty` list of served countries: at least
`_DOMINANT_MIN_LINKS` and 3 times the runner-up). `destination_candidates` keeps every port the
text may mean, which is what a comparison with a reached port should use.

Sources: searoute 1.6 `data/ports.geojson` (Apache-2.0); codes UN/LOCODE (UNECE code list).
`_CORRECTIONS` are ports searoute places away from their harbour or lacks, positioned on nautical
charts; `_ALIASES` are names crews commonly type for a port that is not their gazetteer name.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import OSA

from balise.geo.ports import AnchorageIndex
from balise.model.arrays import ObjectArray

__all__ = [
    "Gazetteer",
    "clean_destination",
    "destination_candidates",
    "load_high_risk_ports",
    "nearest_locode",
    "normalise_destination",
]


_DOMINANT_MIN_LINKS: Final = 10
"""A port shares its name with others but is meant unless said otherwise when it serves at least
this many countries (searoute `to_cty`) and 3 times as many as the runner-up."""
_DOMINANT_RATIO: Final = 3

_NO_DESTINATION: Final = frozenset(
    {"", "FOR ORDERS", "FOR ORDER", "ORDERS", "TBA", "TBC", "TBN", "TBD", "UNKNOWN", "NONE",
     "NIL", "NA", "N A", "NO DESTINATION", "AWAITING ORDERS", "AT SEA", "SEA", "OPL"}
)  # fmt: skip
"""Cleaned texts that say there is no destination (orders awaited, to be advised)."""

_ABBREVIATIONS: Final = MappingProxyType(
    {"SAINT": "ST", "SAINTE": "STE", "SANTA": "STA", "SANTO": "STO", "SAN": "S", "SAO": "S",
     "PUERTO": "PTO", "FORT": "FT", "MOUNT": "MT", "NORTH": "N", "SOUTH": "S"}
)  # fmt: skip
"""Tokens crews shorten: both the text and the gazetteer names are read through this table."""
_ARTICLES: Final = frozenset({"LE", "LA", "LES", "L", "EL", "LOS", "LAS", "DE", "DEL", "THE"})
_HARBOUR_WORDS: Final = frozenset(
    {"PORT", "PORTO", "PT", "DP", "DPW", "WORLD", "TERMINAL", "TERM", "MARINA", "BAY", "HARBOUR",
     "HARBOR", "ANCH", "ANCHORAGE", "ROADS", "PILOT", "PILOTS", "INNER", "OUTER", "CITY"}
)  # fmt: skip
"""Words around a port's name that do not change the port ("ALGECIRAS BAY", "DP WORLD CAUCEDO")."""
_COUNTRY_WORDS: Final = MappingProxyType(
    {"UK": "GB", "ENGLAND": "GB", "USA": "US", "HOLLAND": "NL"}
)

_CORRECTIONS: Final[tuple[tuple[str, str, str, float, float], ...]] = (
    # locode, name, country, lat, lon: searoute lacks the port or places it off its harbour
    ("PAMIT", "Manzanillo", "Panama", 9.3640, -79.8830),
    ("COTRB", "Turbo", "Colombia", 8.0930, -76.7370),
    ("COPBO", "Puerto Bolivar", "Colombia", 12.2450, -71.9580),
    ("SRPBM", "Paramaribo", "Suriname", 5.8170, -55.1580),
    ("TGLFW", "Lome", "Togo", 6.1370, 1.2840),
    ("BSFPO", "Freeport", "Bahamas", 26.5170, -78.7670),
    ("BBBGI", "Bridgetown", "Barbados", 13.1040, -59.6300),
    ("MQFDF", "Fort De France", "Martinique", 14.6030, -61.0600),
    ("MAPTM", "Tanger Med", "Morocco", 35.8860, -5.5030),
    ("MQQMR", "Le Marin", "Martinique", 14.4670, -60.8680),
    ("MFMAR", "Marigot", "Saint_martin", 18.0690, -63.0870),
    ("GBPME", "Portsmouth", "United_kingdom", 50.8120, -1.0880),
    ("FRCER", "Cherbourg", "France", 49.6450, -1.6170),
    ("LCGRI", "Rodney Bay", "Saint_lucia", 14.0770, -60.9500),
    ("SXPHI", "Philipsburg", "Sint_maarten", 18.0180, -63.0470),
    ("AGSJO", "St John's", "Antigua_and_barbuda", 17.1167, -61.8667),
)
_RETIRED: Final = frozenset({"ANPHI", "AGSJS"})
"""searoute codes replaced above: Philipsburg is SXPHI since the Netherlands Antilles dissolved
(2010); St John's, Antigua is AGSJO in UN/LOCODE."""

_ALIASES: Final = MappingProxyType(
    {"ANVERS": "BEANR", "ANTWERP": "BEANR", "DUNKIRK": "FRDKK", "HAMBOURG": "DEHAM",
     "MARSEILLE FOS": "FRFOS", "FOS": "FRFOS", "ST NAZAIRE": "FRMTX", "NANTES ST NAZAIRE": "FRMTX",
     "SOTON": "GBSOU", "TANGIER MED": "MAPTM", "TANGERMED": "MAPTM", "KFTL": "JMKIN",
     "MIT": "PAMIT", "MIT COLON": "PAMIT", "PUERTO ANTIOQUIA": "COTRB", "PRAIA": "CVRAI",
     "ST LUCIA": "LCCAS", "ST VINCENT": "VCKTN", "GRENADA": "GDSTG", "DOMINICA": "DMRSU",
     "ANTIGUA": "AGSJO", "BARBADOS": "BBBGI", "SINT MAARTEN": "SXPHI", "ST MAARTEN": "SXPHI",
     "ST MARTIN": "MFMAR", "MARTINIQUE": "MQFDF", "GUADELOUPE": "GPPTP"}
)  # fmt: skip
"""Names crews type for a port other than its gazetteer name: other languages, terminals, the
island for its port of entry; Saint-Nazaire for Montoir, where Nantes Saint-Nazaire Port's
terminals are."""


def clean_destination(text: str | None) -> str | None:
    """The AIS destination `text` as plain upper-case words, None when it names no port.

    "brssz>fr leh@@@" -> "FR LEH"; "Pointe-à-Pitre" -> "POINTE A PITRE"; "FOR ORDERS" -> None.
    """
    if text is None:
        return None
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").upper()
    plain = plain.rsplit(">", 1)[-1]
    plain = re.sub(r"['.`]", "", plain)
    words = " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())
    return None if words in _NO_DESTINATION else words


def _tokens(words: str) -> list[str]:
    return [_ABBREVIATIONS.get(t, t) for t in words.split()]


def _key(tokens: Iterable[str]) -> str:
    return "".join(tokens)


def _keys(words: str) -> tuple[str, str]:
    """The abbreviated and the plain key of `words` ("STAMARTA", "SANTAMARTA"): a text typed
    without spaces ("PUERTOBOLIVAR") cannot be abbreviated token by token."""
    return _key(_tokens(words)), _key(words.split())


def _name_keys(name: str) -> set[str]:
    """Keys a gazetteer name is found under: whole, before a comma or bracket, without article."""
    keys: set[str] = set()
    heads = {name, re.split(r"[,(]", name)[0]}
    for head in heads:
        words = clean_destination(head)
        if not words:
            continue
        tokens = _tokens(words)
        keys.update(_keys(words))
        if len(tokens) > 1 and tokens[0] in _ARTICLES:
            keys.add(_key(tokens[1:]))
        core = [t for t in tokens if t not in _HARBOUR_WORDS]
        if core and len(core) < len(tokens):
            keys.add(_key(core))
    return keys


class Gazetteer:
    """Ports by UN/LOCODE with names, countries, positions and traffic (served countries).

    `ports` has columns `locode`, `name`, `country` (English name), `lat`, `lon`, `links`; one
    code may appear on several rows (other names of the same port), its first row gives its
    position.
    """

    def __init__(self, ports: pl.DataFrame) -> None:
        self.ports = ports.unique("locode", keep="first", maintain_order=True)
        self._links: dict[str, int] = dict(
            zip(self.ports["locode"], self.ports["links"], strict=True)
        )
        self._position: dict[str, tuple[float, float]] = {
            code: (lat, lon)
            for code, lat, lon in self.ports.select("locode", "lat", "lon").iter_rows()
        }
        self._names = self._name_index(ports)
        self._by_location = self._location_index(self._links)
        self._countries = self._country_index(ports)
        self._index = AnchorageIndex(self.ports.select("lat", "lon"), cell_deg=0.25)
        self._read: dict[str | None, tuple[str, ...]] = {}
        """Texts already read: a fleet repeats the same few thousand destinations."""

    @staticmethod
    def _name_index(ports: pl.DataFrame) -> dict[str, set[str]]:
        names: dict[str, set[str]] = defaultdict(set)
        for code, name in ports.select("locode", "name").iter_rows():
            for key in _name_keys(name):
                names[key].add(code)
        for alias, code in _ALIASES.items():
            for key in _keys(alias):
                names[key].add(code)
        return dict(names)

    @staticmethod
    def _location_index(links: Mapping[str, int]) -> dict[str, set[str]]:
        by_location: dict[str, set[str]] = defaultdict(set)
        for code in links:
            by_location[code[2:]].add(code)
        return dict(by_location)

    @staticmethod
    def _country_index(ports: pl.DataFrame) -> dict[str, str]:
        """Country word -> ISO 3166 alpha-2 code: the gazetteer's country names (the code most
        of their ports carry), the codes themselves and a few usual words ("UK")."""
        pairs = ports.select(
            pl.col("country").str.replace_all("_", " ").str.to_uppercase().alias("word"),
            pl.col("locode").str.slice(0, 2).alias("iso2"),
        )
        common = pairs.group_by("word").agg(pl.col("iso2").mode().sort().first())
        countries = {_key(_tokens(w)): c for w, c in common.iter_rows() if w}
        countries.update({c: c for c in pairs["iso2"].unique().to_list()})
        countries.update(_COUNTRY_WORDS)
        return countries

    @classmethod
    @functools.cache
    def packaged(cls) -> Gazetteer:
        """The gazetteer of searoute's ports with this module's corrections (read once)."""
        return cls(_packaged_ports())

    def __contains__(self, locode: object) -> bool:
        return locode in self._position

    def position(self, locode: str) -> tuple[float, float] | None:
        """(lat, lon) of port `locode`, None if unknown."""
        return self._position.get(locode)

    def nearest_locode(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, max_km: float = 15.0
    ) -> ObjectArray:
        """UN/LOCODE of the nearest port within `max_km` of each position (None beyond)."""
        index, km = self._index.nearest(lat, lon)
        codes = np.asarray([*self.ports["locode"].to_list(), None], dtype=object)
        found = np.where((index >= 0) & (km <= max_km), index, len(codes) - 1)
        return np.asarray(codes[found], dtype=object)

    def candidates(self, text: str | None) -> tuple[str, ...]:
        """Every UN/LOCODE the destination `text` may mean, sorted (empty: none or no port)."""
        if text in self._read:
            return self._read[text]
        words = clean_destination(text)
        found = () if words is None else tuple(sorted(self._candidates(words)))
        self._read[text] = found
        return found

    def normalise(self, text: str | None) -> str | None:
        """The UN/LOCODE the destination `text` means, None if none or ambiguous."""
        found = self.candidates(text)
        if len(found) == 1:
            return found[0]
        return self._dominant(found)

    def _dominant(self, codes: Iterable[str]) -> str | None:
        ranked = sorted(((self._links.get(c, 0), c) for c in codes), reverse=True)
        if len(ranked) < 2:
            return ranked[0][1] if ranked else None
        (first, code), (second, _) = ranked[0], ranked[1]
        if first >= _DOMINANT_MIN_LINKS and first >= _DOMINANT_RATIO * second:
            return code
        return None

    def _candidates(self, words: str) -> set[str]:
        compact = words.replace(" ", "")
        if len(compact) == 5 and len(words.split()) <= 2 and compact in self._position:
            return {compact}
        tokens = _tokens(words)
        for key in _keys(words):
            if key in self._names:
                return set(self._names[key])
        qualified = self._qualified(tokens)
        if qualified:
            return qualified
        if len(compact) == 3 and compact in self._by_location:
            return set(self._by_location[compact])
        return self._fuzzy(_key(tokens))

    def _qualified(self, tokens: list[str]) -> set[str]:
        """Ports named by `tokens` once a country (first or last word(s)) or harbour words are
        taken off; a country keeps only that country's ports."""
        for cut in (1, 2):
            for rest, country in ((tokens[:-cut], tokens[-cut:]), (tokens[cut:], tokens[:cut])):
                iso2 = self._countries.get(_key(country))
                found = self._names.get(_key(rest)) if rest and iso2 else None
                if found and iso2:
                    inside = {c for c in found if c.startswith(iso2)}
                    if inside:
                        return inside
        core = [t for t in tokens if t not in _HARBOUR_WORDS]
        if core and len(core) < len(tokens):
            return set(self._names.get(_key(core), set()))
        return set()

    def _fuzzy(self, key: str) -> set[str]:
        """Ports whose name key is within 1 edit (5-8 letters) or 2 edits (9+) of `key`; an edit
        is a letter added, dropped, changed, or two neighbours swapped ("HAVER" for "HAVRE")."""
        if len(key) < 5 or not key.isalpha():
            return set()
        edits = 1 if len(key) <= 8 else 2
        hits = process.extract(
            key, list(self._names), scorer=OSA.distance, score_cutoff=edits, limit=None
        )
        if not hits:
            return set()
        best = min(score for _, score, _ in hits)
        return {code for name, score, _ in hits if score == best for code in self._names[name]}


def _packaged_ports() -> pl.DataFrame:
    """searoute's ports (retired codes dropped) and this module's corrections first."""
    raw = resources.files("searoute").joinpath("data", "ports.geojson").read_text("utf-8")
    rows = [
        (
            f["properties"]["port"],
            f["properties"]["name"],
            f["properties"]["cty"],
            float(f["geometry"]["coordinates"][1]),
            float(f["geometry"]["coordinates"][0]),
            len(f["properties"].get("to_cty") or ()),
        )
        for f in json.loads(raw)["features"]
        if f["properties"]["port"] not in _RETIRED
    ]
    known = {r[0]: r[5] for r in rows}
    fixes = [(*fix, known.get(fix[0], 0)) for fix in _CORRECTIONS]
    schema = ["locode", "name", "country", "lat", "lon", "links"]
    return pl.DataFrame(fixes + rows, schema=schema, orient="row")


def nearest_locode(lat: npt.ArrayLike, lon: npt.ArrayLike, max_km: float = 15.0) -> ObjectArray:
    """UN/LOCODE of the nearest packaged port within `max_km` of each position, else None."""
    return Gazetteer.packaged().nearest_locode(lat, lon, max_km)


@functools.lru_cache(maxsize=65536)
def normalise_destination(text: str | None) -> str | None:
    """The UN/LOCODE an AIS destination text means (packaged gazetteer), None if none/ambiguous."""
    return Gazetteer.packaged().normalise(text)


@functools.lru_cache(maxsize=65536)
def destination_candidates(text: str | None) -> tuple[str, ...]:
    """Every UN/LOCODE an AIS destination text may mean (packaged gazetteer)."""
    return Gazetteer.packaged().candidates(text)


@functools.cache
def load_high_risk_ports() -> pl.DataFrame:
    """The high-risk port list `balise/data/high_risk_ports.csv`: `locode`, `name`, `reason`,
    `source` (see high_risk_ports.md)."""
    data = resources.files("balise.data").joinpath("high_risk_ports.csv").read_bytes()
    return pl.read_csv(data, schema_overrides=dict.fromkeys(("locode", "name"), pl.String))
