"""Whatever the lines, the Track & Trace reader accounts for every one: each data line is an
event or a quarantine row, blank lines are counted, nothing else escapes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.io.dcsa_events import read_event_lines
from balise.model.batch import ReadOptions

OPTIONS = ReadOptions(batch_records=3, max_record_line_bytes=2000)
CARGO = Path(__file__).parents[1] / "data" / "cargo"
GOOD = (CARGO / "dcsa-journey.jsonl").read_text().splitlines()[2]

junk_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\n\r"), max_size=80
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from(
    ["eventID", "eventDateTime", "eventType", "eventClassification", "equipmentDetails",
     "equipmentReference", "transportCall", "seals", "shipmentDetails", "eventLocation"]
)  # fmt: skip
events = st.builds(
    lambda changes: json.dumps(json.loads(GOOD) | changes),
    st.dictionaries(keys, json_values, max_size=3),
)
lines = st.lists(
    st.one_of(
        st.just(GOOD),
        st.just(""),
        junk_text,
        events,
        st.builds(lambda cut, tail: GOOD[:cut] + tail, st.integers(0, len(GOOD)), junk_text),
    ),
    max_size=10,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines)
def test_every_line_is_an_event_or_a_quarantine_row(lines: list[str]) -> None:
    data = "".join(f"{line}\n" for line in lines).encode()
    batches = list(read_event_lines(io.BytesIO(data), "fuzz.jsonl", OPTIONS))
    kept = sum(b.records.height for b in batches)
    rejected = sum(b.quarantine.height for b in batches)
    blank = sum(1 for line in lines if not line.encode().strip())
    assert sum(b.records_read for b in batches) == kept + rejected == len(lines) - blank
    assert sum(b.skipped["blank_line"] for b in batches) == blank
