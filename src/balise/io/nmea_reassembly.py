"""Reassembly of multi-sentence AIS messages (type 5 and other long messages span 2–5 sentences).

Fragments are keyed by sequence id, channel and fragment count, as ITU-R M.1371 and IEC 61162-1
intend, so messages from two receivers or channels interleaved in one stream reassemble apart. A
fragment that arrives out of turn, a message left incomplete by a lost fragment, or one that waits
more than `max_wait_lines` lines for its next fragment is given back as an orphan, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

FragmentKey = tuple[str, str, int]

MAX_WAIT_LINES = 500
"""How long (in lines) a started message waits for its next fragment before it is an orphan."""


@dataclass(frozen=True)
class Fragment:
    """One sentence of a multi-sentence message."""

    source_line: int
    line: str
    count: int
    number: int
    seq: str
    channel: str
    payload: str
    fill: int
    timestamp: datetime | None


@dataclass(frozen=True)
class Message:
    """A complete message: payloads joined, the last fragment's fill bits, the first time seen."""

    source_line: int
    raw: str
    payload: str
    fill: int
    timestamp: datetime | None


@dataclass
class Reassembler:
    """Stateful across batches: feed fragments in stream order, collect messages and orphans."""

    max_wait_lines: int = MAX_WAIT_LINES
    pending: dict[FragmentKey, list[Fragment]] = field(default_factory=dict)
    orphans: list[Fragment] = field(default_factory=list)

    def feed(self, fragments: Iterator[Fragment]) -> list[Message]:
        """Messages completed by `fragments`; orphans accumulate in `orphans` until taken."""
        messages = []
        for fragment in fragments:
            complete = self._add(fragment)
            if complete is not None:
                messages.append(_join(complete))
            self._expire(fragment.source_line)
        return messages

    def complete_elsewhere(self, key: FragmentKey, last_line: int) -> None:
        """What a message with `key` whose fragments all came one after the other, ending at
        `last_line`, does to the others waiting (its fragments, reassembled in bulk by the
        caller, are not fed): its first fragment orphans the message waiting with its key, and
        the messages waiting too long by its last line are orphans, as if it had been fed."""
        waiting = self.pending.pop(key, None)
        if waiting:
            self.orphans.extend(waiting)
        self._expire(last_line)

    def take_orphans(self) -> list[Fragment]:
        taken, self.orphans = self.orphans, []
        return taken

    def close(self) -> list[Fragment]:
        """End of stream: every message still waiting is an orphan."""
        for waiting in self.pending.values():
            self.orphans.extend(waiting)
        self.pending.clear()
        return self.take_orphans()

    def _add(self, fragment: Fragment) -> list[Fragment] | None:
        key = (fragment.seq, fragment.channel, fragment.count)
        waiting = self.pending.pop(key, None)
        if fragment.number == 1:
            if waiting:
                self.orphans.extend(waiting)
            waiting = [fragment]
        elif waiting and waiting[-1].number == fragment.number - 1:
            waiting.append(fragment)
        else:
            self.orphans.extend([*(waiting or []), fragment])
            return None
        if len(waiting) == fragment.count:
            return waiting
        self.pending[key] = waiting
        return None

    def _expire(self, current_line: int) -> None:
        stale = [
            key
            for key, waiting in self.pending.items()
            if current_line - waiting[-1].source_line > self.max_wait_lines
        ]
        for key in stale:
            self.orphans.extend(self.pending.pop(key))


def _join(fragments: list[Fragment]) -> Message:
    times = [f.timestamp for f in fragments if f.timestamp is not None]
    return Message(
        source_line=fragments[0].source_line,
        raw="\n".join(f.line for f in fragments),
        payload="".join(f.payload for f in fragments),
        fill=fragments[-1].fill,
        timestamp=times[0] if times else None,
    )
