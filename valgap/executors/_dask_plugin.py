"""What a Dask worker runs when it closes: it stops the reader processes it started (they
hold a private $TMPDIR each, removed as they stop). A worker's process ends with os._exit,
which runs no atexit handler: without this, a closed worker's readers would be left to the
parent-death signal, and their folders to the next batch's sweep."""
from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin


class StopReaders(WorkerPlugin):
    name = "valgap-stop-readers"

    def teardown(self, worker) -> None:
        from valgap.executors import supervised

        supervised.stop_all()
