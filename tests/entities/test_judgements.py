"""Analysts' judgements reused by screening: a pair judged not the same is not raised again
(until the entry's matching data changes), one judged the same is raised at full score even
after the vessel is renamed, one judged unsure stays in the review queue, and the queue shows
near misses below the match threshold."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from balise.engine.lists import provenance
from balise.entities.identifiers import Identifier
from balise.entities.judgements import entry_digest, subject_digest
from balise.entities.lists import entry_row
from balise.entities.match import Entity
from balise.entities.params import ScreenParams
from balise.entities.screening import (
    VESSEL_COLUMNS,
    review_rows,
    screen_candidates,
    vessel_queries,
)
from balise.model.lists import JUDGEMENT_SCHEMA, LIST_ENTRY_SCHEMA

TODAY = date(2026, 12, 1)
SEEN = datetime(2026, 11, 30, 12, tzinfo=UTC)
PARAMS = ScreenParams()
MMSI = 636012345
OCEAN_STAR = Entity("", "Vessel", ("Ocean Star",))


def _entries(*entities: Entity) -> pl.DataFrame:
    given = provenance("local:ana", "MAOC-N", "suspected carrier")
    rows = [entry_row("voi", e, f"e{i}", given) for i, e in enumerate(entities)]
    return pl.DataFrame(rows, schema=LIST_ENTRY_SCHEMA)


def _vessel(*names: str) -> list[Any]:
    frame = pl.DataFrame([{"mmsi": MMSI, "names": list(names), "imos": [], "call_signs": [],
                           "first_seen": SEEN, "last_seen": SEEN, "lat": None, "lon": None}],
                         schema=VESSEL_COLUMNS)  # fmt: skip
    return vessel_queries(frame)


def _judged(
    entries: pl.DataFrame, verdict: str, entry_id: str = "e0", subject: str | None = None
) -> pl.DataFrame:
    entry = entries.filter(pl.col("entry_id") == entry_id).row(0, named=True)
    return pl.DataFrame([{"subject_kind": "vessel", "subject_id": str(MMSI), "list_name": "voi",
                          "entry_id": entry_id, "entry_digest": entry_digest(entry),
                          "verdict": verdict, "note": "checked the hull", "judged_by": "ana",
                          "judged_at": SEEN, "subject_digest": subject}],
                        schema=JUDGEMENT_SCHEMA)  # fmt: skip


def test_a_dismissed_pair_is_not_raised_nor_queued() -> None:
    entries = _entries(OCEAN_STAR)
    queries = _vessel("Ocean Stars")
    (raised,) = screen_candidates(queries, entries, PARAMS, TODAY)
    assert raised.match.score >= PARAMS.match_threshold
    judged = _judged(entries, "not_same")
    assert screen_candidates(queries, entries, PARAMS, TODAY, judged) == []
    found = screen_candidates(queries, entries, PARAMS, TODAY, judged, floor=0.0)
    assert review_rows(found, {}, PARAMS) == []


def test_changed_entry_data_brings_a_dismissed_pair_back() -> None:
    judged = _judged(_entries(OCEAN_STAR), "not_same")
    with_imo = replace(OCEAN_STAR, identifiers=(Identifier("imo", "9074729"),))
    (back,) = screen_candidates(_vessel("Ocean Stars"), _entries(with_imo), PARAMS, TODAY, judged)
    assert back.judgement is None
    assert back.match.score >= PARAMS.match_threshold


def test_a_confirmed_pair_survives_a_rename() -> None:
    entries = _entries(OCEAN_STAR)
    judged = _judged(entries, "same")
    assert screen_candidates(_vessel("Baltic Trader"), entries, PARAMS, TODAY) == []
    (kept,) = screen_candidates(_vessel("Baltic Trader"), entries, PARAMS, TODAY, judged)
    assert kept.match.score == 1.0
    assert kept.match.reasons == ("confirmed same by ana on 2026-11-30",)
    assert kept.scored is None
    (scored,) = screen_candidates(_vessel("Ocean Stars"), entries, PARAMS, TODAY, judged)
    assert scored.match.reasons[0] == "confirmed same by ana on 2026-11-30"
    assert len(scored.match.reasons) > 1, "the scorer's reasons follow the analyst's"
    assert scored.scored is not None
    assert scored.scored < 1.0
    assert review_rows([kept, scored], {}, PARAMS) == [], "judged: out of the queue"


def test_an_unsure_pair_stays_in_the_queue_marked() -> None:
    entries = _entries(OCEAN_STAR)
    found = screen_candidates(_vessel("Ocean Stars"), entries, PARAMS, TODAY,
                              _judged(entries, "unsure"))  # fmt: skip
    (row,) = review_rows(found, {"voi": "vessels_of_interest"}, PARAMS)
    assert row["verdict"] == "unsure"
    assert row["note"] == "checked the hull"
    assert row["raised"] is True
    assert row["subject_id"] == str(MMSI)
    assert row["entry"]["name"] == "Ocean Star"
    assert row["entry"]["source"] == "MAOC-N"
    assert row["list_kind"] == "vessels_of_interest"


def test_the_queue_holds_near_misses_best_first() -> None:
    entries = _entries(OCEAN_STAR, Entity("", "Vessel", ("Ozean Stern",)))
    queries = _vessel("Ocean Stars")
    scores = sorted(c.match.score for c in screen_candidates(queries, entries, PARAMS, TODAY,
                                                             floor=0.0))  # fmt: skip
    low, high = scores[0], scores[-1]
    params = ScreenParams(match_threshold=high, review_threshold=low)
    rows = review_rows(screen_candidates(queries, entries, params, TODAY, floor=low), {}, params)
    assert [r["score"] for r in rows] == sorted(scores, reverse=True)
    assert low < high
    assert rows[0]["raised"] is True
    assert rows[-1]["raised"] is False, "a near miss: shown, not raised"
    assert rows[-1]["entry"]["name"] == "Ozean Stern"
    assert all(r["verdict"] is None and r["reasons"] for r in rows)


def test_changed_subject_data_brings_a_dismissed_pair_back() -> None:
    entries = _entries(OCEAN_STAR)
    (seen,) = _vessel("Ocean Stars")
    judged = _judged(entries, "not_same", subject=subject_digest(seen.entity))
    assert screen_candidates([seen], entries, PARAMS, TODAY, judged) == []
    assert subject_digest(_vessel("Ocean Stars", "Ocean Stars")[0].entity) == subject_digest(
        seen.entity), "the same names seen again: the same subject"  # fmt: skip
    renamed = _vessel("Ocean Stars", "Ocean Star")
    (back,) = screen_candidates(renamed, entries, PARAMS, TODAY, judged)
    assert back.judgement is None, "a new name: the question is asked again"
    assert back.match.score >= PARAMS.match_threshold
    unsure = _judged(entries, "unsure", subject=subject_digest(seen.entity))
    (row,) = review_rows(screen_candidates(renamed, entries, PARAMS, TODAY, unsure), {}, PARAMS)
    assert row["verdict"] is None
    same = _judged(entries, "same", subject=subject_digest(seen.entity))
    (kept,) = screen_candidates(_vessel("Baltic Trader"), entries, PARAMS, TODAY, same)
    assert kept.match.score == 1.0, "a confirmed pair holds through a rename"
