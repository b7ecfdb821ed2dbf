"""The Dask executor: chunks of targets as tasks on a ``dask.distributed`` cluster.

Only paths and URLs travel (the workers read the files: a shared file system, or object
storage through fsspec); results come back pickled, as the local pool's do, so the JSON
of both executors is the same. Without ``--scheduler`` (or ``DASK_SCHEDULER_ADDRESS``) a
``LocalCluster`` sized to this machine is started and stopped with the batch.

A worker that dies mid-batch loses its tasks to the scheduler, which runs them again on
another worker; each task's results are read once, in order, so each run is reported
exactly once. Needs ``valgap[dask]``.
"""
from __future__ import annotations

import logging
import math
import os
import weakref

from valgap._safe import shown
from valgap.executors import ExecutorError, supervised, work

CHUNK_MAX = 100      # inputs per task: ~1 s of work, against the scheduler's ~1 ms per task
CONNECT_SECONDS = 10


class DaskExecutor:
    def __init__(self, client, cluster=None) -> None:
        self.client = client
        self.cluster = cluster
        self.slots = max(1, sum(client.nthreads().values()))
        self._futures: weakref.WeakSet = weakref.WeakSet()

    @classmethod
    def start(cls, address: str | None, jobs: int | None = None) -> DaskExecutor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError("--executor dask needs dask.distributed: pip install "
                                "'valgap[dask]'") from None
        for name in ("distributed", "tornado", "asyncio"):  # stderr carries our lines only
            logging.getLogger(name).setLevel(logging.CRITICAL)
        address = address or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
        if address is None:
            cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1,
                                   threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            return cls(_with_plugin(Client(cluster)), cluster)
        try:
            client = Client(address, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {shown(address)}: "
                                f"{shown(_first_line(exc))}") from None
        try:
            client.wait_for_workers(1, timeout=60)
        except TimeoutError:
            client.close()
            raise ExecutorError(f"the Dask scheduler at {shown(address)} has no worker (waited "
                                "60 s)") from None
        return cls(_with_plugin(client))

    def chunk_size(self, targets_ahead: int, ended: bool) -> int:
        """Enough tasks for every worker to have four, each as big as that allows, up to
        CHUNK_MAX (a batch still being discovered is taken as large)."""
        if not ended:
            return CHUNK_MAX
        return max(1, min(CHUNK_MAX, math.ceil(targets_ahead / (self.slots * 4))))

    def submit(self, targets: list, job, given):
        future = self.client.submit(work.analyse_chunk, targets, job, given, pure=False)
        self._futures.add(future)
        return future

    def close(self, cancel: bool = False) -> None:
        if cancel:
            pending = [f for f in self._futures if not f.done()]
            if pending:
                self.client.cancel(pending, force=True)
        workers = [pid for pid in (getattr(w, "pid", None) for w in
                                   getattr(self.cluster, "workers", {}).values()) if pid]
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            # a worker its nanny killed (the close timed out) left its readers' folders
            supervised.sweep_after(workers)


def _with_plugin(client):
    """Workers stop their reader processes when they close (``_dask_plugin``)."""
    from valgap.executors._dask_plugin import StopReaders

    client.register_plugin(StopReaders())
    return client


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]
