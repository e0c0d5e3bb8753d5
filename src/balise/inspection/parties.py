"""The parties of a box's manifest in its inspection plan: banned ones hold the box, flagged
ones pass on risk (`party_risk`).

Banned parties: company names matched case-insensitively after trimming legal forms.

A name is normalised (accents stripped, upper case, every run of characters other than letters
and digits one space) and its legal-form words (`LTD`, `S.A.`, `GMBH`, `SARL`, `B.V.`...) are
dropped wherever they stand, so `Acme Trading S.A.` and `ACME TRADING` match. Only whole,
normalised names match: no fuzzy matching (a near name is an analyst's question, the entities
work will add it), so a list is as good as its spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

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


def party_risk(
    parties: Iterable[tuple[str, str | None]],
    flags: Mapping[str, tuple[float, str]],
    weight: float,
    key: Callable[[str], str],
) -> tuple[float, list[dict[str, Any]]]:
    """The risk a box's parties pass on and why: `parties` are its manifest's (role, name),
    `flags` maps a party's `key` to the strength (0–1) of what flags it and a sentence; a
    flagged party passes on `weight × strength`, once whatever its roles, and the parties
    combine as a noisy-OR. The reasons ({party, roles, contribution, text}) come strongest
    first."""
    roles: dict[str, tuple[str, list[str]]] = {}
    for role, name in parties:
        if name and name.strip():
            roles.setdefault(key(name), (name, []))[1].append(role)
    reasons: list[dict[str, Any]] = []
    for found, (name, named_as) in roles.items():
        if found not in flags:
            continue
        strength, text = flags[found]
        value = min(max(weight * strength, 0.0), 1.0)
        if value > 0:
            who = " and ".join(r.replace("_", " ") for r in named_as)
            reasons.append({"party": name, "roles": named_as, "contribution": round(value, 4),
                            "text": f"{who} {name}: {text}"})  # fmt: skip
    reasons.sort(key=lambda r: (-r["contribution"], r["party"]))
    rest = 1.0
    for reason in reasons:
        rest *= 1.0 - reason["contribution"]
    return 1.0 - rest, reasons
