"""Frame schemas of container logistics: the Track & Trace events of containers and of the
vessels that carry them (DCSA Track & Trace 3.0, flattened), cargo manifests (bills of lading),
and the telemetry of smart containers.

Like `balise.model.schema`, readers emit exactly these columns and the store keeps them; the
cargo cores (`balise.cargo`) read them. Container numbers are stored normalised
(`balise.model.containers.normalise_container`) and valid (ISO 6346): a reader quarantines an
invalid one.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from balise.model.schema import UTC_TIME

EVENT_KINDS: Final = ("EQUIPMENT", "TRANSPORT", "SHIPMENT", "IOT", "REEFER")
"""DCSA event types (`eventType`): what happened to a box, to a vessel's port call, to a
shipment's documents, and what a smart box's sensors or a reefer unit reported."""

EQUIPMENT_CODES: Final = (
    "LOADED", "DISCHARGED", "GATED_IN", "GATED_OUT", "STUFFED", "STRIPPED", "PICKED_UP",
    "DROPPED_OFF", "INSPECTED", "RESEALED", "REMOVED", "CUSTOMS_SELECTED_FOR_SCAN",
    "CUSTOMS_SELECTED_FOR_INSPECTION", "CUSTOMS_RELEASED", "CUSTOMS_HOLD", "RECEIVED",
    "HANDED_OVER",
)  # fmt: skip
"""Equipment event codes of DCSA Track & Trace 3.0 (`equipmentEventTypeCode`) as stored; the 2.x
codes (`LOAD`, `DISC`, `GTIN`, `GTOT`, `STUF`, `STRP`, `PICK`, `DROP`, `INSP`, `RSEA`, `RMVD`,
`CUSS`, `CUSI`, `CUSR`) are read into these."""

TRANSPORT_CODES: Final = ("ARRIVED", "DEPARTED")
"""Transport event codes (`transportEventTypeCode`; 2.x `ARRI`, `DEPA`)."""

IOT_CODES: Final = (
    "DOOR_OPENED", "DOOR_CLOSED", "GEOFENCE_ENTRY", "GEOFENCE_EXIT", "MOTION_START",
    "MOTION_STOP", "BREADCRUMB", "PAIRING", "UNPAIRING",
)  # fmt: skip
"""IoT event codes of smart containers (`iotEventTypeCode`)."""

CONTAINER_EVENT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "event_id": pl.String(),
    "event_kind": pl.String(),
    "event_code": pl.String(),
    "classifier": pl.String(),
    "event_time": UTC_TIME,
    "created_at": UTC_TIME,
    "container_number": pl.String(),
    "iso_equipment_code": pl.String(),
    "empty_laden": pl.String(),
    "transshipment": pl.Boolean(),
    "seals": pl.List(pl.String()),
    "unlocode": pl.String(),
    "facility": pl.String(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "mode": pl.String(),
    "vessel_imo": pl.Int64(),
    "vessel_mmsi": pl.Int64(),
    "vessel_name": pl.String(),
    "voyage": pl.String(),
    "port_call": pl.String(),
    "truck_plate": pl.String(),
    "bill_of_lading": pl.String(),
    "booking": pl.String(),
    "replaces": pl.List(pl.String()),
    "temperature_c": pl.Float64(),
    "setpoint_c": pl.Float64(),
    "retracted": pl.Boolean(),
    "source": pl.String(),
    "source_line": pl.Int64(),
}
"""One Track & Trace event, flattened:

- `event_id` (DCSA `eventID`, the identity: a later `created_at` replaces a stored version),
  `event_kind` (of `EVENT_KINDS`), `event_code` (3.0 codes: `EQUIPMENT_CODES`,
  `TRANSPORT_CODES`, `IOT_CODES`, the shipment's document status such as `ISSUED` or
  `SURRENDERED`, `MEASURED` for a reefer measurement), `classifier` (`ACT` actual, `PLN`
  planned, `EST` estimated, `REQ` requested), `event_time` (when it happened or will),
  `created_at` (when the event was created or last updated);
- the box: `container_number`, `iso_equipment_code` (ISO 6346 size and type, `45R1`),
  `empty_laden` (`EMPTY` or `LADEN`), `transshipment` (a move of a box in transshipment),
  `seals` (seal numbers);
- where: `unlocode` (UN/LOCODE), `facility` (terminal or depot, SMDG or BIC code), `lat`, `lon`;
- the transport: `mode` (`VESSEL`, `TRUCK`, `RAIL`, `BARGE`), `vessel_imo`, `vessel_mmsi`,
  `vessel_name`, `voyage` (carrier voyage number), `port_call` (the port call's reference),
  `truck_plate`;
- documents: `bill_of_lading` (transport document reference), `booking`, `replaces` (references
  of documents this event's document replaces: a bill of lading re-issued mid-route);
- reefer: `temperature_c` measured, `setpoint_c`;
- `retracted`: DCSA 3.0 `isRetracted`, the publisher withdrew the event. A retraction is the
  newest version of its event whatever its `created_at` (an older version read later does not
  bring the event back); the store keeps it, and reads it back only when asked
  (`CargoStore.container_events(retracted=True)`): the journeys and detectors no longer see the
  event.
"""

MANIFEST_SCHEMA: Final[dict[str, pl.DataType]] = {
    "bill_of_lading": pl.String(),
    "issued_at": UTC_TIME,
    "carrier": pl.String(),
    "vessel_imo": pl.Int64(),
    "voyage": pl.String(),
    "shipper": pl.String(),
    "consignee": pl.String(),
    "notify_party": pl.String(),
    "declarant": pl.String(),
    "hs_code": pl.String(),
    "goods_description": pl.String(),
    "packages": pl.Int64(),
    "gross_weight_kg": pl.Float64(),
    "declared_value": pl.Float64(),
    "currency": pl.String(),
    "place_of_receipt": pl.String(),
    "port_of_loading": pl.String(),
    "port_of_discharge": pl.String(),
    "place_of_delivery": pl.String(),
    "container_numbers": pl.List(pl.String()),
    "source": pl.String(),
    "source_line": pl.Int64(),
}
"""One bill of lading of a cargo manifest: its parties (shipper, consignee, notify party, and
the declarant who lodged it with customs, a broker or forwarder, when given), goods (HS code,
description, packages, weight, declared value and ISO 4217 currency), places (UN/LOCODEs
where known, free text otherwise) and the containers it covers. `bill_of_lading` is the
identity; a later `issued_at` (an amended bill) replaces the stored version."""

TELEMETRY_SCHEMA: Final[dict[str, pl.DataType]] = {
    "container_number": pl.String(),
    "time": UTC_TIME,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "door_open": pl.Boolean(),
    "light_lux": pl.Float64(),
    "temperature_c": pl.Float64(),
    "humidity": pl.Float64(),
    "shock_g": pl.Float64(),
    "battery": pl.Float64(),
    "source": pl.String(),
    "source_line": pl.Int64(),
}
"""One reading of a smart container's device: position, door contact, light inside the box,
temperature (°C), relative humidity (%), shock (g) and battery (%, 0-100); any may be null.
(`container_number`, `time`) is the identity: a reading sent twice is stored once."""
