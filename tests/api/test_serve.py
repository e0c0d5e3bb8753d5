"""`balise serve`: a missing workspace is a usage error, not a stack trace."""

from __future__ import annotations

from pathlib import Path

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


def test_serve_runs_uvicorn_on_the_workspace(
    world_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    assert run(["--workspace", str(world_root), "serve", "--port", "8123"]) == 0
    assert served["host"] == "127.0.0.1"
    assert served["port"] == 8123
    assert served["app"].state.workspace.root == world_root  # type: ignore[attr-defined]
    served["app"].state.store.close()  # type: ignore[attr-defined]
    assert serve_cli.serve.__doc__
