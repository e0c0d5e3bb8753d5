"""Whatever the input, the radar readers account for it: every ARPA line is a contact, a
quarantine row, a skip or a blank line; damaged ASTERIX never escapes as an exception."""

from __future__ import annotations

import io
from functools import reduce
from operator import xor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.io.arpa import ArpaContext, read_arpa
from balise.model.batch import ReadOptions

OPTIONS = ReadOptions(batch_records=3, max_record_line_bytes=200)
CONTEXT = ArpaContext({"S1": (14.0, -61.0)}, sensor_id="S1")
GOOD = "$RATTM,5,6.0,90.0,T,10.0,90.0,T,,,N,,T,,120000,A*" + "{:02X}".format(
    reduce(xor, b"RATTM,5,6.0,90.0,T,10.0,90.0,T,,,N,,T,,120000,A", 0)
)
TAG = "\\s:S1,c:1709290800*" + "{:02X}".format(reduce(xor, b"s:S1,c:1709290800", 0)) + "\\"

junk = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=120)
lines = st.lists(
    st.one_of(
        st.just(GOOD),
        st.just(TAG + GOOD),
        st.just(""),
        junk,
        st.builds(lambda cut, tail: (TAG + GOOD)[:cut] + tail, st.integers(0, 110), junk),
        st.builds(lambda body: f"$RATTM,{body}", junk),
        st.builds(lambda body: f"$RATLL,{body}", junk),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines)
def test_every_arpa_line_is_accounted_for(text: list[str]) -> None:
    data = "".join(f"{line}\n" for line in text).encode()
    batches = list(read_arpa(io.BytesIO(data), "fuzz.nmea", CONTEXT, OPTIONS))
    kept = sum(b.records.height for b in batches)
    rejected = sum(b.quarantine.height for b in batches)
    skipped = sum(n for b in batches for r, n in b.skipped.items() if r != "blank_line")
    blank = sum(1 for line in text if not line.encode().strip())
    assert sum(b.records_read for b in batches) == kept + rejected + skipped
    assert kept + rejected + skipped + blank == len(text)
    for batch in batches:
        assert batch.records["lat"].is_between(-90, 90).all()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200), st.sampled_from([10, 62]))
def test_damaged_asterix_never_raises(body: bytes, category: int) -> None:
    pytest.importorskip("asterix.generated")
    from datetime import date

    from balise.io.asterix_radar import read_asterix

    data = bytes([category]) + (3 + len(body)).to_bytes(2, "big") + body + body[:7]
    context = ArpaContext(day=date(2024, 3, 1))
    for batch in read_asterix(io.BytesIO(data), "fuzz.ast", context, OPTIONS):
        assert batch.records["lat"].is_between(-90, 90).all()
