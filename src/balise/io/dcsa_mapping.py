"""Decoded DCSA Track & Trace events (`dcsa_shape.EVENT_DTYPE`) into the stored frame
(`CONTAINER_EVENT_SCHEMA`), column by column over a whole batch: the mapping documented in
`balise.io.dcsa_shape`, then the checks that quarantine an event or clear one of its values.

An event is quarantined (the first reason that applies) for: `missing_field` (no `eventID`,
`eventDateTime`, event type, event code, or a container number on an equipment, IoT or reefer
event), `unknown_code` (an event type, code or classifier outside the lists), `bad_time` (a time
that does not parse as ISO 8601 or falls outside 1980-2200) and `bad_container_number` (not
ISO 6346 on an equipment, IoT or reefer event); a retraction (`isRetracted: true`) only for the
first two (no JSON object, no `eventID`): it names the event it withdraws. A value that is
wrong in an event kept is read as null and counted under `cleared`: `invalid_imo` (not seven
digits with the right check digit), `invalid_mmsi`, `invalid_container_number` (on a transport
or shipment event), `invalid_unlocode`, `invalid_position` (a latitude or longitude that is not
a number in range) and `invalid_number` (a reefer temperature that is not a number).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Final

import polars as pl

from balise.io.dcsa_shape import (
    BOOKING,
    CLASSIFIERS,
    CODES,
    CODES_2X,
    CONTAINER_KINDS,
    TRANSPORT_DOCUMENT,
)
from balise.io.nmea_time import TIME_WINDOW
from balise.io.record_fields import LOCODE
from balise.maritime.clean import MMSI_MAX, MMSI_MIN
from balise.model.cargo import CONTAINER_EVENT_SCHEMA, EVENT_KINDS
from balise.model.containers import container_valid_expr
from balise.model.imo import imo_valid_expr
from balise.model.schema import UTC_TIME

_EVENT: Final = pl.col("event")
_CALL_3: Final = ("transportDetails", "transportCall")
_ISO_FORMATS: Final = (
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.f",
)
"""ISO 8601 as DCSA writes it (`Z`, an offset, none for UTC), parsed column-wise; the rare
other spellings (a space for `T`) are parsed one by one. The first, whole seconds in UTC (most
times), is a fixed layout polars parses several times faster than one with a fraction."""
_SEPARATORS: Final = r"[\s\-.]"
"""What `normalise_container` removes."""


def field(*path: str) -> pl.Expr:
    """The event's value at `path` (keys of nested objects)."""
    expr = _EVENT
    for key in path:
        expr = expr.struct.field(key)
    return expr


def first_text(*paths: tuple[str, ...], trimmed: bool = False) -> pl.Expr:
    """The first non-blank text of `paths`, trimmed; when the batch's texts are known to be
    `trimmed` (none blank, none beginning or ending with a space), simply the first present."""
    if trimmed:
        return pl.coalesce([field(*path) for path in paths])
    values = [field(*path).str.strip_chars() for path in paths]
    return pl.coalesce([pl.when(v != "").then(v) for v in values])


def _event_code(kind: pl.Expr, trimmed: bool) -> pl.Expr:
    """The code of the event's kind, 2.x codes mapped; null when the kind has none."""
    v3 = {
        "EQUIPMENT": "equipmentEventType", "TRANSPORT": "transportEventType",
        "SHIPMENT": "shipmentEventType", "IOT": "iotEventType", "REEFER": "reeferEventType",
    }  # fmt: skip
    v2 = {"EQUIPMENT": "equipmentEventTypeCode", "TRANSPORT": "transportEventTypeCode"}
    v2["SHIPMENT"] = "shipmentEventTypeCode"
    code = pl.lit(None, pl.String())
    for name, key in v3.items():
        paths = [("eventClassification", key)] + ([(v2[name],)] if name in v2 else [])
        code = pl.when(kind == name).then(first_text(*paths, trimmed=trimmed)).otherwise(code)
    return code.str.to_uppercase().replace(CODES_2X)


def _known_code(kind: pl.Expr, code: pl.Expr) -> pl.Expr:
    known = pl.lit(False)
    for name, codes in CODES.items():
        known = known | ((kind == name) & code.is_in(codes))
    return known


def _python_time(value: str | None) -> datetime | None:
    """A time the column-wise formats missed, as `Row.time` reads it; None when it is bad."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parsed(texts: pl.Series) -> pl.Series:
    """`texts` as UTC times (null where they do not parse): the first of `_ISO_FORMATS` over
    the whole column, the others and then Python over what each step missed."""
    times = texts.str.to_datetime(
        _ISO_FORMATS[0], time_unit="us", time_zone="UTC", strict=False, cache=False
    )
    for fmt in (*_ISO_FORMATS[1:], None):
        missed = times.is_null() & texts.is_not_null()
        if not missed.any():
            break
        subset = texts.filter(missed)
        if fmt is None:
            fixed = pl.Series([_python_time(v) for v in subset.to_list()], dtype=UTC_TIME)
        else:
            fixed = subset.str.to_datetime(fmt, time_unit="us", time_zone="UTC", strict=False)
        times = times.scatter(missed.arg_true(), fixed)
    return times


def _parse_times(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """`columns` (text) parsed as UTC times in `<column>_t`; null where bad, absent or outside
    `TIME_WINDOW`."""
    first, last = TIME_WINDOW
    for column in columns:
        times = _parsed(frame[column])
        frame = frame.with_columns(
            times.alias(f"{column}_t"),
        ).with_columns(
            pl.when(pl.col(f"{column}_t").is_between(first, last, closed="left"))
            .then(pl.col(f"{column}_t"))
            .alias(f"{column}_t")
        )
    return frame


def _document(types: tuple[str, str]) -> pl.Expr:
    """The reference of the event's first document of `types` (3.0 type, 2.x type)."""
    new, old = types
    main = field("shipmentDetails", "documentReference")
    additional = field("shipmentDetails", "additionalDocumentReferences").list.eval(
        pl.element().filter(pl.element().struct.field("type") == new).struct.field("reference")
    )
    listed = field("documentReferences").list.eval(
        pl.element()
        .filter(pl.element().struct.field("documentReferenceType") == old)
        .struct.field("documentReferenceValue")
    )
    return pl.coalesce(
        pl.when(main.struct.field("type") == new).then(main.struct.field("reference")),
        additional.list.first(),
        listed.list.first(),
        pl.when(field("documentTypeCode") == old).then(field("documentID")),
    ).str.strip_chars()


def _replaced() -> pl.Expr:
    replacements = field("shipmentDetails", "documentReferenceReplacements")
    old = replacements.list.eval(
        pl.element().struct.field("oldReferences").explode().struct.field("reference")
    )
    return old.list.drop_nulls()


def _celsius(*path: str) -> pl.Expr:
    value = field("reeferDetails", *path).str.strip_chars().cast(pl.Float64, strict=False)
    fahrenheit = field("reeferDetails", "temperatureUnit").str.to_uppercase() == "FAH"
    return pl.when(fahrenheit).then((value - 32.0) / 1.8).otherwise(value)


def _kind(trimmed: bool) -> pl.Expr:
    return first_text(
        ("eventClassification", "eventType"), ("eventType",), trimmed=trimmed
    ).str.to_uppercase()


def _raw_columns(trimmed: bool) -> list[pl.Expr]:
    """The stored columns before checks (text where a check follows)."""
    text = partial(first_text, trimmed=trimmed)
    call_3, call_2 = _CALL_3, ("transportCall",)
    inbound = pl.col("event_code").is_in(["DISCHARGED", "ARRIVED"])
    export = text((*call_3, "exportVoyageNumberOrReference", "carrierVoyageNumber"),
                  (*call_2, "carrierExportVoyageNumber"))  # fmt: skip
    import_ = text((*call_3, "importVoyageNumberOrReference", "carrierVoyageNumber"),
                   (*call_2, "carrierImportVoyageNumber"))  # fmt: skip
    phase = field("equipmentDetails", "transportPhase").str.to_uppercase()
    moved = field("isTransshipmentMove").str.to_lowercase()
    vessel_3, vessel_2 = (*call_3, "vesselTransport"), (*call_2, "vessel")
    return [
        text(("eventID",)).alias("event_id"),
        text(("eventClassification", "eventClassifier"), ("eventClassifierCode",))
        .str.to_uppercase()
        .alias("classifier_text"),
        text(("eventDateTime",)).alias("event_time"),
        text(("eventUpdatedDateTime",), ("eventCreatedDateTime",)).alias("created_at"),
        text(("equipmentDetails", "equipmentReference"), ("equipmentReference",))
        .str.replace_all(_SEPARATORS, "")
        .str.to_uppercase()
        .alias("container_text"),
        text(("equipmentDetails", "ISOEquipmentCode"), ("ISOEquipmentCode",))
        .str.to_uppercase()
        .alias("iso_equipment_code"),
        text(("equipmentDetails", "emptyIndicator"), ("emptyIndicatorCode",))
        .str.to_uppercase()
        .alias("empty_laden"),
        pl.when(moved.is_not_null())
        .then(moved == "true")
        .otherwise(pl.when(phase.is_not_null()).then(phase == "TRANSSHIPMENT"))
        .alias("transshipment"),
        pl.coalesce(
            field("equipmentDetails", "seals").list.eval(pl.element().struct.field("number")),
            field("seals").list.eval(pl.element().struct.field("sealNumber")),
        ).alias("seals"),
        text(
            ("eventLocation", "UNLocationCode"),
            (*call_2, "UNLocationCode"),
            (*call_2, "location", "UNLocationCode"),
        )
        .str.to_uppercase()
        .alias("unlocode_text"),
        text(
            ("eventLocation", "facility", "facilityCode"),
            ("eventLocation", "facilityCode"),
            (*call_2, "facilityCode"),
            (*call_2, "location", "facilityCode"),
        ).alias("facility"),
        text(("eventLocation", "geoCoordinate", "latitude"), ("eventLocation", "latitude"))
        .cast(pl.Float64, strict=False)
        .alias("lat"),
        text(("eventLocation", "geoCoordinate", "longitude"), ("eventLocation", "longitude"))
        .cast(pl.Float64, strict=False)
        .alias("lon"),
        text(
            ("eventLocation", "geoCoordinate", "latitude"),
            ("eventLocation", "latitude"),
            ("eventLocation", "geoCoordinate", "longitude"),
            ("eventLocation", "longitude"),
        ).alias("position_text"),
        text((*call_3, "modeOfTransport"), (*call_2, "modeOfTransport"))
        .str.to_uppercase()
        .alias("mode"),
        text((*vessel_3, "vesselIMONumber"), (*vessel_2, "vesselIMONumber")).alias("imo_text"),
        text((*vessel_3, "vesselMMSINumber"), (*vessel_2, "vesselMMSINumber")).alias("mmsi_text"),
        text((*vessel_3, "vesselName"), (*vessel_2, "vesselName")).alias("vessel_name"),
        pl.when(inbound)
        .then(pl.coalesce(import_, export))
        .otherwise(pl.coalesce(export, import_))
        .alias("voyage"),
        text(
            (*call_3, "portVisitReference"),
            (*call_3, "transportCallReference"),
            (*call_2, "portVisitReference"),
            (*call_2, "transportCallReference"),
        ).alias("port_call"),
        text(
            (*call_3, "truckTransport", "tractorDetails", "licensePlate"),
            (*call_3, "truckTransport", "trailerDetails", "licensePlate"),
        ).alias("truck_plate"),
        _document(TRANSPORT_DOCUMENT).alias("bill_of_lading"),
        _document(BOOKING).alias("booking"),
        _replaced().alias("replaces"),
        pl.coalesce(
            _celsius("supplyAirTemperatureMeasurement", "temperatureValue"),
            _celsius("returnAirTemperatureMeasurement", "temperatureValue"),
        ).alias("temperature_c"),
        text(
            ("reeferDetails", "supplyAirTemperatureMeasurement", "temperatureValue"),
            ("reeferDetails", "returnAirTemperatureMeasurement", "temperatureValue"),
        ).alias("temperature_text"),
        _celsius("internalSetpointTemperature").alias("setpoint_c"),
        (field("isRetracted").str.strip_chars().str.to_lowercase() == "true")
        .fill_null(False)
        .alias("retracted"),
        text(("reeferDetails", "internalSetpointTemperature")).alias("setpoint_text"),
    ]


def _quoted(name: str, value: pl.Expr) -> pl.Expr:
    return pl.concat_str(pl.lit(f"{name} '"), value.str.slice(0, 80), pl.lit("'"))


_RETRACTION_CHECKS: Final = 2
"""The checks of `_reasons` a retraction goes through: a JSON object, an `eventID`."""


def _reasons(valid_container: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The quarantine reason of each event (null when it is kept) and its detail."""
    kind, code, boxed = pl.col("event_kind"), pl.col("event_code"), pl.col("boxed")
    checks: list[tuple[pl.Expr, str, pl.Expr]] = [
        (_EVENT.is_null(), "bad_json", pl.lit("a JSON null, not an object")),
        (pl.col("event_id").is_null(), "missing_field", pl.lit("eventID")),
        (kind.is_null(), "missing_field", pl.lit("eventType")),
        (~kind.is_in(EVENT_KINDS), "unknown_code", _quoted("eventType", kind)),
        (code.is_null(), "missing_field", pl.concat_str(kind, pl.lit(" event type code"))),
        (
            ~_known_code(kind, code),
            "unknown_code",
            pl.concat_str(kind, _quoted(" event type code", code)),
        ),
        (
            pl.col("classifier_text").is_not_null() & pl.col("classifier").is_null(),
            "unknown_code",
            _quoted("eventClassifier", pl.col("classifier_text")),
        ),
        (pl.col("event_time").is_null(), "missing_field", pl.lit("eventDateTime")),
        (
            pl.col("event_time_t").is_null(),
            "bad_time",
            _quoted("eventDateTime", pl.col("event_time")),
        ),
        (
            pl.col("created_at").is_not_null() & pl.col("created_at_t").is_null(),
            "bad_time",
            _quoted("eventUpdatedDateTime", pl.col("created_at")),
        ),
        (
            boxed & pl.col("container_text").is_null(),
            "missing_field",
            pl.lit("equipmentReference"),
        ),
        (
            boxed & ~valid_container,
            "bad_container_number",
            _quoted("equipmentReference", pl.col("container_text")),
        ),
    ]
    reason, detail = pl.lit(None, pl.String()), pl.lit(None, pl.String())
    for index, (failed, why, said) in reversed(list(enumerate(checks))):
        if index >= _RETRACTION_CHECKS:  # a retraction needs only to name its event
            failed = failed & ~pl.col("retracted")
        # the first check that fails names the reason
        reason = pl.when(failed.fill_null(False)).then(pl.lit(why)).otherwise(reason)
        detail = pl.when(failed.fill_null(False)).then(said).otherwise(detail)
    return reason.alias("reason"), detail.alias("detail")


def _valid_containers(numbers: pl.Series) -> list[str]:
    """The distinct numbers of `numbers` that are valid ISO 6346 numbers (a batch holds a few
    events per box, so each is checked once)."""
    distinct = numbers.drop_nulls().unique().to_frame("number")
    return distinct.filter(container_valid_expr("number"))["number"].to_list()


_CLEARED: Final = (
    ("invalid_imo", "imo_text", "vessel_imo"),
    ("invalid_mmsi", "mmsi_text", "vessel_mmsi"),
    ("invalid_container_number", "container_text", "container_number"),
    ("invalid_unlocode", "unlocode_text", "unlocode"),
    ("invalid_position", "position_text", "lat"),
    ("invalid_number", "temperature_text", "temperature_c"),
    ("invalid_number", "setpoint_text", "setpoint_c"),
)
"""(cleared reason, the value read, the value kept): counted where the first is there and the
second is null."""


def _checked_values(valid_container: pl.Expr) -> list[pl.Expr]:
    """The values that a check clears to null when they are wrong."""
    mmsi = pl.col("mmsi_text").cast(pl.Int64, strict=False)
    lat, lon = pl.col("lat"), pl.col("lon")
    placed = lat.is_between(-90.0, 90.0) & lon.is_between(-180.0, 180.0)
    return [
        pl.when(imo_valid_expr("imo_num")).then(pl.col("imo_num")).alias("vessel_imo"),
        pl.when(mmsi.is_between(MMSI_MIN, MMSI_MAX)).then(mmsi).alias("vessel_mmsi"),
        pl.when(valid_container).then(pl.col("container_text")).alias("container_number"),
        pl.when(pl.col("unlocode_text").str.contains(f"^{LOCODE}$"))
        .then(pl.col("unlocode_text"))
        .alias("unlocode"),
        pl.when(placed).then(lat).alias("lat"),
        pl.when(placed).then(lon).alias("lon"),
    ]


def map_events(
    decoded: pl.DataFrame, trimmed: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame, Counter[str]]:
    """The events of `decoded` (`source_line`, `raw` and the decoded `event`) as kept records
    (`CONTAINER_EVENT_SCHEMA` but `source`), rejected rows (`source_line`, `reason`, `detail`,
    `raw`) and the values cleared, by reason; `trimmed`: every text of the events is known to
    be neither blank nor to begin or end with a space (the trimming is skipped)."""
    frame = decoded.with_columns(_kind(trimmed).alias("event_kind"))
    frame = frame.with_columns(_event_code(pl.col("event_kind"), trimmed).alias("event_code"))
    frame = frame.with_columns(_raw_columns(trimmed))
    frame = _parse_times(frame, ("event_time", "created_at"))
    valid_container = pl.col("container_text").is_in(_valid_containers(frame["container_text"]))
    frame = frame.with_columns(
        pl.col("classifier_text").replace_strict(CLASSIFIERS, default=None).alias("classifier"),
        pl.col("event_kind").is_in(CONTAINER_KINDS).alias("boxed"),
        pl.col("imo_text")
        .str.replace(r"(?i)^IMO\s*", "")
        .cast(pl.Int64, strict=False)
        .alias("imo_num"),
    )
    frame = frame.with_columns(*_reasons(valid_container))
    rejected = frame.filter(pl.col("reason").is_not_null()).select(
        "source_line", "reason", "detail", "raw"
    )
    kept = (  # without the lines and their decoded events: not copied
        frame.drop("raw", "event")
        .filter(pl.col("reason").is_null())
        .with_columns(_checked_values(valid_container))
    )
    tallies = kept.select(
        (pl.col(read).is_not_null() & pl.col(stored).is_null()).sum().alias(str(i))
        for i, (_, read, stored) in enumerate(_CLEARED)
    ).row(0)
    cleared: Counter[str] = Counter()
    for (reason, _, _), count in zip(_CLEARED, tallies, strict=True):
        cleared[reason] += int(count)
    records = kept.with_columns(
        pl.col("event_time_t").alias("event_time"), pl.col("created_at_t").alias("created_at")
    ).select(c for c in CONTAINER_EVENT_SCHEMA if c != "source")
    return records, rejected, +cleared
