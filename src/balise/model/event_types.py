"""The event-type registry: every event type Balise knows, declared once.

Everything that lists event types is derived from `EVENT_TYPES`: the API's enums and its
`GET /api/v1/event-types` (which the web legend draws), the alert rules, the risk weights, the
CLI's `--type` choices, the detection run's types and the table in docs/detectors.md. Adding an
event type is one entry here plus its detector.

Each entry says what the event is about (`subject`, one of `SUBJECT_KINDS`), a short definition an
analyst reads before acting on a flag ("risk, not proof"), where its full definition, thresholds
and sources are (`anchor` in docs/detectors.md), its default weight in the risk score (the most
one reason of that kind can add, 0-1, with `weight_reason` saying why), its glyph on the map,
whether a detector exists yet and which alert rule (`ALERT_RULES`) decides when it alerts.

The weights are judgement calls, set so that the order of the deceptive shipping practices of the
US advisory of 14 May 2020 (State, OFAC, US Coast Guard) holds: an official listing first, then
physical transfers at sea and deliberate dark periods, then identity tampering, then weaker hints.
They are meant to be tuned against inspection outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SUBJECT_KINDS: Final = (
    "vessel", "container", "declaration", "company", "person", "account", "wallet",
    "radar_track", "user", "release", "list_entry",
)  # fmt: skip
"""What an event can be about: `subject.kind` and the kinds in `related` (`release`: a container
release, the PIN reference a haulier presents at the gate; `list_entry`: an entry of a screening
list, `<list>/<entry id>`)."""

DOMAINS: Final = ("maritime", "cargo", "entities", "finance", "security")
"""The domain of each event type: the core package that detects it."""

DOCS_PAGE: Final = "docs/detectors.md"

SHAPES: Final = (
    "circle", "square", "triangle", "diamond", "cross", "star", "hexagon", "bar", "ring",
    "chevron", "pentagon", "x",
    "tee", "eye", "flag",
    "hourglass", "key", "twin", "door", "box", "snowflake", "octagon",
    "shield", "house", "crown", "stack",
)  # fmt: skip
"""The map glyphs the web application can draw: each event type has its own."""

ALERT_RULES: Final = ("strength", "likely_intentional", "port_call", "zone_score", "insider")
"""Which rule turns an event of a type into an alert (`balise.alerts.rules` says what each does):
`strength` (the default: strong enough, or about a high-risk vessel), `likely_intentional` (only
a gap marked so), `port_call` (routine context: only a watchlisted vessel's call, a call during or
right after another anomaly of the vessel, or a call at a high-risk port off the vessel's
pattern), `zone_score` (the zone rule's own score decides), `insider` (a confident insider
look-up only)."""


@dataclass(frozen=True)
class EventType:
    """One event type: see the module docstring for each field."""

    name: str
    title: str
    domain: str
    subject: str
    definition: str
    anchor: str
    weight: float
    weight_reason: str
    shape: str
    detected: bool = True
    alert: str = "strength"

    @property
    def docs(self) -> str:
        """Where the full definition is: docs/detectors.md and the section's anchor."""
        return f"{DOCS_PAGE}#{self.anchor}"


EVENT_TYPES: Final = (
    EventType(
        "ais_gap", "AIS gap", "maritime", "vessel",
        "Two consecutive positions of one vessel at least 6 h apart; likely intentional when it "
        "lasts 12 h or more, starts over 50 nm from shore and the vessel was reporting well "
        "before it (the Global Fishing Watch disabling model).",
        "ais_gap", 0.35, "Going dark (advisory practice 1; Welch et al. 2022's intentional "
        "disabling).", "circle", alert="likely_intentional"),
    EventType(
        "encounter", "Encounter", "maritime", "vessel",
        "Two vessels close together for a sustained time (default: within 500 m for 2 h at "
        "under 2 kn, 10 km from an anchorage): a possible ship-to-ship transfer.",
        "encounter", 0.4, "A ship-to-ship meeting at sea: where cargo changes hands (advisory "
        "practice 4).", "square"),
    EventType(
        "loitering", "Loitering", "maritime", "vessel",
        "A vessel averaging under 2 kn for at least 4 h at least 20 nm from shore, not "
        "fishing: the lone AIS partner of a meeting with a dark vessel looks like this.",
        "loitering", 0.25, "Slow at sea for hours: the trace of a meeting with a dark vessel, "
        "or of a wait.", "triangle"),
    EventType(
        "port_visit", "Port visit", "maritime", "vessel",
        "A stay within 3 km of an anchorage point until more than 4 km away, with its stops "
        "(the Global Fishing Watch port-visit method).",
        "port_visit", 0.3, "A call at a port on the high-risk list given to the scorer.",
        "diamond", alert="port_call"),
    EventType(
        "identity_change", "Identity change", "maritime", "vessel",
        "What a vessel says about itself changed and lasted (name, call sign, IMO, ship type), "
        "or its IMO number appeared under a new MMSI.",
        "identity_change", 0.3, "Name, IMO, call sign or flag changed (advisory practices 1, 2 "
        "and 6).", "cross"),
    EventType(
        "identity_inconsistency", "Identity inconsistency", "maritime", "vessel",
        "What a vessel says about itself cannot all be right at once: its MMSI's MID is not "
        "allocated, is not a ship station's, or its country is not that of its call sign's ITU "
        "series (a plausible call sign of a class A ship only).",
        "identity_inconsistency", 0.1, "A static contradiction, most often a transponder set "
        "up carelessly or a reflag not yet carried over to the radio licence; it says nothing "
        "happened, so it weighs far less than a change.", "tee"),
    EventType(
        "position_jump", "Position jump", "maritime", "vessel",
        "Positions reached by an impossible move (over 25 kn across at least 10 nm): a spoofed "
        "or shared MMSI, or a receiver error.",
        "position_jump", 0.15, "An impossible jump: often receiver noise, sometimes GNSS "
        "manipulation.", "star"),
    EventType(
        "shared_mmsi", "Shared MMSI", "maritime", "vessel",
        "Two tracks overlapping in time that one MMSI switches between at least 3 times: two "
        "hulls, or a hull and a spoofer, transmitting one number.",
        "shared_mmsi", 0.3, "Two transmitters on one MMSI: a cloned or spoofed identity.",
        "hexagon"),
    EventType(
        "destination_mismatch", "Destination mismatch", "maritime", "vessel",
        "The declared AIS destination is not the port the vessel actually visits next, or "
        "changes on the way.",
        "destination_mismatch", 0.2, "Declared destination not where the ship goes (advisory "
        "practice 5, voyage irregularity).", "bar"),
    EventType(
        "zone_entry", "Zone entry", "maritime", "vessel",
        "Entry into, or dwell in, a watched zone, by the zone's own rules (ship types, flags, "
        "speed, dwell time).",
        "zone_entry--entry-into-or-dwell-in-a-watched-zone", 0.2, "Entry into a watched area; "
        "its weight depends on the zone, this is the default.", "ring", alert="zone_score"),
    EventType(
        "coastal_drop", "Coastal drop", "maritime", "vessel",
        "A sea-going ship that was under way slowing down or circling for 45 min to 12 h inside "
        "the territorial sea, away from ports, anchorages and lanes: how a drop-off to a small "
        "boat looks on AIS.",
        "coastal_drop--a-sea-going-ship-lingering-off-a-coast", 0.4, "Slowing close to a coast "
        "off any port: the pattern of a drop to go-fast boats.", "chevron"),
    EventType(
        "dark_target", "Dark target", "maritime", "radar_track",
        "A coastal radar track that no AIS vessel explains for at least 3 contacts over 4 min "
        "and 0.5 nm, or a vessel radar still follows 15 min or more after her last AIS "
        "position; scored by speed, landfall, night, persistence and origin.",
        "dark_target--a-radar-track-no-ais-explains", 0.5, "Seen by radar with its AIS off: "
        "the vessel hid from the AIS picture under a coastal radar.", "pentagon"),
    EventType(
        "clearance_missing", "Clearance missing", "maritime", "vessel",
        "A pleasure craft arriving in a French Caribbean or Guiana port, anchorage or bay from a "
        "foreign port or from international waters with no matching customs declaration (by "
        "MMSI, else name and call sign; expected within 24 h of the arrival, filed before it).",
        "clearance_missing--an-arrival-from-abroad-without-a-declaration", 0.35,
        "Arrived from abroad without the declaration French customs require.", "x"),
    EventType(
        "clearance_mismatch", "Clearance mismatch", "maritime", "vessel",
        "A clearance declaration matched to an arrival that the track contradicts: another last "
        "port, an undeclared call, a stop at sea on the way, an arrival 6 h or more from the "
        "declared time, or another port.",
        "clearance_mismatch--a-declared-voyage-the-track-contradicts", 0.3,
        "A declared voyage the track contradicts: a call or a meeting left out of the paper.",
        "flag"),
    EventType(
        "shell_game", "Shell game", "cargo", "container",
        "A laden container whose routing hides where it came from: its chain starts at a "
        "transshipment hub, it passes watched hubs, dwells unusually long, detours far from "
        "the sea route, or its bill of lading is replaced mid-route.",
        "shell_game--a-routing-that-hides-the-origin", 0.35, "Origin laundered through "
        "transshipment hubs: the routing cocaine containers take to Europe.", "hourglass"),
    EventType(
        "release_fraud", "Release fraud", "cargo", "container",
        "A container collected against its release in a way the release does not allow: a "
        "haulier or truck not named on it, a second pickup with the same reference, a pickup "
        "before issue or after expiry, a gate-out under an open customs hold, an odd hour or "
        "an unusually fast pickup, rejected gate attempts.",
        "release_fraud--a-pickup-the-release-does-not-allow", 0.5, "A stolen release "
        "reference (PIN code fraud) collects the box before its consignee.", "key"),
    EventType(
        "container_clone", "Container clone", "cargo", "container",
        "One container number at two places no box could travel between in the time, or "
        "size and type codes one box cannot have in a single history.",
        "container_clone--one-number-two-boxes", 0.45, "A cloned number lets a second box "
        "pass as a known one (rip-on/rip-off).", "twin"),
    EventType(
        "door_opened", "Door opened", "cargo", "container",
        "A smart container's door opened where no stuffing, stripping or inspection is "
        "scheduled: at sea, at a terminal between discharge and release, near a coast far "
        "from ports.",
        "door_opened--a-door-opened-off-schedule", 0.45, "Drugs are taken out of a box "
        "(rip-off) or dropped at sea by opening its door.", "door"),
    EventType(
        "box_off_vessel", "Box off its vessel", "cargo", "container",
        "A smart container's own GPS leaves the track of the ship it is booked on while it "
        "should be aboard.",
        "box_off_vessel--a-box-that-leaves-its-ship", 0.4, "A box that is not where its ship "
        "is was swapped, unloaded unrecorded or its booking is false.", "box"),
    EventType(
        "reefer_anomaly", "Reefer anomaly", "cargo", "container",
        "A reefer's temperature or light pattern that an opened or tampered box gives: a "
        "jump towards ambient, light inside the box.",
        "reefer_anomaly--a-reefer-opened-on-the-way", 0.3, "Reefers of fruit carry most "
        "seized cocaine; an opened reefer shows in its readings.", "snowflake"),
    EventType(
        "unexpected_stop", "Unexpected stop", "cargo", "container",
        "A container in inland transport that stops where its route gives no reason to: off "
        "the road to its delivery place, for long enough to open it.",
        "unexpected_stop--a-stop-on-the-way-inland", 0.25, "A truck that stops on the way "
        "from the terminal is where a load is taken out.", "octagon"),
    EventType(
        "insider_lookup", "Insider look-up", "security", "user",
        "A user's reading that looks like an insider working for a network: a container's "
        "release read shortly before an unusual pickup of it, many containers outside the "
        "user's ports and work, one consignee's boxes, an off-hours session, a burst or "
        "scraping. For the security officer; risk, not proof.",
        "insider_lookup", 0.0, "About a user, not a vessel: it adds nothing to any vessel's "
        "risk score; its confidence ranks it for the security officer.", "eye",
        alert="insider"),
    EventType(
        "list_match", "List match", "entities", "vessel",
        "A vessel heard on AIS (its names, IMO numbers, MMSI) or a party of a cargo manifest "
        "(shipper, consignee, notify party, declarant) that matches an active entry of one of the "
        "workspace's lists (vessels of interest, banned companies, sanctions, user lists) at or "
        "above the screening threshold; a shared IMO number or MMSI outweighs the name.",
        "list_match--a-record-on-a-list", 0.9, "An official listing comes first in the advisory's "
        "order, as the watchlist hit of the risk score (0.9); the match score, as confidence, "
        "scales it.", "shield"),
    EventType(
        "shell_company", "Shell company", "entities", "company",
        "A registry company whose shell indicators reach the shell score (shell.min_score): a "
        "mass registration address, a nominee director, a young company moving large trade, "
        "circular ownership, an owner in a secrecy jurisdiction, a name only ever seen as "
        "consignee, a listed director or owner; each indicator with its reason.",
        "shell_company--a-company-with-shell-indicators", 0.0, "About a company, not a vessel: "
        "it reaches a vessel's risk through owned_by_shell.", "house"),
    EventType(
        "owned_by_listed", "Owned by a listed entity", "entities", "vessel",
        "A vessel (heard on AIS, or a registry vessel not heard yet, by its entity id), or a "
        "registry company, owned or directed, directly or up the chain of owners (shell.depth "
        "links), by a person or company that matches an active list entry; the path of owners "
        "and directors is the reason.",
        "owned_by_listed--owned-or-controlled-by-a-listed-entity", 0.7, "Control by a listed "
        "party is the next thing to a listing (sanctions reach what a listed person owns or "
        "controls), below the listing itself (0.9); the match score scales it.", "crown"),
    EventType(
        "owned_by_shell", "Owned by a shell", "entities", "vessel",
        "A vessel (heard on AIS, or a registry vessel not heard yet, by its entity id), or a "
        "registry company, owned or directed, directly or up the chain, by a company with a "
        "shell_company score; the path is the reason.",
        "owned_by_shell--owned-or-controlled-by-a-shell-company", 0.3, "Shell companies hide "
        "who stands behind a ship; a hint, scaled by the shell score.", "stack"),
)  # fmt: skip
"""Every event type, in the order the API, the legend and the docs list them."""

EVENT_TYPE_NAMES: Final = tuple(t.name for t in EVENT_TYPES)
"""The names of every event type, in registry order."""

_BY_NAME: Final = {t.name: t for t in EVENT_TYPES}


def event_type(name: str) -> EventType:
    """The registry entry of `name`; a KeyError for a type that is not registered."""
    return _BY_NAME[name]


def types_alerting_by(rule: str) -> tuple[str, ...]:
    """The names of the types whose alerts the rule `rule` (of `ALERT_RULES`) decides."""
    return tuple(t.name for t in EVENT_TYPES if t.alert == rule)


def detected_types(domain: str | None = None) -> tuple[str, ...]:
    """The names of the types a detector exists for (of `domain` when given)."""
    return tuple(
        t.name for t in EVENT_TYPES if t.detected and (domain is None or t.domain == domain)
    )


def default_weights() -> dict[str, float]:
    """Each event type's default weight in the risk score."""
    return {t.name: t.weight for t in EVENT_TYPES}


def event_types_markdown() -> str:
    """The table of event types in docs/detectors.md (generated: `make docs`)."""
    lines = [
        "| type | domain | about | risk weight | alert rule | detected | definition |",
        "| --- | --- | --- | ---: | --- | --- | --- |",
    ]
    for t in EVENT_TYPES:
        link = f"[`{t.name}`](#{t.anchor})"
        detected = "yes" if t.detected else "not yet"
        lines.append(
            f"| {link} | {t.domain} | {t.subject} | {t.weight:g} | `{t.alert}` | {detected} "
            f"| {t.definition} |"
        )
    return "\n".join(lines) + "\n"
