"""Batch benchmark: 1,000 real logs in a folder tree, analysed by the CLI vs parsed in process.

    python bench/bench_batch.py [N]        (default N = 1000)

Builds N logs by copying the real logs of sample_logs/ and tests/data/ (Keras stdout and
CSVLogger, Lightning metrics.csv and progress bars, Trainer state, loop prints) into
run_XXXX/ folders, then prints:
  - the wall time of `valgap analyze DIR --format json` (default --jobs, and --jobs 1)
  - the time to parse the same files in one process, without the CLI or the rules
The batch is meant to stay within 2x the in-process parse time.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from valgap.discover import discover  # noqa: E402
from valgap.parsers import read  # noqa: E402

SOURCES = [*sorted((ROOT / "sample_logs").glob("*.log")),
           *sorted((ROOT / "sample_logs").glob("*.csv")),
           ROOT / "tests" / "data" / "lightning" / "metrics.csv",
           ROOT / "tests" / "data" / "lightning" / "progress.log",
           ROOT / "tests" / "data" / "hf" / "trainer_state.json",
           ROOT / "tests" / "data" / "loop" / "train.log"]


def build(root: Path, n: int) -> None:
    for i in range(n):
        src = SOURCES[i % len(SOURCES)]
        folder = root / f"run_{i:04d}"
        folder.mkdir()
        shutil.copy(src, folder / src.name)


def cli_time(root: Path, *extra: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "valgap", "analyze", "--format", "json",
                           "--skip-unreadable", *extra, str(root)],
                          capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    lines = proc.stdout.count(b"\n")
    print(f"  valgap analyze {' '.join(extra) or '(default jobs)':<12} {elapsed:6.2f} s  "
          f"{lines} runs, exit {proc.returncode}")
    return elapsed


def parse_time(root: Path) -> float:
    start = time.perf_counter()
    targets = discover([str(root)]).targets
    for target in targets:
        read(target.path)
    elapsed = time.perf_counter() - start
    print(f"  parse in one process          {elapsed:6.2f} s  {len(targets)} runs")
    return elapsed


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "logs"
        root.mkdir()
        build(root, n)
        print(f"{n} logs, {os.cpu_count()} CPUs")
        parse = parse_time(root)
        batch = cli_time(root)
        cli_time(root, "--jobs", "1")
        print(f"  batch / in-process parse      {batch / parse:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
