"""Analysing one input in this process (``valgap.executors.work``): its timeout."""
from __future__ import annotations

import time
import weakref

import pytest

from tests.conftest import SAMPLES
from valgap.discover import Target
from valgap.executors import work
from valgap.runner import Job


# the dropped exception is reported as unraisable: expected here
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_timeout_stops_a_reader_even_when_its_alarm_lands_in_a_gc_callback(monkeypatch):
    # A reader whose time goes mostly to weakref callbacks (as pandas' WeakSets run theirs
    # as objects die): Python prints and drops an exception raised in such a callback, so
    # the first alarm, landing there, was lost and the reader ran to its end (1.5 s here
    # for a 0.1 s timeout); the timeout came back only when the alarm hit other code
    class Held:
        pass

    def slow_callback() -> None:
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            pass

    def reader(target, job, given):
        for _ in range(6):
            held = Held()
            weakref.finalize(held, slow_callback)
            del held  # the callback runs here, for 0.2 s
            end = time.monotonic() + 0.05
            while time.monotonic() < end:  # then 0.05 s of the reader's own code
                pass
        return ["read to its end"]

    monkeypatch.setattr(work, "analyse_target", reader)
    start = time.monotonic()
    results = work.analyse_here(Target(str(SAMPLES / "healthy.log")),
                                Job(inputs=[], fmt="json", timeout=0.1), None)
    assert results[0].error is not None and results[0].error.code == "timeout"
    assert time.monotonic() - start < 1.0  # stopped, not read to the end (1.5 s)
