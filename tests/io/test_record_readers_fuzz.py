"""Whatever the lines, the record readers account for every one: each data line is a record or a
quarantine row, blank lines are counted, nothing else escapes."""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.io.access_log import ACCESS_JSONL, read_access_log
from balise.io.port_records import read_releases
from balise.model.batch import ReadOptions

OPTIONS = ReadOptions(batch_records=3, max_record_line_bytes=200)
HEADER = "release_id,container_number,terminal,issued_at,valid_from,valid_until,customs_status"
GOOD = "R1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,,2024-03-02,hold"

junk_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\n"),
    max_size=260,
)
csv_lines = st.lists(
    st.one_of(
        st.just(GOOD),
        st.just(""),
        junk_text,
        st.builds(lambda cut, tail: GOOD[:cut] + tail, st.integers(0, len(GOOD)), junk_text),
    ),
    max_size=12,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
entries = st.fixed_dictionaries(
    {"time": st.sampled_from(["2024-03-01T10:00:00Z", "2024-13-01", ""]), "user": json_values,
     "action": st.sampled_from(["read", "READ", "peek", ""]), "records": json_values},
    optional={"count": json_values},
)  # fmt: skip


def _data_lines(lines: list[str]) -> tuple[int, int]:
    blank = sum(1 for line in lines if not line.encode().strip())  # ASCII white space
    return len(lines) - blank, blank


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_lines)
def test_every_csv_line_is_a_record_or_a_quarantine_row(lines: list[str]) -> None:
    data = "".join(f"{line}\n" for line in [HEADER, *lines]).encode()
    batches = list(read_releases(io.BytesIO(data), "fuzz.csv", OPTIONS))
    kept = sum(b.records.height for b in batches)
    rejected = sum(b.quarantine.height for b in batches)
    data_lines, blank = _data_lines(lines)
    assert sum(b.records_read for b in batches) == kept + rejected == data_lines
    assert sum(b.skipped["blank_line"] for b in batches) == blank
    assert kept >= lines.count(GOOD)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(entries.map(json.dumps), json_values.map(json.dumps), junk_text), max_size=10
    )
)
def test_every_json_line_is_an_entry_or_a_quarantine_row(lines: list[str]) -> None:
    data = "".join(f"{line}\n" for line in lines).encode()
    batches = list(read_access_log(io.BytesIO(data), "fuzz.jsonl", ACCESS_JSONL, OPTIONS))
    kept = sum(b.records.height for b in batches)
    rejected = sum(b.quarantine.height for b in batches)
    assert sum(b.records_read for b in batches) == kept + rejected == _data_lines(lines)[0]
    for batch in batches:
        counts = batch.records["count"].to_list()
        listed = batch.records["records"].list.len().to_list()
        assert all(count >= n for count, n in zip(counts, listed, strict=True))
