"""The DMA / NOAA CSV reader: real DMA rows, both layouts, bad rows, batches, chunks, fuzzing."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.errors import InputRejected
from balise.io import ais_csv
from balise.io.ais_csv import Layout, read_ais_csv, sniff_csv
from balise.model.batch import ReadBatch, ReadOptions

DATA = Path(__file__).parents[1] / "data"
DMA_REAL = DATA / "dma-aisdk-header" / "aisdk_header.csv"
CSV = DATA / "csv"
DMA_26 = CSV / "dma_26_columns.csv"
DMA_BAD = CSV / "dma_bad_rows.csv"
NOAA = CSV / "noaa_marinecadastre.csv"
NOAA_16 = CSV / "noaa_without_transceiver_class.csv"
NMEA = b"!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0*5C\n"
STORED_TYPES = (1, 18)


def _read(data: bytes, layout: Layout = "dma", batch_records: int = 200_000) -> ReadBatch:
    """All batches of `data` merged into one."""
    options = ReadOptions(batch_records=batch_records)
    batches = list(read_ais_csv(io.BytesIO(data), "test.csv", layout, options))
    merged = ReadBatch(
        positions=pl.concat([ReadBatch().positions, *(b.positions for b in batches)]),
        identities=pl.concat([ReadBatch().identities, *(b.identities for b in batches)]),
        quarantine=pl.concat([ReadBatch().quarantine, *(b.quarantine for b in batches)]),
        records_read=sum(b.records_read for b in batches),
    )
    for batch in batches:
        merged.messages_by_type.update(batch.messages_by_type)
        merged.cleared.update(batch.cleared)
        merged.skipped.update(batch.skipped)
        merged.duplicates += batch.duplicates
        merged.no_position += batch.no_position
    return merged


def _accounted(batch: ReadBatch) -> int:
    """Data lines stored, dropped by cleaning, quarantined, or of a type that is not stored."""
    not_stored = sum(n for kind, n in batch.messages_by_type.items() if kind not in STORED_TYPES)
    quarantined = batch.quarantine["source_line"].n_unique()
    return batch.positions.height + batch.no_position + batch.duplicates + quarantined + not_stored


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


# --- the real DMA sample -------------------------------------------------------------------------


def test_real_dma_rows_counted_by_type_of_mobile() -> None:
    batch = _read(DMA_REAL.read_bytes())
    assert batch.records_read == 138
    assert batch.messages_by_type == {1: 116, 18: 10, 4: 8, 21: 4}
    assert batch.no_position == 10
    assert batch.quarantine.is_empty()
    assert batch.positions.height == 116
    assert _accounted(batch) == 138


def test_real_dma_first_row_values_exactly() -> None:
    first = _read(DMA_REAL.read_bytes()).positions.row(0, named=True)
    assert first == {
        "mmsi": 215810000,
        "timestamp": datetime(2018, 6, 1, tzinfo=UTC),
        "lat": 55.921028,
        "lon": 17.320418,
        "sog_knots": 12.5,
        "cog_deg": 255.5,
        "heading_deg": 256,
        "nav_status": 4,
        "msg_type": 1,
        "source": "test.csv",
        "source_format": "dma",
        "source_line": 2,
    }


def test_real_dma_static_rows_give_identities_with_text_ship_type() -> None:
    identities = _read(DMA_REAL.read_bytes()).identities
    astina = identities.filter(pl.col("mmsi") == 266220000).row(0, named=True)
    assert astina["source_line"] == 33
    assert (astina["imo"], astina["name"], astina["call_sign"]) == (9320063, "ASTINA", "SHZA")
    assert (astina["ship_type"], astina["ship_type_text"]) == (None, "Tanker")
    assert (astina["width_m"], astina["length_m"], astina["draught_m"]) == (20, 130, 5.9)
    assert astina["destination"] == "FREDERICIA"
    assert astina["eta"] == datetime(2019, 5, 31, 4, tzinfo=UTC)
    # "Unknown" IMO, "Undefined" ship type and blank fields carry no identity
    assert 215810000 not in identities["mmsi"].to_list()
    assert identities.height == 10


def test_real_dma_nav_status_text_becomes_itu_codes() -> None:
    positions = _read(DMA_REAL.read_bytes()).positions
    by_line = dict(zip(positions["source_line"], positions["nav_status"], strict=True))
    assert (by_line[2], by_line[3], by_line[5], by_line[14]) == (4, 0, 15, 3)
    assert positions["nav_status"].null_count() == 0


# --- hand-written fixtures ---------------------------------------------------------------------


def test_dma_26_columns_selects_by_header_name() -> None:
    batch = _read(DMA_26.read_bytes())
    assert batch.messages_by_type == {1: 3, 18: 1, 4: 1, 21: 1, 9: 1}
    assert batch.positions["source_line"].to_list() == [2, 3, 6]
    nordic = batch.identities.row(0, named=True)
    # Length/Width columns, not the A-D distances that follow Data source type
    assert (nordic["length_m"], nordic["width_m"], nordic["imo"]) == (100, 16, 9074729)
    assert nordic["eta"] == datetime(2024, 3, 2, 6, 30, tzinfo=UTC)
    assert batch.positions.filter(pl.col("source_line") == 6)["nav_status"].item() == 3
    assert batch.no_position == 1
    assert _accounted(batch) == batch.records_read == 7


def test_noaa_marinecadastre_rows() -> None:
    batch = _read(NOAA.read_bytes(), "noaa")
    assert batch.records_read == 4
    assert batch.messages_by_type == {1: 3, 18: 1}
    first = batch.positions.row(1, named=True)
    assert first["timestamp"] == datetime(2022, 1, 1, 0, 0, 3, tzinfo=UTC)
    assert (first["mmsi"], first["lat"], first["lon"]) == (538006837, 27.80131, -97.39482)
    assert (first["sog_knots"], first["heading_deg"], first["nav_status"]) == (10.4, 149, 0)
    assert batch.positions["heading_deg"].null_count() == 3  # 511 = not available
    assert batch.positions["source_format"].unique().to_list() == ["noaa"]
    ships = batch.identities.select("mmsi", "imo", "ship_type", "draught_m", "msg_type").rows()
    assert ships == [
        (367596940, None, 31, None, 1),
        (538006837, 9074729, 80, 11.6, 1),
        (338075892, None, 37, None, 18),
    ]


def test_noaa_without_transceiver_class_is_class_a() -> None:
    batch = _read(NOAA_16.read_bytes(), "noaa")
    assert batch.messages_by_type == {1: 2}
    assert batch.positions["nav_status"].to_list() == [None, 8]
    assert batch.cleared["bad_nav_status"] == 1  # a text status where NOAA writes a code


def test_bad_rows_are_quarantined_and_the_good_ones_kept() -> None:
    data = DMA_BAD.read_bytes()
    batch = _read(data)
    assert batch.records_read == 15  # 16 lines after the header, one blank
    assert batch.skipped == {"blank_line": 1}
    assert batch.positions["source_line"].to_list() == [2, 4, 9, 14, 17]
    reasons = batch.quarantine.select("source_line", "reason").rows()
    assert reasons == [
        (3, "wrong_field_count"),
        (5, "bad_time"),
        (6, "bad_number"),
        (7, "bad_number"),
        (10, "wrong_field_count"),
        (11, "invalid_mmsi"),
        (12, "impossible_position"),
        (13, "null_island"),
        (16, "invalid_mmsi"),
    ]
    lines = data.decode("utf-8", errors="replace").split("\n")
    for number, raw in batch.quarantine.select("source_line", "raw").iter_rows():
        assert raw == lines[number - 1]
    details = dict(batch.quarantine.select("source_line", "detail").iter_rows())
    assert details[3] == "22 fields expected, 8 found"
    assert details[6] == "MMSI '2190O4472'"
    assert details[7] == "latitude '57.6151x'"
    assert batch.quarantine["source"].unique().to_list() == ["test.csv"]
    assert _accounted(batch) == batch.records_read


def test_bad_optional_values_become_null_and_are_counted() -> None:
    batch = _read(DMA_BAD.read_bytes())
    by_line = {row["source_line"]: row for row in batch.positions.iter_rows(named=True)}
    assert by_line[9]["sog_knots"] is None
    assert by_line[14]["nav_status"] is None
    assert batch.cleared["bad_sog"] == 1
    assert batch.cleared["bad_nav_status"] == 1
    # DMA's lone spaces and "Unknown" are missing values, not bad ones
    assert batch.cleared["bad_draught"] == batch.cleared["bad_imo"] == 0


def test_undecodable_bytes_are_replaced_not_fatal() -> None:
    identities = _read(DMA_BAD.read_bytes()).identities
    assert identities.filter(pl.col("source_line") == 17)["name"].item() == "M\ufffdLLE"


def test_crlf_line_ends_read_like_lf() -> None:
    data = DMA_BAD.read_bytes()
    crlf = _read(data.replace(b"\n", b"\r\n"))
    lf = _read(data)
    assert crlf.positions.equals(lf.positions)
    assert crlf.quarantine.equals(lf.quarantine)


def test_exact_duplicates_are_counted_not_stored() -> None:
    lines = _lines(DMA_26)
    batch = _read(b"\n".join([*lines, lines[1], lines[1], lines[2]]))
    assert batch.positions.height == 3
    assert batch.duplicates == 3
    assert _accounted(batch) == batch.records_read == 10


# --- batches, chunks, headers ------------------------------------------------------------------


@pytest.mark.parametrize("path", [DMA_REAL, DMA_BAD])
def test_small_batches_give_the_same_rows_and_line_numbers(path: Path) -> None:
    data = path.read_bytes()
    whole, small = _read(data), _read(data, batch_records=3)
    assert small.positions.equals(whole.positions)
    assert small.identities.equals(whole.identities)
    assert small.quarantine.equals(whole.quarantine)
    assert small.records_read == whole.records_read
    assert small.messages_by_type == whole.messages_by_type
    assert small.no_position == whole.no_position


def test_batches_hold_batch_records_rows_each() -> None:
    options = ReadOptions(batch_records=40)
    with DMA_REAL.open("rb") as stream:
        sizes = [b.records_read for b in read_ais_csv(stream, "x", "dma", options)]
    assert sizes == [40, 40, 40, 18]


def test_lines_across_read_chunks_keep_their_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    data = DMA_BAD.read_bytes()
    whole = _read(data)
    monkeypatch.setattr(ais_csv, "CHUNK_BYTES", 37)
    chunked = _read(data, batch_records=4)
    assert chunked.positions.equals(whole.positions)
    assert chunked.quarantine.equals(whole.quarantine)
    assert chunked.skipped == whole.skipped


def test_endless_line_is_quarantined_and_the_next_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ais_csv, "CHUNK_BYTES", 64)
    monkeypatch.setattr(ais_csv, "MAX_LINE_BYTES", 300)
    header, good = _lines(DMA_26)[:2]
    batch = _read(b"\n".join([header, b"x" * 5000, good]))
    (number, reason, detail, raw), *_ = batch.quarantine.drop("source").rows()
    assert (number, reason, detail) == (2, "wrong_field_count", "26 fields expected, line too long")
    assert raw.startswith("x" * 300)
    assert len(raw) < 400  # only the start of an endless line is kept
    assert batch.positions["source_line"].to_list() == [3]


@pytest.mark.parametrize("data", [b"", b"\n", b"  \r\n"])
def test_empty_file_gives_no_batch(data: bytes) -> None:
    assert list(read_ais_csv(io.BytesIO(data), "x", "dma", ReadOptions())) == []


@pytest.mark.parametrize("path", [DMA_REAL, NOAA])
def test_header_only_gives_no_rows(path: Path) -> None:
    layout = sniff_csv(path.read_bytes())
    assert layout is not None
    batch = _read(_lines(path)[0], layout)
    assert batch.records_read == 0
    assert batch.positions.is_empty()


@pytest.mark.parametrize(
    ("data", "layout"),
    [(NMEA, "dma"), (b"time,lat,lon\n1,2,3\n", "dma"), (NOAA.read_bytes(), "dma")],
)
def test_unrecognised_header_is_rejected(data: bytes, layout: Layout) -> None:
    with pytest.raises(InputRejected, match="not a DMA AIS CSV header"):
        _read(data, layout)


def test_noaa_file_read_as_noaa_needs_its_columns() -> None:
    with pytest.raises(InputRejected) as raised:
        _read(b"MMSI,BaseDateTime,LAT,LONGITUDE\n", "noaa")
    assert raised.value.details["missing_columns"] == ["LON"]


# --- sniffing ----------------------------------------------------------------------------------


def test_sniff_dma_and_noaa_headers() -> None:
    assert sniff_csv(DMA_REAL.read_bytes()[:300]) == "dma"
    assert sniff_csv(DMA_26.read_bytes()) == "dma"
    assert sniff_csv(b"\xef\xbb\xbf" + NOAA.read_bytes()) == "noaa"
    assert sniff_csv(NOAA_16.read_bytes()[:60]) == "noaa"


@pytest.mark.parametrize("head", [NMEA, b"", b"\n", b"MMSI,LAT,LON\n", b"Timestamp,MMSI\n"])
def test_sniff_other_text_is_none(head: bytes) -> None:
    assert sniff_csv(head) is None


@given(st.binary(max_size=300))
def test_sniff_random_bytes_is_none(head: bytes) -> None:
    lowered = head.lower()
    if b"timestamp" not in lowered and b"basedatetime" not in lowered:
        assert sniff_csv(head) is None


# --- fuzzing -----------------------------------------------------------------------------------

SAMPLES: dict[Layout, list[bytes]] = {"dma": _lines(DMA_BAD), "noaa": _lines(NOAA)}
ODD_VALUES = [b"", b" ", b"nan", b"inf", b"-1", b"1e400", b"Unknown", b"99999999999", b"\xff"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _mutated_line(draw: st.DrawFn, sample: list[bytes]) -> bytes:
    line = draw(st.sampled_from(sample[1:]))
    at = draw(st.integers(0, len(line)))
    change = draw(st.sampled_from(["insert", "delete", "truncate", "field", "keep"]))
    noise = draw(
        st.sampled_from(ODD_VALUES) | st.binary(max_size=8).filter(lambda b: b"\n" not in b)
    )
    if change == "insert":
        return line[:at] + noise + line[at:]
    if change == "delete":
        return line[:at] + line[at + len(noise) :]
    if change == "truncate":
        return line[:at]
    if change == "field":
        fields = line.split(b",")
        fields[at % len(fields)] = noise
        return b",".join(fields)
    return line


@st.composite
def _mutated_file(draw: st.DrawFn) -> tuple[Layout, list[bytes]]:
    layout: Layout = draw(st.sampled_from(["dma", "noaa"]))
    return layout, draw(st.lists(_mutated_line(SAMPLES[layout]), max_size=25))


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_but_input_rejected(data: bytes) -> None:
    for layout in ("dma", "noaa"):
        try:
            batch = _read(data, layout)
        except InputRejected:
            continue
        assert _accounted(batch) == batch.records_read


@FUZZ
@given(st.binary(max_size=2000), st.integers(1, 5))
def test_random_bytes_after_a_header_are_accounted_for(data: bytes, batch_records: int) -> None:
    batch = _read(SAMPLES["dma"][0] + b"\n" + data, batch_records=batch_records)
    assert _accounted(batch) == batch.records_read


@FUZZ
@given(_mutated_file(), st.integers(1, 7), st.sampled_from([16, 100, ais_csv.CHUNK_BYTES]))
def test_mutated_lines_are_all_accounted_for(
    mutated: tuple[Layout, list[bytes]], batch_records: int, chunk_bytes: int
) -> None:
    layout, lines = mutated
    with patch.object(ais_csv, "CHUNK_BYTES", chunk_bytes):
        batch = _read(b"\n".join([SAMPLES[layout][0], *lines]), layout, batch_records)
    assert batch.records_read == sum(1 for line in lines if line not in (b"", b"\r"))
    assert _accounted(batch) == batch.records_read
    numbers = batch.quarantine["source_line"].to_list()
    for number, raw in batch.quarantine.select("source_line", "raw").iter_rows():
        assert raw == lines[number - 2].removesuffix(b"\r").decode("utf-8", errors="replace")
    assert numbers == sorted(numbers)


def test_time_of_an_impossible_year_is_quarantined() -> None:
    header, good = DMA_BAD.read_bytes().split(b"\n")[:2]
    far = good.replace(good.split(b",")[0], b"01/03/+52024 00:00:00", 1)
    before = good.replace(good.split(b",")[0], b"01/03/1901 00:00:00", 1)
    batch = _read(b"\n".join([header, good, far, before]) + b"\n")
    assert batch.positions["source_line"].to_list() == [2]
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (3, "bad_time"),
        (4, "bad_time"),
    ]
