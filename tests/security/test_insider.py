"""Insider look-up rules on hand-built audit trails: each rule fires at its threshold and not
just below it; honest reading (work, own port, shifts, the security officer) stays quiet."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from balise.model.events import EVENT_SCHEMA
from balise.model.records import ACCESS_SCHEMA, GATE_SCHEMA, RELEASE_SCHEMA, STAFF_SCHEMA
from balise.model.schema import conform
from balise.security.insider import RULES, InsiderParams, detect_insider

TUESDAY = datetime(2024, 3, 5, tzinfo=UTC)
"""A weekday; 2024-03-09 and 10 are a weekend."""
PARAMS = InsiderParams()


def at(day: datetime, hhmm: str, minutes: float = 0.0) -> datetime:
    """`day` at `hhmm` UTC, plus `minutes`."""
    hours, mins = (int(part) for part in hhmm.split(":"))
    return day + timedelta(hours=hours, minutes=mins + minutes)


def reads(user: str, times: list[datetime], records: list[list[str]] | None = None,
          resource: str = "container", role: str = "customs_officer",
          counts: list[int] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Access rows: `user` reads `records[i]` (one dummy record each by default) at `times[i]`."""
    records = records or [[f"REC{i}"] for i in range(len(times))]
    counts = counts or [len(r) for r in records]
    return [
        {"time": t, "user": user, "agency": "customs", "role": role, "address": "10.0.0.1",
         "action": "read", "route": f"GET /api/v1/{resource}s", "resource": resource,
         "records": r, "count": c, "source": "balise"}
        for t, r, c in zip(times, records, counts, strict=True)
    ]  # fmt: skip


def access(*rows: list[dict[str, Any]]) -> pl.DataFrame:
    return conform(pl.DataFrame([r for part in rows for r in part]), ACCESS_SCHEMA)


def staff(*people: tuple[str, list[str], str]) -> pl.DataFrame:
    rows = [{"user": u, "agency": "customs", "role": "customs_officer", "ports": p,
             "timezone": tz, "source": "test"} for u, p, tz in people]  # fmt: skip
    return conform(pl.DataFrame(rows, schema_overrides={"ports": pl.List(pl.String)}),
                   STAFF_SCHEMA)  # fmt: skip


def release(release_id: str, container: str, terminal: str = "NLRTM-ECT",
            consignee: str = "ACME", haulier: str = "TRANS LEGIT", issued: datetime = TUESDAY,
            valid_days: float = 10, status: str = "released",
            status_at: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    return {"release_id": release_id, "container_number": container, "terminal": terminal,
            "bill_of_lading": "BL1", "issued_at": issued, "issued_to": consignee,
            "authorised_haulier": haulier, "valid_from": issued,
            "valid_until": issued + timedelta(days=valid_days), "customs_status": status,
            "customs_status_at": status_at or issued, "source": "test"}  # fmt: skip


def releases(*rows: dict[str, Any]) -> pl.DataFrame:
    return conform(pl.DataFrame(list(rows)), RELEASE_SCHEMA)


def pickup(tx: str, container: str, time: datetime, haulier: str = "TRANS LEGIT",
           release_id: str | None = None, result: str = "accepted",
           terminal: str = "NLRTM-ECT") -> dict[str, Any]:  # fmt: skip
    return {"gate_tx_id": tx, "container_number": container, "terminal": terminal,
            "time": time, "direction": "out", "haulier": haulier, "truck_plate": "AB-123-CD",
            "release_id": release_id, "result": result, "source": "test"}  # fmt: skip


def gate(*rows: dict[str, Any]) -> pl.DataFrame:
    return conform(pl.DataFrame(list(rows)), GATE_SCHEMA)


def work(*pairs: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame([{"user": u, "record": r} for u, r in pairs],
                        schema={"user": pl.String, "record": pl.String})  # fmt: skip


def rules_of(events: pl.DataFrame) -> list[str]:
    return [json.loads(e)["rule"] for e in events["evidence"]]


def only(events: pl.DataFrame, rule: str) -> pl.DataFrame:
    return events.filter(pl.Series([r == rule for r in rules_of(events)], dtype=pl.Boolean))


def evidence(events: pl.DataFrame, row: int = 0) -> dict[str, Any]:
    return dict(json.loads(events["evidence"][row]))


# --- unrelated look-ups ------------------------------------------------------------------------

BOXES = [f"MSCU{i:07d}" for i in range(12)]
"""Container numbers (the detector does not check their digits)."""
ROTTERDAM = releases(*(release(f"R{i}", box, consignee=f"CO{i}") for i, box in enumerate(BOXES)))
PTP_OFFICER = staff(("ana", ["GPPTP"], "America/Guadeloupe"))


def _browse(count: int, user: str = "ana") -> pl.DataFrame:
    times = [at(TUESDAY, "14:00", 7 * i) for i in range(count)]
    return access(reads(user, times, [[box] for box in BOXES[:count]]))


def test_unrelated_lookups_at_the_threshold() -> None:
    events = detect_insider(_browse(5), PTP_OFFICER, ROTTERDAM, None)
    assert rules_of(events) == ["unrelated_lookups"]
    found = evidence(events)
    assert found["containers"] == 5
    assert found["user_ports"] == ["GPPTP"]
    assert found["local_day"] == "2024-03-05"
    assert events["subject"][0] == {"kind": "user", "id": "ana"}
    assert {r["id"] for r in events["related"][0]} == set(BOXES[:5])
    assert any("GPPTP" in reason for reason in found["reasons"])


def test_unrelated_lookups_below_the_threshold() -> None:
    assert detect_insider(_browse(4), PTP_OFFICER, ROTTERDAM, None).is_empty()


def test_own_port_and_work_are_not_unrelated() -> None:
    own = staff(("ana", ["GPPTP", "NLRTM-ECT"], "America/Guadeloupe"))
    assert detect_insider(_browse(8), own, ROTTERDAM, None).is_empty()
    port = staff(("ana", ["NLRTM"], "Europe/Amsterdam"))
    assert detect_insider(_browse(8), port, ROTTERDAM, None).is_empty()
    assigned = work(*(("ana", box) for box in BOXES[:4]))
    assert detect_insider(_browse(8), PTP_OFFICER, ROTTERDAM, None, assigned).is_empty()
    assert rules_of(detect_insider(_browse(9), PTP_OFFICER, ROTTERDAM, None, assigned)) == [
        "unrelated_lookups"
    ]


def test_list_pages_are_not_lookups() -> None:
    page = access(reads("ana", [at(TUESDAY, "14:00")], [BOXES[:10]]))
    assert detect_insider(page, PTP_OFFICER, ROTTERDAM, None).is_empty()


# --- consignee concentration -------------------------------------------------------------------

ONE_CONSIGNEE = releases(*(release(f"R{i}", box, consignee="ACME") for i, box in enumerate(BOXES)))


def test_consignee_away_from_the_user_ports() -> None:
    events = detect_insider(_browse(4), PTP_OFFICER, ONE_CONSIGNEE, None)
    assert rules_of(events) == ["consignee_concentration"]
    found = evidence(events)
    assert (found["consignee"], found["containers"], found["outside_user_ports"]) == ("ACME", 4, 4)
    assert {"kind": "company", "id": "ACME"} in events["related"][0]


def test_consignee_below_the_threshold_or_under_investigation() -> None:
    assert detect_insider(_browse(3), PTP_OFFICER, ONE_CONSIGNEE, None).is_empty()
    case = work(("ana", "ACME"))
    assert detect_insider(_browse(8), PTP_OFFICER, ONE_CONSIGNEE, None, case).is_empty()


def test_consignee_share_at_the_user_own_port() -> None:
    mixed = releases(*(release(f"R{i}", box, consignee="ACME" if i < 4 else f"CO{i}")
                       for i, box in enumerate(BOXES)))  # fmt: skip
    at_home = staff(("ana", ["NLRTM"], "Europe/Amsterdam"))
    events = detect_insider(_browse(6), at_home, mixed, None)  # 4 of 6: 67 %
    assert rules_of(events) == ["consignee_concentration"]
    assert evidence(events)["share_of_day"] == pytest.approx(4 / 6, abs=1e-3)
    assert detect_insider(_browse(9), at_home, mixed, None).is_empty()  # 4 of 9: 44 %


# --- release before pickup ---------------------------------------------------------------------

PICKUP = at(TUESDAY, "16:00")
BOX = BOXES[0]


def _pin_case(read_at: datetime, record: str = "R0", **changes: Any) -> pl.DataFrame:
    terms: dict[str, Any] = {"haulier": "TRANS LEGIT", "issued": TUESDAY - timedelta(days=2)}
    out: dict[str, Any] = {"haulier": "FAST CARGO", "release_id": "R0"}
    terms |= {k: v for k, v in changes.items() if k in ("status", "status_at", "valid_days")}
    out |= {k: v for k, v in changes.items() if k in ("haulier", "release_id", "result")}
    return detect_insider(
        access(reads("ana", [read_at], [[record]], resource="release")),
        PTP_OFFICER,
        releases(release("R0", BOX, **terms)),
        gate(pickup("G1", BOX, PICKUP, **out)),
    )


def test_release_read_before_an_unauthorised_pickup() -> None:
    events = _pin_case(PICKUP - timedelta(hours=5))
    assert rules_of(events) == ["release_before_pickup"]
    found = evidence(events)
    assert found["unusual"] == ["haulier_not_authorised"]
    assert found["relation"] == "outside"
    assert found["hours_before_pickup"] == 5.0
    assert found["pickup"]["haulier"] == "FAST CARGO"
    assert events["confidence"][0] == 0.9
    assert events["start"][0] == PICKUP - timedelta(hours=5)
    assert events["end"][0] == PICKUP
    related = events["related"][0]
    assert {"kind": "container", "id": BOX} in related
    assert {"kind": "release", "id": "R0"} in related
    assert {"kind": "company", "id": "FAST CARGO"} in related


def test_release_read_too_early_or_after_the_pickup() -> None:
    assert _pin_case(PICKUP - timedelta(hours=PARAMS.pickup_window_hours + 1)).is_empty()
    assert _pin_case(PICKUP + timedelta(minutes=5)).is_empty()


def test_an_ordinary_pickup_is_not_unusual() -> None:
    assert _pin_case(PICKUP - timedelta(hours=5), haulier="trans legit ").is_empty()


def test_customs_hold_and_validity_make_a_pickup_unusual() -> None:
    held = _pin_case(PICKUP - timedelta(hours=2), haulier="TRANS LEGIT", status="hold",
                     status_at=PICKUP - timedelta(hours=10))  # fmt: skip
    assert evidence(held)["unusual"] == ["customs_hold"]
    early = _pin_case(PICKUP - timedelta(hours=2), haulier="TRANS LEGIT",
                      status_at=PICKUP + timedelta(hours=1))  # fmt: skip
    assert evidence(early)["unusual"] == ["before_customs_release"]
    expired = _pin_case(PICKUP - timedelta(hours=2), haulier="TRANS LEGIT", valid_days=1)
    assert evidence(expired)["unusual"] == ["release_not_valid"]


def test_a_rejection_alone_weighs_less() -> None:
    events = _pin_case(PICKUP - timedelta(hours=2), haulier="TRANS LEGIT", result="rejected")
    assert evidence(events)["unusual"] == ["rejected"]
    assert events["confidence"][0] == pytest.approx(0.6)


def test_container_read_joins_its_release_and_a_gate_without_reference() -> None:
    events = _pin_case(PICKUP - timedelta(hours=30), record=BOX, release_id=None)
    assert rules_of(events) == ["release_before_pickup"]
    found = evidence(events)
    assert found["release_read"] is False
    assert found["pickup"]["release_id"] is None
    assert found["hours_before_pickup"] == 30.0
    assert events["confidence"][0] == pytest.approx(0.75)  # the box, not its reference


def test_a_gate_transaction_read_names_its_container() -> None:
    attempt = pickup("G0", BOX, PICKUP - timedelta(hours=4), haulier="FAST CARGO",
                     result="rejected")  # fmt: skip
    events = detect_insider(
        access(reads("ana", [PICKUP - timedelta(hours=3)], [["G0"]], resource="gate")),
        PTP_OFFICER,
        releases(release("R0", BOX)),
        gate(attempt, pickup("G1", BOX, PICKUP, haulier="FAST CARGO")),
    )
    assert rules_of(events) == ["release_before_pickup"]
    assert evidence(events)["pickup"]["gate_tx_id"] == "G1"


def test_duplicated_imports_count_once() -> None:
    read = access(reads("ana", [PICKUP - timedelta(hours=3)], [["R0"]], resource="release"))
    terms = releases(release("R0", BOX), release("R0", BOX))
    out = gate(*[pickup("G1", BOX, PICKUP, haulier="FAST CARGO")] * 2)
    events = detect_insider(read, PTP_OFFICER, terms, out)
    assert rules_of(events) == ["release_before_pickup"]
    assert evidence(events)["lookups"] == 1


def test_pickup_read_in_work_or_at_own_port() -> None:
    read = access(reads("ana", [PICKUP - timedelta(hours=3)], [["R0"]], resource="release"))
    terms = releases(release("R0", BOX))
    out = gate(pickup("G1", BOX, PICKUP, haulier="FAST CARGO"))
    assert detect_insider(read, PTP_OFFICER, terms, out, work(("ana", BOX))).is_empty()
    home = staff(("ana", ["NLRTM"], "Europe/Amsterdam"))
    events = detect_insider(read, home, terms, out)
    assert evidence(events)["relation"] == "own_port"
    assert events["confidence"][0] == pytest.approx(0.6)
    turned_away = gate(pickup("G1", BOX, PICKUP, result="rejected"))
    assert detect_insider(read, home, terms, turned_away).is_empty()


# --- off-hours ---------------------------------------------------------------------------------


def _evening(user: str, count: int, day: datetime = TUESDAY, hhmm: str = "21:00") -> list[Any]:
    return reads(user, [at(day, hhmm, 6 * i) for i in range(count)])


TWO_ZONES = staff(("paris", ["FRLEH"], "Europe/Paris"), ("fdf", ["MQFDF"], "America/Martinique"))


def test_off_hours_in_the_user_time_zone() -> None:
    # 21:00-21:24 UTC is 22:00 in Paris (winter time) but 17:00 in Martinique
    events = detect_insider(access(_evening("paris", 5), _evening("fdf", 5)), TWO_ZONES, None, None)
    assert rules_of(events) == ["off_hours"]
    assert events["subject"][0]["id"] == "paris"
    found = evidence(events)
    assert found["timezone"] == "Europe/Paris"
    assert found["first_local_time"].startswith("2024-03-05T22:00")
    assert found["weekend"] is False


def test_off_hours_below_the_threshold_and_across_midnight() -> None:
    assert detect_insider(access(_evening("paris", 4)), TWO_ZONES, None, None).is_empty()
    # 03:30 UTC is 23:30 the day before in Martinique
    events = detect_insider(access(_evening("fdf", 5, hhmm="03:30")), TWO_ZONES, None, None)
    assert evidence(events)["local_day"] == "2024-03-04"


def test_weekend_reading_is_off_hours() -> None:
    saturday = TUESDAY + timedelta(days=4)
    events = detect_insider(access(_evening("fdf", 5, saturday, "14:00")), TWO_ZONES, None, None)
    assert evidence(events)["weekend"] is True


def test_a_night_shift_is_routine() -> None:
    nights = [row for d in range(6) for row in _evening("paris", 8, TUESDAY + timedelta(days=d))]
    assert detect_insider(access(nights), TWO_ZONES, None, None).is_empty()
    weekdays = (0, 1, 2, 3, 6)  # Tuesday to Friday, and Monday
    days = [row for d in weekdays for row in _evening("paris", 8, TUESDAY + timedelta(days=d),
                                                      "10:00")]  # fmt: skip
    events = detect_insider(access(days, _evening("paris", 8)), TWO_ZONES, None, None)
    assert rules_of(events) == ["off_hours"]


def test_unknown_time_zone_is_not_judged() -> None:
    nowhere = staff(("paris", ["FRLEH"], "Mars/Olympus_Mons"))
    assert detect_insider(access(_evening("paris", 9)), nowhere, None, None).is_empty()


# --- bursts and scraping -----------------------------------------------------------------------


def _steady(user: str) -> list[dict[str, Any]]:
    """Two look-ups an hour through three working days: a baseline of 1 per window."""
    return reads(user, [at(TUESDAY + timedelta(days=d), "12:00", 30 * i)
                        for d in range(3) for i in range(12)])  # fmt: skip


def test_burst_above_the_user_own_rate() -> None:
    burst = reads("ana", [at(TUESDAY, "18:00", 0.4 * i) for i in range(20)])
    events = detect_insider(access(_steady("ana"), burst), PTP_OFFICER, None, None)
    assert rules_of(events) == ["burst"]
    found = evidence(events)
    assert (found["lookups"], found["peak_in_window"]) == (20, 20)
    assert events["start"][0] == at(TUESDAY, "18:00")


def test_burst_below_the_threshold_or_usual_for_the_user() -> None:
    near = reads("ana", [at(TUESDAY, "18:00", 0.4 * i) for i in range(19)])
    assert detect_insider(access(_steady("ana"), near), PTP_OFFICER, None, None).is_empty()
    busy = [at(TUESDAY + timedelta(days=d), "12:00", 0.4 * i) for d in range(3) for i in range(20)]
    usual = reads("ana", busy)
    assert detect_insider(access(usual), PTP_OFFICER, None, None).is_empty()


def test_scraping_by_records_and_by_pages() -> None:
    pages = [[f"C{p}-{i}" for i in range(50)] for p in range(20)]
    times = [at(TUESDAY, "15:00", 2.5 * p) for p in range(20)]
    events = detect_insider(access(reads("ana", times, pages)), PTP_OFFICER, None, None)
    assert rules_of(events) == ["scraping"]
    assert evidence(events)["peak_records_per_hour"] == 1_000
    fewer = access(reads("ana", times[:19], pages[:19]))
    assert detect_insider(fewer, PTP_OFFICER, None, None).is_empty()
    small = [[f"C{p}-{i}" for i in range(10)] for p in range(40)]
    paging = reads("ana", [at(TUESDAY, "15:00", 1.2 * p) for p in range(40)], small)
    assert rules_of(detect_insider(access(paging), PTP_OFFICER, None, None)) == ["scraping"]


def test_the_security_officer_and_admins_doing_their_job() -> None:
    pages = [[f"A{p}-{i}" for i in range(50)] for p in range(40)]
    times = [at(TUESDAY, "23:00", p) for p in range(40)]
    audit = reads("sec", times, pages, resource="audit", role="security_officer")
    accounts = reads("adm", times, pages, resource="user", role="admin")
    people = staff(("sec", ["FRLEH"], "Europe/Paris"), ("adm", ["FRLEH"], "Europe/Paris"))
    assert detect_insider(access(audit, accounts), people, None, None).is_empty()


# --- inputs and the record --------------------------------------------------------------------


def test_empty_and_missing_inputs() -> None:
    assert detect_insider(None, None, None, None).schema == pl.Schema(EVENT_SCHEMA)
    log, people, terms, moves = (
        pl.DataFrame(schema=s) for s in (ACCESS_SCHEMA, STAFF_SCHEMA, RELEASE_SCHEMA, GATE_SCHEMA)
    )
    assert detect_insider(log, people, terms, moves, work()).is_empty()
    # no directory, no releases: look-ups cannot be judged unrelated, nothing else fires
    assert detect_insider(_browse(8), None, None, None).is_empty()


def test_the_event_record() -> None:
    events = detect_insider(_browse(5), PTP_OFFICER, ROTTERDAM, None)
    again = detect_insider(_browse(5), PTP_OFFICER, ROTTERDAM, None)
    assert events.schema == pl.Schema(EVENT_SCHEMA)
    assert events["id"].to_list() == again["id"].to_list()
    assert events["id"][0].startswith("insider_lookup-")
    assert events["type"][0] == "insider_lookup"
    assert events["mmsi"][0] is None
    assert events["lat"][0] is None
    assert json.loads(events["params"][0])["unrelated_min_containers"] == 5
    assert set(rules_of(events)) <= set(RULES)


def test_thresholds_are_settings() -> None:
    from balise.security.insider_params import insider_params
    from balise.settings import resolve, setting

    assert setting("detect.insider.pickup_window_hours").unit == "hours"
    values = resolve(environ={"BALISE_DETECT_INSIDER_UNRELATED_MIN_CONTAINERS": "4"}).values
    params = insider_params(values)
    assert params.unrelated_min_containers == 4
    assert rules_of(detect_insider(_browse(4), PTP_OFFICER, ROTTERDAM, None, None, params)) == [
        "unrelated_lookups"
    ]
