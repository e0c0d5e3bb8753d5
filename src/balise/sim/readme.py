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
| `insider` | `insider_lookup` (subject: the user) | a customs officer at Pointe-à-Pitre reads the release references of a front company's boxes at another port's terminal (some days in the evening, from home), and hours later a haulier not on the release collects them; the rightful haulier is turned away at the gate. One event per such day, from the first read to the last stolen pickup |

Benign behaviour that must not raise alarms: ships waiting at anchorages, tugs alongside ships near
ports, fishing vessels fishing (slow, erratic), ferries on their timetables, yachts at anchor,
reception gaps from base-station outages and sparse satellite coverage offshore, duplicate
receptions, rare reports with speed and course "not available". In the audit trail: busy days,
arrival rushes, evenings finished late, curious look-ups at other ports, a night-shift watch
officer, an analyst whose case is a consignee and who reads its boxes in every port, the security
officer reading the audit, pickups rejected at the gate or made by a subcontractor.
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
        f"--start {spec.start.strftime('%Y-%m-%dT%H:%M:%SZ')}`. The same arguments give "
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
