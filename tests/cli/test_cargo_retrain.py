"""`balise cargo train --results`: the model learns from the workspace's inspection results
weighted by their logged probabilities, says on stderr what they gave, takes its options from
the `targeting.*` settings; no results or no source is one line and exit 2."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from balise.cli.main import run
from balise.workspace import Workspace
from inspection_helpers import box_number, store_day
from kcs_rows import kcs_csv, kcs_rows


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A FRLEH day: 60 boxes planned (a third by risk, π = 1; the others drawn, π = 0.25),
    their results (half the risky importer's boxes found), 57 of them covered by a manifest."""
    root = tmp_path / "ws"
    boxes = [box_number(200 + n) for n in range(60)]
    risky = {b for n, b in enumerate(boxes) if n % 3 == 0}
    store = Workspace(root).open_store(create=True)
    try:
        store_day(
            store,
            plan=[(b, "red", 1.0 if b in risky else 0.25) for b in boxes],
            results=[(b, b in risky and n % 2 == 0) for n, b in enumerate(boxes)]
            + [(box_number(999), True)],
            bills={b: ("Risky Import" if b in risky else "Calm Foods") for b in boxes[3:]}
            | {box_number(999): "Risky Import"},
        )
    finally:
        store.close()
    return root


def model_meta(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        meta: dict[str, object] = json.loads(archive.read("meta.json"))
    return meta


def test_train_on_results_reports_examples_and_weights(
    workspace: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BALISE_TARGETING_ROUNDS", "30")
    (workspace / "balise.toml").write_text("[targeting]\nmin_data_in_leaf = 3\n")
    model = tmp_path / "m.zip"
    code = run(["--workspace", str(workspace), "cargo", "train", "--results",
                "--model", str(model), "--folds", "2", "--threads", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert "inspection results: 58 examples (10 found) of 61 results" in err
    assert "3 left out (no manifest)" in err
    assert "weights 1/p from 1 to 4 (clipped at 1000)" in err
    assert "1 on no plan of their day" in err
    meta = model_meta(model)
    options = meta["options"]
    assert isinstance(options, dict)
    assert (options["rounds"], options["min_data_in_leaf"], options["folds"]) == (30, 3, 2)
    assert meta["training_weights"] == {"min": 1.0, "max": 4.0, "sum": 4.0 * 38 + 20}


def test_results_with_base_declarations_and_validation(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, valid = tmp_path / "base.csv", tmp_path / "valid.csv"
    base.write_text(kcs_csv(kcs_rows(300, seed=31)))
    valid.write_text(kcs_csv(kcs_rows(150, seed=32, start=80_000)))
    model = tmp_path / "m.zip"
    code = run(["--workspace", str(workspace), "cargo", "train", "--results",
                "--declarations", str(base), "--valid", str(valid), "--model", str(model),
                "--folds", "3", "--threads", "1"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "300 declarations" in err
    assert "inspection results: 58 examples" in err
    assert "Validation (150 declarations" in out
    data = model_meta(model)["training_data"]
    assert isinstance(data, dict)
    assert data["declarations"]["rows"] == 300
    assert data["inspection_results"]["used"] == 58


def test_no_results_and_no_source_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    Workspace(empty).open_store(create=True).close()
    for args, message in (
        (["--results"], "no inspection results to learn from"),
        ([], "give --declarations FILE, --results, or both"),
    ):
        code = run(["--workspace", str(empty), "cargo", "train", *args,
                    "--model", str(tmp_path / "m.zip")])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2
        assert message in err
        assert len(err.strip().splitlines()) == 1, err
    code = run(["--workspace", str(tmp_path / "none"), "cargo", "train", "--results",
                "--model", str(tmp_path / "m.zip")])  # fmt: skip
    assert code == 2
    assert "no workspace" in capsys.readouterr().err


def test_a_bad_training_setting_is_one_line(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "balise.toml").write_text("[targeting]\nbagging_fraction = 1.5\n")
    code = run(["--workspace", str(workspace), "cargo", "train", "--results",
                "--model", str(tmp_path / "m.zip")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "bagging_fraction must be in (0, 1]" in err
