"""The README.md written beside a world: what it holds, how it was made, where the truth is."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from balise.sim.world import World

_FILES = """\
| file | format | what |
| --- | --- | --- |
| `ais.nmea` | NMEA 0183 `!AIVDM`, NMEA 4.0 tag blocks (`s:` station, `c:` receive time) | what the receivers heard, in time order: types 1, 3, 18 (positions), 5 and 24 (static) |
| `ais-dma.csv` | Danish Maritime Authority "aisdk" CSV | the same position reports, one row each, with the latest static data of the vessel |
| `radar-contacts.csv` | CSV: time, lat, lon, speed_knots, course_deg, sensor_id, position_error_m | coastal radar contacts of every hull near Martinique, Guadeloupe, Brittany and Galicia, with or without AIS |
| `radars.csv` | CSV: sensor_id, name, lat, lon, antenna_height_m, range_nm | the coastal radar sites (semaphores on headlands) whose contacts `radar-contacts.csv` holds; `balise ingest radar-sites radars.csv` |
| `clearances.csv` | CSV: declaration_id, submitted_at, vessel_name, mmsi, flag, call_sign, arrival_port, expected_arrival, last_port, persons_on_board | yacht clearance declarations filed for arrivals from abroad at French Caribbean ports |
| `watchlist.csv` | CSV: name, imo, mmsi, call_sign, flag, reason, source, listed_since | vessels of interest shared by a partner agency |
| `vessels.csv` | CSV | every hull: role, scenario, identity at the start (the truth of who is who) |
| `staff.csv` | CSV: user, agency, role, ports (`;`-separated UN/LOCODEs), timezone (IANA) | the staff directory: customs officers, analysts, watch officers, port authority staff, an administrator, the security officer |
| `work.csv` | CSV: user, record | what is assigned to each user: inspection queues, alerts (their boxes and vessels), an investigator's case (a consignee) |
| `releases.csv` | CSV: release_id, container_number, terminal, bill_of_lading, issued_at, issued_to, authorised_haulier, valid_from, valid_until, customs_status, customs_status_at | container releases (the PIN references hauliers present at the gate) at the terminals of Fort-de-France, Pointe-à-Pitre, Le Havre, Rotterdam and Antwerp; container numbers carry their ISO 6346 check digit |
| `gate.csv` | CSV: gate_tx_id, container_number, terminal, time, direction, haulier, truck_plate, release_id, result | terminal gate-outs: pickups, accepted or rejected |
| `access-log.jsonl` | JSON lines: time, user, agency, role, address, action, route, resource, records, count | the audit trail of the staff's sign-ins and reads (containers, releases, gate, vessels, alerts, accounts, the audit) |
| `container-events.jsonl` | DCSA Track & Trace 3.0 events, one JSON object per line (3.0 names and nesting: `eventID`, `eventDateTime`, `eventClassification`, `equipmentDetails`, `eventLocation`, `transportDetails.transportCall`, `shipmentDetails`, `iotDetails`, `reeferDetails`); one carrier (Evergreen, `EMC`) still publishes DCSA 2.2 (flat events, four-letter codes `LOAD`, `DISC`, `GTIN`, `GTOT`, `ARRI`, `ISSU`..., `transportCall.vessel`, `documentReferences`) | what the carriers, terminals and smart boxes report: equipment events (stuffed, gated in, loaded, discharged, inspected, released, gated out, stripped) of every box during its ship's AIS port calls, bills of lading issued and replaced, ships arrived and departed, doors opened and closed, smart boxes' positions every 6 h (`BREADCRUMB`, on their ship's track aboard), reefer measurements |
| `manifests.csv` | CSV: bill_of_lading, issued_at, carrier, vessel_imo, voyage, shipper, consignee, notify_party, declarant, hs_code, goods_description, packages, gross_weight_kg, declared_value, currency, place_of_receipt, port_of_loading, port_of_discharge, place_of_delivery, container_numbers (`;`-separated) | one row per bill of lading (a replaced bill keeps its row); about one shipment in seven fills two or three boxes under one bill (packages, weight and value summed), each import box keeping its own release |
| `telemetry.jsonl` | JSON lines: container_number, time, lat, lon, door_open, light_lux, temperature_c, humidity, shock_g, battery | hourly readings of the smart boxes (every 15 min on the truck to the consignee, and one at each door opening and closing), following the box: at its shipper's, on the truck, at the terminal, aboard its ship, to its consignee |
| `truth.jsonl` | event records (one JSON object per line) | every staged event and every port call of the background traffic |
"""

_SCENARIOS = """\
| scenario | truth type | what was staged |
| --- | --- | --- |
| `mothership_transfer` | `loitering` (+ `ais_gap` of a fishing boat gone dark) | a ship drifts ~160 nm offshore while a go-fast without AIS, or a fishing boat that switched AIS off, comes alongside |
| `encounter` | `encounter` | two AIS ships meet offshore within ~150 m and drift together for 3-9 h |
| `coastal_drop` | `coastal_drop` | at night a ship leaves its lane, slows and circles 3-10 km off a coast away from ports (French Caribbean, Brittany, Galicia) while a small boat without AIS runs out from a cove and back |
| `dark_voyage` | `ais_gap` | AIS off for 12-72 h far offshore, back on further along with a deeper draught |
| `shared_mmsi` | `shared_mmsi` | two hulls broadcast the same MMSI on opposite sides of the Atlantic |
| `identity_change` | `identity_change` | name and call sign changed mid-voyage; once with a reflag (new flag, new MMSI, same IMO) |
| `position_jump` | `position_jump` | the broadcast position jumps ~150 nm away for 2-6 h (spoofing) and back |
| `undeclared_call` | `destination_mismatch` | destination says Le Havre, the ship calls at Paramaribo first |
| `destination_changed` | `destination_mismatch` | destination changed at sea |
| `clearance_missing` | `clearance_missing` | a yacht from Suriname or Saint Lucia arrives in Martinique without a declaration |
| `narco_sub` | `dark_target` | a semi-submersible without AIS approaches Galicia or Martinique: radar contacts only |
| `watchlist_arrival` | `port_visit` | a watchlisted ship arrives at Le Havre |
| `traffic` | `port_visit` | every port call of the background fleet in the window |
| `shell_game` | `shell_game` (subject: the container) | a laden box from Guayaquil or Santos (else another departure port) through Caribbean or West African hubs with an unusual dwell, or one whose chain starts at a hub where it was gated in months ago (origin hidden); its bill of lading is replaced at a hub; discharged in Europe or the French Caribbean |
| `release_theft` | `release_fraud` (subject: the container) | each box the insider's network collects with a stolen release reference, by a haulier on no release; the rightful haulier, turned away at the gate with the same release 1-5 h later, is in the gate records |
| `cloned_number` | `container_clone` | a second box under the same number gated in at another port 3-10 h after the first was gated in or out |
| `rip_off` | `door_opened` | a smart box opened at night at its terminal after discharge and before its release, resealed with another seal (seen at gate-out) |
| `door_at_sea` | `door_opened` | a smart box's door opened at sea, 5-25 nm from land and far from any port |
| `reefer_opened` | `reefer_anomaly` and `door_opened` | a smart reefer opened at sea (or at its terminal): light, and the temperature 5-9 °C above its setpoint, settling back over hours |
| `box_off_vessel` | `box_off_vessel` | a smart box's device leaves its ship at sea, 25 nm abeam at 20 knots |
| `unexpected_stop` | `unexpected_stop` | the truck taking an import box to its consignee stops 1.5-3 h 5-8 km off its way |
| `insider` | `insider_lookup` (subject: the user) | a customs officer at Pointe-à-Pitre reads the release references of a front company's boxes at another port's terminal (some days in the evening, from home), and 1-6 h later a haulier not on the release collects them; the rightful haulier is turned away at the gate. One event per such day, from the first read to the last stolen pickup |

Benign behaviour that must not raise alarms: ships waiting at anchorages, tugs alongside ships near
ports, fishing vessels fishing (slow, erratic), ferries on their timetables, yachts at anchor,
reception gaps from base-station outages and sparse satellite coverage offshore, duplicate
receptions, rare reports with speed and course "not available". In the audit trail: busy days,
arrival rushes, evenings finished late, curious look-ups at other ports, a night-shift watch
officer, an analyst whose case is a consignee and who reads its boxes in every port, the security
officer reading the audit, pickups rejected at the gate or made by a subcontractor. Among the
containers: transshipments at hubs with an ordinary dwell (12-96 h), customs inspections that open
the door (with `CUSTOMS_SELECTED_FOR_INSPECTION` and `INSPECTED` events), doors opened at stuffing
and stripping, boxes held by customs and never collected, pickups after the world's end.
"""


def write(world: World, path: Path) -> None:
    """Write the README of `world` to `path`."""
    spec = world.spec
    roles = Counter(plan.hull.role for plan in world.plans if not plan.scenario)
    truth = Counter(event.scenario for event in world.truth)
    lines = [
        "# Synthetic Atlantic and Caribbean world",
        "",
        "Generated by `balise sim atlantic "
        f"--seed {spec.seed} --vessels {spec.vessels} --days {spec.days:g} "
        f"--start {spec.start.strftime('%Y-%m-%dT%H:%M:%SZ')} --smart-share {spec.smart_share:g}`"
        ". The same arguments give "
        "byte-identical files. Everything here is synthetic: no real vessel is described.",
        "",
        "## Files",
        "",
        _FILES,
        "## Counts",
        "",
        *(f"- {name.replace('_', ' ')}: {count:,}" for name, count in world.counts.items()),
        f"- hulls: {len(world.plans):,} ("
        + ", ".join(f"{role} {count}" for role, count in sorted(roles.items()))
        + f", scenario hulls {sum(1 for p in world.plans if p.scenario)})",
        "",
        "## Scenarios and ground truth",
        "",
        _SCENARIOS,
        "Truth events in this world by scenario: "
        + ", ".join(f"{name} {count}" for name, count in sorted(truth.items()))
        + ".",
        "",
    ]
    path.write_text("\n".join(lines))
