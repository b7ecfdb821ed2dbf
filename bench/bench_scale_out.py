"""Scale-out benchmark: many small logs, the local pool against a Dask cluster.

    python bench/bench_scale_out.py [--runs 10000 100000] [--workers 2]

Writes N small logs of mixed kinds (Keras stdout, CSVLogger, a hand-written loop's prints,
Trainer ``trainer_state.json``; 8-20 epochs each, curves of several shapes) into folders
of 1,000, then times ``valgap analyze DIR --format json`` (stdout to /dev/null):

- ``local``: the local pool, ``--jobs W``;
- ``dask``: ``--executor dask`` on a cluster already running (``dask scheduler`` and W
  single-threaded ``dask worker`` processes on 127.0.0.1, started before the clock).

For each it prints the wall time, the runs per second and the client's peak memory
(VmHWM of the valgap process itself, polled from /proc); then the Dask path's time per
run against the local pool's (target: within 1.3x) and each executor's client memory at
the largest N against the smallest (target: within 1.2x). Needs valgap[dask].
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KINDS = ("keras", "csv", "loop", "trainer")


def curves(rng: random.Random) -> tuple[list[float], list[float]]:
    epochs = rng.randint(8, 20)
    shape = rng.choice(("fit", "overfit", "below", "flat"))
    train, val = [], []
    for e in range(1, epochs + 1):
        base = 0.2 + math.exp(-e / rng.uniform(3, 8))
        noise = rng.gauss(0, 0.01)
        train.append(base * (0.6 if shape == "overfit" and e > epochs / 2 else 1) + noise)
        val.append({"fit": base * 1.05, "overfit": base + 0.02 * max(0, e - epochs / 2),
                    "below": base * 0.8, "flat": 0.9}[shape] + rng.gauss(0, 0.01))
    return train, val


def write_log(path: Path, kind: str, rng: random.Random) -> None:
    train, val = curves(rng)
    n = len(train)
    if kind == "keras":
        lines = [f"Epoch {e}/{n}\n50/50 [==============================] - 1s 9ms/step - "
                 f"loss: {t:.4f} - val_loss: {v:.4f}\n"
                 for e, (t, v) in enumerate(zip(train, val), 1)]
        path.with_suffix(".log").write_text("".join(lines))
    elif kind == "csv":
        rows = [f"{e},{t:.5f},{v:.5f}\n" for e, (t, v) in enumerate(zip(train, val))]
        path.with_suffix(".csv").write_text("epoch,loss,val_loss\n" + "".join(rows))
    elif kind == "loop":
        lines = [f"epoch {e}: train loss {t:.4f}, val loss {v:.4f}\n"
                 for e, (t, v) in enumerate(zip(train, val), 1)]
        path.with_suffix(".txt").write_text("".join(lines))
    else:
        history = []
        for e, (t, v) in enumerate(zip(train, val), 1):
            history += [{"epoch": float(e), "loss": t, "step": e * 10},
                        {"epoch": float(e), "eval_loss": v, "step": e * 10}]
        path.mkdir()
        (path / "trainer_state.json").write_text(json.dumps({"log_history": history}))


def build(root: Path, runs: int) -> None:
    if (root / ".complete").exists():
        return
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(runs)
    for i in range(runs):
        folder = root / f"part{i // 1000:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        write_log(folder / f"run{i:07d}", KINDS[i % len(KINDS)], rng)
    (root / ".complete").touch()


def timed(cmd: list[str]) -> tuple[float, int, float]:
    """Wall time, the peak resident memory (kB) and the CPU seconds of the client process
    itself (its children and the cluster not counted)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, cpu, tick = 0, 0.0, os.sysconf("SC_CLK_TCK")
    while proc.poll() is None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        time.sleep(0.05)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode not in (0, 1):
        raise SystemExit(f"valgap failed ({proc.returncode}): {err[-500:]}")
    return wall, peak, cpu


@contextlib.contextmanager
def cluster(workers: int):
    dask = str(Path(sys.executable).parent / "dask")
    folder = Path(tempfile.mkdtemp(prefix="valgap-bench-dask-"))
    procs = []
    try:
        procs.append(subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(folder / "s.json")], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True))
        while not (folder / "s.json").exists():
            time.sleep(0.2)
        time.sleep(0.3)
        address = json.loads((folder / "s.json").read_text())["address"]
        for _ in range(workers):
            procs.append(subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--host",
                 "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True))
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", default=os.path.join(tempfile.gettempdir(),
                                                       "valgap-bench-scale-out"))
    args = parser.parse_args()
    valgap = [sys.executable, "-m", "valgap", "analyze", "--format", "json"]
    table: dict[tuple[str, int], tuple[float, int, float]] = {}
    for runs in args.runs:
        root = Path(args.data) / str(runs)
        start = time.perf_counter()
        build(root, runs)
        print(f"{runs:,} logs ready in {root} ({time.perf_counter() - start:.0f} s)",
              flush=True)
        table["local", runs] = timed([*valgap, str(root), "--jobs", str(args.workers)])
        _show("local", runs, *table["local", runs])
        with cluster(args.workers) as address:
            table["dask", runs] = timed([*valgap, str(root), "--executor", "dask",
                                         "--scheduler", address])
        _show("dask", runs, *table["dask", runs])
    for runs in args.runs:
        local, dask = table["local", runs][0], table["dask", runs][0]
        print(f"{runs:>9,} runs: dask / local time per run = {dask / local:.2f}x "
              f"(target <= 1.3x); {runs / local / args.workers:.0f} runs/s per core local")
    small, large = min(args.runs), max(args.runs)
    if small != large:
        for executor in ("local", "dask"):
            ratio = table[executor, large][1] / table[executor, small][1]
            print(f"client memory {executor}: {large:,} runs / {small:,} runs = "
                  f"{ratio:.2f}x (target <= 1.2x)")


def _show(executor: str, runs: int, wall: float, peak_kb: int, cpu: float) -> None:
    print(f"{executor:<6} {runs:>9,} runs  {wall:8.1f} s  {runs / wall:7.0f} runs/s  "
          f"client peak {peak_kb / 1024:6.1f} MB  client CPU {1e6 * cpu / runs:5.0f} us/run",
          flush=True)


if __name__ == "__main__":
    main()
