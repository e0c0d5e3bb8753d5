"""Keyset (cursor) pagination: an opaque token that encodes where the last page ended.

A page is sorted by a key that is unique and stable (events: start descending, then id); the
next page asks for the rows strictly after the last row's key. Unlike an offset, this neither
repeats nor skips rows when events are added or revised between two requests, and costs the
same on page 1000 as on page 1 (Datasette's `_next` tokens work the same way).

The token is the key as compact JSON in URL-safe base64 without padding, prefixed with a
version letter so that the encoding can change without misreading old tokens. It is opaque to
clients: only this module reads it, and anything it cannot read is a 400 problem.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from typing import Final

from starlette.datastructures import URL

from balise.api.problems import ProblemError
from balise.store.base import EventKey

__all__ = ["EventKey", "bad_cursor", "decode_cursor", "encode_cursor", "next_link"]

_VERSION: Final = "e1."
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def encode_cursor(key: EventKey) -> str:
    """The opaque token of `key` (start as integer microseconds: exact, no time zone issues)."""
    text = json.dumps([_micros(key.start), key.id], separators=(",", ":"))
    return _VERSION + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def bad_cursor() -> ProblemError:
    return ProblemError(
        400, "Bad cursor", "the cursor is not one this API issued: start again from the first "
        "page (no cursor)", kind="bad-cursor",
    )  # fmt: skip


def decode_cursor(token: str) -> EventKey:
    """The key `token` encodes; a token this module did not write is a 400 problem."""
    if not token.startswith(_VERSION):
        raise bad_cursor()
    body = token[len(_VERSION) :]
    try:
        raw = base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode("ascii"))
        micros, event_id = json.loads(raw)
        if not isinstance(micros, int) or not isinstance(event_id, str):
            raise TypeError("wrong member types")
        start = _EPOCH + timedelta(microseconds=micros)
    except (binascii.Error, ValueError, TypeError, OverflowError, UnicodeError) as err:
        raise bad_cursor() from err
    return EventKey(start, event_id)


def next_link(url: URL, token: str) -> str:
    """An RFC 8288 `Link` header value to the next page: this request with the new cursor."""
    return f'<{url.include_query_params(cursor=token)}>; rel="next"'
