"""Ingestion: open each input, detect its format from content, store it batch by batch.

An input is identified by the sha256 of its bytes: ingesting the same content twice stores nothing
new, and an ingest that was interrupted resumes after its last committed batch (the reader replays
the input deterministically and the batches already stored are skipped).

The steps are the same for every kind of source; a `SourceKind` says what differs: how the format
is told from the first bytes, how an input is read, and where its batches are stored. AIS
(`AIS_SOURCE`, `ingest_input`) is one; the port and access records
(`balise.engine.ingest_records`) are the others.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import queue
import shutil
import sys
import threading
import zipfile
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from functools import partial
from itertools import chain
from pathlib import Path
from typing import BinaryIO, Generic, Protocol, TypeVar, cast

import polars as pl

from balise.engine.ingest_limits import (
    DAMAGE_ERRORS,
    GuardedStream,
    Problem,
    cap_texts,
    guarded,
    problem_batch,
    reader_error,
)
from balise.errors import BaliseError, InputRejected, UsageError
from balise.io.ais_csv import read_ais_csv, sniff_csv
from balise.io.aiscatcher import looks_like_aiscatcher, read_aiscatcher
from balise.io.nmea import looks_like_nmea, read_nmea
from balise.model.batch import ReadBatch, ReadOptions
from balise.store.base import IngestRecord, Store
from balise.workspace import make_private, private_folder

SNIFF_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_FORMAT = "empty"
READ_AHEAD = 1
"""Batches read ahead of the one being stored (each holds a batch's frames in memory)."""

ProgressCallback = Callable[[str, int, int], None]
"""Called with (source name, bytes done, bytes total) after each stored batch."""


class Batch(Protocol):
    """What a reader yields, as far as the ingest job is concerned: its quarantine rows (cut to
    the text cap, refused under `--strict`)."""

    quarantine: pl.DataFrame


B = TypeVar("B", bound=Batch)
T = TypeVar("T")


@dataclass(frozen=True)
class SourceKind(Generic[B]):
    """What differs between kinds of input: `detect` names the format from the first bytes
    (decompressed, at most `SNIFF_BYTES`) and the input's name, `EMPTY_FORMAT` for no content,
    and raises `InputRejected` for content it does not know; `read` yields the batches of an
    input in that format; `problem` makes the batch of an input that ended early (damage, size
    cap); `save` stores one batch (ingest id, batch index). `context` names what the reader is
    given besides the bytes (radar sites, a default sensor): it is part of the ingest's identity,
    so the same input read with another context is read again, not "already ingested".
    `prepare` does what `save` can do before the store's turn, on the read-ahead thread (it must
    not use the store's connection)."""

    detect: Callable[[bytes, str], str]
    read: Callable[[str, BinaryIO, str, ReadOptions], Generator[B, None, None]]
    problem: Callable[[Problem, str], B]
    save: Callable[[Store, str, int, B], None]
    context: str = ""
    prepare: Callable[[Store, B], B] = lambda _store, batch: batch  # nothing to prepare

    def ingest_id(self, digest: str) -> str:
        """The ingest id of an input whose bytes have the sha256 `digest`."""
        if not self.context:
            return digest
        return hashlib.sha256(f"{digest}\0{self.context}".encode()).hexdigest()


@dataclass(frozen=True)
class Input:
    """One input to ingest: a name for reports, a way to open its bytes, and their sha256."""

    name: str
    open: Callable[[], BinaryIO]
    size: int


@dataclass(frozen=True)
class IngestResult:
    """What one input's ingest did: `status` is ingested, resumed, already_ingested or failed
    (the reader broke on the input: a `reader_error` quarantine row says how)."""

    source: str
    ingest_id: str
    source_format: str
    status: str
    counts: pl.DataFrame

    def count(self, counter: str, key: str = "") -> int:
        rows = self.counts.filter((pl.col("counter") == counter) & (pl.col("key") == key))
        return int(rows["count"].sum())

    def by_key(self, counter: str) -> dict[str, int]:
        rows = self.counts.filter(pl.col("counter") == counter)
        return dict(zip(rows["key"].to_list(), rows["count"].to_list(), strict=True))


def _sha256(opener: Callable[[], BinaryIO]) -> str:
    """The sha256 of the input's bytes; for a damaged zip member, of the bytes up to the damage
    (the same on every run, so the ingest still resumes)."""
    digest = hashlib.sha256()
    with opener() as stream:
        try:
            while block := stream.read(1 << 20):
                digest.update(block)
        except DAMAGE_ERRORS:
            digest.update(b"\0damaged")
    return digest.hexdigest()


def expand_inputs(paths: list[str], spool_dir: Path) -> Iterator[Input]:
    """Inputs named on the command line: files, `-` for stdin (spooled), zip members."""
    for path in paths:
        if path == "-":
            yield _spooled_stdin(spool_dir)
            continue
        file = Path(path)
        if not file.is_file():
            raise UsageError(f"no such file: {path}", path=path)
        with file.open("rb") as stream:
            is_zip = stream.read(4) == ZIP_MAGIC
        if is_zip:
            yield from _zip_members(file)
        else:
            yield Input(file.name, partial(_open_file, file), file.stat().st_size)


def _spooled_stdin(spool_dir: Path) -> Input:
    spooled = private_folder(spool_dir) / "stdin"
    with spooled.open("wb") as out:
        make_private(spooled)
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    return Input("stdin", partial(_open_file, spooled), spooled.stat().st_size)


def _zip_members(file: Path) -> Iterator[Input]:
    try:
        with zipfile.ZipFile(file) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
    except zipfile.BadZipFile as err:
        raise InputRejected(f"{file.name}: damaged zip archive: {err}", source=str(file)) from err
    for member in members:
        opener = partial(_open_member, file, member)
        yield Input(f"{file.name}:{member.filename}", opener, member.file_size)


def _open_file(file: Path) -> BinaryIO:
    return file.open("rb")


def _open_member(file: Path, member: zipfile.ZipInfo) -> BinaryIO:
    """A zip member's bytes; the archive's file closes when the member is closed."""
    archive = zipfile.ZipFile(file)
    stream = archive.open(member)
    archive.close()
    return cast(BinaryIO, stream)


@contextmanager
def _decompressed(stream: BinaryIO) -> Iterator[BinaryIO]:
    """`stream`, gunzipped when its first bytes are the gzip magic number."""
    buffered = io.BufferedReader(cast(io.RawIOBase, stream), 1 << 20)
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        with gzip.GzipFile(fileobj=buffered) as unzipped:
            yield cast(BinaryIO, unzipped)
    else:
        yield cast(BinaryIO, buffered)


def _format_of(head: bytes, name: str) -> str:
    """`empty` for an input without content (nothing to read, nothing rejected), `nmea` for one of
    blank lines only (they are counted), otherwise what `detect_format` finds."""
    if not head:
        return EMPTY_FORMAT
    if not head.strip():
        return "nmea"
    return detect_format(head, name)


def detect_format(head: bytes, name: str) -> str:
    """`dma`, `noaa`, `aiscatcher` or `nmea`, from the first bytes of the (decompressed) content.
    JSON lines are tried before NMEA: their `nmea` values hold sentences too."""
    layout = sniff_csv(head)
    if layout is not None:
        return layout
    if looks_like_aiscatcher(head):
        return "aiscatcher"
    if looks_like_nmea(head):
        return "nmea"
    raise InputRejected(
        f"{name}: not a recognised AIS format (expected NMEA 0183 !AIVDM/!AIVDO sentences, "
        "AIS-catcher JSON lines, a Danish Maritime Authority CSV or a NOAA MarineCadastre CSV)",
        source=name,
    )


def _reader(
    fmt: str, stream: BinaryIO, name: str, options: ReadOptions
) -> Generator[ReadBatch, None, None]:
    if fmt == EMPTY_FORMAT:
        return
    if fmt == "nmea":
        yield from read_nmea(stream, name, options)
    elif fmt == "aiscatcher":
        yield from read_aiscatcher(stream, name, options)
    else:
        yield from read_ais_csv(stream, name, "dma" if fmt == "dma" else "noaa", options)


def _store_ais(store: Store, ingest_id: str, batch_index: int, batch: ReadBatch) -> None:
    store.store_batch(ingest_id, batch_index, batch)


def _prepare_ais(store: Store, batch: ReadBatch) -> ReadBatch:
    return store.prepare_batch(batch)


AIS_SOURCE: SourceKind[ReadBatch] = SourceKind(
    _format_of, _reader, problem_batch, _store_ais, prepare=_prepare_ais
)
"""AIS: NMEA, AIS-catcher JSON lines, DMA or NOAA CSV, into positions and identities."""


@contextmanager
def _reading(
    item: Input, options: ReadOptions, kind: SourceKind[B]
) -> Iterator[tuple[str, Iterator[B], BinaryIO]]:
    """The format of `item`, its batches (the first one already made) and its raw stream."""
    with item.open() as raw, _decompressed(raw) as unzipped:
        stream, guard = guarded(unzipped, options.max_input_bytes)
        fmt = kind.detect(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES], item.name)
        reader = kind.read(fmt, stream, item.name, options)
        batches = _reader_failures(_closed_by_problem(reader, guard, item.name, kind.problem))
        try:
            first = next(batches, None)
            yield fmt, chain([] if first is None else [first], batches), raw
        finally:
            batches.close()  # stops the reader's threads before the stream closes


class _ReaderFailed(Exception):
    """A reader raised something unforeseen on one input; `cause` is what it raised."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _reader_failures(batches: Generator[B, None, None]) -> Generator[B, None, None]:
    """The batches; anything the reader raises but Balise's own errors and the interpreter's
    exits becomes `_ReaderFailed`, told apart from errors of the store."""
    try:
        yield from batches
    except (BaliseError, KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as err:  # the safety net behind the specific fixes
        raise _ReaderFailed(err) from err
    finally:
        batches.close()


def _closed_by_problem(
    batches: Generator[B, None, None],
    guard: GuardedStream,
    name: str,
    problem: Callable[[Problem, str], B],
) -> Generator[B, None, None]:
    """The reader's batches, then one with the quarantine row of the damage or size cap that
    ended the input early, if one did (the same on every run, so resumption stays exact)."""
    try:
        yield from batches
    finally:
        batches.close()
    if guard.problem is not None:
        yield problem(guard.problem, name)


def _first_bad(batch: Batch, name: str) -> InputRejected:
    row = batch.quarantine.row(0, named=True)
    detail = f" ({row['detail']})" if row["detail"] else ""
    return InputRejected(
        f"{name}, line {row['source_line']}: {row['reason']}{detail}: {row['raw']!r}",
        source=name,
        line=row["source_line"],
        reason=row["reason"],
    )


def ingest_input(
    item: Input,
    store: Store,
    options: ReadOptions,
    strict: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestResult:
    """Ingest one input into `store` (or recognise it as already ingested).

    The content is hashed on a thread while the reader makes the first batch; nothing is stored
    before the hash says whether to store, and from which batch.

    Whatever the reader raises on this input (a `PanicException` from polars' Rust code is a
    `BaseException`) ends this input only: it is recorded as a `reader_error` quarantine row, the
    ingest is marked failed and the result says `failed`. Balise's own errors (`--strict`, an
    unknown format), KeyboardInterrupt, SystemExit and errors of the store propagate.
    """
    return ingest_with(AIS_SOURCE, item, store, options, strict, progress)


def ingest_with(
    kind: SourceKind[B],
    item: Input,
    store: Store,
    options: ReadOptions,
    strict: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestResult:
    """Ingest one input of `kind` into `store`, as `ingest_input` does AIS."""
    try:
        return _ingest(kind, item, store, options, strict, progress)
    except _ReaderFailed as failed:
        return _failed(kind.ingest_id(_sha256(item.open)), item, store, options, failed.cause)


def _failed(
    ingest_id: str, item: Input, store: Store, options: ReadOptions, err: BaseException
) -> IngestResult:
    """Record that the reader broke on `item`: a `reader_error` row, the ingest marked failed."""
    record = store.ingest(ingest_id) or store.start_ingest(
        IngestRecord(ingest_id, item.name, "unknown", "running", 0, options.batch_records)
    )
    rows = reader_error(err, item.name, options.max_quarantine_text_bytes)
    store.fail_ingest(ingest_id, rows)
    counts = store.ingest_counts(ingest_id)
    return IngestResult(item.name, ingest_id, record.source_format, "failed", counts)


def _ingest(
    kind: SourceKind[B],
    item: Input,
    store: Store,
    options: ReadOptions,
    strict: bool,
    progress: ProgressCallback | None,
) -> IngestResult:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hasher:
        digest = hasher.submit(_sha256, item.open)
        replay = options
        while True:
            with _reading(item, replay, kind) as (fmt, batches, raw):
                ingest_id = kind.ingest_id(digest.result())
                existing = store.ingest(ingest_id)
                if existing is not None and existing.status == "complete":
                    counts = store.ingest_counts(ingest_id)
                    return IngestResult(
                        item.name, ingest_id, existing.source_format, "already_ingested", counts
                    )
                record = store.start_ingest(
                    IngestRecord(ingest_id, item.name, fmt, "running", 0, options.batch_records)
                )
                if record.batch_records == replay.batch_records:
                    _store(
                        kind, item, store, record, batches, raw, strict, progress,
                        options.max_quarantine_text_bytes,
                    )  # fmt: skip
                    break
            # an interrupted ingest resumes on batches of the size it started with
            replay = replace(options, batch_records=record.batch_records)
    store.finish_ingest(ingest_id)
    status = "resumed" if record.batches_done else "ingested"
    return IngestResult(item.name, ingest_id, fmt, status, store.ingest_counts(ingest_id))


def _store(
    kind: SourceKind[B],
    item: Input,
    store: Store,
    record: IngestRecord,
    batches: Iterator[B],
    raw: BinaryIO,
    strict: bool,
    progress: ProgressCallback | None,
    max_text_bytes: int,
) -> None:
    """Store the batches after the ones `record` says are done; the next batch is read and
    prepared (`kind.prepare`) while one is stored (`_read_ahead`)."""
    with _read_ahead(_prepared(kind, store, batches, record.batches_done)) as ahead:
        for index, batch in enumerate(ahead):
            if index < record.batches_done:
                continue
            if strict and not batch.quarantine.is_empty():
                raise _first_bad(batch, item.name)
            batch.quarantine = cap_texts(batch.quarantine, max_text_bytes)
            kind.save(store, record.ingest_id, index, batch)
            if progress is not None:
                progress(item.name, raw.tell(), item.size)


def _prepared(
    kind: SourceKind[B], store: Store, batches: Iterator[B], batches_done: int
) -> Iterator[B]:
    """The batches, those after the first `batches_done` prepared for the store (on the thread
    that draws them: the read-ahead thread)."""
    for index, batch in enumerate(batches):
        yield batch if index < batches_done else kind.prepare(store, batch)


_END = object()
"""What the read-ahead thread queues after the last batch."""


@contextmanager
def _read_ahead(batches: Iterator[T], depth: int = READ_AHEAD) -> Iterator[Iterator[T]]:
    """The batches, drawn on a thread `depth` batches ahead of the caller: the reader makes the
    next batch while the store writes this one (DuckDB and the reader's NumPy and Polars work
    release the interpreter lock). Only that thread touches the reader; what the reader raises
    is raised in the caller, in the same place. On leaving, the thread is stopped (after the
    batch it is making) and joined before the reader is closed."""
    queued: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(depth)
    stop = threading.Event()

    def draw() -> None:
        try:
            for batch in batches:
                queued.put((batch, None))
                if stop.is_set():
                    return
            queued.put((_END, None))
        except BaseException as err:  # handed to the caller, which raises it
            queued.put((_END, err))

    def taken() -> Iterator[T]:
        while True:
            batch, err = queued.get()
            if err is not None:
                raise err
            if batch is _END:
                return
            yield cast(T, batch)

    thread = threading.Thread(target=draw, name="read-ahead", daemon=True)
    thread.start()
    try:
        yield taken()
    finally:
        stop.set()
        while thread.is_alive():
            with suppress(queue.Empty):
                queued.get(timeout=0.05)
        thread.join()


@contextmanager
def ais_batches(
    item: Input, options: ReadOptions, strict: bool = False
) -> Iterator[tuple[str, Iterator[ReadBatch]]]:
    """The format of AIS input `item` and its batches, read as `ingest_input` reads them (format
    detected, decompressed, capped; quarantine texts cut to the cap; under `strict` the first
    bad record raises `InputRejected`), for writers other than the store (the position lake).

    A reader that breaks on the input ends its batches with one holding the `reader_error`
    quarantine row, as `ingest_input` records it: what was read before is kept."""
    try:
        with _reading(item, options, AIS_SOURCE) as (fmt, batches, _raw):
            yield fmt, _checked(batches, item.name, options, strict)
    except _ReaderFailed as failed:  # the reader broke on the first batch
        yield "unknown", iter([_reader_failed(failed, item.name, options)])


def _checked(
    batches: Iterator[ReadBatch], name: str, options: ReadOptions, strict: bool
) -> Iterator[ReadBatch]:
    try:
        for batch in batches:
            if strict and not batch.quarantine.is_empty():
                raise _first_bad(batch, name)
            batch.quarantine = cap_texts(batch.quarantine, options.max_quarantine_text_bytes)
            yield batch
    except _ReaderFailed as failed:
        yield _reader_failed(failed, name, options)


def _reader_failed(failed: _ReaderFailed, name: str, options: ReadOptions) -> ReadBatch:
    return ReadBatch(quarantine=reader_error(failed.cause, name, options.max_quarantine_text_bytes))


def input_sha256(item: Input) -> str:
    """The sha256 of `item`'s bytes (its identity for ingests)."""
    return _sha256(item.open)
