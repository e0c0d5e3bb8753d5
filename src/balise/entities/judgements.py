"""Analysts' judgements of candidate matches, as screening reuses them.

A judgement is about a pair: a screened record (a vessel by its MMSI, a manifest party by its
name) and a list entry, as the entry stood when it was judged. The entry's matching data (its
schema, names, identifiers, dates of birth, countries) is summed up in `entry_digest`; a
judgement holds while the digest is unchanged, so new names or identifiers on the entry bring
the question back to the review queue. The subject's matching data (a vessel's names, MMSI and
IMO numbers; a party's name) is summed up too (`subject_digest`): a judgement `not_same` or
`unsure` holds while it is unchanged, so a dismissed vessel that takes a new name or IMO number
is asked about again. A judgement `same` links the subject to the entry and holds through a
rename (its subject digest is not checked). Screening (`balise.entities.screening`) applies them:

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

from balise.entities.match import Entity, Match
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


def subject_digest(entity: Entity) -> str:
    """A digest of what screening compares of a screened record (`Entity`): its schema, names,
    identifiers, dates of birth and countries (as sets: the order names were seen in does not
    count)."""
    key = to_json({
        "schema": entity.schema,
        "names": sorted(set(entity.names)),
        "identifiers": sorted({f"{i.kind}:{i.value}" for i in entity.identifiers}),
        "birth_dates": sorted(set(entity.birth_dates)),
        "countries": sorted(set(entity.countries)),
    })  # fmt: skip
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _subject_changed(row: Mapping[str, Any], subjects: Mapping[tuple[str, str], str]) -> bool:
    judged = row.get("subject_digest")
    now = subjects.get((row["subject_kind"], row["subject_id"]))
    return row["verdict"] != "same" and judged is not None and now is not None and now != judged


def in_force(
    judgements: pl.DataFrame,
    entries: Mapping[str, Mapping[str, Any]],
    subjects: Mapping[tuple[str, str], str] | None = None,
) -> dict[PairKey, Judgement]:
    """The judgements (latest of each pair, `JUDGEMENT_SCHEMA`) that still hold: their entry is
    among `entries` (by reference) and its matching data unchanged since, and, but for a
    judgement `same`, their subject's digest unchanged (`subjects`: `subject_digest` by subject
    kind and id; a subject not given, or a judgement without a digest, is not checked)."""
    found = {}
    for row in judgements.iter_rows(named=True):
        ref = entry_ref(row["list_name"], row["entry_id"])
        entry = entries.get(ref)
        if entry is None or entry_digest(entry) != row["entry_digest"]:
            continue
        if _subject_changed(row, subjects or {}):
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
