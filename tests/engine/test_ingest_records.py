"""Ingestion of port and access records: the AIS ingest's guarantees (idempotence, resumption,
compressed inputs, strictness, caps) hold for them too."""

from __future__ import annotations

import gzip
import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from balise.engine.ingest import Input, expand_inputs
from balise.engine.ingest_records import ingest_records
from balise.errors import InputRejected
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind
from balise.store.duckdb import DuckDBStore

RECORDS = Path(__file__).parents[1] / "data" / "records"
OPTIONS = ReadOptions(batch_records=2)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    opened = DuckDBStore(tmp_path / "balise.duckdb")
    yield opened
    opened.close()


def _input(path: Path) -> Input:
    (item,) = expand_inputs([str(path)], path.parent / "spool")
    return item


def test_the_same_content_twice_stores_nothing_new(store: DuckDBStore, tmp_path: Path) -> None:
    first = ingest_records(RecordKind.RELEASES, _input(RECORDS / "releases.csv"), store, OPTIONS)
    assert (first.status, first.source_format) == ("ingested", "releases_csv")
    # batches of two lines: the re-issue of REL-0001 (line 6) replaces the first (line 2)
    assert (first.count("records_read"), first.count("records_stored")) == (7, 4)
    assert first.count("records_replaced") == 1
    assert first.by_key("quarantined") == {
        "bad_container_number": 1, "bad_time": 1, "missing_field": 1,
    }  # fmt: skip
    before = store.releases()
    copy = tmp_path / "renamed.csv"
    copy.write_bytes((RECORDS / "releases.csv").read_bytes())
    again = ingest_records(RecordKind.RELEASES, _input(copy), store, OPTIONS)
    assert again.status == "already_ingested"
    assert again.count("records_stored") == 4
    assert store.releases().equals(before)
    assert before["release_id"].to_list() == ["REL-0001", "REL-0002", "REL-0003"]
    assert store.quarantine()["source_line"].to_list() == [7, 8, 9]


class _InterruptedError(Exception):
    pass


def test_an_interrupted_ingest_completes_when_run_again(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = DuckDBStore.store_records
    calls = {"n": 0}

    def crash_on_second(self: DuckDBStore, ingest_id: str, index: int, batch: RecordBatch) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise _InterruptedError
        real(self, ingest_id, index, batch)

    monkeypatch.setattr(DuckDBStore, "store_records", crash_on_second)
    log = _input(RECORDS / "access-log.jsonl")
    with pytest.raises(_InterruptedError):
        ingest_records(RecordKind.ACCESS_LOG, log, store, OPTIONS)
    assert store.access_log().height == 2
    monkeypatch.setattr(DuckDBStore, "store_records", real)
    result = ingest_records(RecordKind.ACCESS_LOG, log, store, OPTIONS)
    assert result.status == "resumed"
    assert result.count("records_read") == 6
    assert result.count("records_stored") == store.access_log().height == 4
    assert result.by_key("quarantined") == {"bad_action": 1, "bad_json": 1}


def test_compressed_inputs_and_the_access_log_formats(store: DuckDBStore, tmp_path: Path) -> None:
    gz = tmp_path / "log.gz"
    gz.write_bytes(gzip.compress((RECORDS / "access-log.jsonl").read_bytes()))
    result = ingest_records(RecordKind.ACCESS_LOG, _input(gz), store, OPTIONS)
    assert (result.source_format, result.count("records_stored")) == ("access_jsonl", 4)
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(RECORDS / "access-log.csv", "export/access-log.csv")
    (member,) = expand_inputs([str(archive)], tmp_path)
    result = ingest_records(RecordKind.ACCESS_LOG, member, store, OPTIONS)
    assert result.source == "logs.zip:export/access-log.csv"
    assert result.source_format == "access_csv"
    assert (result.count("records_stored"), result.count("duplicates")) == (1, 1)


def test_strict_stops_at_the_first_bad_record(store: DuckDBStore) -> None:
    with pytest.raises(InputRejected, match=r"gate\.csv, line 5: bad_direction"):
        ingest_records(RecordKind.GATE, _input(RECORDS / "gate.csv"), store, OPTIONS, strict=True)


def test_an_input_of_another_kind_is_rejected_before_anything_is_stored(
    store: DuckDBStore,
) -> None:
    gate = RECORDS / "gate.csv"
    with pytest.raises(InputRejected, match="not a staff CSV header"):
        ingest_records(RecordKind.STAFF, _input(gate), store, OPTIONS)
    assert store.ingest(hashlib.sha256(gate.read_bytes()).hexdigest()) is None
    assert ingest_records(RecordKind.GATE, _input(gate), store, OPTIONS).status == "ingested"


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (RecordKind.WORK, "staff.csv"),
        (RecordKind.WORK, "access-log.csv"),
        (RecordKind.WORK, "releases.csv"),
        (RecordKind.STAFF, "work.csv"),
        (RecordKind.ACCESS_LOG, "work.csv"),
        (RecordKind.GATE, "work.csv"),
    ],
)
def test_work_assignments_and_the_other_kinds_are_not_taken_for_each_other(
    store: DuckDBStore, kind: RecordKind, name: str
) -> None:
    path = RECORDS / name
    with pytest.raises(InputRejected, match=f"not a {kind} CSV header"):
        ingest_records(kind, _input(path), store, OPTIONS)
    assert store.ingest(hashlib.sha256(path.read_bytes()).hexdigest()) is None


def test_work_assignments_in_batches_store_each_pair_once(store: DuckDBStore) -> None:
    result = ingest_records(RecordKind.WORK, _input(RECORDS / "work.csv"), store, OPTIONS)
    assert result.source_format == "work_csv"
    # batches of two lines: the repeated pair (line 10) meets the stored one of the first batch
    assert (result.count("records_read"), result.count("records_stored")) == (9, 6)
    assert (result.count("duplicates"), result.count("records_replaced")) == (1, 0)
    assert result.by_key("quarantined") == {"missing_field": 2}
    assert store.work_assignments(user="jvries")["record"].to_list() == [
        "AL-000417", "CSQU3054383", "csqu 305438-3",
    ]  # fmt: skip


def test_an_empty_input_is_ingested_as_empty(store: DuckDBStore, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = ingest_records(RecordKind.STAFF, _input(empty), store, OPTIONS)
    assert (result.status, result.source_format, result.count("records_read")) == (
        "ingested", "empty", 0,
    )  # fmt: skip


def test_the_ingest_caps_apply(store: DuckDBStore, tmp_path: Path) -> None:
    data = (RECORDS / "staff.csv").read_bytes()
    cut = len(data.split(b"\n", 3)[0]) + len(data.split(b"\n", 3)[1]) + 60
    options = ReadOptions(max_input_bytes=cut)
    result = ingest_records(RecordKind.STAFF, _input(RECORDS / "staff.csv"), store, options)
    assert store.staff()["user"].to_list() == ["jvries"]
    # the line cut by the cap is read as far as it goes: its time zone is cut short
    reasons = store.quarantine(result.ingest_id)["reason"].to_list()
    assert reasons == ["input_too_large", "unknown_timezone"]
    long = tmp_path / "long.csv"
    long.write_text("user,ports\n" + "ana," + "X" * 200 + "\n")
    short_texts = ReadOptions(max_quarantine_text_bytes=8)
    result = ingest_records(RecordKind.STAFF, _input(long), store, short_texts)
    assert store.quarantine(result.ingest_id)["raw"].to_list() == ["ana,XXXX…"]
