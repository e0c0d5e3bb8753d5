"""Container releases and terminal gate records: sensitive, for customs and police (see
docs/security.md). A release's reference (the PIN a haulier shows at the gate) is shown whole
only to those the policy lets `reveal` it, masked to the others; every read is audited with the
releases and containers it returned."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from balise.api.auth import allowed, check, record_read, requires
from balise.api.deps import StoreDep
from balise.api.params import utc
from balise.security.policy import mask_reference

router = APIRouter(tags=["releases"], dependencies=[Depends(requires("release"))])

Container = Annotated[
    list[str] | None,
    Query(alias="container", max_length=200, description="ISO 6346 container numbers."),
]


class ReleaseOut(BaseModel):
    release_id: str = Field(description="The release reference; masked unless you may reveal it.")
    masked: bool
    container_number: str
    terminal: str
    bill_of_lading: str | None
    issued_at: datetime
    issued_to: str | None
    authorised_haulier: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    customs_status: str | None
    customs_status_at: datetime | None


class GateOut(BaseModel):
    gate_tx_id: str
    container_number: str
    terminal: str
    time: datetime
    direction: str
    haulier: str | None
    truck_plate: str | None
    release_id: str | None = Field(description="Masked unless you may reveal it.")
    result: str | None


def _masked(frame: pl.DataFrame, reveal: bool) -> list[dict[str, Any]]:
    rows = frame.drop("source", "source_line", strict=False).to_dicts()
    for row in rows:
        row["masked"] = not reveal
        if not reveal:
            row["release_id"] = mask_reference(row.get("release_id"))
    return rows


def _containers(values: list[str] | None) -> list[str] | None:
    return [v.strip().upper().replace(" ", "") for v in values] if values else None


@router.get("/api/v1/releases", response_model=list[ReleaseOut])
def list_releases(
    request: Request, store: StoreDep, container: Container = None,
    terminal: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:  # fmt: skip
    """Releases of the given containers (or terminal), newest first."""
    decision = check(request, "release", "read")
    found = store.releases(_containers(container), terminal)
    if decision.only is not None:
        found = found.filter(pl.col("release_id").is_in(list(decision.only)))
    found = found.sort("issued_at", descending=True).head(limit)
    reveal = allowed(request, "release", "reveal")
    record_read(request, "release",
                found["release_id"].to_list() + found["container_number"].to_list(),
                found.height)  # fmt: skip
    return _masked(found, reveal)


@router.get("/api/v1/gate", response_model=list[GateOut])
def list_gate(
    request: Request, store: StoreDep, container: Container = None,
    since: Annotated[datetime | None, Query(description="From (UTC if no zone).")] = None,
    until: Annotated[datetime | None, Query(description="Before (UTC if no zone).")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:  # fmt: skip
    """Gate transactions of the given containers, newest first."""
    decision = check(request, "release", "read")
    found = store.gate_transactions(_containers(container), utc(since), utc(until))
    if decision.only is not None:
        found = found.filter(pl.col("release_id").is_in(list(decision.only)))
    found = found.sort("time", descending=True).head(limit)
    reveal = allowed(request, "release", "reveal")
    record_read(request, "release", found["container_number"].unique().to_list(), found.height)
    rows = _masked(found, reveal)
    for row in rows:
        row.pop("masked", None)
    return rows
