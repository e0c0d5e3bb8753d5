"""Identifiers that name one thing: IMO numbers (with their check digit), MMSI, LEI (ISO 17442),
registration numbers and crypto addresses; checked, normalised and compared.

An identifier match outweighs any name (`balise.entities.match`); a conflicting strong identifier
(two valid, different IMO numbers or LEIs) counts against a match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from balise.model.imo import imo_is_valid

KINDS = ("imo", "mmsi", "lei", "registration", "crypto")
"""The identifier kinds Balise compares."""

STRONG_KINDS = frozenset({"imo", "lei", "crypto"})
"""Kinds that name one thing for life: two different valid values mean two different things. An
MMSI is reassigned when a vessel changes flag and a registration number is only unique within
its registry, so their conflict weighs less."""

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


@dataclass(frozen=True)
class Identifier:
    """A normalised identifier of a known kind."""

    kind: str
    value: str


def lei_is_valid(lei: str) -> bool:
    """True when `lei` is 20 characters with correct ISO 17442 check digits (ISO 7064 MOD 97-10:
    letters as 10-35, the whole number modulo 97 is 1)."""
    if len(lei) != 20 or not lei.isalnum() or not lei[-2:].isdigit():
        return False
    digits = "".join(str(int(char, 36)) for char in lei.upper())
    return int(digits) % 97 == 1


def mmsi_is_valid(mmsi: str) -> bool:
    """True for a nine-digit MMSI (ITU-R M.585) that is not all zeros."""
    return len(mmsi) == 9 and mmsi.isdigit() and mmsi != "000000000"


def normalise_identifier(kind: str, text: str) -> Identifier | None:
    """`text` as an identifier of `kind`, or None when it is not a valid one (an IMO number
    whose check digit fails is no identifier: a typo in it would make a false match)."""
    raw = text.strip()
    if kind == "imo":
        digits = raw.upper().removeprefix("IMO").strip()
        if digits.isdigit() and imo_is_valid(int(digits)):
            return Identifier("imo", str(int(digits)))
        return None
    if kind == "mmsi":
        digits = raw.split(".")[0] if raw.endswith(".0") else raw
        return Identifier("mmsi", digits) if mmsi_is_valid(digits) else None
    if kind == "lei":
        lei = _NON_ALNUM.sub("", raw).upper()
        return Identifier("lei", lei) if lei_is_valid(lei) else None
    if kind == "crypto":
        # Hex (Ethereum, Tron hex) addresses are case-insensitive; base58 and bech32 keep case.
        value = raw.lower() if raw.lower().startswith("0x") else raw
        return Identifier("crypto", value) if len(value) >= 20 else None
    if kind == "registration":
        value = _NON_ALNUM.sub("", raw).upper()
        return Identifier("registration", value) if len(value) >= 4 else None
    return None


@dataclass(frozen=True)
class IdentifierEvidence:
    """What identifiers say about two entities: the kinds they share a value of, and the strong
    and weak kinds for which both have values and none in common."""

    same: tuple[Identifier, ...]
    strong_conflicts: tuple[str, ...]
    weak_conflicts: tuple[str, ...]


_NO_EVIDENCE = IdentifierEvidence((), (), ())


def compare_identifiers(
    left: tuple[Identifier, ...], right: tuple[Identifier, ...]
) -> IdentifierEvidence:
    """The identifiers of two entities compared kind by kind."""
    if not left or not right:
        return _NO_EVIDENCE
    same: list[Identifier] = []
    strong: list[str] = []
    weak: list[str] = []
    for kind in KINDS:
        mine = {i.value for i in left if i.kind == kind}
        theirs = {i.value for i in right if i.kind == kind}
        if not mine or not theirs:
            continue
        common = mine & theirs
        if common:
            same.extend(Identifier(kind, value) for value in sorted(common))
        elif kind in STRONG_KINDS:
            strong.append(kind)
        else:
            weak.append(kind)
    return IdentifierEvidence(tuple(same), tuple(strong), tuple(weak))
