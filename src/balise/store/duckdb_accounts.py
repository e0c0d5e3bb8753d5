"""Accounts, tokens, sessions, sign-in links, shares and the audit log in the DuckDB store.

- `accounts`, `api_tokens`, `sessions`, `login_links`: secrets stored as hashes only.
- `shares`: what an agency shared with another.
- `audit_log`: append-only, each entry's `hash` chaining it to the previous one. Appends of one
  database are serialised by a process lock, so two requests cannot chain to the same entry,
  and those waiting for it are committed together (`balise.store.audit_commits`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import polars as pl

from balise.store.accounts import (
    GENESIS,
    Account,
    AuditEntry,
    AuditQuery,
    ChainCheck,
    Share,
    TokenInfo,
)
from balise.store.audit_commits import audit_queue
from balise.store.base import WriteConflict
from balise.store.duckdb_connection import Connected, rollback

ACCOUNTS_SQL: Final = """
CREATE TABLE IF NOT EXISTS accounts (
    username VARCHAR PRIMARY KEY, display_name VARCHAR, roles VARCHAR[], agency VARCHAR,
    ports VARCHAR[], timezone VARCHAR, password_hash VARCHAR, totp_secret VARCHAR,
    disabled BOOLEAN, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_id VARCHAR PRIMARY KEY, username VARCHAR, hash VARCHAR, label VARCHAR,
    created_at TIMESTAMPTZ, expires_at TIMESTAMPTZ, revoked_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS sessions (
    hash VARCHAR PRIMARY KEY, username VARCHAR, csrf VARCHAR, address VARCHAR,
    created_at TIMESTAMPTZ, expires_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS login_links (
    hash VARCHAR PRIMARY KEY, username VARCHAR, expires_at TIMESTAMPTZ, used_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS shares (
    resource VARCHAR, record VARCHAR, agency VARCHAR, shared_by VARCHAR, reason VARCHAR,
    shared_at TIMESTAMPTZ, until TIMESTAMPTZ, PRIMARY KEY (resource, record, agency));
CREATE TABLE IF NOT EXISTS audit_log (
    seq BIGINT PRIMARY KEY, time TIMESTAMPTZ, "user" VARCHAR, agency VARCHAR, role VARCHAR,
    address VARCHAR, action VARCHAR, route VARCHAR, resource VARCHAR, records VARCHAR[],
    count BIGINT, detail VARCHAR, prev_hash VARCHAR, hash VARCHAR);
"""

_ACCOUNT_COLUMNS: Final = (
    "username",
    "display_name",
    "roles",
    "agency",
    "ports",
    "timezone",
    "password_hash",
    "totp_secret",
    "disabled",
    "created_at",
    "updated_at",
)
_CHANGEABLE: Final = frozenset(_ACCOUNT_COLUMNS) - {"username", "created_at"}
_AUDIT_COLUMNS: Final = (
    'seq, time, "user", agency, role, address, action, route, resource, records, count, '
    "detail, prev_hash, hash"
)

_AUDIT_ROW: Final = f"({', '.join('?' * 14)})"
_AUDIT_SCHEMA: Final = {"seq": pl.Int64(), "time": pl.Datetime("us", "UTC"), "user": pl.String(),
                        "agency": pl.String(), "role": pl.String(), "address": pl.String(),
                        "action": pl.String(), "route": pl.String(), "resource": pl.String(),
                        "records": pl.List(pl.String()), "count": pl.Int64(),
                        "detail": pl.String(), "prev_hash": pl.String(),
                        "hash": pl.String()}  # fmt: skip
"""The columns of `_AUDIT_COLUMNS` as the table gives them to polars."""
_AUDIT_ROWS_PER_INSERT: Final = 64
"""Audit rows inserted by one statement: one multi-row `INSERT` costs about what one row of
`executemany` does (which runs the statement once per row), so a batch of appends waiting
for the lock is written in one go."""


def _account(row: tuple[Any, ...]) -> Account:
    values = dict(zip(_ACCOUNT_COLUMNS, row, strict=True))
    values["roles"] = tuple(values["roles"] or ())
    values["ports"] = tuple(values["ports"] or ())
    values["display_name"] = values["display_name"] or ""
    values["timezone"] = values["timezone"] or "UTC"
    values["disabled"] = bool(values["disabled"])
    return Account(**values)


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        time=row["time"],
        user=row["user"],
        agency=row["agency"],
        role=row["role"],
        address=row["address"],
        action=row["action"],
        route=row["route"],
        resource=row["resource"],
        records=tuple(row["records"] or ()),
        count=row["count"],
        detail=row["detail"] or "",
    )


class DuckDBAccounts(Connected):
    """`AccountStore`, `ShareStore` and `AuditStore` over the DuckDB connection."""

    # accounts -------------------------------------------------------------------------------

    def add_account(self, account: Account) -> None:
        values = [getattr(account, name) for name in _ACCOUNT_COLUMNS]
        values[_ACCOUNT_COLUMNS.index("roles")] = list(account.roles)
        values[_ACCOUNT_COLUMNS.index("ports")] = list(account.ports)
        try:
            self._con.execute(
                f"INSERT INTO accounts VALUES ({', '.join('?' * len(values))})", values
            )
        except Exception as err:  # duckdb.ConstraintException: the name is taken
            if "constraint" in str(err).lower():
                raise WriteConflict(
                    f"the account {account.username!r} exists", username=account.username
                ) from err
            raise

    def account(self, username: str) -> Account | None:
        rows = self._rows(
            f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM accounts WHERE username = ?", username
        )
        return _account(rows[0]) if rows else None

    def accounts(self) -> list[Account]:
        rows = self._rows(f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM accounts ORDER BY username")
        return [_account(row) for row in rows]

    def update_account(self, username: str, **changes: Any) -> Account:
        unknown = set(changes) - _CHANGEABLE
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        for name in ("roles", "ports"):
            if name in changes:
                changes[name] = list(changes[name])
        assignments = ", ".join(f"{name} = ?" for name in changes)
        self._con.execute(
            f"UPDATE accounts SET {assignments} WHERE username = ?", [*changes.values(), username]
        )
        self._changed()  # principals kept by the API are made again (roles, agency, disabled)
        account = self.account(username)
        if account is None:
            raise KeyError(username)
        return account

    # tokens ---------------------------------------------------------------------------------

    def add_token(
        self, username: str, token_id: str, token_hash: str, label: str, expires_at: datetime | None
    ) -> None:
        self._con.execute(
            "INSERT INTO api_tokens VALUES (?, ?, ?, ?, now(), ?, NULL)",
            [token_id, username, token_hash, label, expires_at],
        )

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        where, params = ("WHERE username = ?", [username]) if username else ("", [])
        rows = self._rows(
            "SELECT token_id, username, label, created_at, expires_at, revoked_at "
            f"FROM api_tokens {where} ORDER BY created_at",
            *params,
        )
        return [TokenInfo(*row) for row in rows]

    def revoke_token(self, token_id: str, now: datetime) -> bool:
        rows = self._rows(
            "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL "
            "RETURNING token_id",
            now,
            token_id,
        )
        self._changed()
        return bool(rows)

    def token_account(self, token_id: str, token_hash: str, now: datetime) -> Account | None:
        from balise.security.credentials import same

        rows = self._rows(
            "SELECT username, hash FROM api_tokens WHERE token_id = ? AND revoked_at IS NULL "
            "AND (expires_at IS NULL OR expires_at > ?)",
            token_id,
            now,
        )
        if not rows or not same(rows[0][1], token_hash):
            return None
        account = self.account(rows[0][0])
        return account if account is not None and not account.disabled else None

    # sessions and links ---------------------------------------------------------------------

    def add_session(
        self,
        session_hash: str,
        username: str,
        csrf: str,
        address: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        # one statement per call: DuckDB binds parameters to the last statement only
        self._con.execute("DELETE FROM sessions WHERE expires_at <= ?", [now])
        self._con.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
            [session_hash, username, csrf, address, now, expires_at],
        )

    def session_account(self, session_hash: str, now: datetime) -> tuple[Account, str] | None:
        rows = self._rows(
            "SELECT username, csrf FROM sessions WHERE hash = ? AND expires_at > ?",
            session_hash,
            now,
        )
        if not rows:
            return None
        account = self.account(rows[0][0])
        if account is None or account.disabled:
            return None
        return account, rows[0][1]

    def end_sessions(self, username: str | None = None, session_hash: str | None = None) -> int:
        if session_hash is not None:
            rows = self._rows("DELETE FROM sessions WHERE hash = ? RETURNING hash", session_hash)
        else:
            rows = self._rows("DELETE FROM sessions WHERE username = ? RETURNING hash", username)
        return len(rows)

    def add_login_link(self, link_hash: str, username: str, expires_at: datetime) -> None:
        self._con.execute(
            "INSERT INTO login_links VALUES (?, ?, ?, NULL)", [link_hash, username, expires_at]
        )

    def use_login_link(self, link_hash: str, now: datetime) -> str | None:
        rows = self._rows(
            "UPDATE login_links SET used_at = ? WHERE hash = ? AND used_at IS NULL "
            "AND expires_at > ? RETURNING username",
            now,
            link_hash,
            now,
        )
        return str(rows[0][0]) if rows else None

    # shares ---------------------------------------------------------------------------------

    def add_share(self, share: Share) -> None:
        self._con.execute(
            "INSERT OR REPLACE INTO shares VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                share.resource,
                share.record,
                share.agency,
                share.shared_by,
                share.reason,
                share.shared_at,
                share.until,
            ],
        )
        self._changed()

    def remove_share(self, resource: str, record: str, agency: str) -> bool:
        rows = self._rows(
            "DELETE FROM shares WHERE resource = ? AND record = ? AND agency = ? "
            "RETURNING resource",
            resource,
            record,
            agency,
        )
        self._changed()
        return bool(rows)

    def shares(self, agency: str | None = None, now: datetime | None = None) -> list[Share]:
        clauses: list[str] = []
        params: list[Any] = []
        if agency is not None:
            clauses.append("agency = ?")
            params.append(agency)
        if now is not None:
            clauses.append("(until IS NULL OR until > ?)")
            params.append(now)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(
            "SELECT resource, record, agency, shared_by, reason, shared_at, until FROM shares "
            f"{where} ORDER BY shared_at",
            *params,
        )
        return [Share(*row) for row in rows]

    # audit ----------------------------------------------------------------------------------

    def append_audit(self, entries: Sequence[AuditEntry]) -> int:
        if not entries:
            return 0
        return audit_queue(self._key).append(entries, self._write_audit)

    def _write_audit(self, entries: Sequence[AuditEntry]) -> int:
        """Chain and insert `entries` in one transaction (under the database's audit lock)."""
        con = self._con
        con.begin()
        try:
            last = con.execute(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
            ).fetchall()
            seq, prev = (int(last[0][0]), str(last[0][1])) if last else (0, GENESIS)
            rows = []
            for entry in entries:
                seq += 1
                digest = entry.chain(seq, prev)
                rows.append(
                    [
                        seq,
                        entry.time,
                        entry.user,
                        entry.agency,
                        entry.role,
                        entry.address,
                        entry.action,
                        entry.route,
                        entry.resource,
                        list(entry.records),
                        entry.count,
                        entry.detail,
                        prev,
                        digest,
                    ]
                )
                prev = digest
            for start in range(0, len(rows), _AUDIT_ROWS_PER_INSERT):
                chunk = rows[start : start + _AUDIT_ROWS_PER_INSERT]
                con.execute(
                    f"INSERT INTO audit_log VALUES {', '.join([_AUDIT_ROW] * len(chunk))}",
                    [value for row in chunk for value in row],
                )
            con.commit()
        except Exception:
            rollback(con)
            raise
        audit_queue(self._key).remember([tuple(row) for row in rows])
        return seq

    def audit(self, query: AuditQuery, limit: int | None = None) -> pl.DataFrame:
        clauses, params = _audit_where(query)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "ASC" if query.oldest_first else "DESC"
        # a page is a keyset read on the primary key (`seq < cursor ORDER BY seq DESC LIMIT n`):
        # DuckDB's top-n reads the page's rows whole and only those, however long the log
        page = "" if limit is None else f" LIMIT {int(limit)}"
        return self._frame(
            f"SELECT {_AUDIT_COLUMNS} FROM audit_log {where} ORDER BY seq {order}{page}", params
        )

    def audit_seqs(self, query: AuditQuery, limit: int) -> list[int]:
        clauses, params = _audit_where(query)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "ASC" if query.oldest_first else "DESC"
        rows = self._rows(
            f"SELECT seq FROM audit_log {where} ORDER BY seq {order} LIMIT {int(limit)}", *params
        )
        return [int(row[0]) for row in rows]

    def audit_entries(self, seqs: Sequence[int]) -> pl.DataFrame:
        if not seqs:
            return self._frame(f"SELECT {_AUDIT_COLUMNS} FROM audit_log LIMIT 0")
        # the newest entries, mostly written by this process a moment ago, as written
        recalled = audit_queue(self._key).recalled(sorted(set(seqs)))
        if recalled is not None:
            return pl.DataFrame(recalled, schema=_AUDIT_SCHEMA, orient="row")
        # the range first: the row groups outside it are skipped by their zone maps
        return self._frame(
            f"SELECT {_AUDIT_COLUMNS} FROM audit_log WHERE seq BETWEEN ? AND ? "
            "AND list_contains(?, seq) ORDER BY seq",
            [min(seqs), max(seqs), list(seqs)],
        )

    def verify_audit(self) -> ChainCheck:
        prev, expected, count = GENESIS, 1, 0
        for batch in self._batches(
            f"SELECT {_AUDIT_COLUMNS} FROM audit_log ORDER BY seq", [], 50_000
        ):
            for row in batch.iter_rows(named=True):
                seq = int(row["seq"])
                if seq != expected:
                    return ChainCheck(count, prev, seq, f"entry {expected} is missing")
                if row["prev_hash"] != prev:
                    return ChainCheck(count, prev, seq, "does not follow the entry before it")
                if _entry(row).chain(seq, prev) != row["hash"]:
                    return ChainCheck(count, prev, seq, "its content was altered")
                prev, expected, count = row["hash"], expected + 1, count + 1
        return ChainCheck(count, prev)


def _audit_where(query: AuditQuery) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if query.user is not None:
        clauses.append('"user" = ?')
        params.append(query.user)
    if query.since is not None:
        clauses.append("time >= ?")
        params.append(query.since)
    if query.until is not None:
        clauses.append("time < ?")
        params.append(query.until)
    if query.actions:
        clauses.append("list_contains(?, action)")
        params.append(list(query.actions))
    if query.resource is not None:
        clauses.append("resource = ?")
        params.append(query.resource)
    if query.after_seq is not None:
        clauses.append("seq > ?" if query.oldest_first else "seq < ?")
        params.append(query.after_seq)
    return clauses, params
