"""Balise: maritime intelligence against drug trafficking.

Readers turn sources into frames of fixed schemas, the store keeps them in the workspace's DuckDB
file, and the command line and (later) the API read them back.
"""

from balise.errors import BaliseError, InputRejected, SettingError, UsageError, WorkspaceError

__all__ = ["BaliseError", "InputRejected", "SettingError", "UsageError", "WorkspaceError"]
__version__ = "0.1.0"
