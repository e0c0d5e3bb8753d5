"""Storage behind small interfaces (`balise.store.base`); DuckDB in the workspace is the embedded
default (`balise.store.duckdb`)."""

from balise.store.base import IngestRecord, Store
from balise.store.duckdb import DuckDBStore

__all__ = ["DuckDBStore", "IngestRecord", "Store"]
