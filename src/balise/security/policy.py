"""Who may do what: roles, agencies, the sensitivity of each kind of data, and one decision.

Every route and command asks `decide(principal, resource, action)`; nothing else grants access.
A role grants actions on resources (`GRANTS`); sensitive resources are further limited to the
agencies that own them (`OWNERS`) unless a record or list was shared with the reader's agency.
Release references are `reveal`ed (shown whole) only to the roles and agencies that work with
them; others who may read a release see its reference masked (`mask_reference`).

The table is the policy: docs/security.md prints it and tests/security/test_policy.py checks it
row by row.

Containers (`container`: journeys, cargo events, risk) say which boxes are suspected, as the
alert inbox says which vessels are: the same readers (not the security officer, whose work is
Balise itself), the enforcement agencies. Cargo events are of this resource wherever they are
listed (`/api/v1/events`, exports). Manifests (`manifest`) are commercial secrets of the
shippers and consignees: customs and police analysts only. Inspection plans and results
(`inspection`) say which boxes the scanners will check: customs and police, read by those who
work the inbox (not viewers), planned and recorded by analysts. Entities (`entity`: who owns
and directs a company, shell indicators, list matches) are investigative: enforcement analysts
and admins; a viewer or a watch officer sees the vessels and alerts, not the ownership graph.

Screening lists (`lists`) say who and what is suspected, as the alert inbox does: the same
agencies; read by those who work the inbox (a watch officer must see why a vessel is a
`list_match`), not by viewers (who see the picture, not suspicions) nor the security officer;
kept (entries added, removed, imported, candidate matches judged) by analysts, whose work it is,
and admins, who load the official lists.

Container telemetry (`telemetry`) is part of the operational picture, as AIS positions are:
where a box is and what its sensors say; every role reads it, every agency. Posting readings
(`change`) takes the admin or analyst role: Balise has no role for devices or gateways yet, so a
gateway posts with the API token of an account of its own holding one of them (an analyst
account's token can read more than a device needs: a `device` role limited to posting is the
next step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

ROLES: Final = ("admin", "security_officer", "analyst", "watch_officer", "viewer")
"""Account roles; an account holds one or more."""

AGENCIES: Final = ("navy", "customs", "police", "port_authority", "partner")
"""The agency an account belongs to; data is owned by agencies and shared between them."""

ACTIONS: Final = ("read", "change", "reveal")
"""`read` a record, `change` it, `reveal` its hidden parts (a release reference)."""


class Sensitivity(IntEnum):
    """How much harm a leak does: reads of `SENSITIVE` and `SECRET` data are audited."""

    OPERATIONAL = 1
    """The maritime picture: positions, vessels, behaviour events, zones, ports."""
    SENSITIVE = 2
    """Who is suspected or targeted: alerts, watchlists, release references, gate records,
    exports, shares."""
    SECRET = 3
    """The security of Balise itself: the audit log, insider events, accounts."""


@dataclass(frozen=True)
class Resource:
    """A kind of data: its sensitivity, the roles granted each action, the owning agencies
    (None: every agency) and what it is, in words for docs/security.md."""

    name: str
    sensitivity: Sensitivity
    grants: dict[str, frozenset[str]]
    owners: frozenset[str] | None
    about: str


def _roles(*names: str) -> frozenset[str]:
    assert set(names) <= set(ROLES), names
    return frozenset(names)


_ALL = _roles(*ROLES)
_WORKERS = _roles("admin", "analyst", "watch_officer")
_ENFORCEMENT = frozenset({"navy", "customs", "police"})

RESOURCES: Final = {
    r.name: r
    for r in (
        Resource(
            "picture",
            Sensitivity.OPERATIONAL,
            {"read": _ALL},
            None,
            "positions, tracks, vessels and their dossiers, ports, event types",
        ),
        Resource(
            "event",
            Sensitivity.OPERATIONAL,
            {"read": _ALL},
            None,
            "behaviour events of the maritime picture (not the security domain)",
        ),
        Resource(
            "zone",
            Sensitivity.OPERATIONAL,
            {"read": _ALL, "change": _roles("admin", "analyst")},
            None,
            "watched zones and their rules",
        ),
        Resource(
            "alert",
            Sensitivity.SENSITIVE,
            {
                "read": _roles("admin", "analyst", "watch_officer", "viewer"),
                "change": _roles("analyst", "watch_officer"),
            },
            _ENFORCEMENT,
            "the alert inbox: which vessels are flagged, triage and notes",
        ),
        Resource(
            "watchlist",
            Sensitivity.SENSITIVE,
            {"read": _roles("analyst", "watch_officer")},
            _ENFORCEMENT,
            "vessels of interest",
        ),
        Resource(
            "lists",
            Sensitivity.SENSITIVE,
            {"read": _WORKERS, "change": _roles("admin", "analyst")},
            _ENFORCEMENT,
            "screening lists (vessels of interest, banned companies, sanctions, users' lists), "
            "their entries with provenance, the review queue of candidate matches and the "
            "analysts' judgements: kept by analysts and admins, read by watch officers",
        ),
        Resource(
            "export",
            Sensitivity.SENSITIVE,
            {"read": _WORKERS},
            _ENFORCEMENT,
            "bulk exports of events, alerts and tracks",
        ),
        Resource(
            "release",
            Sensitivity.SENSITIVE,
            {"read": _roles("analyst", "watch_officer"), "reveal": _roles("analyst")},
            frozenset({"customs", "police"}),
            "container releases (the PIN a haulier shows at the gate) and gate records",
        ),
        Resource(
            "container",
            Sensitivity.SENSITIVE,
            {"read": _roles("admin", "analyst", "watch_officer", "viewer")},
            _ENFORCEMENT,
            "containers' journeys (Track & Trace), their cargo events and risk: which boxes "
            "are suspected, read by those who read the alert inbox",
        ),
        Resource(
            "manifest",
            Sensitivity.SENSITIVE,
            {"read": _roles("analyst")},
            frozenset({"customs", "police"}),
            "cargo manifests (bills of lading: shipper, consignee, goods, value): commercially "
            "sensitive, for customs and police analysts",
        ),
        Resource(
            "entity",
            Sensitivity.SENSITIVE,
            {"read": _roles("admin", "analyst")},
            _ENFORCEMENT,
            "registry entities and who owns and directs them, shell indicators, list matches "
            "and the vessels, parties and containers linked to them: investigative, for "
            "enforcement analysts (bills of lading on the page only for those who read "
            "manifests)",
        ),
        Resource(
            "inspection",
            Sensitivity.SENSITIVE,
            {"read": _WORKERS, "change": _roles("analyst")},
            frozenset({"customs", "police"}),
            "inspection plans (which boxes the scanners check, lanes, reasons), their results "
            "and the hit rates: customs targeting, planned and recorded by analysts",
        ),
        Resource(
            "telemetry",
            Sensitivity.OPERATIONAL,
            {"read": _ALL, "change": _roles("admin", "analyst")},
            None,
            "readings of smart containers' devices (position, door, light, temperature); "
            "posting them takes admin or analyst, Balise having no device role yet",
        ),
        Resource(
            "share",
            Sensitivity.SENSITIVE,
            {
                "read": _roles("admin", "security_officer", "analyst"),
                "change": _roles("admin", "analyst"),
            },
            None,
            "which records and lists are shared with which agency",
        ),
        Resource(
            "audit",
            Sensitivity.SECRET,
            {"read": _roles("security_officer")},
            None,
            "the audit log and its chain",
        ),
        Resource(
            "security_event",
            Sensitivity.SECRET,
            {"read": _roles("security_officer"), "change": _roles("security_officer")},
            None,
            "insider look-up events and their alerts",
        ),
        Resource(
            "user",
            Sensitivity.SECRET,
            {"read": _roles("admin"), "change": _roles("admin")},
            None,
            "accounts, roles and tokens",
        ),
    )
}
"""Every kind of data Balise serves, with its policy."""


@dataclass(frozen=True)
class Principal:
    """Who is acting: an account's name, roles and agency, and how it proved it (`session`,
    `token` or `cli`). `ports` are where the person works (UN/LOCODEs or terminals)."""

    username: str
    roles: frozenset[str]
    agency: str
    via: str = "session"
    ports: tuple[str, ...] = ()
    shared: dict[str, frozenset[str]] = field(default_factory=dict)
    """What other agencies shared with the principal's agency: resource → record identifiers,
    `*` for the whole resource (a list)."""

    @property
    def role(self) -> str:
        """The roles as one text (`analyst+security_officer`), for the audit log."""
        return "+".join(sorted(self.roles))


@dataclass(frozen=True)
class Decision:
    """Allowed or not, and why (the reason goes in 403 problems and the audit log)."""

    allowed: bool
    reason: str
    only: frozenset[str] | None = None
    """When set, the read is allowed for these records alone (those shared one by one)."""

    def __bool__(self) -> bool:
        return self.allowed


def decide(principal: Principal, resource: str, action: str) -> Decision:
    """May `principal` do `action` on data of kind `resource`?"""
    kind = RESOURCES.get(resource)
    if kind is None:
        return Decision(False, f"unknown resource {resource!r}")
    granted = kind.grants.get(action, frozenset())
    held = principal.roles & granted
    if not held:
        wanted = " or ".join(sorted(granted)) or "no role"
        return Decision(False, f"{action} {resource} needs the role {wanted}")
    if kind.owners is not None and principal.agency not in kind.owners:
        shared = principal.shared.get(resource, frozenset())
        if action != "read" or not shared:
            owners = ", ".join(sorted(kind.owners))
            return Decision(
                False, f"{resource} belongs to {owners}; not shared with {principal.agency}"
            )
        if "*" in shared:
            return Decision(True, f"shared with {principal.agency}")
        return Decision(True, f"records shared with {principal.agency}", only=shared)
    return Decision(True, f"role {' or '.join(sorted(held))}")


def audited(resource: str) -> bool:
    """Are reads of `resource` written to the audit log (sensitive and secret data)?"""
    kind = RESOURCES.get(resource)
    return kind is None or kind.sensitivity >= Sensitivity.SENSITIVE


def mask_reference(reference: str | None) -> str | None:
    """A release reference with all but its last two characters hidden (`•••••42`)."""
    if reference is None:
        return None
    keep = reference[-2:] if len(reference) > 4 else ""
    return "•" * max(len(reference) - len(keep), 3) + keep


def policy_table() -> list[tuple[str, str, str, str, str]]:
    """The policy as rows (resource, sensitivity, action, roles, agencies), for the docs."""
    rows = []
    for kind in RESOURCES.values():
        for action in ACTIONS:
            roles = kind.grants.get(action)
            if roles:
                owners = ", ".join(sorted(kind.owners)) if kind.owners else "every agency"
                rows.append(
                    (
                        kind.name,
                        kind.sensitivity.name.lower(),
                        action,
                        ", ".join(r for r in ROLES if r in roles),
                        owners,
                    )
                )
    return rows
