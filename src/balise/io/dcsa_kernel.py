"""The compiled DCSA decoder (`_dcsa_kernel.c`), when it was built, and what it decodes.

`pip install .` compiles it; run from a source tree without building it, every line is decoded
by DuckDB's `from_json` (`balise.io.dcsa_events`), which gives the same events more slowly. The
kernel decodes a batch's lines in one pass, without the interpreter lock, into the columns of
`dcsa_shape.EVENT_DTYPE`, as long as a line is strict JSON of the plain kind (see the C source:
strings, booleans, nulls and the numbers DuckDB writes as they are where the shape has text,
each key once, no escapes in keys); it leaves every other line to DuckDB, so quarantine reasons
and values stay the same. Its texts come as Arrow string views, which polars takes as they are.
It also splits the reader's blocks into lines (`split`), the lines' texts left in the block.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from balise.io.dcsa_shape import EVENT_DTYPE


def _load() -> ModuleType | None:
    try:
        from balise.io import _dcsa_kernel
    except ImportError:
        return None
    return _dcsa_kernel


_KERNEL = _load()
enabled = True
"""Whether the kernel is used when it is built (the tests compare both paths)."""
_TEXT, _OBJECT, _LIST = 0, 1, 2
_THREADS: Final = 2
"""Threads decoding a batch's pieces at the same time."""
_PART_LINES: Final = 25_000
"""Lines decoded in one call of the kernel (a piece of a batch)."""
_VIEW_BYTES: Final = 16
"""The size of an Arrow string view."""
_MAX_BYTES: Final = 1 << 31
"""Text a batch holds at most to be decoded by the kernel (its offsets are 32-bit)."""


def available() -> bool:
    """True when the compiled kernel is built and importable."""
    return _KERNEL is not None


@dataclass(frozen=True)
class _Shape:
    """`EVENT_DTYPE` as the kernel reads it: its nodes in depth-first order (node 0 the event),
    each one's kind, parent and key, and its Arrow type."""

    kinds: bytes
    parents: bytes
    names: bytes
    name_offsets: bytes
    types: tuple[pa.DataType, ...]
    children: tuple[tuple[int, ...], ...]


def _arrow_type(dtype: object) -> pa.DataType:
    if isinstance(dtype, pl.Struct):
        return pa.struct([pa.field(f.name, _arrow_type(f.dtype)) for f in dtype.fields])
    if isinstance(dtype, pl.List):
        return pa.list_(_arrow_type(dtype.inner))
    return pa.string_view()


def _kind(dtype: object) -> int:
    if isinstance(dtype, pl.Struct):
        return _OBJECT
    return _LIST if isinstance(dtype, pl.List) else _TEXT


def _shape(event: pl.Struct) -> _Shape:
    """The nodes of `event` in depth-first order (an object's fields, a list's item)."""
    nodes: list[tuple[str, object, int]] = []
    children: list[list[int]] = []

    def add(name: str, dtype: object, parent: int) -> None:
        index = len(nodes)
        nodes.append((name, dtype, parent))
        children.append([])
        if parent >= 0:
            children[parent].append(index)
        inner = dtype.fields if isinstance(dtype, pl.Struct) else []
        for f in inner:
            add(f.name, f.dtype, index)
        if isinstance(dtype, pl.List):
            add("", dtype.inner, index)

    add("", event, -1)
    names = [name.encode() for name, _, _ in nodes]
    return _Shape(
        bytes(_kind(dtype) for _, dtype, _ in nodes),
        np.array([parent for _, _, parent in nodes], dtype=np.int32).tobytes(),
        b"".join(names),
        np.cumsum([0, *map(len, names)], dtype=np.int32).tobytes(),
        tuple(_arrow_type(dtype) for _, dtype, _ in nodes),
        tuple(tuple(c) for c in children),
    )


_SHAPE: Final = _shape(EVENT_DTYPE)

_Column = tuple[int, int, int, int, int, int, int]


def _buffer(address: int, size: int, owner: object) -> pa.Buffer:
    return pa.foreign_buffer(address, size, base=owner) if size else pa.py_buffer(b"")


def _array(columns: list[_Column], index: int, owner: object) -> pa.Array:
    """The Arrow array of node `index` from the kernel's buffers (`owner` frees them)."""
    length, *spans = columns[index]
    valid, offsets, data = (_buffer(spans[k], spans[k + 1], owner) for k in (0, 2, 4))
    kind, arrow_type = _SHAPE.kinds[index], _SHAPE.types[index]
    if kind == _TEXT:
        return pa.Array.from_buffers(arrow_type, length, [valid, offsets, data])
    children = [_array(columns, child, owner) for child in _SHAPE.children[index]]
    buffers = [valid, offsets] if kind == _LIST else [valid]
    return pa.Array.from_buffers(arrow_type, length, buffers, children=children)


def split(data: bytes) -> pl.Series | None:
    """The lines of the block `data` (valid UTF-8) as `str.split("\\n")` gives them, the empty
    text after a last newline left out, as a polars text column that holds its texts in `data`
    (the Arrow string views the kernel writes, not copied); None when the kernel is not built
    or disabled, or when the block holds 2 GiB or more."""
    if _KERNEL is None or not enabled or len(data) >= _MAX_BYTES:
        return None
    views = _KERNEL.split(data)
    lines = pa.Array.from_buffers(
        pa.string_view(), len(views) // _VIEW_BYTES, [None, pa.py_buffer(views), pa.py_buffer(data)]
    )
    raw = pl.from_arrow(lines)
    assert isinstance(raw, pl.Series)
    return raw.alias("raw")


def _decode_part(lines: pa.StringViewArray) -> tuple[npt.NDArray[np.bool_], pa.Array, int]:
    """The kernel's decoding of `lines`: which ones it decoded, their events, and how many of
    their texts may be blank or begin or end with a space."""
    assert _KERNEL is not None
    _, views, *data = lines.buffers()
    start = lines.offset * _VIEW_BYTES
    decoded, columns, owner, untrimmed = _KERNEL.decode(
        memoryview(views)[start : start + len(lines) * _VIEW_BYTES],
        tuple(data),
        _SHAPE.kinds,
        _SHAPE.parents,
        _SHAPE.names,
        _SHAPE.name_offsets,
    )
    return np.frombuffer(decoded, dtype=np.bool_), _array(columns, 0, owner), untrimmed


@dataclass(frozen=True)
class Decoded:
    """What the kernel decoded of a batch's lines: which ones (`mask`), their `events`
    (`EVENT_DTYPE`, in order), and whether all their texts are `trimmed` (none blank, none
    beginning or ending with a space: the mapping need not trim them)."""

    mask: npt.NDArray[np.bool_]
    events: pl.Series
    trimmed: bool


def decode(raw: pl.Series) -> Decoded | None:
    """The lines `raw` (text, no nulls) as the kernel decodes them; None when the kernel is not
    built or disabled, or when the batch holds 2 GiB of text or more (the kernel's offsets are
    32-bit)."""
    if _KERNEL is None or not enabled or raw.str.len_bytes().sum() >= _MAX_BYTES:
        return None
    # a piece within each of the column's chunks: the events then come in chunks of the same
    # lengths as the lines' (the blocks they were split from), which polars does not copy to
    # line them up (a quarter of a gigabyte of string views for a batch)
    chunks = [chunk.to_arrow(compat_level=pl.CompatLevel.newest()) for chunk in raw.get_chunks()]
    parts = [chunk.slice(start, _PART_LINES) for chunk in chunks
             for start in range(0, len(chunk), _PART_LINES)]  # fmt: skip
    with ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="dcsa-kernel") as pool:
        results = list(pool.map(_decode_part, parts))
    mask = np.concatenate([r[0] for r in results]) if results else np.zeros(0, np.bool_)
    events = pa.chunked_array([r[1] for r in results], type=_SHAPE.types[0])
    frame = pl.from_arrow(pa.table({"event": events}), rechunk=False)
    assert isinstance(frame, pl.DataFrame)
    event = frame.to_series()
    if event.dtype != EVENT_DTYPE:
        event = event.cast(EVENT_DTYPE)
    return Decoded(mask, event, not any(r[2] for r in results))
