"""AIS "type of ship and cargo type" codes 0-99 as text and as a coarse vessel class.

What: the ship type field of AIS messages 5, 19 and 24B is a two-digit code defined in
Recommendation ITU-R M.1371-5 (02/2014), Annex 8, Table 53. Its first digit is the kind of craft
(2 WIG, 3 special vessel (the second digit says which), 4 HSC, 5 special craft, 6 passenger,
7 cargo, 8 tanker, 9 other); for 2, 4, 6, 7, 8 and 9 the second digit is the dangerous-goods
category carried (0 all ships of this type, 1-4 hazardous category A-D, 5-8 reserved, 9 no
additional information). The texts follow the usual wording of that table (as in the gpsd AIVDM
guide).

Why: analysts read texts, not codes, and alert rules key on a class ("tanker", "fishing",
"pleasure") rather than on ten codes each; both have to work inside Polars queries.
"""

from __future__ import annotations

from typing import Final, Literal

import polars as pl

ShipClass = Literal[
    "cargo",
    "tanker",
    "passenger",
    "fishing",
    "high_speed",
    "pleasure",
    "sailing",
    "tug",
    "pilot",
    "sar",
    "law_enforcement",
    "military",
    "wig",
    "other",
    "unknown",
]

_CATEGORY_SUFFIX: Final = (
    "all ships of this type",
    "Hazardous category A",
    "Hazardous category B",
    "Hazardous category C",
    "Hazardous category D",
    "Reserved for future use",
    "Reserved for future use",
    "Reserved for future use",
    "Reserved for future use",
    "No additional information",
)

_KIND_BY_FIRST_DIGIT: Final = {
    2: "Wing in ground (WIG)",
    4: "High speed craft (HSC)",
    6: "Passenger",
    7: "Cargo",
    8: "Tanker",
    9: "Other Type",
}

_SPECIAL: Final = {
    30: "Fishing",
    31: "Towing",
    32: "Towing: length exceeds 200m or breadth exceeds 25m",
    33: "Dredging or underwater ops",
    34: "Diving ops",
    35: "Military ops",
    36: "Sailing",
    37: "Pleasure Craft",
    38: "Reserved for future use",
    39: "Reserved for future use",
    50: "Pilot Vessel",
    51: "Search and Rescue vessel",
    52: "Tug",
    53: "Port Tender",
    54: "Anti-pollution equipment",
    55: "Law Enforcement",
    56: "Spare - Local Vessel",
    57: "Spare - Local Vessel",
    58: "Medical Transport",
    59: "Noncombatant ship according to RR Resolution No. 18",
}


def _build_texts() -> dict[int, str]:
    texts: dict[int, str] = {0: "Not available"}
    texts.update(dict.fromkeys(range(1, 20), "Reserved for future use"))
    for first, kind in _KIND_BY_FIRST_DIGIT.items():
        for second, suffix in enumerate(_CATEGORY_SUFFIX):
            texts[first * 10 + second] = f"{kind}, {suffix}"
    texts.update(_SPECIAL)
    return dict(sorted(texts.items()))


SHIP_TYPE_TEXTS: Final[dict[int, str]] = _build_texts()
"""Every code 0-99 -> its text (ITU-R M.1371-5 Table 53)."""

_CLASS_BY_FIRST_DIGIT: Final[dict[int, ShipClass]] = {
    2: "wig",
    4: "high_speed",
    6: "passenger",
    7: "cargo",
    8: "tanker",
    9: "other",
}

_CLASS_BY_CODE: Final[dict[int, ShipClass]] = {
    30: "fishing",
    31: "tug",
    32: "tug",
    33: "other",
    34: "other",
    35: "military",
    36: "sailing",
    37: "pleasure",
    50: "pilot",
    51: "sar",
    52: "tug",
    53: "other",
    54: "other",
    55: "law_enforcement",
    56: "other",
    57: "other",
    58: "other",
    59: "other",
}


def _build_classes() -> dict[int, ShipClass]:
    classes: dict[int, ShipClass] = dict.fromkeys(range(100), "unknown")
    for code in range(100):
        if code // 10 in _CLASS_BY_FIRST_DIGIT:
            classes[code] = _CLASS_BY_FIRST_DIGIT[code // 10]
    classes.update(_CLASS_BY_CODE)
    return classes


SHIP_CLASSES: Final[dict[int, ShipClass]] = _build_classes()
"""Every code 0-99 -> its coarse class (see `ship_class`)."""


def ship_type_text(code: int) -> str | None:
    """The ITU-R M.1371 text of ship and cargo type `code`; None outside 0-99."""
    return SHIP_TYPE_TEXTS.get(code)


def ship_class(code: int | None) -> ShipClass:
    """A coarse class of ship type `code`, for rules and charts.

    "wig" 20-29, "fishing" 30, "tug" 31-32 (towing) and 52, "military" 35, "sailing" 36,
    "pleasure" 37, "high_speed" 40-49, "pilot" 50, "sar" 51, "law_enforcement" 55,
    "passenger" 60-69, "cargo" 70-79, "tanker" 80-89; "other" for the remaining defined types
    (33 dredging, 34 diving, 53 port tender, 54 anti-pollution, 56-57 local vessels,
    58 medical transport, 59 noncombatant, 90-99 other type); "unknown" for 0 (not available),
    the reserved codes 1-19 and 38-39, None, and anything outside 0-99.
    """
    if code is None:
        return "unknown"
    return SHIP_CLASSES.get(code, "unknown")


def ship_type_frame() -> pl.DataFrame:
    """The code table as a frame (ship_type Int16, ship_type_text String), for joins."""
    return pl.DataFrame(
        {
            "ship_type": list(SHIP_TYPE_TEXTS),
            "ship_type_text": list(SHIP_TYPE_TEXTS.values()),
        },
        schema={"ship_type": pl.Int16, "ship_type_text": pl.String},
    )


def ship_type_expr(column: str) -> pl.Expr:
    """A vectorised `ship_type_text` over an integer column (null outside 0-99 and for null)."""
    return (
        pl.col(column)
        .cast(pl.Int64)
        .replace_strict(SHIP_TYPE_TEXTS, default=None, return_dtype=pl.String)
        .alias(column)
    )


def ship_class_expr(column: str) -> pl.Expr:
    """A vectorised `ship_class` over an integer column ("unknown" for null and out of range)."""
    return (
        pl.col(column)
        .cast(pl.Int64)
        .replace_strict(SHIP_CLASSES, default=pl.lit("unknown"), return_dtype=pl.String)
        .alias(column)
    )
