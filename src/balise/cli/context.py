"""What every command shares: the resolved settings and the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from balise.settings import Settings, resolve
from balise.workspace import Workspace


@dataclass(frozen=True)
class AppState:
    """The `--workspace` given at the top level (None when unset)."""

    workspace: Path | None


def settings_for(ctx: typer.Context, **flags: Any) -> tuple[Workspace, Settings]:
    """Resolve settings for a command: its flags, then env, then the workspace's balise.toml."""
    state: AppState = ctx.find_root().obj
    base = resolve({"workspace": state.workspace})
    workspace = Workspace(base["workspace"])
    return workspace, workspace.settings(flags)
