"""The audit log, for security officers: entries by user, time, action and resource, newest
first a page at a time, and the check of its hash chain. The log is read-only here: no route
changes or deletes an entry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from balise.api.auth import record_read, requires
from balise.api.deps import StoreDep
from balise.api.pagination import bad_cursor, next_link
from balise.api.params import utc
from balise.model.records import ACCESS_ACTIONS
from balise.store.accounts import AuditQuery

router = APIRouter(tags=["audit"], dependencies=[Depends(requires("audit", "read"))])
Action = Literal["read", "change", "sign_in", "sign_in_failed", "sign_out", "denied"]
assert get_args(Action) == ACCESS_ACTIONS


class AuditOut(BaseModel):
    seq: int
    time: datetime
    user: str
    agency: str
    role: str
    address: str
    action: str
    route: str
    resource: str
    records: list[str]
    count: int
    detail: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditOut]
    next: str | None = Field(description="Cursor of the next (older) page.")


class ChainOut(BaseModel):
    ok: bool
    entries: int
    head: str = Field(
        description="Hash of the last entry: record it elsewhere to detect a truncated log later."
    )
    broken_at: int | None
    reason: str


@router.get(
    "/api/v1/audit", response_model=AuditPage, responses={400: {"description": "Bad cursor"}}
)
def list_audit(
    request: Request,
    response: Response,
    store: StoreDep,
    user: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="From (UTC if no zone).")] = None,
    until: Annotated[datetime | None, Query(description="Before (UTC if no zone).")] = None,
    action: Annotated[list[Action] | None, Query(description="Any of these actions.")] = None,
    resource: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    """Audit entries, newest first."""
    if cursor is not None and not cursor.isdigit():
        raise bad_cursor()
    query = AuditQuery(
        user=user,
        since=utc(since),
        until=utc(until),
        actions=tuple(action or ()),
        resource=resource,
        after_seq=int(cursor) if cursor else None,
    )
    found = store.audit(query, limit + 1)
    items = found.head(limit).to_dicts()
    token = None
    if found.height > limit:
        token = str(items[-1]["seq"])
        response.headers["Link"] = next_link(request.url, token)
    record_read(request, "audit", [str(item["seq"]) for item in items])
    return {"items": items, "next": token}


@router.get("/api/v1/audit/verify", response_model=ChainOut)
def verify_audit(request: Request, store: StoreDep) -> dict[str, Any]:
    """Recompute the hash chain from the first entry."""
    check = store.verify_audit()
    record_read(request, "audit", [], check.entries)
    return {
        "ok": check.ok,
        "entries": check.entries,
        "head": check.head,
        "broken_at": check.broken_at,
        "reason": check.reason,
    }
