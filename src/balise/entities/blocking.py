"""Blocking: the few list entries worth scoring for a query, so that screening scales.

A list is indexed once by its identifiers and by the letter trigrams of its names' words (each
word padded, `^ali$`), weighed by rarity (inverse document frequency): a query's candidates are
the entries sharing an identifier with it, then the `max_candidates` entries whose names share
the most (rarest) trigrams with its names. Trigrams survive typos, transliteration variants and
another word order; a name in which every word is misspelt still shares most of them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from balise.entities.match import Entity, Match, score_entity
from balise.entities.names import PreparedName
from balise.entities.params import ScreenParams


def trigrams(name: PreparedName) -> set[str]:
    """The letter trigrams of a name's words, each word padded with `^` and `$`."""
    grams: set[str] = set()
    for word in name.words:
        padded = f"^{word}$"
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


class ListIndex:
    """A screening list indexed for candidate search (built once, read by many queries)."""

    def __init__(self, entries: Sequence[Entity]) -> None:
        self.entries = list(entries)
        self._by_identifier: dict[tuple[str, str], list[int]] = defaultdict(list)
        postings: dict[str, list[int]] = defaultdict(list)
        owners: list[int] = []
        for position, entity in enumerate(self.entries):
            for identifier in entity.identifiers:
                self._by_identifier[(identifier.kind, identifier.value)].append(position)
            for name in entity.prepared_names:
                for gram in trigrams(name):
                    postings[gram].append(len(owners))
                owners.append(position)
        self._owner = np.asarray(owners, dtype=np.int64)
        names = max(len(owners), 1)
        self._postings = {g: np.asarray(p, dtype=np.int64) for g, p in postings.items()}
        self._idf = {g: math.log(1 + names / len(p)) for g, p in postings.items()}

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, query: Entity, max_candidates: int) -> list[int]:
        """Positions of the entries to score for `query`: identifier matches first, then the
        names sharing the most trigrams (by weight)."""
        found: dict[int, None] = {}
        for identifier in query.identifiers:
            for position in self._by_identifier.get((identifier.kind, identifier.value), ()):
                found[position] = None
        grams = set().union(*(trigrams(n) for n in query.prepared_names)) if query.names else set()
        known = [g for g in grams if g in self._postings]
        if known and self._owner.size:
            hits = np.concatenate([self._postings[g] for g in known])
            weights = np.concatenate([np.full(self._postings[g].size, self._idf[g]) for g in known])
            per_name: npt.NDArray[np.float64] = np.bincount(
                hits, weights=weights, minlength=self._owner.size
            ).astype(np.float64)
            if self._owner.size == len(self.entries):  # one name per entry
                per_entry = per_name
            else:
                per_entry = np.zeros(len(self.entries))
                np.maximum.at(per_entry, self._owner, per_name)
            top = min(max_candidates, int(np.count_nonzero(per_entry)))
            if top:
                best = np.argpartition(-per_entry, top - 1)[:top]
                for position in best[np.argsort(-per_entry[best], kind="stable")]:
                    found[int(position)] = None
        return list(found)

    def screen(self, query: Entity, params: ScreenParams) -> list[Match]:
        """The candidates of `query` scored, best first (ties: the earlier list entry)."""
        scored = [
            (score_entity(query, self.entries[position], params), position)
            for position in self.candidates(query, params.max_candidates)
        ]
        return [match for match, _ in sorted(scored, key=lambda s: (-s[0].score, s[1]))]
