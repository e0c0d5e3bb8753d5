"""Sign-in and the session: health (public), sign in with a password (and a one-time code when
the account has one) or a one-time link, who am I, sign out.

Failed sign-ins are counted per account and per address; past `auth.sign_in_failures` within
`auth.sign_in_window_minutes`, sign-in answers 429 until the window passes. The counts live in
the server's memory (one process serves a workspace); each failure is also audited.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from balise import __version__
from balise.api.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    PrincipalDep,
    client_address,
    record,
    unauthenticated,
)
from balise.api.problems import ProblemError
from balise.engine.accounts import (
    OpenedSession,
    check_password,
    now_utc,
    open_session,
    principal_of,
)
from balise.security import credentials
from balise.security.auth_params import AuthParams
from balise.security.policy import RESOURCES, Principal, decide
from balise.store.accounts import Account, AuditEntry
from balise.store.base import Store

router = APIRouter(tags=["session"])
PROBLEMS: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in"}}


class Health(BaseModel):
    status: str
    version: str


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=credentials.MAX_PASSWORD_CHARS)
    totp: str | None = Field(None, max_length=12, description="The one-time code, if enabled.")


class Me(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    agency: str
    ports: list[str]
    via: str = Field(description="How this request proved who it is: session or token.")
    can: dict[str, list[str]] = Field(description="Per resource, the actions allowed.")


@router.get("/api/v1/health", response_model=Health)
def health() -> dict[str, str]:
    """Liveness: answers without credentials."""
    return {"status": "ok", "version": __version__}


class Limiter:
    """Failures per key within a sliding window."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, keys: list[str], params: AuthParams) -> float:
        """Seconds until the first of `keys` may try again (0: not blocked)."""
        window = params.sign_in_window_minutes * 60.0
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._failures.get(key)
                while times and now - times[0] > window:
                    times.popleft()
                if times and len(times) >= params.sign_in_failures:
                    wait = max(wait, window - (now - times[0]))
        return wait

    def failed(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque(maxlen=1_000)).append(time.monotonic())

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def me(principal: Principal, account: Account | None) -> dict[str, Any]:
    can = {
        name: [a for a in ("read", "change", "reveal") if decide(principal, name, a)]
        for name in RESOURCES
    }
    return {
        "username": principal.username,
        "display_name": account.display_name if account else "",
        "roles": sorted(principal.roles),
        "agency": principal.agency,
        "ports": list(principal.ports),
        "via": principal.via,
        "can": {name: actions for name, actions in can.items() if actions},
    }


def set_session_cookies(request: Request, response: Response, opened: OpenedSession) -> None:
    secure = request.url.scheme == "https"
    max_age = max(int((opened.expires_at - now_utc()).total_seconds()), 0)
    response.set_cookie(
        SESSION_COOKIE,
        opened.secret,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        opened.csrf,
        max_age=max_age,
        httponly=False,
        samesite="strict",
        secure=secure,
        path="/",
    )


def _store(request: Request) -> Store:
    cursor: Store = request.app.state.store.cursor()
    return cursor


def _fail(request: Request, store: Store, username: str, account: Account | None,
          why: str) -> None:  # fmt: skip
    store.append_audit(
        [
            AuditEntry(
                time=now_utc(),
                user=username,
                agency=account.agency if account else "",
                role="+".join(account.roles) if account else "",
                address=client_address(request),
                action="sign_in_failed",
                route=f"{request.method} {request.url.path}",
                resource="user",
                records=(username,),
                count=0,
                detail=why,
            )
        ]
    )


@router.post(
    "/api/v1/auth/login",
    response_model=Me,
    responses={
        401: {"description": "Wrong credentials"},
        429: {"description": "Too many failed sign-ins"},
    },
)
def sign_in(body: SignIn, request: Request, response: Response) -> dict[str, Any]:
    """Sign in with a password (and the one-time code when the account has one): sets the
    session cookie and the CSRF cookie."""
    params: AuthParams = request.app.state.auth_params
    limiter: Limiter = request.app.state.sign_in_limiter
    username = body.username.strip().lower()
    keys = [f"user:{username}", f"address:{client_address(request)}"]
    wait = limiter.blocked(keys, params)
    if wait > 0:
        raise ProblemError(
            429,
            "Too many sign-in attempts",
            f"too many failed sign-ins: try again in {wait / 60:.0f} min",
            kind="too-many-sign-ins",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    store = _store(request)
    try:
        account = store.account(username)
        why = check_password(account, body.password, body.totp)
        if why is not None or account is None:
            limiter.failed(keys)
            _fail(request, store, username, account, why or "unknown account")
            raise unauthenticated(why or "unknown account or wrong password")
        limiter.succeeded(keys)
        opened = open_session(store, account, client_address(request), params)

        principal = principal_of(store, account, "session")
    finally:
        store.close()
    request.state.principal = principal
    record(
        request,
        "sign_in",
        "user",
        [username],
        1,
        "password" + (" and one-time code" if account.totp_secret else ""),
    )
    set_session_cookies(request, response, opened)
    return me(principal, account)


@router.get(
    "/api/v1/auth/link",
    response_class=RedirectResponse,
    status_code=303,
    responses={303: {"description": "Signed in: to the workstation"}},
)
def sign_in_by_link(
    request: Request, token: Annotated[str, Query(min_length=16, max_length=128)]
) -> RedirectResponse:
    """Sign in with a one-time link (`balise users link`, `balise demo`): sets the session and
    goes to the workstation; a used or expired link goes to the sign-in page."""
    params: AuthParams = request.app.state.auth_params
    store = _store(request)
    try:
        username = store.use_login_link(credentials.digest(token), now_utc())
        account = store.account(username) if username else None
        if account is None or account.disabled:
            return RedirectResponse("/?signin=link-expired", status_code=303)
        opened = open_session(store, account, client_address(request), params)

        request.state.principal = principal_of(store, account, "session")
    finally:
        store.close()
    record(request, "sign_in", "user", [account.username], 1, "one-time link")
    redirect = RedirectResponse("/", status_code=303)
    set_session_cookies(request, redirect, opened)
    return redirect


@router.get("/api/v1/auth/me", response_model=Me, responses=PROBLEMS)
def who_am_i(request: Request, principal: PrincipalDep) -> dict[str, Any]:
    """The signed-in account: roles, agency and what the policy allows it."""
    store = _store(request)
    try:
        account = store.account(principal.username)
    finally:
        store.close()
    return me(principal, account)


@router.post("/api/v1/auth/logout", status_code=204, responses=PROBLEMS)
def sign_out(request: Request, principal: PrincipalDep) -> Response:
    """End this browser session (an API token is revoked with `balise users revoke`)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        store = _store(request)
        try:
            store.end_sessions(session_hash=credentials.digest(cookie))
        finally:
            store.close()
    record(request, "sign_out", "user", [principal.username], 1)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
