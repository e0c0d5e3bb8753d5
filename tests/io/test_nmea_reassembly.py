"""Multi-sentence reassembly: interleaving, missing fragments, stale messages."""

from __future__ import annotations

from datetime import UTC, datetime

from balise.io.nmea_reassembly import Fragment, Reassembler

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _fragment(
    line: int, number: int, seq: str = "1", channel: str = "A", count: int = 2
) -> Fragment:
    return Fragment(line, f"line {line}", count, number, seq, channel, f"p{line}", number, T0)


def test_two_fragments_make_one_message() -> None:
    reassembler = Reassembler()
    (message,) = reassembler.feed(iter([_fragment(1, 1), _fragment(2, 2)]))
    assert message.payload == "p1p2"
    assert message.fill == 2
    assert message.source_line == 1
    assert message.raw == "line 1\nline 2"
    assert reassembler.close() == []


def test_interleaved_messages_reassemble_apart() -> None:
    fragments = [
        _fragment(1, 1, seq="1"),
        _fragment(2, 1, seq="2"),
        _fragment(3, 1, seq="1", channel="B"),
        _fragment(4, 2, seq="2"),
        _fragment(5, 2, seq="1"),
        _fragment(6, 2, seq="1", channel="B"),
    ]
    messages = Reassembler().feed(iter(fragments))
    assert sorted(m.payload for m in messages) == ["p1p5", "p2p4", "p3p6"]


def test_missing_fragment_makes_orphans_and_keeps_the_next_message() -> None:
    reassembler = Reassembler()
    fragments = [
        _fragment(1, 1, count=3),
        _fragment(2, 3, count=3),
        _fragment(3, 1),
        _fragment(4, 2),
    ]
    messages = reassembler.feed(iter(fragments))
    assert [m.payload for m in messages] == ["p3p4"]
    assert [f.source_line for f in reassembler.take_orphans()] == [1, 2]


def test_a_new_first_fragment_orphans_the_unfinished_one() -> None:
    reassembler = Reassembler()
    messages = reassembler.feed(iter([_fragment(1, 1), _fragment(2, 1), _fragment(3, 2)]))
    assert [m.payload for m in messages] == ["p2p3"]
    assert [f.source_line for f in reassembler.take_orphans()] == [1]


def test_messages_span_batches_and_unfinished_ones_are_orphans_at_the_end() -> None:
    reassembler = Reassembler()
    assert reassembler.feed(iter([_fragment(1, 1)])) == []
    assert [m.payload for m in reassembler.feed(iter([_fragment(2, 2)]))] == ["p1p2"]
    reassembler.feed(iter([_fragment(3, 1)]))
    assert [f.source_line for f in reassembler.close()] == [3]


def test_a_stale_message_expires() -> None:
    reassembler = Reassembler(max_wait_lines=10)
    reassembler.feed(iter([_fragment(1, 1), _fragment(20, 1, seq="2")]))
    assert [f.source_line for f in reassembler.take_orphans()] == [1]


def test_time_of_a_message_is_the_first_time_seen() -> None:
    later = Fragment(2, "b", 2, 2, "", "A", "y", 0, datetime(2024, 3, 2, tzinfo=UTC))
    first = Fragment(1, "a", 2, 1, "", "A", "x", 0, None)
    (message,) = Reassembler().feed(iter([first, later]))
    assert message.timestamp == datetime(2024, 3, 2, tzinfo=UTC)
