"""`balise cargo …`: the customs risk model of import declarations.

`cargo train` learns a model from labelled declarations (the KCS schema with its English header,
or Balise's snake-case names), choosing its number of trees on a validation file when given, and
saves it as one file. `cargo score` prints each declaration's risk: `declaration_id`, `score`
(calibrated probability of a fraud, higher is riskier), `critical` (probability of a critical
fraud), `at_stake` (score × declared value) and, in JSON lines, `reasons` in words.

Bad rows are quarantined and counted on stderr; a file that cannot be read or a model file that is
missing is one line and exit 2, never a stack trace.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from balise.cli.output import print_table, write_frames
from balise.engine.targeting import (
    DeclarationFile,
    load_model,
    read_declaration_file,
    save_model,
    train_model,
)
from balise.errors import UsageError
from balise.targeting.model import TrainOptions

app = typer.Typer(help="Cargo: the customs risk model of import declarations.",
                  no_args_is_help=True)  # fmt: skip

stderr = Console(stderr=True)


class ScoreFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


def _say_read(what: str, found: DeclarationFile) -> None:
    declarations = found.declarations
    quarantined = declarations.quarantined()
    text = f"{what} {escape(str(found.path))}: {declarations.frame.height:,} declarations"
    if quarantined:
        counts = ", ".join(f"{reason} {count}" for reason, count in sorted(quarantined.items()))
        text += f", {len(declarations.problems):,} quarantined ({counts})"
        first = declarations.problems[0]
        text += f"; first: line {first.line}, {escape(first.detail)}"
    stderr.print(text, highlight=False, soft_wrap=True)


def _figure(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


@app.command("train")
def train(
    declarations: Annotated[
        Path, typer.Option(help="Labelled declarations to learn from (CSV with a Fraud column).")
    ],
    model: Annotated[Path, typer.Option(help="Where to save the model (one file).")],
    valid: Annotated[
        Path | None,
        typer.Option(
            help="Labelled declarations to choose the number of trees on, and to "
            "report the model's figures on (a later period than --declarations)."
        ),
    ] = None,
    folds: Annotated[int, typer.Option(min=2, max=20, help="Out-of-fold folds.")] = 5,
    threads: Annotated[int, typer.Option(min=1, max=64, help="CPU threads.")] = 2,
) -> None:
    """Train the risk model on DECLARATIONS and save it to MODEL."""
    train_file = read_declaration_file(declarations, require_labels=True)
    _say_read("training", train_file)
    valid_file = read_declaration_file(valid, require_labels=True) if valid else None
    if valid_file is not None:
        _say_read("validation", valid_file)
    trained = train_model(train_file, valid_file, TrainOptions(folds=folds, threads=threads))
    save_model(trained, model)
    rounds = trained.meta["rounds"]
    stderr.print(
        f"model saved to {escape(str(model))}: {rounds['fraud']} trees for fraud, "
        f"{rounds['critical']} for critical fraud",
        highlight=False,
    )
    figures = trained.meta.get("validation")
    if figures:
        rows = [
            [share, *(_figure(row.get(k, "")) for k in
                      ("precision", "recall", "revenue_by_at_stake", "critical_recall"))]
            for share, row in figures["at"].items()
        ]  # fmt: skip
        print_table(
            f"Validation ({figures['rows']:,} declarations, fraud rate "
            f"{figures['fraud_rate']:.1%}, AUC {figures['auc']:.3f})",
            rows,
            ["top", "precision", "recall", "revenue", "critical recall"],
        )


@app.command("score")
def score(
    model: Annotated[Path, typer.Option(help="A model saved by `balise cargo train`.")],
    declarations: Annotated[Path, typer.Option(help="Declarations to score (CSV).")],
    output: Annotated[ScoreFormat, typer.Option("--format")] = ScoreFormat.csv,
    reasons: Annotated[
        int, typer.Option(min=0, max=10, help="Reasons per declaration (JSON lines).")
    ] = 3,
) -> None:
    """Score each declaration of DECLARATIONS with MODEL, in the file's order."""
    trained = load_model(model)
    found = read_declaration_file(declarations)
    _say_read("scoring", found)
    if found.declarations.frame.is_empty() and found.declarations.problems:
        raise UsageError(f"{declarations}: no declaration could be read")
    scored = trained.score(found.declarations, reasons if output is ScoreFormat.jsonl else 0)
    if output is ScoreFormat.csv:
        scored = scored.drop("reasons")
    write_frames([scored], output.value)
