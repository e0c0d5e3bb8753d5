"""Archive formats end to end, one fixture each (tests/data/formats, see its README): Gatehouse
`$PGHP` time sentences, tag blocks on lines of their own, leading times with a space, AIS-catcher
JSON lines. Each: positions stored at the right times, counts, bad lines quarantined with their
reason, and the same file ingested twice stores nothing new."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from balise.engine.ingest import IngestResult, detect_format, expand_inputs, ingest_input
from balise.model.batch import ReadOptions
from balise.store.duckdb import DuckDBStore

FORMATS = Path(__file__).parents[1] / "data" / "formats"
T0 = datetime(2024, 3, 1, tzinfo=UTC)
OPTIONS = ReadOptions(batch_records=4)
"""Small batches: times given on one line must carry across batch boundaries."""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    opened = DuckDBStore(tmp_path / "balise.duckdb")
    yield opened
    opened.close()


def _ingest(name: str, store: DuckDBStore) -> IngestResult:
    (item,) = expand_inputs([str(FORMATS / name)], FORMATS / "spool")
    return ingest_input(item, store, OPTIONS)


def _times(store: DuckDBStore) -> dict[int, datetime]:
    """Stored position times by MMSI."""
    frame = pl.concat(list(store.positions()))
    return dict(zip(frame["mmsi"].to_list(), frame["timestamp"].to_list(), strict=True))


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _again_stores_nothing(name: str, store: DuckDBStore) -> None:
    before = pl.concat(list(store.positions()))
    again = _ingest(name, store)
    assert again.status == "already_ingested"
    assert pl.concat(list(store.positions())).equals(before)


def test_gatehouse_pghp_times_apply_to_the_following_sentences(store: DuckDBStore) -> None:
    result = _ingest("gatehouse_pghp.nmea", store)
    assert result.source_format == "nmea"
    assert _times(store) == {
        258568010: _at(1.125),
        244740943: _at(2.25),
        211707860: _at(3),
        257169000: _at(5),
        225438000: _at(9),
    }
    assert result.by_key("skipped") == {"time_sentence": 7, "tag_line": 2}
    assert result.by_key("quarantined") == {"bad_checksum": 1, "bad_time": 2, "no_time": 2}
    assert result.count("records_read") == 21
    assert store.vessels().filter(pl.col("mmsi") == 244710865)["name"].item() is not None
    _again_stores_nothing("gatehouse_pghp.nmea", store)


def test_tag_lines_give_their_time_to_the_lines_after_them(store: DuckDBStore) -> None:
    result = _ingest("tag_lines.nmea", store)
    assert _times(store) == {
        258568010: _at(1),
        244740943: _at(1),
        244700174: _at(5),  # its own tag block wins over the tag line before it
        412301220: _at(4),
    }
    assert result.by_key("skipped") == {"tag_line": 4}
    assert result.by_key("quarantined") == {"bad_tag_checksum": 1, "bad_time": 1, "no_time": 3}
    _again_stores_nothing("tag_lines.nmea", store)


def test_leading_times_with_a_space_and_other_separators(store: DuckDBStore) -> None:
    result = _ingest("leading_space_time.nmea", store)
    assert _times(store) == {
        258568010: _at(1),
        244740943: _at(2.25),
        211707860: _at(3),
        257169000: _at(4),
        538071319: _at(5),
        244700174: _at(6),
        412301220: _at(7),
    }
    assert result.by_key("quarantined") == {"bad_time": 2}
    _again_stores_nothing("leading_space_time.nmea", store)


def test_aiscatcher_json_lines(store: DuckDBStore) -> None:
    head = (FORMATS / "aiscatcher.jsonl").read_bytes()
    assert detect_format(head, "aiscatcher.jsonl") == "aiscatcher"
    result = _ingest("aiscatcher.jsonl", store)
    assert result.source_format == "aiscatcher"
    assert _times(store) == {
        258568010: _at(1.5),
        244740943: _at(2),
        211707860: _at(3),
        257169000: _at(6),
    }
    assert result.count("records_read") == 9
    assert result.by_key("quarantined") == {
        "bad_json": 1,
        "no_sentences": 1,
        "bad_time": 1,
        "no_time": 1,
    }
    assert store.vessels().filter(pl.col("mmsi") == 244710865)["name"].item() is not None
    _again_stores_nothing("aiscatcher.jsonl", store)
