"""The DMA CSV writer: DMA's layout and words, the as-of join of static reports, round trips
through the DMA reader, agreement with the NMEA writer, determinism."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.io.ais_csv import read_ais_csv
from balise.io.dma_writer import DMA_COLUMNS, SHIP_TYPE_WORDS, dma_rows, write_dma_csv
from balise.io.nmea import read_nmea
from balise.io.nmea_writer import write_nmea
from balise.model.batch import ReadBatch, ReadOptions
from balise.model.broadcast import POSITION_REPORT_SCHEMA, STATIC_REPORT_SCHEMA
from balise.model.imo import imo_is_valid

DMA_26 = Path(__file__).parents[1] / "data" / "csv" / "dma_26_columns.csv"
T0 = datetime(2024, 3, 1, tzinfo=UTC)
KEPT = ["mmsi", "timestamp", "lat", "lon", "sog_knots", "cog_deg", "heading_deg", "nav_status"]
IDENTITY = ["imo", "name", "call_sign", "length_m", "width_m", "draught_m", "destination", "eta"]


def _positions(*rows: dict[str, Any]) -> pl.DataFrame:
    base = {
        "mmsi": 219000873, "timestamp": T0, "lat": 56.99091, "lon": 10.304543, "sog_knots": 10.2,
        "cog_deg": 264.7, "heading_deg": 265, "nav_status": 0, "msg_type": 1, "channel": "A",
        "station": "dk",
    }  # fmt: skip
    return pl.DataFrame([base | row for row in rows], schema=POSITION_REPORT_SCHEMA)


def _statics(*rows: dict[str, Any]) -> pl.DataFrame:
    base = {
        "mmsi": 219000873, "timestamp": T0, "msg_type": 5, "imo": 9074729,
        "name": "NORDIC STAR", "call_sign": "OXAB2", "ship_type": 70, "to_bow_m": 80,
        "to_stern_m": 20, "to_port_m": 8, "to_starboard_m": 8, "draught_m": 5.6,
        "destination": "ESBJERG", "eta": datetime(2024, 3, 2, 6, 30, tzinfo=UTC),
        "channel": "A", "station": "dk",
    }  # fmt: skip
    return pl.DataFrame([base | row for row in rows], schema=STATIC_REPORT_SCHEMA)


NO_STATICS = _statics().clear()
CLASS_B = {
    "mmsi": 211730940, "msg_type": 18, "lat": 54.5123, "lon": 11.1021, "sog_knots": 4.1,
    "cog_deg": 93.0, "heading_deg": None, "nav_status": None, "channel": "B",
}  # fmt: skip
CLASS_B_STATIC = {
    "mmsi": 211730940, "msg_type": 24, "imo": None, "name": "Sindbad", "call_sign": "DB1234",
    "ship_type": 36, "to_bow_m": 6, "to_stern_m": 6, "to_port_m": 2, "to_starboard_m": 2,
    "draught_m": None, "destination": None, "eta": None, "channel": "B",
}  # fmt: skip


def _csv(positions: pl.DataFrame, statics: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    rows = write_dma_csv(positions, statics, out)
    data = out.getvalue()
    assert rows == data.count(b"\n") - 1
    return data


def _merged(batches: list[ReadBatch]) -> ReadBatch:
    """All batches in one (none for a CSV without data rows)."""
    empty = ReadBatch()
    return ReadBatch(
        positions=pl.concat([empty.positions, *(b.positions for b in batches)]),
        identities=pl.concat([empty.identities, *(b.identities for b in batches)]),
        quarantine=pl.concat([empty.quarantine, *(b.quarantine for b in batches)]),
        no_position=sum(b.no_position for b in batches),
    )


def _read_csv(data: bytes) -> ReadBatch:
    return _merged(list(read_ais_csv(io.BytesIO(data), "sim.csv", "dma", ReadOptions())))


def _read_nmea(data: bytes) -> ReadBatch:
    return _merged(list(read_nmea(io.BytesIO(data), "sim.nmea", ReadOptions())))


def test_rows_are_written_in_dma_layout_and_words() -> None:
    positions = _positions({}, CLASS_B | {"timestamp": T0 + timedelta(seconds=1)})
    lines = _csv(positions, _statics({}, CLASS_B_STATIC)).decode().splitlines()
    assert lines[0] == DMA_26.read_text().splitlines()[0]
    assert lines[1:] == [
        "01/03/2024 00:00:00,Class A,219000873,56.990910,10.304543,Under way using engine,,10.2,"
        "264.7,265,9074729,OXAB2,NORDIC STAR,Cargo,,16,100,GPS,5.6,ESBJERG,02/03/2024 06:30:00,"
        "AIS,80,20,8,8",
        "01/03/2024 00:00:01,Class B,211730940,54.512300,11.102100,Unknown value,,4.1,93.0,,"
        "Unknown,DB1234,SINDBAD,Sailing,,4,12,Undefined,,,,AIS,6,6,2,2",
    ]


def test_missing_values_use_dma_sentinels() -> None:
    blank = dict.fromkeys(("lat", "lon", "sog_knots", "cog_deg", "heading_deg", "nav_status"))
    (line,) = _csv(_positions(blank | {"timestamp": T0 + timedelta(hours=1)}), NO_STATICS).decode(
    ).splitlines()[1:]  # fmt: skip
    assert line == (
        "01/03/2024 01:00:00,Class A,219000873,91.000000,181.000000,Unknown value,,,,,Unknown,,,"
        "Undefined,,,,Undefined,,,,AIS,,,,"
    )


def test_ship_type_and_cargo_words() -> None:
    assert [SHIP_TYPE_WORDS[code] for code in (0, 15, 20, 32, 37, 49, 52, 59, 81, 99)] == [
        "Undefined", "Reserved", "WIG", "Towing long/wide", "Pleasure", "HSC", "Tug",
        "Not party to conflict", "Tanker", "Other",
    ]  # fmt: skip
    codes = [81, 84, 79, 70, 35, 255, None]
    statics = _statics(
        *({"timestamp": T0 + timedelta(minutes=k), "ship_type": c} for k, c in enumerate(codes))
    )
    positions = _positions(*({"timestamp": T0 + timedelta(minutes=k)} for k in range(len(codes))))
    rows = dma_rows(positions, statics).select("Ship type", "Cargo type").rows()
    assert rows == [
        ("Tanker", "Category X"), ("Tanker", "Category OS"), ("Cargo", "No additional information"),
        ("Cargo", ""), ("Military", ""), ("Undefined", ""), ("Undefined", ""),
    ]  # fmt: skip


def test_each_row_takes_the_latest_static_report_at_or_before_it() -> None:
    positions = _positions(
        *({"timestamp": T0 + timedelta(minutes=k)} for k in (0, 1, 2, 3)),
        {"mmsi": 244670316, "timestamp": T0 + timedelta(minutes=3)},
    )
    statics = _statics(
        {"timestamp": T0 + timedelta(minutes=1), "name": "FIRST"},
        {"timestamp": T0 + timedelta(minutes=2), "name": "SECOND"},
        {"timestamp": T0 + timedelta(minutes=2), "name": "THIRD"},
        {"timestamp": T0 + timedelta(minutes=9), "name": "LATER"},
    )
    rows = dma_rows(positions.reverse(), statics).select("MMSI", "Name", "IMO").rows()
    assert rows == [  # in time order; at equal times, in the order given
        ("219000873", "", "Unknown"),
        ("219000873", "FIRST", "9074729"),
        ("219000873", "THIRD", "9074729"),
        ("244670316", "", "Unknown"),
        ("219000873", "THIRD", "9074729"),
    ]


def test_round_trip_through_the_dma_reader() -> None:
    positions = _positions(
        {"timestamp": T0 + timedelta(seconds=5), "lat": -33.8688, "lon": -151.2093},
        CLASS_B | {"timestamp": T0 + timedelta(seconds=9)},
    )
    statics = _statics({}, CLASS_B_STATIC)
    batch = _read_csv(_csv(positions, statics))
    assert batch.quarantine.is_empty()
    assert batch.positions.select(KEPT).rows() == [
        (219000873, T0 + timedelta(seconds=5), -33.8688, -151.2093, 10.2, 264.7, 265, 0),
        (211730940, T0 + timedelta(seconds=9), 54.5123, 11.1021, 4.1, 93.0, None, 15),
    ]
    assert batch.positions["msg_type"].to_list() == [1, 18]
    assert batch.identities.select([*IDENTITY, "ship_type_text"]).rows() == [
        (9074729, "NORDIC STAR", "OXAB2", 100, 16, 5.6, "ESBJERG",
         datetime(2024, 3, 2, 6, 30, tzinfo=UTC), "Cargo"),
        (None, "SINDBAD", "DB1234", 12, 4, None, None, None, "Sailing"),
    ]  # fmt: skip


def test_comma_in_a_name_does_not_break_the_row() -> None:
    batch = _read_csv(_csv(_positions({}), _statics({"name": "A,B", "destination": "X ,"})))
    assert batch.quarantine.is_empty()
    assert batch.identities.select("name", "destination").row(0) == ("A?B", "X ?")


def test_output_is_deterministic() -> None:
    positions = _positions(*({"mmsi": 219000873 + k, "lat": 55 + k / 7} for k in range(40)))
    statics = _statics(*({"mmsi": 219000873 + k} for k in range(0, 40, 3)))
    assert _csv(positions, statics) == _csv(positions.clone(), statics.clone())


def test_empty_frames_give_the_header_only() -> None:
    assert _csv(_positions().clear(), NO_STATICS) == (",".join(DMA_COLUMNS) + "\n").encode()


def test_a_report_without_mmsi_is_refused() -> None:
    with pytest.raises(ValueError, match="mmsi"):
        dma_rows(_positions({"mmsi": None}), NO_STATICS)


# --- the same traffic as the NMEA writer ---------------------------------------------------------

_MMSIS = st.sampled_from([219000873, 211730940, 244670316, 982190001])
_TIMES = st.integers(0, 3600).map(lambda s: T0 + timedelta(seconds=s))
_TEXT = st.none() | st.text(st.sampled_from("ABCXYZ 019-,.@éa"), max_size=22)


@st.composite
def _traffic(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    positions = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "mmsi": _MMSIS,
                    "timestamp": _TIMES,
                    "lat": st.none() | st.floats(-90, 90),
                    "lon": st.none() | st.floats(-180, 180),
                    "sog_knots": st.none() | st.floats(-1, 120),
                    "cog_deg": st.none() | st.floats(-400, 400),
                    "heading_deg": st.none() | st.integers(0, 520),
                    "nav_status": st.none() | st.integers(0, 15),
                    "msg_type": st.sampled_from([1, 3, 18]),
                    "channel": st.just("A"),
                    "station": st.just("dk"),
                }
            ),
            max_size=25,
            unique_by=lambda row: (row["mmsi"], row["timestamp"]),
        )
    )
    statics = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "mmsi": _MMSIS,
                    "timestamp": _TIMES,
                    "msg_type": st.sampled_from([5, 24]),
                    "imo": st.none() | st.sampled_from([9074729, 9320063, 1234567, 1234568, 0]),
                    "name": _TEXT,
                    "call_sign": _TEXT,
                    "destination": _TEXT,
                    "ship_type": st.none() | st.integers(0, 99),
                    "to_bow_m": st.none() | st.integers(0, 600),
                    "to_stern_m": st.none() | st.integers(0, 600),
                    "to_port_m": st.none() | st.integers(0, 70),
                    "to_starboard_m": st.none() | st.integers(0, 70),
                    "draught_m": st.none() | st.floats(0, 30),
                    "eta": st.none() | _TIMES.map(lambda t: t + timedelta(days=3)),
                    "channel": st.just("B"),
                    "station": st.just("dk"),
                }
            ),
            max_size=8,
        )
    )
    return (
        pl.DataFrame(positions, schema=POSITION_REPORT_SCHEMA),
        pl.DataFrame(statics, schema=STATIC_REPORT_SCHEMA),
    )


def _by_key(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("mmsi", "timestamp").select(KEPT[:-1])


def _shown(text: str | None, chars: int) -> str | None:
    """Text as the CSV shows it: as sent in 6-bit characters, up to the first '@', trimmed, with
    '?' for a comma; None when empty."""
    upper = "" if text is None else text.upper()
    sent = "".join(c if " " <= c <= "_" else "?" for c in upper)[:chars]
    return sent.split("@")[0].strip(" ").replace(",", "?") or None


def _expected_identity(static: dict[str, Any]) -> dict[str, Any]:
    """What the DMA reader gives back for the static columns written from `static`."""
    voyage = static["msg_type"] == 5
    sized = voyage or not 980_000_000 <= static["mmsi"] <= 989_999_999
    sides = [
        min(static[side] or 0, limit) if sized else 0
        for side, limit in (("to_bow_m", 511), ("to_stern_m", 511), ("to_port_m", 63),
                            ("to_starboard_m", 63))
    ]  # fmt: skip
    imo, draught, eta = static["imo"], static["draught_m"], static["eta"]
    word = SHIP_TYPE_WORDS.get(static["ship_type"] or 0)
    return {
        "imo": imo if voyage and imo is not None and imo_is_valid(imo) else None,
        "name": _shown(static["name"], 20),
        "call_sign": _shown(static["call_sign"], 7),
        "length_m": (sides[0] + sides[1]) or None,
        "width_m": (sides[2] + sides[3]) or None,
        "draught_m": min(round(draught * 10), 255) / 10 or None if voyage and draught else None,
        "destination": _shown(static["destination"], 20) if voyage else None,
        "eta": eta.replace(second=0, microsecond=0) if voyage and eta else None,
        "ship_type_text": None if word == "Undefined" else word,
    }


@given(_traffic())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_dma_and_nmea_read_back_the_same_traffic(
    traffic: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    positions, statics = traffic
    out = io.BytesIO()
    write_nmea(positions, statics, out)
    from_nmea = _read_nmea(out.getvalue())
    from_csv = _read_csv(_csv(positions, statics))
    reasons = [sorted(b.quarantine["reason"]) for b in (from_csv, from_nmea)]
    assert reasons[0] == reasons[1]  # null island only
    assert _by_key(from_csv.positions).equals(_by_key(from_nmea.positions))
    class_a = pl.col("msg_type") != 18
    assert (
        from_csv.positions.filter(class_a)
        .sort("mmsi", "timestamp")["nav_status"]
        .equals(from_nmea.positions.filter(class_a).sort("mmsi", "timestamp")["nav_status"])
    )
    heard = list(statics.sort("timestamp", maintain_order=True).iter_rows(named=True))
    expected = {}
    for line, row in enumerate(
        positions.sort("timestamp", maintain_order=True).iter_rows(named=True), 2
    ):
        known = [
            s for s in heard if s["mmsi"] == row["mmsi"] and s["timestamp"] <= row["timestamp"]
        ]
        values = _expected_identity(known[-1]) if known else {}
        if any(value is not None for value in values.values()):
            expected[line] = values
    read = {
        row.pop("source_line"): row
        for row in from_csv.identities.select("source_line", *IDENTITY, "ship_type_text").iter_rows(
            named=True
        )
    }
    assert read == expected
