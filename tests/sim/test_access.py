"""The world's access layer: staff, work, releases, gate and audit trail in their formats, with an
insider the truth names and the detector finds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from balise.model.records import ACCESS_SCHEMA, GATE_SCHEMA, RELEASE_SCHEMA, STAFF_SCHEMA
from balise.model.schema import conform
from balise.security.insider import detect_insider
from balise.sim.access import build_access, write_access
from balise.sim.cargo import FRONT, ROGUE_HAULIER, check_digit
from balise.sim.staff import Vessels
from balise.sim.truth import truth_record
from balise.sim.world import FILES, WorldSpec

SPEC = WorldSpec(seed=11, vessels=40, days=7)
NAMES = ("staff", "work", "releases", "gate", "access")


def _write(folder: Path, spec: WorldSpec = SPEC) -> list[dict[str, Any]]:
    """The access layer of `spec` written to `folder`; its truth records."""
    world = build_access(spec.rng("access"), spec.start, spec.days,
                         Vessels([], spec.rng("access", 1)))  # fmt: skip
    write_access(world, spec.start, {name: folder / FILES[name] for name in NAMES})
    return [truth_record(event, spec.start, spec.seed) for event in world.truth]


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("access")
    return folder, _write(folder)


def _utc(column: str) -> pl.Expr:
    return pl.col(column).str.to_datetime(time_unit="us", time_zone="UTC", strict=True)


@pytest.fixture(scope="module")
def frames(layer: tuple[Path, list[dict[str, Any]]]) -> dict[str, pl.DataFrame]:
    """The files read back into the record schemas, strictly (a bad time fails)."""
    folder = layer[0]
    names = ("time", "user", "agency", "role", "address", "action", "route", "resource")
    listed: dict[str, pl.DataType] = {"records": pl.List(pl.String), "count": pl.Int64()}
    schema = {**dict.fromkeys(names, pl.String()), **listed}
    access = pl.read_ndjson(folder / FILES["access"], schema=schema)
    releases = pl.read_csv(folder / FILES["releases"], infer_schema=False)
    times = ("issued_at", "valid_from", "valid_until", "customs_status_at")
    return {
        "access": conform(access.with_columns(_utc("time")), ACCESS_SCHEMA),
        "staff": conform(pl.read_csv(folder / FILES["staff"], infer_schema=False)
                         .with_columns(pl.col("ports").str.split(";")), STAFF_SCHEMA),
        "releases": conform(releases.with_columns(_utc(c) for c in times), RELEASE_SCHEMA),
        "gate": conform(pl.read_csv(folder / FILES["gate"], infer_schema=False)
                        .with_columns(_utc("time")), GATE_SCHEMA),
        "work": pl.read_csv(folder / FILES["work"], infer_schema=False),
    }  # fmt: skip


def _iso6346_ok(number: str) -> bool:
    """The check digit of ISO 6346 computed here independently: letters A=10 upwards skipping
    11, 22 and 33, weights 2^i, sum mod 11 mod 10."""
    values: dict[str, int] = {}
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        value += value % 11 == 0
        values[letter] = value
        value += 1
    digits = [values[c] if c.isalpha() else int(c) for c in number[:10]]
    total = sum(d << i for i, d in enumerate(digits))
    return len(number) == 11 and number[3] == "U" and total % 11 % 10 == int(number[10])


def test_files_parse_to_the_record_schemas(frames: dict[str, pl.DataFrame]) -> None:
    access, staff = frames["access"], frames["staff"]
    assert access.height > 1_000
    assert access.select("time", "user", "action", "resource").null_count().sum_horizontal()[0] == 0
    assert set(access["action"]) <= {"read", "sign_in"}
    assert (access["count"] >= access["records"].list.len()).all()
    assert access["time"].is_sorted()
    assert 20 <= staff.height <= 25
    assert set(staff["role"]) >= {"customs_officer", "analyst", "watch_officer",
                                  "security_officer", "admin"}  # fmt: skip
    assert set(access["user"]) <= set(staff["user"])
    assert frames["releases"]["release_id"].is_unique().all()
    assert frames["releases"].drop("source", "source_line").null_count().sum_horizontal()[0] == 0
    assert set(frames["gate"]["result"]) == {"accepted", "rejected"}
    assert set(frames["work"].columns) == {"user", "record"}


def test_container_numbers_carry_their_check_digit(frames: dict[str, pl.DataFrame]) -> None:
    numbers = frames["releases"]["container_number"].to_list()
    assert all(_iso6346_ok(n) for n in numbers)
    assert check_digit("CSQU3054383") == 3  # the example of the standard
    assert set(frames["gate"]["container_number"]) <= set(numbers)
    assert frames["releases"]["terminal"].str.contains(r"^[A-Z]{5}-[A-Z]{3}$").all()


def test_the_truth_names_the_insider(
    layer: tuple[Path, list[dict[str, Any]]], frames: dict[str, pl.DataFrame]
) -> None:
    truth = layer[1]
    assert len(truth) >= 2
    insiders = {t["subject"]["id"] for t in truth}
    assert len(insiders) == 1
    insider = insiders.pop()
    officer = frames["staff"].filter(pl.col("user") == insider).row(0, named=True)
    assert (officer["role"], officer["ports"]) == ("customs_officer", ["GPPTP"])
    for day in truth:
        assert day["type"] == "insider_lookup"
        assert day["subject"] == {"kind": "user", "id": insider}
        assert day["mmsi"] is None
        assert day["lat"] is None
        assert day["start"] < day["end"]
        _staged(day, frames, insider)


def _staged(day: dict[str, Any], frames: dict[str, pl.DataFrame], insider: str) -> None:
    """The truth day's boxes: the front company's, released away from the insider's port, read
    by the insider before a haulier not on the release took them."""
    boxes = day["evidence"]["containers"]
    releases = frames["releases"].filter(pl.col("container_number").is_in(boxes))
    assert set(releases["issued_to"]) == {FRONT}
    assert not releases["terminal"].str.starts_with("GPPTP").any()
    stolen = frames["gate"].filter(pl.col("gate_tx_id").is_in(day["evidence"]["gate_tx_ids"]))
    assert set(stolen["haulier"]) == {ROGUE_HAULIER}
    assert set(stolen["result"]) == {"accepted"}
    reads = frames["access"].filter(
        (pl.col("user") == insider) & pl.col("records").list.set_intersection(
            releases["release_id"].to_list()).list.len().gt(0)
    )  # fmt: skip
    assert reads["time"].max() < stolen["time"].min()  # type: ignore[operator]


def test_the_detector_finds_the_insider(
    layer: tuple[Path, list[dict[str, Any]]], frames: dict[str, pl.DataFrame]
) -> None:
    insider = layer[1][0]["subject"]["id"]
    events = detect_insider(frames["access"], frames["staff"], frames["releases"],
                            frames["gate"], frames["work"])  # fmt: skip
    strong = events.filter(pl.col("confidence") >= 0.7)
    assert {s["id"] for s in strong["subject"]} == {insider}
    rules = {json.loads(e)["rule"] for e in strong["evidence"]}
    assert "release_before_pickup" in rules
    investigator = frames["work"].filter(pl.col("record") == "Delta Agro Trading")["user"][0]
    assert investigator not in {s["id"] for s in events["subject"]}


def test_same_seed_same_files(layer: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> None:
    truth = _write(tmp_path)
    assert truth == layer[1]
    for name in NAMES:
        assert (tmp_path / FILES[name]).read_bytes() == (layer[0] / FILES[name]).read_bytes()
