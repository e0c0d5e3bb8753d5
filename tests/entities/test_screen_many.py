"""Batch screening (`ListIndex.screen_many`) gives what screening one query at a time gives, and
the candidate search gives what a plain per-query search over the whole list gives."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import numpy as np
import pytest

from balise.entities.blocking import (
    COMMON_TRIGRAM_MIN_NAMES,
    COMMON_TRIGRAM_SHARE,
    RARE_TRIGRAMS_ENOUGH,
    ListIndex,
    trigrams,
)
from balise.entities.match import Entity
from balise.entities.params import ScreenParams

PARAMS = ScreenParams()
GIVEN = ["ali", "anna", "boris", "chen", "david", "elena", "fatima", "hans", "ivan", "jose",
         "karim", "lena", "maria", "omar", "pavel", "rosa", "sergei", "yusuf"]  # fmt: skip
FAMILY = ["haddad", "ivanov", "kowalski", "lopez", "mueller", "nguyen", "okafor", "petrov",
          "rossi", "santos", "smirnov", "tanaka", "wagner", "zhang"]  # fmt: skip
WORDS = ["ocean", "star", "pacific", "trading", "marine", "global", "atlas", "shipping"]


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]


def _name(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.7:
        return "Person", f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}".title()
    return "Company", " ".join(rng.sample(WORDS, 2)).title() + " Ltd"


def _listed(rng: random.Random, count: int, aliases: bool) -> list[Entity]:
    """A list with many entries alike (small vocabulary): ties in the candidate search."""
    entries = []
    for i in range(count):
        schema, name = _name(rng)
        extra = (_name(rng)[1],) if aliases and rng.random() < 0.3 else ()
        entries.append(Entity(str(i), schema, (name, *extra)))
    return entries


def _queries(rng: random.Random, listed: list[Entity], count: int) -> list[Entity]:
    queries = []
    for _ in range(count):
        name = rng.choice(listed).names[0] if rng.random() < 0.5 else _name(rng)[1]
        if rng.random() < 0.5:
            words = name.split()
            k = rng.randrange(len(words))
            words[k] = _typo(rng, words[k]) if len(words[k]) > 3 else words[k]
            name = " ".join(words)
        queries.append(Entity("q", rng.choice(["", "Person", "Company"]), (name,)))
    return queries + queries[:50]  # some asked twice


@pytest.mark.parametrize("aliases", [False, True])
def test_screen_many_is_screen_one_by_one(aliases: bool) -> None:
    rng = random.Random(3)
    index = ListIndex(_listed(rng, 3000, aliases))
    queries = _queries(rng, index.entries, 300)
    one_by_one = [index.screen(q, PARAMS) for q in queries]
    assert index.screen_many(queries, PARAMS) == one_by_one
    assert index.screen_many(queries, PARAMS, workers=2) == one_by_one
    assert index.screen_many(queries, PARAMS, keep=1) == [m[:1] for m in one_by_one]
    assert index.screen_many([], PARAMS, workers=2) == []


def _reference(entries: list[Entity], query: Entity, keep: int) -> list[int]:
    """The candidate search done plainly: posting lists, the weights of every entry of the
    list summed, the best `keep` by `np.argpartition` (one name an entry). Trigrams are summed
    in the order they are first met in the list, as the index does (floating-point sums in
    another order may differ in their last bit, and break ties otherwise)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for position, entity in enumerate(entries):
        for gram in trigrams(entity.prepared_names[0]):
            postings[gram].append(position)
    first_met = {gram: i for i, gram in enumerate(postings)}
    names = len(entries)
    common = max(COMMON_TRIGRAM_MIN_NAMES, int(COMMON_TRIGRAM_SHARE * names))
    known = sorted(
        (g for g in trigrams(query.prepared_names[0]) if g in postings), key=first_met.__getitem__
    )
    rare = [g for g in known if len(postings[g]) <= common]
    known = rare if len(rare) >= RARE_TRIGRAMS_ENOUGH else known
    per_entry = np.zeros(names)
    for gram in known:
        per_entry[postings[gram]] += math.log(1 + names / len(postings[gram]))
    top = min(keep, int(np.count_nonzero(per_entry)))
    best = np.argpartition(-per_entry, top - 1)[:top] if top else np.zeros(0, dtype=np.int64)
    return [int(e) for e in best[np.lexsort((best, -per_entry[best]))]]


def test_candidate_search_is_the_plain_search_over_the_whole_list() -> None:
    rng = random.Random(5)
    entries = _listed(rng, 4000, aliases=False)
    index = ListIndex(entries)
    for query in _queries(rng, entries, 200):
        assert index.candidates(query, 50) == _reference(entries, query, 50)
