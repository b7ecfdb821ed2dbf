"""Where a batch's inputs are analysed: the local pool or a Dask cluster.

Both run the same work (``work.analyse_chunk``: each input read in a supervised child
process, see ``supervised``), so that both give the same answers; ``window`` hands the
results back in input order through a bounded window, whatever the executor.

- ``local``: worker processes on this machine (the default; ``--jobs``).
- ``dask``: tasks on a ``dask.distributed`` cluster (``--executor dask``), with inputs
  sent as paths or URLs that the workers read themselves.
"""
from __future__ import annotations

from typing import Protocol


class ExecutorError(Exception):
    """The executor cannot start (a missing extra, a scheduler that does not answer)."""


class Executor(Protocol):
    """Runs ``work.analyse_chunk`` on lists of targets; ``close`` stops everything."""

    slots: int  # inputs analysed at once

    def chunk_size(self, targets_ahead: int, ended: bool) -> int:
        """Inputs per task, from the targets read ahead (all of them if ``ended``)."""
        ...

    def submit(self, targets: list, job, given):  # -> a future of list[bytes]: its
        # result() and add_done_callback() are all that is used
        ...

    def close(self, cancel: bool = False) -> None:
        ...


def start(job) -> Executor:
    """The executor the job asks for, started."""
    if job.executor == "dask":
        from valgap.executors import dask

        return dask.DaskExecutor.start(job.scheduler, job.jobs)
    from valgap.executors import local

    return local.LocalExecutor(job.jobs)
