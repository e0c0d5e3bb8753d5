"""Balise: maritime intelligence against drug trafficking.

Readers turn AIS sources into frames of fixed schemas, the store keeps them in the workspace's
DuckDB file, detectors turn tracks into events and alerts, and the command line, the API and the
web application serve them (docs/architecture.md).
"""

from balise.errors import BaliseError, InputRejected, SettingError, UsageError, WorkspaceError

__all__ = ["BaliseError", "InputRejected", "SettingError", "UsageError", "WorkspaceError"]
__version__ = "0.1.0"
