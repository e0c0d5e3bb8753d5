"""ISO 6346 freight container numbers: owner code, category, serial number and check digit.

`CSQU3054383` is a container of owner `CSQ` (registered with the Bureau International des
Containers), category `U` (a freight container; `J` detachable equipment, `Z` a trailer or
chassis), serial `305438` and check digit `3`. The check digit is computed from the ten
characters before it (ISO 6346:1995, Annex A): letters are numbered from A = 10 upwards,
skipping 11, 22 and 33 (multiples of 11), digits keep their value; the value at position `i`
(from 0) is weighted 2**i; the sum modulo 11, then modulo 10 (a remainder of 10 gives 0, which
the standard asks owners to avoid), is the check digit.
"""

from __future__ import annotations

import re
import string
from typing import Final

import polars as pl

CATEGORIES: Final = "UJZ"
"""Equipment category identifiers (ISO 6346): U freight container, J detachable freight
container-related equipment, Z trailer or chassis."""
_SHAPE: Final = re.compile(rf"[A-Z]{{3}}[{CATEGORIES}][0-9]{{7}}")
_SEPARATORS: Final = re.compile(r"[\s\-.]")


def _letter_values() -> dict[str, int]:
    """A = 10, B = 12, ... Z = 38: the numbers from 10 on, skipping the multiples of 11."""
    values = (n for n in range(10, 40) if n % 11)
    return dict(zip(string.ascii_uppercase, values, strict=False))


LETTER_VALUES: Final = _letter_values()
"""The value of each letter in the check-digit sum (ISO 6346, Annex A)."""
_VALUES: Final = LETTER_VALUES | {digit: int(digit) for digit in string.digits}


def check_digit(owner_serial: str) -> int:
    """The check digit of the first ten characters of a container number (owner code,
    category, six-digit serial), e.g. 3 for `CSQU305438`. Raises ValueError for other text."""
    if len(owner_serial) != 10 or not _SHAPE.fullmatch(owner_serial + "0"):
        raise ValueError(f"not an ISO 6346 owner code, category and serial: {owner_serial!r}")
    return _sum(owner_serial) % 11 % 10


def _sum(owner_serial: str) -> int:
    return sum(_VALUES[char] << position for position, char in enumerate(owner_serial))


def normalise_container(text: str) -> str:
    """A container number as written on documents (`csqu 305438-3`) in its stored form
    (`CSQU3054383`): upper case, spaces, hyphens and dots removed. Not validated."""
    return _SEPARATORS.sub("", text).upper()


def is_valid_container(number: str) -> bool:
    """True when `number` (normalised) is an ISO 6346 number with the right check digit."""
    if not _SHAPE.fullmatch(number):
        return False
    return _sum(number[:10]) % 11 % 10 == int(number[10])


def container_valid_expr(column: str) -> pl.Expr:
    """A vectorised `is_valid_container` over a text column (normalised numbers; null stays
    null, i.e. not valid): the shape, then the check digit from each character's value."""
    number = pl.col(column)
    total = pl.sum_horizontal(
        number.str.slice(position, 1).replace_strict(_VALUES, default=0, return_dtype=pl.Int64)
        * (1 << position)
        for position in range(10)
    )
    digit = number.str.slice(10, 1).cast(pl.Int64, strict=False)
    valid: pl.Expr = number.str.contains(f"^{_SHAPE.pattern}$") & (total % 11 % 10 == digit)
    return valid
