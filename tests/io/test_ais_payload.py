"""The vectorised payload decoder against pyais, the reference, on generated and real messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyais
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyais.constants import ShipType

from balise.io.ais_payload import (
    ERROR_COLUMNS,
    IDENTITY_COLUMNS,
    POSITION_COLUMNS,
    DecodedPayloads,
    decode_payloads,
)

DATA = Path(__file__).parents[1] / "data"
REAL_LOGS = (
    DATA / "pyais-nmea-sample" / "nmea_data_sample.txt",
    DATA / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log",
)
ARMOUR = "".join(chr(c) for c in [*range(48, 88), *range(96, 120)])
SIXBIT_TEXT = "".join(chr(c) for c in [*range(65, 96), *range(32, 64)])
POSITION_TYPES = (1, 2, 3, 18, 19, 27)
IDENTITY_TYPES = (5, 19, 24)
Row = dict[str, Any]


def _decode(payloads: Sequence[str | None], fills: Sequence[int] = ()) -> DecodedPayloads:
    fill_bits = np.array(fills or [0] * len(payloads), dtype=np.int64)
    return decode_payloads(pl.Series(payloads, dtype=pl.String), fill_bits)


def _payload_and_fill(sentences: list[str]) -> tuple[str, int]:
    fields = [sentence.split(",") for sentence in sentences]
    return "".join(f[5] for f in fields), int(fields[-1][6].split("*")[0])


def _as_transmitted(text: str | None) -> str | None:
    """pyais only strips trailing '@'; the standard ends the text at the first '@'."""
    return (text or "").split("@")[0].strip() or None


def _expected_position(msg: Any) -> Row:
    sog, cog = float(msg.speed), float(msg.course)
    if msg.msg_type == 27:
        sog = 102.3 if sog == 63 else sog
        cog = 360.0 if cog == 511 else cog
    return {
        "mmsi": msg.mmsi,
        "msg_type": msg.msg_type,
        "lat": msg.lat,
        "lon": msg.lon,
        "sog_knots": sog,
        "cog_deg": cog,
        "heading_deg": None if msg.msg_type == 27 else msg.heading,
        "nav_status": int(msg.status) if msg.msg_type in (1, 2, 3, 27) else None,
    }


def _expected_identity(msg: Any) -> Row:
    row: Row = dict.fromkeys(IDENTITY_COLUMNS)
    del row["row"]
    row |= {"mmsi": msg.mmsi, "msg_type": msg.msg_type}
    if msg.msg_type == 24:
        row["part"] = msg.partno
    if hasattr(msg, "shipname"):
        row["name"] = _as_transmitted(msg.shipname)
    if hasattr(msg, "callsign"):
        row["call_sign"] = _as_transmitted(msg.callsign)
    if hasattr(msg, "ship_type"):
        row["ship_type"] = int(msg.ship_type)
    if hasattr(msg, "to_bow"):
        row["length_m"] = float(msg.to_bow + msg.to_stern)
        row["width_m"] = float(msg.to_port + msg.to_starboard)
    if msg.msg_type == 5:
        row |= {
            "imo": msg.imo,
            "draught_m": msg.draught,
            "destination": _as_transmitted(msg.destination),
            "eta_month": msg.month,
            "eta_day": msg.day,
            "eta_hour": msg.hour,
            "eta_minute": msg.minute,
        }
    return row


def _pyais_ship_type(row: Row) -> Row:
    """pyais maps the ship types of types 5 and 19 onto its enum; the decoder keeps raw values."""
    if row["msg_type"] in (5, 19):
        return row | {"ship_type": int(ShipType(row["ship_type"]))}
    return row


def _by_row(frame: pl.DataFrame) -> dict[int, Row]:
    return {row.pop("row"): row for row in frame.to_dicts()}


def _assert_matches_pyais(result: DecodedPayloads, messages: dict[int, Any]) -> None:
    """Every message pyais decoded as a position or identity is in the frames with its values."""
    positions, identities = _by_row(result.positions), _by_row(result.identities)
    for row, msg in messages.items():
        assert result.msg_type[row] == msg.msg_type
        if msg.msg_type in POSITION_TYPES:
            assert positions[row] == _expected_position(msg), row
        if msg.msg_type in IDENTITY_TYPES:
            assert _pyais_ship_type(identities[row]) == _expected_identity(msg), row


def _assert_well_formed(result: DecodedPayloads, n: int) -> None:
    assert result.msg_type.dtype == np.int8
    assert result.msg_type.shape == (n,)
    assert result.positions.schema == pl.Schema(POSITION_COLUMNS)
    assert result.identities.schema == pl.Schema(IDENTITY_COLUMNS)
    assert result.errors.schema == pl.Schema(ERROR_COLUMNS)
    errors = result.errors["row"].to_list()
    assert (result.msg_type[errors] == 0).all()
    assert len(set(errors)) == len(errors)
    for frame in (result.positions, result.identities):
        rows = frame["row"].to_list()
        assert rows == sorted(set(rows))
        assert not set(rows) & set(errors)


mmsis = st.integers(0, 2**30 - 1)


def _texts(n_chars: int) -> st.SearchStrategy[str]:
    """Text up to the width of the field, often full: its last character is the easiest to miss."""
    alphabet = SIXBIT_TEXT.replace("@", "")
    full = st.text(alphabet, min_size=n_chars, max_size=n_chars)
    return st.one_of(st.text(alphabet, max_size=n_chars), full)


texts = _texts(20)
raw_lat = st.integers(-(2**26), 2**26 - 1).map(lambda v: v / 600_000)
raw_lon = st.integers(-(2**27), 2**27 - 1).map(lambda v: v / 600_000)
dimensions = {
    "to_bow": st.integers(0, 511),
    "to_stern": st.integers(0, 511),
    "to_port": st.integers(0, 63),
    "to_starboard": st.integers(0, 63),
}
position_fields = {
    "mmsi": mmsis,
    "lat": raw_lat,
    "lon": raw_lon,
    "speed": st.integers(0, 1023).map(lambda v: v / 10),
    "course": st.integers(0, 4095).map(lambda v: v / 10),
    "heading": st.integers(0, 511),
}
MESSAGES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    **{
        f"type {t}": st.fixed_dictionaries(
            {"type": st.just(t), "status": st.integers(0, 15), **position_fields}
        )
        for t in (1, 2, 3)
    },
    "type 18": st.fixed_dictionaries({"type": st.just(18), **position_fields}),
    "type 19": st.fixed_dictionaries(
        {
            "type": st.just(19),
            **position_fields,
            "shipname": texts,
            "ship_type": st.integers(0, 255),
            **dimensions,
        }
    ),
    "type 27": st.fixed_dictionaries(
        {
            "type": st.just(27),
            "mmsi": mmsis,
            "status": st.integers(0, 15),
            "lat": st.integers(-(2**16), 2**16 - 1).map(lambda v: v / 600),
            "lon": st.integers(-(2**17), 2**17 - 1).map(lambda v: v / 600),
            "speed": st.integers(0, 63),
            "course": st.integers(0, 511),
        }
    ),
    "type 24A": st.fixed_dictionaries(
        {"type": st.just(24), "partno": st.just(0), "mmsi": mmsis, "shipname": texts}
    ),
    "type 24B": st.fixed_dictionaries(
        {
            "type": st.just(24),
            "partno": st.just(1),
            "mmsi": st.one_of(mmsis, st.integers(980_000_000, 989_999_999)),
            "ship_type": st.integers(0, 255),
            "callsign": _texts(7),
            **dimensions,
            "mothership_mmsi": mmsis,
        }
    ),
    "type 5": st.fixed_dictionaries(
        {
            "type": st.just(5),
            "mmsi": mmsis,
            "imo": st.integers(0, 2**30 - 1),
            "callsign": _texts(7),
            "shipname": texts,
            "ship_type": st.integers(0, 255),
            **dimensions,
            "month": st.integers(0, 15),
            "day": st.integers(0, 31),
            "hour": st.integers(0, 31),
            "minute": st.integers(0, 63),
            "draught": st.integers(0, 255).map(lambda v: v / 10),
            "destination": texts,
        }
    ),
}


def _round_trip(batch: list[dict[str, Any]]) -> None:
    encoded = [pyais.encode_dict(fields, radio_channel="B") for fields in batch]
    payloads, fills = zip(*(_payload_and_fill(sentences) for sentences in encoded), strict=True)
    result = _decode(payloads, fills)
    messages = {row: pyais.decode(*sentences) for row, sentences in enumerate(encoded)}
    _assert_well_formed(result, len(batch))
    assert result.errors.is_empty()
    _assert_matches_pyais(result, messages)


@pytest.mark.parametrize("kind", MESSAGES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_round_trip_matches_pyais(kind: str, data: st.DataObject) -> None:
    _round_trip(data.draw(st.lists(MESSAGES[kind], min_size=1, max_size=4)))


@settings(max_examples=40, deadline=None)
@given(batch=st.lists(st.one_of(*MESSAGES.values()), min_size=1, max_size=12))
def test_mixed_batch_matches_pyais(batch: list[dict[str, Any]]) -> None:
    _round_trip(batch)


def _single_sentences(path: Path) -> list[str]:
    lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    return [line for line in lines if line.startswith("!AIVDM,1,1,")]


def _pyais_or_none(sentence: str) -> Any:
    """pyais' message, or None where it refuses the line (it raises many exception types)."""
    try:
        return pyais.decode(sentence)
    except Exception:
        return None


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: p.parent.name)
def test_real_receiver_output_matches_pyais(path: Path) -> None:
    sentences = _single_sentences(path)
    payloads, fills = zip(*(_payload_and_fill([s]) for s in sentences), strict=True)
    result = _decode(payloads, fills)
    decoded = {row: _pyais_or_none(sentence) for row, sentence in enumerate(sentences)}
    compared = {
        row: msg
        for row, msg in decoded.items()
        if msg is not None and msg.msg_type in (*POSITION_TYPES, 24)
    }
    _assert_well_formed(result, len(sentences))
    _assert_matches_pyais(result, compared)
    assert set(result.positions["row"]) == {r for r, m in compared.items() if m.msg_type != 24}
    assert set(result.identities["row"]) == {
        r for r, m in compared.items() if m.msg_type in IDENTITY_TYPES
    }
    assert result.positions.height > 700
    assert result.identities.height > 0


def _assert_decoded_as_pyais_does(payloads: list[str], fills: list[int]) -> None:
    """Whatever is decoded (armour characters only, so it fits in a sentence) equals pyais'."""
    result = _decode(payloads, fills)
    _assert_well_formed(result, len(payloads))
    decoded = set(result.positions["row"]) | set(result.identities["row"])
    messages = {
        row: pyais.decode(f"!AIVDM,1,1,,A,{payloads[row]},{fills[row]}*00") for row in decoded
    }
    _assert_matches_pyais(result, messages)


@settings(max_examples=150, deadline=None)
@given(
    batch=st.lists(
        st.tuples(st.sampled_from("123BCHKL5"), st.text(ARMOUR, max_size=90), st.integers(0, 5)),
        max_size=10,
    )
)
def test_any_armoured_payload_decodes_as_pyais_does(batch: list[tuple[str, str, int]]) -> None:
    _assert_decoded_as_pyais_does(
        [first + rest for first, rest, _ in batch], [fill for *_, fill in batch]
    )


@settings(max_examples=150, deadline=None)
@given(
    payloads=st.lists(st.none() | st.text(max_size=80) | st.text(ARMOUR, max_size=80)),
    data=st.data(),
)
def test_any_text_never_raises(payloads: list[str | None], data: st.DataObject) -> None:
    fills = data.draw(st.lists(st.integers(-3, 9), min_size=len(payloads), max_size=len(payloads)))
    result = _decode(payloads, fills)
    _assert_well_formed(result, len(payloads))


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_mutated_real_payloads_decode_as_pyais_does(data: st.DataObject) -> None:
    sentences = _single_sentences(REAL_LOGS[1])
    payloads = [s.split(",")[5] for s in data.draw(st.lists(st.sampled_from(sentences)))]
    mutated = []
    for payload in payloads:
        at = data.draw(st.integers(0, len(payload)))
        cut = data.draw(st.integers(at, len(payload)))
        mutated.append(payload[:at] + data.draw(st.text(max_size=3)) + payload[cut:])
    _assert_decoded_as_pyais_does(mutated, [0] * len(mutated))


def _encoded(fields: dict[str, Any]) -> tuple[str, int]:
    """The payload and fill bits of a message built by pyais, fragments joined."""
    return _payload_and_fill(pyais.encode_dict(fields))


def test_not_available_values_pass_through() -> None:
    fields = {"lat": 91, "lon": 181, "speed": 102.3, "course": 360, "heading": 511}
    class_a = _encoded({"type": 1, "mmsi": 227006760, **fields})
    class_b = _encoded({"type": 18, "mmsi": 227006761, **fields})
    long_range = _encoded({"type": 27, "mmsi": 227006762, "lat": 91, "lon": 181})
    long_range_na = _encoded(
        {"type": 27, "mmsi": 227006763, "lat": 1, "lon": 2, "speed": 63, "course": 511}
    )
    batch = [class_a, class_b, long_range, long_range_na]
    result = _decode([p for p, _ in batch], [f for _, f in batch])
    expected = [
        (1, 91.0, 181.0, 102.3, 360.0, 511),
        (18, 91.0, 181.0, 102.3, 360.0, 511),
        (27, 91.0, 181.0, 0.0, 0.0, None),
        (27, 1.0, 2.0, 102.3, 360.0, None),
    ]
    columns = ["msg_type", "lat", "lon", "sog_knots", "cog_deg", "heading_deg"]
    assert result.positions.select(columns).rows() == expected


def test_western_and_southern_hemispheres() -> None:
    san_francisco = ("15M67FC000G?ufbE`FepT@3n00Sa", 0)
    sydney = _encoded({"type": 1, "mmsi": 503000001, "lat": -33.8568, "lon": 151.2153})
    cape_horn = _encoded({"type": 18, "mmsi": 725000001, "lat": -55.98, "lon": -67.27})
    long_range = _encoded({"type": 27, "mmsi": 725000002, "lat": -12.5, "lon": -77.1})
    batch = [san_francisco, sydney, cape_horn, long_range]
    result = _decode([p for p, _ in batch], [f for _, f in batch])
    assert result.positions.select("mmsi", "lat", "lon", "nav_status").rows() == [
        (366053209, 37.802118, -122.341618, 3),
        (503000001, -33.8568, 151.2153, 15),
        (725000001, -55.98, -67.27, None),
        (725000002, -12.5, -77.1, 15),
    ]


def test_static_reports_carry_only_their_fields() -> None:
    voyage = _encoded(
        {"type": 5, "mmsi": 244123456, "imo": 9074729, "callsign": "PD12345", "shipname": "ZEE"}
        | {"destination": "ROTTERDAM EUROPOORT1", "to_bow": 90, "to_stern": 10, "to_port": 5}
        | {"to_starboard": 7, "draught": 7.4, "month": 12, "day": 31, "hour": 23, "minute": 5}
    )
    part_a = _encoded({"type": 24, "partno": 0, "mmsi": 244123457, "shipname": "KLEIN @@ X"})
    auxiliary = _encoded(
        {"type": 24, "partno": 1, "mmsi": 982440001, "callsign": "AUX", "mothership_mmsi": 1}
    )
    batch = [voyage, part_a, auxiliary]
    result = _decode([p for p, _ in batch], [f for _, f in batch])
    columns = ["part", "imo", "name", "call_sign", "length_m", "width_m", "draught_m"]
    assert result.identities.select(columns).rows() == [
        (None, 9074729, "ZEE", "PD12345", 100.0, 12.0, 7.4),
        (0, None, "KLEIN", None, None, None, None),
        (1, None, None, "AUX", None, None, None),
    ]
    assert result.identities.row(0, named=True)["destination"] == "ROTTERDAM EUROPOORT1"
    assert result.identities.select("eta_month", "eta_day", "eta_hour", "eta_minute").row(0) == (
        12,
        31,
        23,
        5,
    )


def test_errors_frame() -> None:
    type_1 = "15M67FC000G?ufbE`FepT@3n00Sa"
    type_4 = "403OviQuMGCqWrRO9>E6fE700@GO"
    payloads = ["", None, type_1[:5] + "X" + type_1[6:], type_1[:22], type_1, type_4]
    payloads += ["H" + "0" * 26 + "é", "H3" + "w" * 25, "H" * 3]
    result = _decode(payloads, [0, 0, 0, 0, 0, 0, 0, 0, 5])
    assert result.errors.rows() == [
        (0, "empty_payload", "no characters"),
        (1, "empty_payload", "no characters"),
        (2, "invalid_payload_char", "'X' at offset 5"),
        (3, "payload_too_short", "type 1 (class A position) needs 137 bits, has 132"),
        (6, "invalid_payload_char", "byte 0xc3 at offset 27"),
        (7, "unknown_part_number", "type 24 part 3"),
        (8, "payload_too_short", "type 24 (static data) needs 40 bits, has 13"),
    ]
    assert result.msg_type.tolist() == [0, 0, 0, 0, 1, 4, 0, 0, 0]
    assert result.positions["row"].to_list() == [4]
    assert result.identities.is_empty()


def test_empty_batch() -> None:
    result = _decode([])
    _assert_well_formed(result, 0)
    assert result.positions.is_empty()
    assert result.identities.is_empty()
    assert result.errors.is_empty()


def test_fill_bits_must_match_payloads() -> None:
    with pytest.raises(ValueError, match="fill bits"):
        decode_payloads(pl.Series(["1"]), np.zeros(2, dtype=np.int64))
