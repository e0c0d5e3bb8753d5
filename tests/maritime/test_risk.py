"""Vessel risk score: the documented noisy-OR of saturated, decaying event terms and context."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from balise.maritime.risk import (
    FLAGS_OF_CONVENIENCE,
    SCORE_SCHEMA,
    RiskParams,
    score_vessels,
)
from balise.model.events import EVENT_SCHEMA, event_id, to_json
from balise.model.scoring import CARRIED_SCHEMA, combine

NOW = datetime(2024, 3, 20, tzinfo=UTC)
FRENCH = 227_000_001
"""MID 227, France: not a flag of convenience."""
PANAMA = 351_000_001
"""MID 351, Panama: on the ITF list."""
GAP_EVIDENCE: dict[str, Any] = {
    "duration_h": 18.2,
    "likely_intentional": True,
    "off": {"shore_nm": 230.4},
    "open": False,
}


def event(
    kind: str,
    mmsi: int = FRENCH,
    ended_days_ago: float = 0.0,
    confidence: float = 0.8,
    evidence: dict[str, Any] | None = None,
    status: str = "active",
    n: int = 0,
    other_mmsi: int | None = None,
) -> dict[str, Any]:
    """One event row ending `ended_days_ago` before NOW, lasting 18 h."""
    end = NOW - timedelta(days=ended_days_ago)
    start = end - timedelta(hours=18)
    return {
        "id": event_id(kind, mmsi, start.isoformat(), n),
        "type": kind,
        "start": start,
        "end": end,
        "lat": 10.0,
        "lon": -30.0,
        "mmsi": mmsi,
        "other_mmsi": other_mmsi,
        "confidence": confidence,
        "score": None,
        "params": "{}",
        "evidence": to_json(evidence if evidence is not None else GAP_EVIDENCE),
        "status": status,
    }


def events(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=EVENT_SCHEMA)


def vessels(*mmsis: int, **columns: list[Any]) -> pl.DataFrame:
    return pl.DataFrame({"mmsi": list(mmsis), **columns}).with_columns(
        pl.col("mmsi").cast(pl.Int32)
    )


def one(scores: pl.DataFrame, mmsi: int = FRENCH) -> tuple[float, str, list[dict[str, Any]]]:
    row = scores.filter(pl.col("mmsi") == mmsi).row(0, named=True)
    return row["score"], row["band"], json.loads(row["reasons"])


def test_no_events_scores_zero_without_reasons() -> None:
    scores = score_vessels(events(), vessels(FRENCH), now=NOW)
    assert scores.schema == pl.Schema(SCORE_SCHEMA)
    assert one(scores) == (0.0, "low", [])
    assert scores["computed_at"][0] == NOW


def test_one_intentional_gap_gives_weight_times_confidence() -> None:
    score, band, reasons = one(score_vessels(events(event("ais_gap")), vessels(FRENCH), now=NOW))
    assert score == pytest.approx(100 * 0.35 * 0.8)  # 28
    assert band == "medium"
    assert [r["kind"] for r in reasons] == ["ais_gap"]
    assert reasons[0]["contribution"] == pytest.approx(0.28)
    assert reasons[0]["points"] == pytest.approx(28.0)
    assert reasons[0]["text"] == "AIS silent 18 h, 230 nm offshore (likely intentional), 2024-03-19"
    assert reasons[0]["event_id"].startswith("ais_gap-")


def test_naive_gap_weighs_a_quarter() -> None:
    naive = {**GAP_EVIDENCE, "likely_intentional": False}
    found = events(event("ais_gap", confidence=0.3, evidence=naive))
    score, _, reasons = one(score_vessels(found, vessels(FRENCH), now=NOW))
    assert score == pytest.approx(100 * 0.35 * 0.3 * 0.25, abs=0.01)
    assert "possibly a coverage hole" in reasons[0]["text"]


def test_recency_decay_halves_at_half_life() -> None:
    old = events(event("ais_gap", ended_days_ago=14.0))
    score, _, _ = one(score_vessels(old, vessels(FRENCH), now=NOW))
    assert score == pytest.approx(100 * 0.35 * 0.8 / 2)
    slower = RiskParams(half_life_days=28.0)
    score_slow, _, _ = one(score_vessels(old, vessels(FRENCH), now=NOW, params=slower))
    assert score_slow == pytest.approx(100 * 0.35 * 0.8 * 0.5**0.5, abs=0.01)


def test_fifty_gaps_saturate_below_the_gap_weight() -> None:
    many = events(*(event("ais_gap", ended_days_ago=i * 0.5, n=i) for i in range(50)))
    score, _, reasons = one(score_vessels(many, vessels(FRENCH), now=NOW))
    assert 34.0 < score <= 35.0
    assert len(reasons) == 1
    assert reasons[0]["events"] == 50
    assert reasons[0]["text"].endswith("(+49 more)")


def test_watchlist_hit_dominates_and_reasons_are_sorted() -> None:
    found = events(event("ais_gap"), event("encounter", confidence=0.5, other_mmsi=FRENCH + 1))
    listed = pl.DataFrame({"imo": [9074729], "reason": ["seized cocaine 2023"]})
    fleet = vessels(FRENCH, imo=[9074729])
    score, band, reasons = one(score_vessels(found, fleet, now=NOW, watchlist=listed))
    assert [r["kind"] for r in reasons] == ["watchlist", "ais_gap", "encounter"]
    assert reasons[0]["text"] == "on watchlist by IMO 9074729: seized cocaine 2023"
    assert score == pytest.approx(100 * (1 - 0.1 * 0.72 * 0.8), abs=0.01)
    assert band == "high"
    assert sum(r["points"] for r in reasons) == pytest.approx(score, abs=0.02)
    assert reasons[0]["points"] > reasons[1]["points"] + reasons[2]["points"]


def test_watchlist_name_match_is_weaker_and_spacing_blind() -> None:
    listed = pl.DataFrame({"name": ["Sea  star"], "reason": ["tip-off"]})
    fleet = vessels(FRENCH, name=["SEA STAR"])
    score, _, reasons = one(score_vessels(events(), fleet, now=NOW, watchlist=listed))
    assert score == pytest.approx(45.0)
    assert reasons[0]["kind"] == "watchlist"


def test_retracted_and_future_events_are_ignored() -> None:
    found = events(
        event("ais_gap", status="retracted"),
        event("encounter", ended_days_ago=-2.0),
    )
    assert one(score_vessels(found, vessels(FRENCH), now=NOW)) == (0.0, "low", [])
    revised = events(event("ais_gap", status="revised"))
    assert one(score_vessels(revised, vessels(FRENCH), now=NOW))[0] == pytest.approx(28.0)


def test_port_visit_counts_only_at_a_high_risk_port_within_the_lookback() -> None:
    calls = events(
        event("port_visit", ended_days_ago=45.0, confidence=1.0, evidence={"locode": "ECGYE"}),
        event("port_visit", ended_days_ago=1.0, confidence=1.0, evidence={"locode": "FRLEH"}, n=1),
        event("port_visit", ended_days_ago=120, confidence=1.0, evidence={"locode": "COBAQ"}, n=2),
    )
    risky = frozenset({"ECGYE", "COBAQ"})
    score, _, reasons = one(score_vessels(calls, vessels(FRENCH), now=NOW, high_risk_ports=risky))
    assert score == pytest.approx(100 * 0.3 * 0.5)  # one port half-life old
    assert reasons[0]["text"].startswith("called at high-risk port ECGYE 45 days ago")
    assert reasons[0]["events"] == 1


def test_flag_of_convenience_from_the_mid_or_the_given_flag() -> None:
    assert "PA" in FLAGS_OF_CONVENIENCE
    scores = score_vessels(events(), vessels(PANAMA, FRENCH), now=NOW)
    score, band, reasons = one(scores, PANAMA)
    assert (score, band) == (5.0, "low")
    assert reasons[0]["text"] == "flag Panama (PA) is on the ITF flags-of-convenience list"
    assert one(scores, FRENCH)[0] == 0.0
    declared = vessels(FRENCH, flag_iso2=["lr"])
    assert one(score_vessels(events(), declared, now=NOW))[0] == 5.0


def test_vessels_seen_only_in_events_get_a_row_and_input_order_does_not_matter() -> None:
    rows = [event("ais_gap", mmsi=FRENCH + 5), event("loitering", evidence={"hours": 6.0}, n=1)]
    scores = score_vessels(events(*rows), vessels(FRENCH), now=NOW)
    again = score_vessels(events(*reversed(rows)), vessels(FRENCH), now=NOW)
    assert scores.equals(again)
    assert scores["mmsi"].to_list() == [FRENCH, FRENCH + 5]
    assert one(scores, FRENCH + 5)[0] == pytest.approx(28.0)
    assert one(scores)[2][0]["text"].startswith("loitered 6.0 h")


def test_combine_keeps_the_score_below_100_and_points_add_up() -> None:
    reasons = [
        {"kind": k, "weight": 1.0, "contribution": c, "text": k}
        for k, c in (("a", 1.0), ("b", 0.5), ("c", 0.0))
    ]
    score, kept = combine(reasons)
    assert score < 100.0
    assert [r["kind"] for r in kept] == ["a", "b"]
    assert sum(r["points"] for r in kept) == pytest.approx(score, abs=0.02)


def test_identity_inconsistency_reasons_say_what_does_not_fit() -> None:
    from balise.maritime.risk import event_reason_text

    evidence = {"check": "call_sign_series", "call_sign": "PJAB", "call_sign_flag": "NL",
                "mid": 228, "mid_flag": "FR"}  # fmt: skip
    row = {"type": "identity_inconsistency", "evidence": to_json(evidence), "start": NOW,
           "events": 1}  # fmt: skip
    assert event_reason_text(row).startswith("call sign PJAB of NL under MID 228 (FR)")
    row["evidence"] = to_json({"check": "mid_unallocated", "mid": 299, "mid_flag": None})
    assert event_reason_text(row).startswith("MMSI of an unallocated MID 299 (not allocated)")


def carried(mmsi: int, contribution: float, weight: float = 0.3) -> pl.DataFrame:
    """What the containers `mmsi` carried add (as the cargo domain hands it over)."""
    boxes = [{"container_number": "MSCU1234565", "score": 60.0,
              "events": [{"kind": "release_fraud", "event_id": "ev1", "events": 1}]}]  # fmt: skip
    return pl.DataFrame(
        {"mmsi": [mmsi], "weight": [weight], "contribution": [contribution],
         "containers": [["MSCU1234565"]],
         "text": ["carried 1 container with cargo events: MSCU1234565 (release fraud, 60)"],
         "reasons": [json.dumps(boxes)]},
        schema=CARRIED_SCHEMA,
    )  # fmt: skip


def test_carried_containers_add_a_cargo_reason_with_the_boxes() -> None:
    gap = events(event("ais_gap", confidence=1.0))
    plain = score_vessels(gap, vessels(FRENCH), now=NOW)
    scores = score_vessels(gap, vessels(FRENCH), now=NOW, carried=carried(FRENCH, 0.18))
    score, _, reasons = one(scores)
    assert score == pytest.approx(100 * (1 - (1 - 0.35) * (1 - 0.18)), abs=0.01)
    assert score > one(plain)[0]
    cargo = next(r for r in reasons if r["kind"] == "cargo")
    assert cargo["text"].startswith("carried 1 container")
    assert cargo["containers"] == ["MSCU1234565"]
    assert cargo["boxes"][0]["events"][0]["event_id"] == "ev1"
    assert sum(r["points"] for r in reasons) == pytest.approx(score, abs=0.05)


def test_the_cargo_reason_is_capped_at_its_weight_and_adds_a_vessel_without_events() -> None:
    scores = score_vessels(events(), vessels(FRENCH), now=NOW, carried=carried(PANAMA, 0.9))
    score, _, reasons = one(scores, PANAMA)
    cargo = next(r for r in reasons if r["kind"] == "cargo")
    assert cargo["contribution"] == 0.3
    assert score == pytest.approx(100 * (1 - 0.7 * 0.95), abs=0.01)
    assert one(scores)[0] == 0.0
    assert score_vessels(events(), vessels(FRENCH), now=NOW, carried=carried(FRENCH, 0.0))[
        "score"
    ].to_list() == [0.0]
