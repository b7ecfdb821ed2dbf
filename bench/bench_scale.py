#!/usr/bin/env python3
"""Big logs against a reference on the same file (issue "big logs at disk speed").

Makes, in a scratch folder, the three inputs long trainings produce, and for each prints
valgap's wall time and peak RSS (`--format json`) beside a reference measured in the same
run:

  keras   Keras 3 terminal captures of 20 MB, 200 MB and 1 GB (--keras-mb): 200 epochs of
          bars redrawn with \\b and \\r (ANSI codes): time linear, memory flat
          reference: a Python script that imports pandas and counts `val_loss` in 1 MB chunks
  keras-short  the other shape: --keras-short-epochs epochs (20,000: ~210 MB) of a 40-step
          bar, ~10 KiB of redraws each (reference: the same count)
  tqdm    a hand-written loop under tqdm, --tqdm-mb of it (210): a bar line per few steps
          ("Epoch 3:  45%|####5 | 700/1563 [00:05<00:07, 120.3it/s, loss=0.345]") and an
          epoch line after each bar (reference: the same count)
  csv     a CSVLogger file `epoch,accuracy,loss,val_accuracy,val_loss` with --csv-rows rows
          reference: `pandas.read_csv` of the same file
  loop    a plain loop log with logging prefixes, --loop-epochs epochs
          reference: `grep -c 'val loss'`
  small   sample_logs/dropout.log, the everyday case (reference: `python -c 'import pandas'`;
          with --against REF, also valgap as it was at that git commit, in the same run)

Targets (issue "big logs at disk speed"): Keras at most 1.5x its reference and 100 MB at
200 MB and 1 GB; CSV at most 2x `read_csv` in time and 1.2x in memory; loop text at most
3 s and 150 MB. Issue "fast on every shape": either Keras shape 1.3x, tqdm loops 2x, CSV
1.3x `read_csv` in time and 0.5x in memory (flat in the file's length).
Each row is the median of paired rounds (valgap, then the reference, in turns).

    python bench/bench_scale.py [--keras-mb 20,200,1000] [--csv-rows 4000000]
                                [--loop-epochs 400000] [--against GIT_REF]
"""
from __future__ import annotations

import argparse
import compileall
import itertools
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HELPER = ("import resource, subprocess, sys, time; t = time.monotonic(); "
          "p = subprocess.run(sys.argv[1:], capture_output=True); "
          "print(p.returncode, time.monotonic() - t, "
          "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
COUNT = ("import sys, pandas; n = 0\n"
         "with open(sys.argv[1], 'rb') as f:\n"
         "    while block := f.read(1 << 20):\n"
         "        n += block.count(b'val_loss')\n"
         "print(n)")
READ_CSV = "import sys, pandas; print(len(pandas.read_csv(sys.argv[1])))"


def measure(command: list[str]) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", HELPER, *command], capture_output=True,
                         text=True).stdout.split()
    return float(out[1]), int(out[2]) / 1024, int(out[0])


def _keras_bar(epoch: int, epochs: int, steps: int, losses, rng: random.Random) -> str:
    """One epoch of a Keras 3 capture: its header and its bar, every step a redraw (``\\b``
    back over the last state, ``\\r``), the final state with the validation values."""
    previous, states, loss = 0, [], 0.0
    for k in range(1, steps + 1):
        loss = next(losses)
        state = (f"\x1b[1m{k:>5}/{steps}\x1b[0m \x1b[32m{'━' * (20 * k // steps)}"
                 f"\x1b[0m\x1b[37m{'━' * (20 - 20 * k // steps)}\x1b[0m \x1b[1m1s"
                 f"\x1b[0m 3ms/step - accuracy: 0.{rng.randint(1000, 9999)} - "
                 f"loss: {loss:.4f}")
        if k == steps:
            state += f" - val_accuracy: 0.9 - val_loss: {loss * 1.1:.4f}"
        states.append("\b" * previous + "\r" + state)
        previous = len(state)
    return f"Epoch {epoch}/{epochs}\n" + "".join(states) + "\n"


def make_keras(path: Path, megabytes: int) -> None:
    rng = random.Random(0)
    steps = max(10, (megabytes << 20) // 200 // 270)  # a redrawn state is ~270 bytes
    losses = (2.0 * 0.99999 ** i for i in itertools.count(1))
    with path.open("w") as out:
        for epoch in range(1, 201):
            out.write(_keras_bar(epoch, 200, steps, losses, rng))


def make_keras_short(path: Path, epochs: int, steps: int = 40) -> None:
    rng = random.Random(4)
    with path.open("w") as out:
        for epoch in range(1, epochs + 1):
            level = 2 / (1 + epoch / 1000)
            losses = (level + rng.random() / 100 for _ in itertools.count())
            out.write(_keras_bar(epoch, epochs, steps, losses, rng))


def make_tqdm(path: Path, megabytes: int, steps: int = 500) -> None:
    rng = random.Random(3)
    size, epoch = 0, 0
    with path.open("w") as out:
        while size < megabytes << 20:
            epoch += 1
            lines = []
            for k in range(1, steps + 1, 5):
                pct = 100 * k // steps
                bar = "█" * (pct // 10) + " " * (10 - pct // 10)
                lines.append(f"Epoch {epoch}: {pct:3d}%|{bar}| {k}/{steps} [00:{k // 60:02d}"
                             f"<00:{(steps - k) // 60:02d}, {rng.uniform(90, 130):.2f}it/s, "
                             f"loss={2 / (1 + epoch / 10) + rng.random() / 10:.4f}]\n")
            lines.append(f"Epoch {epoch}: train loss {2 / (1 + epoch / 10):.4f}, val loss "
                         f"{2.2 / (1 + epoch / 10):.4f}\n")
            text = "".join(lines)
            out.write(text)
            size += len(text)


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    loss = 2.0
    with path.open("w") as out:
        out.write("epoch,accuracy,loss,val_accuracy,val_loss\n")
        for start in range(0, rows, 10_000):
            lines = []
            for epoch in range(start, min(rows, start + 10_000)):
                loss = max(0.01, loss * 0.999999 + rng.gauss(0, 0.0005))
                lines.append(f"{epoch},{0.5 + rng.random() * 0.4!r},{loss!r},"
                             f"{0.5 + rng.random() * 0.4!r},{loss * 1.1!r}\n")
            out.write("".join(lines))


def make_loop(path: Path, epochs: int) -> None:
    with path.open("w") as out:
        for start in range(0, epochs, 10_000):
            out.write("".join(
                f"2025-04-24 21:16:20,207 - INFO - Epoch [{e}/{epochs}], "
                f"Train Loss: {2 / (1 + e / 1000):.4f}, Val Loss: {2.2 / (1 + e / 1000):.4f}\n"
                for e in range(start + 1, min(epochs, start + 10_000) + 1)))


def row(label: str, path: Path, reference: list[str], repeat: int = 3,
        command: list[str] | None = None) -> None:
    """The median of ``repeat`` runs of each, taken in turns (this 2-core machine is noisy
    and its load drifts), side by side."""
    command = command or [sys.executable, "-m", "valgap", "analyze", str(path), "--format",
                          "json"]
    pairs = [(measure(command), measure(reference)) for _ in range(repeat)]  # interleaved
    mine = sorted((p[0] for p in pairs), key=lambda m: m[0])[repeat // 2]
    ref = sorted((p[1] for p in pairs), key=lambda m: m[0])[repeat // 2]
    size = path.stat().st_size / (1 << 20)
    print(f"{label:<11} {size:>8.1f} MB   valgap {mine[0]:>6.2f} s {mine[1]:>7.0f} MB "
          f"(rc {mine[2]})   reference {ref[0]:>6.2f} s {ref[1]:>7.0f} MB   "
          f"ratio {mine[0] / ref[0]:>5.2f}x time {mine[1] / ref[1]:>5.2f}x memory", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keras-mb", default="20,200,1000",
                        help="sizes of the Keras captures, comma-separated")
    parser.add_argument("--keras-short-epochs", type=int, default=20_000)
    parser.add_argument("--tqdm-mb", type=int, default=210)
    parser.add_argument("--csv-rows", type=int, default=4_000_000)
    parser.add_argument("--loop-epochs", type=int, default=400_000)
    parser.add_argument("--against", help="a git commit to compare the small log with")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="valgap-scale-"))
    try:
        csv, loop = folder / "history.csv", folder / "loop.log"
        for megabytes in (int(m) for m in args.keras_mb.split(",")):
            keras = folder / f"capture-{megabytes}.log"
            make_keras(keras, megabytes)
            row("keras", keras, [sys.executable, "-c", COUNT, str(keras)])
            keras.unlink()
        count = [sys.executable, "-c", COUNT]
        shapes = (("keras-short", make_keras_short, args.keras_short_epochs),
                  ("tqdm", make_tqdm, args.tqdm_mb))
        for label, make, amount in shapes:
            made = folder / f"{label}.log"
            make(made, amount)
            row(label, made, [*count, str(made)])
            made.unlink()
        make_csv(csv, args.csv_rows)
        row("csv", csv, [sys.executable, "-c", READ_CSV, str(csv)])
        make_loop(loop, args.loop_epochs)
        row("loop", loop, ["grep", "-c", "Val Loss", str(loop)])
        root = Path(__file__).resolve().parent.parent
        small = root / "sample_logs" / "dropout.log"
        # bytecode compiled ahead, as a wheel's install compiles it and pandas' was: an
        # editable install where PYTHONDONTWRITEBYTECODE is set compiles on every start
        compileall.compile_dir(str(root / "valgap"), quiet=1)
        row("small", small, [sys.executable, "-c", "import pandas"], repeat=5)
        if args.against:
            then = folder / "then"
            subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", "-q",
                            str(then), args.against], check=True)
            compileall.compile_dir(str(then / "valgap"), quiet=1)
            try:  # that commit's package first on the path, in this same interpreter
                at_ref = ["env", f"PYTHONPATH={then}", sys.executable, "-m", "valgap",
                          "analyze", str(small), "--format", "json"]
                now = [sys.executable, "-m", "valgap", "analyze", str(small), "--format", "json"]
                row("small", small, at_ref, repeat=7, command=now)
                print(f"         (reference: valgap at {args.against})")
            finally:
                subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force",
                                str(then)], check=False)
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
