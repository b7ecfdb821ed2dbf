"""What measuring the gap costs, as a share of epoch time, on the sample runs.

Each framework's sample run (scripts/make_sample_logs.py, the ``measured-*`` scenarios) is
trained without and with valgap's measurement, at two lengths; an epoch's time is the
difference over the extra epochs (so start-up does not count), the best of ``--repeat``
interleaved runs. The epochs are short (digits, 1,437 samples): what the measurement costs
per epoch is set against little work, a worst case for its share. Prints one row per
framework and subset size: the default (1,024 samples or 5 % of the set) and the half of
the set the sample logs use. Needs the frameworks' environment::

    make bench-gap      # or: .venv-frameworks/bin/python bench/bench_gap_overhead.py
"""
from __future__ import annotations

import argparse
import contextlib
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
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        started = time.perf_counter()
        run(measure=measure, epochs=epochs, share=share, out=None)
        return time.perf_counter() - started


def epoch_times(run, share: float, short: int, long: int, repeat: int) -> tuple[float, float]:
    """Seconds per epoch without and with the measurement: the best time of ``long`` epochs
    minus the best of ``short``, the four runs interleaved ``repeat`` times (so that a
    slower spell of the machine hits both alike)."""
    best: dict[tuple[bool, int], float] = {}
    for _ in range(repeat):
        for measure in (False, True):
            for n in (short, long):
                took = _timed(run, measure, n, share)
                best[measure, n] = min(best.get((measure, n), took), took)
    return tuple((best[m, long] - best[m, short]) / (long - short) for m in (False, True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(RUNS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--short", type=int, default=2)
    parser.add_argument("--long", type=int, default=12)
    args = parser.parse_args()
    print(f"{'framework':<10} {'subset':>12} {'epoch s':>9} {'measured s':>11} {'overhead':>9}")
    for name in args.only:
        _timed(RUNS[name], True, 1, DEFAULT_SHARE)  # imports and first-call set-up: untimed
        for share, label in ((DEFAULT_SHARE, "default 5 %"), (samples.SHARE, "samples 50 %")):
            plain, measured = epoch_times(RUNS[name], share, args.short, args.long, args.repeat)
            print(f"{name:<10} {label:>12} {plain:>9.4f} {measured:>11.4f} "
                  f"{(measured / plain - 1) * 100:>8.1f}%", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
