"""Sharing across agencies: an owning agency shares one record (`record`) or a whole list or
resource (`*`) with another agency, for a reason and until a time; every share and unshare is
audited. Only an agency that owns a resource may share it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from balise.api.auth import actor, current, record, record_read, requires
from balise.api.deps import StoreDep
from balise.api.problems import ProblemError, not_found
from balise.engine import accounts as service
from balise.security.policy import AGENCIES, RESOURCES
from balise.store.accounts import Share

router = APIRouter(tags=["shares"], dependencies=[Depends(requires("share", "read"))])
CHANGE = [Depends(requires("share", "change"))]
Agency = Literal["navy", "customs", "police", "port_authority", "partner"]
Shareable = Literal["alert", "watchlist", "export", "release"]
assert set(Agency.__args__) == set(AGENCIES)  # type: ignore[attr-defined]


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource: Shareable
    record: str = Field("*", min_length=1, max_length=128, description="A record id, or `*`.")
    agency: Agency
    reason: str = Field(min_length=3, max_length=500)
    until: AwareDatetime | None = None


class ShareOut(BaseModel):
    resource: str
    record: str
    agency: str
    shared_by: str
    reason: str
    shared_at: datetime
    until: datetime | None


def _out(share: Share) -> dict[str, Any]:
    return dict(share.__dict__)


@router.get("/api/v1/shares", response_model=list[ShareOut])
def list_shares(request: Request, store: StoreDep) -> list[dict[str, Any]]:
    """Every share in force."""
    found = store.shares(now=service.now_utc())
    record_read(request, "share", [f"{s.resource}:{s.record}:{s.agency}" for s in found])
    return [_out(s) for s in found]


@router.post("/api/v1/shares", status_code=201, response_model=ShareOut, dependencies=CHANGE)
def add_share(request: Request, body: ShareIn, store: StoreDep) -> dict[str, Any]:
    """Share a record or a whole resource with an agency."""
    principal = current(request)
    owners = RESOURCES[body.resource].owners
    if owners is not None and principal.agency not in owners:
        reason = f"only {', '.join(sorted(owners))} may share {body.resource}"
        record(request, "denied", "share", [body.resource], 0, reason)
        raise ProblemError(403, "Forbidden", reason, kind="forbidden")
    share = Share(
        body.resource,
        body.record,
        body.agency,
        principal.username,
        body.reason,
        service.now_utc(),
        body.until,
    )
    service.add_share(store, actor(request), share)
    return _out(share)


@router.delete(
    "/api/v1/shares",
    status_code=204,
    dependencies=CHANGE,
    responses={404: {"description": "No such share"}},
)
def remove_share(
    request: Request,
    store: StoreDep,
    resource: Shareable,
    agency: Agency,
    record_id: Annotated[str, Query(alias="record", min_length=1, max_length=128)] = "*",
) -> Response:
    """Stop sharing."""
    if not store.remove_share(resource, record_id, agency):
        raise not_found("share", f"{resource}:{record_id}:{agency}")
    record(
        request,
        "change",
        "share",
        [f"{resource}:{record_id}"],
        1,
        f"no longer shared with {agency}",
    )
    return Response(status_code=204)
