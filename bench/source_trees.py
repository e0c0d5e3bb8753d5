"""Modules of another Balise source tree, imported beside this one's in one process, so that a
benchmark can time two trees' functions alternately (before and after a change)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def _balise(key: str) -> bool:
    return key == "balise" or key.startswith("balise.")


def tree_modules(src: str, *names: str) -> tuple[list[ModuleType], list[ModuleType]]:
    """The modules `names` (e.g. `balise.entities.names`) of the tree at `src` (another tree's
    `src/`, or this one's), imported apart from this tree's: its modules are taken out of
    `sys.modules` again, keeping their own globals. Also every `balise.entities` module that
    import loaded, whose caches a benchmark clears between rounds."""
    saved = {k: v for k, v in sys.modules.items() if _balise(k)}
    for key in saved:
        del sys.modules[key]
    sys.path.insert(0, src)
    try:
        modules = [importlib.import_module(name) for name in names]
        loaded = [m for k, m in sys.modules.items() if k.startswith("balise.entities")]
    finally:
        sys.path.remove(src)
        for key in [k for k in sys.modules if _balise(k)]:
            del sys.modules[key]
        sys.modules.update(saved)
    return modules, loaded
