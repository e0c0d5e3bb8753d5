"""Answers kept per data version: list pages asked again and again (a tab's refresh, twenty
watch officers on one inbox) made once until the data changes.

The version is the store's `generation`, which every write of data or of who may read it bumps
after its commit (`Connected.generation`): an answer made at one generation is the answer of any
request at that generation with the same key. The key must hold everything the answer depends
on besides the data: the route, its parameters after parsing, and what the asking account may
see (its visible event types, say), so that a kept answer is never given to an account with
other rights. What is per request stays per request: the audit of the read, headers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Annotated, Any, Final, TypeVar

from fastapi import Depends, Request

T = TypeVar("T")

KEPT_ANSWERS: Final = 512
"""Answers kept at most (the least recently used is dropped first)."""


class KeptAnswers:
    """Answers of the current data version by key (thread-safe: requests run in a pool)."""

    def __init__(self, size: int = KEPT_ANSWERS) -> None:
        self._lock = threading.Lock()
        self._size = size
        self._version: int | None = None
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, version: int, key: Hashable, make: Callable[[], T]) -> T:
        """The answer kept under `key` at data version `version`, else `make()`'s (kept)."""
        with self._lock:
            if version == self._version and key in self._answers:
                self._answers.move_to_end(key)
                kept: T = self._answers[key]
                return kept
        made = make()
        with self._lock:
            if version != self._version:
                if self._version is not None and version < self._version:
                    return made  # made by a request that began before the data changed
                self._version, self._answers = version, OrderedDict()
            self._answers[key] = made
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return made


def get_kept_answers(request: Request) -> KeptAnswers:
    """The app's kept answers (made on first use)."""
    kept: KeptAnswers | None = getattr(request.app.state, "kept_answers", None)
    if kept is None:
        kept = request.app.state.kept_answers = KeptAnswers()
    return kept


KeptDep = Annotated[KeptAnswers, Depends(get_kept_answers)]
"""Declare a route parameter `kept: KeptDep` to keep its answers per data version."""
