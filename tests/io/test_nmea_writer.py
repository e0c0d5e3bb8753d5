"""The NMEA writer: payloads equal to pyais' encoder, round trips through our reader and pyais'
decoder, not-available values, clamps, ordering of the merged stream, determinism, bad input."""

from __future__ import annotations

import io
import itertools
import string
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyais import decode
from pyais.constants import ShipType

from balise.io.nmea import read_nmea
from balise.io.nmea_writer import (
    position_sentences,
    static_sentences,
    write_nmea,
)
from balise.model.batch import ReadBatch, ReadOptions
from balise.model.broadcast import POSITION_REPORT_SCHEMA, STATIC_REPORT_SCHEMA
from balise.model.imo import imo_is_valid
from helpers import checksum, sentences, tagged

T0 = datetime(2024, 3, 1, 0, 0, 17, tzinfo=UTC)
UNIX_T0 = 1_709_251_217
ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _positions(*rows: dict[str, Any]) -> pl.DataFrame:
    base = {
        "mmsi": 227006760, "timestamp": T0, "lat": 43.1, "lon": 5.9, "sog_knots": 12.3,
        "cog_deg": 90.1, "heading_deg": 91, "nav_status": 0, "msg_type": 1, "channel": "A",
        "station": "test",
    }  # fmt: skip
    return pl.DataFrame([base | row for row in rows], schema=POSITION_REPORT_SCHEMA)


def _statics(*rows: dict[str, Any]) -> pl.DataFrame:
    base = {
        "mmsi": 227006760, "timestamp": T0, "msg_type": 5, "imo": 9074729, "name": "NEPTUNE",
        "call_sign": "FABC", "ship_type": 70, "to_bow_m": 100, "to_stern_m": 20, "to_port_m": 10,
        "to_starboard_m": 10, "draught_m": 8.2, "destination": "FRLEH",
        "eta": datetime(2024, 3, 4, 12, 30, tzinfo=UTC), "channel": "A", "station": "test",
    }  # fmt: skip
    return pl.DataFrame([base | row for row in rows], schema=STATIC_REPORT_SCHEMA)


NO_POSITIONS = _positions().clear()
NO_STATICS = _statics().clear()


def _written(positions: pl.DataFrame, statics: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    lines = write_nmea(positions, statics, out)
    data = out.getvalue()
    assert lines == data.count(b"\n")
    return data


def _read(data: bytes) -> ReadBatch:
    """All batches of an NMEA stream merged into one."""
    batches = list(read_nmea(io.BytesIO(data), "sim.nmea", ReadOptions()))
    merged = ReadBatch(
        positions=pl.concat([b.positions for b in batches]),
        identities=pl.concat([b.identities for b in batches]),
        quarantine=pl.concat([b.quarantine for b in batches]),
    )
    for batch in batches:
        merged.messages_by_type.update(batch.messages_by_type)
        merged.no_position += batch.no_position
    return merged


def _fields(line: str) -> list[str]:
    """The fields of a line's sentence, the last one without its checksum."""
    return line.split("\\")[-1].split("*")[0].split(",")


def _payload(line: str) -> str:
    return _fields(line)[5]


# --- the same bits as pyais' encoder -------------------------------------------------------------


CLASS_A = {"maneuver": 0, "second": 17}
"""pyais' default maneuver indicator is 3; the standard's "not available" default is 0."""
CLASS_B_CS = {"cs": 1, "dsc": 1, "band": 1, "msg22": 1, "second": 17}


@pytest.mark.parametrize(
    ("row", "fields"),
    [
        (
            {"lat": -33.8688, "lon": 151.2093},
            {"msg_type": 1, "lat": -33.8688, "lon": 151.2093, "speed": 12.3, "course": 90.1,
             "heading": 91, "status": 0} | CLASS_A,
        ),
        (
            {"msg_type": 2, "mmsi": 244670316, "lat": 51.9, "lon": 4.05, "sog_knots": 0.0,
             "cog_deg": 359.9, "heading_deg": 0, "nav_status": 5},
            {"msg_type": 2, "mmsi": 244670316, "lat": 51.9, "lon": 4.05, "speed": 0,
             "course": 359.9, "heading": 0, "status": 5} | CLASS_A,
        ),
        (
            {"msg_type": 3, "lat": None, "lon": None, "sog_knots": None, "cog_deg": None,
             "heading_deg": None, "nav_status": None},
            {"msg_type": 3, "lat": 91, "lon": 181, "speed": 102.3, "course": 360,
             "heading": 511, "status": 15} | CLASS_A,
        ),
        (
            {"msg_type": 18, "mmsi": 235077223, "lat": 54.5, "lon": -3.25, "sog_knots": 4.1,
             "cog_deg": 93.0, "heading_deg": None, "nav_status": None},
            {"msg_type": 18, "mmsi": 235077223, "lat": 54.5, "lon": -3.25, "speed": 4.1,
             "course": 93.0, "heading": 511} | CLASS_B_CS,
        ),
    ],
)  # fmt: skip
def test_position_payloads_equal_pyais(row: dict[str, Any], fields: dict[str, Any]) -> None:
    (line,) = position_sentences(_positions(row))["line"]
    (reference,) = sentences({"mmsi": 227006760} | fields)
    assert _fields(line)[5:] == [_payload(reference), "0"]


def test_static_and_voyage_payload_equals_pyais() -> None:
    first, second = static_sentences(_statics({}))["line"]
    reference = sentences(
        {
            "msg_type": 5, "mmsi": 227006760, "imo": 9074729, "shipname": "NEPTUNE",
            "callsign": "FABC", "ship_type": 70, "to_bow": 100, "to_stern": 20, "to_port": 10,
            "to_starboard": 10, "draught": 8.2, "destination": "FRLEH", "month": 3, "day": 4,
            "hour": 12, "minute": 30, "epfd": 1,
        },
        seq_id=0,
    )  # fmt: skip
    assert [_payload(first), _payload(second)] == [_payload(line) for line in reference]
    assert _fields(first)[:5] == ["!AIVDM", "2", "1", "0", "A"]
    assert _fields(second)[:5] + _fields(second)[6:] == ["!AIVDM", "2", "2", "0", "A", "2"]


def test_class_b_static_payloads_equal_pyais() -> None:
    row = {
        "msg_type": 24, "mmsi": 235077223, "imo": None, "name": "Sea Dog", "call_sign": "2dae4",
        "ship_type": 36, "to_bow_m": 6, "to_stern_m": 6, "to_port_m": 2, "to_starboard_m": 2,
        "draught_m": None, "destination": None, "eta": None, "channel": "B",
    }  # fmt: skip
    part_a, part_b = static_sentences(_statics(row))["line"]
    (reference_a,) = sentences(
        {"msg_type": 24, "mmsi": 235077223, "partno": 0, "shipname": "SEA DOG"}
    )
    # M.1371-5: part A is 160 bits (27 characters, 2 fill bits); pyais adds 8 spare bits
    assert _payload(reference_a) == _payload(part_a) + "0"
    assert _fields(part_a)[6] == "2"
    (reference_b,) = sentences(
        {
            "msg_type": 24, "mmsi": 235077223, "partno": 1, "ship_type": 36, "vendorid": "BAL",
            "model": 2, "serial": 340288, "callsign": "2DAE4", "to_bow": 6, "to_stern": 6,
            "to_port": 2, "to_starboard": 2,
        }
    )  # fmt: skip
    assert _payload(part_b) == _payload(reference_b)
    assert decode(part_b).asdict()["vendorid"] == "BAL"


def test_tag_blocks_and_checksums() -> None:
    (line,) = position_sentences(_positions({}))["line"]
    tag, sentence = line[1:].split("\\")
    assert "\\" + tag + "\\" + sentence == tagged(sentence, UNIX_T0)
    assert sentence == "!" + checksum(sentence[1:-3])
    (untagged,) = position_sentences(_positions({"station": None}))["line"]
    assert untagged.startswith("\\" + checksum(f"c:{UNIX_T0}") + "\\!AIVDM,1,1,,A,")


# --- round trips ---------------------------------------------------------------------------------


def test_positions_round_trip_through_reader_and_pyais() -> None:
    frame = _positions(
        {"lat": -33.8688, "lon": 151.2093},
        {"mmsi": 235077223, "msg_type": 18, "timestamp": T0 + timedelta(seconds=50), "lat": 54.5,
         "lon": -3.25, "sog_knots": None, "cog_deg": None, "heading_deg": None, "channel": "B"},
    )  # fmt: skip
    data = _written(frame, NO_STATICS)
    read = _read(data).positions.select(*frame.columns[:8]).rows(named=True)
    assert read == [
        {"mmsi": 227006760, "timestamp": T0, "lat": -33.8688, "lon": 151.2093, "sog_knots": 12.3,
         "cog_deg": 90.1, "heading_deg": 91, "nav_status": 0},
        {"mmsi": 235077223, "timestamp": T0 + timedelta(seconds=50), "lat": 54.5, "lon": -3.25,
         "sog_knots": None, "cog_deg": None, "heading_deg": None, "nav_status": None},
    ]  # fmt: skip
    first, second = (decode(line).asdict() for line in data.decode().splitlines())
    assert (first["second"], first["turn"], first["status"]) == (17, -128, 0)
    assert (second["speed"], second["course"], second["heading"], second["second"]) == (
        102.3, 360, 511, 7
    )  # fmt: skip


def test_statics_round_trip_through_reader_and_pyais() -> None:
    class_b = {
        "msg_type": 24, "mmsi": 235077223, "imo": None, "name": "SEA DOG", "call_sign": "2DAE4",
        "ship_type": 36, "to_bow_m": 6, "to_stern_m": 7, "to_port_m": 2, "to_starboard_m": 3,
        "draught_m": None, "destination": None, "eta": None,
    }  # fmt: skip
    data = _written(NO_POSITIONS, _statics({}, class_b))
    identities = (
        _read(data).identities.group_by("mmsi").agg(pl.all().drop_nulls().first()).sort("mmsi")
    )
    columns = ["mmsi", "imo", "name", "call_sign", "ship_type", "length_m", "width_m"]
    assert identities.select(*columns, "draught_m", "destination", "eta").rows() == [
        (227006760, 9074729, "NEPTUNE", "FABC", 70, 120, 20, 8.2, "FRLEH",
         datetime(2024, 3, 4, 12, 30, tzinfo=UTC)),
        (235077223, None, "SEA DOG", "2DAE4", 36, 13, 5, None, None, None),
    ]  # fmt: skip
    lines = data.decode().splitlines()
    voyage = decode(lines[0], lines[1]).asdict()
    assert (voyage["epfd"], voyage["dte"], voyage["ais_version"]) == (1, 0, 0)
    assert (voyage["month"], voyage["day"], voyage["hour"], voyage["minute"]) == (3, 4, 12, 30)
    assert decode(lines[2]).asdict()["shipname"] == "SEA DOG"
    assert decode(lines[3]).asdict()["to_stern"] == 7


def test_not_available_values_are_sent_as_such() -> None:
    blank = dict.fromkeys(STATIC_REPORT_SCHEMA) | {"mmsi": 227006760, "timestamp": T0}
    lines = static_sentences(_statics(blank | {"msg_type": 5, "channel": "B"}))["line"]
    voyage = decode(*lines).asdict()
    assert voyage == voyage | {
        "imo": 0, "callsign": "", "shipname": "", "ship_type": 0, "to_bow": 0, "to_stern": 0,
        "to_port": 0, "to_starboard": 0, "month": 0, "day": 0, "hour": 24, "minute": 60,
        "draught": 0.0, "destination": "",
    }  # fmt: skip
    assert _payload(lines[0])[7:45] == "0" * 38  # IMO to dimensions: 0 and '@' only


def test_values_beyond_a_field_are_clamped_or_not_available() -> None:
    (line,) = position_sentences(
        _positions({"lat": 95.0, "lon": -190.0, "sog_knots": 250.0, "cog_deg": -90.0,
                    "heading_deg": 400, "nav_status": 20})
    )["line"]  # fmt: skip
    sent = decode(line).asdict()
    assert (sent["lat"], sent["lon"], sent["speed"], sent["course"]) == (91, 181, 102.2, 270)
    assert (sent["heading"], sent["status"]) == (511, 15)
    big = {"to_bow_m": 600, "to_stern_m": 30, "to_port_m": 70, "to_starboard_m": 8,
           "draught_m": 31.0, "imo": -5, "ship_type": 300}  # fmt: skip
    voyage = decode(*static_sentences(_statics(big))["line"]).asdict()
    assert (voyage["to_bow"], voyage["to_port"], voyage["draught"]) == (511, 63, 25.5)
    assert (voyage["imo"], voyage["ship_type"]) == (0, 0)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_numbers_that_are_not_finite_are_not_available(number: float) -> None:
    row = dict.fromkeys(("lat", "lon", "sog_knots", "cog_deg"), number)
    sent = decode(*position_sentences(_positions(row))["line"]).asdict()
    assert (sent["lat"], sent["lon"], sent["speed"], sent["course"]) == (91, 181, 102.3, 360)
    voyage = decode(*static_sentences(_statics({"draught_m": number}))["line"]).asdict()
    assert voyage["draught"] == 0


def test_text_is_upper_cased_cut_and_kept_to_the_six_bit_alphabet() -> None:
    row = {
        "name": "Stella Polaris ÆØÅ of Göteborg",
        "call_sign": "oz1234567",
        "destination": "dk{cph}",
    }
    voyage = decode(*static_sentences(_statics(row))["line"]).asdict()
    assert voyage["shipname"] == "STELLA POLARIS ??? O"
    assert (voyage["callsign"], voyage["destination"]) == ("OZ12345", "DK?CPH?")


def test_auxiliary_craft_sends_no_dimensions() -> None:
    row = {"msg_type": 24, "mmsi": 982_190_001, "imo": None, "draught_m": None, "eta": None}
    data = _written(NO_POSITIONS, _statics(row))
    assert decode(data.decode().splitlines()[1]).asdict()["mothership_mmsi"] == 0
    part_b = _read(data).identities.filter(pl.col("call_sign").is_not_null())
    assert part_b.select("length_m", "width_m").row(0) == (None, None)


# --- the merged stream ---------------------------------------------------------------------------


def test_stream_is_in_time_order_and_keeps_messages_whole() -> None:
    positions = _positions(
        *({"mmsi": 227006760 + k, "timestamp": T0 + timedelta(seconds=k % 5)} for k in range(15))
    )
    statics = _statics(
        *(
            {"mmsi": 244670316 + k, "timestamp": T0 + timedelta(seconds=4 - k % 5),
             "msg_type": 5 if k % 3 else 24}
            for k in range(15)
        )
    )  # fmt: skip
    lines = _written(positions.reverse(), statics).decode().splitlines()
    times = [int(line.split("c:")[1].split("*")[0]) for line in lines]
    assert times == sorted(times)
    for second in range(UNIX_T0, UNIX_T0 + 5):
        at_once = [_payload(line)[0] for line, t in zip(lines, times, strict=True) if t == second]
        assert at_once == sorted(at_once, key=lambda kind: kind != "1")  # positions first
    fields = [_fields(line) for line in lines]
    voyage_ids = [f[3] for f in fields if f[1:3] == ["2", "1"]]
    assert voyage_ids == [str(k % 10) for k in range(len(voyage_ids))]
    assert len(voyage_ids) == 10
    for opening, closing in itertools.pairwise(fields):
        if opening[1:3] == ["2", "1"]:
            assert closing[1:5] == ["2", "2", opening[3], opening[4]]
    batch = _read("\n".join(lines).encode())
    assert batch.quarantine.is_empty()
    assert batch.messages_by_type == {1: 15, 5: 10, 24: 10}


def test_output_is_deterministic() -> None:
    positions = _positions(*({"mmsi": 227006760 + k, "lat": 43 + k / 7} for k in range(50)))
    statics = _statics(*({"mmsi": 227006760 + k} for k in range(12)))
    assert _written(positions, statics) == _written(positions.clone(), statics.clone())


def test_empty_frames_write_nothing() -> None:
    assert _written(NO_POSITIONS, NO_STATICS) == b""
    assert position_sentences(NO_POSITIONS).schema == {
        "timestamp": pl.Datetime("us", "UTC"),
        "line": pl.String(),
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"mmsi": None}, "mmsi"),
        ({"timestamp": None}, "timestamp"),
        ({"timestamp": datetime(1969, 12, 31, tzinfo=UTC)}, "timestamp"),
        ({"msg_type": 5}, "msg_type"),
        ({"channel": "C"}, "channel"),
        ({"station": "a,b"}, "station"),
    ],
)
def test_rows_no_sentence_can_carry_are_refused(row: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        position_sentences(_positions({}, row))


# --- random valid values -------------------------------------------------------------------------


_TIMES = st.integers(946_684_800, 1_767_225_599).map(lambda s: datetime.fromtimestamp(s, UTC))
"""Receive times from 2000 to the end of 2025: a reader refuses times past its own clock."""
_MMSI = st.integers(100_000_000, 999_999_998)
_TEXT = st.none() | st.text(st.sampled_from(string.printable[:95] + "@éøÅ"), max_size=25)
_STATIONS = st.none() | st.text(
    st.sampled_from(string.ascii_letters + string.digits + "-_."), max_size=12
)


def _tenths(value: float | None, limit: int) -> float | None:
    """A speed or draught as sent: nearest tenth, clamped; None when not available."""
    return None if value is None or value < 0 else min(round(value * 10), limit) / 10


def _sent_text(text: str | None, chars: int) -> str:
    """Text as the 6-bit alphabet carries it, '@'-padding not included."""
    upper = "" if text is None else text.upper()
    return "".join(c if " " <= c <= "_" else "?" for c in upper)[:chars]


def _read_text(text: str | None, chars: int) -> str | None:
    """Text as our reader gives it back: up to the first '@', without edge spaces."""
    return _sent_text(text, chars).split("@")[0].strip(" ") or None


@st.composite
def _position_frames(draw: st.DrawFn) -> pl.DataFrame:
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "mmsi": _MMSI,
                    "timestamp": _TIMES,
                    "lat": st.none() | st.floats(-90, 90),
                    "lon": st.none() | st.floats(-180, 180),
                    "sog_knots": st.none() | st.floats(-5, 150),
                    "cog_deg": st.none() | st.floats(-720, 720),
                    "heading_deg": st.none() | st.integers(-5, 600),
                    "nav_status": st.none() | st.integers(-1, 20),
                    "msg_type": st.sampled_from([1, 2, 3, 18]),
                    "channel": st.sampled_from(["A", "B"]),
                    "station": _STATIONS,
                }
            ),
            min_size=1,
            max_size=20,
            unique_by=lambda row: row["mmsi"],
        )
    )
    return pl.DataFrame(rows, schema=POSITION_REPORT_SCHEMA)


def _expected_position(row: dict[str, Any]) -> dict[str, Any] | None:
    """What our reader gives back for a written row (None: no position, or null island)."""
    lat, lon, cog, heading = row["lat"], row["lon"], row["cog_deg"], row["heading_deg"]
    if lat is None or lon is None:
        return None
    lat_sent, lon_sent = round(lat * 600_000) / 600_000, round(lon * 600_000) / 600_000
    if lat_sent == 0 and lon_sent == 0:
        return None
    class_a = row["msg_type"] != 18
    status = row["nav_status"] if row["nav_status"] in range(16) else 15
    return {
        "mmsi": row["mmsi"],
        "timestamp": row["timestamp"],
        "lat": lat_sent,
        "lon": lon_sent,
        "sog_knots": _tenths(row["sog_knots"], 1022),
        "cog_deg": None if cog is None else round((cog % 360) * 10) % 3600 / 10,
        "heading_deg": heading if heading in range(360) else None,
        "nav_status": status if class_a else None,
    }


@given(_position_frames())
@ROUND_TRIP
def test_random_positions_round_trip(frame: pl.DataFrame) -> None:
    data = _written(frame, NO_STATICS)
    read = {row["mmsi"]: row for row in _read(data).positions.iter_rows(named=True)}
    expected = {row["mmsi"]: _expected_position(row) for row in frame.iter_rows(named=True)}
    assert set(read) == {mmsi for mmsi, row in expected.items() if row is not None}
    for mmsi, row in read.items():
        wanted = expected[mmsi]
        assert wanted is not None
        assert row["lat"] == pytest.approx(wanted.pop("lat"), abs=1e-6)
        assert row["lon"] == pytest.approx(wanted.pop("lon"), abs=1e-6)
        assert row == row | wanted
    in_time_order = frame.sort("timestamp", maintain_order=True).iter_rows(named=True)
    for line, row in zip(data.decode().splitlines(), in_time_order, strict=True):
        _assert_pyais_position(decode(line).asdict(), row)


def _assert_pyais_position(sent: dict[str, Any], row: dict[str, Any]) -> None:
    """pyais' decoding of a written position equals the row, not-available values included."""
    wanted = _expected_position(row | {"lat": 1.0, "lon": 1.0})
    assert wanted is not None
    assert (sent["msg_type"], sent["mmsi"], sent["second"]) == (
        row["msg_type"], row["mmsi"], row["timestamp"].second
    )  # fmt: skip
    assert sent["speed"] == (102.3 if wanted["sog_knots"] is None else wanted["sog_knots"])
    assert sent["course"] == pytest.approx(360 if wanted["cog_deg"] is None else wanted["cog_deg"])
    assert sent["heading"] == (511 if wanted["heading_deg"] is None else wanted["heading_deg"])
    for axis, limit in (("lat", 90), ("lon", 180)):
        value = row[axis]
        if value is None:
            assert sent[axis] == limit + 1
        else:
            assert sent[axis] == pytest.approx(round(value * 600_000) / 600_000, abs=1e-6)
    if row["msg_type"] == 18:
        flags = ("cs", "display", "dsc", "band", "msg22", "assigned", "raim")
        assert tuple(sent[flag] for flag in flags) == (True, False, True, True, True, False, False)
    else:
        assert (sent["status"], sent["turn"], sent["maneuver"]) == (wanted["nav_status"], -128, 0)


@st.composite
def _static_frames(draw: st.DrawFn) -> pl.DataFrame:
    rows: list[dict[str, Any]] = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "mmsi": _MMSI,
                    "timestamp": _TIMES,
                    "msg_type": st.sampled_from([5, 24]),
                    "imo": st.none() | st.integers(0, 2**30 - 1) | st.just(9074729),
                    "name": _TEXT,
                    "call_sign": _TEXT,
                    "ship_type": st.none() | st.integers(0, 255),
                    "to_bow_m": st.none() | st.integers(0, 600),
                    "to_stern_m": st.none() | st.integers(0, 600),
                    "to_port_m": st.none() | st.integers(0, 80),
                    "to_starboard_m": st.none() | st.integers(0, 80),
                    "draught_m": st.none() | st.floats(0, 40),
                    "destination": _TEXT,
                    "eta_after": st.none() | st.integers(0, 150 * 24 * 60),
                    "channel": st.sampled_from(["A", "B"]),
                    "station": _STATIONS,
                }
            ),
            min_size=1,
            max_size=12,
            unique_by=lambda row: row["mmsi"],
        )
    )
    for row in rows:
        after = row.pop("eta_after")
        eta = None if after is None else row["timestamp"] + timedelta(minutes=after)
        assume(eta is None or (eta.month, eta.day) != (2, 29))
        row["eta"] = eta
    return pl.DataFrame(rows, schema=STATIC_REPORT_SCHEMA)


def _expected_identity(row: dict[str, Any]) -> dict[str, Any]:
    """What our reader gives back for a written static row, merged over its messages."""
    voyage = row["msg_type"] == 5
    auxiliary = not voyage and 980_000_000 <= row["mmsi"] <= 989_999_999
    sides = [min(row[side] or 0, limit) for side, limit in zip(
        ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m"), (511, 511, 63, 63), strict=True
    )]  # fmt: skip
    length, width = sides[0] + sides[1], sides[2] + sides[3]
    imo = row["imo"]
    eta = row["eta"]
    return {
        "imo": imo if voyage and imo is not None and imo_is_valid(imo) else None,
        "name": _read_text(row["name"], 20),
        "call_sign": _read_text(row["call_sign"], 7),
        "ship_type": row["ship_type"] or None,
        "length_m": None if auxiliary or not length else length,
        "width_m": None if auxiliary or not width else width,
        "draught_m": (_tenths(row["draught_m"], 255) or None) if voyage else None,
        "destination": _read_text(row["destination"], 20) if voyage else None,
        "eta": eta.replace(second=0, microsecond=0) if voyage and eta is not None else None,
    }


@given(_static_frames())
@ROUND_TRIP
def test_random_statics_round_trip(frame: pl.DataFrame) -> None:
    data = _written(NO_POSITIONS, frame)
    identities = _read(data).identities.group_by("mmsi").agg(pl.all().drop_nulls().first())
    read = {row.pop("mmsi"): row for row in identities.iter_rows(named=True)}
    assert set(read) == set(frame["mmsi"])
    lines = data.decode().splitlines()
    rows = frame.sort("timestamp", maintain_order=True).iter_rows(named=True)
    for k, row in enumerate(rows):
        expected = _expected_identity(row)
        assert read[row["mmsi"]] == read[row["mmsi"]] | expected
        _assert_pyais_static(row, lines[2 * k], lines[2 * k + 1])


def _assert_pyais_static(row: dict[str, Any], first: str, second: str) -> None:
    """pyais' decoding of a written static report equals the row as sent."""
    if row["msg_type"] == 5:
        messages = [decode(first, second).asdict()]
    else:
        messages = [decode(first).asdict(), decode(second).asdict()]
    sent = {key: value for message in messages for key, value in message.items()}
    assert sent["mmsi"] == row["mmsi"]
    assert sent["shipname"] == _sent_text(row["name"], 20).rstrip("@").strip()
    assert sent["callsign"] == _sent_text(row["call_sign"], 7).rstrip("@").strip()
    code = row["ship_type"] or 0
    if row["msg_type"] == 24 or ShipType.from_value(code) == code:  # pyais folds codes it lacks
        assert sent["ship_type"] == code
    if row["msg_type"] == 5:
        eta = row["eta"]
        parts = (0, 0, 24, 60) if eta is None else (eta.month, eta.day, eta.hour, eta.minute)
        assert (sent["month"], sent["day"], sent["hour"], sent["minute"]) == parts
        assert sent["draught"] == (_tenths(row["draught_m"], 255) or 0)
        assert sent["imo"] == (row["imo"] or 0)
        assert sent["destination"] == _sent_text(row["destination"], 20).rstrip("@").strip()
