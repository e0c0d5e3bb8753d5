"""The store implementations every store test runs on (docs/decisions/0006): a second one joins
by adding its factory here."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from balise.store.base import Store
from balise.store.duckdb import DuckDBStore

IMPLEMENTATIONS: dict[str, Callable[[], Store]] = {"duckdb": lambda: DuckDBStore(":memory:")}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def any_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A new, empty store of each implementation in turn."""
    made = IMPLEMENTATIONS[request.param]()
    yield made
    made.close()
