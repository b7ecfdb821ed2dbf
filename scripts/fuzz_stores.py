#!/usr/bin/env python3
"""Mutation fuzzer for the tracker readers: MLflow file stores, MLflow SQLite stores and
W&B offline runs. Its seeds are written at start by the real libraries (mlflow, wandb: run
it from the frameworks venv), then every execution copies one seed into a fresh folder,
mutates it and analyses the folder as ``valgap analyze`` would:

    .venv-frameworks/bin/python scripts/fuzz_stores.py --seconds 3600 --out /tmp/valgap-fuzz-stores

Mutations: the byte mutations of ``scripts/fuzz.py`` applied to one file of the store (a
metrics file, a ``meta.yaml``, a parameter, the ``.wandb`` log, the SQLite file itself), and,
for SQLite, hostile values written into its tables with SQL (text, huge and non-finite
numbers, negative and enormous steps, NULLs, long strings, duplicated rows).

A finding is what ``scripts/fuzz.py`` counts (an exception other than InputError, a rule
status "error", a warning, a raw control character in an output, an execution slower than
--slow seconds) and, for stores, anything written beside the input or left in the private
``$TMPDIR`` of the execution. The last line printed is the summary: executions, executions
per second, findings.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz

HOSTILE_VALUES = ["nan", "inf", "-inf", "1e308", "-1e308", "9" * 400, "x", "", None, -1,
                  2 ** 63 - 1, -(2 ** 63), 1e-320, "0x10", "1,5", "\x1b[31m", "e" * 5000]

SEED_WRITER = r"""
import math, os, sys
kind, root = sys.argv[1], sys.argv[2]
train = [1.2 * math.exp(-e / 6) + 0.1 for e in range(12)]
val = [1.0 * math.exp(-e / 6) + 0.15 + 0.004 * e for e in range(12)]
if kind in ("mlflow-file", "mlflow-sqlite"):
    import mlflow
    uri = f"sqlite:///{root}/mlflow.db" if kind == "mlflow-sqlite" else f"file://{root}/mlruns"
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("fuzz seed")
    with mlflow.start_run(run_name="seed"):
        mlflow.log_params({"dropout": 0.3, "batch_size": 32})
        for e, (t, v) in enumerate(zip(train, val)):
            mlflow.log_metrics({"loss": t, "val_loss": v}, step=e)
else:
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    import wandb
    run = wandb.init(project="fuzz", dir=root, name="seed", config={"dropout": 0.3})
    for e, (t, v) in enumerate(zip(train, val)):
        run.log({"epoch": e, "loss": t, "val_loss": v})
    run.finish()
"""


def make_seeds(folder: Path) -> dict[str, Path]:
    """Real stores, one per kind, written by the libraries themselves."""
    seeds = {}
    for kind, inside in (("mlflow-file", "mlruns"), ("mlflow-sqlite", "mlflow.db"),
                         ("wandb", "wandb")):
        root = folder / kind
        root.mkdir(parents=True)
        subprocess.run([sys.executable, "-c", SEED_WRITER, kind, str(root)], check=True,
                       capture_output=True, env={**os.environ, "MLFLOW_ENABLE_TELEMETRY": "false",
                                            "MLFLOW_ALLOW_FILE_STORE": "true"})
        seeds[kind] = root / inside
    return seeds


def files_of(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file())


def mutate_sqlite(db: Path, rng: random.Random) -> None:
    """Hostile values written into the store's tables with SQL."""
    con = sqlite3.connect(db)
    try:
        for _ in range(rng.randint(1, 4)):
            table, column = rng.choice([("metrics", "value"), ("metrics", "step"),
                                        ("metrics", "key"), ("metrics", "timestamp"),
                                        ("latest_metrics", "value"), ("params", "value"),
                                        ("runs", "name"), ("runs", "lifecycle_stage"),
                                        ("experiments", "name"), ("runs", "status")])
            value = rng.choice(HOSTILE_VALUES)
            try:
                if rng.random() < 0.2:  # duplicated rows
                    con.execute(f"INSERT INTO {table} SELECT * FROM {table}")
                else:
                    con.execute(f"UPDATE {table} SET {column} = ? WHERE rowid IN "
                                f"(SELECT rowid FROM {table} ORDER BY random() LIMIT ?)",
                                (value, rng.randint(1, 5)))
            except sqlite3.Error:
                pass
        con.commit()
    finally:
        con.close()


def mutate_store(store: Path, rng: random.Random, pool: list[bytes]) -> None:
    if store.suffix == ".db" and rng.random() < 0.7:
        mutate_sqlite(store, rng)
        return
    target = rng.choice(files_of(store))
    data = target.read_bytes()
    target.write_bytes(fuzz.mutate(data, rng, pool)[:4 * 1024 * 1024])


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def worker(index: int, seconds: float, slow: float, seeds: dict[str, Path], out: Path,
           queue) -> None:
    signal.signal(signal.SIGALRM, fuzz._alarm)
    # importing wandb makes two temporary folders that it removes at exit: made here,
    # outside any execution's check
    with contextlib.suppress(ImportError):
        from wandb.proto import wandb_internal_pb2  # noqa: F401
    warnings.simplefilter("error")
    rng = random.Random(index * 104729 + int(time.time()))
    pool = [p.read_bytes()[:65536] for s in seeds.values() for p in files_of(s)]
    end = time.monotonic() + seconds
    count, seen = 0, set()
    while time.monotonic() < end:
        kind = rng.choice(list(seeds))
        with tempfile.TemporaryDirectory(prefix="fuzz-store-") as tmp:
            work = Path(tmp) / "in"
            private = Path(tmp) / "tmp"
            private.mkdir()
            seed = seeds[kind]
            copy = work / seed.relative_to(seed.parents[0])
            work.mkdir()
            if seed.is_dir():
                shutil.copytree(seed, copy)
            else:
                shutil.copyfile(seed, copy)
            mutate_store(copy, rng, pool)
            before = listing(work)
            os.environ["TMPDIR"] = str(private)
            tempfile.tempdir = None
            finding = execute(str(copy), slow)
            tempfile.tempdir = None
            if finding is None and listing(work) != before:
                finding = f"wrote beside the input: {sorted(listing(work) - before)[:3]}"
            if finding is None and any(private.iterdir()):
                finding = f"left in $TMPDIR: {[p.name for p in private.iterdir()][:3]}"
            count += 1
            key = kind + (finding or "").split(":")[0] + (finding or "").split(" at ")[-1][:40]
            if finding and key not in seen:
                seen.add(key)
                name = f"w{index}-{len(seen):03d}-{kind}"
                shutil.copytree(work, out / "findings" / name)
                queue.put(("finding", f"{name}: {finding}"))
    queue.put(("count", count))


def execute(path: str, slow: float) -> str | None:
    """``fuzz.execute`` for a path, read whole and then run by run as a batch finds its runs
    (``discover``: a store's runs are inputs of their own): None when valgap behaved, else
    the finding."""
    from valgap.discover import discover
    from valgap.parsers import Options

    finding = fuzz.execute_path(path, Options(), slow)
    if finding is not None:
        return finding
    try:
        targets = discover([path]).targets
    except Exception as exc:  # the finding itself: discovery must say, never raise
        return f"discover: {type(exc).__name__}: {str(exc)[:120]}"
    for target in targets:
        if target.path != path:
            finding = fuzz.execute_path(target.path, Options(), slow)
            if finding is not None:
                return f"run {Path(target.path).name}: {finding}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--slow", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/valgap-fuzz-stores"))
    args = parser.parse_args()
    (args.out / "findings").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fuzz-seeds-") as tmp:
        seeds = make_seeds(Path(tmp))
        return fuzz.run_workers("fuzz-stores", worker,
                                lambda i: (i, args.seconds, args.slow, seeds, args.out),
                                args.workers)

if __name__ == "__main__":
    sys.exit(main())
