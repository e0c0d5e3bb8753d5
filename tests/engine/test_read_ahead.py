"""The ingest reads the next batch on a thread while the store writes one (`_read_ahead`)."""

from __future__ import annotations

import threading
from collections.abc import Generator

import pytest

from balise.engine.ingest import _read_ahead


def _reader(drawn: list[int], count: int, fail_at: int | None = None) -> Generator[int, None, None]:
    for index in range(count):
        if index == fail_at:
            raise ValueError(f"broken at {index}")
        drawn.append(index)
        yield index


def _read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "read-ahead"]


def test_every_batch_in_order() -> None:
    drawn: list[int] = []
    with _read_ahead(_reader(drawn, 50)) as batches:
        assert list(batches) == list(range(50))
    assert not _read_ahead_threads()


def test_what_the_reader_raises_is_raised_in_the_caller_after_the_batches_before() -> None:
    got: list[int] = []
    with (
        pytest.raises(ValueError, match="broken at 3"),
        _read_ahead(_reader([], 10, fail_at=3)) as batches,
    ):
        got.extend(batches)
    assert got == [0, 1, 2]
    assert not _read_ahead_threads()


def _store_until_failure(reader: Generator[int, None, None]) -> None:
    with _read_ahead(reader, depth=1) as batches:
        for batch in batches:
            if batch == 5:
                raise RuntimeError("the store failed")


def test_leaving_early_stops_the_thread_a_batch_or_two_ahead() -> None:
    drawn: list[int] = []
    reader = _reader(drawn, 1000)
    with pytest.raises(RuntimeError):
        _store_until_failure(reader)
    assert not _read_ahead_threads()
    assert 6 <= len(drawn) <= 8  # the batch being stored, one queued, one being made
    reader.close()  # no thread runs it any more
