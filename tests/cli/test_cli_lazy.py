"""The command line imports only the modules of the command it runs: `balise ingest containers`
does not pay for the simulator, the demo or the web server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from balise.cli import main

ALL = [*main._GROUPS, *main._COMMANDS]


@pytest.mark.parametrize(
    ("argv", "needed"),
    [
        (["--workspace", "ws", "ingest", "containers", "f.jsonl"], ["ingest"]),
        (["--workspace=ws", "events"], ["events"]),
        (["list", "show"], ["list"]),
        (["--version"], []),
        (["--workspace", "ws", "--version"], []),
        (["--help"], ALL),
        ([], ALL),
        (["bogus"], ALL),
        (["--workspace"], ALL),
    ],
)
def test_the_commands_needed_for_a_command_line(argv: list[str], needed: list[str]) -> None:
    assert main._commands_for(argv) == needed


def _names(app: typer.Typer) -> list[str]:
    commands = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    return [str(name) for name in commands]


def test_every_command_of_the_whole_command_line_is_found_alone() -> None:
    assert sorted(_names(main._app(ALL))) == sorted(ALL)
    for name in ALL:
        assert _names(main._app([name])) == [name]


def test_ingest_containers_imports_neither_the_simulator_nor_the_server(
    tmp_path: Path,
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("")
    code = (
        "import json, sys\n"
        "from balise.cli.main import run\n"
        f"code = run(['--workspace', {str(tmp_path / 'ws')!r}, 'ingest', 'containers', "
        f"{str(events)!r}])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    exit_code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert exit_code == 0, done.stderr
    assert "balise.cli.ingest_records" in modules
    for unneeded in ("balise.cli.demo", "balise.sim", "balise.cli.serve", "balise.cli.screen"):
        assert unneeded not in modules
    # nor the detectors, whose thresholds the settings need only when one is named
    for unneeded in ("balise.maritime.params", "balise.cargo.params", "balise.alerts.rules"):
        assert unneeded not in modules


def test_version_imports_neither_the_settings_nor_a_command() -> None:
    code = (
        "import json, sys\n"
        "from balise.cli.main import run\n"
        "code = run(['--version'])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    lines = done.stdout.strip().splitlines()
    exit_code, modules = json.loads(lines[-1])
    assert exit_code == 0
    assert lines[0].startswith("balise ")
    for unneeded in ("balise.settings", "balise.cli.context", "balise.cli.ingest", "polars"):
        assert unneeded not in modules


@pytest.mark.parametrize(
    ("argv", "paragraph"),
    [
        (["detect"], "later runs only the vessels with new or late data since the last run"),
        (["ingest", "ais"], 'docs/deployment.md, "On a cluster"), for archives too big for one'),
    ],
)
def test_help_joins_the_lines_of_a_paragraph(argv: list[str], paragraph: str) -> None:
    # a docstring's paragraph is written over several lines; the help rewraps it whole to the
    # terminal, where it used to keep each line break and wrap the long lines again
    env = {**os.environ, "COLUMNS": "240", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "balise", *argv, "--help"], env=env,
                          capture_output=True, text=True, check=True, timeout=300)  # fmt: skip
    assert paragraph in " ".join(done.stdout.split())
    assert any(paragraph in line for line in done.stdout.splitlines())
