"""Screening lists kept in the workspace, and their entries with provenance.

A list (`LIST_SCHEMA`) has a name, a kind (`LIST_KINDS`), a description and who made it when. An
entry (`LIST_ENTRY_SCHEMA`) is a person, company, organisation or vessel with its names,
identifiers (`kind:value` texts: `imo:9074729`, `mmsi:636012345`, `lei:...`), dates of birth and
countries, and its provenance: where it comes from (`source`, `source_date`), why it is listed
(`reason`), who added it when, and how long it holds (`valid_from`, `valid_until`). Removing an
entry does not delete it: `removed_at`, `removed_by` and `removed_reason` are set, so the record
says what the list held on any day. An entry id may come back after a removal, as a new row.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from balise.model.schema import UTC_TIME

LIST_KINDS: Final = ("vessels_of_interest", "banned_companies", "sanctions", "user")
"""What a list is for: the vessels of interest a centre such as MAOC-N shares, the shipping
companies a state bans from its ports, a sanctions list, or any list of the user's."""

ENTRY_SCHEMATA: Final = ("Person", "Company", "Organization", "Vessel", "LegalEntity")
"""The FollowTheMoney schemata an entry can have (`LegalEntity`: a person or an organisation)."""

LIST_SCHEMA: Final[dict[str, pl.DataType]] = {
    "name": pl.String(), "kind": pl.String(), "description": pl.String(),
    "created_at": UTC_TIME, "created_by": pl.String(),
}  # fmt: skip
"""One list."""

LIST_ENTRY_SCHEMA: Final[dict[str, pl.DataType]] = {
    "list_name": pl.String(), "entry_id": pl.String(), "schema": pl.String(),
    "name": pl.String(), "aliases": pl.List(pl.String()), "identifiers": pl.List(pl.String()),
    "birth_dates": pl.List(pl.String()), "countries": pl.List(pl.String()),
    "source": pl.String(), "source_date": pl.Date(), "reason": pl.String(),
    "added_by": pl.String(), "added_at": UTC_TIME, "valid_from": pl.Date(),
    "valid_until": pl.Date(), "removed_at": UTC_TIME, "removed_by": pl.String(),
    "removed_reason": pl.String(),
}  # fmt: skip
"""One entry of a list, with its provenance (see the module docstring)."""

VERDICTS: Final = ("same", "not_same", "unsure")
"""An analyst's judgement of a candidate match: the screened record is the listed one, is not,
or the analyst cannot tell yet."""

JUDGEMENT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "subject_kind": pl.String(), "subject_id": pl.String(), "list_name": pl.String(),
    "entry_id": pl.String(), "entry_digest": pl.String(), "verdict": pl.String(),
    "note": pl.String(), "judged_by": pl.String(), "judged_at": UTC_TIME,
    "subject_digest": pl.String(),
}  # fmt: skip
"""One judgement of a pair: the screened record (`subject_kind`, `subject_id` as the
`list_match` event names it: `vessel` and its MMSI, `company` and its name), the list entry, the
digest of the entry's matching data when judged (`balise.entities.judgements.entry_digest`: a
judgement holds while the entry is unchanged), that of the subject's (`subject_digest`: a
dismissal holds while the subject is unchanged; null when the subject was not found, or for a
judgement recorded before subjects were digested), the verdict (`VERDICTS`), a note, who and when.
Judgements are never overwritten: the latest of a pair is the one in force."""

REVIEW_SCHEMA: Final[dict[str, pl.DataType]] = {
    "subject_kind": pl.String(), "subject_id": pl.String(), "list_name": pl.String(),
    "entry_id": pl.String(), "score": pl.Float64(), "raised": pl.Boolean(),
    "row": pl.String(), "screened_at": UTC_TIME,
}  # fmt: skip
"""One candidate of the review queue as the last screening left it: the pair, its score, whether
screening raised it (a `list_match` event) or only nearly (a near miss, from
`screen.review_threshold`), and the queue's row as JSON
(`balise.entities.screening.review_rows`). Replaced whole by each screening run."""

REGISTRY_MATCH_SCHEMA: Final[dict[str, pl.DataType]] = {
    "entity_id": pl.String(), "entry_ref": pl.String(), "entry_name": pl.String(),
    "score": pl.Float64(),
}  # fmt: skip
"""A registry entity matching an active list entry (`<list>/<entry id>`), as the ownership
stage's screening of the registries found it (`balise.engine.ownership`). Replaced whole by each
run, with the digest of what it screened (`REGISTRY_SCREENING_SCHEMA`)."""

REGISTRY_SCREENING_SCHEMA: Final[dict[str, pl.DataType]] = {
    "digest": pl.String(), "screened_at": UTC_TIME,
}  # fmt: skip
"""The one row saying what the stored registry matches were screened from: a digest of the
registry entities, the list entries, the screening parameters and the day, and when. A reader
whose own digest differs screens again rather than trust them."""

ENTRY_KIND: Final = "list_entry"
"""`subject.kind` of a list entry in an event's `related`; its id is `<list>/<entry id>`."""


def entry_ref(list_name: str, entry_id: str) -> str:
    """The id of an entry across lists: `<list>/<entry id>`."""
    return f"{list_name}/{entry_id}"
