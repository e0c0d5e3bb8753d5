"""DCSA Track & Trace 3.0 events of the world's boxes and ships, in the 3.0 wire format.

Names and nesting follow the T&T 3.0.0 `Event` object (DCSA-Information-Model,
`generated-resources/standards/tnt/v300/`, data overview, hierarchical attributes). Every event
has `eventID` (a UUID), `eventDateTime`, `eventUpdatedDateTime` and `eventClassification`
(`eventType`, `eventClassifier` `ACTUAL`, and the type's code), plus:

- EQUIPMENT (`equipmentEventType` `STUFFED`, `GATED_IN`, `LOADED`, `DISCHARGED`,
  `CUSTOMS_SELECTED_FOR_INSPECTION`, `INSPECTED`, `CUSTOMS_RELEASED`, `GATED_OUT`,
  `STRIPPED`): `equipmentDetails` (`equipmentReference`, `ISOEquipmentCode`, `emptyIndicator`,
  `seals` [`number`, `source`, `type`, `placement`], `transportPhase`), `eventLocation`
  (`locationName`, `UNLocationCode`, `facility` {`facilityCode`, `facilityCodeListProvider`},
  `facilityType`, `geoCoordinate` {`latitude`, `longitude`} as strings), `transportDetails`
  {`transportCall`: `modeOfTransport`, `transportCallReference`, `portVisitReference`,
  `vesselTransport` {`vesselIMONumber`, `vesselMMSINumber`, `vesselName`, `vesselFlag`,
  `vesselCallSign`, `operatorCarrierCode`, `operatorCarrierCodeListProvider`},
  `exportVoyageNumberOrReference` / `importVoyageNumberOrReference` {`carrierVoyageNumber`};
  or `truckTransport` {`tractorDetails` {`licensePlate`}}} and `shipmentDetails`
  (`documentReference` {`type` `TRANSPORT_DOCUMENT`, `reference`: the bill of lading},
  `additionalDocumentReferences` [the `BOOKING`]);
- SHIPMENT (`shipmentEventType` `ISSUED`): the bill of lading issued, and its replacement at a
  hub (`shipmentDetails.documentReferenceReplacements` [{`oldReferences`, `newReferences`}]);
- TRANSPORT (`transportEventType` `ARRIVED`, `DEPARTED`): every call of the container ships;
- IOT (`iotEventType` `DOOR_OPENED`, `DOOR_CLOSED`, `BREADCRUMB`) of smart boxes, with
  `iotDetails`;
- REEFER (`reeferEventType` `MEASURED`) every six hours aboard, with `reeferDetails`
  (`temperatureUnit` `CEL`, `internalSetpointTemperature`, `supplyAirTemperatureMeasurement`
  and `returnAirTemperatureMeasurement` {`temperatureValue`}, `measuredParameters`
  {`humidityPercentage`}, `powerStatus`).

Carriers of `DCSA_2X_CARRIERS` still publish Track & Trace 2.2 (`to_2x`): flat events with
four-letter codes (`LOAD`, `DISC`, `GTIN`, `GTOT`, `CUSR`, `ARRI`, `ISSU`...), `transportCall`
{`vessel` {...}}, `documentReferences` [{`documentReferenceType` `TRD` or `BKG`,
`documentReferenceValue`}], `seals` [{`sealNumber`}]: the equipment and shipment events of the
boxes they carry (their first leg's operator) and the transport events of their ships' calls.
The IoT and reefer events come from the devices' platform, in 3.0, whoever the carrier.

Smart boxes' devices also send `BREADCRUMB` IoT events (`BREADCRUMB_EVERY_S`): the box's
position (aboard, the ship's track), as the platform forwards it to the carrier.

Only events that happened before the world's end are written (history before its start too).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Final

import numpy as np

from balise.sim.boxes import HOUR_S, REEFER_CODE, Box, facility
from balise.sim.calls import CallIndex, VesselCall
from balise.sim.cargo import iso
from balise.sim.places import port
from balise.sim.smart import positions

Event = dict[str, Any]
REEFER_EVERY_S: Final = 6 * HOUR_S
"""Reefer units report to the carrier's remote monitoring this often aboard."""
BREADCRUMB_EVERY_S: Final = 6 * HOUR_S
"""A smart box's platform forwards a position (`BREADCRUMB`) this often: tracker platforms
sample the device's hourly fixes for the carrier's Track & Trace feed."""
DCSA_2X_CARRIERS: Final = ("EMC",)
"""Operators (SMDG codes) whose Track & Trace feed is still DCSA 2.2 in the world."""
CODES_2X: Final = {
    "LOADED": "LOAD", "DISCHARGED": "DISC", "GATED_IN": "GTIN", "GATED_OUT": "GTOT",
    "STUFFED": "STUF", "STRIPPED": "STRP", "INSPECTED": "INSP",
    "CUSTOMS_SELECTED_FOR_INSPECTION": "CUSI", "CUSTOMS_RELEASED": "CUSR",
    "ARRIVED": "ARRI", "DEPARTED": "DEPA", "ISSUED": "ISSU",
}  # fmt: skip
"""The 2.x four-letter code of each 3.0 code the world writes (DCSA T&T 2.2 code lists)."""
_CODE_NAMES_2X: Final = {
    "EQUIPMENT": ("equipmentEventType", "equipmentEventTypeCode"),
    "TRANSPORT": ("transportEventType", "transportEventTypeCode"),
    "SHIPMENT": ("shipmentEventType", "shipmentEventTypeCode"),
}
_DOCUMENT_TYPES_2X: Final = {"TRANSPORT_DOCUMENT": "TRD", "BOOKING": "BKG"}


def dumps(event: Event) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


class Writer:
    """Builds events with ids from the layer's generator."""

    def __init__(self, start: datetime, rng: np.random.Generator) -> None:
        self.start, self.rng = start, rng

    def base(self, kind: str, code_name: str, code: str, time_s: float) -> Event:
        updated = time_s + float(self.rng.uniform(60, 1800))
        return {
            "eventID": str(uuid.UUID(bytes=self.rng.bytes(16), version=4)),
            "eventDateTime": iso(self.start, time_s),
            "eventUpdatedDateTime": iso(self.start, updated),
            "eventClassification": {
                "eventType": kind,
                code_name: code,
                "eventClassifier": "ACTUAL",
            },
        }

    def plate(self) -> str:
        letters = "".join(chr(65 + int(v)) for v in self.rng.integers(0, 26, 3))
        return f"{letters}{int(self.rng.integers(100, 999))}"


def _geo(lat: float, lon: float) -> dict[str, str]:
    return {"latitude": f"{lat:.5f}", "longitude": f"{lon:.5f}"}


def terminal(locode: str) -> dict[str, Any]:
    here = port(locode)
    return {
        "locationName": here.name,
        "UNLocationCode": locode,
        "facility": {"facilityCode": facility(locode), "facilityCodeListProvider": "SMDG"},
        "facilityType": "PORT_TERMINAL",
        "geoCoordinate": _geo(here.lat, here.lon),
    }


def _site(site: tuple[str, str, float, float]) -> dict[str, Any]:
    return {
        "locationName": f"{site[0]}, {site[1]}",
        "facilityType": "CUSTOMER_LOCATION",
        "geoCoordinate": _geo(site[2], site[3]),
    }


def vessel(call: VesselCall, loading: bool | None = None) -> dict[str, Any]:
    """The transport call of `call`: the ship, the port visit, the voyage out (or in)."""
    transport_call: dict[str, Any] = {
        "transportCallReference": f"TC{call.port_visit}",
        "portVisitReference": call.port_visit,
        "modeOfTransport": "VESSEL",
        "vesselTransport": {
            "vesselIMONumber": str(call.imo),
            "vesselMMSINumber": str(call.mmsi),
            "vesselName": call.name,
            "vesselFlag": call.flag,
            "vesselCallSign": call.call_sign,
            "operatorCarrierCode": call.operator,
            "operatorCarrierCodeListProvider": "SMDG",
        },
    }
    if loading is not True:
        transport_call["importVoyageNumberOrReference"] = {
            "carrierVoyageNumber": call.arrival_voyage
        }
    if loading is not False:
        transport_call["exportVoyageNumberOrReference"] = {"carrierVoyageNumber": call.voyage}
    return {"transportCall": transport_call}


def _truck(plate: str) -> dict[str, Any]:
    tractor = {"tractorDetails": {"licensePlate": plate}}
    return {"transportCall": {"modeOfTransport": "TRUCK", "truckTransport": tractor}}


def _documents(bill: str, booking: str) -> dict[str, Any]:
    return {
        "documentReference": {"type": "TRANSPORT_DOCUMENT", "reference": bill},
        "additionalDocumentReferences": [{"type": "BOOKING", "reference": booking}],
    }


class BoxEvents:
    """The events of one box."""

    def __init__(self, writer: Writer, box: Box, calls: CallIndex) -> None:
        self.w, self.box, self.calls = writer, box, calls
        self.out: list[tuple[float, Event]] = []

    def bill_at(self, time_s: float) -> str:
        box = self.box
        if box.replaced is not None and time_s < box.replaced[1]:
            return box.replaced[0]
        return box.bill_of_lading

    def equipment(
        self,
        code: str,
        time_s: float,
        where: dict[str, Any],
        phase: str,
        transport: dict[str, Any] | None = None,
        *,
        empty: bool = False,
        seal: str | None = None,
    ) -> None:
        box = self.box
        event = self.w.base("EQUIPMENT", "equipmentEventType", code, time_s)
        event["equipmentDetails"] = {
            "equipmentReference": box.number,
            "ISOEquipmentCode": box.iso_code,
            "emptyIndicator": "EMPTY" if empty else "LADEN",
            "seals": [
                {
                    "number": seal or box.seal,
                    "source": "CARRIER",
                    "type": "BOLT",
                    "placement": "DOOR",
                }
            ],
            "transportPhase": phase,
        }
        event["eventLocation"] = where
        if transport is not None:
            event["transportDetails"] = transport
        event["shipmentDetails"] = _documents(self.bill_at(time_s), box.booking)
        self.out.append((time_s, event))

    def shipment(self, time_s: float, where: dict[str, Any], old: str | None = None) -> None:
        box = self.box
        event = self.w.base("SHIPMENT", "shipmentEventType", "ISSUED", time_s)
        event["equipmentDetails"] = {"equipmentReference": box.number}
        event["eventLocation"] = where
        details = _documents(self.bill_at(time_s + 1), box.booking)
        if old is not None:
            details["documentReferenceReplacements"] = [
                {
                    "oldReferences": [{"type": "TRANSPORT_DOCUMENT", "reference": old}],
                    "newReferences": [
                        {"type": "TRANSPORT_DOCUMENT", "reference": box.bill_of_lading}
                    ],
                }
            ]
        event["shipmentDetails"] = details
        self.out.append((time_s, event))

    def journey(self) -> None:
        box, w = self.box, self.w
        first = box.first_port
        if box.stuffed_s is not None:
            self.equipment("STUFFED", box.stuffed_s, _site(box.origin), "EXPORT")
        self.equipment("GATED_IN", box.gate_in_s, terminal(first), "EXPORT", _truck(w.plate()))
        if box.clone_gate_in is not None:
            other_s, other = box.clone_gate_in
            self.equipment(
                "GATED_IN",
                other_s,
                terminal(other),
                "EXPORT",
                _truck(w.plate()),
                seal=f"{box.seal[:2]}{int(w.rng.integers(10**6, 10**7))}",
            )
        self.shipment(box.issued_s, terminal(first))
        if box.replaced is not None:
            at = next(
                (lg.discharge.locode for lg in box.legs if lg.discharged_s <= box.replaced[1]),
                first,
            )
            self.shipment(box.replaced[1], terminal(at), old=box.replaced[0])
        for i, lg in enumerate(box.legs):
            out = "EXPORT" if i == 0 else "TRANSSHIPMENT"
            arrive = "IMPORT" if i == len(box.legs) - 1 else "TRANSSHIPMENT"
            self.equipment(
                "LOADED", lg.loaded_s, terminal(lg.load.locode), out, vessel(lg.load, loading=True)
            )
            self.equipment(
                "DISCHARGED",
                lg.discharged_s,
                terminal(lg.discharge.locode),
                arrive,
                vessel(lg.discharge, loading=False),
            )
        self.arrival()

    def arrival(self) -> None:
        box, last = self.box, terminal(self.box.last_port)
        if box.inspected_s is not None:
            selected = box.legs[-1].discharged_s + 1800
            self.equipment("CUSTOMS_SELECTED_FOR_INSPECTION", selected, last, "IMPORT")
            self.equipment("INSPECTED", box.inspected_s, last, "IMPORT")
        if box.released_s is not None:
            self.equipment("CUSTOMS_RELEASED", box.released_s, last, "IMPORT")
        for time_s, plate in box.gate_outs:
            self.equipment("GATED_OUT", time_s, last, "IMPORT", _truck(plate), seal=box.later_seal)
        if box.stripped_s is not None:
            self.equipment("STRIPPED", box.stripped_s, _site(box.delivery), "IMPORT", empty=True)

    def iot(self, end_s: float) -> None:
        box = self.box
        moments = [(d.start_s, "DOOR_OPENED") for d in box.doors]
        moments += [(d.end_s, "DOOR_CLOSED") for d in box.doors]
        moments = [m for m in moments if m[0] < end_s]
        if not moments:
            return
        lat, lon = positions(box, self.calls, np.array([m[0] for m in moments]))
        for (time_s, code), la, lo in zip(moments, lat, lon, strict=True):
            self.out.append((time_s, self._device_event(code, time_s, float(la), float(lo))))

    def breadcrumbs(self, end_s: float) -> None:
        """`BREADCRUMB` IoT events every `BREADCRUMB_EVERY_S` of the device's life in the
        window, at the box's position then (the ship's track aboard; where the device is once
        it left its ship)."""
        box = self.box
        first = box.stuffed_s if box.stuffed_s is not None else box.gate_in_s
        last = min((box.stripped_s or end_s) + 2 * HOUR_S, end_s)
        since = max(np.ceil(first / BREADCRUMB_EVERY_S) * BREADCRUMB_EVERY_S, 0.0)
        times = np.arange(since, last, BREADCRUMB_EVERY_S)
        lat, lon = positions(box, self.calls, times)
        for time_s, la, lo in zip(times, lat, lon, strict=True):
            if np.isnan(la):
                continue
            at = float(time_s)
            self.out.append((at, self._device_event("BREADCRUMB", at, float(la), float(lo))))

    def _device_event(self, code: str, time_s: float, lat: float, lon: float) -> Event:
        """An IoT event `code` of the box's smart device at (`lat`, `lon`)."""
        event = self.w.base("IOT", "iotEventType", code, time_s)
        event["equipmentDetails"] = {
            "equipmentReference": self.box.number,
            "ISOEquipmentCode": self.box.iso_code,
        }
        event["eventLocation"] = {"geoCoordinate": _geo(lat, lon)}
        event["iotDetails"] = {
            "iotEquipmentTechnology": "SMART_CONTAINER",
            "deviceVendor": "Balise Sim",
            "deviceModel": "SC-4",
            "powerStatus": "POWER_ON",
        }
        return event

    def reefer(self, end_s: float) -> None:
        box, setpoint = self.box, self.box.setpoint_c
        if box.iso_code != REEFER_CODE or setpoint is None:
            return
        for lg in box.legs:
            times = np.arange(lg.loaded_s + HOUR_S, min(lg.discharged_s, end_s), REEFER_EVERY_S)
            lat, lon = positions(box, self.calls, times)
            for time_s, la, lo in zip(times, lat, lon, strict=True):
                supply = setpoint + float(self.w.rng.normal(0, 0.15)) + self._jump(time_s)
                event = self.w.base("REEFER", "reeferEventType", "MEASURED", float(time_s))
                event["equipmentDetails"] = {
                    "equipmentReference": box.number,
                    "ISOEquipmentCode": box.iso_code,
                }
                event["eventLocation"] = {"geoCoordinate": _geo(float(la), float(lo))}
                event["reeferDetails"] = {
                    "temperatureUnit": "CEL",
                    "internalSetpointTemperature": setpoint,
                    "supplyAirTemperatureMeasurement": {"temperatureValue": round(supply, 1)},
                    "returnAirTemperatureMeasurement": {"temperatureValue": round(supply + 1.2, 1)},
                    "measuredParameters": {
                        "humidityPercentage": round(float(self.w.rng.uniform(85, 95)), 1)
                    },
                    "powerStatus": "POWER_ON",
                }
                self.out.append((float(time_s), event))

    def _jump(self, time_s: float) -> float:
        if self.box.reefer_jump is None:
            return 0.0
        since = (time_s - self.box.reefer_jump[0]) / HOUR_S
        if since < 0:
            return 0.0
        return self.box.reefer_jump[1] * (
            min(since, 1.0) if since < 1 else np.exp(-(since - 1) / 3)
        )


def _transport(w: Writer, calls: CallIndex, end_s: float) -> list[tuple[float, Event]]:
    out = []
    for call in calls.all():
        for code, time_s in (("ARRIVED", call.arrival_s), ("DEPARTED", call.departure_s)):
            if time_s < end_s:
                event = w.base("TRANSPORT", "transportEventType", code, time_s)
                event["eventLocation"] = terminal(call.locode)
                event["transportDetails"] = vessel(call, loading=code == "DEPARTED")
                if call.operator in DCSA_2X_CARRIERS:
                    event = to_2x(event)
                out.append((time_s, event))
    return out


def carrier(box: Box) -> str:
    """The carrier of a box (SMDG code): the operator of the ship of its first leg."""
    return box.legs[0].load.operator


def to_2x(event: Event) -> Event:
    """A 3.0 equipment, transport or shipment event of the world in the DCSA T&T 2.2 shape."""
    kind = event["eventClassification"]["eventType"]
    code_3, code_2 = _CODE_NAMES_2X[kind]
    code = event["eventClassification"][code_3]
    out: Event = {
        "eventID": event["eventID"],
        "eventType": kind,
        "eventClassifierCode": "ACT",
        "eventDateTime": event["eventDateTime"],
        "eventCreatedDateTime": event["eventUpdatedDateTime"],
        code_2: CODES_2X[code],
    }
    details = event.get("equipmentDetails") or {}
    if "equipmentReference" in details:
        out["equipmentReference"] = details["equipmentReference"]
    if "ISOEquipmentCode" in details:
        out["ISOEquipmentCode"] = details["ISOEquipmentCode"]
    if "emptyIndicator" in details:
        out["emptyIndicatorCode"] = details["emptyIndicator"]
        out["isTransshipmentMove"] = details.get("transportPhase") == "TRANSSHIPMENT"
    if details.get("seals"):
        out["seals"] = [
            {"sealNumber": seal["number"], "sealSource": "CAR", "sealType": "BLT"}
            for seal in details["seals"]
        ]
    place = event.get("eventLocation") or {}
    location: dict[str, Any] = {
        key: place[key] for key in ("locationName", "UNLocationCode") if key in place
    }
    if "facility" in place:
        location["facilityCode"] = place["facility"]["facilityCode"]
        location["facilityCodeListProvider"] = "SMDG"
    location |= place.get("geoCoordinate", {})
    out["eventLocation"] = location
    call = (event.get("transportDetails") or {}).get("transportCall")
    if call is not None and call["modeOfTransport"] == "VESSEL":
        out["transportCall"] = _call_2x(call, place)
    elif call is not None:  # a truck: 2.2 has no plate
        out["transportCall"] = {
            "modeOfTransport": call["modeOfTransport"],
            "UNLocationCode": place.get("UNLocationCode"),
            "facilityCode": (place.get("facility") or {}).get("facilityCode"),
        }
    if kind == "SHIPMENT":
        document = event["shipmentDetails"]["documentReference"]
        out["documentTypeCode"] = _DOCUMENT_TYPES_2X[document["type"]]
        out["documentID"] = document["reference"]
    elif "shipmentDetails" in event:
        shipment = event["shipmentDetails"]
        references = [shipment["documentReference"], *shipment["additionalDocumentReferences"]]
        out["documentReferences"] = [
            {
                "documentReferenceType": _DOCUMENT_TYPES_2X[r["type"]],
                "documentReferenceValue": r["reference"],
            }
            for r in references
        ]
    return out


def _call_2x(call: dict[str, Any], place: dict[str, Any]) -> dict[str, Any]:
    """A 3.0 vessel transport call in the 2.2 shape (`transportCall` {`vessel` {...}})."""
    ship = call["vesselTransport"]
    out: dict[str, Any] = {
        "transportCallReference": call["transportCallReference"],
        "portVisitReference": call["portVisitReference"],
        "modeOfTransport": "VESSEL",
        "UNLocationCode": place.get("UNLocationCode"),
        "facilityCode": (place.get("facility") or {}).get("facilityCode"),
        "facilityCodeListProvider": "SMDG",
        "vessel": {
            "vesselIMONumber": ship["vesselIMONumber"],
            "vesselMMSINumber": ship["vesselMMSINumber"],
            "vesselName": ship["vesselName"],
            "vesselFlag": ship["vesselFlag"],
            "vesselCallSignNumber": ship["vesselCallSign"],
            "vesselOperatorCarrierCode": ship["operatorCarrierCode"],
            "vesselOperatorCarrierCodeListProvider": "SMDG",
        },
    }
    for key_3, key_2 in (
        ("exportVoyageNumberOrReference", "carrierExportVoyageNumber"),
        ("importVoyageNumberOrReference", "carrierImportVoyageNumber"),
    ):
        if key_3 in call:
            out[key_2] = call[key_3]["carrierVoyageNumber"]
    return out


def events(
    boxes: list[Box], calls: CallIndex, start: datetime, end_s: float, rng: np.random.Generator
) -> list[Event]:
    """Every event of the world before its end, in time order."""
    writer = Writer(start, rng)
    timed = _transport(writer, calls, end_s)
    for box in boxes:
        built = BoxEvents(writer, box, calls)
        built.journey()
        if carrier(box) in DCSA_2X_CARRIERS:
            built.out = [(time_s, to_2x(event)) for time_s, event in built.out]
        if box.smart:
            built.iot(end_s)
            built.breadcrumbs(end_s)
        built.reefer(end_s)
        timed += [pair for pair in built.out if pair[0] < end_s]
    timed.sort(key=lambda pair: (pair[0], pair[1]["eventID"]))
    return [event for _, event in timed]
