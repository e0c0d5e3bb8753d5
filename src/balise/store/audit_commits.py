"""Group commit of audit appends: the appends waiting for one database are written together.

Every audited read appends an entry to the hash-chained audit log, in a transaction of its own
whose commit waits for the disk (DuckDB syncs its write-ahead log): tens of milliseconds. One
append at a time (the chain needs it) capped the API at a few dozen audited reads a second, and
every other request waited behind them. Here each append joins the queue of its database and
takes the database's lock; whoever gets the lock writes every queued append in one transaction
(one chain, one commit), then each append's caller returns with its own entries stored. Nothing
is written later or elsewhere: an append returns only once its entries are committed, and a
failed commit fails every append it carried (their callers see the error, as before).

The queue also remembers the rows it committed last (`RECENT_ROWS`, as written: every column,
chained): an entry never changes once written, and the audit list's newest page is mostly
entries this process has just written (each read of it appends one), so they are recalled here
rather than read back from the table's last row group. The memory is forgotten whenever this
process opens the database anew (`forget`), since another process may have written it between.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from balise.store.accounts import AuditEntry

Writer = Callable[[Sequence[AuditEntry]], int]
"""Writes entries in one transaction; the seq of the last one."""
Row = tuple[Any, ...]
"""An audit row as written: its values in the table's column order, `seq` first."""

RECENT_ROWS: Final = 1024
"""Committed audit rows remembered at most per database (the oldest forgotten first): ten pages
of the newest entries, more than are written between two reads of the log by twenty clients.
An entry names at most 1,000 records: about 65 MiB at worst, a few MiB as reads write them."""


@dataclass
class _Append:
    """One caller's entries, and what became of them."""

    entries: Sequence[AuditEntry]
    done: bool = False
    last_seq: int = 0
    error: BaseException | None = None


@dataclass
class AuditQueue:
    """The appends waiting for one database, and the lock its chain is written under."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    waiting: list[_Append] = field(default_factory=list)
    guard: threading.Lock = field(default_factory=threading.Lock)
    recent: OrderedDict[int, Row] = field(default_factory=OrderedDict)

    def remember(self, rows: Sequence[Row]) -> None:
        """Keep `rows`, just committed, to be recalled by their seq."""
        with self.guard:
            for row in rows:
                self.recent[int(row[0])] = row
            while len(self.recent) > RECENT_ROWS:
                self.recent.popitem(last=False)

    def recalled(self, seqs: Sequence[int]) -> list[Row] | None:
        """The rows of `seqs` in that order, when every one is remembered; else None."""
        with self.guard:
            found = [self.recent.get(seq) for seq in seqs]
        rows = [row for row in found if row is not None]
        return rows if len(rows) == len(found) else None

    def forget(self) -> None:
        """Forget the rows remembered (the database is opened anew)."""
        with self.guard:
            self.recent.clear()

    def append(self, entries: Sequence[AuditEntry], write: Writer) -> int:
        """Store `entries` (with whichever appends are waiting, through `write`); the seq of
        the last of them."""
        mine = _Append(entries)
        with self.guard:
            self.waiting.append(mine)
        with self.lock:
            if not mine.done:
                self._write_waiting(write)
        if mine.error is not None:
            raise mine.error
        return mine.last_seq

    def _write_waiting(self, write: Writer) -> None:
        with self.guard:
            batch, self.waiting = self.waiting, []
        try:
            last = write([entry for append in batch for entry in append.entries])
        except BaseException as err:
            for append in batch:
                append.error, append.done = err, True
            return
        for append in reversed(batch):  # each append's entries end where the next one's begin
            append.last_seq, append.done = last, True
            last -= len(append.entries)


_QUEUES: dict[str, AuditQueue] = {}
_QUEUES_GUARD = threading.Lock()


def audit_queue(database: str) -> AuditQueue:
    """The queue of the database `database` (`database_key`), shared by its stores."""
    with _QUEUES_GUARD:
        return _QUEUES.setdefault(database, AuditQueue())
