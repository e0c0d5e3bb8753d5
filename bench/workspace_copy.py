"""A throwaway copy of a workspace's store for the benchmarks that write to it (or must not
hold the original open): `with copied_store(WS) as (store, root): ...`."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from balise.store.duckdb import DuckDBStore


@contextmanager
def copied_store(workspace: Path) -> Iterator[tuple[DuckDBStore, Path]]:
    """The store of a copy of `workspace`'s database, opened, and the copy's folder; both gone
    afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(workspace / "balise.duckdb", root / "balise.duckdb")
        store = DuckDBStore(root / "balise.duckdb")
        try:
            yield store, root
        finally:
            store.close()
