"""IMO ship identification numbers (SOLAS XI-1/3): seven digits, the last a check digit."""

from __future__ import annotations

import polars as pl


def imo_is_valid(imo: int) -> bool:
    """True when `imo` has seven digits and a correct check digit.

    The check digit is the last digit of the sum of the first six digits weighted 7, 6, 5, 4, 3, 2
    (IMO Resolution A.1117(30)); 9074729 is valid: 9*7+0*6+7*5+4*4+7*3+2*2 = 139.
    """
    if not 1_000_000 <= imo <= 9_999_999:
        return False
    digits = [int(d) for d in str(imo)]
    weighted = sum(d * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True))
    return weighted % 10 == digits[6]


def imo_valid_expr(column: str) -> pl.Expr:
    """A vectorised `imo_is_valid` over an integer column (null stays null, i.e. not valid)."""
    imo = pl.col(column).cast(pl.Int64)
    weighted = sum(
        ((imo // 10 ** (7 - position)) % 10) * weight
        for position, weight in zip(range(1, 7), range(7, 1, -1), strict=True)
    )
    in_range = imo.is_between(1_000_000, 9_999_999)
    valid: pl.Expr = in_range & ((weighted % 10) == (imo % 10))
    return valid
