"""Telemetry of smart containers: one reading of a box's device (position, door, light,
temperature, humidity, shock, battery), from JSON lines files, MQTT messages or the API.

One function reads one message, `parse_telemetry`: the file reader, the live MQTT listener
(`balise.engine.telemetry_listener`) and `POST /api/v1/telemetry` all call it, so a reading is
accepted or refused the same way wherever it comes from.

Fields (keys case-insensitive, others ignored; the required ones in bold):
**container_number**, **time**, lat, lon, door_open, light_lux, temperature_c, humidity, shock_g,
battery.

- `container_number`: ISO 6346 with a correct check digit (`CSQU3054383`; spaces and hyphens
  allowed, stored without them). A live message may leave it out when its MQTT topic names the
  box (`containers/CSQU3054383/telemetry`); a message naming another box than its topic is
  quarantined `container_mismatch` (a device or gateway misconfigured, or a cloned number).
- `time`: ISO 8601 with `Z` or an offset (`2024-03-01T08:00:00+01:00`; without one it is UTC) or
  epoch seconds (`1709280000`, `1709280000.25`); an epoch number from `MS_EPOCH_FLOOR`
  (100,000,000,000) on is milliseconds (`1709280000000`), as in the AIS readers. Outside
  1980-01-01 .. one day after the clock of the reading machine: `bad_time`.
- `lat`, `lon`: WGS 84 degrees. A position that is not a pair of numbers within [-90, 90] and
  [-180, 180], or that is exactly (0, 0) (the "null island" a tracker without a GPS fix
  reports), is **cleared** (both set to null, counted `cleared: bad_position`), not
  quarantined: a box inside a stack or a hold often has no fix, and its door, light and
  temperature readings are what matter then.
- `door_open`: `true`/`false`, `1`/`0`, `"open"`/`"closed"` (text case-insensitive).
- `light_lux` [0, 200,000] (direct sunlight is about 100,000-120,000 lux), `temperature_c`
  [-70, 90] (a super-freezer reefer runs at -60 °C; a dry box in the sun reaches about 70 °C),
  `humidity` [0, 100] (% relative), `shock_g` [0, 1,000] (trackers' accelerometers saturate
  far below), `battery` [0, 100] (%). A value of the wrong type or out of its range is cleared
  (null, counted `cleared: bad_<field>`) and the reading kept, as for the position.

Quarantine reasons: `missing_field` (no container number or time), `bad_container_number`,
`bad_time`, `container_mismatch`, and for files `bad_json` and `line_too_long`. The API is strict:
a reading that would be quarantined, or that has any value cleared, is refused (RFC 9457).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, Final

import polars as pl

from balise.io.nmea_time import MS_EPOCH_FLOOR, time_window
from balise.io.record_fields import BadRecord, Row
from balise.io.record_lines import RecordFormat, read_jsonl_records
from balise.model.batch import ReadOptions
from balise.model.containers import is_valid_container, normalise_container
from balise.model.record_batch import RECORD_SCHEMAS, RecordBatch, RecordKind
from balise.model.schema import QUARANTINE_SCHEMA

SENSOR_RANGES: Final[dict[str, tuple[float, float]]] = {
    "light_lux": (0.0, 200_000.0),
    "temperature_c": (-70.0, 90.0),
    "humidity": (0.0, 100.0),
    "shock_g": (0.0, 1_000.0),
    "battery": (0.0, 100.0),
}
"""The plausible range of each sensor value (see the module's docstring for why); outside it
the value is cleared."""
DOOR_WORDS: Final = {"true": True, "1": True, "open": True, "false": False, "0": False,
                     "closed": False}  # fmt: skip
"""Texts read as a door contact's state."""
LIVE_BATCH_SECONDS: Final = 0.25
"""Longest a live message waits before it is stored (setting `listen.batch_seconds`): a
quarter of issue 14's budget of one second from a message to its alert, leaving the rest to
storing it, the broker's queues and the detectors (bench/results/telemetry_live.md)."""
LIVE_BATCH_MESSAGES: Final = 5_000
"""Most live messages stored in one batch (setting `listen.batch_messages`): a second of the
5,000 messages/s Balise is built to sustain (issue 14), so that a backlog (after a reconnection)
is stored in batches of bounded size."""
RECONNECT_MAX_SECONDS: Final = 30
"""Longest wait between two attempts to reach a lost broker (setting
`listen.reconnect_max_seconds`); the wait starts at 1 s and doubles."""
FIELDS: Final = ("container_number", "time", "lat", "lon", "door_open", *SENSOR_RANGES)
"""The fields of a reading, in the order of `TELEMETRY_SCHEMA`."""


def parse_telemetry(
    message: Mapping[str, Any], container_number: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """One reading from a decoded JSON object: the values of `TELEMETRY_SCHEMA` (all but
    `source` and `source_line`) and the reasons of the values cleared (`bad_position`,
    `bad_<field>`). `container_number` is the box named elsewhere (an MQTT topic): used when
    the message names none, `container_mismatch` when it names another. Raises `BadRecord`
    with the quarantine reason when the reading cannot be kept."""
    row = Row({str(key).strip().lower(): value for key, value in message.items()})
    return telemetry_values(row, container_number), row.cleared


def telemetry_values(row: Row, container_number: str | None = None) -> dict[str, Any]:
    """`parse_telemetry` of a `Row` (its cleared values noted in `row.cleared`)."""
    lat, lon = _position(row)
    values = {
        "container_number": _container(row, container_number),
        "time": reading_time(row.raw("time")),
        "lat": lat,
        "lon": lon,
        "door_open": _door(row),
    }
    for name, (low, high) in SENSOR_RANGES.items():
        values[name] = _sensor(row, name, low, high)
    return values


def _container(row: Row, from_topic: str | None) -> str:
    if row.raw("container_number") in (None, "") and from_topic is not None:
        number = normalise_container(from_topic)
        if not is_valid_container(number):
            raise BadRecord("bad_container_number", f"topic's container {from_topic!r}")
        return number
    number = row.container("container_number")
    if from_topic is not None and normalise_container(from_topic) != number:
        raise BadRecord("container_mismatch", f"{number} in a message of {from_topic!r}")
    return number


def reading_time(value: Any) -> datetime:
    """A reading's time: ISO 8601 text (UTC without an offset) or epoch seconds (milliseconds
    from `MS_EPOCH_FLOOR` on), as a number or as digits; `missing_field` when absent,
    `bad_time` when unreadable or implausible (`time_window`)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadRecord("missing_field", "time")
    parsed = _epoch(value) if _is_number(value) else _iso(value)
    first, last = time_window()
    if parsed is None or not first <= parsed < last:
        raise BadRecord("bad_time", f"time {_shown(value)}")
    return parsed


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()


def _epoch(value: Any) -> datetime | None:
    seconds = float(value)
    if not math.isfinite(seconds):
        return None
    if seconds >= MS_EPOCH_FLOOR:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _number(value: Any) -> float | None:
    """A finite number from a JSON number or a numeric text; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _position(row: Row) -> tuple[float | None, float | None]:
    raw_lat, raw_lon = row.raw("lat"), row.raw("lon")
    if _blank(raw_lat) and _blank(raw_lon):
        return None, None
    lat, lon = _number(raw_lat), _number(raw_lon)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        row.cleared.append("bad_position")
        return None, None
    if lat == 0 and lon == 0:
        row.cleared.append("bad_position")
        return None, None
    return lat, lon


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _door(row: Row) -> bool | None:
    value = row.raw("door_open")
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower() if isinstance(value, str | int) else None
    if key in DOOR_WORDS:
        return DOOR_WORDS[key]
    row.cleared.append("bad_door_open")
    return None


def _sensor(row: Row, name: str, low: float, high: float) -> float | None:
    value = row.raw(name)
    if _blank(value):
        return None
    number = _number(value)
    if number is None or not low <= number <= high:
        row.cleared.append(f"bad_{name}")
        return None
    return number


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _telemetry(row: Row) -> dict[str, Any]:
    return telemetry_values(row)


TELEMETRY_JSONL: Final = RecordFormat(
    RecordKind.TELEMETRY, "telemetry_jsonl", ("container_number", "time"), _telemetry
)


def read_telemetry(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[RecordBatch]:
    """Batches of the readings of a JSON lines `stream` (see the module's docstring)."""
    yield from read_jsonl_records(stream, source, TELEMETRY_JSONL, options)


@dataclass(frozen=True)
class Message:
    """One message received from a broker: its topic and payload (a JSON object, UTF-8)."""

    topic: str
    payload: bytes


def topic_level(topic_filter: str) -> int | None:
    """The level of an MQTT topic filter whose single-level wildcard `+` names the container
    (`containers/+/telemetry` -> 1); None when the filter has none (the first `+` counts)."""
    levels = topic_filter.split("/")
    return levels.index("+") if "+" in levels else None


def _topic_container(topic: str, level: int | None) -> str | None:
    if level is None:
        return None
    levels = topic.split("/")
    return levels[level] if level < len(levels) and levels[level] else None


def messages_batch(
    messages: Sequence[Message],
    source: str,
    first_number: int,
    options: ReadOptions,
    level: int | None = None,
) -> RecordBatch:
    """The readings of live `messages` as one batch, as a file's lines would be: message `i`
    is `source_line` `first_number + i`; its container may come from topic `level` (see
    `topic_level`). A payload that is not a JSON object is quarantined `bad_json`, one longer
    than `options.max_record_line_bytes` `line_too_long`."""
    columns: dict[str, list[Any]] = {name: [] for name in RECORD_SCHEMAS[RecordKind.TELEMETRY]}
    rejected: list[tuple[int, str, str, str]] = []
    cleared: Counter[str] = Counter()
    for number, message in enumerate(messages, first_number):
        text = message.payload.decode("utf-8", errors="replace")
        try:
            values, found = _message_values(message, text, level, options)
        except BadRecord as bad:
            rejected.append((number, bad.reason, f"{bad.detail} (topic {message.topic})", text))
            continue
        cleared.update(found)
        values["source"], values["source_line"] = source, number
        for name, column in columns.items():
            column.append(values[name])
    return _batch(columns, rejected, cleared, source, len(messages))


def _message_values(
    message: Message, text: str, level: int | None, options: ReadOptions
) -> tuple[dict[str, Any], list[str]]:
    if len(message.payload) > options.max_record_line_bytes:
        cap = options.max_record_line_bytes
        raise BadRecord("line_too_long", f"longer than {cap} bytes (ingest.max_record_line_bytes)")
    try:
        decoded = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise BadRecord("bad_json", str(err)[:200]) from err
    if not isinstance(decoded, dict):
        raise BadRecord("bad_json", f"a JSON {type(decoded).__name__}, not an object")
    return parse_telemetry(decoded, _topic_container(message.topic, level))


def _batch(
    columns: dict[str, list[Any]],
    rejected: list[tuple[int, str, str, str]],
    cleared: Counter[str],
    source: str,
    read: int,
) -> RecordBatch:
    names = ("source_line", "reason", "detail", "raw")
    quarantine = pl.DataFrame(
        rejected, schema={c: QUARANTINE_SCHEMA[c] for c in names}, orient="row"
    ).select(pl.lit(source).alias("source"), *names)
    records = pl.DataFrame(columns, schema=RECORD_SCHEMAS[RecordKind.TELEMETRY])
    return RecordBatch(RecordKind.TELEMETRY, records, quarantine, read, cleared=cleared)


def readings_batch(readings: Sequence[dict[str, Any]], source: str) -> RecordBatch:
    """Readings already checked (`parse_telemetry`'s values) as one batch from `source`, the
    `i`-th with `source_line` `i + 1`."""
    columns: dict[str, list[Any]] = {name: [] for name in RECORD_SCHEMAS[RecordKind.TELEMETRY]}
    for number, values in enumerate(readings, 1):
        row = {**values, "source": source, "source_line": number}
        for name, column in columns.items():
            column.append(row[name])
    return _batch(columns, [], Counter(), source, len(readings))
