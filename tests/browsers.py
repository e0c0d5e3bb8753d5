"""The browser of the browser tests: Debian's Chromium driven by Playwright (which never
downloads one), with WebGL in software."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    # WebGL in software: CI machines have no GPU
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
]


def launched_browser() -> Iterator[Any]:
    """Chromium launched for a fixture to yield (skips without Chromium or Playwright)."""
    if CHROMIUM is None:
        pytest.skip("no system Chromium (apt-get install chromium; .ci/run does it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
