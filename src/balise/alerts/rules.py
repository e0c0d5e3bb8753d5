"""Which events become alerts, and how severe each alert is.

An alert is an event that an officer should look at now. Most events are context (a port call at
an ordinary port, a coverage hole in AIS reception); raising every one of them would bury the few
that matter, the alert fatigue MonitorFish's watch floor reports ("il y a trop d'alertes",
MTES-MCT/monitorfish #5307). So each event type names its rule in the event-type registry
(`balise.model.event_types`, field `alert`), with thresholds in `AlertRules`:

- `likely_intentional` (`ais_gap`): only a gap marked `likely_intentional` in its evidence (the
  Welch et al. 2022 rule of `balise.maritime.gaps`); naive gaps are mostly reception holes.
- `port_call` (`port_visit`): routine context, alerting only for a watchlisted vessel, a call
  during or right after another anomaly of the vessel (`port_after_anomaly_hours`, 72), or a call
  at a high-risk port off the vessel's pattern (`port_pattern_days`, 30): see
  `balise.alerts.port_calls`.
- `zone_score` (`zone_entry`): when the zone rule that fired has a score above `zone_min_score`
  (0): the zone's owner sets the score, and a rule of score 0 records visits without raising alerts.
- `insider` (`insider_lookup`): when the event's confidence reaches `insider_min_confidence`
  (0.7): weaker insider rules (a late evening, a busy arrival day) are context for the security
  officer's audit view, not alerts about a colleague.
- `strength` (every other type): when the event's strength reaches `min_strength` (0.3), or when
  the vessel (or the other vessel of an encounter) is in the "high" risk band.

The strength of an event is its `score`, or its `confidence` when the detector gives no score (gaps,
encounters and loitering carry confidence only), or `missing_strength` when it has neither.

Severity combines the event and the vessel: `severity = 1 − (1 − strength) × (1 − risk / 100)`,
a noisy-OR as in the risk score (`balise.maritime.risk`), where `risk` is the higher 0–100 risk
score of the vessels involved. It ranks the inbox; its labels are "critical" (≥ 0.85), "high"
(≥ 0.6), "medium" (≥ 0.4) and "low". A severity is a ranking of risk, never proof.

The trigger fingerprint is a hash of what the event observed (start, end, place, other vessel,
score, confidence, evidence; not the thresholds in `params`, so a settings change alone is not a
new occurrence). An event still open (evidence `open: true`, e.g. a gap not yet closed) grows at
each run; only its start and identity are hashed, so that it is one occurrence until it closes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from balise.alerts.port_calls import alerting_calls
from balise.model.event_types import types_alerting_by
from balise.model.events import decode_event_json, to_json
from balise.model.parameters import params_from, settings_of

SEVERITY_LABELS: Final = ("low", "medium", "high", "critical")
"""Severity labels from the least to the most severe."""

CANDIDATE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "id": pl.String(),
    "status": pl.String(),
    "alertable": pl.Boolean(),
    "strength": pl.Float64(),
    "severity": pl.Float64(),
    "severity_label": pl.String(),
    "fingerprint": pl.String(),
}
"""One row per event: whether its rule raises an alert, strength, severity and fingerprint."""


@dataclass(frozen=True)
class AlertRules:
    """The thresholds that turn events into alerts; see the module docstring for each rule."""

    min_strength: float = 0.3
    """Events of other types alert from this strength (0-1): a naive AIS gap (confidence 0.3)
    is the weakest signal the detectors give, so anything weaker is context only."""
    zone_min_score: float = 0.0
    """Zone entries alert when their rule's score is above this."""
    insider_min_confidence: float = 0.7
    """Insider look-ups alert from this confidence: on the simulated worlds of development (seeds
    11-14, `bench/insider_quality.py --seeds 11,12,13,14 --strong 0.7`) the lowest cut that kept
    every insider day and no honest colleague (0.6 kept 13 events on honest users)."""
    port_after_anomaly_hours: float = 72.0
    """A port call alerts when it starts during another alertable anomaly of the vessel or within
    this many hours after it: three days, the sailing time from the Caribbean's transfer areas to
    most of its ports, or from the Azores to the Iberian coast."""
    port_pattern_days: float = 30.0
    """A call at a high-risk port alerts when the vessel did not call there in this many days
    before it and its stored events reach back that far: a month covers the rotation of liners
    and feeders (weekly to monthly), so a scheduled call is not "new"."""
    missing_strength: float = 0.5
    """Strength of an event with neither score nor confidence (as risk's `missing_confidence`)."""
    high_band: str = "high"
    """Any event of a vessel in this risk band alerts (except naive gaps and ordinary calls)."""
    critical_from: float = 0.85
    """Severity (0-1) from which an alert is labelled "critical"."""
    high_from: float = 0.6
    """Severity (0-1) from which an alert is labelled "high"."""
    medium_from: float = 0.4
    """Severity (0-1) from which an alert is labelled "medium"; below it, "low"."""

    def label(self, severity: float) -> str:
        """The severity label of a 0-1 severity."""
        if severity >= self.critical_from:
            return "critical"
        if severity >= self.high_from:
            return "high"
        return "medium" if severity >= self.medium_from else "low"

    def label_expr(self, severity: pl.Expr) -> pl.Expr:
        """`label` as a polars expression."""
        return (
            pl.when(severity >= self.critical_from)
            .then(pl.lit("critical"))
            .when(severity >= self.high_from)
            .then(pl.lit("high"))
            .when(severity >= self.medium_from)
            .then(pl.lit("medium"))
            .otherwise(pl.lit("low"))
        )

    def floor(self, label: str) -> float:
        """The lowest severity of `label` (for "at least this severe" filters)."""
        return {"low": 0.0, "medium": self.medium_from, "high": self.high_from}.get(
            label, self.critical_from
        )

    def describe(self) -> str:
        """The rules as compact JSON text (part of the refresh marker: new rules, new alerts)."""
        return to_json(self.__dict__)


def fingerprint(row: dict[str, Any]) -> str:
    """A hash of what an event observed (see the module docstring); 16 hex digits."""
    evidence = decode_event_json({"evidence": row.get("evidence")})["evidence"]
    keys: dict[str, Any] = {"type": row["type"], "mmsi": row["mmsi"], "start": row["start"]}
    keys["other_mmsi"] = row.get("other_mmsi")
    if isinstance(evidence, dict) and evidence.get("open") is True:
        keys["open"] = True
    else:
        keys |= {k: row.get(k) for k in ("end", "lat", "lon", "score", "confidence")}
        keys["evidence"] = evidence
    return hashlib.sha256(to_json(keys).encode()).hexdigest()[:16]


def _vessel_risk(events: pl.DataFrame, risk: pl.DataFrame | None) -> pl.DataFrame:
    """`events` with `risk_score` and `risk_high`: the riskier of the vessels involved."""
    if risk is None or risk.is_empty():
        return events.with_columns(
            pl.lit(0.0).alias("risk_score"), pl.lit(None, dtype=pl.String).alias("band_mmsi"),
            pl.lit(None, dtype=pl.String).alias("band_other"),
        )  # fmt: skip
    table = risk.select(pl.col("mmsi").cast(pl.Int32), pl.col("score").cast(pl.Float64), "band")
    own = table.rename({"score": "score_mmsi", "band": "band_mmsi"})
    other = table.rename({"mmsi": "other_mmsi", "score": "score_other", "band": "band_other"})
    joined = events.join(own, on="mmsi", how="left").join(other, on="other_mmsi", how="left")
    return joined.with_columns(
        pl.max_horizontal("score_mmsi", "score_other").fill_null(0.0).alias("risk_score")
    )


def _alertable(rules: AlertRules) -> pl.Expr:
    """Whether each event alerts by its type's rule (port calls are decided afterwards)."""
    kind, evidence = pl.col("type"), pl.col("evidence")
    intentional = evidence.str.json_path_match("$.likely_intentional") == "true"
    high_band = (pl.col("band_mmsi") == rules.high_band) | (pl.col("band_other") == rules.high_band)
    return (
        pl.when(kind.is_in(types_alerting_by("likely_intentional")))
        .then(intentional.fill_null(False))
        .when(kind.is_in(types_alerting_by("port_call")))
        .then(pl.lit(False))  # decided after the others, from them (`port_calls`)
        .when(kind.is_in(types_alerting_by("zone_score")))
        .then(pl.col("score").fill_null(0.0) > rules.zone_min_score)
        .when(kind.is_in(types_alerting_by("insider")))
        .then(pl.col("confidence").fill_null(0.0) >= rules.insider_min_confidence)
        .otherwise((pl.col("strength") >= rules.min_strength) | high_band.fill_null(False))
    )


def evaluate(
    events: pl.DataFrame,
    risk: pl.DataFrame | None = None,
    high_risk_ports: frozenset[str] = frozenset(),
    rules: AlertRules | None = None,
) -> pl.DataFrame:
    """Each event of `events` (`EVENT_SCHEMA`) judged by the alert rules (`CANDIDATE_SCHEMA`).

    `risk` is the `vessel_risk` table (`mmsi`, `score` 0-100, `band`), None before the first
    assessment; `high_risk_ports` holds UN/LOCODEs (`load_high_risk_ports()["locode"]`).
    """
    rules = rules or AlertRules()
    if events.is_empty():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    strength = pl.coalesce("score", "confidence", pl.lit(rules.missing_strength))
    judged = _vessel_risk(events.with_columns(strength.clip(0.0, 1.0).alias("strength")), risk)
    severity = 1 - (1 - pl.col("strength")) * (1 - (pl.col("risk_score") / 100).clip(0.0, 1.0))
    judged = judged.with_columns(
        _alertable(rules).alias("alertable"), severity.round(4).alias("severity")
    )
    calls = types_alerting_by("port_call")
    alerting = alerting_calls(judged, calls, risk, high_risk_ports,
                              rules.port_after_anomaly_hours, rules.port_pattern_days)  # fmt: skip
    judged = judged.with_columns(pl.col("alertable") | pl.col("id").is_in(alerting.implode()))
    rows = judged.select("type", "mmsi", "other_mmsi", "start", "end", "lat", "lon", "score",
                         "confidence", "evidence").to_dicts()  # fmt: skip
    for row in rows:
        for key in ("start", "end"):
            row[key] = row[key].isoformat() if row[key] is not None else None
    return judged.with_columns(
        rules.label_expr(pl.col("severity")).alias("severity_label"),
        pl.Series("fingerprint", [fingerprint(r) for r in rows], dtype=pl.String),
    ).select([pl.col(c).cast(t) for c, t in CANDIDATE_SCHEMA.items()])


SETTINGS_PREFIX: Final = "alerts"


def alert_settings() -> list[dict[str, Any]]:
    """The alert rules' thresholds as settings `alerts.<field>` (declarations for
    `balise.settings`)."""
    return settings_of(SETTINGS_PREFIX, AlertRules, "balise.alerts.rules.AlertRules")


def alert_rules(values: Mapping[str, Any]) -> AlertRules:
    """The alert rules in force: the `alerts.<field>` entries of resolved settings."""
    return params_from(values, SETTINGS_PREFIX, AlertRules)
