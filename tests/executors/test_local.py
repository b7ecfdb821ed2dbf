"""The local executor: supervised children, in input order, hangs and crashes contained."""
from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.conftest import SAMPLES
from tests.executors.conftest import alive, default_sigint, sample_batch
from valgap.discover import Target, walk
from valgap.executors import supervised, window
from valgap.executors.local import LocalExecutor
from valgap.executors.supervised import Slot
from valgap.runner import Job


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_results_keep_the_input_order_when_the_first_input_is_slow(cli, slow_log, tmp_path):
    (tmp_path / "a").mkdir()
    os.symlink(slow_log, tmp_path / "a" / "00-slow.log")
    for i in range(1, 12):
        os.symlink(SAMPLES / "healthy.log", tmp_path / "a" / f"{i:02d}-fast.log")
    res = cli("analyze", str(tmp_path / "a"), "--format", "json", "-j", "2")
    names = [os.path.basename(r["source"]) for r in _lines(res.stdout)]
    assert names == ["00-slow.log"] + [f"{i:02d}-fast.log" for i in range(1, 12)]
    assert res.exit_code == 0


def test_an_input_over_the_timeout_is_unreadable_and_the_batch_goes_on(cli, slow_log,
                                                                       tmp_path):
    os.symlink(slow_log, tmp_path / "b-slow.log")
    for name in ("a.log", "c.log", "d.log"):
        os.symlink(SAMPLES / "dropout.log", tmp_path / name)
    res = cli("analyze", str(tmp_path), "--format", "json", "-j", "2", "--timeout", "0.2")
    found = {os.path.basename(r["source"]): r for r in _lines(res.stdout)}
    assert found["b-slow.log"]["error"]["code"] == "timeout"
    assert all(found[n]["fit"] == "val-below-train" for n in ("a.log", "c.log", "d.log"))
    assert res.exit_code == 2 and "longer than 0.2 s (--timeout)" in res.stderr
    again = cli("analyze", str(tmp_path), "--format", "json", "-j", "2", "--timeout", "0.2",
                "--skip-unreadable")
    assert again.exit_code == 0


def test_a_single_input_is_stopped_by_the_timeout_too(cli, slow_log):
    res = cli("analyze", str(slow_log), "--format", "json", "--timeout", "0.2")
    assert _lines(res.stdout)[0]["error"]["code"] == "timeout" and res.exit_code == 2
    assert cli("analyze", str(slow_log), "--format", "json").exit_code == 0  # 300 s default


def test_a_reader_that_crashes_costs_its_input_only(slow_log):
    """SIGSEGV in the child stands for a crash in a C extension (or the OOM killer)."""
    slot, job = Slot(), Job(inputs=[], fmt="json")
    try:
        pickle.loads(slot.analyse(Target(str(SAMPLES / "healthy.log")), job, None, 30))
        child = slot.process.pid
        threading.Timer(0.3, os.kill, (child, signal.SIGSEGV)).start()
        crashed = pickle.loads(slot.analyse(Target(str(slow_log)), job, None, 30))
        assert crashed[0].error.code == "crashed" and "SIGSEGV" in crashed[0].error.message
        after = pickle.loads(slot.analyse(Target(str(SAMPLES / "dropout.log")), job, None,
                                          30))
        assert after[0].fit.fit == "val-below-train" and slot.process.pid != child
    finally:
        slot.stop()


def test_a_hung_child_is_killed_not_waited_for(slow_log):
    slot, job = Slot(), Job(inputs=[], fmt="json")
    try:
        slot.analyse(Target(str(SAMPLES / "healthy.log")), job, None, 30)
        child = slot.process.pid
        os.kill(child, signal.SIGSTOP)  # a reader stuck for good
        start = time.monotonic()
        stuck = pickle.loads(slot.analyse(Target(str(SAMPLES / "dropout.log")), job, None,
                                          0.5))
        assert stuck[0].error.code == "timeout" and time.monotonic() - start < 5
        assert not alive(child)
    finally:
        slot.stop()


class _Counting:
    """The real local executor, counting the chunks submitted."""

    def __init__(self, slots: int) -> None:
        self.inner = LocalExecutor(slots)
        self.slots = slots
        self.submitted = 0

    def chunk_size(self, ahead: int, ended: bool) -> int:
        return 1

    def submit(self, targets, job, given):
        self.submitted += 1
        return self.inner.submit(targets, job, given)


def test_the_window_bounds_the_work_in_flight_and_keeps_order(tmp_path):
    sample_batch(tmp_path, 6)
    executor = _Counting(2)
    job = Job(inputs=[str(tmp_path)], fmt="json")
    out, most = [], 0
    try:
        for item, results in window.ordered(walk([str(tmp_path)]), executor, job, None):
            if isinstance(item, Target):
                out.append((item, results))
                most = max(most, executor.submitted - len(out))  # submitted, not yet out
    finally:
        executor.inner.close()
    walked = [t.path for t in walk([str(tmp_path)]) if isinstance(t, Target)]
    assert [item.path for item, _ in out] == walked and len(walked) > 40
    assert all(r.source.startswith(item.path) for item, results in out for r in results)
    assert 2 <= most <= 8  # the window: 4 x slots


def test_the_walk_yields_runs_before_it_has_listed_the_tree(tmp_path):
    for name in ("a", "m"):
        (tmp_path / name).mkdir()
        os.symlink(SAMPLES / "healthy.log", tmp_path / name / "run.log")
    found = walk([str(tmp_path)])
    first = next(found)
    # made after the first run was handed out, in a folder not listed yet
    os.symlink(SAMPLES / "healthy.log", tmp_path / "m" / "zz-late.log")
    rest = [t.path for t in found if isinstance(t, Target)]
    assert first.path.endswith("a/run.log") and rest[-1].endswith("m/zz-late.log")


def test_interrupted_batch_exits_130_and_leaves_no_child(tmp_path):
    import subprocess
    import sys

    for i in range(1500):
        os.symlink(SAMPLES / "healthy.log", tmp_path / f"r{i}.log")
    proc = subprocess.Popen([sys.executable, "-m", "valgap", "analyze", str(tmp_path),
                             "--format", "json", "-j", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=default_sigint)
    children: list[str] = []
    deadline = time.monotonic() + 30
    while len(children) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        children = subprocess.run(["ps", "--ppid", str(proc.pid), "-o", "pid="],
                                  capture_output=True, text=True).stdout.split()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and b"Traceback" not in err
    time.sleep(0.5)
    assert len(children) == 2 and not [c for c in children if alive(c)]


def test_standard_input_is_not_timed(tmp_path):
    """A training still printing is slow by nature: `train.py | valgap analyze -`."""
    import subprocess
    import sys

    feeder = (f"import sys, time; data = open({str(SAMPLES / 'healthy.log')!r}).read(); "
              "sys.stdout.write(data[:2000]); sys.stdout.flush(); time.sleep(1.5); "
              "sys.stdout.write(data[2000:])")
    producer = subprocess.Popen([sys.executable, "-c", feeder], stdout=subprocess.PIPE)
    res = subprocess.run([sys.executable, "-m", "valgap", "analyze", "-", "--format", "json",
                          "--timeout", "0.5"], stdin=producer.stdout, capture_output=True,
                         text=True, timeout=60)
    producer.wait()
    assert res.returncode == 0 and json.loads(res.stdout)["fit"] == "good-fit"


def test_a_single_input_read_here_stops_at_once_on_ctrl_c_and_sigterm(slow_log):
    import subprocess
    import sys

    for signum, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        proc = subprocess.Popen([sys.executable, "-m", "valgap", "analyze", str(slow_log),
                                 "--format", "json"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, preexec_fn=default_sigint)
        time.sleep(1.0)  # started, and reading
        sent = time.monotonic()
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == code and b"Traceback" not in err
        assert time.monotonic() - sent < 1.0, "it waited for the reading to end"


def test_a_dead_parents_reader_tmpdir_is_swept_even_while_the_parent_is_a_zombie():
    # a Dask worker killed with its nanny is nobody's child until something reaps it; a
    # container's first process may never do so (the killed-worker test left its readers'
    # $TMPDIR behind, once in four runs). A zombie made here, our own unreaped child:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Path(f"/proc/{child.pid}/status").read_text().count("State:\tZ") == 1
    left = Path(tempfile.gettempdir()) / f"{supervised.CHILD_TMP}{child.pid}-x"
    left.mkdir()
    ours = Path(tempfile.gettempdir()) / f"{supervised.CHILD_TMP}{os.getpid()}-y"
    ours.mkdir()
    supervised._sweep_orphans()
    assert not left.exists() and ours.exists()
    ours.rmdir()
    child.wait()


def test_the_readers_folders_of_closed_workers_are_removed_once_the_workers_are_gone():
    # a Dask worker its nanny killed while the cluster closed (Ctrl-C on a loaded machine)
    # never ran the teardown that stops its readers: their folders, named for the worker,
    # are removed once it is gone; those of processes not named are left
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3)"])
    root = Path(tempfile.gettempdir())
    left = root / f"{supervised.CHILD_TMP}{worker.pid}-x"
    left.mkdir()
    ours = root / f"{supervised.CHILD_TMP}{os.getpid()}-y"
    ours.mkdir()
    supervised.sweep_after([worker.pid], wait=0)  # not gone yet: kept
    assert left.exists()
    supervised.sweep_after([worker.pid], wait=30)  # waited for: removed
    assert not left.exists() and ours.exists()  # another process's are not touched
    ours.rmdir()
    worker.wait()
