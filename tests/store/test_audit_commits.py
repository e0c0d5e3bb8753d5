"""Audit appends racing on one database: committed together, one unbroken chain, each caller's
entries where its returned seq says."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from balise.store.accounts import AuditEntry, AuditQuery
from balise.store.audit_commits import AuditQueue, audit_queue
from balise.store.duckdb import DuckDBStore
from balise.store.duckdb_connection import database_key


def entry(user: str, records: int) -> AuditEntry:
    return AuditEntry(time=datetime.now(UTC), user=user, agency="customs", role="analyst",
                      address="127.0.0.1", action="read", route="GET /api/v1/alerts",
                      resource="alert", records=tuple(f"r{i}" for i in range(records)),
                      count=records, detail="")  # fmt: skip


def test_racing_appends_keep_one_chain(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "balise.duckdb")
    seqs: dict[str, int] = {}
    start = threading.Barrier(12)

    def reader(index: int) -> None:
        cursor = store.cursor()
        try:
            start.wait()
            for round_ in range(5):
                user = f"u{index}-{round_}"
                seqs[user] = cursor.append_audit([entry(user, index), entry(user, 0)])
        finally:
            cursor.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert store.verify_audit().ok
        log = store.audit(AuditQuery(oldest_first=True))
    finally:
        store.close()
    assert log["seq"].to_list() == list(range(1, 121))
    for user, last in seqs.items():
        mine = log.filter(log["user"] == user)
        assert mine["seq"].to_list() == [last - 1, last]  # a caller's entries stay together


def test_a_failed_commit_fails_every_append_it_carried() -> None:
    queue = AuditQueue()
    queue.lock.acquire()  # a commit under way: the next appends wait together
    errors: list[BaseException] = []

    def append() -> None:
        try:
            queue.append([entry("u", 1)], lambda entries: 1 // 0)
        except ZeroDivisionError as err:
            errors.append(err)

    threads = [threading.Thread(target=append) for _ in range(3)]
    for thread in threads:
        thread.start()
    while len(queue.waiting) < 3:
        threading.Event().wait(0.001)
    queue.lock.release()
    for thread in threads:
        thread.join()
    assert len(errors) == 3


def test_nothing_to_append_writes_nothing(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "balise.duckdb")
    try:
        assert store.append_audit([]) == 0
        assert store.audit(AuditQuery()).is_empty()
    finally:
        store.close()


@pytest.mark.parametrize("batch", [[1], [2, 3], [1, 1, 1]])
def test_each_append_gets_the_seq_of_its_last_entry(batch: list[int]) -> None:
    queue = AuditQueue()
    written: list[int] = []

    def write(entries: object) -> int:
        assert isinstance(entries, list)
        written.append(len(entries))
        return 100

    queue.lock.acquire()
    results: dict[int, int] = {}
    threads = [threading.Thread(target=lambda i=i, n=n: results.__setitem__(
        i, queue.append([entry("u", 0)] * n, write))) for i, n in enumerate(batch)]  # fmt: skip
    for thread in threads:
        thread.start()
    while len(queue.waiting) < len(batch):
        threading.Event().wait(0.001)
    order = [len(append.entries) for append in queue.waiting]  # the order they queued in
    queue.lock.release()
    for thread in threads:
        thread.join()
    assert written == [sum(batch)]  # one transaction for all
    assert sorted(results.values()) == sorted(100 - sum(order[k + 1 :]) for k in range(len(order)))


def test_a_long_batch_is_inserted_in_chunks_and_read_by_page(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "balise.duckdb")
    try:
        last = store.append_audit([entry(f"u{i}", i % 3) for i in range(150)])  # > one insert
        assert last == 150
        assert store.verify_audit().ok
        newest = store.audit(AuditQuery(), 10)
        assert newest["seq"].to_list() == list(range(150, 140, -1))
        assert store.audit_seqs(AuditQuery(), 10) == newest["seq"].to_list()
        after = AuditQuery(after_seq=141, user="u7")
        assert store.audit_seqs(after, 5) == store.audit(after, 5)["seq"].to_list() == [8]
        some = store.audit_entries([3, 90, 149])
        assert some["seq"].to_list() == [3, 90, 149]
        assert some["records"].to_list() == [["r0", "r1"], ["r0", "r1"], ["r0"]]
        assert store.audit_entries([]).is_empty()
    finally:
        store.close()


def test_entries_just_written_are_recalled_as_the_table_holds_them(tmp_path: Path) -> None:
    path = tmp_path / "balise.duckdb"
    store = DuckDBStore(path)
    paris = timezone(timedelta(hours=1))
    other = AuditEntry(time=datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=paris), user="b",
                       agency="navy", role="admin", address="::1", action="change",
                       route="POST /api/v1/lists", resource="lists", records=(), count=0,
                       detail="list created")  # fmt: skip
    written = [entry("a", 3), other, entry("c", 0)]
    try:
        last = store.append_audit(written)
        seqs = [last, last - 2, last - 1, last]
        queue = audit_queue(database_key(path))
        assert queue.recalled(sorted(set(seqs))) is not None, "remembered when committed"
        recalled = store.audit_entries(seqs)
        queue.forget()
        assert queue.recalled([last]) is None
        read = store.audit_entries(seqs)
    finally:
        store.close()
    assert recalled.schema == read.schema
    assert recalled.to_dicts() == read.to_dicts()
    assert read["seq"].to_list() == [last - 2, last - 1, last]
    assert read["time"][1] == datetime(2026, 3, 1, 11, 0, 0, 123456, tzinfo=UTC)


def test_what_is_remembered_is_forgotten_when_the_database_is_opened_anew(
    tmp_path: Path,
) -> None:
    path = tmp_path / "balise.duckdb"
    store = DuckDBStore(path)
    last = store.append_audit([entry("a", 1)])
    store.close()
    con = duckdb.connect(str(path))  # another process, say, rewrites the entry
    con.execute("UPDATE audit_log SET detail = 'rewritten' WHERE seq = ?", [last])
    con.close()
    again = DuckDBStore(path)
    try:
        assert again.audit_entries([last])["detail"].to_list() == ["rewritten"]
    finally:
        again.close()
