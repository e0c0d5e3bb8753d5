"""Reader of ASTERIX radar data: CAT010 (monosensor surface movement data) and CAT062 (system
track data), decoded by `libasterix` (the `asterix` extra: `pip install 'balise[asterix]'`).

ASTERIX (EUROCONTROL, All-purpose Structured Surveillance Information Exchange) is what coastal
and vessel traffic radars and their trackers export: a file is a sequence of data blocks (one
octet category, two octets length, records). Balise reads, per record:

- CAT010 target reports (I010/000 message type 1; status messages are skipped:
  `skipped: status_message`): data source I010/010, time of day I010/140, position I010/041
  (WGS-84) or else I010/040 (polar, from the sensor's declared position), velocity I010/200
  (polar) or I010/202 (Cartesian), track number I010/161, standard deviation of position
  I010/500 (the larger of the two axes is the position error).
- CAT062 system tracks: data source I062/010, time of track I062/070, position I062/105
  (WGS-84), velocity I062/185, track number I062/040, position accuracy I062/500 APC.

The sensor is the reader's default (`--sensor`) or else `SAC<sac>-SIC<sic>` from the data
source (declare a radar site under that id). Times of day are on the reader's date (`--date`),
a drop of more than 12 hours moving to the next day. `source_line` is the record's number in
the input. Quarantine reasons: `bad_datablock` (a block whose length runs past the input or
below its header: reading stops there), `bad_record` (records the decoder refuses: the whole
block), `no_time` (no date or no time of day), `no_position` (neither WGS-84 position nor a
polar one from a declared site), `unknown_sensor` (a polar position from an undeclared site),
`out_of_range`. Blocks of other categories are skipped (`skipped: other_category`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, BinaryIO, Final

import polars as pl

from balise.errors import UsageError
from balise.geo.sphere import destination_point
from balise.io.arpa import ArpaContext
from balise.io.radar_records import MAX_SPEED_KNOTS
from balise.io.record_fields import BadRecord
from balise.model.batch import ReadOptions
from balise.model.record_batch import RECORD_SCHEMAS, RecordBatch, RecordKind
from balise.model.schema import QUARANTINE_SCHEMA

CATEGORIES: Final = (10, 62)
KNOTS_PER_M_S: Final = 3600.0 / 1852.0
_HALF_DAY_S: Final = 43_200.0


def looks_like_asterix(head: bytes) -> bool:
    """Whether `head` starts with a CAT010 or CAT062 data block: the category octet, a length
    of at least the header, and control bytes that text never holds."""
    if len(head) < 4 or head[0] not in CATEGORIES or int.from_bytes(head[1:3]) < 4:
        return False
    return any(byte < 9 or 13 < byte < 32 for byte in head[:64])


def _decoder() -> Any:
    try:
        import asterix.base as base
        import asterix.generated as generated
    except ImportError as err:
        raise UsageError(
            "reading ASTERIX needs the asterix extra: pip install 'balise[asterix]'",
            extra="asterix",
        ) from err
    return base, {10: generated.Cat_010_1_1, 62: generated.Cat_062_1_21}


def _value(record: Any, item: str, *path: str, unit: str | None = None) -> float | None:
    """The value of `item` (through its subitems `path`) of a decoded record, in `unit` (or as
    an unsigned integer); None when the record does not hold the item."""
    found = record.get_item(item)
    if found is None:
        return None
    variation = found.variation
    for name in path:
        subitem = variation.get_item(name)
        if subitem is None:
            return None
        variation = subitem.variation
    return float(variation.content.as_quantity(unit) if unit else variation.as_uint())


@dataclass
class _Clock:
    """Times of day on the reader's date, moving to the next day when they drop by more than
    12 hours."""

    day: datetime | None
    last_s: float | None = None

    def at(self, seconds: float | None) -> datetime:
        if self.day is None or seconds is None:
            raise BadRecord("no_time", "no --date" if self.day is None else "no time of day")
        if self.last_s is not None and seconds < self.last_s - _HALF_DAY_S:
            self.day += timedelta(days=1)
        self.last_s = seconds
        return self.day + timedelta(seconds=seconds)


def _sensor(record: Any, item: str, context: ArpaContext) -> str:
    if context.sensor_id:
        return context.sensor_id
    sac, sic = _value(record, item, "SAC"), _value(record, item, "SIC")
    return f"SAC{int(sac or 0):03d}-SIC{int(sic or 0):03d}"


def _speed_course(vx: float | None, vy: float | None) -> tuple[float | None, float | None]:
    if vx is None or vy is None:
        return None, None
    return math.hypot(vx, vy) * KNOTS_PER_M_S, math.degrees(math.atan2(vx, vy)) % 360.0


def _cat010(record: Any, context: ArpaContext, clock: _Clock) -> dict[str, Any] | None:
    if (_value(record, "000") or 1) != 1:
        return None
    sensor = _sensor(record, "010", context)
    lat, lon = _value(record, "041", "LAT", unit="°"), _value(record, "041", "LON", unit="°")
    if lat is None or lon is None:
        lat, lon = _polar(record, sensor, context)
    speed, course = _speed_course(
        _value(record, "202", "VX", unit="m/s"), _value(record, "202", "VY", unit="m/s")
    )
    gsp = _value(record, "200", "GSP", unit="NM/s")
    if gsp is not None:
        speed, course = gsp * 3600.0, _value(record, "200", "TRA", unit="°")
    track = _value(record, "161", "TRK")
    errors = [_value(record, "500", axis, unit="m") for axis in ("DEVX", "DEVY")]
    return _contact(clock.at(_value(record, "140", unit="s")), lat, lon, sensor, track) | {
        "speed_knots": speed,
        "course_deg": course,
        "position_error_m": _largest(errors, context),
    }


def _polar(record: Any, sensor: str, context: ArpaContext) -> tuple[float, float]:
    rho, theta = _value(record, "040", "RHO", unit="m"), _value(record, "040", "TH", unit="°")
    if rho is None or theta is None:
        raise BadRecord("no_position", "neither I010/041 nor I010/040")
    if sensor not in context.sites:
        raise BadRecord("unknown_sensor", f"{sensor!r}: a polar position needs its site")
    site_lat, site_lon = context.sites[sensor]
    lat, lon = destination_point(site_lat, site_lon, theta, rho / 1852.0)
    return float(lat), float(lon)


def _cat062(record: Any, context: ArpaContext, clock: _Clock) -> dict[str, Any]:
    sensor = _sensor(record, "010", context)
    lat, lon = _value(record, "105", "LAT", unit="°"), _value(record, "105", "LON", unit="°")
    if lat is None or lon is None:
        raise BadRecord("no_position", "no I062/105")
    speed, course = _speed_course(
        _value(record, "185", "VX", unit="m/s"), _value(record, "185", "VY", unit="m/s")
    )
    errors = [_value(record, "500", "APC", axis, unit="m") for axis in ("X", "Y")]
    when = clock.at(_value(record, "070", unit="s"))
    return _contact(when, lat, lon, sensor, _value(record, "040")) | {
        "speed_knots": speed,
        "course_deg": course,
        "position_error_m": _largest(errors, context),
    }


def _largest(errors: list[float | None], context: ArpaContext) -> float:
    known = [error for error in errors if error is not None]
    return max(known) if known else context.position_error_m


def _contact(
    when: datetime, lat: float, lon: float, sensor: str, track: float | None
) -> dict[str, Any]:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadRecord("out_of_range", f"lat {lat:g}, lon {lon:g}")
    return {
        "time": when,
        "lat": lat,
        "lon": lon,
        "sensor_id": sensor,
        "track_id": None if track is None else f"{sensor}:{int(track)}",
    }


@dataclass
class _Batch:
    source: str
    columns: dict[str, list[Any]] = field(
        default_factory=lambda: {name: [] for name in RECORD_SCHEMAS[RecordKind.RADAR]}
    )
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    read: int = 0

    def add(self, number: int, record: dict[str, Any]) -> None:
        speed = record["speed_knots"]
        if speed is not None and speed > MAX_SPEED_KNOTS:
            self.rejected.append((number, "out_of_range", f"speed {speed:.0f} kn", ""))
            return
        record |= {"source": self.source, "source_line": number}
        for name, column in self.columns.items():
            column.append(record[name])

    def done(self) -> RecordBatch:
        names = ("source_line", "reason", "detail", "raw")
        rejected = pl.DataFrame(
            self.rejected, schema={c: QUARANTINE_SCHEMA[c] for c in names}, orient="row"
        ).select(pl.lit(self.source).alias("source"), *names)
        records = pl.DataFrame(self.columns, schema=RECORD_SCHEMAS[RecordKind.RADAR])
        return RecordBatch(RecordKind.RADAR, records, rejected, self.read, self.skipped)


def _blocks(stream: BinaryIO) -> Iterator[tuple[int, bytes, str | None]]:
    """Each data block: category, bytes, and the reason it is bad (reading stops after one)."""
    while header := stream.read(3):
        length = int.from_bytes(header[1:3]) if len(header) == 3 else 0
        body = stream.read(max(length - 3, 0))
        if length < 3 or len(body) < length - 3:
            yield header[0], header + body, f"length {length}, {len(header + body)} bytes left"
            return
        yield header[0], header + body, None


def read_asterix(
    stream: BinaryIO, source: str, context: ArpaContext, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the radar contacts of the CAT010 and CAT062 records of `stream` (see the
    module's docstring)."""
    base, uaps = _decoder()
    day = context.day
    clock = _Clock(None if day is None else datetime.combine(day, time(), UTC))
    batch, number = _Batch(source), 0
    for category, block, damage in _blocks(stream):
        if damage or category not in uaps:
            if damage:
                batch.rejected.append((number + 1, "bad_datablock", damage, block[:64].hex()))
            else:
                batch.skipped["other_category"] += 1
            continue
        raw = base.RawDatablock.parse(base.Bits.from_bytes(block))
        records = (
            raw
            if isinstance(raw, ValueError)
            else uaps[category].cv_uap.parse(raw[0].get_raw_records())
        )
        if isinstance(records, ValueError):
            batch.read += 1
            number += 1
            batch.rejected.append((number, "bad_record", str(records), block[:512].hex()))
            continue
        for record in records:
            number += 1
            batch.read += 1
            _read_one(batch, number, record, category, context, clock, block)
        if batch.read >= max(1, options.batch_records):
            yield batch.done()
            batch = _Batch(source)
    if batch.read or batch.rejected or batch.skipped:
        yield batch.done()


def _read_one(
    batch: _Batch,
    number: int,
    record: Any,
    category: int,
    context: ArpaContext,
    clock: _Clock,
    block: bytes,
) -> None:
    try:
        read = (_cat010 if category == 10 else _cat062)(record, context, clock)
    except BadRecord as bad:
        batch.rejected.append((number, bad.reason, bad.detail, block[:512].hex()))
        return
    if read is None:
        batch.skipped["status_message"] += 1
    else:
        batch.add(number, read)
