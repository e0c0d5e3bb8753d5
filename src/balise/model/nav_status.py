"""AIS navigational status codes 0-15 as text.

What: the 4-bit navigational status of AIS position reports (messages 1, 2 and 3), defined in
Recommendation ITU-R M.1371-5 (02/2014), Annex 2, Table 45. Codes 9 and 10 are reserved for
future amendment for ships carrying dangerous goods (HSC and WIG), 11 and 12 are for regional
use, 13 is reserved, 14 is sent by active AIS-SART, MOB-AIS and EPIRB-AIS, and 15 is the default.

Why: a status such as "Moored" or "Engaged in fishing" read next to a speed is evidence in an
alert (a "moored" vessel making 12 knots), and it must read as text in reports and queries.
"""

from __future__ import annotations

from typing import Final

import polars as pl

NAV_STATUS_TEXTS: Final[dict[int, str]] = {
    0: "Under way using engine",
    1: "At anchor",
    2: "Not under command",
    3: "Restricted manoeuvrability",
    4: "Constrained by her draught",
    5: "Moored",
    6: "Aground",
    7: "Engaged in fishing",
    8: "Under way sailing",
    9: "Reserved for future amendment (HSC)",
    10: "Reserved for future amendment (WIG)",
    11: "Power-driven vessel towing astern",
    12: "Power-driven vessel pushing ahead or towing alongside",
    13: "Reserved for future use",
    14: "AIS-SART, MOB-AIS, EPIRB-AIS",
    15: "Undefined (default)",
}
"""Every navigational status 0-15 -> its text (ITU-R M.1371-5 Table 45)."""


def nav_status_text(code: int) -> str | None:
    """The text of navigational status `code`; None outside 0-15."""
    return NAV_STATUS_TEXTS.get(code)


def nav_status_expr(column: str) -> pl.Expr:
    """A vectorised `nav_status_text` over an integer column (null outside 0-15 and for null)."""
    return (
        pl.col(column)
        .cast(pl.Int64)
        .replace_strict(NAV_STATUS_TEXTS, default=None, return_dtype=pl.String)
        .alias(column)
    )
