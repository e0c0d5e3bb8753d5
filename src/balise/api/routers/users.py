"""Accounts, for administrators: list, create, change (roles, agency, disable, password), and
their API tokens (issue, list, revoke). Every change is audited; secrets are never returned
except a new token's text, once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from balise.api.auth import actor, record_read, requires
from balise.api.deps import StoreDep
from balise.api.problems import ProblemError, not_found
from balise.engine import accounts as service
from balise.errors import UsageError
from balise.security import credentials
from balise.security.auth_params import AuthParams
from balise.store.accounts import Account, TokenInfo

router = APIRouter(tags=["users"], dependencies=[Depends(requires("user", "read"))])
PROBLEMS: dict[int | str, dict[str, Any]] = {404: {"description": "No such account"}}
CHANGE = [Depends(requires("user", "change"))]
Username = Annotated[str, Path(min_length=1, max_length=64)]


class AccountOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    agency: str
    ports: list[str]
    timezone: str
    disabled: bool
    totp: bool = Field(description="A one-time code is required at sign-in.")
    created_at: datetime | None
    updated_at: datetime | None


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64)
    roles: list[str] = Field(min_length=1, max_length=5)
    agency: str = Field(max_length=32)
    display_name: str = Field("", max_length=200)
    ports: list[str] = Field(default_factory=list, max_length=100)
    timezone: str = Field("UTC", max_length=64)
    password: str | None = Field(None, max_length=credentials.MAX_PASSWORD_CHARS)


class AccountChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: list[str] | None = Field(None, min_length=1, max_length=5)
    agency: str | None = Field(None, max_length=32)
    display_name: str | None = Field(None, max_length=200)
    ports: list[str] | None = Field(None, max_length=100)
    timezone: str | None = Field(None, max_length=64)
    disabled: bool | None = None
    password: str | None = Field(None, max_length=credentials.MAX_PASSWORD_CHARS)


class Created(BaseModel):
    account: AccountOut
    token: str = Field(description="The account's first API token: shown once.")


class TokenOut(BaseModel):
    token_id: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field("", max_length=200)
    days: float | None = Field(None, gt=0, le=3650, description="Lifetime (default: setting).")


class IssuedToken(BaseModel):
    token: str = Field(description="Shown once: keep it.")


def out(account: Account) -> dict[str, Any]:
    return {
        "username": account.username,
        "display_name": account.display_name,
        "roles": list(account.roles),
        "agency": account.agency,
        "ports": list(account.ports),
        "timezone": account.timezone,
        "disabled": account.disabled,
        "totp": account.totp_secret is not None,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


def token_out(token: TokenInfo) -> dict[str, Any]:
    return {
        "token_id": token.token_id,
        "label": token.label,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def invalid(err: UsageError) -> ProblemError:
    return ProblemError(422, "Invalid account", err.message, kind="invalid-account")


@router.get("/api/v1/users", response_model=list[AccountOut])
def list_users(request: Request, store: StoreDep) -> list[dict[str, Any]]:
    """Every account."""
    found = store.accounts()
    record_read(request, "user", [a.username for a in found])
    return [out(a) for a in found]


@router.post(
    "/api/v1/users",
    status_code=201,
    response_model=Created,
    dependencies=CHANGE,
    responses={422: {"description": "Invalid account"}},
)
def create_user(request: Request, body: NewAccount, store: StoreDep) -> dict[str, Any]:
    """Create an account; the answer holds its first API token, shown once."""
    params: AuthParams = request.app.state.auth_params
    account = Account(
        body.username,
        tuple(body.roles),
        body.agency,
        body.display_name,
        tuple(body.ports),
        body.timezone,
    )
    try:
        created, token = service.create_account(
            store, actor(request), account, body.password, params
        )
    except UsageError as err:
        raise invalid(err) from err
    return {"account": out(created), "token": token}


def _existing(store: StoreDep, username: str) -> Account:
    account = store.account(username)
    if account is None:
        raise not_found("account", username)
    return account


@router.get("/api/v1/users/{username}", response_model=AccountOut, responses=PROBLEMS)
def get_user(request: Request, username: Username, store: StoreDep) -> dict[str, Any]:
    """One account."""
    account = _existing(store, username)
    record_read(request, "user", [username])
    return out(account)


@router.patch(
    "/api/v1/users/{username}", response_model=AccountOut, dependencies=CHANGE, responses=PROBLEMS
)
def change_user(
    request: Request, username: Username, body: AccountChange, store: StoreDep
) -> dict[str, Any]:
    """Change roles, agency, ports, time zone, name, password, or disable/enable; a change of
    roles, agency or password, or disabling, ends the account's sessions."""
    _existing(store, username)
    try:
        changes: dict[str, Any] = {}
        if body.roles is not None:
            changes["roles"] = service.check_roles(body.roles)
        if body.agency is not None:
            changes["agency"] = service.check_agency(body.agency)
        if body.ports is not None:
            changes["ports"] = service.check_ports(body.ports)
        if body.timezone is not None:
            changes["timezone"] = service.check_timezone(body.timezone)
        if body.display_name is not None:
            changes["display_name"] = body.display_name
        if body.disabled is not None:
            changes["disabled"] = body.disabled
        if body.password is not None:
            changes["password_hash"] = service.password_hash(body.password)
    except UsageError as err:
        raise invalid(err) from err
    if not changes:
        return out(_existing(store, username))
    said = ", ".join(k if k != "password_hash" else "password" for k in changes)
    return out(
        service.change_account(store, actor(request), username, f"changed {said}", **changes)
    )


@router.get("/api/v1/users/{username}/tokens", response_model=list[TokenOut], responses=PROBLEMS)
def list_tokens(request: Request, username: Username, store: StoreDep) -> list[dict[str, Any]]:
    """The account's API tokens (never their secrets)."""
    _existing(store, username)
    record_read(request, "user", [username])
    return [token_out(t) for t in store.tokens(username)]


@router.post(
    "/api/v1/users/{username}/tokens",
    status_code=201,
    response_model=IssuedToken,
    dependencies=CHANGE,
    responses=PROBLEMS,
)
def issue_token(
    request: Request, username: Username, store: StoreDep, body: NewToken | None = None
) -> dict[str, str]:
    """A new API token for the account: its text is in the answer, once."""
    _existing(store, username)
    params: AuthParams = request.app.state.auth_params
    body = body or NewToken(label="", days=None)
    days = body.days if body.days is not None else params.token_days
    return {"token": service.issue_token(store, actor(request), username, body.label, days)}


@router.delete(
    "/api/v1/users/{username}/tokens/{token_id}",
    status_code=204,
    dependencies=CHANGE,
    responses=PROBLEMS,
)
def revoke_token(
    request: Request,
    username: Username,
    token_id: Annotated[str, Path(min_length=1, max_length=32)],
    store: StoreDep,
) -> Response:
    """Revoke one of the account's tokens."""
    _existing(store, username)
    if not any(t.token_id == token_id and t.revoked_at is None for t in store.tokens(username)):
        raise not_found("live token", token_id)
    service.revoke_token(store, actor(request), token_id)
    return Response(status_code=204)
