"""NMEA streams and frame comparisons shared by the NMEA reader's tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from balise.io import nmea_time
from balise.model.batch import ReadBatch
from helpers import checksum, sentences, tagged

DATA = Path(__file__).parent / "data"
FIXTURES = [
    DATA / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log",
    DATA / "pyais-nmea-sample" / "nmea_data_sample.txt",
    *sorted((DATA / "formats").glob("*.nmea")),
]
T0 = 1_709_251_200
ASSUMED = datetime(2024, 3, 1, tzinfo=UTC)

STATIC: dict[str, object] = {
    "msg_type": 5, "mmsi": 227006760, "imo": 9074729, "shipname": "NEPTUNE", "callsign": "FABC",
    "ship_type": 70, "to_bow": 100, "to_stern": 20, "to_port": 10, "to_starboard": 10,
    "draught": 8.2, "destination": "FRLEH", "month": 3, "day": 4, "hour": 12, "minute": 30,
}  # fmt: skip


def frames(batches: list[ReadBatch]) -> dict[str, pl.DataFrame]:
    frames = {
        name: pl.concat([getattr(batch, name) for batch in batches], how="diagonal_relaxed")
        for name in ("positions", "identities", "quarantine")
    }
    counts = {
        "records_read": sum(b.records_read for b in batches),
        "duplicates": sum(b.duplicates for b in batches),
        "no_position": sum(b.no_position for b in batches),
    }
    per_batch = [
        (b.records_read, dict(b.skipped), dict(b.messages_by_type), dict(b.cleared))
        for b in batches
    ]
    frames["counts"] = pl.DataFrame([{**counts, "per_batch": repr(per_batch)}])
    return frames


def assert_same(left: list[ReadBatch], right: list[ReadBatch]) -> None:
    assert len(left) == len(right)
    expected, got = frames(left), frames(right)
    for name, frame in expected.items():
        assert_frame_equal(got[name], frame, check_row_order=True), name


def synthetic(lines: int, seed: int) -> bytes:
    """A stream with every kind of line: tagged positions, type 5 pairs (adjacent, interleaved
    across sequence ids and channels, missing a fragment, out of order), untimed sentences, bad
    checksums, `$PGHP` and tag-only time lines, blank lines, a non-ASCII byte, junk."""
    rng = random.Random(seed)
    out: list[str] = []
    second = T0
    while len(out) < lines:
        second += rng.randrange(0, 2)
        roll = rng.random()
        mmsi = 200_000_000 + rng.randrange(1000)
        if roll < 0.6:
            fields = {
                "msg_type": 1, "mmsi": mmsi, "lat": rng.uniform(-60, 60),
                "lon": rng.uniform(-170, 170), "speed": rng.uniform(0, 20),
                "course": rng.uniform(0, 359), "heading": rng.randrange(360), "status": 0,
            }  # fmt: skip
            out.append(tagged(sentences(fields)[0], second))
        elif roll < 0.75:
            seq = rng.randrange(10)
            first, last = sentences(STATIC | {"mmsi": mmsi}, seq_id=seq)
            style = rng.random()
            if style < 0.6:
                out += [tagged(first, second), tagged(last, second)]
            elif style < 0.75:
                other = sentences(STATIC | {"mmsi": mmsi + 1}, seq_id=(seq + 1) % 10)
                out += [first, other[0], last, other[1]]
            elif style < 0.85:
                out.append(tagged(rng.choice([first, last]), second))
            elif style < 0.92:
                out += [last, first]
            else:
                channel_b = [s.replace(",A,", ",B,") for s in (first, last)]
                out += [first, channel_b[0], channel_b[1], last]
        elif roll < 0.8:
            fields = {"msg_type": 18, "mmsi": mmsi, "lat": 1.0, "lon": 2.0, "speed": 3.0}
            out.append(sentences(fields)[0])
        elif roll < 0.84:
            good = tagged(
                sentences({"msg_type": 1, "mmsi": mmsi, "lat": 1.0, "lon": 2.0})[0], second
            )
            out.append(good[:-2] + ("00" if good[-2:] != "00" else "11"))
        elif roll < 0.88:
            stamp = datetime.fromtimestamp(second, UTC)
            out.append(checksum(
                f"$PGHP,1,{stamp:%Y,%m,%d,%H,%M,%S},0,219,,2190067,1"
            ))  # fmt: skip
        elif roll < 0.9:
            out.append("\\" + checksum(f"s:x,c:{second}") + "\\")
        elif roll < 0.93:
            out.append("")
        elif roll < 0.95:
            first, last = sentences(STATIC | {"mmsi": mmsi})
            out += [tagged(first[:20] + "é" + first[20:], second), tagged(last, second)]
        elif roll < 0.97:
            out.append("garbage line é " + "x" * rng.randrange(50))
        else:
            out.append(f"{second}.5 " + sentences({"msg_type": 3, "mmsi": mmsi})[0])
    return ("\n".join(out) + "\n").encode()


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
"""The ingest's clock of the reads compared (`freeze_clock`)."""


def freeze_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read sees the ingest's clock at `NOW`: a quarantine detail quotes the plausible time
    window, which ends a day after the clock (to the minute), so two reads compared a minute
    apart would differ there and nowhere else."""
    window = nmea_time.time_window
    monkeypatch.setattr(nmea_time, "time_window", lambda now=None: window(now or NOW))
