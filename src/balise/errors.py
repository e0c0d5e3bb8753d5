"""The exception tree. Every error Balise raises on purpose derives from `BaliseError`.

    BaliseError                 root; carries a message and structured `details`
    ├── UsageError              the command or its arguments are wrong (exit code 2)
    ├── SettingError            a setting is unknown or its value invalid (exit code 2)
    ├── InputRejected           input data refused (strict mode, unknown format; exit code 3)
    └── WorkspaceError          the workspace cannot be opened or is damaged (exit code 1)

The command line turns these into one-line messages and exit codes; no stack trace reaches a user
for a mistake of theirs or of their data.
"""

from __future__ import annotations

from typing import Any


class BaliseError(Exception):
    """Root of Balise's errors: a message plus structured details for logs and API problems."""

    exit_code = 1

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def __str__(self) -> str:
        return self.message


class UsageError(BaliseError):
    """The command or its arguments are wrong."""

    exit_code = 2


class SettingError(BaliseError):
    """A setting is unknown, or a value given for it cannot be parsed."""

    exit_code = 2


class InputRejected(BaliseError):
    """Input data was refused: unknown format, or a bad record under `--strict`."""

    exit_code = 3


class WorkspaceError(BaliseError):
    """The workspace cannot be created, opened or read."""

    exit_code = 1
