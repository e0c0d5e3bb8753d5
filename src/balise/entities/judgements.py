"""Analysts' judgements of candidate matches, as screening reuses them.

A judgement is about a pair: a screened record (a vessel by its MMSI, a manifest party by its
name) and a list entry, as the entry stood when it was judged. The entry's matching data (its
schema, names, identifiers, dates of birth, countries) is summed up in `entry_digest`; a
judgement holds while the digest is unchanged, so new names or identifiers on the entry bring
the question back to the review queue. Screening (`balise.entities.screening`) applies them:

- `not_same`: the pair is not raised (its `list_match` event is retracted and stays away);
- `same`: the pair is raised whatever its score, with confidence 1.0 and the reason "confirmed
  same by USER on DATE"; the subject is linked to the entry, so a renamed vessel (same MMSI)
  still matches;
- `unsure`: the pair is screened as before and stays in the review queue, marked.

Pure (no I/O): the store keeps the rows (`balise.model.lists.JUDGEMENT_SCHEMA`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import polars as pl

from balise.entities.match import Match
from balise.model.events import to_json
from balise.model.lists import entry_ref

CONFIRMED_SCORE: Final = 1.0
"""Score and confidence of a pair an analyst confirmed: a person's word over the scorer's."""

PairKey = tuple[str, str, str]
"""A pair: subject kind, subject id, entry reference (`<list>/<entry id>`)."""


@dataclass(frozen=True)
class Judgement:
    """The judgement in force on a pair."""

    verdict: str
    note: str
    by: str
    at: datetime

    def shown(self) -> dict[str, Any]:
        """The judgement as event evidence and review rows show it."""
        return {"verdict": self.verdict, "note": self.note, "by": self.by,
                "at": self.at.isoformat()}  # fmt: skip


def entry_digest(entry: Mapping[str, Any]) -> str:
    """A digest of what screening compares of an entry (`LIST_ENTRY_SCHEMA` row): its schema,
    names, identifiers, dates of birth and countries; provenance and validity are left out."""
    key = to_json({
        "schema": entry["schema"] or "",
        "names": [n for n in (entry["name"], *(entry["aliases"] or ())) if n],
        "identifiers": sorted(entry["identifiers"] or ()),
        "birth_dates": sorted(entry["birth_dates"] or ()),
        "countries": sorted(entry["countries"] or ()),
    })  # fmt: skip
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def in_force(
    judgements: pl.DataFrame, entries: Mapping[str, Mapping[str, Any]]
) -> dict[PairKey, Judgement]:
    """The judgements (latest of each pair, `JUDGEMENT_SCHEMA`) that still hold: their entry is
    among `entries` (by reference) and its matching data unchanged since."""
    found = {}
    for row in judgements.iter_rows(named=True):
        ref = entry_ref(row["list_name"], row["entry_id"])
        entry = entries.get(ref)
        if entry is None or entry_digest(entry) != row["entry_digest"]:
            continue
        key = (row["subject_kind"], row["subject_id"], ref)
        found[key] = Judgement(row["verdict"], row["note"] or "", row["judged_by"] or "",
                               row["judged_at"])  # fmt: skip
    return found


def confirmed(ref: str, judgement: Judgement, scored: Match | None) -> Match:
    """The match of a pair judged `same`: full score, the analyst's word first, then what the
    scorer found (when it found the pair at all)."""
    said = f"confirmed same by {judgement.by} on {judgement.at.date().isoformat()}"
    return Match(ref, CONFIRMED_SCORE, (said, *(scored.reasons if scored else ())))
