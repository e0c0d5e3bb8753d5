"""Storage behind one interface (`Store`): positions, identities, quarantine, events and their
history; DuckDB in the workspace is the embedded default."""

from balise.store.base import IngestRecord, Store
from balise.store.duckdb import DuckDBStore

__all__ = ["DuckDBStore", "IngestRecord", "Store"]
