"""Risk per container, and what it adds to the vessel that carries it and to the parties of its
manifest: the link the fusion work builds on.

The container score is the same transparent additive model as the vessel's
(`balise.maritime.risk`, written here again for container subjects so that `cargo` does not
depend on `maritime`): each cargo event of a box (status not "retracted", started by `now`)
gives `q = confidence × 0.5^(age_days / half_life_days)`; events of one type saturate,
`s = weight(type) × (1 − Π(1 − q))` with the registry's weight (`balise.model.event_types`);
the types combine as a noisy-OR, `score = 100 × (1 − Π(1 − s))`, and each reason gets its points,
its share of the score (`points = score × λ / Σλ`, `λ = −ln(1 − s)`), which add up to the score.

Contributions (`CargoRiskParams.vessel_share`, `party_share`): a vessel receives
`vessel_share × (1 − Π(1 − score_c / 100))` over the containers it carries (a leg of their
journeys, or the vessel their events name; `vessel_contributions_of_events` scores each box on
the events that name the vessel only, what the engine hands to the vessel's risk), and a party
of a manifest (shipper, consignee, notify party) `party_share × (1 − Π(1 − score_c / 100))`
over the containers of its bills of lading — as contributions 0–1 with the containers behind
them, for the vessel score or the fusion graph to take in as one more reason. A noisy-OR again:
many middling boxes add up, and never past the share.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, Final

import polars as pl

from balise.model.event_types import EVENT_TYPES
from balise.model.schema import UTC_TIME
from balise.model.scoring import CARRIED_SCHEMA, MAX_CONTRIBUTION, combine

CONTAINER_SCORE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "container_number": pl.String(),
    "score": pl.Float64(),
    "band": pl.String(),
    "reasons": pl.String(),
    "computed_at": UTC_TIME,
}
"""One row per container: score 0–100, band, reasons as a JSON list sorted by contribution."""
VESSEL_CONTRIBUTION_SCHEMA: Final = CARRIED_SCHEMA
"""One row per vessel carrying a scored container (`balise.model.scoring.CARRIED_SCHEMA`)."""
LISTED_IN_TEXT: Final = 3
"""Boxes named in a contribution's one-line text; the others are counted."""
PARTY_CONTRIBUTION_SCHEMA: Final[dict[str, pl.DataType]] = {
    "party": pl.String(),
    "role": pl.String(),
    "contribution": pl.Float64(),
    "containers": pl.List(pl.String()),
    "reasons": pl.String(),
}
"""One row per (party, role) of the manifests of scored containers."""
PARTY_ROLES: Final = ("shipper", "consignee", "notify_party")


def _cargo_weights() -> dict[str, float]:
    return {t.name: t.weight for t in EVENT_TYPES if t.domain == "cargo"}


@dataclass(frozen=True)
class CargoRiskParams:
    """Decay, bands and shares of the container risk (module docstring)."""

    half_life_days: float = 30.0
    """A container event weighs half as much after a month: a box's trip and its stay at the
    destination last weeks. Judgement."""
    missing_confidence: float = 0.5
    """Confidence assumed for an event that carries none."""
    medium_from: float = 20.0
    """Score from which the band is "medium" (as the vessel score)."""
    high_from: float = 50.0
    """Score from which the band is "high" (as the vessel score)."""
    vessel_share: float = 0.3
    """The most a vessel's carried containers can add to it (0–1): a ship carries thousands of
    boxes and seldom knows what is in them, so a box at risk is a weak hint about the ship.
    Judgement."""
    party_share: float = 0.5
    """The most a party's containers can add to it (0–1): the consignee chose the supplier and
    the routing, so its boxes say more about it. Judgement."""
    event_weights: Mapping[str, float] = field(default_factory=_cargo_weights)
    """The weight of each cargo event type: the registry's defaults."""


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def score_containers(
    events: pl.DataFrame, *, now: datetime, params: CargoRiskParams | None = None
) -> pl.DataFrame:
    """The risk of each container with cargo events (`CONTAINER_SCORE_SCHEMA`) at `now`, with
    its reasons as a JSON list of {kind, weight, contribution, points, text, event_id, events}
    sorted by contribution. `events` has `EVENT_SCHEMA`; only container subjects count."""
    params = params or CargoRiskParams()
    now = _as_utc(now)
    out = [
        {
            "container_number": box,
            "score": score,
            "band": _band(score, params),
            "reasons": _json(reasons),
            "computed_at": now,
        }
        for (box,), (score, reasons) in _box_scores(_per_type(events, now, params), ())
    ]
    return pl.DataFrame(out, schema=CONTAINER_SCORE_SCHEMA).sort(
        "score", "container_number", descending=[True, False]
    )


def _box_scores(
    per_type: pl.DataFrame, keys: tuple[str, ...]
) -> Iterator[tuple[tuple[Any, ...], tuple[float, list[dict[str, Any]]]]]:
    """(`keys`' values and the box, (score, reasons)) for each box of `per_type` (`_per_type`'s
    frame, in its order), one pass over its rows."""
    rows = per_type.iter_rows(named=True)
    for key, group in groupby(rows, key=lambda row: (*(row[k] for k in keys), row["container"])):
        yield key, combine(_reason(row) for row in group)


def _per_type(
    events: pl.DataFrame, now: datetime, params: CargoRiskParams, keys: tuple[str, ...] = ()
) -> pl.DataFrame:
    """One row per (container, type), within `keys` (columns of `events`) when given: its
    saturated contribution and strongest event, in the order of `keys`, container and type."""
    now_lit = pl.lit(now).cast(UTC_TIME)
    ended = pl.min_horizontal(pl.coalesce("end", "start"), now_lit)
    age = (now_lit - ended).dt.total_microseconds().cast(pl.Float64) / 86_400_000_000
    weights = dict(params.event_weights)
    scored = events.filter(
        (pl.col("status").fill_null("active") != "retracted")
        & (pl.col("subject").struct.field("kind") == "container")
        & pl.col("type").is_in(sorted(weights))
        & (pl.col("start") <= now_lit)
    ).with_columns(
        pl.col("subject").struct.field("id").alias("container"),
        (
            pl.col("confidence").fill_null(params.missing_confidence)
            * pl.lit(0.5).pow(age / params.half_life_days)
        )
        .clip(0.0, 1.0)
        .alias("q"),
    )
    strongest = [
        pl.col(c).sort_by(["q", "id"], descending=[True, False]).first()
        for c in ("id", "start", "evidence")
    ]
    grouped = scored.group_by(*keys, "container", "type").agg(
        (1 - (1 - pl.col("q")).product()).alias("saturation"),
        pl.len().alias("events"),
        *strongest,
    )
    weight = pl.col("type").replace_strict(weights, return_dtype=pl.Float64)
    return (
        grouped.with_columns(weight.alias("weight"))
        .with_columns((pl.col("weight") * pl.col("saturation")).alias("contribution"))
        .sort(*keys, "container", "type")
    )


def _reason(row: dict[str, Any]) -> dict[str, Any]:
    """The reason of one (container, type): the strongest event's first sentence."""
    try:
        evidence = json.loads(row["evidence"] or "{}")
    except ValueError:
        evidence = {}
    sentences = evidence.get("reasons") if isinstance(evidence, dict) else None
    text = sentences[0] if sentences else str(row["type"]).replace("_", " ")
    more = int(row["events"]) - 1
    text = f"{row['type'].replace('_', ' ')}: {text}, {row['start']:%Y-%m-%d}"
    return {
        "kind": row["type"],
        "weight": row["weight"],
        "contribution": row["contribution"],
        "text": f"{text} (+{more} more)" if more > 0 else text,
        "event_id": row["id"],
        "events": row["events"],
    }


def _band(score: float, params: CargoRiskParams) -> str:
    if score >= params.high_from:
        return "high"
    return "medium" if score >= params.medium_from else "low"


def _json(values: Any) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)


def _shared(
    scores: Mapping[str, float], boxes: Iterable[str], share: float
) -> tuple[float, list[str], list[dict[str, Any]]]:
    """(share × noisy-OR of the boxes' scores / 100, the boxes, their reasons)."""
    listed = sorted({b for b in boxes if scores.get(b, 0.0) > 0}, key=lambda b: (-scores[b], b))
    rest = math.prod(1.0 - min(scores[b] / 100.0, MAX_CONTRIBUTION) for b in listed)
    reasons = [{"container_number": b, "score": scores[b]} for b in listed[:25]]
    return round(share * (1.0 - rest), 4), listed, reasons


def _box_events(container_scores: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Container → the cargo events behind its score: {kind, event_id, events} per type."""
    return {
        box: _events_behind(json.loads(reasons or "[]"))
        for box, reasons in container_scores.select("container_number", "reasons").iter_rows()
    }


def _events_behind(reasons: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """{kind, event_id, events} of each of a box's `reasons`."""
    return [
        {"kind": r["kind"], "event_id": r.get("event_id"), "events": r.get("events", 1)}
        for r in reasons
    ]


def _carried_text(reasons: list[dict[str, Any]], boxes: int) -> str:
    """ "carried 2 containers with cargo events: MSCU1234565 (release fraud, 45), ..."."""
    named = [
        f"{r['container_number']} ("
        + ", ".join(e["kind"].replace("_", " ") for e in r.get("events", []))
        + f", {r['score']:.0f})"
        for r in reasons[:LISTED_IN_TEXT]
    ]
    more = f" (+{boxes - len(named)} more)" if boxes > len(named) else ""
    noun = "container" if boxes == 1 else "containers"
    return f"carried {boxes} {noun} with cargo events: {', '.join(named)}{more}"


def vessel_contributions(
    container_scores: pl.DataFrame,
    carriers: pl.DataFrame,
    params: CargoRiskParams | None = None,
) -> pl.DataFrame:
    """What carried containers add to each vessel (`VESSEL_CONTRIBUTION_SCHEMA`).
    `container_scores` is `score_containers`' frame; `carriers` pairs container_number and
    vessel_mmsi (the legs of `balise.cargo.journey.journey_frames`, or `carriers_of_events`)."""
    params = params or CargoRiskParams()
    scores = dict(container_scores.select("container_number", "score").iter_rows())
    behind = _box_events(container_scores)
    pairs = carriers.select("container_number", pl.col("vessel_mmsi").cast(pl.Int64)).drop_nulls()
    out = [
        _carried(mmsi, scores, group["container_number"], behind, params)
        for (mmsi,), group in pairs.unique().group_by("vessel_mmsi", maintain_order=True)
    ]
    return _contributions_frame(out)


def _carried(
    mmsi: int,
    scores: Mapping[str, float],
    boxes: Iterable[str],
    behind: Mapping[str, list[dict[str, Any]]],
    params: CargoRiskParams,
) -> dict[str, Any] | None:
    """The contribution row of the vessel `mmsi` carrying `boxes` (None when none scores)."""
    value, listed, reasons = _shared(scores, boxes, params.vessel_share)
    if not listed:
        return None
    reasons = [r | {"events": behind.get(r["container_number"], [])} for r in reasons]
    return {
        "mmsi": mmsi,
        "weight": params.vessel_share,
        "contribution": value,
        "containers": listed,
        "text": _carried_text(reasons, len(listed)),
        "reasons": _json(reasons),
    }


def _contributions_frame(rows: Iterable[dict[str, Any] | None]) -> pl.DataFrame:
    kept = [row for row in rows if row is not None]
    return pl.DataFrame(kept, schema=VESSEL_CONTRIBUTION_SCHEMA).sort(
        "contribution", "mmsi", descending=[True, False]
    )


def vessel_contributions_of_events(
    events: pl.DataFrame, *, now: datetime, params: CargoRiskParams | None = None
) -> pl.DataFrame:
    """What the cargo events of containers add to the vessels they name
    (`VESSEL_CONTRIBUTION_SCHEMA`): each rule names the vessel that carried the box when the
    event happened (`related`, kind `vessel`: the leg's ship of a shell game, the ship that
    discharged a box collected with a stolen release, the ship a device left), so a vessel is
    scored on the events that name it only, not on what happened to a box on another ship's
    leg. Per vessel, those events score their boxes (`score_containers` at `now`) and the
    boxes add up as `vessel_contributions` says, at most `vessel_share`."""
    params = params or CargoRiskParams()
    named = (
        events.filter(pl.col("subject").struct.field("kind") == "container")
        .with_columns(
            pl.col("related")
            .list.eval(
                pl.element()
                .filter(pl.element().struct.field("kind") == "vessel")
                .struct.field("id")
                .cast(pl.Int64, strict=False)
            )
            .alias("named_mmsi")
        )
        .explode("named_mmsi")
        .drop_nulls("named_mmsi")
    )
    # every (vessel, box) scored at once on the events naming that vessel, then each vessel's
    # boxes added up: what scoring each vessel's events apart gives, in one pass
    per_type = _per_type(named, _as_utc(now), params, keys=("named_mmsi",))
    scored = groupby(_box_scores(per_type, ("named_mmsi",)), key=lambda item: item[0][0])
    rows = []
    for mmsi, boxes in scored:
        scores: dict[str, float] = {}
        behind: dict[str, list[dict[str, Any]]] = {}
        for (_, box), (score, reasons) in boxes:
            scores[box], behind[box] = score, _events_behind(reasons)
        rows.append(_carried(int(mmsi), scores, scores, behind, params))
    return _contributions_frame(rows)


def carriers_of_events(events: pl.DataFrame) -> pl.DataFrame:
    """container_number, vessel_mmsi of the cargo events' container subjects and their related
    vessels."""
    related = (
        events.filter(pl.col("subject").struct.field("kind") == "container")
        .select(pl.col("subject").struct.field("id").alias("container_number"), "related")
        .explode("related")
        .drop_nulls("related")
        .filter(pl.col("related").struct.field("kind") == "vessel")
    )
    return (
        related.select(
            "container_number",
            pl.col("related").struct.field("id").cast(pl.Int64, strict=False).alias("vessel_mmsi"),
        )
        .drop_nulls()
        .unique()
    )


def party_contributions(
    container_scores: pl.DataFrame,
    manifests: pl.DataFrame,
    params: CargoRiskParams | None = None,
) -> pl.DataFrame:
    """What containers add to the parties of their manifests (`PARTY_CONTRIBUTION_SCHEMA`):
    `manifests` has `MANIFEST_SCHEMA` (shipper, consignee, notify_party, container_numbers)."""
    params = params or CargoRiskParams()
    scores = dict(container_scores.select("container_number", "score").iter_rows())
    boxes = manifests.select(*PARTY_ROLES, pl.col("container_numbers").alias("container_number"))
    boxes = boxes.explode("container_number").drop_nulls("container_number")
    out = []
    for role in PARTY_ROLES:
        named = boxes.select(pl.col(role).alias("party"), "container_number").drop_nulls("party")
        for (party,), group in named.group_by("party", maintain_order=True):
            value, listed, reasons = _shared(scores, group["container_number"], params.party_share)
            if listed:
                out.append(
                    {
                        "party": party,
                        "role": role,
                        "contribution": value,
                        "containers": listed,
                        "reasons": _json(reasons),
                    }
                )
    return pl.DataFrame(out, schema=PARTY_CONTRIBUTION_SCHEMA).sort(
        "contribution", "party", "role", descending=[True, False, False]
    )
