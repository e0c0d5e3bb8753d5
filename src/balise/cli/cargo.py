"""`balise cargo …`: the customs risk model of import declarations, and the inspection plan.

`cargo train` learns a model from labelled declarations (the KCS schema with its English header,
or Balise's snake-case names), choosing its number of trees on a validation file when given, and
saves it as one file. `cargo score` prints each declaration's risk: `declaration_id`, `score`
(calibrated probability of a fraud, higher is riskier), `critical` (probability of a critical
fraud), `at_stake` (score × declared value) and, in JSON lines, `reasons` in words.

`cargo plan --site SITE --date D` chooses which containers discharged at SITE the scanners check
on day D (lanes red / yellow / green, a random exploration share with each box's selection
probability logged, banned parties held) and stores the plan in the workspace; `cargo result`
records what an inspection found; `cargo performance` (or `cargo plan --report`) estimates the
hit rate over all candidates by inverse propensity weighting beside the naive one.

Bad rows are quarantined and counted on stderr; a file that cannot be read or a model file that is
missing is one line and exit 2, never a stack trace.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape

from balise.cli import HELP_MARKUP
from balise.cli.context import settings_for
from balise.cli.output import TableFormat, print_table, write_frames
from balise.engine.inspection import DayPlan, performance, plan_and_store, record_result
from balise.engine.inspection_setup import inspection_setup, parse_day
from balise.engine.retrain import train_on_results
from balise.engine.targeting import (
    DeclarationFile,
    load_model,
    read_declaration_file,
    save_model,
    train_model,
)
from balise.errors import UsageError
from balise.inspection.estimate import HitRates
from balise.model.containers import normalise_container
from balise.targeting.model import TargetingModel
from balise.targeting.params import TrainOptions, train_options
from balise.workspace import Workspace

app = typer.Typer(help="Cargo: the customs risk model and the inspection plan.",
                  no_args_is_help=True, rich_markup_mode=HELP_MARKUP)  # fmt: skip

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
    ctx: typer.Context,
    model: Annotated[Path, typer.Option(help="Where to save the model (one file).")],
    declarations: Annotated[
        Path | None,
        typer.Option(
            help="Labelled declarations to learn from (CSV with a Fraud column); with "
            "--results, added to the results' examples with weight 1."
        ),
    ] = None,
    results: Annotated[
        bool,
        typer.Option(
            "--results",
            help="Learn from the workspace's inspection results (`balise cargo result`), each "
            "weighted by the inverse of its logged selection probability.",
        ),
    ] = False,
    valid: Annotated[
        Path | None,
        typer.Option(
            help="Labelled declarations to choose the number of trees on, and to "
            "report the model's figures on (a later period than --declarations)."
        ),
    ] = None,
    folds: Annotated[
        int | None, typer.Option(min=2, max=20, help="Out-of-fold folds (targeting.folds).")
    ] = None,
    threads: Annotated[
        int | None, typer.Option(min=1, max=64, help="CPU threads (targeting.threads).")
    ] = None,
) -> None:
    """Train the risk model on DECLARATIONS, or on the workspace's inspection results
    (--results), and save it to MODEL; the options are the `targeting.*` settings."""
    if declarations is None and not results:
        raise UsageError("give --declarations FILE, --results, or both")
    workspace, settings = settings_for(ctx)
    options = train_options(settings.values, folds=folds, threads=threads)
    base = read_declaration_file(declarations, require_labels=True) if declarations else None
    if base is not None:
        _say_read("training", base)
    valid_file = read_declaration_file(valid, require_labels=True) if valid else None
    if valid_file is not None:
        _say_read("validation", valid_file)
    trained = (
        _train_on_results(workspace, options, base, valid_file)
        if results or base is None
        else train_model(base, valid_file, options)
    )
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


def _train_on_results(
    workspace: Workspace,
    options: TrainOptions,
    base: DeclarationFile | None,
    valid: DeclarationFile | None,
) -> TargetingModel:
    """Train on the workspace's results (and `base`), saying on stderr what they gave."""
    if not workspace.store_path.exists():
        raise UsageError(f"no workspace at {workspace.root}: no inspection results to learn from")
    store = workspace.open_store()
    try:
        trained, found = train_on_results(store, options, base, valid)
    finally:
        store.close()
    say_result_examples(found.counts(), options.max_weight)
    return trained


def say_result_examples(counts: dict[str, Any], max_weight: float) -> None:
    """What the inspection results gave as training examples, on stderr."""
    text = (
        f"inspection results: {counts['used']:,} examples ({counts['found']:,} found) of "
        f"{counts['results']:,} results"
    )
    if counts["no_manifest"]:
        text += f", {counts['no_manifest']:,} left out (no manifest)"
    if counts["used"]:
        text += (
            f"; weights 1/p from {counts['weight_min']:.3g} to {counts['weight_max']:.3g} "
            f"(clipped at {max_weight:g})"
        )
    stderr.print(text, highlight=False, soft_wrap=True)
    unweighted = [
        f"{counts[key]:,} {words}"
        for key, words in (("unplanned", "on no plan of their day"),
                           ("off_plan", "not selected by their day's plan"))
        if counts[key]
    ]  # fmt: skip
    if unweighted:
        stderr.print(
            f"no logged selection probability, weight 1: {', '.join(unweighted)}",
            highlight=False,
            soft_wrap=True,
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


class MethodChoice(StrEnum):
    auto = "auto"
    exact = "exact"
    greedy = "greedy"


class Found(StrEnum):
    yes = "yes"
    no = "no"


def print_plan_summary(done: DayPlan, limit: int = 15) -> None:
    """The plan's figures and its first red and yellow boxes, as tables."""
    plan, rows = done.plan, done.rows
    lanes = rows["lane"].value_counts()
    count = {str(lane): int(n) for lane, n in lanes.iter_rows()}
    drawn = int((rows["selected_by"] == "exploration").sum())
    held = int((rows["selected_by"] == "held").sum())
    by_risk = int((rows["selected_by"] == "risk").sum())
    used = float(plan.used_minutes.sum()) if plan.used_minutes.size else 0.0
    title = (
        f"{done.site.site} {done.day}: {rows.height:,} candidate boxes, "
        f"{count.get('red', 0)} red ({held} held, {by_risk} by risk, {drawn} drawn at random), "
        f"{count.get('yellow', 0)} yellow, {count.get('green', 0)} green; scanners "
        f"{used:,.0f} of {done.capacity_minutes:,.0f} min; {plan.method} in "
        f"{plan.seconds:.2f} s, gap {plan.gap:.2%}"
    )
    shown = rows.filter(pl.col("lane") != "green").head(limit)
    table = [
        [r["lane"], r["container_number"], r["selected_by"] or "-", f"{r['probability']:.2f}",
         f"{r['risk']:.2f}", f"{r['value']:.3f}",
         f"{r['scanner']} {r['shift_start']:%H:%M}" if r["scanner"] else "-",
         _first_reason(r["reasons"])]
        for r in shown.iter_rows(named=True)
    ]  # fmt: skip
    print_table(title, table, ["lane", "container", "by", "p(sel)", "risk", "value", "slot",
                               "first reason"])  # fmt: skip


def _first_reason(reasons: str | None) -> str:
    found = json.loads(reasons) if reasons else []
    return str(found[0]["text"])[:60] if found else "-"


def print_rates(title: str, rates: HitRates) -> None:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    print_table(
        title,
        [[f"{rates.population:,}", f"{rates.scanned:,}", f"{rates.found:,}", pct(rates.naive),
          pct(rates.horvitz_thompson), pct(rates.self_normalised)]],
        ["candidates", "scanned", "found", "naive hit rate", "IPW (Horvitz-Thompson)",
         "IPW (self-normalised)"],
    )  # fmt: skip


@app.command("plan")
def plan(
    ctx: typer.Context,
    site: Annotated[str, typer.Option(help="The site (UN/LOCODE) of the sites table: FRLEH.")],
    day: Annotated[str, typer.Option("--date", help="The day to plan, YYYY-MM-DD (UTC).")],
    output: Annotated[TableFormat, typer.Option("--format")] = TableFormat.table,
    model: Annotated[
        Path | None,
        typer.Option(
            help="A model of `balise cargo train`, scoring the boxes' manifests (default: the "
            "setting inspection.model_file, else the workspace's customs-model.zip)."
        ),
    ] = None,
    banned: Annotated[
        Path | None,
        typer.Option(
            help="Banned parties, one company name a line (default: the setting "
            "inspection.banned_file, else the workspace's banned-parties.csv)."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the random draw (default: fresh; logged).")
    ] = None,
    method: Annotated[MethodChoice, typer.Option(help="exact (MILP), greedy, or auto.")] = (
        MethodChoice.auto
    ),
    report: Annotated[
        bool, typer.Option("--report", help="Also show the hit rates of the stored results.")
    ] = False,
) -> None:
    """Plan the inspections of SITE on a day: which discharged containers the scanners check,
    lanes, exploration share; the plan is stored in the workspace (it replaces that day's)."""
    workspace, settings = settings_for(ctx)
    the_day = parse_day(day)
    setup = inspection_setup(settings.values, workspace.root, banned, model)
    chosen = setup.site(site)
    if not workspace.store_path.exists():
        raise UsageError(f"no workspace at {workspace.root}: ingest container records first")
    store = workspace.open_store()
    try:
        done = plan_and_store(store, setup, chosen, the_day, seed=seed, method=method.value)
        rates = performance(store, chosen.site) if report else None
    finally:
        store.close()
    if output is TableFormat.table:
        print_plan_summary(done, limit=30)
    else:
        write_frames([done.rows], output.value)
    if rates is not None:
        print_rates(f"hit rates at {chosen.site} over every stored plan", rates.overall)


def _who() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


@app.command("result")
def result(
    ctx: typer.Context,
    container: Annotated[str, typer.Argument(help="The container number (ISO 6346).")],
    found: Annotated[Found, typer.Option(help="Whether the inspection found something.")],
    what: Annotated[str | None, typer.Option(help="What was found (free text).")] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="Day of the inspection (default: today, UTC).")
    ] = None,
) -> None:
    """Record the result of CONTAINER's inspection (one per box and day, the last kept)."""
    workspace, _ = settings_for(ctx)
    the_day = parse_day(day) if day else datetime.now(UTC).date()
    box = normalise_container(container)
    if not box:
        raise UsageError(f"{container!r} is not a container number")
    if not workspace.store_path.exists():
        raise UsageError(f"no workspace at {workspace.root}")
    store = workspace.open_store()
    try:
        on_plan = record_result(store, box, the_day, found is Found.yes, what, _who())
    finally:
        store.close()
    note = "" if on_plan else " (not on a stored plan of that day)"
    stderr.print(f"{box} {the_day}: {'found' if found is Found.yes else 'nothing found'}{note}",
                 highlight=False)  # fmt: skip


@app.command("performance")
def performance_command(
    ctx: typer.Context,
    site: Annotated[str | None, typer.Option(help="Only this site (UN/LOCODE).")] = None,
) -> None:
    """The hit rate of inspections: naive (finds / scans) beside the inverse-propensity
    estimates over every candidate box, overall and per planned day."""
    workspace, _ = settings_for(ctx)
    if not workspace.store_path.exists():
        raise UsageError(f"no workspace at {workspace.root}")
    store = workspace.open_store()
    try:
        found = performance(store, site.strip().upper() if site else None)
    finally:
        store.close()
    print_rates("hit rates over every stored plan", found.overall)

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    print_table(
        "per day",
        [[s, str(d), f"{r.population:,}", f"{r.scanned:,}", f"{r.found:,}", pct(r.naive),
          pct(r.horvitz_thompson), pct(r.self_normalised)] for s, d, r in found.days],
        ["site", "day", "candidates", "scanned", "found", "naive", "IPW (HT)", "IPW (SN)"],
    )  # fmt: skip
