"""Parameter dataclasses as settings: every number of a frozen dataclass of thresholds becomes a
setting `<prefix>.<field>`, with the dataclass default, its documentation (the docstring under the
field, which names its source) and a unit read from its name.

Detector thresholds (`detect.<detector>.<field>`, `balise.maritime.params`) and alert rules
(`alerts.<field>`, `balise.alerts.rules`) are declared this way, so each number is written once,
beside the code that uses it, and the settings registry, `docs/settings.md` and the resolution
from flags, environment and `balise.toml` follow.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from functools import cache
from typing import Any, Final, TypeVar

UNITS: Final = (
    ("_hours", "hours"), ("_minutes", "minutes"), ("_knots", "knots"), ("_km", "km"),
    ("_nm", "nm"), ("_deg_per_hour", "degrees per hour"), ("_deg", "degrees"),
    ("_share", "fraction"), ("_per_day", "per day"), ("_positions", "positions"),
    ("_days", "days"), ("_per_hour", "per hour"), ("_hour", "hour of day (local)"),
    ("_records", "records"), ("_lookups", "look-ups"), ("_reads", "reads"),
    ("_containers", "containers"), ("_m", "metres"),
)  # fmt: skip

P = TypeVar("P")


def unit_of(name: str) -> str:
    """The unit a field's name ends with (`dwell_hours` → hours), else "number"."""
    return next((unit for suffix, unit in UNITS if name.endswith(suffix)), "number")


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of dataclass `cls`, from its source, on one line."""
    docs = _module_docs(cls.__module__).get(cls.__qualname__)
    if docs is None:  # a class made at run time, in a function: its own source
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        node = tree.body[0]
        docs = _class_docs(node.body) if isinstance(node, ast.ClassDef) else {}
    return docs


@cache
def _module_docs(module: str) -> dict[str, dict[str, str]]:
    """The field docstrings of every class of `module` (parsed once, however many of its
    classes are asked for: the parse is most of the cost), by qualified name."""
    try:
        tree = ast.parse(inspect.getsource(sys.modules[module]))
    except (KeyError, OSError, TypeError):
        return {}
    found: dict[str, dict[str, str]] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                found[prefix + node.name] = _class_docs(node.body)
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return found


def _class_docs(body: list[ast.stmt]) -> dict[str, str]:
    docs: dict[str, str] = {}
    for node, following in zip(body, [*body[1:], None], strict=True):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def numeric_fields(cls: type) -> list[tuple[str, type, Any]]:
    """The fields of dataclass `cls` holding a number: (name, int or float, default)."""
    found = []
    for item in fields(cls):
        kind = {"float": float, "int": int, "float | None": float}.get(str(item.type))
        if kind is not None and item.default is not None:
            found.append((item.name, kind, item.default))
    return found


def non_negative(kind: type) -> Callable[[str], Any]:
    """A parser of `kind` (int or float) refusing negative values."""

    def parse(text: str) -> Any:
        value = kind(text)
        if value < 0:
            raise ValueError("must not be negative")
        return value

    return parse


def settings_of(prefix: str, cls: type, source: str) -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per numeric
    field of dataclass `cls`, named `<prefix>.<field>`; `source` says where they are defined."""
    docs = field_docs(cls)
    return [
        {
            "name": f"{prefix}.{name}",
            "parse": non_negative(kind),
            "default": default,
            "unit": unit_of(name),
            "help": docs.get(name, f"{cls.__name__}.{name}"),
            "source": source,
        }
        for name, kind, default in numeric_fields(cls)
    ]


def params_from(values: Mapping[str, Any], prefix: str, cls: type[P]) -> P:
    """An instance of dataclass `cls` with the `<prefix>.<field>` entries of resolved settings
    `values` over its defaults."""
    changed = {
        name: values[key]
        for name, _, _ in numeric_fields(cls)
        if (key := f"{prefix}.{name}") in values
    }
    return replace(cls(), **changed)  # type: ignore[type-var]
