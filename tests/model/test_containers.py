"""ISO 6346 container numbers: the check digit against published numbers and the standard's
table, written out here independently of the code."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from balise.model.containers import (
    check_digit,
    container_valid_expr,
    is_valid_container,
    normalise_container,
)

ISO_6346_LETTERS = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
         25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38],
        strict=True,
    )
)  # fmt: skip
"""ISO 6346 Annex A: the equivalent value of each letter (11, 22 and 33 are skipped)."""


def reference_check_digit(owner_serial: str) -> int:
    total: int = sum(
        (ISO_6346_LETTERS[c] if c.isalpha() else int(c)) * 2**i for i, c in enumerate(owner_serial)
    )
    return total % 11 % 10


@pytest.mark.parametrize(
    "number",
    [
        "CSQU3054383",  # the worked example of ISO 6346 as Wikipedia gives it (sum 6185)
        "MSKU9070323",
        "BICU1234565",  # the example of the Bureau International des Containers
    ],
)
def test_published_numbers_are_valid(number: str) -> None:
    assert check_digit(number[:10]) == int(number[10])
    assert is_valid_container(number)


@pytest.mark.parametrize(
    "number",
    [
        "CSQU3054384",  # wrong check digit
        "CSQU305438",  # too short
        "CSQX3054383",  # category X does not exist
        "C5QU3054383",  # digit in the owner code
        "csqu3054383",  # not normalised
        "",
    ],
)
def test_malformed_numbers_are_invalid(number: str) -> None:
    assert not is_valid_container(number)


def test_normalise_removes_separators_and_upper_cases() -> None:
    assert normalise_container(" csqu 305438-3 ") == "CSQU3054383"
    assert normalise_container("CSQU.305438.3") == "CSQU3054383"


def test_check_digit_refuses_other_text() -> None:
    with pytest.raises(ValueError, match="ISO 6346"):
        check_digit("CSQU30543")


owner_serials = st.builds(
    lambda owner, category, serial: owner + category + serial,
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
    st.sampled_from("UJZ"),
    st.text("0123456789", min_size=6, max_size=6),
)


@given(owner_serials)
def test_check_digit_matches_the_standards_table(owner_serial: str) -> None:
    digit = check_digit(owner_serial)
    assert digit == reference_check_digit(owner_serial)
    assert is_valid_container(f"{owner_serial}{digit}")
    assert not is_valid_container(f"{owner_serial}{(digit + 1) % 10}")


@given(owner_serials, st.integers(4, 9), st.integers(1, 9))
def test_a_mistyped_serial_digit_is_caught(owner_serial: str, position: int, shift: int) -> None:
    """The weighted sum modulo 11 changes with any one changed digit; only the final modulo 10
    (a remainder of 10 written 0) can hide it."""
    typo = owner_serial[:position] + str((int(owner_serial[position]) + shift) % 10)
    typo += owner_serial[position + 1 :]
    remainders = {
        sum((ISO_6346_LETTERS[c] if c.isalpha() else int(c)) * 2**i for i, c in enumerate(s)) % 11
        for s in (owner_serial, typo)
    }
    same = check_digit(typo) == check_digit(owner_serial)
    assert not same or remainders == {0, 10}


near_numbers = st.one_of(
    st.builds(lambda s, d: f"{s}{d}", owner_serials, st.sampled_from("0123456789X")),
    st.text("ABCJUZ0123456789 -é٣", max_size=13),
)


@given(st.lists(near_numbers, max_size=40))
def test_the_column_wise_check_agrees_with_the_one_number_check(numbers: list[str]) -> None:
    frame = pl.DataFrame({"n": [*numbers, None]}, schema={"n": pl.String()})
    valid = frame.select(container_valid_expr("n").fill_null(False))["n"].to_list()
    assert valid == [is_valid_container(n) for n in numbers] + [False]
