"""`balise users …`: accounts of a workspace, managed by whoever runs Balise on it.

The command line acts with the rights of the workspace's files (its operator); each change is
written to the audit log as `local:<login name>`. Secrets are printed once: `users add` prints
the new account's first API token on its last line, `users token` a new token, `users link` a
one-time sign-in link, `users totp` the second factor's secret.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from balise.cli import HELP_MARKUP
from balise.cli.context import settings_for
from balise.cli.output import print_table
from balise.engine import accounts as service
from balise.errors import UsageError
from balise.security import credentials
from balise.security.auth_params import AuthParams, auth_params
from balise.security.policy import Principal
from balise.store.accounts import Account
from balise.store.base import Store

app = typer.Typer(help="Accounts: add, list, disable, roles, passwords, tokens, sign-in links.",
                  no_args_is_help=True, rich_markup_mode=HELP_MARKUP)  # fmt: skip

RoleOption = Annotated[
    list[str],
    typer.Option("--role", help="admin, security_officer, analyst, watch_officer or viewer "
                 "(repeat for several)."),
]  # fmt: skip


def operator(command: str) -> service.Actor:
    """The person running the command line, for the audit log."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    principal = Principal(f"local:{login}", frozenset({"operator"}), "", via="cli")
    return service.Actor(principal, "local", f"balise {command}")


@contextmanager
def opened(ctx: typer.Context, create: bool = False) -> Iterator[tuple[Store, AuthParams]]:
    workspace, settings = settings_for(ctx)
    store = workspace.open_store(create=create)
    try:
        yield store, auth_params(settings.values)
    finally:
        store.close()


def read_password(from_stdin: bool, confirm: bool = True) -> str:
    """A password from standard input (one line) or typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to type a password: pass --password-stdin")
    first = getpass.getpass("password: ")
    if confirm and getpass.getpass("again: ") != first:
        raise UsageError("the two passwords differ")
    return first


@app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Account name (lower case).")],
    role: RoleOption,
    agency: Annotated[str, typer.Option(help="navy, customs, police, port_authority, partner.")],
    name: Annotated[str, typer.Option(help="The person's name, as shown.")] = "",
    port: Annotated[list[str] | None, typer.Option(help="A UN/LOCODE or terminal the person "
                    "works at (repeat).")] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone of the person's work.")] = "UTC",
    password: Annotated[bool, typer.Option(help="Ask for a password (else: token and "
                        "sign-in links only).")] = False,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:  # fmt: skip
    """Create an account; prints its first API token on the last line."""
    secret = read_password(password_stdin) if (password or password_stdin) else None
    with opened(ctx, create=True) as (store, params):
        account = Account(username, tuple(role), agency, name, tuple(port or ()), timezone)
        created, token = service.create_account(store, operator("users add"), account, secret,
                                                params)  # fmt: skip
    typer.echo(f"created {created.username} ({'+'.join(created.roles)}, {created.agency}); "
               "its API token (shown once):", err=True)  # fmt: skip
    typer.echo(token)


@app.command("list")
def list_accounts(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="table or jsonl.")] = "table",
) -> None:
    """Every account: roles, agency, ports, state."""
    if fmt not in ("table", "jsonl"):
        raise UsageError(f"--format must be table or jsonl (got {fmt!r})")
    with opened(ctx) as (store, _):
        found = store.accounts()
        live = {t.username for t in store.tokens() if t.revoked_at is None}
    if fmt == "jsonl":
        for a in found:
            typer.echo(json.dumps({"username": a.username, "display_name": a.display_name,
                                   "roles": list(a.roles), "agency": a.agency,
                                   "ports": list(a.ports), "timezone": a.timezone,
                                   "disabled": a.disabled, "password": a.password_hash is not None,
                                   "totp": a.totp_secret is not None}))  # fmt: skip
        return
    rows = [(a.username, a.display_name, "+".join(a.roles), a.agency, " ".join(a.ports),
             "disabled" if a.disabled else "active",
             ", ".join(k for k, v in (("password", a.password_hash), ("totp", a.totp_secret),
                                      ("token", a.username in live)) if v))
            for a in found]  # fmt: skip
    headers = ("account", "name", "roles", "agency", "ports", "state", "credentials")
    print_table(f"{len(rows)} accounts", rows, headers)


def _set(ctx: typer.Context, command: str, username: str, detail: str, **changes: object) -> None:
    with opened(ctx) as (store, _):
        service.change_account(store, operator(command), username, detail, **changes)
    typer.echo(f"{username}: {detail}", err=True)


@app.command("disable")
def disable(ctx: typer.Context, username: str) -> None:
    """Disable an account: its sessions end, its tokens stop working."""
    _set(ctx, "users disable", username, "disabled", disabled=True)


@app.command("enable")
def enable(ctx: typer.Context, username: str) -> None:
    """Enable a disabled account again."""
    _set(ctx, "users enable", username, "enabled", disabled=False)


@app.command("role")
def set_roles(
    ctx: typer.Context,
    username: str,
    roles: Annotated[list[str], typer.Argument(help="The account's roles from now on.")],
) -> None:
    """Set an account's roles (its sessions end)."""
    checked = service.check_roles(roles)
    _set(ctx, "users role", username, f"roles {'+'.join(checked)}", roles=checked)


@app.command("password")
def set_password(
    ctx: typer.Context,
    username: str,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Set an account's password (its sessions end)."""
    secret = read_password(password_stdin)
    _set(ctx, "users password", username, "password changed",
         password_hash=service.password_hash(secret))  # fmt: skip


@app.command("token")
def token(
    ctx: typer.Context,
    username: str,
    days: Annotated[float | None, typer.Option(min=0.01, help="Lifetime in days (default: "
                    "setting auth.token_days).")] = None,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:  # fmt: skip
    """Issue an API token; prints it once."""
    with opened(ctx) as (store, params):
        text = service.issue_token(store, operator("users token"), username, label,
                                   days if days is not None else params.token_days)  # fmt: skip
    typer.echo(text)


@app.command("tokens")
def tokens(ctx: typer.Context, username: str) -> None:
    """An account's API tokens (ids, never secrets)."""
    with opened(ctx) as (store, _):
        service.existing(store, username)
        found = store.tokens(username)
    rows = [(t.token_id, t.label, f"{t.created_at:%Y-%m-%d %H:%M}",
             f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "never",
             "revoked" if t.revoked_at else "live") for t in found]  # fmt: skip
    print_table(f"tokens of {username}", rows, ("id", "label", "created", "expires", "state"))


@app.command("revoke")
def revoke(ctx: typer.Context, token_id: str) -> None:
    """Revoke an API token by its id (`balise users tokens NAME`)."""
    with opened(ctx) as (store, _):
        service.revoke_token(store, operator("users revoke"), token_id)
    typer.echo(f"token {token_id} revoked", err=True)


@app.command("link")
def link(
    ctx: typer.Context,
    username: str,
    base: Annotated[str, typer.Option(help="The server's address.")] = "http://127.0.0.1:8000",
) -> None:
    """A one-time sign-in link for a browser (valid auth.link_minutes)."""
    with opened(ctx) as (store, params):
        secret = service.sign_in_link(store, operator("users link"), username,
                                      params.link_minutes)  # fmt: skip
    typer.echo(f"{base.rstrip('/')}/api/v1/auth/link?token={secret}")


@app.command("totp")
def totp(
    ctx: typer.Context,
    username: str,
    off: Annotated[bool, typer.Option(help="Remove the second factor.")] = False,
) -> None:
    """Require a one-time code (TOTP, RFC 6238) at sign-in; prints the secret to enter in an
    authenticator app."""
    secret = None if off else credentials.new_totp_secret()
    _set(ctx, "users totp", username, "one-time code " + ("removed" if off else "required"),
         totp_secret=secret)  # fmt: skip
    if secret:
        typer.echo(credentials.totp_uri(secret, username))
