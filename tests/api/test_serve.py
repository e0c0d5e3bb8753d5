"""`balise serve`: a missing workspace is a usage error, not a stack trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from balise.cli import serve as serve_cli
from balise.cli.main import run


def test_missing_workspace_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--workspace", str(tmp_path / "none"), "serve"]) == 2
    err = capsys.readouterr().err
    assert "no Balise workspace" in err
    assert "Traceback" not in err
    assert not (tmp_path / "none").exists()


def _serve(world_root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    """`balise serve ARGS` with uvicorn replaced: what it would have been given."""
    import uvicorn

    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    assert run(["--workspace", str(world_root), "serve", *args]) == 0
    served["app"].state.store.close()
    return served


def test_serve_runs_uvicorn_on_the_workspace(
    world_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served = _serve(world_root, monkeypatch, "--port", "8123")
    assert served["host"] == "127.0.0.1"
    assert served["port"] == 8123
    assert served["server_header"] is False
    assert served["app"].state.workspace.root == world_root
    assert serve_cli.serve.__doc__
    err = capsys.readouterr().err
    assert "http://127.0.0.1:8123/" in err
    assert "warning" not in err


def test_serving_other_machines_warns_and_allows_the_bound_address(
    world_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served = _serve(world_root, monkeypatch, "--host", "10.0.0.5")
    err = capsys.readouterr().err
    assert "warning" in err
    assert "TLS reverse proxy" in err
    assert "serve.allowed_hosts" in err
    assert "10.0.0.5" in served["app"].state.defences.allowed_hosts
    _serve(world_root, monkeypatch, "--host", "0.0.0.0")
    assert "TLS reverse proxy" in capsys.readouterr().err
    _serve(world_root, monkeypatch, "--host", "::1")
    assert "warning" not in capsys.readouterr().err
