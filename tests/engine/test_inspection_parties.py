"""The inspection plan ranks a box on what the ownership graph and screening say of the parties
of its manifest, even when the box has no cargo event of its own: a consignee the registry
shows to be a shell company, a consignee on a watch list. The other boxes keep risk 0."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from balise.cli.main import run
from balise.engine.inspection import DayPlan, plan_day
from balise.engine.inspection_setup import inspection_setup
from balise.engine.ownership import run_ownership
from balise.entities.params import ScreenParams
from balise.entities.shell_params import ShellParams
from balise.model.record_batch import RecordBatch, RecordKind
from balise.store.base import IngestRecord
from balise.workspace import Workspace
from cargo_helpers import PLAN_BOXES, at, manifests, plan_workspace
from registry_helpers import REGISTRY_DATA

DAY = at(1).date()
FLAGGED = PLAN_BOXES[2]
"""The box whose consignee is flagged; `plan_workspace` discharges it at Le Havre on day 0."""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return plan_workspace(tmp_path / "ws")


def _consignee(root: Path, name: str) -> None:
    """A later bill of lading for `FLAGGED` naming `name` as its consignee and notify party
    (the plan reads the latest bill naming a box)."""
    store = Workspace(root).open_store()
    try:
        store.start_ingest(IngestRecord("b", "b", "test", "running", 0, 100))
        bill = manifests({"bill_of_lading": "BL-FLAGGED", "issued_at": at(-2),
                          "shipper": "Exportadora del Sur SA", "consignee": name,
                          "notify_party": name, "hs_code": "080300",
                          "container_numbers": [FLAGGED]})  # fmt: skip
        store.store_records("b", 0, RecordBatch(RecordKind.MANIFESTS, bill))
    finally:
        store.close()


def _plan(root: Path) -> DayPlan:
    workspace = Workspace(root)
    setup = inspection_setup(workspace.settings({}).values, root)
    store = workspace.open_store()
    try:
        return plan_day(store, setup.site("FRLEH"), DAY, setup.params, seed=0)
    finally:
        store.close()


def _rows(done: DayPlan) -> dict[str, dict[str, Any]]:
    return {r["container_number"]: r for r in done.rows.iter_rows(named=True)}


def test_a_shell_consignee_makes_its_box_a_target_by_risk(root: Path) -> None:
    """`Green Leaf Trading` shares an address and a director with two other companies of the
    registry (thresholds lowered to 3): the ownership stage finds it a shell, and its box is
    scanned for its risk, half the shell score, with the reason; the others stay at 0."""
    (root / "balise.toml").write_text("[shell]\nmass_address_min = 3\nnominee_director_min = 3\n")
    files = [str(REGISTRY_DATA / n) for n in ("entities.csv", "links.csv")]
    assert run(["--workspace", str(root), "ingest", "registry", *files]) == 0
    _consignee(root, "GREEN LEAF  trading")
    store = Workspace(root).open_store()
    try:
        shell = ShellParams(mass_address_min=3, nominee_director_min=3)
        assert run_ownership(store, shell, ScreenParams(), today=date(2026, 3, 1)) is not None
        events = store.events().filter(type="shell_company")
        (score,) = [e["score"] for e in events.iter_rows(named=True)
                    if e["subject"]["id"] == "gl"]  # fmt: skip
    finally:
        store.close()
    rows = _rows(_plan(root))
    flagged = rows.pop(FLAGGED)
    assert flagged["risk"] == pytest.approx(0.5 * score)
    assert (flagged["lane"], flagged["selected_by"], flagged["probability"]) == ("red", "risk", 1.0)
    (reason,) = json.loads(flagged["reasons"])
    assert reason["source"] == "party"
    assert reason["text"].startswith(
        "consignee and notify party GREEN LEAF  trading: shell company"
    )
    assert all(r["risk"] == 0.0 and r["selected_by"] != "risk" for r in rows.values())


def test_a_consignee_on_a_watch_list_passes_on_its_match(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Screening matches the consignee to a user list (not banned companies: nothing is held);
    the plan ranks its box first by the match, and `balise cargo plan` counts it apart from
    the boxes drawn at random."""
    _consignee(root, "Tropical Fruits Import B.V.")
    ws = ["--workspace", str(root)]
    assert run([*ws, "list", "create", "watch", "--kind", "user"]) == 0
    assert run([*ws, "list", "add", "watch", "--name", "Tropical Fruits Import"]) == 0
    done = _plan(root)
    flagged = _rows(done)[FLAGGED]
    assert 0 < flagged["risk"] <= 0.5
    assert flagged["selected_by"] == "risk"
    assert done.rows.row(0, named=True)["container_number"] == FLAGGED
    assert "on the list watch: Tropical Fruits Import" in flagged["reasons"]
    capsys.readouterr()
    assert run([*ws, "cargo", "plan", "--site", "FRLEH", "--date", str(DAY), "--seed", "0"]) == 0
    title = "4 candidate boxes, 4 red (0 held, 1 by risk, 3 drawn at random)"
    assert title in capsys.readouterr().out
