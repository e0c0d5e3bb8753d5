"""Lenient streaming reader for the national AIS CSV archives: DMA (Denmark) and NOAA (US).

A DMA day is ~17 M rows, 3–5 GB, so the reader streams: it reads 8 MiB blocks, indexes their
lines with numpy (line number, field count), parses a batch's well-formed lines with one
`pl.read_csv` as text, then casts whole columns and cleans them in one lazy plan. Parsing and
cleaning run on two worker threads, each a batch ahead of the next stage. Python touches a line
only to keep the original text of a quarantined one.

Facts used (the Danish Maritime Authority's AIS archive, web.ais.dk/aisdata; the MarineCadastre
AIS data dictionary, marinecadastre.gov/ais; the DMA rows in tests/data/dma-aisdk-header):

- DMA: first header field literally `# Timestamp`; 22 columns (2018) or 26 (A, B, C, D added); UTC
  times, day-first `%d/%m/%Y %H:%M:%S`; "Unknown", "Undefined", "" or " " for missing values;
  `Type of mobile` separates Class A/B transponders from base stations, AtoN and SAR aircraft;
  static-only rows carry the lat 91 / lon 181 "not available" sentinels; navigational status is
  ITU-R M.1371 text (the archive writes "Restricted maneuverability").
- NOAA MarineCadastre: `MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,
  VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass` (older years lack TransceiverClass),
  ISO times in UTC, IMO written `IMO9074729`, VesselType and Status as ITU codes.

Neither archive quotes fields, so quotes are read as text: a quoted comma gives a quarantine row
(`wrong_field_count`) rather than a record whose columns are silently shifted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import BinaryIO, Literal, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.errors import InputRejected
from balise.io.nmea_time import time_window
from balise.maritime.clean import (
    ENGINE,
    REJECT_COLUMNS,
    CleanPlan,
    identity_plan,
    identity_reject_reason,
    position_plan,
)
from balise.model.arrays import BoolArray, IntArray, UInt8Array
from balise.model.batch import ReadBatch, ReadOptions
from balise.model.schema import (
    IDENTITY_FIELDS,
    IDENTITY_SCHEMA,
    POSITION_SCHEMA,
    QUARANTINE_SCHEMA,
    conform,
)

Layout = Literal["dma", "noaa"]
_T = TypeVar("_T")

CHUNK_BYTES = 8 * 2**20
"""Bytes read at a time. 8 MiB measured ~12 % faster than 32 MiB: buffers of this size are recycled
by the allocator instead of being mapped and page-faulted in afresh for every block."""
MAX_LINE_BYTES = 2**16 - 1
"""Longer lines are quarantined unread (a real row is < 1 KB): 16-bit comma counts stay exact, and
a line with no newline in sight keeps only its first 64 KiB in memory."""

NEWLINE, CARRIAGE_RETURN, COMMA = ord("\n"), ord("\r"), ord(",")
NULL_WORDS = ("", "Unknown", "Undefined", "unknown", "undefined", "UNKNOWN", "UNDEFINED")
"""What DMA writes for a missing value, besides an empty field or a space."""

TIME_FORMATS: dict[Layout, str] = {"dma": "%d/%m/%Y %H:%M:%S", "noaa": "%Y-%m-%dT%H:%M:%S"}

COLUMNS: dict[Layout, dict[str, str]] = {
    "dma": {
        "timestamp": "# Timestamp", "mobile": "Type of mobile", "mmsi": "MMSI",
        "lat": "Latitude", "lon": "Longitude", "nav_status": "Navigational status",
        "sog_knots": "SOG", "cog_deg": "COG", "heading_deg": "Heading", "imo": "IMO",
        "call_sign": "Callsign", "name": "Name", "ship_type_text": "Ship type",
        "width_m": "Width", "length_m": "Length", "draught_m": "Draught",
        "destination": "Destination", "eta": "ETA",
    },
    "noaa": {
        "mmsi": "MMSI", "timestamp": "BaseDateTime", "lat": "LAT", "lon": "LON",
        "sog_knots": "SOG", "cog_deg": "COG", "heading_deg": "Heading", "name": "VesselName",
        "imo": "IMO", "call_sign": "CallSign", "ship_type": "VesselType", "nav_status": "Status",
        "length_m": "Length", "width_m": "Width", "draught_m": "Draft",
        "mobile": "TransceiverClass",
    },
}  # fmt: skip
"""Our column name -> the archive's header name (matched case-insensitively)."""

REQUIRED: dict[Layout, tuple[str, ...]] = {
    "dma": ("timestamp", "mobile", "mmsi", "lat", "lon"),
    "noaa": ("timestamp", "mmsi", "lat", "lon"),
}
POSITION_NUMBERS = ("lat", "lon", "sog_knots", "cog_deg")
DIMENSIONS = ("length_m", "width_m", "draught_m")

DMA_MOBILE_TYPES = {"class a": 1, "class b": 18, "base station": 4, "aton": 21, "sar airborne": 9}
"""DMA `Type of mobile` -> the AIS message type that carries such reports; a row of any other
type (0) is quarantined `unknown_mobile_type` with the text, never dropped unseen."""
NOAA_TRANSCEIVER_TYPES = {"a": 1, "b": 18}
POSITION_TYPES = (1, 18)

NAV_STATUS_CODES = {
    "under way using engine": 0, "at anchor": 1, "not under command": 2,
    "restricted manoeuverability": 3, "restricted maneuverability": 3,
    "restricted manoeuvrability": 3, "constrained by her draught": 4, "moored": 5,
    "aground": 6, "engaged in fishing": 7, "under way sailing": 8,
    "reserved for future amendment [hsc]": 9, "reserved for future amendment [wig]": 10,
    "power-driven vessel towing astern": 11,
    "power-driven vessel pushing ahead or towing alongside": 12,
    "reserved for future use": 13, "ais-sart": 14, "unknown value": 15,
}  # fmt: skip
"""ITU-R M.1371 navigational status text -> code (15: not defined)."""

BAD_VALUE_LABELS = {
    "sog_knots": "bad_sog", "cog_deg": "bad_cog", "heading_deg": "bad_heading",
    "nav_status": "bad_nav_status", "imo": "bad_imo", "ship_type": "bad_ship_type",
    "length_m": "bad_length", "width_m": "bad_width", "draught_m": "bad_draught", "eta": "bad_eta",
}  # fmt: skip
"""Optional values that do not parse become null and are counted in `cleared` under these names."""


def sniff_csv(head: bytes) -> Layout | None:
    """Which CSV layout the first bytes (the header line) show, from content, not file name."""
    return _layout_of(_header_fields(head.split(b"\n", 1)[0]))


def read_ais_csv(
    stream: BinaryIO, source: str, layout: Layout, options: ReadOptions
) -> Iterator[ReadBatch]:
    """Batches of `options.batch_records` data rows of a DMA or NOAA CSV `stream`.

    Lenient: bad rows are quarantined with their line number and text, the rows around them kept.
    Raises `InputRejected` only for a header that is not a `layout` header; an empty file gives
    no batch.
    """
    header, rest = _read_header(stream)
    if not header.strip() and not rest.strip() and not stream.read(1):
        return
    plan = _Plan.of(_header_fields(header), layout, source)
    batches = _batches(_blocks(stream, rest), max(1, options.batch_records))
    parsed = _ahead(_Parsed.of(batch, plan) for batch in batches)
    yield from _ahead(_read_batch(batch, plan) for batch in parsed)


def _ahead(items: Iterator[_T]) -> Iterator[_T]:
    """`items`, the next one made on a worker thread while the caller uses the current one.

    The reader chains two: a batch is read and parsed on one thread, the previous one decoded and
    cleaned on another, while the caller stores the one before (polars, numpy and DuckDB release
    the GIL). Three batches at most are in flight.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ais-csv") as worker:
        pending = worker.submit(next, items, None)
        while (item := pending.result()) is not None:
            pending = worker.submit(next, items, None)
            yield item


@dataclass(frozen=True)
class _Plan:
    """What the header says: the layout, the field count and where each of our columns is."""

    layout: Layout
    source: str
    field_count: int
    columns_at: dict[str, int]

    @classmethod
    def of(cls, fields: list[str], layout: Layout, source: str) -> _Plan:
        index = {name.lower(): i for i, name in reversed(list(enumerate(fields)))}
        wanted = COLUMNS[layout]
        found = {c: index[h.lower()] for c, h in wanted.items() if h.lower() in index}
        missing = [wanted[c] for c in REQUIRED[layout] if c not in found]
        if missing or _layout_of(fields) != layout:
            raise InputRejected(
                f"{source}: not a {layout.upper()} AIS CSV header",
                source=source, layout=layout, missing_columns=missing, header=fields[:30],
            )  # fmt: skip
        return cls(layout, source, len(fields), dict(sorted(found.items(), key=lambda p: p[1])))


def _header_fields(line: bytes) -> list[str]:
    text = line.rstrip(b"\r").decode("utf-8", errors="replace").lstrip("\ufeff")
    return [field.strip() for field in text.split(",")]


def _layout_of(fields: list[str]) -> Layout | None:
    if fields[0].lower() == "# timestamp":
        return "dma"
    if {"mmsi", "basedatetime", "lat", "lon"} <= {field.lower() for field in fields}:
        return "noaa"
    return None


def _read_header(stream: BinaryIO) -> tuple[bytes, bytes]:
    """The header line and the bytes read after it."""
    head = stream.read(CHUNK_BYTES)
    while b"\n" not in head and len(head) <= MAX_LINE_BYTES:
        if not (more := stream.read(CHUNK_BYTES)):
            break
        head += more
    header, _, rest = head.partition(b"\n")
    return header, rest


# --- Lines: blocks cut at newlines, indexed with numpy -------------------------------------------


class _Flags:
    """A reusable array for byte comparisons: a fresh block-sized one per comparison costs more in
    page faults than the comparison itself."""

    def __init__(self) -> None:
        self._flags = np.empty(0, np.bool_)

    def equal(self, buffer: UInt8Array, byte: int) -> BoolArray:
        """`buffer == byte`, valid until the next call."""
        if len(self._flags) < len(buffer):
            self._flags = np.empty(max(len(buffer), CHUNK_BYTES), np.bool_)
        return np.equal(buffer, byte, out=self._flags[: len(buffer)])


@dataclass(frozen=True)
class _Lines:
    """The non-blank lines of a block: start, newline offset, line number, field count of each."""

    data: bytes
    starts: IntArray
    ends: IntArray
    numbers: IntArray
    field_counts: npt.NDArray[np.uint16]
    first_number: int
    next_number: int
    """Lines `first_number` to `next_number` (exclusive) are covered, blank ones included."""

    @classmethod
    def index(cls, data: bytes, begin: int, first_number: int, flags: _Flags) -> _Lines:
        """The lines of `data` from offset `begin` to its last newline, from `first_number` on."""
        buffer = np.frombuffer(data, np.uint8)
        ends = np.flatnonzero(flags.equal(buffer[begin:], NEWLINE)) + begin
        starts = np.concatenate(([begin], ends[:-1] + 1))[: len(ends)]
        is_comma = flags.equal(buffer[: ends[-1] + 1 if len(ends) else 0], COMMA).view(np.uint8)
        # counted modulo 256 (a whole-block uint16 copy costs more than the count): exact for
        # lines shorter than 256 bytes, the longer ones are recounted one by one
        lengths = ends - starts
        commas = np.add.reduceat(is_comma, starts, dtype=np.uint8) if len(ends) else ends
        commas = commas.astype(np.uint16)
        for i in np.flatnonzero((lengths > 0xFF) & (lengths <= MAX_LINE_BYTES)).tolist():
            commas[i] = np.add.reduce(is_comma[starts[i] : ends[i]], dtype=np.uint16)
        field_counts = np.where(lengths > MAX_LINE_BYTES, 0, commas + 1).astype(np.uint16)
        numbers = np.arange(first_number, first_number + len(ends), dtype=np.int64)
        keep = (lengths > 1) | ((lengths == 1) & (buffer[starts] != CARRIAGE_RETURN))
        return cls(
            data, starts[keep], ends[keep], numbers[keep], field_counts[keep],
            first_number, first_number + len(ends),
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def blank_lines(self) -> int:
        return self.next_number - self.first_number - len(self)

    def part(self, begin: int, end: int) -> _Lines:
        """Lines `begin` to `end` (exclusive) and the blank lines before them, sharing the bytes."""
        cut = slice(begin, end)
        first = int(self.numbers[begin - 1]) + 1 if begin else self.first_number
        last = int(self.numbers[end]) if end < len(self) else self.next_number
        return _Lines(
            self.data, self.starts[cut], self.ends[cut], self.numbers[cut],
            self.field_counts[cut], first, last,
        )  # fmt: skip

    def texts(self, chosen: IntArray) -> list[str]:
        """The original text of the `chosen` lines, decoded leniently.

        The lines are joined and decoded at once: a newline is never part of an invalid UTF-8
        sequence, so each line decodes as it would alone.
        """
        starts, ends = self.starts[chosen], self.ends[chosen]
        buffer = np.frombuffer(self.data, np.uint8)
        ends = ends - ((ends > starts) & (buffer[ends - 1] == CARRIAGE_RETURN))
        data = memoryview(self.data)
        raw = b"\n".join(data[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True))
        return raw.decode("utf-8", errors="replace").split("\n") if len(chosen) else []

    def runs(self, chosen: BoolArray) -> list[memoryview]:
        """The bytes of the `chosen` lines, newlines included, as runs of adjacent lines."""
        starts, ends = self.starts[chosen], self.ends[chosen]
        if not len(starts):
            return []
        breaks = np.flatnonzero(starts[1:] != ends[:-1] + 1) + 1
        run_starts = starts[np.concatenate(([0], breaks))].tolist()
        run_ends = (ends[np.concatenate((breaks - 1, [len(ends) - 1]))] + 1).tolist()
        data = memoryview(self.data)
        return [data[s:e] for s, e in zip(run_starts, run_ends, strict=True)]


def _blocks(stream: BinaryIO, rest: bytes) -> Iterator[_Lines]:
    """The non-blank lines after the header (line 1), block by block.

    A block is indexed where it was read, without copying it: only the line it shares with the
    previous block is joined.
    """
    carry, number, block = b"", 2, rest
    flags = _Flags()
    while block:
        first, last = block.find(b"\n"), block.rfind(b"\n")
        if first < 0:  # keep no more of an endless line than its quarantine row needs
            carry = (carry + block)[: MAX_LINE_BYTES + 1]
        else:
            for data, begin in ((carry + block[: first + 1], 0), (block, first + 1)):
                lines = _Lines.index(data, begin, number, flags)
                number = lines.next_number
                yield lines
            carry = block[last + 1 :]
        block = stream.read(CHUNK_BYTES)
    if carry:
        yield _Lines.index(carry + b"\n", 0, number, flags)


def _batches(blocks: Iterator[_Lines], size: int) -> Iterator[list[_Lines]]:
    """The lines regrouped into batches of `size` non-blank lines (the last one shorter)."""
    pending: list[_Lines] = []
    count = 0
    for lines in blocks:
        begin = 0
        while len(lines) - begin >= size - count:
            pending.append(lines.part(begin, begin + size - count))
            begin += size - count
            yield pending
            pending, count = [], 0
        rest = lines.part(begin, len(lines))
        if rest.next_number > rest.first_number:
            pending.append(rest)
            count += len(rest)
    if pending:
        yield pending


# --- Parsing: text columns, then whole-column casts ----------------------------------------------


def _misfits(batch: list[_Lines], fits: list[BoolArray], plan: _Plan) -> pl.DataFrame:
    """Quarantine rows (line, reason, detail) of the lines without the header's field count."""
    numbers = np.concatenate([lines.numbers[~fit] for lines, fit in zip(batch, fits, strict=True)])
    counts = np.concatenate(
        [lines.field_counts[~fit] for lines, fit in zip(batch, fits, strict=True)]
    )
    found = [f"{n} found" if n else "line too long" for n in counts.tolist()]
    return pl.DataFrame(
        {"source_line": numbers, "reason": "wrong_field_count",
         "detail": [f"{plan.field_count} fields expected, {n}" for n in found]},
        schema={c: QUARANTINE_SCHEMA[c] for c in REJECT_COLUMNS},
    )  # fmt: skip


def _text_columns(csv: bytes, numbers: IntArray, plan: _Plan) -> pl.DataFrame:
    """Our columns, as text, of the well-formed lines `csv` (line numbers `numbers`)."""
    names = list(plan.columns_at)
    if csv:
        # strict UTF-8 parsing is ~20 % faster; pure ASCII (most archive files) is valid UTF-8
        ascii = np.frombuffer(csv, np.uint8).max() < 0x80
        frame = pl.read_csv(
            csv, has_header=False, infer_schema=False, quote_char=None,
            columns=list(plan.columns_at.values()), encoding="utf8" if ascii else "utf8-lossy",
        )  # fmt: skip
        frame.columns = names
    else:
        frame = pl.DataFrame(schema=dict.fromkeys(names, pl.String()))
    missing = [pl.lit(None, pl.String).alias(c) for c in COLUMNS[plan.layout] if c not in names]
    # one chunk per column, copied once here rather than by each query that collects them
    return frame.with_columns(*missing, source_line=pl.Series(numbers)).rechunk()


def _known(*columns: str) -> pl.Expr:
    """The text, null where it is one of DMA's words for a missing value."""
    text = pl.col(*columns)
    return pl.when(~text.is_in(NULL_WORDS)).then(text)


def _whole(column: str, dtype: pl.DataType) -> pl.Expr:
    """An integer written with or without decimals ("511" or "511.0")."""
    return pl.col(column).cast(pl.Float64, strict=False).cast(dtype, strict=False)


def _time(column: str, layout: Layout) -> pl.Expr:
    """The time, null when it does not parse or falls outside the plausible window
    (`nmea_time.time_window`: 1980 to a day past the ingest's clock; a year such as +52024 parses
    but is no AIS time, and would not fit the store's timestamp type)."""
    parsed = pl.col(column).str.to_datetime(
        TIME_FORMATS[layout], time_unit="us", time_zone="UTC", strict=False
    )
    first, last = time_window()
    return pl.when(parsed.is_between(first, last, closed="left")).then(parsed)


def _coded(text: pl.DataFrame, column: str, codes: dict[str, int], default: int | None) -> pl.Expr:
    """Words turned into codes case-insensitively, each distinct spelling looked up once."""
    spellings = text[column].unique().drop_nulls().to_list()
    table = pl.Series(
        [codes.get(word.strip().lower(), default) for word in spellings], dtype=pl.Int8
    )
    return pl.lit(table).gather(pl.col(column).cast(pl.Enum(spellings)).to_physical()).alias(column)


def _msg_type(text: pl.DataFrame, layout: Layout) -> pl.Expr:
    if layout == "dma":
        return _coded(text, "mobile", DMA_MOBILE_TYPES, 0).fill_null(0)
    # MarineCadastre files without TransceiverClass are Class A only
    transceiver = _coded(text, "mobile", NOAA_TRANSCEIVER_TYPES, 0)
    return pl.when(pl.col("mobile").is_null()).then(1).otherwise(transceiver).cast(pl.Int8)


def _layout_values(text: pl.DataFrame, layout: Layout) -> list[pl.Expr]:
    if layout == "dma":
        return [
            _coded(text, "nav_status", NAV_STATUS_CODES, None),
            _known("ship_type_text"),
            pl.col("imo").cast(IDENTITY_SCHEMA["imo"], strict=False),
            _time("eta", layout),
        ]
    status = _whole("nav_status", pl.Int8())
    return [
        pl.when(status.is_between(0, 15)).then(status).alias("nav_status"),
        pl.col("imo").str.strip_prefix("IMO").cast(IDENTITY_SCHEMA["imo"], strict=False),
        _whole("ship_type", IDENTITY_SCHEMA["ship_type"]),
    ]


def _values(text: pl.DataFrame, layout: Layout) -> list[pl.Expr]:
    """The typed columns; a value that does not parse becomes null."""
    mmsi = pl.col("mmsi").cast(pl.Int64, strict=False)
    return [
        pl.col("source_line"),
        _time("timestamp", layout),
        pl.when(mmsi.is_between(0, 999_999_999)).then(mmsi).alias("mmsi"),
        *(pl.col(c).cast(POSITION_SCHEMA[c], strict=False) for c in POSITION_NUMBERS),
        _whole("heading_deg", POSITION_SCHEMA["heading_deg"]),
        _msg_type(text, layout).alias("msg_type"),
        *(pl.col(c).cast(IDENTITY_SCHEMA[c], strict=False) for c in DIMENSIONS),
        pl.col(*(c for c in ("name", "call_sign", "destination") if c in COLUMNS[layout])),
        *_layout_values(text, layout),
    ]


def _unparsed(column: str) -> pl.Expr:
    """True where a value was written but did not parse."""
    return pl.col(f"text_{column}").is_not_null() & pl.col(column).is_null()


def _decode(text: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Typed columns, the text of the checked ones (`text_<column>`), the `reason` of bad rows."""
    checked = [c for c in (*REQUIRED["noaa"], "mobile", *BAD_VALUE_LABELS) if c in COLUMNS[layout]]
    typed = text.select(_values(text, layout))
    rows = typed.hstack(text.select(pl.col(checked).name.prefix("text_")))
    bad_number = _unparsed("mmsi") | _unparsed("lat") | _unparsed("lon")
    reason = (
        pl.when(pl.col("timestamp").is_null()).then(pl.lit("bad_time"))
        .when(bad_number).then(pl.lit("bad_number"))
        .when(pl.col("msg_type") == 0).then(pl.lit("unknown_mobile_type"))
    )  # fmt: skip
    return rows.with_columns(reason.alias("reason"))


def _parse_detail() -> pl.Expr:
    def quoted(label: str, column: str) -> pl.Expr:
        return pl.format(f"{label} '{{}}'", pl.col(f"text_{column}").fill_null(""))

    return (
        pl.when(pl.col("timestamp").is_null()).then(quoted("timestamp", "timestamp"))
        .when(_unparsed("mmsi")).then(quoted("MMSI", "mmsi"))
        .when(_unparsed("lat")).then(quoted("latitude", "lat"))
        .when(_unparsed("lon")).then(quoted("longitude", "lon"))
        .otherwise(quoted("type of mobile", "mobile"))
    )  # fmt: skip


def _unparsed_counts(rows: pl.LazyFrame, stored: pl.Expr, layout: Layout) -> pl.LazyFrame:
    """Per optional column, the stored rows whose written value did not parse (blanks excepted)."""

    def count(column: str) -> pl.Expr:
        failed = pl.col(f"text_{column}").filter(_unparsed(column) & stored)
        worded = failed.filter(~failed.is_in(NULL_WORDS))  # most are DMA's "Unknown"
        return (~worded.str.strip_chars().is_in(NULL_WORDS)).sum().alias(BAD_VALUE_LABELS[column])

    return rows.select(count(c) for c in BAD_VALUE_LABELS if c in COLUMNS[layout])


# --- Batches: decode, clean, quarantine ----------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """A batch's lines, the text of their fields and the quarantine rows of misshapen lines."""

    batch: list[_Lines]
    text: pl.DataFrame
    misfits: pl.DataFrame

    @classmethod
    def of(cls, batch: list[_Lines], plan: _Plan) -> _Parsed:
        """The batch parsed at once: its well-formed lines are copied into one CSV text."""
        fits = [lines.field_counts == plan.field_count for lines in batch]
        runs = (run for lines, fit in zip(batch, fits, strict=True) for run in lines.runs(fit))
        numbers = np.concatenate(
            [lines.numbers[fit] for lines, fit in zip(batch, fits, strict=True)]
        )
        text = _text_columns(b"".join(runs), numbers, plan)
        return cls(batch, text, _misfits(batch, fits, plan))


def _carries_identity(columns: Iterable[str]) -> pl.Expr:
    """True for rows with at least one identity value among `columns`."""
    return pl.any_horizontal(pl.col(c).is_not_null() for c in IDENTITY_FIELDS if c in columns)


def _read_batch(parsed: _Parsed, plan: _Plan) -> ReadBatch:
    """Decode, clean and quarantine a parsed batch: rows are marked once and filtered once."""
    batch = parsed.batch
    rows = _decode(parsed.text, plan.layout).lazy()
    decoded = pl.col("reason").is_null()
    stored = decoded & pl.col("msg_type").is_in(POSITION_TYPES)
    typed = [c for c in rows.collect_schema() if not c.startswith("text_") and c != "reason"]
    stored_rows = (
        rows.filter(stored)
        .select(*typed, source=pl.lit(plan.source), source_format=pl.lit(plan.layout))
        .collect(engine=ENGINE)
        .lazy()
    )
    carries = _carries_identity(typed)
    # DMA writes "Undefined" on every row; the rarer "Unknown" names are cleared on fewer rows
    carriers = conform(stored_rows.filter(carries), IDENTITY_SCHEMA)
    known = carriers.with_columns(_known("name", "call_sign", "destination")).collect(engine=ENGINE)
    identities = identity_plan(known)
    identities = replace(
        identities, kept=identities.kept.filter(_carries_identity(IDENTITY_FIELDS))
    )
    # a line whose identity report is rejected is quarantined once, for that reason
    located = stored_rows.filter(~(carries & identity_reject_reason().is_not_null()))
    positions = position_plan(conform(located, POSITION_SCHEMA))
    failed, msg_types, unparsed, *cleaned = pl.collect_all(
        [
            rows.filter(~decoded).select("source_line", "reason", _parse_detail().alias("detail")),
            rows.filter(decoded).group_by("msg_type").len(),
            _unparsed_counts(rows, stored, plan.layout),
            *identities.queries,
            *positions.queries,
        ],
        engine=ENGINE,
    )
    identity = CleanPlan.result(cleaned[:3])
    position = CleanPlan.result(cleaned[3:])
    rejects = [parsed.misfits, failed, identity.rejected, position.rejected]
    return ReadBatch(
        positions=conform(position.kept, POSITION_SCHEMA),
        identities=conform(identity.kept, IDENTITY_SCHEMA),
        quarantine=_quarantine(batch, plan.source, rejects),
        records_read=sum(len(lines) for lines in batch),
        messages_by_type=Counter(dict(msg_types.rows())),
        cleared=_nonzero(unparsed.row(0, named=True)) + identity.cleared + position.cleared,
        skipped=_nonzero({"blank_line": sum(lines.blank_lines for lines in batch)}),
        duplicates=position.duplicates,
        no_position=position.no_position,
    )


def _nonzero(counts: dict[str, int]) -> Counter[str]:
    return Counter({name: n for name, n in counts.items() if n})


def _quarantine(batch: list[_Lines], source: str, rejects: list[pl.DataFrame]) -> pl.DataFrame:
    """All quarantine rows of a batch in line order, each with the original text of its line."""
    found = pl.concat([frame.select(REJECT_COLUMNS) for frame in rejects])
    found = found.sort("source_line", maintain_order=True)
    raw = _raw_texts(batch, found["source_line"].to_numpy())
    return conform(found.with_columns(source=pl.lit(source), raw=pl.Series(raw)), QUARANTINE_SCHEMA)


def _raw_texts(batch: list[_Lines], numbers: IntArray) -> list[str]:
    """The original text of the given line numbers, all in `batch`."""
    texts = [""] * len(numbers)
    for lines in filter(len, batch):
        at = np.minimum(np.searchsorted(lines.numbers, numbers), len(lines) - 1)
        found = np.flatnonzero(lines.numbers[at] == numbers)
        for k, text in zip(found.tolist(), lines.texts(at[found]), strict=True):
            texts[k] = text
    return texts
