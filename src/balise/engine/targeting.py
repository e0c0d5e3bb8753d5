"""Files of the customs risk model: reading declaration tables (CSV, leniently), training and
saving a model, loading one and scoring.

A file that cannot be read, a header without a declaration id, or a model file that is missing
or is not a model are `UsageError`s (one line, exit 2); bad rows are quarantined and counted.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from balise.errors import UsageError
from balise.targeting.declarations import Declarations, parse_declarations
from balise.targeting.model import TargetingModel, train
from balise.targeting.params import TrainOptions

csv.field_size_limit(1 << 20)


@dataclass(frozen=True)
class DeclarationFile:
    """The declarations of one file, its name and the sha256 of its bytes."""

    path: Path
    sha256: str
    declarations: Declarations

    def describe(self) -> dict[str, Any]:
        return {
            "file": self.path.name,
            "sha256": self.sha256,
            "rows": self.declarations.frame.height,
            "quarantined": self.declarations.quarantined(),
        }


def read_declaration_file(path: Path, *, require_labels: bool = False) -> DeclarationFile:
    """The declarations of the CSV file at `path` (UTF-8, a BOM allowed; see
    `balise.targeting.declarations` for the columns and the quarantine reasons)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UsageError(f"{path} is not UTF-8 text (byte {err.start})") from err
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise UsageError(f"{path} is empty: a CSV with a header is expected") from None
    except csv.Error as err:
        raise UsageError(f"{path}: the header is not CSV ({err})") from err
    try:
        declarations = parse_declarations(header, _rows(reader), require_labels=require_labels)
    except UsageError as err:
        raise UsageError(f"{path}: {err}") from err
    return DeclarationFile(path, hashlib.sha256(data).hexdigest(), declarations)


def _rows(reader: Any) -> Any:
    """The reader's rows; a row the CSV parser refuses (a stray quote) becomes an empty-id row
    so that it is quarantined rather than stopping the file."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield ["<unparsable>"]


def train_model(
    train_file: DeclarationFile,
    valid_file: DeclarationFile | None = None,
    options: TrainOptions | None = None,
) -> TargetingModel:
    """A model trained on `train_file`, selected on `valid_file`; the files' names, hashes and
    quarantine counts are kept in its metadata."""
    meta: dict[str, Any] = {"training_data": train_file.describe()}
    if valid_file is not None:
        meta["validation_data"] = valid_file.describe()
    return train(
        train_file.declarations,
        valid_file.declarations if valid_file else None,
        options,
        meta,
    )


def save_model(model: TargetingModel, path: Path) -> None:
    try:
        path.write_bytes(model.to_bytes())
    except OSError as err:
        raise UsageError(f"cannot write the model to {path}: {err.strerror or err}") from err


def load_model(path: Path) -> TargetingModel:
    """The model saved at `path`; a missing, unreadable or foreign file is a `UsageError`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no model file at {path} (train one with `balise cargo train`)") from None
    except OSError as err:
        raise UsageError(f"cannot read the model {path}: {err.strerror or err}") from err
    try:
        return TargetingModel.from_bytes(data)
    except UsageError as err:
        raise UsageError(f"{path}: {err}") from err
