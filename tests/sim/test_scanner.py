"""The simulated scanner finds what the world's truth staged in a box when it came off the ship,
and nothing in a box whose load left it at sea or in an ordinary box."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from balise.sim.scanner import read_truth, scan, staged_finds


def truth(kind: str, scenario: str, box: str) -> dict[str, Any]:
    return {"type": kind, "subject": {"kind": "container", "id": box},
            "evidence": {"scenario": scenario, "container": box}}  # fmt: skip


def test_finds_what_was_staged_in_the_box(tmp_path: Path) -> None:
    records = [
        truth("shell_game", "shell_game", "MSCU1234565"),
        truth("door_opened", "rip_off", "CSQU3054383"),
        truth("container_clone", "cloned_number", "CSQU3054383"),
        truth("box_off_vessel", "box_off_vessel", "TGHU1791367"),  # the load left at sea
        truth("door_opened", "door_at_sea", "MAEU1175422"),
        {"type": "port_visit", "subject": {"kind": "vessel", "id": "1"}, "evidence": {}},
        {"type": "insider_lookup", "subject": {"kind": "user", "id": "x"},
         "evidence": {"scenario": "insider", "containers": ["EGHU1847944"]}},
    ]  # fmt: skip
    path = tmp_path / "truth.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "\n")
    finds = staged_finds(read_truth(path))
    assert finds == {"MSCU1234565": "shell_game", "CSQU3054383": "cloned_number, rip_off"}
    boxes = ["MSCU1234565", "TGHU1791367", "EGHU1847944"]
    assert scan(boxes, finds) == [
        ("MSCU1234565", True, "shell_game"),
        ("TGHU1791367", False, None),
        ("EGHU1847944", False, None),
    ]
