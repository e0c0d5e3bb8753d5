"""Lenient streaming reader for the national AIS CSV archives: DMA (Denmark) and NOAA (US).

A DMA day is ~17 M rows, 3–5 GB, so the reader streams: it reads 32 MiB blocks cut at the last
newline, indexes their lines with numpy (line number, field count), parses a batch's well-formed
lines with `pl.read_csv` as text and casts whole columns. Python touches a line only to keep the
original text of a quarantined one.

Facts used (shared/research/maritime-anchors.md §3.2; the DMA sample in tests/data/dma-aisdk-header):

- DMA: first header field literally `# Timestamp`; 22 columns (2018) or 26 (A, B, C, D added); UTC
  times, day-first `%d/%m/%Y %H:%M:%S`; "Unknown", "Undefined", "" or " " for missing values;
  `Type of mobile` separates Class A/B transponders from base stations, AtoN and SAR aircraft;
  static-only rows carry the lat 91 / lon 181 "not available" sentinels; navigational status is
  ITU-R M.1371 text (the archive writes "Restricted maneuverability").
- NOAA MarineCadastre: `MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,
  VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass` (older years lack TransceiverClass),
  ISO times in UTC, IMO written `IMO9074729`, VesselType and Status as ITU codes.

Neither archive quotes fields, so quotes are read as text: a quoted comma gives a `wrong_field_count`
quarantine row rather than a record whose columns are silently shifted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.errors import InputRejected
from balise.io.batch import ReadBatch, ReadOptions
from balise.maritime.clean import Cleaned, clean_identities, clean_positions
from balise.model.schema import (
    IDENTITY_FIELDS,
    IDENTITY_SCHEMA,
    POSITION_SCHEMA,
    QUARANTINE_SCHEMA,
    conform,
)

Layout = Literal["dma", "noaa"]
Offsets = npt.NDArray[np.int64]

CHUNK_BYTES = 32 * 2**20
"""Bytes read at a time: enough for polars' parallel parser, small next to a 5 GB DMA day."""
MAX_LINE_BYTES = 2**16 - 1
"""Longer lines are quarantined unread (a real row is < 1 KB); it keeps 16-bit comma counts exact."""

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
TEXT_COLUMNS = ("name", "call_sign", "destination", "ship_type_text")

DMA_MOBILE_TYPES = {"class a": 1, "class b": 18, "base station": 4, "aton": 21, "sar airborne": 9}
"""DMA `Type of mobile` -> the AIS message type that carries such reports (0: other)."""
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
    if not header.strip() and not rest.strip():
        return
    plan = _Plan.of(_header_fields(header), layout, source)
    for batch in _batches(_blocks(stream, rest), max(1, options.batch_records)):
        yield _read_batch(batch, plan)


@dataclass(frozen=True)
class _Plan:
    """What the header says: the layout, the field count and where each of our columns is."""

    layout: Layout
    source: str
    field_count: int
    positions: dict[str, int]

    @classmethod
    def of(cls, fields: list[str], layout: Layout, source: str) -> _Plan:
        index = {name.lower(): i for i, name in reversed(list(enumerate(fields)))}
        wanted = COLUMNS[layout]
        positions = {c: index[h.lower()] for c, h in wanted.items() if h.lower() in index}
        missing = [wanted[c] for c in REQUIRED[layout] if c not in positions]
        if missing or _layout_of(fields) != layout:
            raise InputRejected(
                f"{source}: not a {layout.upper()} AIS CSV header",
                source=source, layout=layout, missing_columns=missing, header=fields[:30],
            )  # fmt: skip
        return cls(layout, source, len(fields), dict(sorted(positions.items(), key=lambda p: p[1])))


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
    while b"\n" not in head and (more := stream.read(CHUNK_BYTES)):
        head += more
    header, _, rest = head.partition(b"\n")
    return header, rest


# --- Lines: blocks cut at newlines, indexed with numpy ---------------------------------------------


@dataclass(frozen=True)
class _Lines:
    """The non-blank lines of a block: start, newline offset, line number and field count of each."""

    data: bytes
    starts: Offsets
    ends: Offsets
    numbers: Offsets
    field_counts: npt.NDArray[np.uint16]
    first_number: int
    next_number: int
    """Lines `first_number` to `next_number` (exclusive) are covered, blank ones included."""

    @classmethod
    def index(cls, data: bytes, begin: int, first_number: int) -> _Lines:
        """The lines of `data` from offset `begin` to its last newline; the first is `first_number`."""
        buffer = np.frombuffer(data, np.uint8)
        ends = np.flatnonzero(buffer[begin:] == NEWLINE) + begin
        starts = np.concatenate(([begin], ends[:-1] + 1))[: len(ends)]
        is_comma = (buffer[: ends[-1] + 1 if len(ends) else 0] == COMMA).view(np.uint8)
        commas = np.add.reduceat(is_comma, starts, dtype=np.uint16) if len(ends) else ends
        lengths = ends - starts
        field_counts = np.where(lengths > MAX_LINE_BYTES, 0, commas + 1).astype(np.uint16)
        numbers = np.arange(first_number, first_number + len(ends), dtype=np.int64)
        lines = cls(
            data, starts, ends, numbers, field_counts, first_number, first_number + len(ends)
        )
        blank = (lengths == 0) | ((lengths == 1) & (buffer[starts] == CARRIAGE_RETURN))
        return lines.without(blank) if blank.any() else lines

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def blank_lines(self) -> int:
        return self.next_number - self.first_number - len(self)

    def without(self, blank: npt.NDArray[np.bool_]) -> _Lines:
        keep = ~blank
        return _Lines(
            self.data, self.starts[keep], self.ends[keep], self.numbers[keep],
            self.field_counts[keep], self.first_number, self.next_number,
        )  # fmt: skip

    def part(self, begin: int, end: int) -> _Lines:
        """Lines `begin` to `end` (exclusive) and the blank lines before them, sharing the bytes."""
        cut = slice(begin, end)
        first = int(self.numbers[begin - 1]) + 1 if begin else self.first_number
        last = int(self.numbers[end]) if end < len(self) else self.next_number
        return _Lines(
            self.data, self.starts[cut], self.ends[cut], self.numbers[cut],
            self.field_counts[cut], first, last,
        )  # fmt: skip

    def text(self, i: int) -> str:
        """The original text of line `i`, decoded leniently."""
        raw = self.data[self.starts[i] : self.ends[i]].rstrip(b"\r")
        return raw.decode("utf-8", errors="replace")

    def csv(self, chosen: npt.NDArray[np.bool_]) -> bytes:
        """The bytes of the `chosen` lines, newlines included, copied run by run."""
        starts, ends = self.starts[chosen], self.ends[chosen]
        breaks = np.flatnonzero(starts[1:] != ends[:-1] + 1) + 1
        run_starts = starts[np.concatenate(([0], breaks))].tolist()
        run_ends = (ends[np.concatenate((breaks - 1, [len(ends) - 1]))] + 1).tolist()
        data = memoryview(self.data)
        return b"".join(data[s:e] for s, e in zip(run_starts, run_ends, strict=True))


def _blocks(stream: BinaryIO, rest: bytes) -> Iterator[_Lines]:
    """The non-blank lines after the header (line 1), block by block.

    A block is indexed where it was read, without copying it: only the line it shares with the
    previous block is joined.
    """
    carry, number, block = b"", 2, rest
    while block:
        first, last = block.find(b"\n"), block.rfind(b"\n")
        if first < 0:
            carry += block
        else:
            for data, begin in ((carry + block[: first + 1], 0), (block, first + 1)):
                lines = _Lines.index(data, begin, number)
                number = lines.next_number
                yield lines
            carry = block[last + 1 :]
        block = stream.read(CHUNK_BYTES)
    if carry:
        yield _Lines.index(carry + b"\n", 0, number)


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


# --- Parsing: text columns, then whole-column casts ------------------------------------------------


def _text_columns(lines: _Lines, plan: _Plan) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Our columns as text for the lines with the header's field count; quarantine for the others."""
    fits = lines.field_counts == plan.field_count
    misfits = np.flatnonzero(~fits)
    quarantine = _quarantine_rows(
        plan.source,
        lines.numbers[misfits],
        ["wrong_field_count"] * len(misfits),
        [f"{plan.field_count} fields expected, {n or 'too many'} found"
         for n in lines.field_counts[misfits].tolist()],
        [lines.text(i) for i in misfits.tolist()],
    )  # fmt: skip
    names = list(plan.positions)
    if fits.any():
        frame = pl.read_csv(
            lines.csv(fits), has_header=False, infer_schema=False, quote_char=None,
            columns=list(plan.positions.values()), encoding="utf8-lossy",
        )  # fmt: skip
        frame = frame.rechunk()
        frame.columns = names
    else:
        frame = pl.DataFrame(schema=dict.fromkeys(names, pl.String()))
    missing = [pl.lit(None, pl.String).alias(c) for c in COLUMNS[plan.layout] if c not in names]
    return frame.with_columns(*missing, source_line=pl.Series(lines.numbers[fits])), quarantine


def _number(column: str, dtype: pl.DataType) -> pl.Expr:
    return pl.col(column).cast(dtype, strict=False)


def _whole(column: str, dtype: pl.DataType) -> pl.Expr:
    """An integer written with or without decimals ("511" or "511.0")."""
    return pl.col(column).cast(pl.Float64, strict=False).cast(dtype, strict=False)


def _time(column: str, layout: Layout) -> pl.Expr:
    return pl.col(column).str.to_datetime(
        TIME_FORMATS[layout], time_unit="us", time_zone="UTC", strict=False
    )


def _coded(text: pl.DataFrame, column: str, codes: dict[str, int], default: int | None) -> pl.Expr:
    """Words turned into codes case-insensitively, looking up each distinct spelling once."""
    spellings = text[column].unique().drop_nulls().to_list()
    table = {word: codes.get(word.strip().lower(), default) for word in spellings}
    return pl.col(column).replace_strict(table, default=default, return_dtype=pl.Int8)


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
            _number("imo", IDENTITY_SCHEMA["imo"]),
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
    words = pl.col(*(c for c in TEXT_COLUMNS if c in text.columns))
    return [
        pl.col("source_line"),
        _time("timestamp", layout),
        pl.when(mmsi.is_between(0, 999_999_999)).then(mmsi).alias("mmsi"),
        *(_number(c, POSITION_SCHEMA[c]) for c in ("lat", "lon", "sog_knots", "cog_deg")),
        _whole("heading_deg", POSITION_SCHEMA["heading_deg"]),
        _msg_type(text, layout).alias("msg_type"),
        *(_number(c, IDENTITY_SCHEMA[c]) for c in ("length_m", "width_m", "draught_m")),
        pl.when(~words.is_in(NULL_WORDS)).then(words),
        *_layout_values(text, layout),
    ]


def _unparsed(column: str) -> pl.Expr:
    """True where a value was written but did not parse."""
    return pl.col(f"text_{column}").is_not_null() & pl.col(column).is_null()


def _decode(text: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Typed columns, the text of the checked ones (`text_<column>`) and the `reason` of bad rows."""
    checked = [c for c in (*REQUIRED["noaa"], *BAD_VALUE_LABELS) if c in COLUMNS[layout]]
    typed = text.select(_values(text, layout))
    rows = typed.hstack(text.select(pl.col(checked).name.prefix("text_")))
    bad_number = _unparsed("mmsi") | _unparsed("lat") | _unparsed("lon")
    reason = (
        pl.when(pl.col("timestamp").is_null()).then(pl.lit("bad_time"))
        .when(bad_number).then(pl.lit("bad_number"))
    )  # fmt: skip
    return rows.with_columns(reason.alias("reason"))


def _parse_detail() -> pl.Expr:
    def quoted(label: str, column: str) -> pl.Expr:
        return pl.format(f"{label} '{{}}'", pl.col(f"text_{column}").fill_null(""))

    return (
        pl.when(pl.col("timestamp").is_null()).then(quoted("timestamp", "timestamp"))
        .when(_unparsed("mmsi")).then(quoted("MMSI", "mmsi"))
        .when(_unparsed("lat")).then(quoted("latitude", "lat"))
        .otherwise(quoted("longitude", "lon"))
    )  # fmt: skip


def _unparsed_counts(rows: pl.DataFrame, stored: pl.Expr) -> Counter[str]:
    """Per optional column, the stored rows whose written value did not parse (blanks excepted)."""

    def count(column: str) -> pl.Expr:
        failed = pl.col(f"text_{column}").filter(_unparsed(column) & stored)
        return (~failed.str.strip_chars().is_in(NULL_WORDS)).sum()

    labels = {c: label for c, label in BAD_VALUE_LABELS.items() if f"text_{c}" in rows.columns}
    counts = rows.select(count(c).alias(label) for c, label in labels.items())
    return Counter({label: n for label, n in counts.row(0, named=True).items() if n})


# --- Batches: decode, clean, quarantine ------------------------------------------------------------


def _read_batch(batch: list[_Lines], plan: _Plan) -> ReadBatch:
    texts, misfits = zip(*(_text_columns(lines, plan) for lines in batch), strict=True)
    rows = _decode(pl.concat(texts, rechunk=True), plan.layout)
    decoded = pl.col("reason").is_null()
    is_stored = decoded & pl.col("msg_type").is_in(POSITION_TYPES)
    typed = [c for c in rows.columns if not c.startswith("text_") and c != "reason"]
    stored = (
        rows.lazy().filter(is_stored).select(*typed)
        .with_columns(source=pl.lit(plan.source), source_format=pl.lit(plan.layout))
        .collect()
    )  # fmt: skip
    identities = clean_identities(_identities(conform(stored, IDENTITY_SCHEMA)))
    positions = clean_positions(_without(conform(stored, POSITION_SCHEMA), identities.rejected))
    failed = rows.filter(~decoded).select("source_line", "reason", _parse_detail().alias("detail"))
    return ReadBatch(
        positions=conform(positions.kept, POSITION_SCHEMA),
        identities=conform(_identities(identities.kept), IDENTITY_SCHEMA),
        quarantine=_quarantine(batch, plan.source, [*misfits, failed, *_rejects(identities),
                                                     *_rejects(positions)]),
        records_read=sum(len(lines) for lines in batch),
        messages_by_type=Counter(dict(rows.filter(decoded)["msg_type"].value_counts().rows())),
        cleared=_cleared(_unparsed_counts(rows, is_stored), identities, positions),
        skipped=_blank_lines(batch),
        duplicates=positions.duplicates,
        no_position=positions.no_position,
    )  # fmt: skip


def _blank_lines(batch: list[_Lines]) -> Counter[str]:
    blank = sum(lines.blank_lines for lines in batch)
    return Counter({"blank_line": blank} if blank else {})


def _identities(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows that carry at least one identity value."""
    return frame.filter(pl.any_horizontal(pl.col(IDENTITY_FIELDS).is_not_null()))


def _without(positions: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
    """The position rows of lines not already quarantined (one quarantine row per line)."""
    if rejected.is_empty():
        return positions
    return positions.join(rejected.select("source_line"), on="source_line", how="anti")


def _rejects(cleaned: Cleaned) -> list[pl.DataFrame]:
    return [cleaned.rejected.select("source_line", "reason", "detail")]


def _cleared(unparsed: Counter[str], identities: Cleaned, positions: Cleaned) -> Counter[str]:
    return unparsed + identities.cleared + positions.cleared


def _quarantine(batch: list[_Lines], source: str, rejects: list[pl.DataFrame]) -> pl.DataFrame:
    """All quarantine rows of a batch in line order, each with the original text of its line."""
    complete = [frame for frame in rejects if "raw" in frame.columns]
    found = pl.concat([frame for frame in rejects if "raw" not in frame.columns])
    numbers = found["source_line"].to_numpy()
    raw = _raw_texts(batch, numbers)
    rows = _quarantine_rows(
        source, numbers, found["reason"].to_list(), found["detail"].to_list(), raw
    )
    return pl.concat([*complete, rows]).sort("source_line", maintain_order=True)


def _raw_texts(batch: list[_Lines], numbers: Offsets) -> list[str]:
    """The original text of the given line numbers, all in `batch`."""
    texts = [""] * len(numbers)
    for lines in filter(len, batch):
        at = np.minimum(np.searchsorted(lines.numbers, numbers), len(lines) - 1)
        for k in np.flatnonzero(lines.numbers[at] == numbers).tolist():
            texts[k] = lines.text(int(at[k]))
    return texts


def _quarantine_rows(
    source: str, numbers: Offsets, reasons: list[str], details: list[str], raw: list[str]
) -> pl.DataFrame:
    columns = {"source_line": numbers, "reason": reasons, "detail": details, "raw": raw}
    return pl.DataFrame({"source": [source] * len(raw), **columns}, schema=QUARANTINE_SCHEMA)
