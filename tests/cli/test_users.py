"""`balise users` and `balise audit` end to end: the token `users add` prints reads events, the
reads are audited, `audit verify` holds, then fails once the store file is altered."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from api_clients import app_of
from balise.cli.main import run
from balise.workspace import Workspace


def balise(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if stdin is None:
            code = run(list(args))
        else:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(sys, "stdin", io.StringIO(stdin))
                code = run(list(args))
    return code, out.getvalue(), err.getvalue()


def test_users_add_prints_a_token_that_reads_events_and_the_audit_holds(tmp_path: Path) -> None:
    ws = ["--workspace", str(tmp_path)]
    code, out, _ = balise(
        *ws,
        "users",
        "add",
        "ana",
        "--role",
        "analyst",
        "--agency",
        "customs",
        "--port",
        "FRLEH",
        "--password-stdin",
        stdin="a long enough secret\n",
    )
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("bal_")
    with TestClient(app_of(tmp_path), headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get("/api/v1/events").status_code == 200
        assert api.get("/api/v1/alerts").status_code == 200
        signed = api.post(
            "/api/v1/auth/login", json={"username": "ana", "password": "a long enough secret"}
        )
        assert signed.status_code == 200
    code, out, _ = balise(*ws, "audit", "--user", "ana", "--format", "jsonl")
    assert code == 0
    entries = [json.loads(line) for line in out.splitlines()]
    assert [(e["action"], e["resource"]) for e in entries] == [
        ("sign_in", "user"),
        ("read", "alert"),
    ]
    code, out, _ = balise(*ws, "audit", "verify")
    assert code == 0
    assert "holds" in out
    # altered behind Balise's back: the chain breaks
    con = duckdb.connect(str(Workspace(tmp_path).store_path))
    con.execute("""UPDATE audit_log SET "user" = 'someone' WHERE action = 'sign_in'""")
    con.close()
    code, _, err = balise(*ws, "audit", "verify")
    assert code == 1
    assert "altered" in err


def test_users_manage_roles_tokens_and_refuse_bad_input(tmp_path: Path) -> None:
    ws = ["--workspace", str(tmp_path)]
    assert balise(*ws, "users", "add", "bob", "--role", "viewer", "--agency", "navy")[0] == 0
    code, _, err = balise(*ws, "users", "add", "bob", "--role", "viewer", "--agency", "navy")
    assert code == 2
    assert "exists" in err
    assert balise(*ws, "users", "add", "eve", "--role", "god", "--agency", "navy")[0] == 2
    assert balise(*ws, "users", "add", "eve", "--role", "viewer", "--agency", "mafia")[0] == 2
    short = balise(
        *ws,
        "users",
        "add",
        "eve",
        "--role",
        "viewer",
        "--agency",
        "navy",
        "--password-stdin",
        stdin="short\n",
    )
    assert short[0] == 2
    assert "12 characters" in short[2]
    assert balise(*ws, "users", "role", "bob", "analyst", "watch_officer")[0] == 0
    code, token, _ = balise(*ws, "users", "token", "bob", "--days", "1", "--label", "script")
    assert code == 0
    token_id = token.strip()[4:16]
    code, listed, _ = balise(*ws, "users", "list", "--format", "jsonl")
    assert json.loads(listed.splitlines()[0])["roles"] == ["analyst", "watch_officer"]
    assert balise(*ws, "users", "revoke", token_id)[0] == 0
    with TestClient(
        app_of(tmp_path),
        raise_server_exceptions=False,
        headers={"Authorization": f"Bearer {token.strip()}"},
    ) as api:
        assert api.get("/api/v1/vessels").status_code == 401
    assert balise(*ws, "users", "disable", "bob")[0] == 0
    code, uri, _ = balise(*ws, "users", "totp", "bob")
    assert code == 0
    assert uri.startswith("otpauth://totp/")
    assert balise(*ws, "users", "link", "bob")[0] == 2  # disabled
