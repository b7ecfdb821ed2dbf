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
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Protocol

from valgap.discover import Target

LOOKAHEAD = 10_000  # targets read ahead to size the chunks from the batch
POLL_SECONDS = 0.25  # how often a wait for results looks for Ctrl-C


class Interrupts(Protocol):
    """How the caller takes Ctrl-C: ``pending()``, asked four times a second while results
    are awaited (the caller's handlers only set a flag, so that Ctrl-C is raised by
    valgap, never inside the executor's own code, which may swallow it); ``paused()``,
    around an input read in this process (where Ctrl-C must stop the reading itself)."""

    def pending(self) -> bool: ...

    def paused(self) -> contextlib.AbstractContextManager: ...


class _NoInterrupts:
    def pending(self) -> bool:
        return False

    def paused(self) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()


def ordered(items: Iterable, executor, job, given, chunk: int | None = None,
            interrupts: Interrupts | None = None) -> Iterator[tuple[object, list]]:
    """``(item, results)`` for each item in order: a ``Target`` with its ``list[Result]``,
    anything else with ``[]``."""
    interrupts = interrupts or _NoInterrupts()
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
            yield from _finish(pending.popleft(), job, given, interrupts)

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
        yield from _finish(pending.popleft(), job, given, interrupts)


def _finish(entry: tuple, job, given, interrupts: Interrupts
            ) -> Iterator[tuple[object, list]]:
    items, future = entry
    if future is None:
        if isinstance(items, Target):  # standard input (only this process can read it)
            from valgap.executors.work import analyse_here

            with interrupts.paused():  # read here: Ctrl-C stops the reading itself
                results = analyse_here(items, job, given)
            yield items, results
        else:
            yield items, []
        return
    try:
        payloads = _wait(future, interrupts)
    except Exception as exc:  # the task itself failed: a worker died too often, say
        from valgap.executors.supervised import failed

        why = f"{type(exc).__name__}: {exc}".strip()[:200]
        payloads = [failed(t, f"its task failed on the executor ({why})", "executor")
                    for t in items]
    for target, payload in zip(items, payloads):
        yield target, pickle.loads(payload)


def _wait(future, interrupts: Interrupts) -> list[bytes]:
    """The task's result, once it is done; Ctrl-C looked for meanwhile. The wait is on a
    flag its completion sets, never ``result(timeout=...)`` in a loop: distributed turns
    the timeout into ``asyncio.wait_for``, and a wait that ends as the task does can leak a
    CancelledError out of ``Client.sync`` as "UnboundLocalError: result" (seen on a loaded
    machine with a worker killed mid-batch: the chunk was lost)."""
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())  # at once if done already
    while not done.wait(POLL_SECONDS):
        if interrupts.pending():
            raise KeyboardInterrupt from None
    return future.result()
