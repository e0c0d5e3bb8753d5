"""Live NMEA: bytes cut into lines wherever the reads fall, and lines decoded batch by batch with
the reassembly kept between batches and the arrival time given to lines that carry none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from balise.io.nmea_live import LineFramer, NmeaStream, ReceivedLine
from balise.model.batch import ReadOptions
from helpers import sentences, tagged

AT = datetime(2026, 12, 1, 8, tzinfo=UTC)
STATIC = {"msg_type": 5, "mmsi": 244_000_003, "imo": 9_321_483, "callsign": "PBXY",
          "shipname": "NORDIC TIDE", "ship_type": 70, "destination": "ROTTERDAM"}  # fmt: skip


@given(st.lists(st.integers(1, 40), min_size=1, max_size=30))
def test_lines_are_the_same_wherever_the_reads_cut(cuts: list[int]) -> None:
    data = b"!AIVDM,a\r\n\r\n!AIVDM,bb\n" * 5 + b"tail"
    framer, lines, start = LineFramer(100), [], 0
    for cut in cuts:
        lines += framer.feed(data[start : start + cut], AT)
        start += cut
    lines += framer.feed(data[start:], AT) + framer.flush(AT)
    assert [line.text for line in lines] == [b"!AIVDM,a", b"!AIVDM,bb"] * 5 + [b"tail"]


def test_a_long_line_is_kept_short_and_marked_once() -> None:
    framer = LineFramer(10)
    lines = framer.feed(b"x" * 25, AT) + framer.feed(b"y" * 25 + b"\nok\n", AT)
    assert [(line.text, line.too_long) for line in lines] == [(b"x" * 10, True), (b"ok", False)]


def test_a_message_split_between_batches_is_decoded_whole() -> None:
    first, second = sentences(STATIC)
    stream = NmeaStream("tcp://feed", ReadOptions())
    one = stream.batch([ReceivedLine(first.encode(), AT)])
    two = stream.batch([ReceivedLine(second.encode(), AT + timedelta(seconds=1))])
    assert one.identities.is_empty()
    assert one.quarantine.is_empty()
    assert two.identities["mmsi"].to_list() == [STATIC["mmsi"]]
    assert two.identities["timestamp"].to_list() == [AT]  # the first sentence's arrival
    assert stream.close().quarantine.is_empty()


def test_arrival_time_only_for_lines_without_their_own() -> None:
    fields = {"msg_type": 1, "mmsi": 244_000_004, "lat": 52.0, "lon": 3.0}
    plain = sentences(fields)[0]
    own = tagged(sentences(fields | {"lat": 52.01})[0], int((AT - timedelta(hours=1)).timestamp()))
    batch = NmeaStream("udp://:1", ReadOptions()).batch(
        [ReceivedLine(plain.encode(), AT), ReceivedLine(own.encode(), AT)]
    )
    assert sorted(batch.positions["timestamp"].to_list()) == [AT - timedelta(hours=1), AT]


def test_bad_lines_are_quarantined_with_their_reason() -> None:
    good = sentences({"msg_type": 1, "mmsi": 244_000_005, "lat": 52.0, "lon": 3.0})[0]
    bad = good[:-2] + ("00" if not good.endswith("00") else "11")
    first, _ = sentences(STATIC)
    stream = NmeaStream("tcp://feed", ReadOptions(max_line_bytes=90))
    lines = [good, bad, "x" * 90, first]
    batch = stream.batch([ReceivedLine(t.encode()[:90], AT, len(t) >= 90) for t in lines])
    assert batch.positions.height == 1
    assert sorted(batch.quarantine["reason"].to_list()) == ["bad_checksum", "line_too_long"]
    assert stream.close().quarantine["reason"].to_list() == ["orphan_fragment"]
