#!/usr/bin/env python3
"""Time and peak memory of `valgap analyze` on the inputs that once exhausted it
(reliability findings F33-F35), made here in a scratch folder:

  F33  a small .xz of a two-epoch Keras block repeated (restarted runs without end)
  F34  a CSVLogger file of 200 MB (2.46 M epochs of 17-digit floats), text and JSON report
  F35  a file that is one line: a Keras bar redrawn with \\r and never a newline (--size MB)

    python bench/bench_reliability.py [--csv-mb 200] [--line-mb 1000] [--keep DIR]

Prints one row per case: input size, wall time, peak RSS of the valgap process, exit code,
and the last stderr line.
"""
from __future__ import annotations

import argparse
import lzma
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

VALGAP = [sys.executable, "-m", "valgap"]


def make_xz(folder: Path) -> Path:
    block = (b"Epoch 1/2\n1/1 [==============================] - 0s 5ms/step - loss: 0.5 - "
             b"val_loss: 0.6\nEpoch 2/2\n1/1 [==============================] - 0s 5ms/step "
             b"- loss: 0.4 - val_loss: 0.5\n")
    path = folder / "restarts.log.xz"
    with lzma.open(path, "wb") as out:
        for _ in range((512 << 20) // len(block)):  # 512 MB decompressed
            out.write(block)
    return path


def make_csv(folder: Path, megabytes: int) -> Path:
    path = folder / "history.csv"
    rng = random.Random(1)
    loss = 2.0
    with path.open("w") as out:
        out.write("epoch,accuracy,loss,val_accuracy,val_loss\n")
        epoch = 0
        while out.tell() < megabytes << 20:
            rows = []
            for _ in range(10_000):
                loss = max(0.01, loss * 0.99999 + rng.gauss(0, 0.001))
                rows.append(f"{epoch},{0.5 + rng.random() * 0.4!r},{loss!r},"
                            f"{0.5 + rng.random() * 0.4!r},{loss * 1.1!r}\n")
                epoch += 1
            out.write("".join(rows))
    return path


def make_line(folder: Path, megabytes: int) -> Path:
    path = folder / "one-line.log"
    bar = "".join(f"\r{i % 100 + 1}/100 [====>....] - ETA: 1s - loss: 0.5000"
                  for i in range(1000)).encode()
    with path.open("wb") as out:
        out.write(b"Epoch 1/1\n")
        for _ in range((megabytes << 20) // len(bar)):
            out.write(bar)
    return path


# run valgap from a fresh helper, whose children's peak RSS is valgap's alone
HELPER = ("import resource, subprocess, sys, time; t = time.monotonic(); "
          "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
          "sys.stderr.write(p.stderr); "
          "print(p.returncode, time.monotonic() - t, "
          "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def measure(label: str, args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-c", HELPER, *VALGAP, *args],
                          capture_output=True, text=True)
    code, took, peak = proc.stdout.split()
    took, peak_mb = float(took), int(peak) / 1024
    size = Path(args[1]).stat().st_size / (1 << 20)
    last = (proc.stderr.strip().splitlines() or [""])[-1][:90]
    print(f"{label:<34} {size:>9.1f} MB {took:>8.1f} s {peak_mb:>9.0f} MB  rc={code}"
          f"  {last}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv-mb", type=int, default=200)
    parser.add_argument("--line-mb", type=int, default=1000)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="valgap-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'case':<34} {'input':>12} {'time':>10} {'peak RSS':>12}")
    try:
        xz = make_xz(folder)
        measure("F33 restarted runs (.xz)", ["analyze", str(xz)])
        csv = make_csv(folder, args.csv_mb)
        measure("F34 CSV, text report", ["analyze", str(csv)])
        measure("F34 CSV, --format json", ["analyze", str(csv), "--format", "json"])
        line = make_line(folder, args.line_mb)
        measure("F35 one line of redraws", ["analyze", str(line), "--format", "json"])
    finally:
        if args.keep is None:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
