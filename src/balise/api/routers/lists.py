"""Screening lists over HTTP: the lists and their entries with provenance, entries added and
removed, the review queue of candidate matches and the analysts' judgements.

Every change (a list made, an entry added or removed, a pair judged) is audited and screens
what is stored again (`balise.engine.lists.rescreen`), as `balise list` does, so an answer
reports the `list_match` events it made, revised and retracted. Input is strict: an unknown list
or entry is a 404 problem, a list or entry that exists already a 409, a bad identifier, date or
verdict a 422. The account that adds an entry or judges a pair is recorded as `added_by` or
`judged_by`.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Final, Literal

import polars as pl
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from balise.api.auth import actor, current, record_read, requires
from balise.api.deps import RulesDep, StoreDep
from balise.api.kept import KeptDep
from balise.api.pagination import bad_cursor, next_link
from balise.api.params import invalid
from balise.api.problems import ProblemError, not_found
from balise.engine.lists import (
    add_entities,
    audit_change,
    provenance,
    record_judgement,
    rescreen,
)
from balise.engine.screening import ScreeningReport, review_queue
from balise.entities.identifiers import normalise_identifier
from balise.entities.match import Entity
from balise.entities.params import ScreenParams, screen_params
from balise.entities.shell_params import shell_params
from balise.model.lists import ENTRY_SCHEMATA, LIST_KINDS, VERDICTS
from balise.store.base import Store
from balise.workspace import Workspace

router = APIRouter(tags=["lists"], dependencies=[Depends(requires("lists", "read"))])
CHANGE = [Depends(requires("lists", "change"))]
ListKind = Literal["vessels_of_interest", "banned_companies", "sanctions", "user"]
EntrySchema = Literal["Person", "Company", "Organization", "Vessel", "LegalEntity"]
Verdict = Literal["same", "not_same", "unsure"]
assert set(ListKind.__args__) == set(LIST_KINDS)  # type: ignore[attr-defined]
assert set(EntrySchema.__args__) == set(ENTRY_SCHEMATA)  # type: ignore[attr-defined]
assert set(Verdict.__args__) == set(VERDICTS)  # type: ignore[attr-defined]
NAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ListName = Annotated[str, Path(pattern=NAME_PATTERN, description="The list's name.")]
_CURSOR: Final = "l1."
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
PROBLEMS: Final[dict[int | str, dict[str, Any]]] = {
    404: {"description": "No such list or entry"},
    409: {"description": "The list or entry exists already"},
}


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN, description="Letters, digits, _ . - (64 at most).")
    kind: ListKind
    description: str = Field("", max_length=1000)


class ListOut(BaseModel):
    name: str
    kind: str
    description: str | None
    created_at: datetime | None
    created_by: str | None
    entries: int = Field(description="Active entries (not removed).")
    removed: int


class EntryIn(BaseModel):
    """A new entry: who or what is listed, and its provenance (the account adding it is
    recorded as `added_by`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(min_length=1, max_length=300)
    entry_schema: EntrySchema = Field("LegalEntity", alias="schema")
    aliases: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=50
    )
    imo: str | None = Field(None, max_length=20, description="IMO number (check digit checked).")
    mmsi: str | None = Field(None, max_length=20)
    lei: str | None = Field(None, max_length=40)
    registration: str | None = Field(None, max_length=60)
    countries: list[Annotated[str, Field(min_length=2, max_length=40)]] = Field(
        default_factory=list, max_length=20
    )
    birth_date: date | None = None
    source: str = Field(min_length=1, max_length=300, description="Where the listing comes from.")
    source_date: date | None = None
    reason: str = Field(min_length=3, max_length=1000, description="Why it is listed.")
    valid_from: date | None = None
    valid_until: date | None = None


class EntryOut(BaseModel):
    list_name: str
    entry_id: str
    schema_: str = Field(alias="schema")
    name: str
    aliases: list[str]
    identifiers: list[str]
    birth_dates: list[str]
    countries: list[str]
    source: str | None
    source_date: date | None
    reason: str | None
    added_by: str | None
    added_at: datetime | None
    valid_from: date | None
    valid_until: date | None
    removed_at: datetime | None
    removed_by: str | None
    removed_reason: str | None


class EntryPage(BaseModel):
    items: list[EntryOut]
    next: str | None = Field(description="Cursor of the next page (null on the last).")


class Screened(BaseModel):
    """The `list_match` events the change made, revised and retracted."""

    new: int
    revised: int
    retracted: int
    unchanged: int


class EntryAdded(BaseModel):
    entry: EntryOut
    screening: Screened | None


class ReviewItem(BaseModel):
    subject_kind: str = Field(description="`vessel` (id: MMSI) or `company` (id: the name).")
    subject_id: str
    subject: dict[str, Any] = Field(description="What was screened: names, IMOs, roles, bills.")
    list_name: str
    list_kind: str
    entry_id: str
    entry: dict[str, Any] = Field(description="The entry: names, identifiers, provenance.")
    score: float
    reasons: list[str]
    raised: bool = Field(description="A `list_match` (true) or a near miss (false).")
    event_id: str
    verdict: str | None = Field(description="`unsure` when so judged, else null.")
    note: str | None


class ReviewPage(BaseModel):
    items: list[ReviewItem]
    total: int
    match_threshold: float
    review_threshold: float


class JudgementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_kind: Literal["vessel", "company"]
    subject_id: str = Field(min_length=1, max_length=300)
    list_name: str = Field(pattern=NAME_PATTERN)
    entry_id: str = Field(min_length=1, max_length=200)
    verdict: Verdict
    note: str = Field("", max_length=1000)


class JudgementOut(BaseModel):
    subject_kind: str
    subject_id: str
    list_name: str
    entry_id: str
    verdict: str
    note: str
    judged_by: str
    judged_at: datetime
    screening: Screened | None


def _params(request: Request) -> ScreenParams:
    workspace: Workspace | None = getattr(request.app.state, "workspace", None)
    return screen_params(workspace.settings().values if workspace else {})


def _changed(request: Request, store: Store, rules: RulesDep) -> dict[str, int] | None:
    workspace: Workspace | None = getattr(request.app.state, "workspace", None)
    values = workspace.settings().values if workspace else {}
    report: ScreeningReport | None = rescreen(
        store, screen_params(values), shell_params(values), rules
    ).screening
    if report is None:
        return None
    c = report.changes
    return {"new": c.new, "revised": c.revised, "retracted": c.retracted,
            "unchanged": c.unchanged}  # fmt: skip


def _require_list(store: Store, name: str) -> None:
    if name not in store.lists()["name"].to_list():
        raise not_found("list", name)


@router.get("/api/v1/lists", response_model=list[ListOut])
def get_lists(request: Request, store: StoreDep) -> list[dict[str, Any]]:
    """Every list with its kind and its counts of active and removed entries."""
    found = store.lists().to_dicts()
    record_read(request, "lists", [f["name"] for f in found])
    return found


@router.post("/api/v1/lists", status_code=201, response_model=ListOut, dependencies=CHANGE,
             responses=PROBLEMS)  # fmt: skip
def create_list(
    request: Request, response: Response, body: ListIn, store: StoreDep
) -> dict[str, Any]:
    """Make an empty list of a kind."""
    who = current(request).username
    made = {"name": body.name, "kind": body.kind, "description": body.description,
            "created_at": datetime.now(UTC), "created_by": who}  # fmt: skip
    if not store.create_list(made):
        raise ProblemError(409, "Conflict", f"a list {body.name!r} exists already",
                           kind="conflict")  # fmt: skip
    audit_change(store, actor(request), [body.name], f"list created ({body.kind})")
    response.headers["Location"] = f"/api/v1/lists/{body.name}/entries"
    return made | {"entries": 0, "removed": 0}


def _encode(added_at: datetime, entry_id: str) -> str:
    micros = (added_at - _EPOCH) // timedelta(microseconds=1)
    text = json.dumps([micros, entry_id], separators=(",", ":"))
    return _CURSOR + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[datetime, str]:
    if not token.startswith(_CURSOR):
        raise bad_cursor()
    body = token[len(_CURSOR) :]
    try:
        raw = base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode("ascii"))
        micros, entry_id = json.loads(raw)
        if not isinstance(micros, int) or not isinstance(entry_id, str):
            raise TypeError("wrong member types")
        return _EPOCH + timedelta(microseconds=micros), entry_id
    except (binascii.Error, ValueError, TypeError, OverflowError, UnicodeError) as err:
        raise bad_cursor() from err


def _after(entries: pl.DataFrame, cursor: str) -> pl.DataFrame:
    added_at, entry_id = _decode(cursor)
    return entries.filter(
        (pl.col("added_at") > added_at)
        | ((pl.col("added_at") == added_at) & (pl.col("entry_id") > entry_id))
    )


PAGE_PROBLEMS: Final = {**PROBLEMS, 400: {"description": "A cursor this API did not issue"}}


@router.get("/api/v1/lists/{name}/entries", response_model=EntryPage, responses=PAGE_PROBLEMS)
def get_entries(
    request: Request, response: Response, store: StoreDep, name: ListName,
    removed: Annotated[bool, Query(description="Removed entries too.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:  # fmt: skip
    """A list's entries with their provenance, oldest first, a page at a time (`next` and a
    `Link: rel="next"` header)."""
    _require_list(store, name)
    entries = store.list_entries(name, include_removed=removed)
    if cursor:
        entries = _after(entries, cursor)
    page = entries.head(limit + 1)
    items = page.head(limit).to_dicts()
    token = None
    if page.height > limit:
        token = _encode(items[-1]["added_at"], items[-1]["entry_id"])
        response.headers["Link"] = next_link(request.url, token)
    record_read(request, "lists", [f"{name}/{i['entry_id']}" for i in items], len(items))
    return {"items": items, "next": token}


def _entity(body: EntryIn) -> Entity:
    ids = []
    for kind in ("imo", "mmsi", "lei", "registration"):
        given = getattr(body, kind)
        if given:
            identifier = normalise_identifier(kind, given)
            if identifier is None:
                raise _bad(kind, f"{given!r} is not a valid {kind.upper()}")
            ids.append(identifier)
    if body.valid_from and body.valid_until and body.valid_until < body.valid_from:
        raise _bad("valid_until", "before valid_from")
    if not body.name.strip():
        raise _bad("name", "empty")
    names = [body.name.strip(), *(a.strip() for a in body.aliases if a.strip())]
    return Entity("", body.entry_schema, tuple(dict.fromkeys(names)),
                  birth_dates=(body.birth_date.isoformat(),) if body.birth_date else (),
                  countries=tuple(c.strip().lower() for c in body.countries),
                  identifiers=tuple(ids))  # fmt: skip


def _bad(name: str, detail: str) -> ProblemError:
    problem = invalid(name, detail)
    problem.extensions["errors"][0]["in"] = "body"
    return problem


@router.post("/api/v1/lists/{name}/entries", status_code=201, response_model=EntryAdded,
             dependencies=CHANGE, responses=PROBLEMS)  # fmt: skip
def add_entry(
    request: Request, response: Response, body: EntryIn, store: StoreDep, rules: RulesDep,
    name: ListName,
) -> dict[str, Any]:  # fmt: skip
    """Add an entry with its provenance; then screen what is stored again."""
    _require_list(store, name)
    entity = _entity(body)
    given = provenance(current(request).username, body.source, body.reason,
                       source_date=body.source_date, valid_from=body.valid_from,
                       valid_until=body.valid_until)  # fmt: skip
    (entry_id,), added = add_entities(store, name, [entity], given)
    if not added:
        raise ProblemError(409, "Conflict", f"{name} already holds this entry ({entry_id})",
                           kind="conflict", entry_id=entry_id)  # fmt: skip
    audit_change(store, actor(request), [f"{name}/{entry_id}"], f"entry added: {body.name}")
    entry = store.list_entries(name).filter(pl.col("entry_id") == entry_id).row(0, named=True)
    response.headers["Location"] = f"/api/v1/lists/{name}/entries/{entry_id}"
    return {"entry": entry, "screening": _changed(request, store, rules)}


@router.delete("/api/v1/lists/{name}/entries/{entry_id}", response_model=Screened | None,
               dependencies=CHANGE, responses=PROBLEMS)  # fmt: skip
def remove_entry(
    request: Request, store: StoreDep, rules: RulesDep, name: ListName,
    entry_id: Annotated[str, Path(max_length=200)],
    reason: Annotated[str, Query(max_length=1000, description="Why it is removed.")] = "",
) -> dict[str, int] | None:  # fmt: skip
    """Remove an entry (its row is kept, marked removed, with who and why); then screen what is
    stored again. The answer counts the `list_match` events changed."""
    _require_list(store, name)
    who = current(request).username
    if not store.remove_list_entry(name, entry_id, who, reason, datetime.now(UTC)):
        raise not_found("entry", f"{name}/{entry_id}")
    audit_change(store, actor(request), [f"{name}/{entry_id}"],
                 f"entry removed: {reason}" if reason else "entry removed")  # fmt: skip
    return _changed(request, store, rules)


@router.get("/api/v1/screening/review", response_model=ReviewPage)
def get_review(
    request: Request, store: StoreDep, kept: KeptDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:  # fmt: skip
    """The candidate matches still to judge, best score first: `list_match` pairs not judged
    or judged unsure, and near misses (scores from `screen.review_threshold` up to
    `screen.match_threshold`), with the subject, the entry and the reasons side by side."""
    params = _params(request)
    # the queue as the last screening stored it: a new screening is a new data version
    rows = kept.get(store.generation, ("screening review", params),
                    lambda: review_queue(store, params))  # fmt: skip
    items = rows[:limit]
    record_read(request, "lists", [f"{r['list_name']}/{r['entry_id']}" for r in items], len(items))
    return {"items": items, "total": len(rows), "match_threshold": params.match_threshold,
            "review_threshold": params.review_threshold}  # fmt: skip


@router.post("/api/v1/screening/judgements", status_code=201, response_model=JudgementOut,
             dependencies=CHANGE, responses=PROBLEMS)  # fmt: skip
def judge(request: Request, body: JudgementIn, store: StoreDep, rules: RulesDep) -> dict[str, Any]:
    """Judge a candidate match: `not_same` keeps the pair from being raised again (until the
    entry's names or identifiers change), `same` raises it at full score even after the subject
    is renamed, `unsure` keeps it in the queue. Then screen what is stored again."""
    _require_list(store, body.list_name)
    pair = (body.subject_kind, body.subject_id, body.list_name, body.entry_id)
    done = record_judgement(store, current(request).username, pair, body.verdict, body.note)
    if done is None:
        raise not_found("entry", f"{body.list_name}/{body.entry_id}")
    audit_change(store, actor(request), [f"{body.list_name}/{body.entry_id}"],
                 f"{body.subject_kind} {body.subject_id} judged {body.verdict}")  # fmt: skip
    return done | {"screening": _changed(request, store, rules)}
