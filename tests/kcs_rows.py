"""Small declaration tables in the KCS schema, generated: some importers and HS codes are
risky, the rest are not."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

KCS_HEADER = [
    "Declaration ID", "Date", "Office ID", "Process Type", "Import Type", "Import Use",
    "Payment Type", "Mode of Transport", "Declarant ID", "Importer ID", "Seller ID", "Courier ID",
    "HS6 Code", "Country of Departure", "Country of Origin", "Tax Rate", "Tax Type",
    "Country of Origin Indicator", "Net Mass", "Item Price", "Fraud", "Critical Fraud",
]  # fmt: skip


def kcs_rows(
    count: int, seed: int, *, noise_labels: bool = False, start: int = 0
) -> list[list[str]]:
    """`count` rows: fraud is likely for importers IMP0..IMP4 and for HS 930100 (unless
    `noise_labels`, where each row is a fraud with probability 0.3 whoever imports it)."""
    rng = np.random.default_rng(seed)
    rows: list[list[str]] = []
    day = date(2020, 1, 1)
    for i in range(count):
        importer = f"IMP{int(rng.integers(0, 60))}"
        hs6 = str(rng.choice(["440890", "690722", "930100", "080390", "010121"]))
        mass = float(rng.integers(1, 5000))
        price = float(round(mass * float(rng.uniform(50, 500)), 1))
        if noise_labels:
            fraud = int(rng.random() < 0.3)
        else:
            risk = 0.05 + 0.8 * (int(importer[3:]) < 5) + 0.5 * (hs6 == "930100")
            fraud = int(rng.random() < min(risk, 0.95))
        critical = (2 if rng.random() < 0.2 else 1) if fraud else 0
        rows.append(
            [
                str(10_000_000 + start + i),
                (day + timedelta(days=int(rng.integers(0, 300)))).isoformat(),
                str(rng.choice(["30", "40", "20"])),
                "B", "11", "21", "11", str(rng.choice(["10", "40"])),
                f"DEC{int(rng.integers(0, 15))}", importer,
                f"SEL{int(rng.integers(0, 80))}" if rng.random() < 0.9 else "", "",
                hs6, str(rng.choice(["CN", "BE", "US"])), str(rng.choice(["CN", "BE", "US"])),
                str(rng.choice([0.0, 8.0, 3.0])), "A", "Y", f"{mass}", f"{price}",
                str(fraud), str(critical),
            ]
        )  # fmt: skip
    return rows


def kcs_csv(rows: list[list[str]]) -> str:
    lines = [",".join(KCS_HEADER)] + [",".join(r) for r in rows]
    return "\n".join(lines) + "\n"
