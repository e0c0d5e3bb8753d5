"""The fast path of the Track & Trace reader (plain blocks split by polars' CSV reader, each batch
decoded on a thread while the one before is stored) stores exactly what the Python path does:
the same rows, the same quarantine rows with their reasons and line numbers, the same counts."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.io import dcsa_events, dcsa_mapping
from balise.model.batch import ReadOptions
from balise.model.containers import is_valid_container
from balise.model.record_batch import RecordBatch
from dcsa_lines import OPTIONS, ingest, is_json, synthetic


def _python_split(data: bytes) -> None:
    return None


@pytest.mark.parametrize(("seed", "shape"), [(1, "lines"), (2, "lines"), (3, "array")])
def test_the_fast_path_stores_what_the_python_path_stores(
    seed: int, shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = synthetic(seed)
    if shape == "array":  # an array of the events that are JSON values
        data = ("[" + ",\n".join(line for line in lines if is_json(line)) + "]").encode()
    else:
        data = ("\n".join(lines) + "\n").encode()
    fast = ingest(data, "events.jsonl", tmp_path)
    monkeypatch.setattr(dcsa_events, "_split_plain", _python_split)
    monkeypatch.setattr(dcsa_events, "_ahead", _one_at_a_time)
    slow = ingest(data, "events.jsonl", tmp_path)
    assert fast[0].height > 100
    assert fast[1]["reason"].n_unique() >= 3
    assert fast[0].equals(slow[0], null_equal=True)
    assert fast[1].equals(slow[1], null_equal=True)
    assert fast[2] == slow[2]


def test_the_bulk_path_stores_what_the_line_by_line_path_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mixed file read in bulk (plain blocks split by polars, batches decoded whole, bad
    lines found by halving, container numbers checked column-wise) and read one line at a time
    (a batch of one line, split in Python, each number checked by `is_valid_container`)."""
    lines = synthetic(4, 300)
    data = ("\n".join(lines) + "\n").encode()
    bulk = ingest(data, "events.jsonl", tmp_path, ReadOptions(max_record_line_bytes=3000))
    monkeypatch.setattr(dcsa_events, "_split_plain", _python_split)
    monkeypatch.setattr(dcsa_events, "_ahead", _one_at_a_time)
    monkeypatch.setattr(
        dcsa_mapping,
        "_valid_containers",
        lambda numbers: [n for n in numbers.drop_nulls().to_list() if is_valid_container(n)],
    )
    one_by_one = ReadOptions(batch_records=1, max_record_line_bytes=3000)
    single = ingest(data, "events.jsonl", tmp_path, one_by_one)
    reasons = set(bulk[1]["reason"])
    assert bulk[0].height > 150
    assert {"bad_json", "bad_container_number", "bad_time", "unknown_code"} <= reasons
    assert bulk[0].equals(single[0], null_equal=True)
    assert bulk[1].equals(single[1], null_equal=True)
    assert bulk[2] == single[2]


def _one_at_a_time(source: str, batches: Iterator[pl.DataFrame], cap: int) -> Iterator[RecordBatch]:
    decoder = dcsa_events._Decoder()
    try:
        for lines in batches:
            yield dcsa_events.events_batch(source, lines, cap, decoder)
    finally:
        decoder.close()


plain_lines = st.lists(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\n"), max_size=30),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(plain_lines, st.booleans())
def test_a_plain_block_splits_as_python_splits_it(lines: list[str], last_end: bool) -> None:
    data = ("\n".join(lines) + ("\n" if last_end else "")).encode()
    if not data:  # the reader never has an empty block
        return
    split = dcsa_events._split_plain(data)
    if split is None:  # not plain: the Python path reads it
        assert any(c in data for c in (b"\r", b"\x00", b"\x01")) or data[:1] == b"\xef"
        return
    expected = data.decode().split("\n")
    if expected[-1] == "":
        expected.pop()
    assert split.to_list() == expected


def test_blocks_that_are_not_plain_go_the_python_way() -> None:
    for data in (b"a\r\nb\n", b"\xef\xbb\xbf{}\n", b"{\x00}\n", b"{\x01}\n", b"{\xff}\n"):
        assert dcsa_events._split_plain(data) is None
    assert dcsa_events._split_plain(b'{"a": "\xc3\xa9"}\n\n  \n').to_list() == [  # type: ignore[union-attr]
        '{"a": "\u00e9"}', "", "  "
    ]  # fmt: skip


def test_a_batch_failing_on_its_thread_fails_the_read() -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("decoder broke")

    data = io.BytesIO(b"\n".join(synthetic(3, 100)[i].encode() for i in range(100)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dcsa_events, "events_batch", broken)
        with pytest.raises(RuntimeError, match="decoder broke"):
            list(dcsa_events.read_event_lines(data, "x", OPTIONS))
