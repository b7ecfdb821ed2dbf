"""The Dask executor against real clusters: a LocalCluster, and a `dask scheduler` with two
`dask worker` processes on 127.0.0.1, one of them killed mid-batch."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, SAMPLES
from tests.executors.conftest import alive, default_sigint, sample_batch

distributed = pytest.importorskip("distributed")

VALGAP = [sys.executable, "-m", "valgap"]
DASK = str(Path(sys.executable).parent / "dask")


def valgap(*args: str, env: dict | None = None, timeout: float = 180):
    return subprocess.run([*VALGAP, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def _mixed_tree(root: Path, copies: int) -> Path:
    """Sample logs of every kind, an unreadable CSV, a Lightning run folder and a Trainer
    output folder."""
    sample_batch(root, copies)
    shutil.copytree(DATA / "lightning", root / "lightning")
    shutil.copytree(DATA / "hf", root / "hf")
    return root


def _rest_of(proc: subprocess.Popen, timeout: float) -> list[str]:
    """The rest of a process's standard output, read through the file object its earlier
    lines were read from, and the process waited for, within ``timeout`` seconds."""
    rest: list[str] = []
    reader = threading.Thread(target=lambda: rest.extend(proc.stdout.readlines()),
                              daemon=True)
    reader.start()
    reader.join(timeout)
    assert not reader.is_alive(), "the batch did not end"
    proc.wait(timeout=30)
    return rest


@contextlib.contextmanager
def cluster(tmp_path: Path, workers: int = 2):
    """A scheduler and ``workers`` single-threaded workers (each with its nanny), on
    random ports; every process they started is killed on the way out, also on failure."""
    sessions: list[subprocess.Popen] = []
    logs = open(tmp_path / "cluster.log", "w")  # noqa: SIM115 - closed in finally
    scheduler_file = tmp_path / "scheduler.json"
    try:
        sessions.append(subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(scheduler_file)], stdout=logs, stderr=logs,
            start_new_session=True))
        address = _wait_for_address(scheduler_file)
        for i in range(workers):
            sessions.append(subprocess.Popen(
                [DASK, "worker", address, "--nthreads", "1", "--no-dashboard",
                 "--host", "127.0.0.1", "--name", f"w{i}"], stdout=logs, stderr=logs,
                start_new_session=True))
        with distributed.Client(address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address, sessions
    finally:
        started = _processes_in(sessions)
        for proc in reversed(sessions):  # as an operator stops a cluster: each nanny is
            with contextlib.suppress(ProcessLookupError):  # told, closes its worker, whose
                proc.send_signal(signal.SIGTERM)  # plugins stop the readers it started
        for proc in sessions:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        logs.close()
        time.sleep(0.5)
        left = [pid for pid in started if alive(pid)]
        assert not left, f"processes {left} outlived the cluster"
        # a worker closed or killed by its nanny ends with os._exit: its readers' $TMPDIRs
        # are the next batch's to sweep; sweeping now leaves nothing only if all were such
        from valgap.executors import supervised

        supervised._sweep_orphans()


def _wait_for_address(scheduler_file: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError, KeyError):
            return json.loads(scheduler_file.read_text())["address"]
        time.sleep(0.2)
    raise AssertionError("the scheduler did not start")


def _processes_in(sessions: list[subprocess.Popen]) -> list[int]:
    """Every process of the sessions started (nannies, workers, valgap's children)."""
    out = subprocess.run(["ps", "-eo", "pid=,sid="], capture_output=True, text=True).stdout
    ids = {p.pid for p in sessions}
    return [int(pid) for pid, sid in (line.split() for line in out.splitlines())
            if int(sid) in ids]


def test_dask_and_local_give_identical_json(tmp_path):
    tree = _mixed_tree(tmp_path / "runs", 8)
    local = valgap("analyze", str(tree), "--format", "json", "-j", "2")
    dask = valgap("analyze", str(tree), "--format", "json", "--executor", "dask", "-j", "2")
    assert local.stdout == dask.stdout and local.returncode == dask.returncode == 2
    assert local.stdout.count("\n") > 80 and local.stderr == dask.stderr


def test_a_worker_killed_mid_batch_loses_no_run_and_repeats_none(tmp_path):
    tree = _mixed_tree(tmp_path / "runs", 40)
    expected = valgap("analyze", str(tree), "--format", "json", "-j", "2").stdout.splitlines()
    with cluster(tmp_path) as (address, sessions), open(tmp_path / "stderr", "w+") as errors:
        proc = subprocess.Popen(
            [*VALGAP, "analyze", str(tree), "--format", "json", "--executor", "dask",
             "--scheduler", address, "--chunk-size", "4"],
            stdout=subprocess.PIPE, stderr=errors, text=True)
        lines = [proc.stdout.readline() for _ in range(40)]
        os.killpg(sessions[2].pid, signal.SIGKILL)  # the second worker and its nanny
        # the rest through the same file object: communicate() reads the pipe itself and
        # loses what readline() had buffered past line 40 (a line and a half, once in CI)
        lines += _rest_of(proc, timeout=300)
        errors.seek(0)
        err = errors.read()
        with distributed.Client(address, timeout=30) as client:
            # gone for good: the scheduler drops it once it notices (at once, or at the
            # next heartbeat on a loaded machine)
            deadline = time.monotonic() + 60
            while len(client.nthreads()) != 1 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert len(client.nthreads()) == 1
    got = [line.rstrip("\n") for line in lines]
    assert len(expected) > 300
    assert got == expected  # every run exactly once, in input order, same answers
    assert proc.returncode == 2 and "Traceback" not in err  # 2: the unreadable CSVs


def test_the_scheduler_address_can_come_from_the_environment(tmp_path):
    tree = _mixed_tree(tmp_path / "runs", 2)
    with cluster(tmp_path, workers=1) as (address, _):
        res = valgap("analyze", str(tree), "--format", "json", "--executor", "dask",
                     env={"DASK_SCHEDULER_ADDRESS": address})
        with distributed.Client(address, timeout=30) as client:
            ran = client.run_on_scheduler(lambda dask_scheduler: {
                name: sum(p.states.values()) if hasattr(p, "states") else 1
                for name, p in dask_scheduler.task_prefixes.items()})
    assert "analyse_chunk" in ran  # on this cluster, not on a LocalCluster of its own
    assert res.returncode == 2 and res.stdout.count("\n") > 20


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    start = time.monotonic()
    res = valgap("analyze", str(SAMPLES / "healthy.log"), str(SAMPLES / "dropout.log"),
                 "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.startswith("valgap: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert res.stderr.count("\n") == 1 and time.monotonic() - start < 40


def test_without_distributed_the_message_names_the_extra(tmp_path):
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    (blocker / "distributed.py").write_text("raise ImportError('not installed')\n")
    res = valgap("analyze", str(SAMPLES / "healthy.log"), str(SAMPLES / "dropout.log"),
                 "--executor", "dask", env={"PYTHONPATH": str(blocker)})
    assert res.returncode == 2 and res.stderr == (
        "valgap: --executor dask needs dask.distributed: pip install 'valgap[dask]'\n")


def test_ctrl_c_cancels_the_batch_and_stops_the_local_cluster(tmp_path):
    for i in range(3000):
        os.symlink(SAMPLES / "healthy.log", tmp_path / f"r{i:04d}.log")
    proc = subprocess.Popen([*VALGAP, "analyze", str(tmp_path), "--format", "json",
                             "--executor", "dask", "-j", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=default_sigint)
    first = proc.stdout.readline()  # the cluster is up and answering
    descendants = _processes_in([proc])
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert first and proc.returncode == 130 and b"Traceback" not in err
    time.sleep(1)
    left = [pid for pid in descendants if alive(pid)]
    assert len(descendants) >= 3 and not left, left


def test_on_the_cluster_a_slow_input_times_out_and_the_rest_is_read(tmp_path, slow_log):
    logs = tmp_path / "logs"
    logs.mkdir()
    os.symlink(slow_log, logs / "b-slow.log")
    for name in ("a.log", "c.log", "d.log"):
        os.symlink(SAMPLES / "overfit.log", logs / name)
    with cluster(tmp_path, workers=1) as (address, _):
        res = valgap("analyze", str(logs), "--format", "json", "--executor", "dask",
                     "--scheduler", address, "--timeout", "0.2", "--chunk-size", "4")
    found = {os.path.basename(json.loads(line)["source"]): json.loads(line)
             for line in res.stdout.splitlines()}
    assert found["b-slow.log"]["error"]["code"] == "timeout"
    assert [found[n]["fit"] for n in ("a.log", "c.log", "d.log")] == ["overfit"] * 3
    assert res.returncode == 2


def test_ctrl_c_cancels_the_tasks_on_a_running_cluster(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(3000):
        os.symlink(SAMPLES / "healthy.log", logs / f"r{i:04d}.log")
    with cluster(tmp_path) as (address, _):
        proc = subprocess.Popen([*VALGAP, "analyze", str(logs), "--format", "json",
                                 "--executor", "dask", "--scheduler", address,
                                 "--chunk-size", "10"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                preexec_fn=default_sigint)
        assert proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130 and b"Traceback" not in err
        with distributed.Client(address, timeout=30) as client:
            deadline = time.monotonic() + 30
            left = None
            while time.monotonic() < deadline:
                left = client.run_on_scheduler(lambda dask_scheduler: len(
                    [t for t in dask_scheduler.tasks if "analyse_chunk" in str(t)]))
                if left == 0:
                    break
                time.sleep(0.5)
            assert left == 0  # nothing of the batch is still queued or running
