"""Thresholds of screening (`balise screen`), as settings `screen.<field>` (e.g.
`screen.match_threshold`), declared the way the detectors' are (`balise.maritime.params`): each
number once, here, with its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from balise.model.parameters import params_from, settings_of

PREFIX = "screen"
"""The settings of this module are `screen.<field>`."""


@dataclass(frozen=True)
class ScreenParams:
    """How names, identifiers, dates of birth and countries are weighed into one score;
    docs/screening.md says how."""

    match_threshold: float = 0.5
    """Score from which a candidate is a match (reported as `match_id`). Chosen by
    `bench/screen_bench.py` as the lowest threshold of its grid (0.5 to 1.0) giving at most
    0.5 % false positives on clean names not on the list (issue 16), on generation seed 1
    (dev); reported on seed 2 in bench/results/screen_bench.md (recall 0.9925, false positives
    0.03 %), and chosen again, unchanged, after the name variants of issue 16 (typo-tolerant
    legal forms, short given names, number words) and after the model chosen on folds of name
    clusters with the abjad, honorific and legal-form knowledge of issue 16 (seed 1: false
    positives 0.05 %; seed 2: recall 0.9925, 0.03 %). The grid starts at 0.5, above the 0.45 at
    most of a single word found inside a longer name, of an initial against another word, of a
    person against a company of the same name and of a same-name ship with another IMO
    number."""
    review_threshold: float = 0.4
    """Score from which a candidate below `match_threshold` is a near miss shown in the review
    queue (`balise list review`, `GET /api/v1/screening/review`), so an analyst sees what
    screening almost raised. 0.4: below the 0.45 at most that the scorer gives a single word
    found inside a longer name, a person against a company of the same name and a same-name ship
    with another IMO number, so exactly those pairs (the ones an analyst should look at, not
    raise) come to the queue. Balise judgement: a queue an analyst can work through."""
    identifier_match_score: float = 0.95
    """Score of a candidate sharing an identifier (IMO, MMSI, LEI, registration number, crypto
    address) with the query, whatever its name: nomenklatura logic-v2's weight of
    `vessel_imo_mmsi` and `lei_code_match` (opensanctions/nomenklatura,
    nomenklatura/matching/logic_v2/model.py)."""
    strong_conflict_penalty: float = 0.55
    """Taken off when both have IMO numbers, LEIs or crypto addresses and none is shared: two
    vessels with two valid IMO numbers are two vessels. Balise judgement (logic-v2 has no
    conflict qualifier; a same-name sister ship must fall below any threshold: 1.0 to 0.45,
    under the 0.5 where the threshold grid of `bench/screen_bench.py` starts)."""
    weak_conflict_penalty: float = 0.1
    """Taken off when both have MMSIs or registration numbers and none is shared: an MMSI
    changes with the flag. Balise judgement."""
    birth_year_penalty: float = 0.25
    """Taken off when both have dates of birth and no year in common. The larger of logic-v2's
    two date-of-birth qualifiers (0.25; nomenklatura logic_v2/model.py), given here to the
    stronger evidence: a different year."""
    birth_day_penalty: float = 0.15
    """Taken off when a year agrees but no full date does (a day or month misread is common):
    the smaller of logic-v2's two date-of-birth qualifiers (0.15; nomenklatura
    logic_v2/model.py)."""
    country_penalty: float = 0.2
    """Taken off when both have countries (nationality, country, flag) and none in common:
    logic-v2's `country_mismatch` (nomenklatura logic_v2/model.py)."""
    schema_penalty: float = 0.55
    """Taken off when the two are of kinds that cannot be one thing (a vessel and a company, a
    person and a company; `balise.entities.match.SCHEMA_GROUPS`): a ship named after its owner
    is still not its owner, and `Maria Gonzalez S.A.` is not Maria Gonzalez; the same name
    (1.0) falls to 0.45, below any match threshold (the grid of `bench/screen_bench.py` starts
    at 0.5). Balise judgement (yente does not compare such
    schemata at all)."""
    max_candidates: int = 50
    """List entries found per query by the letter trigrams they share with it (blocking); the
    rest are not looked at. Balise judgement, measured in bench/results/screen_bench.md (recall
    of the blocking)."""
    max_scored: int = 10
    """Of those, the entries closest to the query by edit similarity of their sorted words
    (rapidfuzz ratio) that are scored in full; entries sharing an identifier with the query are
    always scored. Balise judgement, for speed, measured with `max_candidates`."""


def screen_settings() -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per number."""
    source = f"{ScreenParams.__module__}.ScreenParams (docs/screening.md)"
    return settings_of(PREFIX, ScreenParams, source)


def screen_params(values: Mapping[str, Any]) -> ScreenParams:
    """The screening parameters from resolved settings `values` (defaults where absent)."""
    return params_from(values, PREFIX, ScreenParams)
