"""Fuzzing the readers: mutated real sentences and rows never make a reader raise, and every
line is accounted for (stored, counted, skipped or quarantined)."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.io.ais_csv import read_ais_csv, sniff_csv
from balise.io.nmea import read_nmea
from balise.model.batch import ReadOptions
from fuzz_inputs import CSV_SEEDS, NMEA_SEEDS, csv_input, nmea_input, resealed, seed_lines

OPTIONS = ReadOptions(assume_time=datetime(2024, 1, 1, tzinfo=UTC), batch_records=16)
NMEA_LINES = seed_lines(NMEA_SEEDS)


def _line_count(data: bytes) -> int:
    """Lines as the readers count them: ended by a newline, the last one maybe not."""
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.integers(1, 40))
def test_mutated_nmea_never_makes_the_reader_raise(seed: int, size: int) -> None:
    data = nmea_input(random.Random(seed), NMEA_LINES, size).removeprefix(b"\xef\xbb\xbf")
    batches = list(read_nmea(io.BytesIO(data), "fuzz", OPTIONS))
    lines = _line_count(data)
    read = sum(b.records_read + b.skipped.get("blank_line", 0) for b in batches)
    assert read == lines
    quarantined = {int(n) for b in batches for n in b.quarantine["source_line"].to_list()}
    assert quarantined <= set(range(1, lines + 1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.integers(1, 30))
def test_mutated_csv_never_makes_the_reader_raise(seed: int, size: int) -> None:
    data = csv_input(random.Random(seed), CSV_SEEDS, size)
    layout = sniff_csv(data)
    assert layout is not None
    batches = list(read_ais_csv(io.BytesIO(data), "fuzz", layout, OPTIONS))
    rows = [line for line in data.split(b"\n")[1:] if line.strip(b"\r")]
    stored = sum(b.positions.height for b in batches)
    counted = sum(b.duplicates + b.no_position for b in batches)
    others = sum(n for b in batches for t, n in b.messages_by_type.items() if t not in (1, 18))
    quarantined = {n for b in batches for n in b.quarantine["source_line"].to_list()}
    assert sum(b.records_read for b in batches) == len(rows)
    assert stored + counted + others + len(quarantined) >= len(rows) - sum(
        b.identities.height for b in batches
    )


def test_resealed_sentence_passes_the_checksum() -> None:
    line = b"!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*00"
    assert resealed(line) == b"!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27"
