"""Ingestion throughput: Balise's NMEA and CSV readers against a plain pyais decoding loop.

Builds the inputs from the committed real fixtures (position reports of the GPSD and pyais
streams behind NMEA 4.0 tag blocks, DMA rows with advancing timestamps), then times, each in its
own process so peak memory is its own, in alternating order and `--repeat` times:

- `pyais`: `for line in file: pyais.decode(line)`, the baseline;
- `nmea-read`: Balise's NMEA reader (parse, checksum, reassemble, decode, clean), no store;
- `nmea-ingest`: the whole `balise ingest ais` path into a fresh DuckDB workspace;
- `csv-read` / `csv-ingest`: the same for the DMA CSV.

Medians and ratios go to `bench/results/ingest.json` and `bench/results/ingest.md`. This is a
benchmark, not a test: figures depend on the machine and are recorded with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import reduce
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
RESULTS = ROOT / "bench" / "results"
POSITION_TYPES = set("123B")
"""First payload character of types 1, 2, 3 and 18."""
T0 = 1_709_251_200


def _checksum(body: str) -> str:
    return f"{body}*{reduce(lambda acc, char: acc ^ ord(char), body, 0):02X}"


def _position_sentences() -> list[str]:
    sentences = []
    for path in (DATA / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log",
                 DATA / "pyais-nmea-sample" / "nmea_data_sample.txt"):  # fmt: skip
        for line in path.read_text().splitlines():
            fields = line.split(",")
            if len(fields) == 7 and fields[1] == "1" and fields[5][:1] in POSITION_TYPES:
                sentences.append(line.strip())
    return sentences


def build_nmea(path: Path, lines: int) -> None:
    """`lines` real position sentences, each behind a tag block with its own receive time."""
    sentences = _position_sentences()
    with path.open("w") as out:
        for index in range(lines):
            tag = _checksum(f"s:bench,c:{T0 + index // len(sentences)}")
            out.write(f"\\{tag}\\{sentences[index % len(sentences)]}\n")


def build_dma(path: Path, rows: int) -> None:
    """`rows` DMA rows: the real fixture's rows repeated, one second apart per repetition."""
    header, *body = (DATA / "dma-aisdk-header" / "aisdk_header.csv").read_text().splitlines()
    with path.open("w") as out:
        out.write(header + "\n")
        for index in range(rows):
            second = index // len(body)
            stamp = time.strftime("%d/%m/%Y %H:%M:%S", time.gmtime(1_527_811_200 + second))
            out.write(stamp + body[index % len(body)][19:] + "\n")


def _child(kind: str, path: Path) -> dict[str, float]:
    """One timed run; imports happen before the clock starts, as in a long-running service."""
    import pyais  # noqa: F401

    import balise.cli.main  # noqa: F401

    started = time.perf_counter()
    records = {
        "pyais": _run_pyais,
        "nmea-read": _run_read,
        "csv-read": _run_read,
        "nmea-ingest": _run_ingest,
        "csv-ingest": _run_ingest,
    }[kind](path)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "records": records, "peak_rss_mb": peak_mb}


def _run_pyais(path: Path) -> int:
    from pyais import decode

    count = 0
    with path.open() as lines:
        for line in lines:
            decode(line)
            count += 1
    return count


def _run_read(path: Path) -> int:
    from balise.engine.ingest import detect_format
    from balise.io.ais_csv import read_ais_csv
    from balise.io.nmea import read_nmea
    from balise.model.batch import ReadOptions

    options = ReadOptions(assume_time=datetime(2024, 3, 1, tzinfo=UTC))
    with path.open("rb") as stream:
        fmt = detect_format(stream.peek(65536)[:65536], path.name)
        if fmt == "nmea":
            batches = read_nmea(stream, path.name, options)
        else:
            batches = read_ais_csv(stream, path.name, "dma", options)
        return sum(batch.records_read for batch in batches)


def _run_ingest(path: Path) -> int:
    from balise.cli.main import run

    with tempfile.TemporaryDirectory() as workspace:
        code = run(["--workspace", workspace, "ingest", "ais", "--format", "json", str(path)])
    if code != 0:
        raise SystemExit(f"ingest failed with exit code {code}")
    return sum(1 for _ in path.open("rb")) - (0 if path.suffix == ".nmea" else 1)


def _measure(kind: str, path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    result: dict[str, float] = json.loads(output.splitlines()[-1])
    return result


def _summary(runs: list[dict[str, float]]) -> dict[str, float]:
    rates = [run["records"] / run["seconds"] for run in runs]
    return {
        "records": runs[0]["records"],
        "median_seconds": statistics.median(run["seconds"] for run in runs),
        "median_records_per_s": statistics.median(rates),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nmea-lines", type=int, default=1_000_000)
    parser.add_argument("--csv-rows", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory() as folder:
        nmea, dma = Path(folder) / "positions.nmea", Path(folder) / "aisdk.csv"
        build_nmea(nmea, args.nmea_lines)
        build_dma(dma, args.csv_rows)
        plan = {"pyais": nmea, "nmea-read": nmea, "nmea-ingest": nmea,
                "csv-read": dma, "csv-ingest": dma}  # fmt: skip
        runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in plan}
        for _ in range(args.repeat):
            for kind, path in plan.items():
                runs[kind].append(_measure(kind, path))
                print(kind, runs[kind][-1], file=sys.stderr)
    _write(args, {kind: _summary(r) for kind, r in runs.items()})


def _write(args: argparse.Namespace, results: dict[str, dict[str, float]]) -> None:
    baseline = results["pyais"]["median_records_per_s"]
    for kind in ("nmea-read", "nmea-ingest"):
        results[kind]["ratio_vs_pyais"] = results[kind]["median_records_per_s"] / baseline
    record = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "command": f"python bench/ingest_bench.py --nmea-lines {args.nmea_lines} "
        f"--csv-rows {args.csv_rows} --repeat {args.repeat}",
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = [
        "# Ingestion benchmark",
        "",
        f"{record['date']} — {record['machine']} — `{record['command']}`",
        "",
        "| run | records | median s | median records/s | ratio vs pyais | peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, result in results.items():
        ratio = result.get("ratio_vs_pyais")
        lines.append(
            f"| {kind} | {result['records']:,.0f} | {result['median_seconds']:.2f} "
            f"| {result['median_records_per_s']:,.0f} | {'' if ratio is None else f'{ratio:.1f}×'} "
            f"| {result['peak_rss_mb']:,.0f} |"
        )
    (RESULTS / "ingest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
