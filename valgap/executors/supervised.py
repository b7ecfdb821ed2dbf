"""Each input is read in a child process that a watchdog can stop.

A reader that hangs (in C code, where no Python signal reaches it) is killed after
``--timeout`` seconds, and one that takes the interpreter down (a crash in a C extension,
the kernel's out-of-memory killer) loses only its own input: either way the input is
reported as unreadable and the next one goes to a fresh child. The children are started
with ``subprocess`` rather than ``multiprocessing``, so that they can be started inside a
Dask worker too (a daemonic process may not start ``multiprocessing`` children).

Requests and results cross the pipes pickled; the results stay pickled until the client
reads them, so that a Dask worker passes them on without unpickling them.
"""
from __future__ import annotations

import atexit
import multiprocessing.util
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from valgap.executors._child import READY
from valgap.model import InputError, Result

STARTUP_SECONDS = 120  # a loaded machine importing pandas for the first time
CHILD_TMP = "valgap-child-"  # + the parent's pid: a child's $TMPDIR
_LIVE: set[Slot] = set()
_LIVE_LOCK = threading.Lock()


class Slot:
    """One child process, reused from input to input until it hangs or dies."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        # the child's own $TMPDIR, removed when it ends however it ends (killed at a
        # timeout mid-download, or by a library that cleans up only at a normal exit)
        self.tmp: str | None = None
        self.requests: Connection | None = None
        self.replies: Connection | None = None
        self.unavailable = False  # no child could be started: inputs are read here
        with _LIVE_LOCK:
            _LIVE.add(self)

    def analyse(self, target, job, given, timeout: float | None) -> bytes:
        """The pickled ``list[Result]`` of one target, errors included."""
        request = pickle.dumps((target, job, given), protocol=pickle.HIGHEST_PROTOCOL)
        for attempt in range(2):  # an idle child may have been stopped: one restart
            if self.unavailable:
                return self._here(target, job, given)
            if self.process is None:
                try:
                    self._spawn()
                except OSError:  # no child can be started here (a locked interpreter)
                    self.unavailable = True
                    return self._here(target, job, given)
            try:
                self.requests.send_bytes(request)
                break
            except OSError:
                self.stop()
                if attempt:
                    return failed(target, "the reader process could not be started")
        if not self.replies.poll(timeout or None):
            self.stop()
            return failed(target, f"reading took longer than {timeout:g} s (--timeout); "
                                  "stopped, the other inputs went on", "timeout")
        try:
            return self.replies.recv_bytes()
        except (EOFError, OSError):
            how = self._death()
            return failed(target, f"the reader crashed ({how}); the other inputs went on",
                          "crashed")

    @staticmethod
    def _here(target, job, given) -> bytes:
        """The fallback: read in this thread, without the watchdog."""
        from valgap.executors.work import analyse_target

        return pickle.dumps(analyse_target(target, job, given),
                            protocol=pickle.HIGHEST_PROTOCOL)

    def _spawn(self) -> None:
        to_child, from_parent = os.pipe()[::-1]
        from_child, to_parent = os.pipe()
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root,
                                                          env.get("PYTHONPATH")]))
        _sweep_orphans()
        self.tmp = tempfile.mkdtemp(prefix=f"{CHILD_TMP}{os.getpid()}-")
        env.update(TMPDIR=self.tmp, TEMP=self.tmp, TMP=self.tmp)
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "valgap.executors._child", str(from_parent),
                 str(to_parent), str(os.getpid())],
                pass_fds=(from_parent, to_parent), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        except OSError:
            os.close(to_child)
            os.close(from_child)
            self._remove_tmp()
            raise
        finally:
            os.close(from_parent)
            os.close(to_parent)
        self.process = process
        self.requests = Connection(to_child, readable=False)
        self.replies = Connection(from_child, writable=False)
        try:  # imports done: from now on the clock is the input's
            ready = self.replies.poll(STARTUP_SECONDS) and self.replies.recv_bytes()
        except (EOFError, OSError):
            ready = False
        if ready != READY:
            self.stop()
            raise OSError("the reader process did not start")

    def _death(self) -> str:
        code = self.process.wait() if self.process is not None else None
        self.stop()
        if code is not None and code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"its process ended with status {code}"

    def stop(self) -> None:
        """Kill the child now (a hung reader ignores anything gentler)."""
        process, self.process = self.process, None
        for conn in (self.requests, self.replies):
            if conn is not None:
                conn.close()
        self.requests = self.replies = None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        tmp, self.tmp = self.tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def failed(target, message: str, code: str = "crashed") -> bytes:
    name = target.label
    return pickle.dumps([Result(source=name, error=InputError(message, name, code=code))])


def stop_all() -> None:
    """Ctrl-C, SIGTERM, the end of the process: every child of this process goes now."""
    with _LIVE_LOCK:
        slots = list(_LIVE)
    for slot in slots:
        slot.stop()
    _sweep_orphans()


def _sweep_orphans() -> None:
    """Children's $TMPDIRs whose parent is gone without stopping them (killed outright: a
    Dask worker its nanny killed): removed by the next parent that starts a child."""
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{CHILD_TMP}*-*"):
        pid = folder.name[len(CHILD_TMP):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def sweep_after(parents: list[int], wait: float = 5.0) -> None:
    """``_sweep_orphans`` once these processes are gone (waited for up to ``wait``
    seconds): a Dask worker killed while its cluster closed (a loaded machine, Ctrl-C)
    never ran the teardown that stops its readers, and no later child sweeps for it."""
    deadline = time.monotonic() + wait
    while any(_alive(pid) for pid in parents) and time.monotonic() < deadline:
        time.sleep(0.05)
    _sweep_orphans()


def _alive(pid: int) -> bool:
    """Running. A zombie is not: a worker killed with its nanny is left to the first
    process to reap, and where that is a container's own (which reaps nothing) it stays a
    zombie, its readers' $TMPDIRs never swept."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's: alive
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read()
    except OSError:  # no /proc: as the signal said
        return True
    # "pid (name) S ...": the state follows the name, which may hold ") " itself
    return fields[fields.rfind(b")") + 2:][:1] != b"Z"


# a normal exit stops the children too; a multiprocessing child (a Dask worker) runs no
# atexit handlers, only multiprocessing's own finalizers
atexit.register(stop_all)
multiprocessing.util.Finalize(None, stop_all, exitpriority=100)
