"""The cargo run end to end on a small world, container risk and its contributions, and the
cargo settings."""

from __future__ import annotations

import json
import random
from typing import Any

import polars as pl
import pytest

from balise.cargo.detect import CargoInputs, detect_cargo
from balise.cargo.params import CargoParams, cargo_params, cargo_settings, locodes
from balise.cargo.risk import (
    CargoRiskParams,
    carriers_of_events,
    party_contributions,
    score_containers,
    vessel_contributions,
    vessel_contributions_of_events,
)
from balise.model.event_types import detected_types
from balise.model.events import EVENT_SCHEMA
from balise.settings import resolve
from cargo_helpers import BOX, OTHER, at, event, events, gate, manifests, releases, voyage


def _world() -> CargoInputs:
    shell = voyage("ECGYE", "DOCAU", "NLRTM", dwell_days=30)
    plain = voyage("BRSSZ", "FRLEH", box=OTHER, vessel=244000000)
    release = {
        "release_id": "R1", "container_number": BOX, "terminal": "NLRTM-ECT",
        "issued_at": at(60), "issued_to": "Maas Fresh BV",
        "authorised_haulier": "Van Dijk Transport", "valid_from": at(60),
        "valid_until": at(90), "customs_status": "released", "customs_status_at": at(61),
    }  # fmt: skip
    out = {
        "gate_tx_id": "G1", "container_number": BOX, "terminal": "NLRTM-ECT", "time": at(62),
        "direction": "out", "haulier": "Van Dijk Transport", "release_id": "R1",
        "result": "accepted",
    }  # fmt: skip
    again = out | {"gate_tx_id": "G2", "time": at(63), "result": "rejected"}
    return CargoInputs(
        container_events=events(*shell, *plain),
        manifests=manifests(
            {
                "bill_of_lading": "BL1",
                "consignee": "Maas Fresh BV",
                "shipper": "Agro Export SA",
                "container_numbers": [BOX, OTHER],
            },
        ),
        releases=releases(release),
        gate=gate(out, again),
    )


def test_the_cargo_run_finds_each_rule_of_the_world() -> None:
    found = detect_cargo(_world())
    assert found.schema == pl.Schema(EVENT_SCHEMA)
    assert sorted(found["type"].to_list()) == ["release_fraud", "shell_game"]
    assert set(found["subject"].struct.field("id")) == {BOX}
    assert found["mmsi"].null_count() == found.height
    assert detect_cargo(_world())["id"].to_list() == found["id"].to_list()


def test_a_missing_input_runs_what_it_can() -> None:
    assert detect_cargo(CargoInputs()).is_empty()
    only_gate = _world()
    assert detect_cargo(CargoInputs(releases=only_gate.releases, gate=only_gate.gate))[
        "type"
    ].to_list() == ["release_fraud"]


def test_container_risk_and_what_it_adds_to_vessels_and_parties() -> None:
    world = _world()
    found = detect_cargo(world)
    scores = score_containers(found, now=at(64))
    [row] = scores.to_dicts()
    assert row["container_number"] == BOX
    reasons = json.loads(row["reasons"])
    assert {r["kind"] for r in reasons} == {"release_fraud", "shell_game"}
    assert sum(r["points"] for r in reasons) == pytest.approx(row["score"], abs=0.05)
    later = score_containers(found, now=at(124))
    assert later["score"][0] < row["score"]
    vessels = vessel_contributions(scores, carriers_of_events(found))
    assert 636012346 in vessels["mmsi"].to_list()
    top = vessels.row(0, named=True)
    assert top["contribution"] == pytest.approx(0.3 * row["score"] / 100, abs=1e-3)
    parties = party_contributions(scores, world.manifests)  # type: ignore[arg-type]
    assert set(zip(parties["party"], parties["role"], strict=True)) == {
        ("Maas Fresh BV", "consignee"), ("Agro Export SA", "shipper"),
    }  # fmt: skip
    assert parties["containers"].to_list()[0] == [BOX]


def test_retracted_events_do_not_count() -> None:
    found = detect_cargo(_world()).with_columns(pl.lit("retracted").alias("status"))
    assert score_containers(found, now=at(64)).is_empty()


def test_cargo_thresholds_are_settings() -> None:
    names = {s["name"] for s in cargo_settings()}
    assert "cargo.shell_game.long_dwell_days" in names
    assert "cargo.release_fraud.fast_pickup_hours" in names
    assert "cargo.watched_hubs" in names
    values = resolve(
        environ={"BALISE_CARGO_SHELL_GAME_LONG_DWELL_DAYS": "40",
                 "BALISE_CARGO_WATCHED_HUBS": "docau, tglfw"},
    ).values  # fmt: skip
    params = cargo_params(values)
    assert params.shell_game.long_dwell_days == 40
    assert params.watched_hubs == ("DOCAU", "TGLFW")
    assert params.release_fraud == CargoParams().release_fraud
    assert locodes(["jmkin"]) == ("JMKIN",)
    with pytest.raises(ValueError, match="UN/LOCODE"):
        locodes("Kingston")


def test_the_watched_hubs_are_a_setting() -> None:
    params = CargoParams(watched_hubs=("TGLFW",))
    found = detect_cargo(_world(), params)
    assert found["type"].to_list() == ["release_fraud"]


def test_every_cargo_type_is_detected() -> None:
    assert set(detected_types("cargo")) == {
        "shell_game", "release_fraud", "container_clone", "door_opened", "box_off_vessel",
        "reefer_anomaly", "unexpected_stop",
    }  # fmt: skip
    assert event("LOADED", "NLRTM", 0)["container_number"] == BOX


def _cargo_event(kind: str, box: str, vessel: int | None, day: float) -> dict[str, Any]:
    """A cargo event about `box` naming `vessel` (kind `vessel` in `related`)."""
    related = [{"kind": "vessel", "id": str(vessel)}] if vessel is not None else []
    return {
        "id": f"{kind}-{box}-{day}", "type": kind, "start": at(day), "end": at(day),
        "lat": None, "lon": None, "subject": {"kind": "container", "id": box},
        "related": [*related, {"kind": "company", "id": "Maas Fresh BV"}],
        "mmsi": None, "other_mmsi": None, "confidence": 0.7, "score": None,
        "params": "{}", "evidence": json.dumps({"reasons": ["seen"]}), "status": "active",
    }  # fmt: skip


def test_a_vessel_gets_the_boxes_it_carried_scored_on_the_events_naming_it() -> None:
    liner, feeder = 636012346, 244000000
    found = pl.DataFrame(
        [
            _cargo_event("shell_game", BOX, liner, 10),
            _cargo_event("release_fraud", BOX, feeder, 12),
            _cargo_event("door_opened", OTHER, feeder, 12),
            _cargo_event("door_opened", OTHER, None, 13),
        ],
        schema=EVENT_SCHEMA,
    )
    carried = vessel_contributions_of_events(found, now=at(13))
    rows = {r["mmsi"]: r for r in carried.to_dicts()}
    assert set(rows) == {liner, feeder}
    liner_box = score_containers(found.head(1), now=at(13))["score"][0]
    assert rows[liner]["containers"] == [BOX]
    assert rows[liner]["contribution"] == pytest.approx(0.3 * liner_box / 100, abs=1e-4)
    assert rows[liner]["text"].startswith(f"carried 1 container with cargo events: {BOX} (shell")
    [detail] = json.loads(rows[liner]["reasons"])
    assert [e["event_id"] for e in detail["events"]] == [f"shell_game-{BOX}-10"]
    assert sorted(rows[feeder]["containers"]) == sorted([BOX, OTHER])
    kinds = {b["container_number"]: [e["kind"] for e in b["events"]]
             for b in json.loads(rows[feeder]["reasons"])}  # fmt: skip
    assert kinds == {BOX: ["release_fraud"], OTHER: ["door_opened"]}
    assert "release fraud" in rows[feeder]["text"]
    assert "door opened" in rows[feeder]["text"]
    assert carried["weight"].to_list() == [0.3, 0.3]


def test_a_vessel_share_caps_what_many_boxes_add() -> None:
    boxes = [f"MSCU{n:06d}{n % 10}" for n in range(40)]
    found = pl.DataFrame(
        [_cargo_event("release_fraud", b, 636012346, 1) for b in boxes], schema=EVENT_SCHEMA
    )
    [row] = vessel_contributions_of_events(found, now=at(1)).to_dicts()
    assert 0.25 < row["contribution"] <= 0.3
    assert len(row["containers"]) == 40
    assert len(json.loads(row["reasons"])) == 25
    assert row["text"].endswith("(+37 more)")
    capped = vessel_contributions_of_events(
        found, now=at(1), params=CargoRiskParams(vessel_share=0.1)
    )
    assert capped["contribution"][0] <= 0.1
    assert vessel_contributions_of_events(found.clear(), now=at(1)).is_empty()


def test_the_vessels_are_scored_at_once_as_each_apart() -> None:
    # what each vessel gets is, by definition, its boxes scored on the events naming it and
    # added up (`score_containers`, `vessel_contributions`); one pass must give the same
    rng = random.Random(5)
    kinds = ["shell_game", "release_fraud", "door_opened", "container_clone", "reefer_anomaly"]
    vessels = [636012346, 244000000, 209000001, 538000002, 311000003]
    boxes = [f"MSCU{n:06d}{n % 10}" for n in range(30)]
    rows: list[dict[str, Any]] = []
    for _ in range(300):
        named = rng.sample(vessels, rng.choice((0, 1, 1, 2)))
        row = _cargo_event(rng.choice(kinds), rng.choice(boxes), None, rng.randint(1, 60))
        row["related"] = [{"kind": "vessel", "id": str(v)} for v in named] + row["related"]
        row["id"] = f"{row['id']}-{len(rows)}"
        row["confidence"] = rng.choice((None, 0.3, 0.7, 0.9))
        row["status"] = rng.choice(("active", "active", "revised", "retracted"))
        rows.append(row)
    found = pl.DataFrame(rows, schema=EVENT_SCHEMA)
    now = at(61)
    expected = []
    for vessel in vessels:
        naming = found.filter(
            pl.col("related").list.eval(pl.element().struct.field("id") == str(vessel)).list.any()
        )
        scores = score_containers(naming, now=now)
        carried = scores.select("container_number", pl.lit(vessel, pl.Int64).alias("vessel_mmsi"))
        expected.append(vessel_contributions(scores, carried))
    want = pl.concat(expected).sort("contribution", "mmsi", descending=[True, False])
    got = vessel_contributions_of_events(found, now=now)
    assert got.height == len(vessels)
    assert got.to_dicts() == want.to_dicts()
