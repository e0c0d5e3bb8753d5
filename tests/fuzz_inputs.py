"""Mutated AIS inputs for fuzzing the readers: real lines, hostile edits, checksums recomputed.

The seeds are the committed fixtures (the real GPSD stream and pyais sample, the archive formats
of tests/data/formats, DMA and NOAA CSV). After a mutation the NMEA checksum (XOR of the
characters between `!`/`$` and `*`) is recomputed, and so is a tag block's, so the mutated
sentence passes the checksum check and reaches the decoder.
"""

from __future__ import annotations

import random
from functools import reduce
from pathlib import Path

DATA = Path(__file__).parent / "data"
NMEA_SEEDS = (
    DATA / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log",
    DATA / "pyais-nmea-sample" / "nmea_data_sample.txt",
    DATA / "formats" / "gatehouse_pghp.nmea",
    DATA / "formats" / "tag_lines.nmea",
    DATA / "formats" / "leading_space_time.nmea",
)
CSV_SEEDS = (
    DATA / "dma-aisdk-header" / "aisdk_header.csv",
    DATA / "csv" / "noaa_marinecadastre.csv",
    DATA / "csv" / "dma_bad_rows.csv",
)
ARMOUR = bytes(range(48, 88)) + bytes(range(96, 120))


def seed_lines(paths: tuple[Path, ...]) -> list[bytes]:
    return [line for path in paths for line in path.read_bytes().splitlines() if line]


def checksum(body: bytes) -> bytes:
    return b"%02X" % reduce(lambda acc, byte: acc ^ byte, body, 0)


def resealed(line: bytes) -> bytes:
    """`line` with its sentence checksum (and tag block checksum) recomputed after a mutation."""
    if line.startswith(b"\\") and line.count(b"\\") >= 2:
        _, tag, rest = line.split(b"\\", 2)
        body = tag.split(b"*", 1)[0]
        line = b"\\" + body + b"*" + checksum(body) + b"\\" + rest
    for mark in (b"!", b"$"):
        start = line.find(mark, line.rfind(b"\\") + 1)
        star = line.find(b"*", start)
        if start >= 0 and star > start:
            return line[: star + 1] + checksum(line[start + 1 : star]) + line[star + 3 :]
    return line


def _payload_span(line: bytes) -> tuple[int, int] | None:
    fields = line.split(b",")
    if len(fields) < 7:
        return None
    start = sum(len(f) + 1 for f in fields[:5])
    return start, start + len(fields[5])


def mutate_line(rng: random.Random, line: bytes) -> bytes:
    """One hostile edit of one line."""
    kind = rng.randrange(9)
    data = bytearray(line)
    at = rng.randrange(len(data) + 1)
    if kind == 0 and data:  # flip bits of a byte
        at = min(at, len(data) - 1)
        data[at] ^= 1 << rng.randrange(8)
    elif kind == 1:  # insert any byte
        data[at:at] = bytes([rng.randrange(256)])
    elif kind == 2:  # truncate
        del data[at:]
    elif kind == 3 and (span := _payload_span(line)):  # payload byte from the whole range
        begin, end = span
        if end > begin:
            data[rng.randrange(begin, end)] = rng.randrange(256)
    elif kind == 4 and (span := _payload_span(line)):  # payload of armour characters
        begin, end = span
        data[begin:end] = bytes(rng.choice(ARMOUR) for _ in range(rng.randrange(0, 200)))
    elif kind == 5:  # tag block corruption
        tag = rng.choice([b"\\s:x,c:", b"\\c:99999999999999", b"\\", b"\\c:-1*00\\", b"\\g:1-2-3"])
        data[0:0] = tag + bytes(rng.randrange(256) for _ in range(rng.randrange(4))) + b"\\"
    elif kind == 6:  # a field set to an edge value
        fields = bytes(data).split(b",")
        pick = rng.randrange(len(fields))
        fields[pick] = rng.choice([b"", b"0", b"9", b"-1", b"1e30", b"NaN", b"\xff", b"A" * 300])
        data = bytearray(b",".join(fields))
    elif kind == 7:  # delete a slice
        del data[at : at + rng.randrange(1, 8)]
    else:  # duplicate a slice
        data[at:at] = data[max(0, at - 8) : at]
    return bytes(data).replace(b"\n", b"")


def nmea_input(rng: random.Random, lines: list[bytes], size: int) -> bytes:
    """`size` lines, some mutated and resealed, fragments possibly reordered, a BOM, blanks."""
    start = rng.randrange(max(1, len(lines) - size))
    chosen = list(lines[start : start + size])
    for _ in range(rng.randrange(1, 4)):
        k = rng.randrange(len(chosen))
        chosen[k] = resealed(mutate_line(rng, chosen[k]))
    if rng.random() < 0.2 and len(chosen) > 1:  # fragment reordering
        k = rng.randrange(len(chosen) - 1)
        chosen[k], chosen[k + 1] = chosen[k + 1], chosen[k]
    if rng.random() < 0.1:
        chosen.insert(rng.randrange(len(chosen) + 1), b"")
    text = b"\n".join(chosen) + rng.choice([b"\n", b"", b"\r\n"])
    return (b"\xef\xbb\xbf" if rng.random() < 0.05 else b"") + text


def csv_input(rng: random.Random, paths: tuple[Path, ...], size: int) -> bytes:
    """A CSV fixture's header and `size` of its rows, some mutated."""
    header, *rows = rng.choice(paths).read_bytes().splitlines()
    start = rng.randrange(max(1, len(rows) - size))
    chosen = rows[start : start + size] or [b""]
    for _ in range(rng.randrange(1, 4)):
        k = rng.randrange(len(chosen))
        chosen[k] = mutate_line(rng, chosen[k])
    return header + b"\n" + b"\n".join(chosen) + b"\n"
