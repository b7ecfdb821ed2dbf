"""Reading runs from a tracker against reading the same runs as files.

Writes 200 runs of 100 epochs each (``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``)
into an MLflow SQLite store with the real mlflow client, and the same runs as 200 CSVLogger
files in a folder; then times ``valgap analyze --format json`` end to end on each (best of
``--repeat``, in turns) and prints the time per run and the ratio. Needs mlflow (the
frameworks' environment has it)::

    .venv-frameworks/bin/python bench/bench_trackers.py
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

METRICS = ("loss", "val_loss", "accuracy", "val_accuracy")


def curves(run: int, epochs: int) -> dict[str, list[float]]:
    gap = 0.3 * math.sin(run)  # some runs below, some above
    loss = [0.3 + math.exp(-e / (10 + run % 7)) for e in range(epochs)]
    return {"loss": [v + gap for v in loss], "val_loss": loss,
            "accuracy": [1 - v / 2 for v in loss], "val_accuracy": [1 - v / 2.2 for v in loss]}


def write_store(path: Path, runs: int, epochs: int) -> None:
    import mlflow
    from mlflow.entities import Metric

    mlflow.set_tracking_uri(f"sqlite:///{path}")
    experiment = mlflow.set_experiment("bench")
    client = mlflow.tracking.MlflowClient()
    for run in range(runs):
        created = client.create_run(experiment.experiment_id, run_name=f"run-{run}")
        stamp = int(time.time() * 1000)
        values = curves(run, epochs)
        batch = [Metric(key, values[key][e], stamp, e) for key in METRICS for e in range(epochs)]
        for start in range(0, len(batch), 1000):
            client.log_batch(created.info.run_id, metrics=batch[start:start + 1000])
        client.set_terminated(created.info.run_id)


def write_csvs(folder: Path, runs: int, epochs: int) -> None:
    folder.mkdir()
    for run in range(runs):
        values = curves(run, epochs)
        lines = ["epoch," + ",".join(METRICS)]
        lines += [f"{e}," + ",".join(f"{values[k][e]:.6f}" for k in METRICS)
                  for e in range(epochs)]
        (folder / f"run-{run}.csv").write_text("\n".join(lines) + "\n")


def timed(target: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "valgap", "analyze", str(target), "--format", "json"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    folder = Path(tempfile.mkdtemp(prefix="valgap-trackers-"))
    try:
        store, csvs = folder / "mlflow.db", folder / "csv"
        write_store(store, args.runs, args.epochs)
        write_csvs(csvs, args.runs, args.epochs)
        pairs = [(timed(store), timed(csvs)) for _ in range(args.repeat)]  # in turns
        sqlite, files = min(p[0] for p in pairs), min(p[1] for p in pairs)
        print(f"{args.runs} runs x {args.epochs} epochs: MLflow SQLite store {sqlite:.2f} s "
              f"({sqlite / args.runs * 1000:.1f} ms/run), CSV files {files:.2f} s "
              f"({files / args.runs * 1000:.1f} ms/run), ratio {sqlite / files:.2f}x")
    finally:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
