"""Reader of ARPA target reports: NMEA 0183 `$--TTM` and `$--TLL` sentences of a coastal radar.

A radar's tracker (ARPA, automatic radar plotting aid) reports each target it tracks in one of
two sentences (NMEA 0183 v4.11, IEC 61162-1):

- `$--TTM` (tracked target message): target number, distance and bearing from the radar, the
  target's speed and course, CPA/TCPA, units (`N` nautical miles and knots, `K` kilometres and
  km/h, `S` statute miles and mph), name, status (`T` tracking, `Q` acquiring, `L` lost),
  reference target, UTC time of the data (hhmmss.ss) and type of acquisition. The position is
  the point at that distance and true bearing from the sensor's declared position (the radar
  sites of the workspace, `balise ingest radar-sites`). A relative bearing (`R`) is quarantined:
  a radar site ashore has no heading to add to it.
- `$--TLL` (target latitude and longitude): target number, latitude, longitude, name, UTC time,
  status and reference target.

A sentence needs a sensor: the `s:` source of its NMEA 4.0 tag block, else the reader's default
sensor (`--sensor`); and a time: its UTC hhmmss.ss on the date of the tag block's `c:` time
(within 12 hours of it, so a report just after midnight is on the next day), else on the
reader's date (`--date`); without a UTC field, the `c:` time itself. The track id is
`<sensor>:<target number>`; the sentence gives no position error, the reader's default applies
(`ingest.arpa_position_error_m`). Lost targets (`L`) are skipped (`skipped: lost_target`), other
sentences too (`skipped: other_sentence`). Quarantine reasons: `bad_checksum` (sentence or tag
block), `not_nmea`, `no_sensor`, `unknown_sensor`, `no_time`, `bad_time`, `bad_field` (a field
that does not parse), `bad_units`, `relative_bearing`, `out_of_range`, `missing_field`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from operator import xor
from typing import Any, BinaryIO, Final

from balise.geo.sphere import destination_point
from balise.io.nmea_time import TIME_WINDOW
from balise.io.radar_records import MAX_SPEED_KNOTS
from balise.io.record_fields import BadRecord, Row, SkipRecord
from balise.io.record_lines import RecordFormat, line_batches, numbered_lines
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind

ARPA_POSITION_ERROR_M: Final = 50.0
"""Default 1-sigma position error of an ARPA target (the sentences carry none), metres: of the
order of what IMO asks of a radar and its tracker: range accuracy 30 m or 1 % of the range scale
in use, bearing 1 degree (IMO MSC.192(79), radar performance standards), tracked target
accuracy (IMO A.823(19), ARPA performance standards)."""
_KM_PER_UNIT: Final = {"N": 1.852, "K": 1.0, "S": 1.609344}
"""Kilometres per distance unit of a TTM (and km/h per speed unit, in the same ratio)."""
_HALF_DAY: Final = timedelta(hours=12)


@dataclass(frozen=True)
class ArpaContext:
    """What a sentence does not say: the position of each sensor (`sensor_id` -> lat, lon), the
    sensor of sentences without an `s:` tag, the date of sentences without a `c:` tag, the
    position error given to every target."""

    sites: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    sensor_id: str | None = None
    day: date | None = None
    position_error_m: float = ARPA_POSITION_ERROR_M


def looks_like_arpa(head: bytes) -> bool:
    """Whether the first non-blank line of `head` is an NMEA sentence or a tag block."""
    first = next((line.strip() for line in head.splitlines() if line.strip()), b"")
    return first[:1] in (b"$", b"!", b"\\")


def _checksum_ok(body: str, given: str) -> bool:
    try:
        return reduce(xor, body.encode("ascii", "replace"), 0) == int(given, 16)
    except ValueError:
        return False


def _checked(text: str, what: str) -> str:
    """`text` without its `*hh` checksum, which must match when present."""
    body, star, given = text.partition("*")
    if star and not _checksum_ok(body, given.strip()[:2]):
        raise BadRecord("bad_checksum", f"{what} checksum {given.strip()[:2]!r}")
    return body


def _tags(block: str) -> dict[str, str]:
    """The tags of an NMEA 4.0 tag block body (`s:RADAR1,c:1709280000`)."""
    pairs = (item.partition(":") for item in _checked(block, "tag block").split(","))
    return {key: value for key, sep, value in pairs if sep}


def _split(text: str) -> Row:
    """A line as a `Row`: its tags, its sentence type and its fields (checksums checked)."""
    line, tags = text.strip(), {}
    if line.startswith("\\"):
        block, sep, line = line[1:].partition("\\")
        if not sep:
            raise BadRecord("not_nmea", "tag block without its closing backslash")
        tags = _tags(block)
    if line[:1] == "!" or (line[:1] == "$" and line[3:6] not in ("TTM", "TLL")):
        raise SkipRecord("other_sentence")
    if line[:1] != "$":
        raise BadRecord("not_nmea", "expected a $--TTM or $--TLL sentence")
    fields = _checked(line[1:], "sentence").split(",")
    return Row({"tags": tags, "type": fields[0][2:5], "fields": fields[1:]})


def _field(fields: list[str], index: int) -> str:
    return fields[index].strip() if index < len(fields) else ""


def _number(fields: list[str], index: int, name: str) -> float | None:
    text = _field(fields, index)
    if not text:
        return None
    try:
        return float(text)
    except ValueError as err:
        raise BadRecord("bad_field", f"{name} {text!r}") from err


def _required(fields: list[str], index: int, name: str) -> float:
    value = _number(fields, index, name)
    if value is None:
        raise BadRecord("missing_field", name)
    return value


def _target(fields: list[str]) -> str:
    number = _required(fields, 0, "target number")
    if not (number.is_integer() and 0 <= number <= 999):
        raise BadRecord("bad_field", f"target number {_field(fields, 0)!r}")
    return str(int(number))


def _sensor(row: Row, context: ArpaContext) -> str:
    sensor = row.raw("tags").get("s") or context.sensor_id
    if not sensor:
        raise BadRecord("no_sensor", "no tag block s: source and no --sensor")
    if sensor not in context.sites:
        raise BadRecord("unknown_sensor", f"{sensor!r} is not a radar site of the workspace")
    return str(sensor)


def _tag_time(tags: Mapping[str, str]) -> datetime | None:
    text = tags.get("c")
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError as err:
        raise BadRecord("bad_time", f"tag c:{text!r}") from err
    if seconds > 1e11:  # milliseconds, as some receivers write
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise BadRecord("bad_time", f"tag c:{text!r}") from err


def _clock(text: str) -> time:
    """hhmmss(.ss) as a time of day."""
    try:
        whole, _, fraction = text.partition(".")
        if len(whole) != 6 or not whole.isdigit():
            raise ValueError(text)
        micros = round(float(f"0.{fraction or 0}") * 1e6)
        return time(int(whole[:2]), int(whole[2:4]), int(whole[4:]), min(micros, 999_999))
    except ValueError as err:
        raise BadRecord("bad_time", f"UTC time {text!r}") from err


def _time(row: Row, utc_text: str, context: ArpaContext) -> datetime:
    tagged = _tag_time(row.raw("tags"))
    if utc_text:
        clock = _clock(utc_text)
        if tagged is not None:
            found = datetime.combine(tagged.date(), clock, UTC)
            if found - tagged > _HALF_DAY:
                found -= timedelta(days=1)
            elif tagged - found > _HALF_DAY:
                found += timedelta(days=1)
        elif context.day is not None:
            found = datetime.combine(context.day, clock, UTC)
        else:
            raise BadRecord("no_time", "UTC time without a tag block c: time or --date")
    elif tagged is not None:
        found = tagged
    else:
        raise BadRecord("no_time", "no UTC time and no tag block c: time")
    first, last = TIME_WINDOW
    if not first <= found < last:
        raise BadRecord("bad_time", f"{found:%Y-%m-%dT%H:%M:%SZ} outside {first:%Y}-{last:%Y}")
    return found


def _status(fields: list[str], index: int) -> None:
    if _field(fields, index).upper() == "L":
        raise SkipRecord("lost_target")


def _ttm(row: Row, fields: list[str], context: ArpaContext) -> dict[str, Any]:
    _status(fields, 11)
    units = _field(fields, 9).upper() or "N"
    if units not in _KM_PER_UNIT:
        raise BadRecord("bad_units", f"units {units!r}, expected N, K or S")
    if _field(fields, 3).upper() == "R":
        raise BadRecord("relative_bearing", "a radar site ashore has no heading to add")
    distance, bearing = _required(fields, 1, "distance"), _required(fields, 2, "bearing")
    if distance < 0 or not 0 <= bearing <= 360:
        raise BadRecord("out_of_range", f"distance {distance:g}, bearing {bearing:g}")
    sensor = _sensor(row, context)
    site_lat, site_lon = context.sites[sensor]
    nm_per_unit = _KM_PER_UNIT[units] / 1.852
    lat, lon = destination_point(site_lat, site_lon, bearing, distance * nm_per_unit)
    speed, course = _number(fields, 4, "speed"), _number(fields, 5, "course")
    speed_knots = None if speed is None else speed * nm_per_unit
    if speed_knots is not None and not 0 <= speed_knots <= MAX_SPEED_KNOTS:
        raise BadRecord("out_of_range", f"speed {speed:g} {units}")
    if course is not None and not 0 <= course <= 360:
        raise BadRecord("out_of_range", f"course {course:g}")
    return _record(row, context, sensor, fields, float(lat), float(lon), _field(fields, 13)) | {
        "speed_knots": speed_knots,
        "course_deg": course,
    }


def _latlon(text: str, hemisphere: str, degree_digits: int, name: str) -> float:
    """NMEA ddmm.mm (latitude) or dddmm.mm (longitude) with its hemisphere, in degrees."""
    try:
        degrees, minutes = int(text[:degree_digits]), float(text[degree_digits:])
    except ValueError as err:
        raise BadRecord("bad_field", f"{name} {text!r}") from err
    signs = {"N": 1, "E": 1, "S": -1, "W": -1}
    sign = signs.get(hemisphere.upper())
    limit = 90 if degree_digits == 2 else 180
    if sign is None or not 0 <= minutes < 60 or degrees + minutes / 60 > limit:
        raise BadRecord("bad_field", f"{name} {text!r} {hemisphere!r}")
    return sign * (degrees + minutes / 60.0)


def _tll(row: Row, fields: list[str], context: ArpaContext) -> dict[str, Any]:
    _status(fields, 7)
    if not _field(fields, 1) or not _field(fields, 3):
        raise BadRecord("missing_field", "latitude or longitude")
    lat = _latlon(_field(fields, 1), _field(fields, 2), 2, "latitude")
    lon = _latlon(_field(fields, 3), _field(fields, 4), 3, "longitude")
    sensor = _sensor(row, context)
    return _record(row, context, sensor, fields, lat, lon, _field(fields, 6)) | {
        "speed_knots": None,
        "course_deg": None,
    }


def _record(
    row: Row,
    context: ArpaContext,
    sensor: str,
    fields: list[str],
    lat: float,
    lon: float,
    utc_text: str,
) -> dict[str, Any]:
    return {
        "time": _time(row, utc_text, context),
        "lat": lat,
        "lon": lon,
        "sensor_id": sensor,
        "position_error_m": context.position_error_m,
        "track_id": f"{sensor}:{_target(fields)}",
    }


def arpa_format(context: ArpaContext) -> RecordFormat:
    """The format of TTM and TLL sentences read with `context`."""

    def parse(row: Row) -> dict[str, Any]:
        fields: list[str] = row.raw("fields")
        return (_ttm if row.raw("type") == "TTM" else _tll)(row, fields, context)

    return RecordFormat(RecordKind.RADAR, "arpa_nmea", (), parse)


def read_arpa(
    stream: BinaryIO, source: str, context: ArpaContext, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the radar contacts of the TTM and TLL sentences of `stream` (see the
    module's docstring)."""
    lines = numbered_lines(stream, options.max_record_line_bytes)
    yield from line_batches(lines, source, arpa_format(context), options, _split)
