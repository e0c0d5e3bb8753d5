"""Request dependencies: the workspace store, one cursor per request; the alert rules in force.

The app opens the workspace's store once (`app.state.store`); each request gets its own cursor
on it (`Store.cursor()`), since a connection (DuckDB's) must not be shared between threads, and
closes it when the response is sent. Routes see the `Store` interface only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from balise.alerts.rules import AlertRules
from balise.store.base import Store


def get_store(request: Request) -> Iterator[Store]:
    """A store cursor for this request."""
    store: Store = request.app.state.store
    cursor = store.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


T = TypeVar("T")


async def in_thread(request: Request, work: Callable[[Store], T]) -> T:
    """`work` on a store cursor of its own, in the thread pool: for `async` routes, which must
    not block the event loop with a query, yet answer from memory when they can."""

    def run() -> T:
        cursor = request.app.state.store.cursor()
        try:
            return work(cursor)
        finally:
            cursor.close()

    return await run_in_threadpool(run)


StoreDep = Annotated[Store, Depends(get_store)]
"""Declare a route parameter `store: StoreDep` to read the workspace."""


def get_alert_rules(request: Request) -> AlertRules:
    """The alert rules of the workspace's settings (`alerts.*`), read when the app started."""
    rules: AlertRules | None = getattr(request.app.state, "alert_rules", None)
    return rules or AlertRules()


RulesDep = Annotated[AlertRules, Depends(get_alert_rules)]
"""Declare a route parameter `rules: RulesDep` to refresh the inbox with the rules in force."""
