"""Events of the ownership graph, pure (no I/O): `shell_company` for a registry company whose
shell score reaches `shell.min_score`, and `owned_by_listed` / `owned_by_shell` for a vessel or
company owned or directed, directly or up the chain (`shell.depth` links), by an entity on a
screening list or by a shell, with the path as reasons.

A vessel's event has the vessel's MMSI (the registry vessel matched to the AIS fleet by IMO
number, else MMSI), so it weighs in the vessel's risk as a `list_match` does, through the event
type's weight. A registry vessel never heard on AIS gets its events too, about the registry
entity (subject `vessel` and its entity id, no MMSI, the registry's time), so that an analyst
sees a listed owner's fleet before it sails into the AIS picture; once heard, the events move
to its MMSI (the old ones are retracted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, Final

import polars as pl

from balise.entities.shell import Indicator, ListedAs, ShellInputs, shell_score
from balise.entities.shell_params import ShellParams
from balise.model.events import EVENT_SCHEMA, empty_events, event_id, to_json
from balise.model.registry import ORGANISATION_SCHEMATA

SHELL_COMPANY: Final = "shell_company"
OWNED_BY_LISTED: Final = "owned_by_listed"
OWNED_BY_SHELL: Final = "owned_by_shell"
EVENT_TYPES: Final = (SHELL_COMPANY, OWNED_BY_LISTED, OWNED_BY_SHELL)
REGISTRY_KIND: Final = {"Person": "person", "Vessel": "vessel"}
"""`subject.kind` of a registry entity by schema (`company` for the others)."""


@dataclass(frozen=True)
class Seen:
    """When and where a subject was seen: the span of its records, its MMSI and last position
    for a vessel heard on AIS."""

    start: datetime
    end: datetime
    mmsi: int | None = None
    lat: float | None = None
    lon: float | None = None


def _kind(inputs: ShellInputs, entity_id: str) -> str:
    schema = (inputs.entities.get(entity_id) or {}).get("schema", "")
    return REGISTRY_KIND.get(str(schema), "company")


def _event(
    kind: str,
    subject: tuple[str, str],
    related: list[dict[str, str]],
    seen: Seen,
    score: float,
    evidence: dict[str, Any],
    params: ShellParams,
) -> dict[str, Any]:
    more = [subject[0], subject[1], *(f"{r['kind']}:{r['id']}" for r in related)]
    return {
        "id": event_id(kind, seen.mmsi, "", *more), "type": kind,
        "start": seen.start, "end": seen.end, "lat": seen.lat, "lon": seen.lon,
        "subject": {"kind": subject[0], "id": subject[1]}, "related": related,
        "mmsi": seen.mmsi, "other_mmsi": None, "confidence": score, "score": score,
        "params": to_json(asdict(params)), "evidence": to_json(evidence), "status": "active",
    }  # fmt: skip


def shell_events(
    inputs: ShellInputs,
    indicators: Mapping[str, Sequence[Indicator]],
    seen: Mapping[str, Seen],
    default: Seen,
    params: ShellParams,
) -> list[dict[str, Any]]:
    """One `shell_company` event per company whose score reaches `shell.min_score`."""
    events = []
    for entity_id, found in sorted(indicators.items()):
        score = shell_score(found)
        if score < params.min_score:
            continue
        evidence = {
            "name": _name(inputs, entity_id), "shell_score": score,
            "indicators": [{"code": i.code, "weight": i.weight, "reason": i.reason,
                            **i.evidence} for i in found],
            "reasons": [i.reason for i in found],
        }  # fmt: skip
        related = sorted({_officer(inputs, i) for i in found if "officer" in i.evidence})
        events.append(_event(SHELL_COMPANY, ("company", entity_id),
                             [{"kind": k, "id": v} for k, v in related],
                             seen.get(entity_id, default), score, evidence, params))  # fmt: skip
    return events


def _officer(inputs: ShellInputs, found: Indicator) -> tuple[str, str]:
    officer = str(found.evidence["officer"])
    return (_kind(inputs, officer), officer)


def _name(inputs: ShellInputs, entity_id: str) -> str:
    row = inputs.entities.get(entity_id)
    return str(row["name"]) if row else entity_id


def graph_events(
    inputs: ShellInputs,
    shells: Mapping[str, float],
    seen: Mapping[str, Seen],
    default: Seen,
    params: ShellParams,
) -> list[dict[str, Any]]:
    """`owned_by_listed` and `owned_by_shell` events of every registry vessel (about its MMSI
    when heard on AIS: `seen` has it; else about its entity id) and every registry company
    below a listed entity or a shell."""
    events = []
    for entity_id, row in sorted(inputs.entities.items()):
        if row["schema"] == "Vessel":
            heard = seen.get(entity_id)
            if heard is None or heard.mmsi is None:
                when, subject = default, ("vessel", entity_id)
            else:
                when, subject = heard, ("vessel", str(heard.mmsi))
        elif row["schema"] in ORGANISATION_SCHEMATA:
            when, subject = seen.get(entity_id, default), ("company", entity_id)
        else:
            continue
        for above, path in sorted(inputs.graph.controllers(entity_id, params.depth).items()):
            events += _listed_events(inputs, subject, above, path, when, params)
            if above in shells:
                events.append(_shell_owner_event(inputs, subject, above, path, shells[above],
                                                 when, params))  # fmt: skip
    return events


def _path_reasons(inputs: ShellInputs, path: tuple[str, ...]) -> list[str]:
    """Each step of a path (from the top down) as a sentence: who owns or directs whom."""
    reasons = []
    for upper, lower in pairwise(path):
        links = [link for link in inputs.graph.owners_of(lower) if link.source_id == upper]
        if links:
            share = links[0].share_pct
            text = "owns" if share is None else f"owns {share:g} % of"
        else:
            text = "directs"
        reasons.append(f"{_name(inputs, upper)} {text} {_name(inputs, lower)}")
    return reasons


def _listed_events(
    inputs: ShellInputs,
    subject: tuple[str, str],
    above: str,
    path: tuple[str, ...],
    when: Seen,
    params: ShellParams,
) -> list[dict[str, Any]]:
    events = []
    for match in inputs.listed.get(above, ()):
        evidence = _path_evidence(inputs, above, path, match)
        related = [{"kind": _kind(inputs, above), "id": above},
                   {"kind": "list_entry", "id": match.entry_ref}]  # fmt: skip
        events.append(_event(OWNED_BY_LISTED, subject, related, when, match.score, evidence,
                             params))  # fmt: skip
    return events


def _path_evidence(
    inputs: ShellInputs, above: str, path: tuple[str, ...], match: ListedAs | None = None
) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "controller": above, "controller_name": _name(inputs, above), "path": list(path),
        "path_names": [_name(inputs, p) for p in path], "reasons": _path_reasons(inputs, path),
        "depth": len(path) - 1,
    }  # fmt: skip
    if match is not None:
        evidence |= {"entry": match.entry_ref, "entry_name": match.entry_name,
                     "match_score": match.score}  # fmt: skip
    return evidence


def _shell_owner_event(
    inputs: ShellInputs,
    subject: tuple[str, str],
    above: str,
    path: tuple[str, ...],
    score: float,
    when: Seen,
    params: ShellParams,
) -> dict[str, Any]:
    evidence = _path_evidence(inputs, above, path) | {"shell_score": score}
    related = [{"kind": _kind(inputs, above), "id": above}]
    return _event(OWNED_BY_SHELL, subject, related, when, score, evidence, params)


def as_frame(events: list[dict[str, Any]]) -> pl.DataFrame:
    """Event rows as an `EVENT_SCHEMA` frame, by start then id; one event per id (two registry
    vessels heard as one AIS vessel, an IMO number changed or cloned, give one event)."""
    if not events:
        return empty_events()
    frame = pl.DataFrame(events, schema=EVENT_SCHEMA)
    return frame.unique("id", keep="first", maintain_order=True).sort("start", "id")
