"""Accounts and sign-in, for the CLI and the API alike: create and change accounts, issue and
revoke tokens, open sessions, one-time links, and the principal a credential stands for.

Every change is written to the audit log by the caller's `actor` (who did it, from where).
Input is validated strictly: a bad name, role, agency, time zone or password is a `UsageError`
(exit 2 on the command line, 422 in the API).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Final

from balise.errors import UsageError
from balise.security import credentials
from balise.security.auth_params import AuthParams
from balise.security.policy import AGENCIES, ROLES, Principal
from balise.store.accounts import Account, AuditEntry, Share
from balise.store.base import Store, WriteConflict

USERNAME: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
"""Account names: lower-case letters, digits, `.`, `_`, `-`; 2 to 64 characters."""
PORT: Final = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}(-[A-Z0-9]{1,17})?$")
"""A UN/LOCODE (`FRLEH`), optionally with a terminal (`FRLEH-TNMSC`)."""


@dataclass(frozen=True)
class Actor:
    """Who makes a change and from where, for the audit log."""

    principal: Principal
    address: str
    route: str


def now_utc() -> datetime:
    return datetime.now(UTC)


def audit_entry(
    actor: Actor,
    action: str,
    resource: str,
    records: Iterable[str] = (),
    count: int | None = None,
    detail: str = "",
) -> AuditEntry:
    """An audit entry of `actor` doing `action` on `records` of `resource`."""
    kept = tuple(records)
    return AuditEntry(
        time=now_utc(),
        user=actor.principal.username,
        agency=actor.principal.agency,
        role=actor.principal.role,
        address=actor.address,
        action=action,
        route=actor.route,
        resource=resource,
        records=kept[:1000],
        count=len(kept) if count is None else count,
        detail=detail,
    )


def check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise UsageError(
            f"bad account name {username!r}: 2-64 lower-case letters, digits, '.', '_' or '-'",
            username=username,
        )
    return username


def check_roles(roles: Sequence[str]) -> tuple[str, ...]:
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise UsageError(
            f"roles must be among {', '.join(ROLES)} (got {', '.join(roles) or 'none'})",
            roles=list(roles),
        )
    return tuple(dict.fromkeys(roles))


def check_agency(agency: str) -> str:
    if agency not in AGENCIES:
        raise UsageError(
            f"agency must be one of {', '.join(AGENCIES)} (got {agency!r})", agency=agency
        )
    return agency


def check_ports(ports: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(p.strip().upper() for p in ports if p.strip())
    bad = [p for p in cleaned if not PORT.match(p)]
    if bad:
        raise UsageError(f"not a UN/LOCODE or terminal: {', '.join(bad)}", ports=bad)
    return cleaned


def check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
        raise UsageError(
            f"unknown time zone {name!r} (an IANA name, e.g. America/Martinique)", timezone=name
        ) from err
    return name


def password_hash(password: str) -> str:
    problem = credentials.password_problem(password)
    if problem:
        raise UsageError(problem)
    return credentials.hash_password(password)


def existing(store: Store, username: str) -> Account:
    account = store.account(username)
    if account is None:
        raise UsageError(f"no account {username!r} (balise users list)", username=username)
    return account


def create_account(
    store: Store, actor: Actor, account: Account, password: str | None, params: AuthParams
) -> tuple[Account, str]:
    """Create `account` (checked), with `password` hashed when given, and its first API token;
    the account and the token's text (shown once)."""
    now = now_utc()
    account = replace(
        account,
        username=check_username(account.username),
        roles=check_roles(account.roles),
        agency=check_agency(account.agency),
        ports=check_ports(account.ports),
        timezone=check_timezone(account.timezone),
        password_hash=password_hash(password) if password is not None else None,
        created_at=now,
        updated_at=now,
    )
    try:
        store.add_account(account)
    except WriteConflict as err:
        raise UsageError(str(err), username=account.username) from err
    store.append_audit(
        [
            audit_entry(
                actor,
                "change",
                "user",
                [account.username],
                detail=f"created: roles {'+'.join(account.roles)}, agency {account.agency}",
            )
        ]
    )
    token = issue_token(store, actor, account.username, "first token", params.token_days)
    return account, token


def issue_token(store: Store, actor: Actor, username: str, label: str, days: float | None) -> str:
    """A new API token of `username`, valid `days` (None: no expiry); its text, shown once."""
    existing(store, username)
    token = credentials.new_token()
    expires = now_utc() + timedelta(days=days) if days else None
    store.add_token(username, token.token_id, token.hash, label, expires)
    store.append_audit(
        [
            audit_entry(
                actor,
                "change",
                "user",
                [username],
                detail=f"token {token.token_id} issued"
                + (f", expires {expires:%Y-%m-%d}" if expires else ""),
            )
        ]
    )
    return token.text


def revoke_token(store: Store, actor: Actor, token_id: str) -> None:
    owner = next((t.username for t in store.tokens() if t.token_id == token_id), None)
    if owner is None or not store.revoke_token(token_id, now_utc()):
        raise UsageError(
            f"no live token {token_id!r} (balise users tokens NAME)", token_id=token_id
        )
    store.append_audit(
        [audit_entry(actor, "change", "user", [owner], detail=f"token {token_id} revoked")]
    )


def change_account(
    store: Store, actor: Actor, username: str, detail: str, **changes: object
) -> Account:
    """Apply checked `changes` to an account; sessions end when it is disabled or its password
    or roles change."""
    existing(store, username)
    account = store.update_account(username, updated_at=now_utc(), **changes)
    if {"disabled", "password_hash", "roles", "agency"} & set(changes):
        store.end_sessions(username=username)
    store.append_audit([audit_entry(actor, "change", "user", [username], detail=detail)])
    return account


def sign_in_link(store: Store, actor: Actor, username: str, minutes: float) -> str:
    """A one-time sign-in secret for `username`, valid `minutes`."""
    account = existing(store, username)
    if account.disabled:
        raise UsageError(f"the account {username!r} is disabled", username=username)
    secret = credentials.new_secret()
    store.add_login_link(
        credentials.digest(secret), username, now_utc() + timedelta(minutes=minutes)
    )
    store.append_audit(
        [audit_entry(actor, "change", "user", [username], detail="one-time sign-in link issued")]
    )
    return secret


@dataclass(frozen=True)
class OpenedSession:
    """A session's secret (the cookie) and CSRF token, and its end."""

    secret: str
    csrf: str
    expires_at: datetime


def open_session(store: Store, account: Account, address: str, params: AuthParams) -> OpenedSession:
    secret, csrf = credentials.new_secret(), credentials.new_secret()
    now = now_utc()
    expires = now + timedelta(hours=params.session_hours)
    store.add_session(credentials.digest(secret), account.username, csrf, address, now, expires)
    return OpenedSession(secret, csrf, expires)


def check_password(account: Account | None, password: str, totp: str | None) -> str | None:
    """Why these credentials do not sign `account` in, or None when they do. One Argon2
    verification whatever the reason, so the time taken does not reveal it."""
    good = credentials.verify_password(account.password_hash if account else None, password)
    if account is None or not good:
        return "unknown account or wrong password"
    if account.disabled:
        return "unknown account or wrong password"
    if account.totp_secret and not (totp and credentials.verify_totp(account.totp_secret, totp)):
        return "a valid one-time code is required" if totp else "one-time code required"
    return None


def principal_of(
    store: Store, account: Account, via: str, now: datetime | None = None
) -> Principal:
    """The principal `account` acts as, with what other agencies shared with its agency."""
    shared: dict[str, set[str]] = {}
    for share in store.shares(account.agency, now or now_utc()):
        shared.setdefault(share.resource, set()).add(share.record)
    return Principal(
        username=account.username,
        roles=frozenset(account.roles),
        agency=account.agency,
        via=via,
        ports=account.ports,
        shared={name: frozenset(records) for name, records in shared.items()},
    )


def add_share(store: Store, actor: Actor, share: Share) -> None:
    check_agency(share.agency)
    store.add_share(share)
    store.append_audit(
        [
            audit_entry(
                actor,
                "change",
                "share",
                [f"{share.resource}:{share.record}"],
                detail=f"shared with {share.agency}: {share.reason}",
            )
        ]
    )
