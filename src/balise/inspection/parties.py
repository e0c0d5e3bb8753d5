"""Banned parties: company names matched case-insensitively after trimming legal forms.

A name is normalised (accents stripped, upper case, every run of characters other than letters
and digits one space) and its legal-form words (`LTD`, `S.A.`, `GMBH`, `SARL`, `B.V.`...) are
dropped wherever they stand, so `Acme Trading S.A.` and `ACME TRADING` match. Only whole,
normalised names match: no fuzzy matching (a near name is an analyst's question, the entities
work will add it), so a list is as good as its spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

LEGAL_FORMS: Final = frozenset(
    {
        "AB", "AG", "AS", "ASA", "BV", "BVBA", "CO", "COMPANY", "CORP", "CORPORATION", "CV",
        "EIRL", "EURL", "GMBH", "INC", "INCORPORATED", "KG", "LDA", "LIMITED", "LLC", "LLP",
        "LP", "LTD", "LTDA", "NV", "OY", "PLC", "PTE", "PTY", "SA", "SAC", "SAS", "SARL",
        "SASU", "SCI", "SCS", "SL", "SNC", "SPA", "SPRL", "SRL", "UG",
    }
)  # fmt: skip
"""Legal-form words dropped from names (their dotted spellings normalise to these: `S.A.`
becomes `S A`, rejoined as `SA` when single letters follow each other)."""


def normalise_party(name: str | None) -> str:
    """The comparable form of a company name ("" for none)."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    words = re.sub(r"[^A-Z0-9]+", " ", text).split()
    joined: list[str] = []
    initials = False  # the last word is made of single letters in a row (S A R L -> SARL)
    for word in words:
        single = len(word) == 1 and word.isalpha()
        if single and initials:
            joined[-1] += word
        else:
            joined.append(word)
        initials = single or (initials and single)
    return " ".join(w for w in joined if w not in LEGAL_FORMS)


def banned_set(names: Iterable[str]) -> frozenset[str]:
    """The normalised names of a banned list (blank ones left out)."""
    return frozenset(n for n in (normalise_party(name) for name in names) if n)


def banned_match(parties: Iterable[str | None], banned: frozenset[str]) -> str | None:
    """The first of `parties` on the banned list, as written, or None."""
    for party in parties:
        if party and normalise_party(party) in banned:
            return party
    return None
