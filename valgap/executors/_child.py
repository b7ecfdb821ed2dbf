"""The child process of a ``supervised.Slot``: reads requests, answers results, until the
pipe closes. Started as ``python -m valgap.executors._child IN OUT PARENT_PID``."""
from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import warnings
from multiprocessing.connection import Connection

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
READY = b"ready"


def main(argv: list[str]) -> int:
    requests = Connection(int(argv[1]), writable=False)
    replies = Connection(int(argv[2]), readable=False)
    _die_with(int(argv[3]))
    warnings.simplefilter("ignore")  # a library's warnings are for developers
    from valgap.executors.work import analyse_target, internal_error, slim, warm_up

    warm_up()  # before "ready": the first input's clock must not count the imports
    replies.send_bytes(READY)
    while True:
        try:
            target, job, given = pickle.loads(requests.recv_bytes())
        except EOFError:  # the parent is done
            return 0
        if job.cwd and job.cwd != os.getcwd():  # relative paths are the client's
            with contextlib.suppress(OSError):  # not here: "no such file" will say so
                os.chdir(job.cwd)
        results = analyse_target(target, job, given)
        if not job.keep_tables:
            for result in results:
                slim(result)
        try:
            reply = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a result that cannot travel is a bug to report
            reply = pickle.dumps(internal_error(target.label, exc))
        replies.send_bytes(reply)


def _die_with(parent: int) -> None:
    """Ctrl-C is the parent's to handle (it stops the children); and a child goes with its
    parent if the parent is killed outright (Linux: the parent-death signal)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
