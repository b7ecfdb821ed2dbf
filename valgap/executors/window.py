"""Results in input order through a bounded window, whatever finishes first.

Targets are grouped into chunks (one task each) and at most ``window`` chunks are in
flight; the head chunk is waited for, the others finish meanwhile. So memory holds at most
``window x chunk`` results however long the batch is, and the output order never depends
on timing. Items that are already resolved (a folder that could not be read, a file
skipped by the walk) travel through the same queue to keep their place.
"""
from __future__ import annotations

import contextlib
import itertools
import pickle
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from valgap import exitcodes
from valgap.discover import Target

LOOKAHEAD = 10_000  # targets read ahead to size the chunks from the batch
POLL_SECONDS = 0.25  # how often a wait for results looks for Ctrl-C


def ordered(items: Iterable, executor, job, given, chunk: int | None = None,
            stopping: Callable[[], bool] = lambda: False) -> Iterator[tuple[object, list]]:
    """``(item, results)`` for each item in order: a ``Target`` with its ``list[Result]``,
    anything else with ``[]``. While waiting, ``stopping()`` is asked four times a
    second: the caller's signal handlers only set a flag, so that Ctrl-C is raised here,
    never inside the executor's own code (which may swallow it)."""
    stream = iter(items)
    ahead = list(itertools.islice(stream, LOOKAHEAD))
    ended = len(ahead) < LOOKAHEAD
    targets_ahead = sum(isinstance(i, Target) for i in ahead)
    # one input alone is read here (see work.analyse_here), when the executor allows it
    inline = ended and targets_ahead == 1 and getattr(executor, "inline_single", False)
    if chunk is None and not inline:
        chunk = executor.chunk_size(targets_ahead, ended)
    window = max(4, executor.slots * 4)
    pending: deque = deque()  # (items, future) or (item, None)
    batch: list[Target] = []

    def room() -> Iterator[tuple[object, list]]:
        while len(pending) >= window:
            yield from _finish(pending.popleft(), job, given, stopping)

    def send() -> Iterator[tuple[object, list]]:
        if batch:
            yield from room()
            pending.append((list(batch), executor.submit(list(batch), job, given)))
            batch.clear()

    for item in itertools.chain(ahead, stream):
        if isinstance(item, Target) and item.path != "-" and not inline:
            batch.append(item)
            if len(batch) >= chunk:
                yield from send()
        else:
            yield from send()
            yield from room()
            pending.append((item, None))
    yield from send()
    while pending:
        yield from _finish(pending.popleft(), job, given, stopping)


def _finish(entry: tuple, job, given, stopping) -> Iterator[tuple[object, list]]:
    items, future = entry
    if future is None:
        if isinstance(items, Target):  # standard input (only this process can read it)
            from valgap.executors.work import analyse_here

            with _python_interrupts():  # read here: Ctrl-C stops the reading itself
                results = analyse_here(items, job, given)
            yield items, results
        else:
            yield items, []
        return
    try:
        payloads = _wait(future, stopping)
    except Exception as exc:  # the task itself failed: a worker died too often, say
        from valgap.executors.supervised import failed

        why = f"{type(exc).__name__}: {exc}".strip()[:200]
        payloads = [failed(t, f"its task failed on the executor ({why})", "executor")
                    for t in items]
    for target, payload in zip(items, payloads):
        yield target, pickle.loads(payload)


def _wait(future, stopping) -> list[bytes]:
    while True:
        try:
            return future.result(timeout=POLL_SECONDS)
        except TimeoutError:  # concurrent.futures' and distributed's alike
            if stopping():
                raise KeyboardInterrupt from None


@contextlib.contextmanager
def _python_interrupts():
    """Ctrl-C and SIGTERM raised at once while this process reads (its own code)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
                signal.SIGTERM: signal.signal(signal.SIGTERM, _terminate)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _terminate(signum: int, frame) -> None:
    raise SystemExit(exitcodes.TERMINATED)
