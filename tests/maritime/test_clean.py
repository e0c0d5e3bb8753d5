"""Cleaning: the sorted-hash de-duplication against polars' own, and the once-per-value texts."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.maritime import clean
from balise.maritime.clean import clean_identities, clean_positions
from balise.model.schema import IDENTITY_SCHEMA, POSITION_SCHEMA, conform

T0 = datetime(2024, 3, 1, tzinfo=UTC)
Row = tuple[int | None, float | None, bool]
KEY_VALUES = st.tuples(
    st.sampled_from([1, 2, None]),
    st.sampled_from([0.0, -0.0, 1.5, float("nan"), None]),
    st.booleans(),
)


def _first_both_ways(rows: list[Row]) -> tuple[list[bool], ...]:
    frame = pl.DataFrame(
        rows, schema={"a": pl.Int32, "b": pl.Float64, "kept": pl.Boolean}, orient="row"
    )
    key = pl.when("kept").then(pl.struct("a", "b"))
    expected = frame.select(pl.col("kept") & key.is_first_distinct()).to_series()
    mapped = key.map_batches(clean._first_distinct, return_dtype=pl.Boolean)
    found = frame.select(pl.col("kept") & mapped).to_series()
    return expected.to_list(), found.to_list()


@settings(max_examples=200, deadline=None)
@given(st.lists(KEY_VALUES, max_size=40))
def test_first_distinct_is_polars_is_first_distinct(rows: list[Row]) -> None:
    expected, found = _first_both_ways(rows)
    assert found == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(KEY_VALUES, max_size=40))
def test_first_distinct_survives_hash_collisions(rows: list[Row]) -> None:
    real_hash = pl.Series.hash
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pl.Series, "hash", lambda self, *a, **k: real_hash(self, *a, **k) % 3)
        expected, found = _first_both_ways(rows)
    assert found == expected


def _positions(rows: list[tuple[int, int, float, float]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "mmsi": [r[0] for r in rows],
            "timestamp": [datetime.fromtimestamp(T0.timestamp() + r[1], UTC) for r in rows],
            "lat": [r[2] for r in rows],
            "lon": [r[3] for r in rows],
            "source_line": list(range(2, len(rows) + 2)),
        }
    )
    return conform(frame, POSITION_SCHEMA)


def test_duplicates_keep_the_first_row_of_each_key() -> None:
    rows = [
        (227006760, 0, 43.1, 5.9),
        (227006760, 0, 43.1, 5.9),  # repeated by a second station
        (227006760, 1, 43.1, 5.9),
        (227006760, 0, 43.1, 5.9),
        (227006760, 2, -0.0, 5.9),
        (227006760, 2, 0.0, 5.9),  # the same position written as 0.0
        (12345, 3, 43.2, 6.0),  # rejected: invalid MMSI
        (12345, 3, 43.2, 6.0),
    ]
    cleaned = clean_positions(_positions(rows))
    assert cleaned.kept["source_line"].to_list() == [2, 4, 6]
    assert cleaned.duplicates == 3
    assert cleaned.rejected["source_line"].to_list() == [8, 9]


def test_identity_texts_are_cleaned_per_value_on_every_row() -> None:
    names = ["@@@@", "SEA STAR@@", " SEA STAR", None, "SEA STAR@@", "  "]
    frame = conform(
        pl.DataFrame(
            {
                "mmsi": [219000001] * len(names),
                "timestamp": [T0] * len(names),
                "name": names,
                "source_line": list(range(2, len(names) + 2)),
            }
        ),
        IDENTITY_SCHEMA,
    )
    kept = clean_identities(frame).kept
    assert kept["name"].to_list() == [None, "SEA STAR", "SEA STAR", None, "SEA STAR", None]
