"""Smart-container telemetry: readings posted by devices' gateways, and a container's readings
read back. A posted reading is checked strictly, by the same function that reads files and MQTT
messages (`balise.io.telemetry.parse_telemetry`): a reading the file reader would quarantine,
or one with a value it would clear (a position outside the globe, a humidity of 140 %), is
refused with a problem document naming each bad field, and nothing of the request is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from balise.api.auth import current, record, requires
from balise.api.deps import StoreDep
from balise.api.params import invalid, utc
from balise.api.problems import ProblemError
from balise.engine.telemetry import store_readings
from balise.io.record_fields import BadRecord
from balise.io.telemetry import SENSOR_RANGES, parse_telemetry, readings_batch
from balise.model.containers import is_valid_container, normalise_container

router = APIRouter(tags=["telemetry"])
MAX_READINGS: Final = 10_000
"""Most readings in one request (the body is capped by `serve.max_body_bytes` too)."""
PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: {"description": "A reading is invalid (`errors` points at each bad field)"}
}


def _sensor(name: str, unit: str) -> Any:
    low, high = SENSOR_RANGES[name]
    return Field(None, ge=low, le=high, strict=True, description=f"{unit}, {low:g} to {high:g}.")


class TelemetryIn(BaseModel):
    """One reading of a smart container's device."""

    model_config = ConfigDict(extra="forbid")

    container_number: str = Field(max_length=20, examples=["CSQU3054383"],
                                  description="ISO 6346, check digit verified.")  # fmt: skip
    time: str | int | float = Field(
        examples=["2024-03-01T08:00:00Z"],
        description="ISO 8601 (UTC when no offset) or epoch seconds (milliseconds from "
        "100,000,000,000 on).",
    )
    lat: float | None = Field(None, ge=-90, le=90, strict=True, description="WGS 84 degrees.")
    lon: float | None = Field(None, ge=-180, le=180, strict=True, description="WGS 84 degrees.")
    door_open: bool | None = Field(None, strict=True)
    light_lux: float | None = _sensor("light_lux", "lux")
    temperature_c: float | None = _sensor("temperature_c", "°C")
    humidity: float | None = _sensor("humidity", "% relative")
    shock_g: float | None = _sensor("shock_g", "g")
    battery: float | None = _sensor("battery", "%")


class TelemetryOut(BaseModel):
    container_number: str
    time: datetime
    lat: float | None
    lon: float | None
    door_open: bool | None
    light_lux: float | None
    temperature_c: float | None
    humidity: float | None
    shock_g: float | None
    battery: float | None


class PostResult(BaseModel):
    received: int = Field(description="Readings in the request.")
    stored: int = Field(description="New readings, or replacing another at the same time.")
    duplicates: int = Field(description="Readings already stored, the same.")


_CLEARED_FIELD: Final = {"bad_position": "lat"}
_READING: Final = TypeAdapter(TelemetryIn)
BODY_SCHEMA: Final = {
    "anyOf": [
        _READING.json_schema(),
        {"type": "array", "items": _READING.json_schema(), "maxItems": MAX_READINGS},
    ]
}
"""The request body as OpenAPI documents it: one reading, or a list of them."""


def _invalid(errors: list[dict[str, Any]]) -> ProblemError:
    return ProblemError(422, "Invalid parameters", f"{len(errors)} invalid field(s)",
                        kind="invalid-parameters", errors=errors)  # fmt: skip


def _pointer(where: str, *path: object) -> str:
    return "/".join([where, *(str(part) for part in path)])


def _validated(body: Any) -> list[TelemetryIn]:
    """The readings of a body (one object or a list); a 422 problem naming each bad field."""
    single = isinstance(body, dict)
    items = [body] if single else body
    if not isinstance(items, list) or not 0 < len(items) <= MAX_READINGS:
        detail = f"one reading (an object) or a list of 1 to {MAX_READINGS:,}"
        raise _invalid([{"in": "body", "pointer": "#", "detail": detail}])
    readings: list[TelemetryIn] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        where = "#" if single else f"#/{index}"
        try:
            reading = _READING.validate_python(item)
        except ValidationError as err:
            errors += [{"in": "body", "pointer": _pointer(where, *e["loc"]), "detail": e["msg"]}
                       for e in err.errors(include_url=False)]  # fmt: skip
            continue
        errors += _parse_errors(reading, where)
        readings.append(reading)
    if errors:
        raise _invalid(errors)
    return readings


def _parse_errors(reading: TelemetryIn, where: str) -> list[dict[str, Any]]:
    """What the readers would quarantine or clear in `reading`, as problem `errors`."""
    try:
        _, cleared = parse_telemetry(reading.model_dump(exclude_none=True))
    except BadRecord as bad:
        field = bad.detail.split(" ", 1)[0]
        detail = f"{bad.reason}: {bad.detail}"
        return [{"in": "body", "pointer": _pointer(where, field), "detail": detail}]
    return [
        {"in": "body", "pointer": _pointer(where, _CLEARED_FIELD.get(r, r[4:])), "detail": r}
        for r in cleared
    ]


@router.post(
    "/api/v1/telemetry",
    response_model=PostResult,
    responses=PROBLEMS,
    dependencies=[Depends(requires("telemetry", "change"))],
    openapi_extra={"requestBody": {"required": True,
                                   "content": {"application/json": {"schema": BODY_SCHEMA}}}},
)  # fmt: skip
def post_telemetry(
    request: Request, store: StoreDep, body: Annotated[Any, Body()]
) -> dict[str, int]:
    """Store smart-container readings (one object or a list of at most 10,000); each is stored
    once per container and time."""
    readings = _validated(body)
    rows = [parse_telemetry(r.model_dump(exclude_none=True))[0] for r in readings]
    source = f"api:{current(request).username}"
    counts = store_readings(store, readings_batch(rows, source), source)
    numbers = sorted({row["container_number"] for row in rows})
    record(request, "change", "telemetry", numbers, counts.get("records_stored", 0), "posted")
    return {"received": len(rows), "stored": counts.get("records_stored", 0),
            "duplicates": counts.get("duplicates", 0)}  # fmt: skip


@router.get(
    "/api/v1/containers/{number}/telemetry",
    response_model=list[TelemetryOut],
    responses=PROBLEMS,
    dependencies=[Depends(requires("telemetry"))],
)
def container_telemetry(
    store: StoreDep,
    number: Annotated[str, PathParam(max_length=20, description="ISO 6346 container number.")],
    since: Annotated[datetime | None, Query(description="From (UTC if no zone).")] = None,
    until: Annotated[datetime | None, Query(description="Before (UTC if no zone).")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_READINGS)] = 1000,
) -> list[dict[str, Any]]:
    """A container's readings within [since, until), oldest first (at most `limit`, the
    latest)."""
    container = normalise_container(number)
    if not is_valid_container(container):
        raise invalid("number", f"{number!r} is not an ISO 6346 number with its check digit")
    found = store.telemetry(container, utc(since), utc(until)).tail(limit)
    return found.drop("source", "source_line").to_dicts()
