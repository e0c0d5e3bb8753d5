"""Risk per vessel: a transparent additive score of its events and context, with its reasons.

The model is the rule-based targeting score of customs and navy watch floors (ANAIS, customs
targeting matrices): each fact that raises suspicion has a published weight, and the score is
nothing but the combination of those weights, so an analyst can read why a vessel ranks high and
argue with any single weight. It is a measure of risk, never proof.

How a score is built (every number is a field of `RiskParams`):

1. Each event of the vessel (status not "retracted", started by `now`) gives an intensity
   `q = confidence × 0.5^(age_days / half_life) × factor`, where the age runs from the event's end
   to `now` and `factor` is 1 except for AIS gaps not marked likely intentional
   (`naive_gap_factor`). Port visits count only at a high-risk port (evidence `locode` in
   `high_risk_ports`) within `port_lookback_days`, and decay with their own half-life.
2. Events of one type saturate: `s_type = weight(type) × (1 − Π(1 − q_i))`, so fifty gaps can
   never weigh more than the gap weight itself.
3. Context adds its own terms: a flag on the ITF flags-of-convenience list
   (`FLAGS_OF_CONVENIENCE`), a watchlist hit (the heaviest weight), and the containers the
   vessel carried when they have cargo events (`cargo`, at most the cargo domain's vessel
   share, 0.3 by default: computed there and passed in as `carried`).
4. The terms combine as a noisy-OR: `score = 100 × (1 − Π(1 − s_k))`, which stays in 0–100 and
   grows with each new reason without ever adding past 100.

Each reason carries its `contribution` `s_k` and its `points`, its share of the score:
`points_k = score × λ_k / Σλ` with `λ_k = −ln(1 − s_k)`; since `score = 100 × (1 − e^(−Σλ))`,
the points of all reasons add up to the score exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import polars as pl

from balise.model.event_types import default_weights
from balise.model.events import decode_event_json
from balise.model.mid import FLAGS, mid_expr
from balise.model.schema import UTC_TIME
from balise.model.scoring import combine

US_PER_DAY: Final = 86_400_000_000
"""Microseconds in a day: timestamps are `Datetime("us", "UTC")`."""
FLAGS_OF_CONVENIENCE: Final[tuple[str, ...]] = (
    "AG", "BS", "BB", "BZ", "BM", "BO", "MM", "KH", "KY", "KM", "CY", "GQ", "FO", "GE", "GI", "HN",
    "JM", "LB", "LR", "MT", "MH", "MU", "MD", "MN", "CW", "KP", "PA", "ST", "LK", "VC", "TO", "VU",
)  # fmt: skip
"""Flags of convenience as ISO 3166-1 alpha-2 codes.

Source: the International Transport Workers' Federation (ITF) Fair Practices Committee list of
flags of convenience as of 30 January 2013 (34 registers). Two of them, the French (FIS) and
German (GIS) international registers, are left out: their ships carry the same MID as the national
first registers, so an MMSI cannot tell them apart. "Netherlands Antilles" is coded CW, the MID 306
of Curaçao and the former Antilles islands. The ITF has added registers since (it listed 42 or
more by the 2020s, e.g. Cameroon, Togo, Tanzania/Zanzibar, Sierra Leone); check
itfglobal.org before relying on the list, and pass another set to `score_vessels` if needed.
Most of the world fleet flies one of these flags, which is why its weight is small.
"""

SCORE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "mmsi": pl.Int32(),
    "score": pl.Float64(),
    "band": pl.String(),
    "reasons": pl.String(),
    "computed_at": UTC_TIME,
}
"""One row per vessel: score 0–100, band, reasons as a JSON list sorted by contribution."""
CARGO_REASON: Final = "cargo"
"""The kind of the reason the carried containers give."""


@dataclass(frozen=True)
class RiskParams:
    """Weights (0–1, the most one reason of that kind can add), decay and bands of the risk score.

    The weights are judgement calls, set so that the order of the deceptive shipping practices
    of the US advisory of 14 May 2020 (State, OFAC, US Coast Guard) holds: an official listing
    first, then physical transfers at sea and deliberate dark periods, then identity tampering,
    then weaker hints. They are meant to be tuned against inspection outcomes. The weight of each
    event type is declared with the type, in the registry (`balise.model.event_types`).
    """

    half_life_days: float = 14.0
    """An event weighs half as much after two weeks: roughly one ocean crossing."""
    port_half_life_days: float = 45.0
    """A call at a high-risk port matters for the whole voyage that follows (weeks), not days."""
    port_lookback_days: float = 90.0
    """Port calls older than this are not counted: "called at a high-risk port in the last 90 d"."""
    missing_confidence: float = 0.5
    """Confidence assumed for an event that carries none."""
    naive_gap_factor: float = 0.25
    """A gap not marked likely intentional is mostly a coverage hole (gaps.py), so it weighs a
    quarter of a deliberate one."""
    watchlist_name_factor: float = 0.5
    """A watchlist hit on the name alone is weaker: many vessels share a name."""
    medium_from: float = 20.0
    """Score from which the band is "medium": one fresh deliberate dark period gets there."""
    high_from: float = 50.0
    """Score from which the band is "high": two strong independent reasons, or a watchlist hit."""
    watchlist: float = 0.9
    """Listed by an authority or an analyst: the heaviest single reason."""
    flag_of_convenience: float = 0.05
    """Flag on the ITF flags-of-convenience list: most of the world fleet, a weak hint."""
    event_weights: Mapping[str, float] = field(default_factory=default_weights)
    """The weight of each event type: the registry's defaults (`balise.model.event_types`, where
    each says why), overridable per type."""

    def event_weight(self, kind: str) -> float | None:
        """The weight of event type `kind`, or None for a type the model does not score."""
        value = self.event_weights.get(kind)
        return float(value) if value is not None else None


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def intensities(
    events: pl.DataFrame, high_risk_ports: frozenset[str], now: datetime, params: RiskParams
) -> pl.DataFrame:
    """The scored events with `q` (confidence × decay × factor) and `age_days`."""
    kinds = sorted(params.event_weights)
    now_lit = pl.lit(now).cast(UTC_TIME)
    ended = pl.min_horizontal(pl.coalesce("end", "start"), now_lit)
    age_days = ((now_lit - ended).dt.total_microseconds().cast(pl.Float64) / US_PER_DAY).alias(
        "age_days"
    )
    scored = events.filter(
        (pl.col("status") != "retracted")
        & pl.col("mmsi").is_not_null()
        & pl.col("type").is_in(kinds)
        & (pl.col("start") <= now_lit)
    ).with_columns(age_days)
    is_port = pl.col("type") == "port_visit"
    locode = pl.col("evidence").str.json_path_match("$.locode").str.to_uppercase()
    high_risk_call = locode.is_in(sorted(high_risk_ports)) & (
        pl.col("age_days") <= params.port_lookback_days
    )
    scored = scored.filter(~is_port | high_risk_call.fill_null(False))
    intentional = pl.col("evidence").str.json_path_match("$.likely_intentional") == "true"
    factor = (
        pl.when((pl.col("type") == "ais_gap") & ~intentional.fill_null(False))
        .then(params.naive_gap_factor)
        .otherwise(1.0)
    )
    half_life = pl.when(is_port).then(params.port_half_life_days).otherwise(params.half_life_days)
    decay = pl.lit(0.5).pow(pl.col("age_days") / half_life)
    confidence = pl.col("confidence").fill_null(params.missing_confidence)
    return scored.with_columns((confidence * decay * factor).clip(0.0, 1.0).alias("q"))


def per_type_contributions(scored: pl.DataFrame, params: RiskParams) -> pl.DataFrame:
    """One row per (vessel, type): the saturated contribution and the strongest event."""
    strongest = ["id", "start", "end", "other_mmsi", "confidence", "evidence", "age_days"]
    by_q = [pl.col(c).sort_by(["q", "id"], descending=[True, False]).first() for c in strongest]
    grouped = scored.group_by("mmsi", "type").agg(
        (1 - (1 - pl.col("q")).product()).alias("saturation"),
        pl.len().alias("events"),
        *by_q,
    )
    weight = pl.col("type").replace_strict(dict(params.event_weights), return_dtype=pl.Float64)
    return grouped.with_columns(weight.alias("weight")).with_columns(
        (pl.col("weight") * pl.col("saturation")).alias("contribution")
    )


def _fmt(value: Any, pattern: str) -> str | None:
    """`value` formatted with `pattern`, or None when it is missing or not a number."""
    return pattern.format(value) if isinstance(value, int | float) else None


def _joined(*parts: str | None) -> str:
    return ", ".join(p for p in parts if p)


def _gap_text(ev: dict[str, Any], row: dict[str, Any]) -> str:
    off = ev.get("off") or {}
    silent = _fmt(ev.get("duration_h"), "AIS silent {:.0f} h")
    offshore = _fmt(off.get("shore_nm"), "{:.0f} nm offshore")
    still = "still silent" if ev.get("open") else None
    kind = "likely intentional" if ev.get("likely_intentional") else "possibly a coverage hole"
    return f"{_joined(silent or 'AIS silent', offshore, still)} ({kind})"


def _encounter_text(ev: dict[str, Any], row: dict[str, Any]) -> str:
    other = f"met MMSI {row['other_mmsi']}" if row["other_mmsi"] is not None else "met a vessel"
    hours = _fmt(ev.get("duration_h"), "for {:.1f} h")
    apart = _fmt(ev.get("median_distance_m"), "{:.0f} m apart")
    return _joined(f"{other} {hours or ''}".strip(), apart)


def _loitering_text(ev: dict[str, Any], row: dict[str, Any]) -> str:
    hours = _fmt(ev.get("hours"), "loitered {:.1f} h")
    speed = _fmt(ev.get("avg_speed_knots"), "at {:.1f} kn")
    offshore = _fmt(ev.get("mean_shore_nm"), "{:.0f} nm offshore")
    return _joined(f"{hours or 'loitered'} {speed or ''}".strip(), offshore)


def _port_text(ev: dict[str, Any], row: dict[str, Any]) -> str:
    name = ev.get("port_name") or ev.get("name")
    port = f"{ev.get('locode')} ({name})" if name else str(ev.get("locode"))
    return f"called at high-risk port {port} {row['age_days']:.0f} days ago"


def _identity_text(ev: dict[str, Any], row: dict[str, Any]) -> str:
    if ev.get("kind") == "imo_new_mmsi":
        return f"IMO {ev.get('imo')} reappeared under this MMSI (was {ev.get('old_mmsi')})"
    fields = ", ".join(str(c.get("field")) for c in ev.get("changes") or [])
    return f"identity changed ({fields})" if fields else "identity changed"


def _inconsistency_text(ev: dict[str, Any], row: dict[str, Any]) -> str:
    mid = f"MID {ev.get('mid')} ({ev.get('mid_flag') or 'not allocated'})"
    if ev.get("check") == "call_sign_series":
        return f"call sign {ev.get('call_sign')} of {ev.get('call_sign_flag')} under {mid}"
    if ev.get("check") == "not_ship_station":
        return f"MMSI not of a ship station, {mid}"
    return f"MMSI of an unallocated {mid}"


def _shared_text(ev: dict[str, Any], row: dict[str, Any]) -> str:
    apart = _fmt(ev.get("max_distance_nm"), "up to {:.0f} nm apart")
    tracks = len(ev.get("segment_ids") or []) or 2
    return _joined(f"MMSI used by {tracks} transmitters at once", apart)


def _jump_text(ev: dict[str, Any], row: dict[str, Any]) -> str:
    jump = _fmt(ev.get("jump_distance_nm"), "position jumped {:.0f} nm")
    speed = _fmt(ev.get("implied_speed_knots"), "(implied {:.0f} kn)")
    return f"{jump or 'position jumped'} {speed or ''}".strip()


_TEXTS: Final[dict[str, Callable[[dict[str, Any], dict[str, Any]], str]]] = {
    "ais_gap": _gap_text,
    "encounter": _encounter_text,
    "loitering": _loitering_text,
    "port_visit": _port_text,
    "identity_change": _identity_text,
    "identity_inconsistency": _inconsistency_text,
    "shared_mmsi": _shared_text,
    "position_jump": _jump_text,
}


def event_reason_text(row: dict[str, Any]) -> str:
    """A one-line reason for the strongest event of a type, built from its evidence."""
    try:
        ev = decode_event_json({"evidence": row["evidence"]})["evidence"]
    except ValueError:  # not JSON, or not an object
        ev = {}
    kind = str(row["type"])
    formatter = _TEXTS.get(kind)
    text = formatter(ev, row) if formatter else kind.replace("_", " ")
    text = f"{text}, {row['start']:%Y-%m-%d}"
    more = int(row["events"]) - 1
    return f"{text} (+{more} more)" if more > 0 else text


def event_reasons(per_type: pl.DataFrame) -> dict[int, list[dict[str, Any]]]:
    """Vessel → its event reasons (one per type)."""
    reasons: dict[int, list[dict[str, Any]]] = {}
    for row in per_type.iter_rows(named=True):
        reasons.setdefault(row["mmsi"], []).append(
            {
                "kind": row["type"],
                "weight": row["weight"],
                "contribution": row["contribution"],
                "text": event_reason_text(row),
                "event_id": row["id"],
                "events": row["events"],
            }
        )
    return reasons


def _vessel_flags(vessels: pl.DataFrame) -> pl.DataFrame:
    """mmsi and `flag` (alpha-2): the `flag_iso2` column when given, else the MMSI's MID."""
    alpha2 = {flag.mid: flag.alpha2 for flag in FLAGS.values()}
    from_mid = mid_expr("mmsi").replace_strict(alpha2, default=None, return_dtype=pl.String)
    given = pl.col("flag_iso2").str.to_uppercase() if "flag_iso2" in vessels.columns else None
    flag = pl.coalesce(given, from_mid) if given is not None else from_mid
    return vessels.select(pl.col("mmsi").cast(pl.Int32), flag.alias("flag"))


def _flag_reason(flag: str | None, risk_flags: frozenset[str], params: RiskParams) -> list[Any]:
    if flag is None or flag not in risk_flags:
        return []
    country = next((f.country for f in FLAGS.values() if f.alpha2 == flag), flag)
    text = f"flag {country} ({flag}) is on the ITF flags-of-convenience list"
    return [_context("flag_of_convenience", params.flag_of_convenience, 1.0, text)]


def _context(kind: str, weight: float, factor: float, text: str) -> dict[str, Any]:
    return {"kind": kind, "weight": weight, "contribution": weight * factor, "text": text}


def _norm_name(name: Any) -> str | None:
    """A name compared case- and spacing-blind ("Sea  star" matches "SEA STAR")."""
    if name is None:
        return None
    return " ".join(str(name).upper().split()) or None


def _watchlist_index(watchlist: pl.DataFrame | None) -> dict[tuple[str, Any], list[str]]:
    """(key, value) → the reasons of the watchlist rows listing it, keys "mmsi", "imo", "name"."""
    index: dict[tuple[str, Any], list[str]] = {}
    if watchlist is None:
        return index
    for row in watchlist.iter_rows(named=True):
        reason = str(row.get("reason") or "listed")
        for key in ("mmsi", "imo", "name"):
            value = _norm_name(row.get(key)) if key == "name" else row.get(key)
            if value is not None:
                index.setdefault((key, value), []).append(reason)
    return index


def _watchlist_reason(
    vessel: dict[str, Any], index: dict[tuple[str, Any], list[str]], params: RiskParams
) -> list[dict[str, Any]]:
    """The watchlist reason of one vessel: the strongest key it matches (MMSI, IMO, then name)."""
    for key in ("mmsi", "imo", "name"):
        value = _norm_name(vessel.get(key)) if key == "name" else vessel.get(key)
        hits = index.get((key, value)) if value is not None else None
        if hits:
            factor = params.watchlist_name_factor if key == "name" else 1.0
            text = f"on watchlist by {key.upper()} {value}: {'; '.join(sorted(set(hits)))}"
            return [_context("watchlist", params.watchlist, factor, text)]
    return []


def band_of(score: float, params: RiskParams) -> str:
    """ "low", "medium" or "high" by the thresholds of `params`."""
    if score >= params.high_from:
        return "high"
    return "medium" if score >= params.medium_from else "low"


def _carried_reasons(carried: pl.DataFrame | None) -> dict[int, list[dict[str, Any]]]:
    """Vessel → the reason its carried containers give (`CARRIED_SCHEMA` rows), capped at its
    weight like every other reason."""
    if carried is None or carried.is_empty():
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    for row in carried.iter_rows(named=True):
        if row["mmsi"] is None or not row["contribution"]:
            continue
        weight = float(row["weight"])
        out[int(row["mmsi"])] = [
            {
                "kind": CARGO_REASON,
                "weight": weight,
                "contribution": min(float(row["contribution"]), weight),
                "text": row["text"],
                "containers": list(row["containers"] or [])[:25],
                "boxes": json.loads(row["reasons"] or "[]"),
            }
        ]
    return out


def _vessel_rows(vessels: pl.DataFrame, *mmsis: pl.Series) -> pl.DataFrame:
    """The vessels frame plus any vessel that has only events (or carried containers), one row
    per MMSI."""
    known = vessels.with_columns(pl.col("mmsi").cast(pl.Int32)).unique("mmsi", keep="first")
    extra = (
        pl.concat([m.cast(pl.Int32).rename("mmsi") for m in mmsis])
        .to_frame()
        .drop_nulls()
        .unique()
        .join(known.select("mmsi"), on="mmsi", how="anti")
    )
    return pl.concat([known, extra], how="diagonal_relaxed").sort("mmsi")


def score_vessels(
    events: pl.DataFrame,
    vessels: pl.DataFrame,
    *,
    now: datetime,
    high_risk_ports: frozenset[str] = frozenset(),
    watchlist: pl.DataFrame | None = None,
    risk_flags: frozenset[str] = frozenset(FLAGS_OF_CONVENIENCE),
    params: RiskParams | None = None,
    carried: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The risk of each vessel at `now` (`SCORE_SCHEMA`), one row per vessel of `vessels`, of
    `events` or of `carried`, with its reasons as a JSON list of {kind, weight, contribution,
    points, text, event_id?, events?} sorted by contribution (the `cargo` reason has
    `containers` and `boxes` instead of an event).

    `events` has `EVENT_SCHEMA`; `vessels` has `mmsi` and optionally `flag_iso2`, `imo`, `name`
    (without `flag_iso2` the flag is the MMSI's MID). `high_risk_ports` holds UN/LOCODEs;
    `watchlist` has any of `mmsi`, `imo`, `name` and a `reason`. See the module docstring for
    the formula. `carried` (`balise.model.scoring.CARRIED_SCHEMA`) is what the containers
    each vessel carried add, one more reason of kind `cargo`.
    """
    params = params or RiskParams()
    now = _as_utc(now)
    per_type = per_type_contributions(intensities(events, high_risk_ports, now, params), params)
    by_vessel = event_reasons(per_type)
    cargo = _carried_reasons(carried)
    rows = _vessel_rows(vessels, events["mmsi"], pl.Series("mmsi", list(cargo), pl.Int64))
    flags = dict(_vessel_flags(rows).iter_rows())
    index = _watchlist_index(watchlist)
    out: list[dict[str, Any]] = []
    for vessel in rows.iter_rows(named=True):
        mmsi = vessel["mmsi"]
        context = _flag_reason(flags.get(mmsi), risk_flags, params)
        context += _watchlist_reason(vessel, index, params)
        score, reasons = combine(by_vessel.get(mmsi, []) + cargo.get(mmsi, []) + context)
        out.append(
            {
                "mmsi": mmsi,
                "score": score,
                "band": band_of(score, params),
                "reasons": json.dumps(reasons, sort_keys=True, separators=(",", ":"), default=str),
                "computed_at": now,
            }
        )
    return pl.DataFrame(out, schema=SCORE_SCHEMA)
