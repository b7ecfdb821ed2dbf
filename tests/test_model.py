"""``EpochLines``: each epoch's line, kept as stretches of consecutive lines."""
from __future__ import annotations

import numpy as np
import pytest

from valgap.model import EpochLines


def test_lines_read_back_as_given_across_parts_and_breaks():
    want = [*range(2, 50), *range(60, 61), *range(63, 100), 250, 251, 7, *range(8, 20)]
    lines = EpochLines()
    for low, high in ((0, 10), (10, 48), (48, 49), (49, 90), (90, len(want))):
        lines.extend(np.array(want[low:high]))
    assert len(lines) == len(want) and list(lines) == want
    assert [lines[i] for i in range(len(want))] == want
    assert lines[-1] == want[-1] and lines[-len(want)] == want[0]
    assert lines[5:9] == want[5:9] and lines[:-1] == want[:-1]
    with pytest.raises(IndexError):
        lines[len(want)]


def test_consecutive_lines_are_one_stretch_whatever_the_parts():
    lines = EpochLines()
    for low in range(0, 1_000_000, 250_000):
        lines.extend(np.arange(low, low + 250_000) + 2)
    assert len(lines) == 1_000_000 and lines[999_999] == 1_000_001
    assert len(lines._starts) == 1  # the memory of one break, not of a million lines
