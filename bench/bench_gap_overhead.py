"""What measuring the gap costs, as a share of epoch time, on the sample runs.

Each framework's sample run (scripts/make_sample_logs.py, the ``measured-*`` scenarios) is
trained without and with valgap's measurement, at two lengths; an epoch's time is the
difference over the extra epochs (so start-up does not count), the best of ``--repeat``
runs. Prints one row per framework and subset size: the default (1,024 samples or 5 % of
the set) and the half of the set the sample logs use. Needs the frameworks' environment::

    make bench-gap      # or: .venv-frameworks/bin/python bench/bench_gap_overhead.py
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import make_sample_logs as samples

from valgap.measured import DEFAULT_SHARE

RUNS = {"keras": samples.measured_keras, "lightning": samples.measured_lightning,
        "hf": samples.measured_hf, "torch": samples.measured_torch}


def _timed(run, measure: bool, epochs: int, share: float) -> float:
    started = time.perf_counter()
    run(measure=measure, epochs=epochs, share=share, out=None)
    return time.perf_counter() - started


def epoch_time(run, measure: bool, share: float, short: int, long: int, repeat: int) -> float:
    """Seconds per epoch: the best time of ``long`` epochs minus that of ``short``."""
    best = {n: min(_timed(run, measure, n, share) for _ in range(repeat)) for n in (short, long)}
    return (best[long] - best[short]) / (long - short)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(RUNS))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--short", type=int, default=3)
    parser.add_argument("--long", type=int, default=10)
    args = parser.parse_args()
    print(f"{'framework':<10} {'subset':>12} {'epoch s':>9} {'measured s':>11} {'overhead':>9}")
    for name in args.only:
        for share, label in ((DEFAULT_SHARE, "default 5 %"), (samples.SHARE, "samples 50 %")):
            plain = epoch_time(RUNS[name], False, share, args.short, args.long, args.repeat)
            measured = epoch_time(RUNS[name], True, share, args.short, args.long, args.repeat)
            print(f"{name:<10} {label:>12} {plain:>9.4f} {measured:>11.4f} "
                  f"{(measured / plain - 1) * 100:>8.1f}%", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
