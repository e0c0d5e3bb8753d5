"""Write the archive-format fixtures of this folder from real sentences of the GPSD stream.

Run from the repository root: `python tests/data/formats/make_fixtures.py`. The AIS sentences are
copied unchanged (payloads and checksums as gpsd recorded them) from
`tests/data/gpsd-ais-stream/ais-nmea-type6-fid55.log`; everything written around them (`$PGHP`
sentences, tag blocks, times, JSON envelopes) gets its NMEA checksum computed here, except where a
line is meant to be bad. Times are 2024-03-01 00:00:SS UTC (unix 1709251200 + SS).
"""

from __future__ import annotations

import json
from functools import reduce
from pathlib import Path

HERE = Path(__file__).parent
GPSD = HERE.parent / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log"
T0 = 1_709_251_200


def _xor(body: str) -> str:
    return f"{reduce(lambda acc, char: acc ^ ord(char), body, 0):02X}"


def pghp(*fields: object, checksum: str | None = None) -> str:
    """A Gatehouse `$PGHP` sentence with the given fields after `PGHP`."""
    body = ",".join(["PGHP", *(str(field) for field in fields)])
    return f"${body}*{checksum or _xor(body)}"


def pghp_time(second: int, ms: int = 0, year: int = 2024, month: int = 3) -> str:
    """A `$PGHP,1` time sentence at 2024-03-01 00:00:<second>.<ms> from a Danish base station."""
    return pghp(1, year, month, 1, 0, 0, second, ms, 219, "", 2190067, 1, "00")


def tag(body: str, checksum: str | None = None) -> str:
    """A tag block (`\\body*hh\\`)."""
    return f"\\{body}*{checksum or _xor(body)}\\"


def main() -> None:
    lines = GPSD.read_text().splitlines()
    s = {number: lines[number - 1] for number in range(1, 30)}  # gpsd lines by line number
    write("gatehouse_pghp.nmea", gatehouse(s))
    write("tag_lines.nmea", tag_lines(s))
    write("leading_space_time.nmea", leading_times(s))
    write("aiscatcher.jsonl", aiscatcher(s))


def gatehouse(s: dict[int, str]) -> list[str]:
    return [
        tag("si:AISW"),
        pghp_time(1, 125),
        s[1],
        pghp_time(2, 250),
        s[2],
        tag("si:AISW"),
        pghp_time(3),
        s[3],
        pghp_time(4),
        s[7],
        s[8],
        pghp_time(5),
        s[5],
        pghp(1, 2024, 3, 1, 0, 0, 6, 0, 219, "", 2190067, 1, "00", checksum="00"),
        s[6],
        pghp_time(7, month=13),
        s[9],
        pghp_time(8, year=1970),
        s[12],
        pghp_time(9),
        s[13],
    ]


def tag_lines(s: dict[int, str]) -> list[str]:
    return [
        tag(f"s:rORBCOMM000,c:{T0 + 1}"),
        s[1],
        s[2],
        tag(f"g:1-2-1234,s:r1,c:{(T0 + 2) * 1000 + 500}"),
        s[7],
        s[8],
        tag("s:r2"),
        s[3],
        tag(f"c:{T0 + 3}", checksum="00"),
        s[5],
        tag(f"c:{T0 + 4}0000"),
        s[6],
        tag(f"c:{T0 + 4}"),
        tag(f"s:r3,c:{T0 + 5}") + s[9],
        s[12],
    ]


def leading_times(s: dict[int, str]) -> list[str]:
    return [
        f"2024-03-01 00:00:01 {s[1]}",
        f"2024-03-01 00:00:02.250,{s[2]}",
        f"2024-03-01 00:00:03;{s[3]}",
        f"2024-03-01 00:00:04\t{s[5]}",
        f"2024-03-01T00:00:05Z {s[6]}",
        f"{T0 + 6} {s[9]}",
        f"{s[12]},{T0 + 7}",
        f"2024-03-01 00:00:08.5 {s[7]}",
        f"2024-03-01 00:00:08.5 {s[8]}",
        f"2024-13-01 00:00:09 {s[13]}",
        f"1975-01-01 00:00:10 {s[16]}",
    ]


def aiscatcher(s: dict[int, str]) -> list[str]:
    def record(**fields: object) -> str:
        return json.dumps({"class": "AIS", "device": "AIS-catcher", **fields})

    return [
        record(rxtime="20240301000001", rxuxtime=T0 + 1.5, channel="B", nmea=[s[1]]),
        record(rxtime="20240301000002", nmea=[s[2]]),
        json.dumps({"timestamp": "2024-03-01T00:00:03Z", "nmea": s[3]}),
        record(rxuxtime=T0 + 4, nmea=[s[7], s[8]]),
        '{"class":"AIS","nmea":["' + s[5],
        record(rxuxtime=T0 + 5, type=1),
        record(rxuxtime=T0 + 6, nmea=[s[5]]),
        record(rxtime="20241301000000", nmea=[s[6]]),
        "",
        record(nmea=[s[9]]),
    ]


def write(name: str, lines: list[str]) -> None:
    (HERE / name).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
