"""Benchmarks: start-up time and parse throughput on big logs. Prints numbers; asserts nothing.

    python bench/bench_parse.py            (or: make bench)

- start-up: `valgap --help` and `valgap rules` (no pandas, no plotext) against `import pandas`
- a Keras 3 log of many epochs, built by repeating the real sample_logs/dropout.log epochs
  (the redraw-heavy capture format, \\b and ANSI included), parsed in process and via the CLI
- peak Python memory while parsing it (tracemalloc): the reader streams lines
"""
from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from valgap.parsers import read  # noqa: E402


def timed(cmd: list[str], repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def big_keras_log(path: Path, epochs: int) -> int:
    text = (ROOT / "sample_logs" / "dropout.log").read_text(encoding="utf-8")
    start = text.index("Epoch 1/")
    head, body = text[:start], text[start:]
    blocks = re.split(r"(?=Epoch \d+/\d+\n)", body)
    blocks = [b for b in blocks if b.startswith("Epoch")]
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        for i in range(epochs):
            block = blocks[i % len(blocks)]
            out.write(re.sub(r"^Epoch \d+/\d+", f"Epoch {i + 1}/{epochs}", block))
    return path.stat().st_size


def main() -> int:
    exe = [sys.executable, "-m", "valgap"]
    sample = str(ROOT / "sample_logs" / "healthy.csv")
    print("start-up (median of 5)")
    for label, cmd in (("python -c 'import pandas'", [sys.executable, "-c", "import pandas"]),
                       ("valgap --help", [*exe, "--help"]),
                       ("valgap rules", [*exe, "rules"]),
                       ("valgap analyze healthy.csv", [*exe, "analyze", "--no-plot", sample])):
        print(f"  {label:<30} {timed(cmd):.3f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for epochs in (1_000, 10_000):
            path = Path(tmp) / f"big{epochs}.log"
            size = big_keras_log(path, epochs)
            tracemalloc.start()
            start = time.perf_counter()
            run = read(str(path))[-1]
            elapsed = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            cli = timed([*exe, "analyze", "--format", "json", str(path)], repeat=1)
            print(f"keras stdout, {epochs} epochs, {size / 1e6:.1f} MB: parse {elapsed:.2f} s "
                  f"({size / 1e6 / elapsed:.1f} MB/s), peak Python memory {peak / 1e6:.1f} MB, "
                  f"CLI end to end {cli:.2f} s, epochs read {run.epochs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
