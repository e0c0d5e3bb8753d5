"""The shape of a DCSA Track & Trace event as Balise reads it, and where each stored column comes
from: the documented mapping of `balise.io.dcsa_events`.

Two shapes are read, told apart by their keys, not by a version field:

- **3.0** (DCSA Track & Trace 3.0.0, `dcsaorg/DCSA-Information-Model`, folder
  `generated-resources/standards/tnt/v300/`): the event's classification in `eventClassification`
  and its details in `equipmentDetails`, `transportDetails.transportCall`, `shipmentDetails`,
  `eventLocation` and `reeferDetails`;
- **2.x** (DCSA Track & Trace 2.2, still published by carriers): a flat event with
  `eventType`, `eventClassifierCode`, `equipmentEventTypeCode` / `transportEventTypeCode` /
  `shipmentEventTypeCode`, `equipmentReference`, `transportCall{vessel{...}}` and
  `documentReferences[{documentReferenceType, documentReferenceValue}]`.

`EVENT_DTYPE` is the union of both: every leaf is read as text (a JSON number becomes its text,
so `"vesselIMONumber": 9321483` and `"9321483"` read the same) and converted afterwards; keys
Balise does not use are ignored; a value of the wrong JSON kind where an object or a list is
expected (`"seals": "X"`) is read as null, and an object where text is expected as its JSON
text.

Each stored column and where it is read from (the first value present wins):

- event_id: 3.0 `eventID`; 2.x `eventID`.
- event_kind: 3.0 `eventClassification.eventType`; 2.x `eventType`.
- event_code: 3.0 `eventClassification.{equipment,transport,shipment,iot,reefer}EventType`, by
  kind; 2.x `{equipment,transport,shipment}EventTypeCode`, 4-letter codes mapped (`CODES_2X`).
- classifier: 3.0 `eventClassification.eventClassifier` (`ACTUAL` -> `ACT`, `PLANNED` -> `PLN`,
  `ESTIMATED` -> `EST`); 2.x `eventClassifierCode` (`ACT`, `PLN`, `EST`, `REQ`).
- event_time: 3.0 `eventDateTime`; 2.x `eventDateTime`.
- created_at: 3.0 `eventUpdatedDateTime`; 2.x `eventCreatedDateTime`.
- container_number: 3.0 `equipmentDetails.equipmentReference`; 2.x `equipmentReference`.
- iso_equipment_code: 3.0 `equipmentDetails.ISOEquipmentCode`; 2.x `ISOEquipmentCode`.
- empty_laden: 3.0 `equipmentDetails.emptyIndicator`; 2.x `emptyIndicatorCode`.
- transshipment: 3.0 `equipmentDetails.transportPhase` is `TRANSSHIPMENT`; 2.x
  `isTransshipmentMove`.
- seals: 3.0 `equipmentDetails.seals[].number`; 2.x `seals[].sealNumber`.
- unlocode: 3.0 `eventLocation.UNLocationCode`; 2.x `eventLocation.UNLocationCode`,
  `transportCall.UNLocationCode`, `transportCall.location.UNLocationCode`.
- facility: 3.0 `eventLocation.facility.facilityCode`; 2.x `eventLocation.facilityCode`,
  `transportCall.facilityCode`.
- lat, lon: 3.0 `eventLocation.geoCoordinate.latitude`, `.longitude`; 2.x `eventLocation.latitude`,
  `.longitude`.
- mode: 3.0 `transportDetails.transportCall.modeOfTransport`; 2.x `transportCall.modeOfTransport`.
- vessel_imo: 3.0 `...transportCall.vesselTransport.vesselIMONumber`; 2.x
  `transportCall.vessel.vesselIMONumber`.
- vessel_mmsi: 3.0 `...transportCall.vesselTransport.vesselMMSINumber`; 2.x
  `transportCall.vessel.vesselMMSINumber`.
- vessel_name: 3.0 `...transportCall.vesselTransport.vesselName`; 2.x
  `transportCall.vessel.vesselName`.
- voyage: 3.0 `...transportCall.exportVoyageNumberOrReference.carrierVoyageNumber`,
  `importVoyage...` (import first for `DISCHARGED` and `ARRIVED`); 2.x
  `transportCall.carrierExportVoyageNumber`, `carrierImportVoyageNumber` (likewise).
- port_call: 3.0 `...transportCall.portVisitReference`, `.transportCallReference`; 2.x
  `transportCall.portVisitReference`, `.transportCallReference`.
- truck_plate: 3.0 `...transportCall.truckTransport.tractorDetails.licensePlate`,
  `trailerDetails.licensePlate`; not in 2.x.
- bill_of_lading: 3.0 `shipmentDetails.documentReference` or `additionalDocumentReferences[]` of
  type `TRANSPORT_DOCUMENT`; 2.x `documentReferences[]` of type `TRD`; `documentID` of a
  `documentTypeCode` `TRD`.
- booking: 3.0 the same, of type `BOOKING`; 2.x the same, of type `BKG`.
- replaces: 3.0 `shipmentDetails.documentReferenceReplacements[].oldReferences[].reference`; not in
  2.x.
- temperature_c: 3.0 `reeferDetails.supplyAirTemperatureMeasurement.temperatureValue`,
  `returnAirTemperatureMeasurement.temperatureValue` (`temperatureUnit` `FAH` converted); not in
  2.x.
- setpoint_c: 3.0 `reeferDetails.internalSetpointTemperature` (likewise); not in 2.x.
- retracted: 3.0 `isRetracted` (`true`, or the text `"true"` in any case); false when absent; not
  in 2.x.
"""

from __future__ import annotations

import json
from typing import Final

import polars as pl

from balise.model.cargo import EQUIPMENT_CODES, IOT_CODES, TRANSPORT_CODES

_TEXT: Final = pl.String()


def _object(**fields: pl.DataType) -> pl.Struct:
    return pl.Struct(fields)


def _texts(*names: str) -> pl.Struct:
    return pl.Struct(dict.fromkeys(names, _TEXT))


_REFERENCE: Final = _texts("type", "reference")
_VOYAGE: Final = _texts("carrierVoyageNumber", "universalVoyageReference")
_TRANSPORT_CALL_3: Final = _object(
    modeOfTransport=_TEXT,
    portVisitReference=_TEXT,
    transportCallReference=_TEXT,
    exportVoyageNumberOrReference=_VOYAGE,
    importVoyageNumberOrReference=_VOYAGE,
    vesselTransport=_texts("vesselIMONumber", "vesselMMSINumber", "vesselName"),
    truckTransport=_object(
        tractorDetails=_texts("licensePlate"), trailerDetails=_texts("licensePlate")
    ),
)
_TRANSPORT_CALL_2: Final = pl.Struct(
    {
        "UNLocationCode": _TEXT,
        "facilityCode": _TEXT,
        "modeOfTransport": _TEXT,
        "portVisitReference": _TEXT,
        "transportCallReference": _TEXT,
        "carrierExportVoyageNumber": _TEXT,
        "carrierImportVoyageNumber": _TEXT,
        "location": _texts("UNLocationCode", "facilityCode"),
        "vessel": _texts("vesselIMONumber", "vesselMMSINumber", "vesselName"),
    }
)
_TEMPERATURE: Final = _texts("temperatureValue")

EVENT_DTYPE: Final = pl.Struct(
    {
        # both shapes
        "eventID": _TEXT,
        "eventDateTime": _TEXT,
        "eventLocation": pl.Struct(
            {
                "UNLocationCode": _TEXT,
                "facility": _texts("facilityCode"),
                "geoCoordinate": _texts("latitude", "longitude"),
                "facilityCode": _TEXT,
                "latitude": _TEXT,
                "longitude": _TEXT,
            }
        ),
        # 3.0
        "eventUpdatedDateTime": _TEXT,
        "isRetracted": _TEXT,
        "eventClassification": _texts(
            "eventClassifier",
            "eventType",
            "equipmentEventType",
            "transportEventType",
            "shipmentEventType",
            "iotEventType",
            "reeferEventType",
        ),
        "equipmentDetails": pl.Struct(
            {
                "equipmentReference": _TEXT,
                "ISOEquipmentCode": _TEXT,
                "emptyIndicator": _TEXT,
                "transportPhase": _TEXT,
                "seals": pl.List(_texts("number")),
            }
        ),
        "transportDetails": _object(transportCall=_TRANSPORT_CALL_3),
        "shipmentDetails": _object(
            documentReference=_REFERENCE,
            additionalDocumentReferences=pl.List(_REFERENCE),
            documentReferenceReplacements=pl.List(_object(oldReferences=pl.List(_REFERENCE))),
        ),
        "reeferDetails": _object(
            supplyAirTemperatureMeasurement=_TEMPERATURE,
            returnAirTemperatureMeasurement=_TEMPERATURE,
            internalSetpointTemperature=_TEXT,
            temperatureUnit=_TEXT,
        ),
        # 2.x
        "eventCreatedDateTime": _TEXT,
        "eventType": _TEXT,
        "eventClassifierCode": _TEXT,
        "equipmentEventTypeCode": _TEXT,
        "transportEventTypeCode": _TEXT,
        "shipmentEventTypeCode": _TEXT,
        "equipmentReference": _TEXT,
        "ISOEquipmentCode": _TEXT,
        "emptyIndicatorCode": _TEXT,
        "isTransshipmentMove": _TEXT,
        "seals": pl.List(_texts("sealNumber")),
        "transportCall": _TRANSPORT_CALL_2,
        "documentReferences": pl.List(_texts("documentReferenceType", "documentReferenceValue")),
        "documentTypeCode": _TEXT,
        "documentID": _TEXT,
    }
)
"""The decoded event: the keys of both shapes, every leaf as text."""


def _duckdb_structure(dtype: object) -> object:
    if isinstance(dtype, pl.Struct):
        return {f.name: _duckdb_structure(f.dtype) for f in dtype.fields}
    if isinstance(dtype, pl.List):
        return [_duckdb_structure(dtype.inner)]
    return "VARCHAR"


EVENT_STRUCTURE: Final = json.dumps(_duckdb_structure(EVENT_DTYPE))
"""`EVENT_DTYPE` as the structure DuckDB's `from_json` decodes into (the same columns)."""

CODES_2X: Final = {
    "LOAD": "LOADED", "DISC": "DISCHARGED", "GTIN": "GATED_IN", "GTOT": "GATED_OUT",
    "STUF": "STUFFED", "STRP": "STRIPPED", "PICK": "PICKED_UP", "DROP": "DROPPED_OFF",
    "INSP": "INSPECTED", "RSEA": "RESEALED", "RMVD": "REMOVED",
    "CUSS": "CUSTOMS_SELECTED_FOR_SCAN", "CUSI": "CUSTOMS_SELECTED_FOR_INSPECTION",
    "CUSR": "CUSTOMS_RELEASED",
    "ARRI": "ARRIVED", "DEPA": "DEPARTED",
    "RECE": "RECEIVED", "DRFT": "DRAFTED", "PENA": "PENDING_APPROVAL",
    "PENU": "PENDING_UPDATE", "REJE": "REJECTED", "APPR": "APPROVED", "ISSU": "ISSUED",
    "SURR": "SURRENDERED", "SUBM": "SUBMITTED", "VOID": "VOIDED", "CONF": "CONFIRMED",
    "REQS": "REQUESTED", "CMPL": "COMPLETED", "HOLD": "ON_HOLD", "RELS": "RELEASED",
    "CANC": "CANCELLED",
}  # fmt: skip
"""The 2.x four-letter codes (equipment, transport and shipment events) as stored: the 3.0 word
for the same event (`LOAD` -> `LOADED`, `ARRI` -> `ARRIVED`, `ISSU` -> `ISSUED`)."""

SHIPMENT_CODES: Final = (
    "AMENDMENT_CANCELLED", "AMENDMENT_CONFIRMED", "AMENDMENT_DECLINED", "AMENDMENT_IN_PROGRESS",
    "AMENDMENT_RECEIVED", "APPROVED", "CANCELLATION_CONFIRMED", "CANCELLATION_DECLINED",
    "CANCELLATION_RECEIVED", "CANCELLED", "COMPLETED", "CONFIRMED", "DECLINED", "DRAFTED",
    "ISSUED", "ON_HOLD",
    # 2.x statuses without a 3.0 word
    "RECEIVED", "PENDING_APPROVAL", "PENDING_UPDATE", "REJECTED", "SURRENDERED", "SUBMITTED",
    "VOIDED", "REQUESTED", "RELEASED",
)  # fmt: skip
"""Shipment event codes: the 3.0 `shipmentEventType` list and the 2.x statuses (`CODES_2X`)."""

CODES: Final[dict[str, tuple[str, ...]]] = {
    "EQUIPMENT": (*EQUIPMENT_CODES, "AVAILABLE_FOR_DROP_OFF", "AVAILABLE_FOR_PICKUP", "CROSSED"),
    "TRANSPORT": (*TRANSPORT_CODES, "APPROACHING"),
    "SHIPMENT": SHIPMENT_CODES,
    "IOT": (*IOT_CODES, "DEVICE_STATUS"),
    "REEFER": ("MEASURED", "ADJUSTED"),
}
"""The event codes read, by kind: Balise's lists (`balise.model.cargo`) and the other codes of
the 3.0 lists, kept as they are (`AVAILABLE_FOR_PICKUP`, `APPROACHING`, `DEVICE_STATUS`...); any
other code is quarantined `unknown_code`."""

CLASSIFIERS: Final = {
    "ACTUAL": "ACT", "PLANNED": "PLN", "ESTIMATED": "EST", "REQUESTED": "REQ",
    "ACT": "ACT", "PLN": "PLN", "EST": "EST", "REQ": "REQ",
}  # fmt: skip
"""Classifiers as stored (`ACT`, `PLN`, `EST`, `REQ`), from the 3.0 words and the 2.x codes."""

CONTAINER_KINDS: Final = ("EQUIPMENT", "IOT", "REEFER")
"""Events about one box: they need a valid container number. Transport and shipment events are
kept without one (a vessel's arrival, a bill of lading issued)."""

TRANSPORT_DOCUMENT: Final = ("TRANSPORT_DOCUMENT", "TRD")
"""Document reference types of a bill of lading (3.0, 2.x)."""
BOOKING: Final = ("BOOKING", "BKG")
"""Document reference types of a booking (3.0, 2.x)."""
