"""The store's protocols for need-to-know: accounts and their credentials (`AccountStore`),
what agencies share (`ShareStore`) and the tamper-evident audit log (`AuditStore`).

Only hashes of secrets are stored (`balise.security.credentials`). The audit log is append-only
through this interface: entries are chained by SHA-256 (`AuditEntry.chain`), so an edit of the
store file breaks `verify_audit`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import polars as pl

GENESIS: Final = "0" * 64
"""The `prev_hash` of the first audit entry."""


@dataclass(frozen=True)
class Account:
    """A person's (or a machine's) account; `password_hash` and `totp_secret` never leave the
    server."""

    username: str
    roles: tuple[str, ...]
    agency: str
    display_name: str = ""
    ports: tuple[str, ...] = ()
    timezone: str = "UTC"
    password_hash: str | None = None
    totp_secret: str | None = None
    disabled: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed: never its secret."""

    token_id: str
    username: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Share:
    """A record (or a whole resource, `record` `*`) an owning agency shared with another."""

    resource: str
    record: str
    agency: str
    shared_by: str
    reason: str
    shared_at: datetime
    until: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One audit entry (`balise.model.records.ACCESS_SCHEMA` plus `detail`), before it is
    chained."""

    time: datetime
    user: str
    agency: str
    role: str
    address: str
    action: str
    route: str
    resource: str
    records: tuple[str, ...] = ()
    count: int = 0
    detail: str = ""

    def canonical(self, seq: int) -> str:
        """The text the chain hashes: every field, in order, as compact JSON."""
        return json.dumps(
            [
                seq,
                self.time.astimezone(UTC).isoformat(timespec="microseconds"),
                self.user,
                self.agency,
                self.role,
                self.address,
                self.action,
                self.route,
                self.resource,
                list(self.records),
                self.count,
                self.detail,
            ],
            separators=(",", ":"),
            ensure_ascii=False,
        )

    def chain(self, seq: int, prev_hash: str) -> str:
        """This entry's hash: SHA-256 of the previous entry's hash and this entry's text."""
        return hashlib.sha256((prev_hash + self.canonical(seq)).encode()).hexdigest()


@dataclass(frozen=True)
class AuditQuery:
    """Which audit entries to read: by `user`, from `since`, before `until`, of `actions`,
    after entry `after_seq` (paging), newest first unless `oldest_first`."""

    user: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    actions: tuple[str, ...] = ()
    resource: str | None = None
    after_seq: int | None = None
    oldest_first: bool = False


@dataclass(frozen=True)
class ChainCheck:
    """What `verify_audit` found: entries checked, the head hash, and the first broken entry
    with the reason (None when the chain holds)."""

    entries: int
    head: str
    broken_at: int | None = None
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.broken_at is None


class AccountStore(Protocol):
    """Accounts, API tokens, browser sessions and one-time sign-in links."""

    def add_account(self, account: Account) -> None:
        """Create `account`; a `WriteConflict` if the name is taken."""
        ...

    def account(self, username: str) -> Account | None: ...

    def accounts(self) -> list[Account]: ...

    def update_account(self, username: str, **changes: Any) -> Account:
        """Change fields of an account (`roles`, `agency`, `disabled`, `password_hash`, …)."""
        ...

    def add_token(
        self, username: str, token_id: str, token_hash: str, label: str, expires_at: datetime | None
    ) -> None: ...

    def tokens(self, username: str | None = None) -> list[TokenInfo]: ...

    def revoke_token(self, token_id: str, now: datetime) -> bool:
        """Revoke a token; False when there is no such live token."""
        ...

    def token_account(self, token_id: str, token_hash: str, now: datetime) -> Account | None:
        """The enabled account of a live token whose secret hashes to `token_hash`."""
        ...

    def add_session(
        self,
        session_hash: str,
        username: str,
        csrf: str,
        address: str,
        now: datetime,
        expires_at: datetime,
    ) -> None: ...

    def session_account(self, session_hash: str, now: datetime) -> tuple[Account, str] | None:
        """The enabled account and CSRF token of a live session."""
        ...

    def end_sessions(self, username: str | None = None, session_hash: str | None = None) -> int:
        """End one session, or every session of a user (disabled, new password)."""
        ...

    def add_login_link(self, link_hash: str, username: str, expires_at: datetime) -> None: ...

    def use_login_link(self, link_hash: str, now: datetime) -> str | None:
        """The user a live, unused link signs in, marking it used; None otherwise."""
        ...


class ShareStore(Protocol):
    """What agencies shared with others."""

    def add_share(self, share: Share) -> None: ...

    def remove_share(self, resource: str, record: str, agency: str) -> bool: ...

    def shares(self, agency: str | None = None, now: datetime | None = None) -> list[Share]:
        """Shares (with `agency`), those still valid at `now` when given."""
        ...


class AuditStore(Protocol):
    """The audit log: appended to, read, verified; never edited."""

    def append_audit(self, entries: Sequence[AuditEntry]) -> int:
        """Chain and append `entries` in order; the last entry's sequence number."""
        ...

    def audit(self, query: AuditQuery, limit: int | None = None) -> pl.DataFrame:
        """Entries (`seq`, the access columns, `detail`, `prev_hash`, `hash`) matching
        `query`."""
        ...

    def audit_seqs(self, query: AuditQuery, limit: int) -> list[int]:
        """The sequence numbers of the entries `audit(query, limit)` gives, in its order: the
        page's keys alone, without their columns."""
        ...

    def audit_entries(self, seqs: Sequence[int]) -> pl.DataFrame:
        """The entries of the sequence numbers `seqs`, oldest first, with the columns of
        `audit`."""
        ...

    def verify_audit(self) -> ChainCheck:
        """Recompute the chain from the first entry; where and why it breaks."""
        ...
