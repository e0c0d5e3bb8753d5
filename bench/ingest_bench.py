"""Ingestion throughput: Balise's NMEA and CSV readers against pyais and aiscat.

Builds the NMEA input from the synthetic world (`--nmea-from sim`, the default: the first
`--nmea-lines` lines of `balise sim atlantic`'s `ais.nmea`, tag blocks, multi-sentence type 5) or
from the committed real fixtures (`--nmea-from fixtures`: position reports of the GPSD and pyais
streams behind NMEA 4.0 tag blocks), and the CSV input from the DMA fixture (rows with advancing
timestamps), then times, each in its own process so peak memory is its own, in alternating order
and `--repeat` times:

- `pyais`: `for message in FileReaderStream(path): message.decode()`, the baseline;
- `aiscat`: `for message in aiscat.from_file(path)`, AIS-catcher's C++ decoder (GPL-3.0, an
  optional benchmark dependency: `pip install aiscat` or the `bench` extra; never imported by
  Balise itself), skipped when it is not installed;
- `nmea-read`: Balise's NMEA reader (parse, checksum, reassemble, decode, clean), no store;
- `nmea-ingest`: the whole `balise ingest ais` path into a fresh DuckDB workspace;
- `csv-read` / `csv-ingest`: the same for the DMA CSV (`--csv-rows 0` skips them);
- with `--before SRC` (another checkout's `src`, e.g. the main branch's), `nmea-read-before` and
  `nmea-ingest-before` run the same with that code, in the same command and the same rounds.

NMEA rates are lines of the file per second whatever the tool counts (aiscat yields one message
per multi-sentence message). Each run also records its process CPU seconds (user + system, all
threads). On a shared machine only the ratios between runs of one command mean something.
Medians and ratios go to `bench/results/ingest.json` and `bench/results/ingest.md`. This is a
benchmark, not a test: figures depend on the machine and are recorded with it.
"""

from __future__ import annotations

import argparse
import importlib.util
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


def build_sim_nmea(path: Path, lines: int) -> None:
    """The first `lines` lines of a synthetic world's NMEA (`balise sim atlantic`, seed 7, one day,
    enough vessels for `lines`)."""
    vessels = str(max(50, lines // 1900))
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "balise", "sim", "atlantic", "--out", folder,
             "--vessels", vessels, "--days", "1", "--seed", "7"],
            check=True, capture_output=True,
        )  # fmt: skip
        with (Path(folder) / "ais.nmea").open("rb") as source, path.open("wb") as out:
            for _, line in zip(range(lines), source, strict=False):
                out.write(line)


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

    import balise.cli.main

    # the whole command line, every command's modules imported (the command line imports only
    # the command it runs since it became lazy; the clock must not count imports either way)
    assert balise.cli.main.app is not None

    if kind == "aiscat":
        import aiscat  # noqa: F401
    kind = kind.removesuffix("-before")
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    records = {
        "pyais": _run_pyais,
        "aiscat": _run_aiscat,
        "nmea-read": _run_read,
        "csv-read": _run_read,
        "nmea-ingest": _run_ingest,
        "csv-ingest": _run_ingest,
    }[kind](path)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = usage.ru_utime + usage.ru_stime - cpu.ru_utime - cpu.ru_stime
    peak_mb = usage.ru_maxrss / 1024
    return {
        "seconds": seconds,
        "records": records,
        "cpu_seconds": cpu_seconds,
        "peak_rss_mb": peak_mb,
        "load_average_1min": os.getloadavg()[0],
    }


def _run_pyais(path: Path) -> int:
    """pyais' file stream (it joins multi-sentence messages and reads tag blocks); a message it
    cannot decode is skipped, as a lenient reader would."""
    from pyais.exceptions import AISBaseException
    from pyais.stream import FileReaderStream

    for message in FileReaderStream(str(path)):
        try:
            message.decode()
        except AISBaseException:
            continue
    return _lines(path)


def _run_aiscat(path: Path) -> int:
    import aiscat

    for _ in aiscat.from_file(str(path)):
        pass
    return _lines(path)


def _lines(path: Path) -> int:
    with path.open("rb") as lines:
        return sum(1 for _ in lines)


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


def _measure(kind: str, path: Path, before: str | None) -> dict[str, float]:
    env = dict(os.environ)
    if kind.endswith("-before") and before:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [before, env.get("PYTHONPATH")]))
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        check=True, capture_output=True, text=True, env=env,
    ).stdout  # fmt: skip
    result: dict[str, float] = json.loads(output.splitlines()[-1])
    return result


def _summary(runs: list[dict[str, float]]) -> dict[str, float]:
    rates = [run["records"] / run["seconds"] for run in runs]
    return {
        "records": runs[0]["records"],
        "median_seconds": statistics.median(run["seconds"] for run in runs),
        "median_records_per_s": statistics.median(rates),
        "best_records_per_s": max(rates),
        "median_cpu_seconds": statistics.median(run["cpu_seconds"] for run in runs),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "load_average_1min": statistics.median(run["load_average_1min"] for run in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nmea-lines", type=int, default=600_000)
    parser.add_argument("--nmea-from", choices=("sim", "fixtures"), default="sim")
    parser.add_argument("--csv-rows", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", metavar="SRC", help="another checkout's src to compare with")
    parser.add_argument("--skip", nargs="*", default=[], help="runs to leave out, e.g. pyais")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory() as folder:
        nmea, dma = Path(folder) / "positions.nmea", Path(folder) / "aisdk.csv"
        (build_sim_nmea if args.nmea_from == "sim" else build_nmea)(nmea, args.nmea_lines)
        plan = {"pyais": nmea, "aiscat": nmea, "nmea-read": nmea, "nmea-ingest": nmea}
        if args.before:
            plan |= {"nmea-read-before": nmea, "nmea-ingest-before": nmea}
        if args.csv_rows:
            build_dma(dma, args.csv_rows)
            plan |= {"csv-read": dma, "csv-ingest": dma}
        if importlib.util.find_spec("aiscat") is None:
            print("aiscat is not installed: its run is skipped", file=sys.stderr)
            args.skip.append("aiscat")
        plan = {kind: path for kind, path in plan.items() if kind not in args.skip}
        runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in plan}
        for _ in range(args.repeat):
            for kind, path in plan.items():
                runs[kind].append(_measure(kind, path, args.before))
                print(kind, runs[kind][-1], file=sys.stderr)
    _write(args, {kind: _summary(r) for kind, r in runs.items()})


def _write(args: argparse.Namespace, results: dict[str, dict[str, float]]) -> None:
    ratios = {"pyais": "ratio_vs_pyais", "aiscat": "ratio_vs_aiscat"}
    for baseline, name in ratios.items():
        if baseline not in results:
            continue
        for kind in results:
            if kind.startswith("nmea-"):
                rate = results[kind]["median_records_per_s"]
                results[kind][name] = rate / results[baseline]["median_records_per_s"]
    for kind in ("nmea-read", "nmea-ingest"):
        if f"{kind}-before" in results:
            before = results[f"{kind}-before"]["median_records_per_s"]
            results[kind]["ratio_vs_before"] = results[kind]["median_records_per_s"] / before
    command = (
        f"python bench/ingest_bench.py --nmea-lines {args.nmea_lines} --nmea-from {args.nmea_from}"
        f" --csv-rows {args.csv_rows} --repeat {args.repeat}"
        + (f" --before {args.before}" if args.before else "")
        + (f" --skip {' '.join(args.skip)}" if args.skip else "")
    )
    record = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "command": command,
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = [
        "# Ingestion benchmark",
        "",
        f"{record['date']} — {record['machine']} — `{record['command']}`",
        "",
        "Rates are records (NMEA: lines of the file) per second, medians of the rounds; CPU is the",
        "process's user + system seconds over all its threads; load is the machine's 1-minute load",
        "average during the runs (the machine is shared: compare the ratios, measured in one",
        "command, rather than the absolute figures).",
        "",
        "| run | records | median s | median records/s | best records/s | vs pyais | vs aiscat "
        "| vs before | CPU s | peak RSS MB | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def ratio(result: dict[str, float], name: str) -> str:
        return f"{result[name]:.2f}×" if name in result else ""

    for kind, result in results.items():
        lines.append(
            f"| {kind} | {result['records']:,.0f} | {result['median_seconds']:.2f} "
            f"| {result['median_records_per_s']:,.0f} | {result['best_records_per_s']:,.0f} "
            f"| {ratio(result, 'ratio_vs_pyais')} | {ratio(result, 'ratio_vs_aiscat')} "
            f"| {ratio(result, 'ratio_vs_before')} | {result['median_cpu_seconds']:.2f} "
            f"| {result['peak_rss_mb']:,.0f} | {result['load_average_1min']:.1f} |"
        )
    (RESULTS / "ingest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
