"""Entities: search by name, id, IMO number or MMSI, and one entity's page (who owns and
directs it up to the ultimate owners, what it owns and directs, shell indicators with reasons,
list matches, linked vessels, parties, bills, containers and events), as `balise entity` shows
them (`balise.engine.entity_page`).

Entities are sensitive (`entity` in docs/security.md): enforcement analysts and admins read
them, and every read is audited with the entities returned. Bills of lading on a page are shown
only to those who may read manifests (else `bills` is null). The search is paged with a keyset
cursor over the entity id. `GET /api/v1/entities/{id}/ftm` gives the page as FollowTheMoney
JSON lines (the entity, its owners and directors, their links and addresses;
`balise.engine.entity_ftm`), under the same policy.

An entity's page is made once per data version and kept (`balise.api.kept`): it reads the
registries, the fleet, the bills and the events, and screens the entity and those who control
it against the active list entries, which a page asked again (a tab's refresh, the FtM export
after the page) need not do again until the data, the lists included, or the settings change.
What is per request stays per request: who may see the bills, the audit of the read.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from balise.api.auth import allowed, record_read, requires
from balise.api.deps import StoreDep
from balise.api.kept import KeptAnswers, KeptDep
from balise.api.pagination import bad_cursor, next_link
from balise.api.params import invalid
from balise.api.problems import not_found
from balise.engine.entity_ftm import entity_ftm
from balise.engine.entity_page import entity_record, search_entities
from balise.entities.graph import DEFAULT_DEPTH
from balise.entities.params import ScreenParams, screen_params
from balise.entities.shell_params import ShellParams, shell_params
from balise.io.registry_export import write_ftm_lines
from balise.store.base import Store

router = APIRouter(tags=["entities"], dependencies=[Depends(requires("entity"))])

_CURSOR: Final = "n1."
PROBLEMS: Final[dict[int | str, dict[str, Any]]] = {
    404: {"description": "No entity of this id in the workspace"},
    422: {"description": "A bad id or depth"},
}
EntityId = Annotated[str, PathParam(min_length=1, max_length=300,
                                    description="A registry id, vessel:IMO…, vessel:MMSI… or "
                                    "party:<name>.")]  # fmt: skip
Depth = Annotated[int, Query(ge=1, le=50, description="Ownership links followed upwards.")]


class EntityRow(BaseModel):
    id: str
    kind: str = Field(description="registry, vessel (heard on AIS) or party (on bills).")
    schema_: str = Field(alias="schema", description="FollowTheMoney schema.")
    name: str | None
    country: str | None


class EntityPage(BaseModel):
    items: list[EntityRow]
    next: str | None = Field(description="Cursor of the next page (null on the last page).")


class Shell(BaseModel):
    score: float = Field(description="Noisy-OR of the indicators' weights, 0-1.")
    is_shell: bool = Field(description="At or above shell.min_score.")
    indicators: list[dict[str, Any]]


class EntityOut(BaseModel):
    id: str
    kind: str
    schema_: str = Field(alias="schema")
    name: str | None
    aliases: list[str] = []
    country: str | None = None
    identifiers: dict[str, Any] = {}
    incorporation_date: date | None = None
    address: str | None = None
    topics: list[str] = []
    owners: list[dict[str, Any]] = []
    ultimate_owners: list[dict[str, Any]] = Field(
        default=[],
        description="Owners at the top of each chain: effective_pct (product of "
        "the shares along a path, summed over paths), paths (owner down to this entity).",
    )
    cycles: list[list[str]] = Field(default=[], description="Circular ownership met above.")
    owns: list[dict[str, Any]] = []
    directors: list[dict[str, Any]] = []
    directs: list[dict[str, Any]] = []
    shell: Shell | None = None
    list_matches: list[dict[str, Any]] = []
    vessels: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    linked_registry: list[dict[str, Any]] = []
    bills: list[dict[str, Any]] | None = Field(
        default=None, description="Bills of lading naming it; null unless you may read manifests."
    )
    bill_count: int = 0
    containers: list[str] = []
    container_count: int = 0
    hauliers: dict[str, int] = {}
    events: list[dict[str, Any]] = []
    event_count: int = 0


def _encode(entity_id: str) -> str:
    text = json.dumps([entity_id], separators=(",", ":"))
    return _CURSOR + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> str:
    if not token.startswith(_CURSOR):
        raise bad_cursor()
    body = token[len(_CURSOR) :]
    try:
        raw = base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode("ascii"))
        (entity_id,) = json.loads(raw)
        if not isinstance(entity_id, str):
            raise TypeError("wrong member type")
    except (binascii.Error, ValueError, TypeError, UnicodeError) as err:
        raise bad_cursor() from err
    return entity_id


def _params(request: Request) -> tuple[ShellParams, ScreenParams]:
    workspace = getattr(request.app.state, "workspace", None)
    values = workspace.settings().values if workspace is not None else {}
    return shell_params(values), screen_params(values)


def _page(
    request: Request, store: Store, kept: KeptAnswers, entity_id: str, depth: int
) -> dict[str, Any] | None:
    """The entity's page (`entity_record`), kept per data version, settings and day; a copy
    of it, for the caller to shape."""
    shell, screen = _params(request)
    day = datetime.now(UTC).date()
    page = kept.get(store.generation, ("entity page", entity_id, depth, shell, screen, day),
                    lambda: entity_record(store, entity_id, shell, screen, depth, day))  # fmt: skip
    return None if page is None else dict(page)


@router.get("/api/v1/entities", response_model=EntityPage, response_model_by_alias=True,
            responses={400: {"description": "A cursor this API did not issue"}})  # fmt: skip
def list_entities(
    request: Request,
    response: Response,
    store: StoreDep,
    q: Annotated[str, Query(min_length=1, max_length=200,
                            description="Text in a name, or an id, IMO number or MMSI.")],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> dict[str, Any]:  # fmt: skip
    """Registry entities, AIS vessels and bill-of-lading parties matching `q`, by id, a page
    at a time (`next` and a `Link: rel="next"` header)."""
    if not q.strip():
        raise invalid("q", "a text to search for")
    found = search_entities(store, q)
    if cursor:
        after = _decode(cursor)
        found = [f for f in found if f["id"] > after]
    items = found[:limit]
    token = None
    if len(found) > limit:
        token = _encode(items[-1]["id"])
        response.headers["Link"] = next_link(request.url, token)
    record_read(request, "entity", [i["id"] for i in items], len(items))
    return {"items": items, "next": token}


@router.get("/api/v1/entities/{entity_id}", response_model=EntityOut,
            response_model_by_alias=True, responses=PROBLEMS)  # fmt: skip
def get_entity(
    request: Request,
    store: StoreDep,
    kept: KeptDep,
    entity_id: EntityId,
    depth: Depth = DEFAULT_DEPTH,
) -> dict[str, Any]:  # fmt: skip
    """One entity's page: identifiers, owners up to the ultimate owners with effective shares
    and paths, what it owns and directs, directors, shell indicators with reasons, list matches,
    linked vessels, parties, bills (if you may read manifests), containers and events."""
    page = _page(request, store, kept, entity_id, depth)
    if page is None:
        raise not_found("entity", entity_id)
    if allowed(request, "manifest", "read"):
        record_read(request, "manifest", [b["bill_of_lading"] for b in page["bills"]],
                    len(page["bills"]))  # fmt: skip
    else:
        page["bills"] = None
    record_read(request, "entity", [entity_id], 1)
    return page


FTM_MEDIA_TYPE: Final = "application/x-ndjson"


@router.get("/api/v1/entities/{entity_id}/ftm", response_class=Response,
            responses={**PROBLEMS, 200: {"content": {FTM_MEDIA_TYPE: {}},
                                         "description": "FtM JSON lines"}})  # fmt: skip
def get_entity_ftm(
    request: Request,
    store: StoreDep,
    kept: KeptDep,
    entity_id: EntityId,
    depth: Depth = DEFAULT_DEPTH,
) -> Response:  # fmt: skip
    """One entity as FollowTheMoney JSON lines, valid against the model and read back by
    `balise ingest registry`: the entity, everyone above it through ownership and directorship
    links, what it owns and directs, the Ownership and Directorship links and the addresses."""
    page = _page(request, store, kept, entity_id, depth)
    if page is None:
        raise not_found("entity", entity_id)
    items = entity_ftm(store, page, depth)
    out = io.StringIO()
    write_ftm_lines(items, out)
    record_read(request, "entity", [i["id"] for i in items if "name" in i["properties"]
                                    or "full" in i["properties"]], len(items))  # fmt: skip
    return Response(out.getvalue(), media_type=FTM_MEDIA_TYPE)
