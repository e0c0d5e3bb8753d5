"""Helpers shared by tests: building NMEA sentences and frames by hand."""

from __future__ import annotations

from functools import reduce
from typing import Any

from pyais.encode import encode_dict


def checksum(body: str) -> str:
    """`body*hh` with the NMEA checksum of `body` (the text between `!` and `*`)."""
    return f"{body}*{reduce(lambda acc, char: acc ^ ord(char), body, 0):02X}"


def sentences(fields: dict[str, Any], talker: str = "AI", seq_id: int = 0) -> list[str]:
    """The NMEA sentences pyais' encoder writes for one message given as a dict of its fields."""
    return list(encode_dict(fields, talker_id=talker, seq_id=seq_id))


def tagged(sentence: str, unix_seconds: int) -> str:
    """`sentence` behind an NMEA 4.0 tag block carrying its receive time."""
    return "\\" + checksum(f"s:test,c:{unix_seconds}") + "\\" + sentence
