"""The risk of a plan's boxes: the parties' flags, the banned lists, the customs model, reasons."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import numpy as np
import polars as pl

from balise.engine.inspection_candidates import PARTY_COLUMNS, CandidateBoxes
from balise.entities.graph_risk import EVENT_TYPES as OWNERSHIP_TYPES
from balise.entities.screening import EVENT_TYPE as LIST_MATCH
from balise.entities.screening import party_key
from balise.inspection.params import InspectionParams
from balise.inspection.parties import banned_match, party_risk
from balise.model.arrays import FloatArray
from balise.model.event_types import event_type
from balise.store.base import EventFilter, Store
from balise.targeting.declarations import SCHEMA as DECLARATION_SCHEMA
from balise.targeting.declarations import Declarations
from balise.targeting.model import TargetingModel


def _country(place: str | None) -> str | None:
    """The country of a UN/LOCODE (`FRLEH` → `FR`), None for free text."""
    text = (place or "").replace(" ", "").upper()
    return text[:2] if len(text) == 5 and text[:2].isalpha() else None


def manifest_declarations(boxes: pl.DataFrame, day: date) -> Declarations:
    """A declaration per box from its manifest (the limits: `balise.engine.inspection`):
    `declaration_id` the container number, `date` the plan's day, `importer` the consignee,
    `seller` the shipper, `declarant` the manifest's declarant (the notify party when the
    manifest names none, or `boxes` has no such column), `hs6` the HS code's first six digits,
    `departure_country` the port of loading's country, `origin_country` the place of receipt's
    (else the port of loading's), `net_mass_kg` the gross weight, `item_price` the declared
    value; the other features are missing."""
    rows = [
        {
            "declaration_id": row["container_number"],
            "date": day,
            "importer": row.get("consignee"),
            "seller": row.get("shipper"),
            "declarant": row.get("declarant") or row.get("notify_party"),
            "hs6": (row.get("hs_code") or "").replace(".", "")[:6] or None,
            "departure_country": _country(row.get("port_of_loading")),
            "origin_country": _country(row.get("place_of_receipt"))
            or _country(row.get("port_of_loading")),
            "net_mass_kg": row.get("gross_weight_kg"),
            "item_price": row.get("declared_value"),
        }
        for row in boxes.iter_rows(named=True)
    ]
    frame = pl.DataFrame(rows, schema=DECLARATION_SCHEMA) if rows else pl.DataFrame(
        schema=DECLARATION_SCHEMA)  # fmt: skip
    present = frozenset(
        ("declaration_id", "date", "importer", "seller", "declarant", "hs6", "departure_country",
         "origin_country", "net_mass_kg", "item_price")
    )  # fmt: skip
    return Declarations(frame=frame, present=present)


def banned_list_hits(store: Store) -> dict[str, str]:
    """The manifest parties that screening matched to an active entry of a `banned_companies`
    list (their stored `list_match` events), by `party_key`: what the plan says of each, the
    list, the entry and the score. Their boxes are held like those of the banned-parties file."""
    events = store.find_events(EventFilter(types=(LIST_MATCH,)))
    hits: dict[str, str] = {}
    for row in events.sort("score", descending=True).iter_rows(named=True):
        subject = row["subject"] or {}
        evidence = json.loads(row["evidence"] or "{}")
        if subject.get("kind") != "company" or evidence.get("list_kind") != "banned_companies":
            continue
        party = str(subject.get("id", ""))
        score = float(row["score"] or 0)
        hits.setdefault(party_key(party), f"{party} (list {evidence.get('list')}: "
                        f"{evidence.get('entry_name')}, score {score:.2f})")  # fmt: skip
    return hits


FLAG_TYPES: Final = (*OWNERSHIP_TYPES, LIST_MATCH)
"""The company events a party of a plan's box is flagged by (`party_flags`)."""


def party_flags(store: Store, now: datetime) -> dict[str, tuple[float, str]]:
    """The manifest parties, by `party_key`, that the ownership graph or screening flags as a
    company by `now`: a `shell_company`, `owned_by_listed` or `owned_by_shell` event about a
    registry company (keyed by its name and aliases), or a `list_match` on a list other than
    banned companies (those hold the box: `banned_list_hits`); the strongest event's
    confidence (0–1) and a sentence saying what it is."""
    events = store.find_events(EventFilter(types=FLAG_TYPES)).filter(
        (pl.col("subject").struct.field("kind") == "company")
        & (pl.col("status").fill_null("active") != "retracted")
        & (pl.col("start") <= now)
    )
    if events.is_empty():
        return {}
    ids = events.filter(pl.col("type") != LIST_MATCH)["subject"].struct.field("id").unique()
    names: dict[str, list[str]] = {}
    if len(ids):
        registry = store.registry_entities(ids.to_list())
        for row in registry.select("entity_id", "name", "aliases").iter_rows(named=True):
            names[row["entity_id"]] = [row["name"], *(row["aliases"] or ())]
    flags: dict[str, tuple[float, str]] = {}
    for row in events.sort("confidence", "id", descending=[True, False]).iter_rows(named=True):
        evidence = json.loads(row["evidence"] or "{}")
        subject = str(row["subject"]["id"])
        if row["type"] == LIST_MATCH:
            if evidence.get("list_kind") == "banned_companies":
                continue
            keys = [subject]
            found = f"on the list {evidence.get('list')}: {evidence.get('entry_name')}"
        else:
            keys = names.get(subject) or [str(evidence.get("name") or subject)]
            found = str((evidence.get("reasons") or [subject])[0])
        strength = float(row["confidence"] if row["confidence"] is not None else row["score"] or 0)
        text = f"{event_type(row['type']).title.lower()} ({strength:.2f}: {found})"
        for name in keys:
            if name:
                flags.setdefault(party_key(name), (strength, text))
    return flags


def risk_reasons(
    row: dict[str, Any],
    parties: list[dict[str, Any]],
    p_model: float,
    critical: float,
    held_by: str | None,
    modelled: bool,
) -> str:
    """The reasons of a box's risk as a JSON list of {source, text}: banned party, its cargo
    events, its flagged parties (`parties`), the customs model."""
    out: list[dict[str, Any]] = []
    if held_by:
        out.append({"source": "banned", "text": f"party on the banned list: {held_by}"})
    for reason in json.loads(row["cargo_reasons"]) if row["cargo_reasons"] else []:
        out.append({"source": "cargo", "text": reason.get("text", reason.get("kind", "")),
                    "points": reason.get("points")})  # fmt: skip
    for reason in parties:
        out.append({"source": "party", "text": reason["text"],
                    "contribution": reason["contribution"]})  # fmt: skip
    if modelled and row.get("shipper") is not None:
        out.append({"source": "model", "text": f"customs model: fraud {p_model:.0%}, "
                    f"critical {critical:.0%} (declaration from the manifest)"})  # fmt: skip
    return json.dumps(out)


@dataclass(frozen=True)
class BoxRisk:
    """The risk of each candidate box, in the order of the boxes (module docstring of
    `balise.engine.inspection`): the noisy-OR of the cargo events', the parties' and the
    customs model's probabilities, the severity, and what it is made of."""

    risk: FloatArray
    severity: FloatArray
    parties: list[list[dict[str, Any]]]
    """The flagged parties' reasons (`party_risk`)."""
    p_model: FloatArray
    critical: FloatArray
    """The customs model's probability of a critical fraud (0 without the model)."""
    held_by: list[str | None]
    """The banned party that holds the box, if any (`held_by`)."""
    modelled: bool
    """Whether a customs model scored the boxes."""


def box_risk(
    store: Store,
    boxes: CandidateBoxes,
    day: date,
    params: InspectionParams,
    banned: frozenset[str],
    model: TargetingModel | None,
) -> BoxRisk:
    """The risk of `boxes`: their cargo risk, what their flagged parties pass on, the customs
    model's score of their manifests' declarations, and the banned parties that hold them."""
    flags = party_flags(store, boxes.scored_at)
    inherited = [
        party_risk(((c, row.get(c)) for c in PARTY_COLUMNS), flags, params.party_weight, party_key)
        for row in boxes.rows.iter_rows(named=True)
    ]
    p_model, critical = _model_scores(boxes, day, model)
    p_cargo = boxes.rows["p_cargo"].to_numpy().astype(np.float64)
    p_party = np.array([p for p, _ in inherited], dtype=np.float64)
    risk = np.clip(1 - (1 - p_cargo) * (1 - p_party) * (1 - p_model), 0.0, 1.0)
    severity = 1 + params.critical_weight * critical
    parties = [reasons for _, reasons in inherited]
    held = held_by(store, boxes.rows, banned)
    return BoxRisk(risk, severity, parties, p_model, critical, held, model is not None)


def _model_scores(
    boxes: CandidateBoxes, day: date, model: TargetingModel | None
) -> tuple[FloatArray, FloatArray]:
    """The customs model's probabilities of a fraud and of a critical fraud on the declaration
    of each box whose manifest names a shipper or a consignee (`manifest_declarations`); 0 for
    the others, and for all without a model or manifests."""
    p_model = np.zeros(boxes.rows.height)
    critical = np.zeros(boxes.rows.height)
    if model is None or boxes.manifests.is_empty():
        return p_model, critical
    rows = boxes.rows
    covered = rows.filter(pl.col("shipper").is_not_null() | pl.col("consignee").is_not_null())
    predicted = model.predict(manifest_declarations(covered, day))
    where = {box: i for i, box in enumerate(rows["container_number"])}
    for box, score, crit in zip(
        covered["container_number"], predicted["score"], predicted["critical"], strict=True
    ):
        p_model[where[box]] = float(score)
        critical[where[box]] = 0.0 if np.isnan(crit) else float(crit)
    return p_model, critical


def held_by(store: Store, rows: pl.DataFrame, banned: frozenset[str]) -> list[str | None]:
    """What holds each box of `rows`, if anything: a party of its manifest on the banned list
    (`banned`), else one that screening matched to a banned companies list (`banned_list_hits`)."""
    listed = banned_list_hits(store)
    return [
        (banned_match([row.get(c) for c in PARTY_COLUMNS], banned) if banned else None)
        or next((listed[k] for c in PARTY_COLUMNS if (k := party_key(row.get(c) or "")) in listed),
                None)
        for row in rows.iter_rows(named=True)
    ]  # fmt: skip
