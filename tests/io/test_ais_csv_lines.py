"""The CSV reader's line index: long lines counted exactly, original text of quarantined lines."""

from __future__ import annotations

import io
from pathlib import Path

from balise.io.ais_csv import read_ais_csv
from balise.model.batch import ReadOptions

DMA_26 = Path(__file__).parents[1] / "data" / "csv" / "dma_26_columns.csv"


def _quarantine(data: bytes) -> list[tuple[int, str, str, str]]:
    batches = list(read_ais_csv(io.BytesIO(data), "x.csv", "dma", ReadOptions(batch_records=3)))
    return [row for batch in batches for row in batch.quarantine.drop("source").iter_rows()]


def test_lines_of_256_bytes_and_more_are_counted_exactly() -> None:
    header, good, *_ = DMA_26.read_bytes().split(b"\n")
    fields = good.split(b",")
    long_name = b",".join([*fields[:12], b"N" * 400, *fields[13:]])  # 26 fields, > 256 bytes
    commas = b"," * 281  # 282 fields: 26 modulo 256
    data = b"\n".join([header, long_name, commas, good]) + b"\n"
    assert _quarantine(data) == [
        (3, "wrong_field_count", "26 fields expected, 282 found", commas.decode())
    ]


def test_quarantined_lines_keep_their_text_whatever_the_bytes() -> None:
    header = DMA_26.read_bytes().split(b"\n")[0]
    lines = [b"\xff\xfe,1\r", b"caf\xc3\xa9\xc3", b"\xe2\x82", b"", b"ok,\xf0\x9f\x98\x80\r\r"]
    data = b"\n".join([header, *lines]) + b"\n"
    found = {number: raw for number, _, _, raw in _quarantine(data)}
    for number, line in enumerate(lines, start=2):
        if line:
            assert found[number] == line.removesuffix(b"\r").decode("utf-8", errors="replace")
