"""Regenerate the generated documentation pages (`make docs`)."""

from __future__ import annotations

from pathlib import Path

from balise.settings import settings_markdown


def main() -> None:
    Path("docs/settings.md").write_text(settings_markdown(), encoding="utf-8")


if __name__ == "__main__":
    main()
