"""Request dependencies: the workspace store, one cursor per request.

The app opens the workspace's DuckDB file once (`app.state.store`); each request gets its own
cursor on that database (`DuckDBStore.cursor()`), since a DuckDB connection must not be shared
between threads, and closes it when the response is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from balise.store.duckdb import DuckDBStore


def get_store(request: Request) -> Iterator[DuckDBStore]:
    """A store cursor for this request."""
    store: DuckDBStore = request.app.state.store
    cursor = store.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


StoreDep = Annotated[DuckDBStore, Depends(get_store)]
"""Declare a route parameter `store: StoreDep` to read the workspace."""
