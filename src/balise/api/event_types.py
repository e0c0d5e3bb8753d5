"""The published definition of each event type, short, with the section of docs/detectors.md that
gives its thresholds and sources: the web app shows it next to every event ("risk, not proof":
an analyst must be able to see what a flag means before acting on it)."""

from __future__ import annotations

from typing import Final, NamedTuple

from balise.model.events import EVENT_TYPES

DOCS_PAGE: Final = "docs/detectors.md"


class EventType(NamedTuple):
    name: str
    title: str
    definition: str
    anchor: str
    detected: bool = True


DEFINITIONS: Final = (
    EventType("ais_gap", "AIS gap",
              "Two consecutive positions of one vessel at least 6 h apart; likely intentional "
              "when it lasts 12 h or more, starts over 50 nm from shore and the vessel was "
              "reporting well before it (the Global Fishing Watch disabling model).",
              "ais_gap"),
    EventType("encounter", "Encounter",
              "Two vessels close together for a sustained time (default: within 500 m for 2 h "
              "at under 2 kn, 10 km from an anchorage): a possible ship-to-ship transfer.",
              "encounter"),
    EventType("loitering", "Loitering",
              "A vessel averaging under 2 kn for at least 4 h at least 20 nm from shore, not "
              "fishing: the lone AIS partner of a meeting with a dark vessel looks like this.",
              "loitering"),
    EventType("port_visit", "Port visit",
              "A stay within 3 km of an anchorage point until more than 4 km away, with its "
              "stops (the Global Fishing Watch port-visit method).", "port_visit"),
    EventType("identity_change", "Identity change",
              "What a vessel says about itself changed and lasted (name, call sign, IMO, ship "
              "type), its IMO number appeared under a new MMSI, or its MMSI's country "
              "contradicts the flag it shows elsewhere.", "identity_change"),
    EventType("position_jump", "Position jump",
              "Positions reached by an impossible move (over 25 kn across at least 10 nm): a "
              "spoofed or shared MMSI, or a receiver error.", "position_jump"),
    EventType("shared_mmsi", "Shared MMSI",
              "Two tracks overlapping in time that one MMSI switches between at least 3 times: "
              "two hulls, or a hull and a spoofer, transmitting one number.", "shared_mmsi"),
    EventType("destination_mismatch", "Destination mismatch",
              "The declared AIS destination is not the port the vessel actually visits next, "
              "or changes on the way.", "destination_mismatch"),
    EventType("zone_entry", "Zone entry",
              "Entry into, or dwell in, a watched zone, by the zone's own rules (ship types, "
              "flags, speed, dwell time).",
              "zone_entry--entry-into-or-dwell-in-a-watched-zone"),
    EventType("coastal_drop", "Coastal drop",
              "A sea-going ship that was under way slowing down or circling for 45 min to 12 h "
              "inside the territorial sea, away from ports, anchorages and lanes: how a drop-off "
              "to a small boat looks on AIS.",
              "coastal_drop--a-sea-going-ship-lingering-off-a-coast"),
    EventType("dark_target", "Dark target",
              "A radar contact without AIS tied to a vessel (not detected yet).", "not-yet-built",
              detected=False),
    EventType("clearance_missing", "Clearance missing",
              "An arrival or departure without the expected declaration (not detected yet).",
              "not-yet-built", detected=False),
)  # fmt: skip
assert tuple(sorted(t.name for t in DEFINITIONS)) == tuple(sorted(EVENT_TYPES))


def docs_url(kind: EventType) -> str:
    return f"{DOCS_PAGE}#{kind.anchor}"
