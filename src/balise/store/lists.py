"""The store's protocol for screening lists (`ListStore`): lists and their entries with
provenance, analysts' judgements of candidate matches, and the review queue the last screening
left and the registry matches of the last ownership run (`balise.model.lists`). Entries are
never deleted: a removal is recorded on the row; judgements are appended, the latest of a pair
in force."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Protocol

import polars as pl


class ListStore(Protocol):
    """Screening lists and their entries."""

    def create_list(self, record: dict[str, Any]) -> bool:
        """Create the list `record` (`LIST_SCHEMA` columns); False when one of that name
        exists (nothing is changed then)."""
        ...

    def lists(self) -> pl.DataFrame:
        """Every list (`LIST_SCHEMA`) with `entries` (active, i.e. not removed) and `removed`
        counts, by name."""
        ...

    def add_list_entries(self, entries: pl.DataFrame) -> int:
        """Append the entries (`LIST_ENTRY_SCHEMA`) not already on their list (an entry id with
        a row not removed); how many were added."""
        ...

    def remove_list_entry(
        self, list_name: str, entry_id: str, removed_by: str, reason: str, at: datetime
    ) -> bool:
        """Mark the entry removed (the row is kept); False when the list holds no such entry
        that is not removed already."""
        ...

    def list_entries(
        self, list_name: str | None = None, include_removed: bool = False
    ) -> pl.DataFrame:
        """The entries (`LIST_ENTRY_SCHEMA`) of `list_name` (of every list when None), removed
        ones too when `include_removed`, by list, then time added, then entry id."""
        ...

    def add_judgement(self, record: dict[str, Any]) -> None:
        """Append the judgement `record` (`JUDGEMENT_SCHEMA` columns)."""
        ...

    def judgements(self, latest: bool = True) -> pl.DataFrame:
        """The judgements (`JUDGEMENT_SCHEMA`): the latest of each pair (subject kind and id,
        list, entry id) when `latest`, else every one; by time judged."""
        ...

    def replace_review(self, rows: pl.DataFrame) -> None:
        """Replace the stored review queue with `rows` (`REVIEW_SCHEMA`)."""
        ...

    def review(self, min_score: float = 0.0) -> pl.DataFrame:
        """The stored review queue (`REVIEW_SCHEMA`) from `min_score`, best score first, then
        by pair."""
        ...

    def replace_registry_matches(self, rows: pl.DataFrame, digest: str, at: datetime) -> None:
        """Replace the stored registry matches with `rows` (`REGISTRY_MATCH_SCHEMA`), screened
        at `at` from what `digest` sums up."""
        ...

    def registry_matches(self, digest: str, ids: Collection[str]) -> pl.DataFrame | None:
        """The stored registry matches (`REGISTRY_MATCH_SCHEMA`) of the entities `ids`, best
        score first per entity; None unless they were screened from what `digest` sums up."""
        ...
