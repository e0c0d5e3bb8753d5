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
from rapidfuzz import fuzz, process

from balise.entities.match import Entity, Match, score_entity
from balise.entities.names import PreparedName
from balise.entities.params import ScreenParams

COMMON_TRIGRAM_SHARE = 0.01
"""A trigram found in more than this share of the list's names (`^mo`, `an$`) is common: it
says little and its long posting list costs time, so it is left out of the search when the
query has `RARE_TRIGRAMS_ENOUGH` rarer ones."""
COMMON_TRIGRAM_MIN_NAMES = 50
"""Below this many names, no trigram is common (small lists are searched whole)."""
RARE_TRIGRAMS_ENOUGH = 4
"""Rare trigrams a query needs for its common ones to be left out."""


_NONE = np.zeros(0, dtype=np.int64)


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
        self._sorted = [
            tuple(" ".join(sorted(n.words)) for n in entity.prepared_names) for entity in entries
        ]
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
        self._common = max(COMMON_TRIGRAM_MIN_NAMES, int(COMMON_TRIGRAM_SHARE * names))

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, query: Entity, max_candidates: int, max_scored: int = 0) -> list[int]:
        """Positions of the entries to score for `query`: identifier matches first, then the
        `max_candidates` names sharing the most trigrams (by weight), of which the `max_scored`
        closest by word-sorted edit similarity are kept (all when `max_scored` is 0)."""
        found: dict[int, None] = {}
        for identifier in query.identifiers:
            for position in self._by_identifier.get((identifier.kind, identifier.value), ()):
                found[position] = None
        by_trigrams = self._by_trigrams(query, max_candidates)
        if max_scored and len(by_trigrams) > max_scored:
            by_trigrams = self._closest(query, by_trigrams, max_scored)
        found.update(dict.fromkeys(by_trigrams))
        return list(found)

    def _closest(self, query: Entity, positions: list[int], keep: int) -> list[int]:
        owners = [p for p in positions for _ in self._sorted[p]]
        choices = [text for p in positions for text in self._sorted[p]]
        best: dict[int, float] = {}
        for name in query.prepared_names:
            row = process.cdist([" ".join(sorted(name.words))], choices, scorer=fuzz.ratio)[0]
            for owner, similarity in zip(owners, row.tolist(), strict=True):
                best[owner] = max(best.get(owner, 0.0), similarity)
        return sorted(positions, key=lambda p: -best.get(p, 0.0))[:keep]

    def _by_trigrams(self, query: Entity, max_candidates: int) -> list[int]:
        grams = set().union(*(trigrams(n) for n in query.prepared_names)) if query.names else set()
        known = [g for g in grams if g in self._postings]
        rare = [g for g in known if self._postings[g].size <= self._common]
        if len(rare) >= RARE_TRIGRAMS_ENOUGH:
            known = rare
        if not known:
            return []
        hits = np.concatenate([self._postings[g] for g in known])
        weights = np.concatenate([np.full(self._postings[g].size, self._idf[g]) for g in known])
        if self._owner.size == len(self.entries):  # one name per entry: no grouping
            per_entry = np.bincount(hits, weights=weights, minlength=len(self.entries))
            top = min(max_candidates, int(np.count_nonzero(per_entry)))
            best = np.argpartition(-per_entry, top - 1)[:top] if top else _NONE
            entries = best[np.lexsort((best, -per_entry[best]))]
            return [int(e) for e in entries]
        names, inverse = np.unique(hits, return_inverse=True)
        per_name = np.bincount(inverse, weights=weights)
        entries = self._owner[names]
        # Best name per entry: sort by entry then score, keep each entry's last (highest).
        order = np.lexsort((per_name, entries))
        entries, per_name = entries[order], per_name[order]
        last = np.r_[entries[1:] != entries[:-1], True]
        entries, per_entry = entries[last], per_name[last]
        ranked = np.lexsort((entries, -per_entry))[:max_candidates]
        return [int(e) for e in entries[ranked]]

    def screen(self, query: Entity, params: ScreenParams) -> list[Match]:
        """The candidates of `query` scored, best first (ties: the earlier list entry)."""
        scored = [
            (score_entity(query, self.entries[position], params), position)
            for position in self.candidates(query, params.max_candidates, params.max_scored)
        ]
        return [match for match, _ in sorted(scored, key=lambda s: (-s[0].score, s[1]))]
