"""Numbers in names: digits, number words and Roman numerals read as the numbers they stand for."""

from __future__ import annotations

_ROMAN = frozenset(["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"])
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "second": "2", "third": "3",
    "fourth": "4", "fifth": "5", "1st": "1", "2nd": "2", "3rd": "3", "4th": "4", "5th": "5",
    "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fourty": "40", "fifty": "50", "sixty": "60",
    "seventy": "70", "eighty": "80", "ninety": "90",
}  # fmt: skip
"""English number words (and the common misspelling `fourty`) read as their numbers."""
_TENS = frozenset(["twenty", "thirty", "forty", "fourty", "fifty", "sixty", "seventy", "eighty",
                   "ninety"])  # fmt: skip


_UNITS = frozenset(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])


_ROMAN_VALUE = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7",
                "viii": "8", "ix": "9", "x": "10", "xi": "11", "xii": "12"}  # fmt: skip


def number_of(word: str) -> str | None:
    """The number a word stands for (`2`, `ii`, `second`), else None."""
    if word.isdigit():
        return str(int(word))
    return _NUMBER_WORDS.get(word) or _ROMAN_VALUE.get(word)


def compound_numbers(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """`tokens` with each tens word followed by a unit word read as one number (`twenty one`,
    `Twenty-One` → `21`), so that `Brigade Forty-Four` and `Brigade 44` carry the same number."""
    if not any(t in _TENS for t in tokens[:-1]):
        return tokens
    out: list[str] = []
    skip = False
    for i, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in _TENS and following in _UNITS:
            out.append(str(int(_NUMBER_WORDS[token]) + int(_NUMBER_WORDS[following])))
            skip = True
        else:
            out.append(token)
    return tuple(out)


def is_number(word: str, position: int, count: int, roman: bool = True) -> bool:
    """Whether the word at `position` of a name of `count` words is read as a number: not `i`
    nor `v` (a pronoun, an initial), nor a Roman numeral that opens a longer name (`Xi
    Jinping`, `Vi Nguyen`: a name, where `Fund XI` ends with its number), nor any Roman numeral
    unless `roman`."""
    if word in ("i", "v") or number_of(word) is None:
        return False
    if word in _ROMAN_VALUE:
        return roman and not (position == 0 and count > 1)
    return True
