"""The access policy as a table: (roles, agency, resource, action) → allowed, row by row."""

from __future__ import annotations

import pytest

from balise.security.policy import (
    RESOURCES,
    ROLES,
    Principal,
    Sensitivity,
    audited,
    decide,
    mask_reference,
    policy_table,
)


def who(*roles: str, agency: str = "customs", shared: dict[str, frozenset[str]] | None = None
        ) -> Principal:  # fmt: skip
    return Principal("someone", frozenset(roles), agency, shared=shared or {})


TABLE = [
    # the maritime picture: every role of every agency
    (("viewer",), "partner", "picture", "read", True),
    (("viewer",), "navy", "event", "read", True),
    (("viewer",), "navy", "zone", "change", False),
    (("analyst",), "navy", "zone", "change", True),
    # alerts: enforcement agencies; triage by analysts and watch officers
    (("viewer",), "navy", "alert", "read", True),
    (("viewer",), "navy", "alert", "change", False),
    (("watch_officer",), "navy", "alert", "change", True),
    (("analyst",), "port_authority", "alert", "read", False),
    (("analyst",), "partner", "alert", "read", False),
    (("security_officer",), "customs", "alert", "read", False),
    # release references: customs and police; analysts see them whole
    (("viewer",), "customs", "release", "read", False),
    (("watch_officer",), "customs", "release", "read", True),
    (("watch_officer",), "customs", "release", "reveal", False),
    (("analyst",), "customs", "release", "reveal", True),
    (("analyst",), "navy", "release", "read", False),
    (("analyst",), "port_authority", "release", "read", False),
    # the audit, insider events and accounts
    (("security_officer",), "navy", "audit", "read", True),
    (("admin",), "customs", "audit", "read", False),
    (("analyst",), "customs", "security_event", "read", False),
    (("security_officer",), "police", "security_event", "read", True),
    (("admin",), "navy", "user", "change", True),
    (("security_officer",), "navy", "user", "read", False),
    # containers as the alert inbox; manifests for customs and police analysts
    (("viewer",), "customs", "container", "read", True),
    (("watch_officer",), "navy", "container", "read", True),
    (("analyst",), "port_authority", "container", "read", False),
    (("security_officer",), "police", "container", "read", False),
    (("analyst",), "police", "manifest", "read", True),
    (("watch_officer",), "customs", "manifest", "read", False),
    (("analyst",), "navy", "manifest", "read", False),
    # inspection plans: customs and police; planned and recorded by analysts
    (("watch_officer",), "customs", "inspection", "read", True),
    (("admin",), "police", "inspection", "read", True),
    (("viewer",), "customs", "inspection", "read", False),
    (("analyst",), "navy", "inspection", "read", False),
    (("analyst",), "customs", "inspection", "change", True),
    (("watch_officer",), "customs", "inspection", "change", False),
    # container telemetry: read by all, posted by admins and analysts (no device role yet)
    (("viewer",), "partner", "telemetry", "read", True),
    (("analyst",), "port_authority", "telemetry", "change", True),
    (("admin",), "navy", "telemetry", "change", True),
    (("watch_officer",), "customs", "telemetry", "change", False),
    (("viewer",), "customs", "telemetry", "change", False),
    # exports and watchlists
    (("viewer",), "customs", "export", "read", False),
    (("analyst",), "customs", "watchlist", "read", True),
    (("analyst",), "partner", "watchlist", "read", False),
    # screening lists: read by those who work the inbox, kept by analysts and admins
    (("watch_officer",), "navy", "lists", "read", True),
    (("admin",), "police", "lists", "change", True),
    (("analyst",), "customs", "lists", "change", True),
    (("watch_officer",), "customs", "lists", "change", False),
    (("viewer",), "customs", "lists", "read", False),
    (("security_officer",), "customs", "lists", "read", False),
    (("analyst",), "port_authority", "lists", "read", False),
    # unknown resources and actions are refused
    (tuple(ROLES), "customs", "nothing", "read", False),
    (tuple(ROLES), "customs", "picture", "delete", False),
]


@pytest.mark.parametrize(("roles", "agency", "resource", "action", "expected"), TABLE)
def test_policy_table(roles: tuple[str, ...], agency: str, resource: str, action: str,
                      expected: bool) -> None:  # fmt: skip
    decision = decide(who(*roles, agency=agency), resource, action)
    assert bool(decision) is expected, decision.reason
    assert decision.reason


def test_sharing_opens_a_resource_or_some_records_to_another_agency() -> None:
    port = who("analyst", agency="port_authority")
    assert not decide(port, "alert", "read")
    whole = decide(who("analyst", agency="port_authority", shared={"alert": frozenset("*")}),
                   "alert", "read")  # fmt: skip
    assert whole
    assert whole.only is None
    some = decide(who("analyst", agency="port_authority", shared={"alert": frozenset({"a1"})}),
                  "alert", "read")  # fmt: skip
    assert some
    assert some.only == frozenset({"a1"})
    # sharing grants reading, never changing, and never beyond the role's rights
    shared = who("analyst", agency="port_authority", shared={"alert": frozenset("*")})
    assert not decide(shared, "alert", "change")
    viewer = who("viewer", agency="port_authority", shared={"release": frozenset("*")})
    assert not decide(viewer, "release", "read")


def test_sensitive_reads_are_audited_and_the_picture_is_not() -> None:
    assert not audited("picture")
    assert not audited("event")
    assert all(audited(name) for name, kind in RESOURCES.items()
               if kind.sensitivity >= Sensitivity.SENSITIVE)  # fmt: skip
    assert audited("release")
    assert audited("audit")


def test_release_references_are_masked_but_for_their_end() -> None:
    assert mask_reference("PIN-88231942") == "••••••••••42"
    assert mask_reference("1234") == "••••"
    assert mask_reference(None) is None


def test_the_table_for_the_docs_covers_every_grant() -> None:
    rows = policy_table()
    grants = sum(len(kind.grants) for kind in RESOURCES.values())
    assert len(rows) == grants
    assert ("release", "sensitive", "reveal", "analyst", "customs, police") in rows
