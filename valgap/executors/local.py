"""The local pool: one supervised child process per CPU (``--jobs``), each fed by a thread
of this process. The threads only pass pickled bytes along; the analysis runs in the
children, so the pool uses every core."""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

from valgap.executors import supervised, work


class LocalExecutor:
    def __init__(self, jobs: int | None = None) -> None:
        self.slots = jobs or os.cpu_count() or 1
        self._threads = ThreadPoolExecutor(self.slots, thread_name_prefix="valgap")

    def submit(self, targets: list, job, given) -> Future:
        return self._threads.submit(work.analyse_chunk, targets, job, given)

    def chunk_size(self, lookahead: int, ended: bool) -> int:
        return 1  # a thread hands one input at a time to its child: nothing to save

    def close(self, cancel: bool = False) -> None:
        if cancel:  # stop the children first: their threads then return at once
            self._threads.shutdown(wait=False, cancel_futures=True)
            supervised.stop_all()
            return
        self._threads.shutdown(wait=True)
        supervised.stop_all()
