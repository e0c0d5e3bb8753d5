"""Blocking: the few list entries worth scoring for a query, so that screening scales.

A list is indexed once by its identifiers and by the letter trigrams of its names' words (each
word padded, `^ali$`), weighed by rarity (inverse document frequency): a query's candidates are
the entries sharing an identifier with it, then the `max_candidates` entries whose names share
the most (rarest) trigrams with its names; and a name in Chinese characters or Hangul and a
Latin name that is one of its romanisations find each other by `syllable_letters` (`김정은`
and `Kim Jong Un` share few trigrams). Trigrams survive typos,
transliteration variants and another word order; a name in which every word is misspelt still
shares most of them.

The postings are one array (by trigram, then name), and `ListIndex.screen_many` screens many
queries, each distinct query once, optionally over several processes.
"""

from __future__ import annotations

import math
import multiprocessing
from collections import defaultdict
from collections.abc import Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from balise.entities.match import Entity, Match, score_entity
from balise.entities.names import PreparedName
from balise.entities.params import ScreenParams
from balise.entities.romanisation import syllable_letters

COMMON_TRIGRAM_SHARE = 0.01
"""A trigram found in more than this share of the list's names (`^mo`, `an$`) is common: it
says little and its long posting list costs time, so it is left out of the search when the
query has `RARE_TRIGRAMS_ENOUGH` rarer ones."""
COMMON_TRIGRAM_MIN_NAMES = 50
"""Below this many names, no trigram is common (small lists are searched whole)."""
RARE_TRIGRAMS_ENOUGH = 4
"""Rare trigrams a query needs for its common ones to be left out."""
BATCH_QUERIES = 256
"""Queries sent at a time to a worker process by `screen_many`."""

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def trigrams(name: PreparedName) -> set[str]:
    """The letter trigrams of a name's words, each word padded with `^` and `$`."""
    grams: set[str] = set()
    for word in name.words:
        padded = f"^{word}$"
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def _top(keys: IntArray, weights: FloatArray, keep: int) -> IntArray:
    """The `keep` keys of the highest weights, highest first (ties: the lowest key)."""
    order = np.lexsort((keys, -weights))[:keep]
    return keys[order]


def _top_dense(weights: FloatArray, keep: int) -> IntArray:
    """The `keep` positions of the highest non-zero `weights`, highest first, then by position.
    Of positions tied with the `keep`-th, those kept are the ones `np.argpartition` keeps, as
    the index has always chosen them (which is otherwise arbitrary)."""
    top = min(keep, int(np.count_nonzero(weights)))
    if not top:
        return np.zeros(0, dtype=np.int64)
    best = np.argpartition(-weights, top - 1)[:top]
    return best[np.lexsort((best, -weights[best]))]


def query_key(query: Entity) -> Hashable:
    """What screening sees of a query (all but its id): equal keys, equal matches."""
    return (query.schema, query.names, query.birth_dates, query.countries, query.identifiers)


class ListIndex:
    """A screening list indexed for candidate search (built once, read by many queries)."""

    def __init__(self, entries: Sequence[Entity]) -> None:
        self.entries = list(entries)
        self._by_identifier: dict[tuple[str, str], list[int]] = defaultdict(list)
        gram_ids: dict[str, int] = {}
        gram_of: list[int] = []
        name_of: list[int] = []
        owners: list[int] = []
        self._sorted: list[str] = []  # each name's words sorted and joined, by name number
        for position, entity in enumerate(self.entries):
            for identifier in entity.identifiers:
                self._by_identifier[(identifier.kind, identifier.value)].append(position)
            for name in entity.prepared_names:
                for gram in trigrams(name):
                    gram_of.append(gram_ids.setdefault(gram, len(gram_ids)))
                    name_of.append(len(owners))
                owners.append(position)
                self._sorted.append(" ".join(sorted(name.words)))
        self._gram_ids = gram_ids
        twins: dict[Hashable, int] = {}
        self._twin = [twins.setdefault(query_key(e), p) for p, e in enumerate(self.entries)]
        self._owner = np.asarray(owners, dtype=np.int64)
        self._first_name = np.searchsorted(self._owner, np.arange(len(self.entries) + 1))
        self._one_name_each = self._owner.size == len(self.entries)
        names = max(len(owners), 1)
        grams = np.asarray(gram_of, dtype=np.int64)
        order = np.argsort(grams, kind="stable")  # by trigram, then name
        self._posting = np.asarray(name_of, dtype=np.int64)[order]
        counts = np.bincount(grams, minlength=len(gram_ids))
        self._posting_start = np.r_[0, np.cumsum(counts)]
        self._posting_size = counts
        self._sizes = counts.tolist()
        self._idf = [math.log(1 + names / int(c)) for c in counts]
        self._common = max(COMMON_TRIGRAM_MIN_NAMES, int(COMMON_TRIGRAM_SHARE * names))
        self._cjk_by_letters = _by_syllable_letters(self.entries, cjk=True)
        self._latin_by_letters: dict[str, list[int]] | None = None  # on the first CJK query

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, query: Entity, max_candidates: int, max_scored: int = 0) -> list[int]:
        """Positions of the entries to score for `query`: identifier matches first, then the
        `max_candidates` names sharing the most trigrams (by weight), of which the `max_scored`
        closest by word-sorted edit similarity are kept (all when `max_scored` is 0)."""
        return self._candidates_many([query], max_candidates, max_scored)[0]

    def _candidates_many(
        self, queries: Sequence[Entity], max_candidates: int, max_scored: int
    ) -> list[list[int]]:
        out: list[list[int]] = []
        pools = self._by_trigrams(queries, max_candidates)
        for query, by_trigrams in zip(queries, pools, strict=True):
            found: dict[int, None] = {}
            for identifier in query.identifiers:
                for position in self._by_identifier.get((identifier.kind, identifier.value), ()):
                    found[position] = None
            if max_scored and len(by_trigrams) > max_scored:
                by_trigrams = self._closest(query, by_trigrams, max_scored)
            found.update(dict.fromkeys(by_trigrams))
            found.update(dict.fromkeys(self._romanised(query)))
            out.append(list(found))
        return out

    def _romanised(self, query: Entity) -> list[int]:
        """The entries with a name in CJK characters of which a Latin name of the query is a
        romanisation, or the other way round (`syllable_letters`)."""
        found: list[int] = []
        for name in query.prepared_names:
            if name.cjk:
                if self._latin_by_letters is None:
                    self._latin_by_letters = _by_syllable_letters(self.entries, cjk=False)
                found += self._latin_by_letters.get(syllable_letters(name.words, name.hangul), [])
            elif self._cjk_by_letters:
                for korean in (False, True):
                    found += self._cjk_by_letters.get(syllable_letters(name.words, korean), [])
        return found

    def _closest(self, query: Entity, positions: list[int], keep: int) -> list[int]:
        """The `keep` of `positions` whose names are closest to the query's (rapidfuzz ratio of
        the sorted words; ties keep the trigram order)."""
        texts = [" ".join(sorted(name.words)) for name in query.prepared_names]
        if self._one_name_each:
            similarity = process.cdist(texts, [self._sorted[p] for p in positions],
                                       scorer=fuzz.ratio).max(axis=0)  # fmt: skip
        else:
            spans = [range(self._first_name[p], self._first_name[p + 1]) for p in positions]
            owners = np.repeat(np.arange(len(positions)), [len(s) for s in spans])
            row = process.cdist(texts, [self._sorted[n] for s in spans for n in s],
                                scorer=fuzz.ratio).max(axis=0)  # fmt: skip
            similarity = np.zeros(len(positions))
            np.maximum.at(similarity, owners, row)
        order = np.argsort(-similarity, kind="stable")[:keep]
        return [positions[i] for i in order.tolist()]

    def _query_grams(self, query: Entity) -> list[int]:
        """The ids of the trigrams searched for `query`: its rare ones when it has enough."""
        grams: set[str] = set()
        for name in query.prepared_names:
            grams |= trigrams(name)
        known = sorted(i for g in grams if (i := self._gram_ids.get(g)) is not None)
        rare = [i for i in known if self._sizes[i] <= self._common]
        return rare if len(rare) >= RARE_TRIGRAMS_ENOUGH else known

    def _by_trigrams(self, queries: Sequence[Entity], max_candidates: int) -> list[list[int]]:
        """Per query, the `max_candidates` entries sharing the most trigram weight with it."""
        out: list[list[int]] = []
        start = self._posting_start
        for query in queries:
            grams = self._query_grams(query)
            if not grams:
                out.append([])
                continue
            hits = np.concatenate([self._posting[start[g] : start[g + 1]] for g in grams])
            weights = np.repeat([self._idf[g] for g in grams], self._posting_size[grams])
            if self._one_name_each:  # one name per entry: no grouping
                per_entry = np.asarray(
                    np.bincount(hits, weights=weights, minlength=len(self.entries)), np.float64
                )
                out.append(_top_dense(per_entry, max_candidates).tolist())
                continue
            names, inverse = np.unique(hits, return_inverse=True)
            per_name = np.asarray(np.bincount(inverse, weights=weights), np.float64)
            # Best name per entry: sort by entry then weight, keep each entry's last.
            entries = self._owner[names]
            order = np.lexsort((per_name, entries))
            entries, per_name = entries[order], per_name[order]
            last = np.r_[entries[1:] != entries[:-1], True]
            out.append(_top(entries[last], per_name[last], max_candidates).tolist())
        return out

    def _scored(self, query: Entity, positions: list[int], params: ScreenParams) -> list[Match]:
        """`score_entity` of each candidate, best first (ties: the earlier list entry); entries
        alike but for their id (`query_key`) are scored once."""
        scored: list[tuple[Match, int]] = []
        done: dict[int, Match] = {}
        for position in positions:
            entry = self.entries[position]
            twin = done.get(self._twin[position])
            if twin is None:
                match = done[self._twin[position]] = score_entity(query, entry, params)
            else:
                match = Match(entry.id, twin.score, twin.reasons)
            scored.append((match, position))
        return [match for match, _ in sorted(scored, key=lambda s: (-s[0].score, s[1]))]

    def screen(self, query: Entity, params: ScreenParams) -> list[Match]:
        """The candidates of `query` scored, best first (ties: the earlier list entry)."""
        positions = self.candidates(query, params.max_candidates, params.max_scored)
        return self._scored(query, positions, params)

    def screen_many(
        self,
        queries: Sequence[Entity],
        params: ScreenParams,
        workers: int = 1,
        keep: int = 0,
    ) -> list[list[Match]]:
        """`[screen(q, params) for q in queries]`, in input order, faster: each distinct query
        (`query_key`) screened once, candidates searched `BATCH_QUERIES` at a time, over
        `workers` processes (forked, sharing the index) when more than one; `keep` > 0 keeps
        only the best `keep` matches of each query."""
        distinct: dict[Hashable, int] = {}
        slot = [distinct.setdefault(query_key(q), len(distinct)) for q in queries]
        firsts: list[Entity] = [queries[0]] * len(distinct) if queries else []
        for query, k in zip(queries, slot, strict=True):
            firsts[k] = query
        batches = [firsts[i : i + BATCH_QUERIES] for i in range(0, len(firsts), BATCH_QUERIES)]
        done: list[list[Match]] = []
        if workers > 1 and len(batches) > 1 and "fork" in multiprocessing.get_all_start_methods():
            _FORKED[:] = [(self, params, keep)]
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                for part in pool.map(_screen_forked, batches, chunksize=4):
                    done.extend(part)
            _FORKED.clear()
        else:
            for batch in batches:
                done.extend(self._screen_batch(batch, params, keep))
        return [done[k] for k in slot]

    def _screen_batch(
        self, batch: Sequence[Entity], params: ScreenParams, keep: int
    ) -> list[list[Match]]:
        found = self._candidates_many(batch, params.max_candidates, params.max_scored)
        out = []
        for query, positions in zip(batch, found, strict=True):
            matches = self._scored(query, positions, params)
            out.append(matches[:keep] if keep else matches)
        return out


def _by_syllable_letters(entries: Sequence[Entity], cjk: bool) -> dict[str, list[int]]:
    """The positions of the entries by the `syllable_letters` of their names in CJK characters
    (`cjk`: under the rules of their script) or of their other names (under the Chinese and the
    Korean rules both)."""
    index: dict[str, list[int]] = defaultdict(list)
    for position, entity in enumerate(entries):
        for name in entity.prepared_names:
            if name.cjk != cjk or not name.words:
                continue
            for korean in (name.hangul,) if cjk else (False, True):
                index[syllable_letters(name.words, korean)].append(position)
    return dict(index)


_FORKED: list[tuple[ListIndex, ScreenParams, int]] = []
"""The index a forked worker of `ListIndex.screen_many` screens against (set before forking)."""


def _screen_forked(batch: list[Entity]) -> list[list[Match]]:
    index, params, keep = _FORKED[0]
    return index._screen_batch(batch, params, keep)
