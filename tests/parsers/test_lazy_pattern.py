"""A pattern compiled when first used behaves as the compiled pattern does, and costs a call
nothing once compiled."""
from __future__ import annotations

import re

from valgap.parsers._text import LazyPattern


def test_a_lazy_pattern_matches_as_re_does_and_compiles_once():
    lazy = LazyPattern(r"(?P<epoch>\d+)/(\d+)", re.IGNORECASE)
    assert "match" not in vars(lazy)  # nothing compiled yet
    line = "Epoch 3/10 - loss: 0.5"
    assert lazy.search(line).group("epoch") == "3"
    assert lazy.findall(line) == re.findall(r"(?P<epoch>\d+)/(\d+)", line)
    assert lazy.sub("N", line) == "Epoch N - loss: 0.5"
    assert lazy.pattern == r"(?P<epoch>\d+)/(\d+)" and lazy.flags & re.IGNORECASE
    assert lazy.groups == 2 and lazy.groupindex == {"epoch": 1}
    assert vars(lazy)["search"] == vars(lazy)["search"]  # bound once, then looked up
