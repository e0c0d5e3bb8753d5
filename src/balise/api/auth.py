"""Who is asking, and may they: authentication of every API request, CSRF protection of
browser sessions, the policy's decision per route, and the audit of sensitive reads.

A request proves who it is by an API token (`Authorization: Bearer bal_…`) or by the session
cookie the sign-in sets (`balise_session`, HttpOnly, SameSite=Strict). A session's changes
(POST, PUT, PATCH, DELETE) must also carry its CSRF token in `X-CSRF-Token` (the double-submit
pattern: the token is in the readable cookie `balise_csrf` and in the session's row). Every
route but `PUBLIC_ROUTES` requires one or the other: without valid credentials, 401; with
credentials the policy refuses, 403 (and an audit entry `denied`).

Identity comes from the credential alone: no header or body field names the acting user.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Final

from fastapi import Depends, Request

from balise.api.problems import ProblemError
from balise.engine.accounts import Actor, audit_entry, now_utc, principal_of
from balise.model.event_types import EVENT_TYPES
from balise.security import credentials
from balise.security.policy import Decision, Principal, audited, decide
from balise.store.base import Store

SESSION_COOKIE: Final = "balise_session"
CSRF_COOKIE: Final = "balise_csrf"
CSRF_HEADER: Final = "X-CSRF-Token"
PUBLIC_ROUTES: Final = frozenset({"/api/v1/health", "/api/v1/auth/login", "/api/v1/auth/link"})
"""Routes answered without credentials: the health check and the two ways to sign in."""
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def unauthenticated(detail: str) -> ProblemError:
    return ProblemError(
        401,
        "Authentication required",
        detail,
        kind="unauthenticated",
        headers={"WWW-Authenticate": 'Bearer realm="balise"'},
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def route_name(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    return f"{request.method} {path}"


def _with_cursor(request: Request, work: Callable[[Store], Principal | None]) -> Principal | None:
    cursor: Store = request.app.state.store.cursor()
    try:
        return work(cursor)
    finally:
        cursor.close()


class TokenPrincipals:
    """The principals of the API tokens seen, each kept until the store's `generation` moves
    (an account changed, a token revoked, a share added or removed: their writes bump it) or
    until the first of its token's expiry and its agency's shares' ends: the same principal the
    store would give, without its three queries on every request (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, str], tuple[int, datetime | None, Principal]] = {}

    def get(self, store: Store, token_id: str, token_hash: str) -> Principal | None:
        """The principal of the token (`split_token`'s id and hash), None if it is not valid."""
        now, version, key = now_utc(), store.generation, (token_id, token_hash)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] == version and (kept[1] is None or now < kept[1]):
            return kept[2]
        account = store.token_account(token_id, token_hash, now)
        if account is None:
            return None
        principal = principal_of(store, account, "token", now)
        ends = [t.expires_at for t in store.tokens(account.username) if t.token_id == token_id]
        ends += [share.until for share in store.shares(account.agency, now)]
        until = min((end for end in ends if end is not None), default=None)
        with self._lock:
            if len(self._kept) >= _KEPT_PRINCIPALS:
                self._kept.clear()
            self._kept[key] = (version, until, principal)
        return principal


_KEPT_PRINCIPALS: Final = 10_000
"""Tokens whose principals are kept at most (then forgotten, and looked up again)."""


def token_principals(request: Request) -> TokenPrincipals:
    """The app's kept principals (made on first use)."""
    kept: TokenPrincipals | None = getattr(request.app.state, "token_principals", None)
    if kept is None:
        kept = request.app.state.token_principals = TokenPrincipals()
    return kept


def _from_token(store: Store, header: str, kept: TokenPrincipals) -> Principal | None:
    scheme, _, text = header.partition(" ")
    parts = credentials.split_token(text.strip()) if scheme.lower() == "bearer" else None
    if parts is None:
        return None
    return kept.get(store, parts[0], parts[1])


def authenticate(request: Request) -> Principal | None:
    """The request's principal (also kept in `request.state.principal`); raises 401 unless the
    route is public, and 403 for a session's change without its CSRF token."""
    route = getattr(request.scope.get("route"), "path", "")
    header = request.headers.get("authorization")
    cookie = request.cookies.get(SESSION_COOKIE)
    principal: Principal | None = None
    csrf: str | None = None
    if header:
        kept = token_principals(request)
        principal = _with_cursor(request, lambda store: _from_token(store, header, kept))
        if principal is None and route not in PUBLIC_ROUTES:
            raise unauthenticated("the token is unknown, revoked or expired")
    elif cookie:
        found: list[str] = []

        def session(store: Store) -> Principal | None:
            now = now_utc()
            opened = store.session_account(credentials.digest(cookie), now)
            if opened is None:
                return None
            found.append(opened[1])
            return principal_of(store, opened[0], "session", now)

        principal = _with_cursor(request, session)
        csrf = found[0] if found else None
        if principal is None and route not in PUBLIC_ROUTES:
            raise unauthenticated("the session has ended: sign in again")
    if principal is None:
        if route in PUBLIC_ROUTES:
            return None
        raise unauthenticated("sign in, or send an API token (Authorization: Bearer …)")
    if principal.via == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not (csrf and sent and credentials.same(csrf, sent)):
            raise ProblemError(
                403,
                "CSRF token missing",
                f"a change from a browser session "
                f"needs the {CSRF_HEADER} header (the {CSRF_COOKIE} cookie)",
                kind="csrf",
            )
    request.state.principal = principal
    return principal


def current(request: Request) -> Principal:
    """The authenticated principal of a non-public route."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise unauthenticated("sign in, or send an API token (Authorization: Bearer …)")
    return principal


PrincipalDep = Annotated[Principal, Depends(current)]


def actor(request: Request) -> Actor:
    """Who acts in this request, from where, through which route: for audit entries."""
    return Actor(current(request), client_address(request), route_name(request))


def record(
    request: Request,
    action: str,
    resource: str,
    records: Iterable[str] = (),
    count: int | None = None,
    detail: str = "",
) -> None:
    """Append an audit entry for this request (its principal, address and route)."""
    entry = audit_entry(actor(request), action, resource, records, count, detail)
    cursor: Store = request.app.state.store.cursor()
    try:
        cursor.append_audit([entry])
    finally:
        cursor.close()


def record_read(
    request: Request, resource: str, records: Iterable[str] = (), count: int | None = None
) -> None:
    """Audit a read of `resource` when the policy says its reads are audited."""
    if audited(resource):
        record(request, "read", resource, records, count)


def check(request: Request, resource: str, action: str) -> Decision:
    """The policy's decision for this request's principal; a refusal is audited and raised as
    403."""
    principal = current(request)
    decision = decide(principal, resource, action)
    if not decision:
        record(request, "denied", resource, (), 0, decision.reason)
        raise ProblemError(403, "Forbidden", decision.reason, kind="forbidden")
    return decision


def allowed(request: Request, resource: str, action: str) -> bool:
    """Whether the policy allows it, without auditing or raising (to shape a response)."""
    return bool(decide(current(request), resource, action))


def requires(resource: str, action: str = "read") -> Callable[[Request], Decision]:
    """A route dependency: `dependencies=[Depends(requires("alert", "change"))]`."""

    def dependency(request: Request) -> Decision:
        return check(request, resource, action)

    dependency.__name__ = f"requires_{resource}_{action}"
    return dependency


SECURITY_TYPES: Final = tuple(t.name for t in EVENT_TYPES if t.domain == "security")
"""Event types about Balise's own users (insider look-ups): security officers' alone."""
CARGO_TYPES: Final = tuple(t.name for t in EVENT_TYPES if t.subject == "container")
"""Event types about containers: listed as events to those who may read containers."""
OTHER_TYPES: Final = tuple(t.name for t in EVENT_TYPES if t.domain != "security")


def type_resource(kind: str, base: str = "event") -> str:
    """The resource an event (or alert) of type `kind` belongs to: security events are the
    security officer's, container events (listed as events) the `container` readers'."""
    if kind in SECURITY_TYPES:
        return "security_event"
    if base == "event" and kind in CARGO_TYPES:
        return "container"
    return base


def visible_types(
    request: Request, requested: Iterable[str], base: str = "event"
) -> tuple[str, ...]:
    """The event types this request may read among `requested` (all when empty): `base` types
    (`event` or `alert`) when the policy allows it, container types (as events) to those who
    may read containers, security types to security officers. An explicit request for types it
    may not read is refused (403, audited)."""
    asked = tuple(requested)
    may = {resource: allowed(request, resource, "read")
           for resource in {base, "container", "security_event"}}  # fmt: skip
    kinds = tuple(kind for kind in (*OTHER_TYPES, *SECURITY_TYPES)
                  if may[type_resource(kind, base)])  # fmt: skip
    if asked:
        refused = {type_resource(kind, base) for kind in asked if kind not in kinds}
        for resource in sorted(refused):
            check(request, resource, "read")
        return asked
    if not kinds:
        check(request, base, "read")
    return kinds


def may_read_type(request: Request, kind: str, base: str = "event") -> bool:
    """May this request read one event (or alert) of type `kind`?"""
    return allowed(request, type_resource(kind, base), "read")
