"""The compiled DCSA decoder gives, for every line it decodes, the event DuckDB's `from_json`
gives (the reader's other path), and leaves the others to it: on generated and mutated lines,
and end to end, the stored events, quarantine rows and counts are those of the reader without
it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.io import dcsa_events, dcsa_kernel
from balise.io.dcsa_shape import EVENT_DTYPE
from dcsa_lines import CARGO, ingest, is_json, synthetic

pytestmark = pytest.mark.skipif(not dcsa_kernel.available(), reason="the kernel is not built")

JOURNEY = [line for line in (CARGO / "dcsa-journey.jsonl").read_text().splitlines() if line]


def _duckdb_events(lines: list[str]) -> pl.Series:
    decoder = dcsa_events._Decoder()
    try:
        frame = pl.DataFrame({"source_line": range(len(lines)), "raw": lines})
        return decoder.decode(frame)["event"]
    finally:
        decoder.close()


def _assert_as_duckdb(lines: list[str]) -> list[bool]:
    """The kernel's events are DuckDB's for each line it decodes; which lines it decoded."""
    found = dcsa_kernel.decode(pl.Series("raw", lines, dtype=pl.String()))
    assert found is not None
    mask, events = found.mask, found.events
    assert len(mask) == len(lines)
    assert events.dtype == EVENT_DTYPE
    assert events.len() == int(mask.sum())
    expected = _duckdb_events([line for line, kept in zip(lines, mask, strict=True) if kept])
    assert events.to_list() == expected.to_list()
    assert events.equals(expected, check_names=False, null_equal=True)
    decoded: list[bool] = mask.tolist()
    return decoded


def test_the_fixtures_events_are_decoded_by_the_kernel_as_duckdb_decodes_them() -> None:
    array = json.loads((CARGO / "dcsa-v2-array.json").read_text())
    v2 = [json.dumps(item) for item in array if isinstance(item, dict)]
    events = [line for line in JOURNEY if line.lstrip().startswith("{")] + v2
    decoded = _assert_as_duckdb(events)
    left = {json.loads(line)["eventID"] for line, kept in zip(events, decoded, strict=True)
            if not kept and is_json(line)}  # fmt: skip
    assert left == {"evt-bad-seals"}  # "seals": "BR4471203", text where a list is expected
    assert decoded.count(False) == 2  # and a line cut short


def test_lines_out_of_the_plain_kind_are_left_to_duckdb() -> None:
    plain = '{"eventID": "E1", "eventLocation": {"UNLocationCode": "NLRTM"}}'
    others = [
        '{"eventID": 1.50}',  # numbers DuckDB writes its own way
        '{"eventID": 1e2}',
        '{"eventID": 0.00001}',
        '{"eventID": 1234567890.1234567}',
        '{"eventID": -0}',
        '{"eventID": {"a": 1}}',  # an object where text is expected
        '{"eventID": "a", "eventID": "b"}',  # a key twice
        '{"event\\u0049D": "a"}',  # an escape in a key
        '{"eventID": "\\ud83d\\ude00"}',  # a surrogate pair
        '{"eventID": "\\u0000"}',
        '{"eventLocation": "NLRTM"}',  # text where an object is expected
        '{"seals": [null]}',
        '{"eventID": "a"} x',
        '{"eventID": "a",}',
        "[1, 2]",
        "",
    ]
    assert _assert_as_duckdb([plain, *others]) == [True] + [False] * len(others)


def test_escapes_integers_and_literals_are_decoded_as_duckdb_decodes_them() -> None:
    lines = [
        '{"eventID": "a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20ac"}',
        '{"eventID": 12345678901234567890123, "isRetracted": true, "eventDateTime": false}',
        '{"eventLocation": {"latitude": -35.2211, "longitude": 0.0001, "facilityCode": -0.0}}',
        ' \t{ "eventID" : null , "seals" : [ ] , "unknown": [1, {"x": [true, -2.5e3]}] } ',
        '{"equipmentDetails": null, "eventLocation": {}, "transportCall": {"vessel": null}}',
    ]
    assert all(_assert_as_duckdb(lines))


def _value_of(dtype: object) -> st.SearchStrategy[object]:
    """Values for a key of `dtype`: mostly of the shape's kind, sometimes any JSON value."""
    other = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=6)
    )
    if isinstance(dtype, pl.Struct):
        keys = {f.name: _value_of(f.dtype) for f in dtype.fields}
        return st.one_of(st.fixed_dictionaries({}, optional=keys), other)
    if isinstance(dtype, pl.List):
        return st.one_of(st.lists(_value_of(dtype.inner), max_size=3), other)
    return st.one_of(
        st.text(max_size=10),
        st.integers(),
        st.floats(-1e16, 1e16),
        st.decimals(-(10**9), 10**9, places=4).map(float),
        other,
        st.lists(other, max_size=2),
    )


events = _value_of(EVENT_DTYPE)
mutations = st.sampled_from(["none", "ascii", "spaces", "cut", "twice", "unknown"])


def _line(event: object, mutation: str, cut: int) -> str:
    text = json.dumps(event, ensure_ascii=mutation == "ascii")
    if mutation == "spaces":
        return " " + json.dumps(event, indent=1).replace("\n", " ") + "\t"
    if mutation == "cut":
        return text[: cut % (len(text) + 1)]
    if mutation == "twice" and text.startswith("{") and len(text) > 2:
        return text[:-1] + ', "eventID": "again"}'
    if mutation == "unknown" and text.startswith("{") and len(text) > 2:
        return '{"other": {"eventID": [1, {"a": "\\u00e9"}]}, ' + text[1:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(events, mutations, st.integers(0, 400)), min_size=1, max_size=8))
def test_generated_lines_decode_as_duckdb_decodes_them(
    made: list[tuple[object, str, int]],
) -> None:
    _assert_as_duckdb([_line(event, mutation, cut) for event, mutation, cut in made])


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(JOURNEY), st.integers(0, 2000), st.text(max_size=3))
def test_mutated_fixture_lines_decode_as_duckdb_decodes_them(
    line: str, at: int, inserted: str
) -> None:
    at %= len(line) + 1
    _assert_as_duckdb([line[:at] + inserted + line[at:], line[:at] + line[at + 1 :]])


@pytest.mark.parametrize("seed", [5, 6])
def test_the_reader_stores_the_same_with_and_without_the_kernel(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ("\n".join(synthetic(seed, 400)) + "\n").encode()
    with_kernel = ingest(data, "events.jsonl", tmp_path)
    monkeypatch.setattr(dcsa_kernel, "enabled", False)
    without = ingest(data, "events.jsonl", tmp_path)
    assert with_kernel[0].height > 250
    assert {"bad_json", "bad_time", "unknown_code"} <= set(with_kernel[1]["reason"])
    assert with_kernel[0].equals(without[0], null_equal=True)
    assert with_kernel[1].equals(without[1], null_equal=True)
    assert with_kernel[2] == without[2]


def test_texts_are_trimmed_only_when_none_is_blank_or_spaced_or_beyond_ascii() -> None:
    def trimmed(*lines: str) -> bool:
        found = dcsa_kernel.decode(pl.Series("raw", lines, dtype=pl.String()))
        assert found is not None
        assert found.mask.all()
        return found.trimmed

    assert trimmed(*JOURNEY[:3], '{"eventID": 12, "isRetracted": false, "eventType": null}')
    for value in ('""', '" a"', '"a\\t"', '"\\u00a0a"', '"a\u00e9"', '"\\u3000"', '"a\\n"'):
        assert not trimmed(JOURNEY[0], '{"eventID": ' + value + "}"), value


def test_texts_about_the_length_a_view_holds_decode_as_duckdb_decodes_them() -> None:
    """Texts of up to 12 bytes are held in their string view, longer ones point into the
    kernel's text: both sides of that length, empty texts and nulls beside them."""
    lines = [
        json.dumps({"eventID": "x" * size, "eventType": None if size % 3 else "é" * (size // 2),
                    "equipmentDetails": {"seals": [{"number": "9" * (20 - size)}]}})
        for size in range(21)
    ]  # fmt: skip
    assert all(_assert_as_duckdb(lines))


def test_events_come_in_the_chunks_of_their_lines() -> None:
    """A column of lines in several chunks (the blocks it was split from) gives its events in
    chunks of the same lengths (polars then lines them up without copying them)."""
    lines = [line for line, kept in zip(JOURNEY, _assert_as_duckdb(JOURNEY), strict=True)
             if kept][:12]  # fmt: skip
    cuts = [(0, 5), (5, 6), (6, len(lines))]
    raw = pl.concat([pl.Series("raw", lines[a:b]) for a, b in cuts], rechunk=False)
    found = dcsa_kernel.decode(raw)
    assert found is not None
    assert found.mask.all()
    assert [c.len() for c in found.events.get_chunks()] == [5, 1, len(lines) - 6]
    assert found.events.to_list() == _duckdb_events(lines).to_list()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\n"),
                        max_size=20), max_size=12), st.booleans())  # fmt: skip
def test_blocks_split_by_the_kernel_as_python_splits_them(lines: list[str], last_end: bool) -> None:
    data = ("\n".join(lines) + ("\n" if last_end else "")).encode()
    split = dcsa_kernel.split(data)
    assert split is not None
    expected = data.decode().split("\n")
    if expected[-1] == "":  # the block's last line end (an empty block has no line)
        expected.pop()
    assert split.to_list() == expected
    assert split.dtype == pl.String()


def test_without_the_kernel_built_nothing_is_decoded_by_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dcsa_kernel, "_KERNEL", None)
    assert not dcsa_kernel.available()
    assert dcsa_kernel.decode(pl.Series("raw", JOURNEY)) is None
    assert dcsa_kernel.split(b"{}\n{}\n") is None
