"""An entity screened against a list entry: one score in [0, 1] and its reasons, from names,
identifiers, dates of birth and countries.

Identifiers first: a shared IMO number, MMSI, LEI, registration number or crypto address makes
the candidate a match whatever its name (`identifier_match_score`), a conflicting strong
identifier takes `strong_conflict_penalty` off. Then the best-scoring pair of names
(`balise.entities.name_score`), and the qualifiers of nomenklatura's logic-v2: dates of birth and
countries that disagree take their penalty off, and agree say so in the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from balise.entities.identifiers import Identifier, compare_identifiers
from balise.entities.name_score import ORG_SCHEMAS, NameScore, score_names
from balise.entities.names import PreparedName, prepare_name
from balise.entities.params import ScreenParams

SCHEMA_GROUPS = {
    "Person": "person", "Company": "organisation", "Organization": "organisation",
    "PublicBody": "organisation", "Vessel": "vessel", "Airplane": "airplane",
    "CryptoWallet": "wallet",
}  # fmt: skip
"""Which FtM schemata can be the same thing; `LegalEntity` (and an unknown schema) can be any
person or organisation. yente compares only matchable schemata of compatible types."""


def schemata_conflict(left: str, right: str) -> bool:
    """True when two known schemata cannot be the same thing (a person and a vessel)."""
    mine, theirs = SCHEMA_GROUPS.get(left), SCHEMA_GROUPS.get(right)
    if mine is None or theirs is None:
        legal = {"person", "organisation", None}
        return not (mine in legal and theirs in legal)
    return mine != theirs


@dataclass(frozen=True)
class Entity:
    """A person, company, organisation or vessel as screening sees it: an id (a list's row
    number or an FtM entity id), its FtM schema (`""` when unknown), names, dates of birth (ISO
    8601, a year alone allowed), countries (nationality, country, flag: ISO alpha-2 or names as
    given, lower-case) and identifiers."""

    id: str
    schema: str = ""
    names: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()

    @cached_property
    def prepared_names(self) -> tuple[PreparedName, ...]:
        """The names ready for comparison (computed once per entity)."""
        return tuple(prepare_name(name) for name in self.names)

    @property
    def organisation(self) -> bool:
        return self.schema in ORG_SCHEMAS


@dataclass(frozen=True)
class Match:
    """A candidate list entry for a query, its score in [0, 1] and the reasons."""

    candidate_id: str
    score: float
    reasons: tuple[str, ...]


def best_name_score(query: Entity, candidate: Entity) -> NameScore | None:
    """The best score over all pairs of names of the two entities, or None without names."""
    organisation = query.organisation or candidate.organisation
    best: NameScore | None = None
    for left in query.prepared_names:
        for right in candidate.prepared_names:
            scored = score_names(left, right, organisation)
            if best is None or scored.score > best.score:
                best = scored
    return best


def _dates_evidence(query: Entity, candidate: Entity, params: ScreenParams) -> tuple[float, str]:
    if not query.birth_dates or not candidate.birth_dates:
        return 0.0, ""
    if set(query.birth_dates) & set(candidate.birth_dates):
        return 0.0, "same date of birth"
    years = {d[:4] for d in query.birth_dates} & {d[:4] for d in candidate.birth_dates}
    if not years:
        return -params.birth_year_penalty, "born in different years"
    if any(len(d) == 4 for d in (*query.birth_dates, *candidate.birth_dates) if d[:4] in years):
        return 0.0, "same year of birth"
    return -params.birth_day_penalty, "same year of birth, different dates"


def _country_evidence(query: Entity, candidate: Entity, params: ScreenParams) -> tuple[float, str]:
    if not query.countries or not candidate.countries:
        return 0.0, ""
    common = set(query.countries) & set(candidate.countries)
    if common:
        return 0.0, "same country: " + ", ".join(sorted(common))
    return -params.country_penalty, "different countries: " + ", ".join(
        [*sorted(query.countries), "vs", *sorted(candidate.countries)]
    )


def score_entity(query: Entity, candidate: Entity, params: ScreenParams) -> Match:
    """How likely `candidate` (a list entry) is `query`, with the reasons."""
    reasons: list[str] = []
    names = best_name_score(query, candidate)
    score = names.score if names is not None else 0.0
    if names is not None:
        reasons.append(f"name {names.score:.2f}: " + "; ".join(names.reasons))
    ids = compare_identifiers(query.identifiers, candidate.identifiers)
    if ids.same:
        score = max(score, params.identifier_match_score)
        reasons.insert(0, "same " + ", ".join(f"{i.kind.upper()} {i.value}" for i in ids.same))
    if ids.strong_conflicts:
        score -= params.strong_conflict_penalty
        reasons.append("different " + ", ".join(k.upper() for k in ids.strong_conflicts))
    if ids.weak_conflicts:
        score -= params.weak_conflict_penalty
        reasons.append("different " + ", ".join(k.upper() for k in ids.weak_conflicts))
    if query.schema and candidate.schema and schemata_conflict(query.schema, candidate.schema):
        score -= params.schema_penalty
        reasons.append(f"a {query.schema} against a {candidate.schema}")
    for evidence in (_dates_evidence, _country_evidence):
        change, reason = evidence(query, candidate, params)
        score += change
        if reason:
            reasons.append(reason)
    return Match(candidate.id, round(min(1.0, max(0.0, score)), 4), tuple(reasons))
