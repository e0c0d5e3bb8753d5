"""Live AIS to the browser: `balise serve --listen-ais tcp:…` against a local TCP feed; the
officer's workstation is open when the feed sends the sentences completing an event, and the
alert appears in the inbox, and the new vessel on the map, without a reload.

As the other browser tests: Debian's Chromium driven by Playwright (skipped with the reason when
either is missing), signing in through the page.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from balise.cli import serve as serve_cli
from balise.cli.main import run
from balise.engine import live_detect
from balise.engine.ais_listener import parse_source
from balise.engine.detect import Geography
from balise.workspace import Workspace
from browsers import launched_browser
from live_feed import JUMPER, FeedServer, jump_feed
from local_server import served

WAIT_MS = 30_000
"""As tests/e2e/test_workstation.py: WebGL in software, CI machines have no GPU."""
PASSWORD = "tide-chart-9-lanterns"
READY = "body[data-ready=true]"


def _add_officer(root: Path) -> None:
    args = ["--workspace", str(root), "users", "add", "officer", "--agency", "customs",
            "--role", "watch_officer", "--role", "analyst", "--password-stdin"]  # fmt: skip
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()):
        patch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        assert run(args) == 0


def _sign_in(page: Any) -> None:
    form = page.locator("#signin-form")
    form.wait_for(timeout=WAIT_MS)
    form.locator("input[name=username]").fill("officer")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """This module's browser, closed at its end (Playwright's sync API runs one at a time)."""
    yield from launched_browser()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, FeedServer]]:
    """`balise serve --listen-ais tcp:127.0.0.1:PORT` on a new workspace (as the command builds
    it: `live_feeds`), the feed having sent ten minutes of one vessel steaming."""
    from balise.api.app import create_app

    root = tmp_path / "ws"
    Workspace(root).open_store(create=True).close()
    _add_officer(root)
    feed = FeedServer()
    before, _ = jump_feed()
    feed.send(before)
    with pytest.MonkeyPatch.context() as patch:  # no shore grid: see tests/engine/test_detect.py
        patch.setattr(live_detect, "default_geography",
                      lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
        patch.setenv("BALISE_LISTEN_BATCH_SECONDS", "0.1")
        # credentials are checked again at each keep-alive: an ended session is seen soon
        patch.setenv("BALISE_STREAM_KEEPALIVE_SECONDS", "1")
        workspace = Workspace(root)
        sources = (parse_source(f"tcp:{feed.address}"),)
        feeds = serve_cli.live_feeds(workspace, workspace.settings(), sources, None)
        app = create_app(root, bind_host="127.0.0.1", feeds=feeds)
        with served(app, timeout_graceful_shutdown=1) as url:
            yield url, feed
    feed.close()


@contextlib.contextmanager
def signed_in_live(browser: Any, url: str) -> Iterator[tuple[Any, list[str]]]:
    """A page of the served workstation, signed in and following the live stream, with the
    script errors it records; closed after the block."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, base_url=url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/")
        _sign_in(page)
        page.wait_for_selector(READY, timeout=WAIT_MS)
        page.wait_for_selector("#live[data-status=connected]", timeout=WAIT_MS)
        yield page, errors
    finally:
        context.close()


def test_an_alert_from_the_feed_appears_without_reload(
    browser: Any,
    live_server: tuple[str, FeedServer],
) -> None:
    url, feed = live_server
    with signed_in_live(browser, url) as (page, errors):
        assert page.text_content("#live") == "● live"
        page.wait_for_function("document.body.dataset.vessels === '1'", timeout=WAIT_MS)
        assert page.locator("#inbox li.alert").count() == 0
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        _, completing = jump_feed()
        feed.send(completing)
        row = page.locator(f"#inbox li.alert[data-mmsi='{JUMPER}']")
        row.wait_for(timeout=WAIT_MS)
        assert "open" in (row.text_content() or "")
        page.wait_for_function("document.body.dataset.vessels === '2'", timeout=WAIT_MS)
        assert not navigations, "the page was reloaded"
        assert not errors


SIGN_OUT_ELSEWHERE = """() => fetch('/api/v1/auth/logout', {
    method: 'POST', credentials: 'same-origin',
    headers: {'X-CSRF-Token': document.cookie.match(/balise_csrf=([^;]+)/)[1]},
}).then((response) => response.status)"""
"""The session ended behind the page's back (as by an expiry or another tab's sign-out)."""


def test_the_stream_starts_again_after_signing_in_again(
    browser: Any,
    live_server: tuple[str, FeedServer],
) -> None:
    url, feed = live_server
    with signed_in_live(browser, url) as (page, errors):
        assert page.evaluate(SIGN_OUT_ELSEWHERE) == 204
        # the server closes the stream, the browser is refused, the page asks to sign in
        page.locator("#signin-form").wait_for(timeout=WAIT_MS)
        assert page.get_attribute("#live", "data-status") == "lost"
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        _sign_in(page)
        page.wait_for_selector("#live[data-status=connected]", timeout=WAIT_MS)
        _, completing = jump_feed()
        feed.send(completing)
        page.locator(f"#inbox li.alert[data-mmsi='{JUMPER}']").wait_for(timeout=WAIT_MS)
        assert not navigations, "the page was reloaded"
        assert not errors
