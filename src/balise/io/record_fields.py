"""The fields of one record, read and checked: text, times, numbers, MMSIs, container numbers,
terminals, ports and choices.

A field that is wrong raises `BadRecord` with the quarantine reason and a detail naming the field
and the value; the reader turns it into a quarantine row and goes on with the next record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, Final
from zoneinfo import available_timezones

from balise.io.nmea_time import TIME_WINDOW
from balise.maritime.clean import MMSI_MAX, MMSI_MIN
from balise.model.containers import is_valid_container, normalise_container

LOCODE: Final = r"[A-Z]{2}[A-Z2-9]{3}"
"""A UN/LOCODE: the ISO 3166-1 country code and three letters or digits 2-9 (UNECE,
Recommendation No. 16)."""
_PORT: Final = re.compile(rf"{LOCODE}(?:-[A-Z0-9][A-Z0-9_-]*)?")
"""A port (`NLRTM`) or a terminal of it (`NLRTM-ECT`: the UN/LOCODE, a hyphen and the terminal's
code)."""


class BadRecord(Exception):
    """A record that cannot be kept: its quarantine `reason` and a `detail` for people."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class SkipRecord(Exception):
    """An input line that is valid but not a record of this kind (an NMEA sentence of another
    type): counted under `skipped` with its `reason`, not quarantined."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _shown(value: object) -> str:
    """A value as a quarantine detail quotes it, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Row:
    """One record's fields by lower-case name (a CSV line under its header, a JSON object)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values
        self.cleared: list[str] = []
        """Reasons of the values read as null because they were wrong (an invalid MMSI)."""

    def raw(self, name: str) -> Any:
        """The value as read (None when absent)."""
        return self._values.get(name)

    def text(self, name: str) -> str | None:
        """The value as trimmed text; None when absent or blank. Numbers (in JSON) become text;
        another JSON value (object, list, true) is `bad_value`."""
        value = self._values.get(name)
        if type(value) is str:  # nearly always: the fast path of a per-field call
            return value.strip() or None
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadRecord("bad_value", f"{name} {_shown(value)}")
        return str(value)

    def required(self, name: str) -> str:
        """The text of a field every record must have; `missing_field` when it is absent."""
        text = self.text(name)
        if text is None:
            raise BadRecord("missing_field", name)
        return text

    def time(self, name: str) -> datetime | None:
        """An ISO 8601 time (`Z` or an offset; without one it is UTC), in UTC; `bad_time` when
        it does not parse or falls outside 1980-2200 (the AIS readers' window,
        `nmea_time.TIME_WINDOW`: such a time is a typo or a placeholder such as 0001-01-01)."""
        text = self.text(name)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as err:
            raise BadRecord("bad_time", f"{name} {_shown(text)}") from err
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)
        first, last = TIME_WINDOW
        if not first <= parsed < last:
            raise BadRecord("bad_time", f"{name} {_shown(text)} outside {first:%Y}-{last:%Y}")
        return parsed

    def required_time(self, name: str) -> datetime:
        """`time` of a field every record must have."""
        parsed = self.time(name)
        if parsed is None:
            raise BadRecord("missing_field", name)
        return parsed

    def number(
        self, name: str, low: float = float("-inf"), high: float = float("inf")
    ) -> float | None:
        """A decimal number within [`low`, `high`]; `bad_number` when it does not parse or is
        not finite, `out_of_range` outside the bounds."""
        text = self.text(name)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError as err:
            raise BadRecord("bad_number", f"{name} {_shown(text)}") from err
        if value != value or value in (float("inf"), float("-inf")):
            raise BadRecord("bad_number", f"{name} {_shown(text)}")
        if not low <= value <= high:
            raise BadRecord("out_of_range", f"{name} {_shown(text)} outside [{low:g}, {high:g}]")
        return value

    def required_number(
        self, name: str, low: float = float("-inf"), high: float = float("inf")
    ) -> float:
        """`number` of a field every record must have."""
        value = self.number(name, low, high)
        if value is None:
            raise BadRecord("missing_field", name)
        return value

    def count(self, name: str, reason: str) -> int | None:
        """A whole number >= 0 (`3`, `3.0`); `reason` when it is anything else."""
        text = self.text(name)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError as err:
            raise BadRecord(reason, f"{name} {_shown(text)}") from err
        if not (value >= 0 and value.is_integer() and value < 2**31):
            raise BadRecord(reason, f"{name} {_shown(text)}")
        return int(value)

    def mmsi(self, name: str) -> int | None:
        """An MMSI (nine digits, 100000000-999999998, as the AIS cleaning accepts); a wrong one
        is read as null and noted `invalid_mmsi` in `cleared`: the record is kept, since an MMSI
        typed by a person is a weaker identity than the name and call sign beside it."""
        text = self.text(name)
        if text is None:
            return None
        digits = text[:-2] if text.endswith(".0") else text
        if digits.isdigit() and MMSI_MIN <= int(digits) <= MMSI_MAX:
            return int(digits)
        self.cleared.append("invalid_mmsi")
        return None

    def choice(self, name: str, allowed: tuple[str, ...], reason: str) -> str | None:
        """One of `allowed`, matched case-insensitively (stored in lower case); `reason` when
        it is another value."""
        text = self.text(name)
        if text is None:
            return None
        if text.lower() not in allowed:
            raise BadRecord(reason, f"{name} {_shown(text)}, expected one of {', '.join(allowed)}")
        return text.lower()

    def container(self, name: str) -> str:
        """A required ISO 6346 container number, normalised (`csqu 305438-3` ->
        `CSQU3054383`); `bad_container_number` when its shape or check digit is wrong."""
        number = normalise_container(self.required(name))
        if not is_valid_container(number):
            raise BadRecord("bad_container_number", f"{name} {_shown(self.raw(name))}")
        return number

    def terminal(self, name: str) -> str:
        """A required port or terminal (`NLRTM`, `NLRTM-ECT`), upper case; `bad_terminal`."""
        text = self.required(name).upper()
        if not _PORT.fullmatch(text):
            raise BadRecord("bad_terminal", f"{name} {_shown(text)}, expected e.g. NLRTM-ECT")
        return text

    def ports(self, name: str) -> list[str]:
        """`;`-separated ports or terminals (`NLRTM;BEANR-DGD`), upper case; `bad_port`."""
        text = self.text(name)
        ports = [] if text is None else [p.strip().upper() for p in text.split(";")]
        ports = [port for port in ports if port]
        for port in ports:
            if not _PORT.fullmatch(port):
                raise BadRecord("bad_port", f"{name} {_shown(port)}, expected e.g. NLRTM")
        return ports

    def timezone(self, name: str, default: str) -> str:
        """An IANA time zone name (`Europe/Amsterdam`), `default` when blank;
        `unknown_timezone` when the time zone database does not hold it."""
        text = self.text(name) or default
        if text not in _time_zones():
            raise BadRecord("unknown_timezone", f"{name} {_shown(text)}")
        return text


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())
