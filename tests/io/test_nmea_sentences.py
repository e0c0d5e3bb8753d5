"""Sentence splitting: checksums, tag blocks, leading and trailing timestamps, bad lines."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.io.nmea_sentences import Chunk, split_chunk

POSITION = "!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27"


def _with_checksum(body: str) -> str:
    return f"{body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"


def _parse(*lines: str) -> list[dict[str, object]]:
    rows = split_chunk(Chunk.of(("\n".join(lines) + "\n").encode(), 1)).sentences.to_dicts()
    assert len(rows) == len(lines), "every line given here is a sentence"
    return rows


def test_checksums_of_sentences_and_tag_blocks() -> None:
    (row,) = _parse("\\" + _with_checksum("c:1641024020") + "\\" + POSITION)
    assert row["problem"] is None


@given(
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="!,*\\"))
)
@settings(max_examples=50)
def test_checksum_validation_equals_the_definition(payload: str) -> None:
    body = f"AIVDM,1,1,,A,{payload},0"
    good = "!" + _with_checksum(body)
    wrong = good[:-2] + f"{(reduce(lambda a, c: a ^ ord(c), body, 0) ^ 1):02X}"
    assert [r["problem"] for r in _parse(good, wrong)] == [None, "bad_checksum"]


def test_a_plain_sentence_has_no_time_and_no_problem() -> None:
    (row,) = _parse(POSITION)
    assert row["problem"] is None
    assert (row["count"], row["number"], row["fill"]) == (1, 1, 0)
    assert row["timestamp"] is None
    assert row["payload"] == "13nUgBWP01PkHvDU7<kC4wvJ2>`<"


def test_tag_block_time_is_unix_seconds() -> None:
    tag = _with_checksum("s:2573485,c:1641024020")
    (row,) = _parse(f"\\{tag}\\{POSITION}")
    assert row["problem"] is None
    assert row["timestamp"] == datetime(2022, 1, 1, 8, 0, 20, tzinfo=UTC)


def test_tag_block_time_in_milliseconds() -> None:
    tag = _with_checksum("c:1641024020500")
    (row,) = _parse(f"\\{tag}\\{POSITION}")
    assert row["timestamp"] == datetime(2022, 1, 1, 8, 0, 20, 500000, tzinfo=UTC)


def test_bad_tag_block_checksum_is_a_problem() -> None:
    (row,) = _parse(f"\\c:1641024020*00\\{POSITION}")
    assert row["problem"] == "bad_tag_checksum"


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("1641024020 ", datetime(2022, 1, 1, 8, 0, 20, tzinfo=UTC)),
        ("1641024020.25,", datetime(2022, 1, 1, 8, 0, 20, 250000, tzinfo=UTC)),
        ("2022-01-01T08:00:20Z ", datetime(2022, 1, 1, 8, 0, 20, tzinfo=UTC)),
        ("2022-01-01 08:00:20;", datetime(2022, 1, 1, 8, 0, 20, tzinfo=UTC)),
        ("2022-01-01T09:00:20+01:00\t", datetime(2022, 1, 1, 8, 0, 20, tzinfo=UTC)),
    ],
)
def test_leading_timestamps(prefix: str, expected: datetime) -> None:
    (row,) = _parse(prefix + POSITION)
    assert row["problem"] is None
    assert row["timestamp"] == expected


def test_trailing_unix_time_after_the_checksum() -> None:
    (row,) = _parse(POSITION + ",1641024020")
    assert row["timestamp"] == datetime(2022, 1, 1, 8, 0, 20, tzinfo=UTC)


def test_unreadable_leading_time_is_a_problem_not_a_guess() -> None:
    (row,) = _parse("yesterday " + POSITION)
    assert row["problem"] == "bad_time"


def test_bad_checksum() -> None:
    (row,) = _parse(POSITION[:-2] + "28")
    assert row["problem"] == "bad_checksum"


def test_line_kinds() -> None:
    text = "\n".join(["", "  ", "$GPGGA,123519,4807.038,N", "!AIVDM,1,1,,B,13nUg", POSITION])
    split = split_chunk(Chunk.of(text.encode(), 10))
    assert (split.blank, split.other, split.malformed.tolist()) == (2, 1, [3])
    assert split.sentences["source_line"].to_list() == [14]


def test_windows_line_endings_and_a_missing_final_newline() -> None:
    split = split_chunk(Chunk.of(f"{POSITION}\r\n{POSITION}".encode(), 1))
    assert split.sentences["problem"].to_list() == [None, None]


def test_sentences_with_odd_layouts_are_found_by_searching() -> None:
    two_digit_seq = "!" + _with_checksum("AIVDM,2,1,12,B,55,0")
    (row,) = _parse(two_digit_seq)
    assert (row["payload"], row["count"]) == ("55", 2)


def test_fragment_numbers_out_of_range_are_a_problem() -> None:
    (row,) = _parse("!" + _with_checksum("AIVDM,2,3,1,A,55,0"))
    assert row["problem"] == "bad_fragment"


@given(st.text())
@settings(max_examples=200)
def test_any_text_splits_without_raising(text: str) -> None:
    chunk = Chunk.of(text.encode(), 1)
    split = split_chunk(chunk)
    assert split.blank + split.other + split.malformed.size + split.sentences.height == len(chunk)


@pytest.mark.parametrize("line", ["", "  ", "\t", "\x1f", "\x85", "\u2003 ", " x", "\u00e9"])
def test_blank_lines_are_those_str_strip_empties(line: str) -> None:
    """Found by the random-lines test: `\\x1f` is white space to `str.strip`, so a blank line."""
    split = split_chunk(Chunk.of(f"{line}\n{POSITION}\n".encode(), 1))
    assert (split.blank, split.other) == ((1, 0) if not line.strip() else (0, 1))
