"""Write the OpenAPI document to docs/openapi.json (`python -m balise.api.openapi [PATH]`).

The document is generated from the routes and their models; tests/api/test_contract.py checks
that the committed copy is the generated one, so a change of the API shows in review.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from balise.api.app import api_app

DEFAULT_PATH = Path("docs/openapi.json")


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document (no workspace needed)."""
    return api_app().openapi()


def openapi_text() -> str:
    """The document as written: indented, keys in generation order, a final newline."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    path.write_text(openapi_text(), encoding="utf-8")
    sys.stderr.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
