"""Screening of stored records against the workspace's lists: vessels heard on AIS and the
parties of cargo manifests become `Entity` queries, each is screened against every active list
entry (`balise.entities.blocking.ListIndex`), and every candidate at or above
`screen.match_threshold` is a `list_match` event.

Pure (no I/O): `balise.engine.screening` reads the store and saves the events.

- A vessel (`vessel_queries`, input contract `VESSEL_COLUMNS`) is a `Vessel` entity named by
  every name it ever broadcast, identified by its MMSI and every valid IMO number it reported;
  its call signs go into the evidence (no list compares them). Subject: the vessel (MMSI).
- A manifest party (`party_queries`, from `MANIFEST_SCHEMA` rows) is a `LegalEntity` (a person
  or an organisation) named as written on the bills, one per name (spacing and case ignored),
  whatever its roles: shipper, consignee, notify party, declarant. Subject: a `company` whose
  id is the name as first written.

Analysts' judgements of pairs (`balise.entities.judgements`) are applied: a pair judged not the
same is not raised, one judged the same is raised at full score even when the scorer no longer
finds it; `review_rows` is the queue of pairs still to judge, near misses included.

An event's id is made of its subject and the list entry (`<list>/<entry id>`): screening again
finds the same events, a changed score revises one, and a match that no longer holds (the entry
removed or expired, a renamed party) is retracted by the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Final

import polars as pl

from balise.entities.blocking import ListIndex
from balise.entities.identifiers import normalise_identifier
from balise.entities.judgements import (
    Judgement,
    PairKey,
    confirmed,
    in_force,
    subject_digest,
)
from balise.entities.lists import entry_active, entry_entity
from balise.entities.match import Entity, Match
from balise.entities.params import ScreenParams
from balise.model.events import EVENT_SCHEMA, empty_events, event_id, to_json
from balise.model.lists import ENTRY_KIND, entry_ref
from balise.model.schema import UTC_TIME

EVENT_TYPE: Final = "list_match"
SUBJECT_KINDS: Final = ("vessel", "company")
"""What screening screens: vessels (id: MMSI) and manifest parties (id: the name as written)."""
PARTY_ROLES: Final = ("shipper", "consignee", "notify_party", "declarant")
"""The manifest columns naming a party."""
MAX_LISTED: Final = 20
"""Bills of lading listed in the evidence of a party's match (the count is always given)."""
VESSEL_COLUMNS: Final[dict[str, pl.DataType]] = {
    "mmsi": pl.Int64(), "names": pl.List(pl.String()), "imos": pl.List(pl.Int64()),
    "call_signs": pl.List(pl.String()), "first_seen": UTC_TIME, "last_seen": UTC_TIME,
    "lat": pl.Float64(), "lon": pl.Float64(),
}  # fmt: skip
"""One row per vessel: every name, IMO number and call sign it reported, when it was first and
last heard or identified, and its last position (null when none)."""


@dataclass(frozen=True)
class Query:
    """A stored record to screen: its subject, the entity screened, when and where it was seen,
    and what to show of it in the evidence."""

    kind: str
    subject_id: str
    entity: Entity
    start: datetime
    end: datetime
    mmsi: int | None = None
    lat: float | None = None
    lon: float | None = None
    shown: dict[str, Any] = field(default_factory=dict)


def vessel_queries(vessels: pl.DataFrame) -> list[Query]:
    """One query per vessel of a `VESSEL_COLUMNS` frame."""
    queries = []
    for row in vessels.iter_rows(named=True):
        mmsi = int(row["mmsi"])
        names = tuple(dict.fromkeys(n for n in row["names"] or () if n))
        ids = [normalise_identifier("mmsi", str(mmsi))]
        ids += [normalise_identifier("imo", str(imo)) for imo in row["imos"] or ()]
        entity = Entity(f"vessel:{mmsi}", "Vessel", names,
                        identifiers=tuple(i for i in ids if i is not None))  # fmt: skip
        shown = {"names": list(names), "imos": sorted(row["imos"] or ()),
                 "call_signs": sorted(row["call_signs"] or ())}  # fmt: skip
        queries.append(Query("vessel", str(mmsi), entity, row["first_seen"], row["last_seen"],
                             mmsi, row["lat"], row["lon"], shown))  # fmt: skip
    return queries


def party_key(name: str) -> str:
    """A party's name as screening keys it: spaces collapsed, case folded."""
    return " ".join(name.split()).casefold()


def party_queries(
    manifests: pl.DataFrame,
    releases: pl.DataFrame | None = None,
    gate: pl.DataFrame | None = None,
) -> list[Query]:
    """One query per party: those named on the bills of lading (`MANIFEST_SCHEMA` rows), and
    the hauliers and release holders of the container releases (`RELEASE_SCHEMA`: `issued_to`,
    `authorised_haulier`) and gate moves (`GATE_SCHEMA`: `haulier`), one query for a name
    however many roles it has."""
    found: dict[str, dict[str, Any]] = {}

    def seen(name: str | None, role: str, time: Any, bill: str | None, box: str | None) -> None:
        name = " ".join((name or "").split())
        if not name:
            return
        party = found.setdefault(party_key(name), {"name": name, "roles": set(), "bills": [],
                                                    "boxes": [], "times": []})  # fmt: skip
        party["roles"].add(role)
        if bill:
            party["bills"].append(bill)
        if box:
            party["boxes"].append(box)
        if time is not None:
            party["times"].append(time)

    for row in manifests.sort("issued_at", "bill_of_lading").iter_rows(named=True):
        for role in PARTY_ROLES:
            seen(row.get(role), role, row["issued_at"], row["bill_of_lading"], None)
    if releases is not None:
        for row in releases.sort("issued_at", "release_id").iter_rows(named=True):
            for role in ("issued_to", "authorised_haulier"):
                seen(row[role], "haulier", row["issued_at"], None, row["container_number"])
    if gate is not None:
        for row in gate.sort("time", "gate_tx_id").iter_rows(named=True):
            seen(row["haulier"], "haulier", row["time"], None, row["container_number"])
    return [_party_query(party) for party in found.values() if party["times"]]


def _party_query(party: dict[str, Any]) -> Query:
    bills = list(dict.fromkeys(party["bills"]))
    shown = {"name": party["name"], "roles": sorted(party["roles"]), "bills": len(bills),
             "bills_listed": bills[:MAX_LISTED]}  # fmt: skip
    if party["boxes"]:
        boxes = list(dict.fromkeys(party["boxes"]))
        shown |= {"containers": len(boxes), "containers_listed": boxes[:MAX_LISTED]}
    entity = Entity(f"company:{party['name']}", "LegalEntity", (party["name"],))
    times = party["times"]
    return Query("company", party["name"], entity, min(times), max(times), shown=shown)


def active_entries(entries: pl.DataFrame, today: date) -> dict[str, dict[str, Any]]:
    """The entries (`LIST_ENTRY_SCHEMA` rows) that hold on `today`, by `<list>/<entry id>`."""
    return {
        entry_ref(r["list_name"], r["entry_id"]): r
        for r in entries.iter_rows(named=True)
        if entry_active(r, today)
    }


@dataclass(frozen=True)
class Candidate:
    """A query and a list entry it may be: the match (confirmed ones at full score), the entry's
    row, the judgement in force on the pair (None when not judged) and the scorer's own score
    (None when the scorer did not find the pair: a confirmed pair whose subject was renamed)."""

    query: Query
    match: Match
    entry: Mapping[str, Any]
    judgement: Judgement | None
    scored: float | None

    @property
    def key(self) -> PairKey:
        return (self.query.kind, self.query.subject_id, self.match.candidate_id)


def screen_candidates(
    queries: Sequence[Query],
    entries: pl.DataFrame,
    params: ScreenParams,
    today: date,
    judgements: pl.DataFrame | None = None,
    floor: float | None = None,
) -> list[Candidate]:
    """The candidates of `queries` against the entries active on `today` scoring at least
    `floor` (`params.match_threshold` by default), the `judgements` (`JUDGEMENT_SCHEMA`, latest
    of each pair) applied: pairs judged `not_same` left out, pairs judged `same` kept at full
    score whatever the scorer says (`balise.entities.judgements`)."""
    rows = active_entries(entries, today)
    if not rows or not queries:
        return []
    judged = _judged(queries, judgements, rows)
    lowest = params.match_threshold if floor is None else floor
    index = ListIndex([entry_entity(row) for row in rows.values()])
    found: dict[PairKey, Candidate] = {}
    for query, matches in zip(queries, index.screen_many([q.entity for q in queries], params),
                              strict=True):  # fmt: skip
        for match in matches:
            ref = match.candidate_id
            said = judged.get((query.kind, query.subject_id, ref))
            if said is not None and said.verdict == "not_same":
                continue
            if said is not None and said.verdict == "same":
                kept = confirmed(ref, said, match)
            elif match.score >= lowest:
                kept = match
            else:
                continue
            candidate = Candidate(query, kept, rows[ref], said, match.score)
            found.setdefault(candidate.key, candidate)
    by_subject = {(q.kind, q.subject_id): q for q in queries}
    for (kind, subject_id, ref), said in judged.items():
        subject = by_subject.get((kind, subject_id))
        if said.verdict == "same" and subject is not None and (kind, subject_id, ref) not in found:
            found[(kind, subject_id, ref)] = Candidate(
                subject, confirmed(ref, said, None), rows[ref], said, None
            )
    return list(found.values())


def _judged(
    queries: Sequence[Query], judgements: pl.DataFrame | None, rows: Mapping[str, Any]
) -> dict[PairKey, Judgement]:
    """The judgements in force, checked against the entries and the judged subjects."""
    if judgements is None or judgements.is_empty():
        return {}
    wanted = set(zip(judgements["subject_kind"], judgements["subject_id"], strict=True))
    subjects = {(q.kind, q.subject_id): subject_digest(q.entity) for q in queries
                if (q.kind, q.subject_id) in wanted}  # fmt: skip
    return in_force(judgements, rows, subjects)


def subject_digests(queries: Iterable[Query], kind: str, subject_id: str) -> str | None:
    """The `subject_digest` of the query about `kind` `subject_id`, None when none is."""
    for query in queries:
        if (query.kind, query.subject_id) == (kind, subject_id):
            return subject_digest(query.entity)
    return None


def screen_queries(
    queries: Iterable[Query],
    entries: pl.DataFrame,
    list_kinds: Mapping[str, str],
    params: ScreenParams,
    today: date,
    judgements: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The `list_match` events of `queries` against the entries active on `today`, the
    analysts' `judgements` applied (`screen_candidates`); `list_kinds` gives each list's kind
    (for the evidence)."""
    found = screen_candidates(list(queries), entries, params, today, judgements)
    return candidate_events(found, list_kinds, params)


def candidate_events(
    candidates: Iterable[Candidate], list_kinds: Mapping[str, str], params: ScreenParams
) -> pl.DataFrame:
    """The `list_match` events of the candidates scoring at least `screen.match_threshold`
    (a pair confirmed the same scores 1.0), by start and id."""
    events = [_event(c, list_kinds, params) for c in candidates
              if c.match.score >= params.match_threshold]  # fmt: skip
    if not events:
        return empty_events()
    return pl.DataFrame(events, schema=EVENT_SCHEMA).sort("start", "id")


def review_rows(
    candidates: Iterable[Candidate], list_kinds: Mapping[str, str], params: ScreenParams
) -> list[dict[str, Any]]:
    """The review queue: candidates not judged, or judged `unsure`, best score first, each with
    its subject, its entry, its reasons and whether screening raised it (a `list_match` event)
    or only nearly (a score between `screen.review_threshold` and `screen.match_threshold`)."""
    rows = []
    for c in candidates:
        if c.judgement is not None and c.judgement.verdict != "unsure":
            continue
        entry = c.entry
        rows.append({
            "subject_kind": c.query.kind, "subject_id": c.query.subject_id,
            "subject": c.query.shown, "list_name": entry["list_name"],
            "list_kind": list_kinds.get(entry["list_name"], ""), "entry_id": entry["entry_id"],
            "entry": _entry_shown(entry), "score": c.match.score,
            "reasons": list(c.match.reasons), "raised": c.match.score >= params.match_threshold,
            "event_id": _event_id(c), "verdict": c.judgement.verdict if c.judgement else None,
            "note": c.judgement.note if c.judgement else None,
        })  # fmt: skip
    return sorted(rows, key=lambda r: (-r["score"], r["subject_kind"], r["subject_id"],
                                       r["list_name"], r["entry_id"]))  # fmt: skip


def _entry_shown(entry: Mapping[str, Any]) -> dict[str, Any]:
    shown = {k: entry[k] for k in ("schema", "name", "reason", "source", "added_by")}
    listed = {k: list(entry[k] or ()) for k in ("aliases", "identifiers", "countries",
                                                "birth_dates")}  # fmt: skip
    dates = {k: entry[k].isoformat() if entry[k] is not None else None
             for k in ("source_date", "added_at", "valid_from", "valid_until")}  # fmt: skip
    return shown | listed | dates


def _event_id(c: Candidate) -> str:
    return event_id(EVENT_TYPE, c.query.mmsi, "", c.query.kind, c.query.subject_id,
                    c.match.candidate_id)  # fmt: skip


def _event(c: Candidate, list_kinds: Mapping[str, str], params: ScreenParams) -> dict[str, Any]:
    query, match, entry = c.query, c.match, c.entry
    ref = match.candidate_id
    evidence = {
        "list": entry["list_name"], "list_kind": list_kinds.get(entry["list_name"], ""),
        "entry_id": entry["entry_id"], "entry_name": entry["name"],
        "entry_schema": entry["schema"], "entry_identifiers": list(entry["identifiers"] or ()),
        "listed_for": entry["reason"], "list_source": entry["source"],
        "screened": query.shown, "reasons": list(match.reasons),
    }  # fmt: skip
    if c.judgement is not None:
        evidence |= {"judgement": c.judgement.shown(), "scored": c.scored}
    return {
        "id": _event_id(c), "type": EVENT_TYPE, "start": query.start, "end": query.end,
        "lat": query.lat, "lon": query.lon,
        "subject": {"kind": query.kind, "id": query.subject_id},
        "related": [{"kind": ENTRY_KIND, "id": ref}],
        "mmsi": query.mmsi, "other_mmsi": None,
        "confidence": match.score, "score": match.score,
        "params": to_json(asdict(params)), "evidence": to_json(evidence), "status": "active",
    }  # fmt: skip
