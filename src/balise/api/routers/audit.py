"""The audit log, for security officers: entries by user, time, action and resource, newest
first a page at a time, and the check of its hash chain. The log is read-only here: no route
changes or deletes an entry.

A page is made of the JSON kept for entries already shown (`KeptEntries`) and of the entries
written since, recalled as this process wrote them (`balise.store.audit_commits`); it is sent
gzip-compressed to clients that accept it (an entry names the records a read returned: a page
of them is mostly repeated keys and ids, a tenth of its size or less once compressed). Every
read of it is audited, so no two pages are alike and none is kept whole.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Annotated, Any, Final, Literal, get_args

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, TypeAdapter

from balise.api.auth import record_read, requires
from balise.api.deps import StoreDep
from balise.api.pagination import bad_cursor, next_link
from balise.api.params import utc
from balise.api.routers.positions import accepts_gzip
from balise.model.records import ACCESS_ACTIONS
from balise.store.accounts import AuditQuery
from balise.store.base import Store

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


PAGE_SIZE: Final = 100
"""Entries on a page unless `limit` says otherwise: the page the web application asks for; a
page of 200 entries was about 450 kB of JSON (each entry lists the records a read returned).
Audit log APIs page smaller still (GitHub's audit log: 30 a page by default, 100 at most)."""
GZIP_LEVEL: Final = 1
"""Compression level of a page: the fastest, as for any answer made per request (nginx's
default `gzip_comp_level`): on a 200-entry page level 6 was 30 % smaller for 2.5 times the
time (2 ms against 0.8 ms)."""
KEPT_ENTRIES: Final = 8192
"""Audit entries whose JSON is kept at most (the least recently shown are dropped first)."""
_ENTRY: Final = TypeAdapter(AuditOut)


class KeptEntries:
    """The JSON of the audit entries shown, by sequence number. An entry never changes once
    written (the log is append-only and chained), so a page is made of the JSON kept for its
    entries, and only the entries not shown before (the newest, mostly) are read whole from
    the store and turned into JSON; the page's sequence numbers are read every time."""

    def __init__(self, size: int = KEPT_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._size = size
        self._json: OrderedDict[int, bytes] = OrderedDict()

    def page(self, store: Store, seqs: list[int]) -> list[bytes]:
        """The JSON of the entries `seqs`, in that order."""
        with self._lock:
            kept = {seq: self._json[seq] for seq in seqs if seq in self._json}
        missing = [seq for seq in seqs if seq not in kept]
        if missing:
            rows = store.audit_entries(missing)
            made = {row["seq"]: _ENTRY.dump_json(_ENTRY.validate_python(row))
                    for row in rows.to_dicts() if row["seq"] not in kept}  # fmt: skip
            kept |= made
            with self._lock:
                self._json.update(made)
                while len(self._json) > self._size:
                    self._json.popitem(last=False)
        with self._lock:
            for seq in seqs:
                if seq in self._json:
                    self._json.move_to_end(seq)
        return [kept[seq] for seq in seqs if seq in kept]


def kept_entries(request: Request) -> KeptEntries:
    """The app's kept audit entries (made on first use)."""
    kept: KeptEntries | None = getattr(request.app.state, "kept_audit_entries", None)
    if kept is None:
        kept = request.app.state.kept_audit_entries = KeptEntries()
    return kept


@router.get(
    "/api/v1/audit", response_model=AuditPage, responses={400: {"description": "Bad cursor"}}
)
def list_audit(
    request: Request,
    store: StoreDep,
    user: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="From (UTC if no zone).")] = None,
    until: Annotated[datetime | None, Query(description="Before (UTC if no zone).")] = None,
    action: Annotated[list[Action] | None, Query(description="Any of these actions.")] = None,
    resource: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
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
    seqs = store.audit_seqs(query, limit + 1)
    page = seqs[:limit]
    items = kept_entries(request).page(store, page)
    token = str(page[-1]) if len(seqs) > limit else None
    body = b'{"items":[' + b",".join(items) + b'],"next":' + json.dumps(token).encode() + b"}"
    headers = {"Vary": "Accept-Encoding"}
    if accepts_gzip(request):
        body = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        headers["Content-Encoding"] = "gzip"
    answer = Response(body, media_type="application/json", headers=headers)
    if token is not None:
        answer.headers["Link"] = next_link(request.url, token)
    record_read(request, "audit", [str(seq) for seq in page])
    return answer


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
