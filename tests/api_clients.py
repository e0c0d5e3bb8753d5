"""Signed-in test clients: an account made in the workspace and a TestClient sending its token."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI
from fastapi.testclient import TestClient

from balise.api.app import create_app
from balise.engine.accounts import Actor, create_account, issue_token
from balise.security.auth_params import AuthParams
from balise.security.policy import Principal
from balise.store.accounts import Account, AuditQuery
from balise.workspace import Workspace
from helpers import TEST_HOSTS

EVERY_ROLE: Final = ("admin", "security_officer", "analyst", "watch_officer")
"""Every role but viewer: reads and changes everything the policy has (a customs account)."""
TEST_ACTOR: Final = Actor(Principal("local:test", frozenset({"operator"}), ""), "local", "test")


def account_token(
    root: Path,
    username: str = "tester",
    roles: tuple[str, ...] = EVERY_ROLE,
    agency: str = "customs",
    password: str | None = None,
) -> str:
    """An API token of the account `username` of the workspace at `root`, created (with the
    workspace) if missing."""
    store = Workspace(root).open_store(create=True)
    try:
        if store.account(username) is not None:
            return issue_token(store, TEST_ACTOR, username, "test", 1.0)
        account = Account(username, roles, agency)
        _, token = create_account(store, TEST_ACTOR, account, password, AuthParams())
    finally:
        store.close()
    return token


def app_of(root: Path) -> FastAPI:
    """The app serving `root`, allowing TestClient's host."""
    return create_app(root, allowed_hosts=TEST_HOSTS)


def signed_in(
    root: Path,
    username: str = "tester",
    roles: tuple[str, ...] = EVERY_ROLE,
    agency: str = "customs",
    **kwargs: Any,
) -> TestClient:
    """A client of the app serving `root`, sending a new account's token."""
    token = account_token(root, username, roles, agency)
    return TestClient(
        app_of(root),
        headers={"Authorization": f"Bearer {token}"},
        **kwargs,
    )


def audit_entries(root: Path, resource: str) -> list[dict[str, Any]]:
    """The audit entries of the workspace at `root` about `resource`."""
    store = Workspace(root).open_store()
    try:
        return store.audit(AuditQuery(resource=resource)).to_dicts()
    finally:
        store.close()
