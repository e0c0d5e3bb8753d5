"""The watch officer's web application, built from `web/` into `static/` and served at `/` by
`balise serve`.

The built assets ship inside the package so that `pip install balise` users need no Node: the
sources are in `web/` at the repository root, `make web` rebuilds them, and CI checks that the
committed build matches the sources (docs/decisions/0005-web-assets.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

STATIC_DIR: Final = Path(__file__).parent / "static"
"""The built application: `index.html` and its hashed `assets/`."""
