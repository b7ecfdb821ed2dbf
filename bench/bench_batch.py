"""Batch benchmark: folders of small real logs, valgap against the lightest peers.

    python bench/bench_batch.py [--n 1000 10000] [--rounds 3] [--peers DIR]

Builds, in a scratch folder, batches of N small logs copied from the real runs in
sample_logs/ and tests/data/:

  csv     Keras CSVLogger files only (sample_logs/*.csv), the shape CI jobs lint most
  mixed   CSVLogger files, Keras stdout, Lightning's metrics.csv and progress bars, a Trainer
          state and a hand-written loop's prints, in turns

and for each prints the median wall time of paired rounds (every command once a round, in
turns) of `valgap analyze DIR --format json` with its default jobs and with `--jobs 1`,
beside `losslint check --format json DIR` and `runmedic diagnose --json DIR` where their
commands are in --peers (a bin folder: `python -m venv /tmp/lintenv && /tmp/lintenv/bin/pip
install losslint runmedic`, never valgap dependencies) or on PATH, and the ratios to them.
Also the time to parse the same files in one process, without the CLI or the rules.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from valgap.discover import discover  # noqa: E402
from valgap.parsers import read  # noqa: E402

CSV_SOURCES = sorted((ROOT / "sample_logs").glob("*.csv"))
MIXED_SOURCES = [*sorted((ROOT / "sample_logs").glob("*.log")), *CSV_SOURCES,
                 ROOT / "tests" / "data" / "lightning" / "metrics.csv",
                 ROOT / "tests" / "data" / "lightning" / "progress.log",
                 ROOT / "tests" / "data" / "hf" / "trainer_state.json",
                 ROOT / "tests" / "data" / "loop" / "train.log"]
KINDS = {"csv": CSV_SOURCES, "mixed": MIXED_SOURCES}


def build(root: Path, n: int, sources: list[Path]) -> None:
    """N logs, one a folder (a file's name is what tells its format, as in a real tree)."""
    for i in range(n):
        src = sources[i % len(sources)]
        folder = root / f"run_{i:05d}"
        folder.mkdir()
        shutil.copy(src, folder / src.name)


def commands(root: Path, peers: Path | None) -> dict[str, list[str]]:
    valgap = [sys.executable, "-m", "valgap", "analyze", "--format", "json",
              "--skip-unreadable"]
    out = {"valgap": [*valgap, str(root)], "valgap --jobs 1": [*valgap, "--jobs", "1",
                                                                  str(root)]}
    for name, args in (("losslint", ["check", "--format", "json"]),
                       ("runmedic", ["diagnose", "--json"])):
        found = (peers / name) if peers and (peers / name).exists() else shutil.which(name)
        if found:
            out[name] = [str(found), *args, str(root)]
    return out


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   cwd="/tmp")
    return time.perf_counter() - start


def parse_time(root: Path) -> float:
    start = time.perf_counter()
    for target in discover([str(root)]).targets:
        read(target.path)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    ap.add_argument("--peers", type=Path, help="a bin folder holding losslint / runmedic")
    args = ap.parse_args()
    print(f"{os.cpu_count()} CPUs, medians of {args.rounds} paired rounds")
    for kind in args.kinds:
        for n in args.n:
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp) / "logs"
                root.mkdir()
                build(root, n, KINDS[kind])
                cmds = commands(root, args.peers)
                times: dict[str, list[float]] = {name: [] for name in cmds}
                for _ in range(args.rounds):
                    for name, cmd in cmds.items():
                        times[name].append(timed(cmd))
                medians = {name: statistics.median(t) for name, t in times.items()}
                print(f"{kind} x {n}: parse in one process {parse_time(root):.2f} s")
                for name, value in medians.items():
                    ratios = "  ".join(f"{value / medians[p]:.2f}x {p}" for p in
                                       ("losslint", "runmedic") if p in medians and p != name)
                    print(f"  {name:<16} {value:7.2f} s  {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
