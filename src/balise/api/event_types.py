"""The API's names for event types and subject kinds, derived from the registry
(`balise.model.event_types`): the OpenAPI document lists them as enums, so clients see every
type, and a new registry entry reaches the API with nothing written here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from balise.model.event_types import EVENT_TYPE_NAMES, EVENT_TYPES, SUBJECT_KINDS

if TYPE_CHECKING:
    EventTypeName = str
    SubjectKind = str
else:
    # a Literal of the registry's names: FastAPI validates against it and documents the enum
    EventTypeName = Literal[EVENT_TYPE_NAMES]
    SubjectKind = Literal[SUBJECT_KINDS]


class Subject(BaseModel):
    """What an event is about, or one of the things it involves."""

    kind: SubjectKind
    id: str = Field(description="The MMSI of a vessel, a container number, an entity id, ...")


def event_type_rows() -> list[dict[str, Any]]:
    """Every registered event type as `GET /api/v1/event-types` gives it."""
    return [
        {"name": t.name, "title": t.title, "domain": t.domain, "subject": t.subject,
         "definition": t.definition, "docs": t.docs, "weight": t.weight, "shape": t.shape,
         "alert_rule": t.alert, "detected": t.detected}
        for t in EVENT_TYPES
    ]  # fmt: skip
