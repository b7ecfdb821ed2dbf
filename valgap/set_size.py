"""How many rows a validation set has, read off the validation accuracies a log prints.

An accuracy over n rows is a count over n: every value is k/n. Over a small set the values
fall on a coarse lattice (0.5333, 0.8000, 0.9333, 0.9667 are 16, 24, 28 and 29 of 30), and
the smallest n whose lattice holds every value, to the print's precision, is the set's
size. Taken only where chance could not put the values there: each value lands within the
print's precision of some k/n by chance with a probability of about 2 n times that
precision, so the distinct values must make that chance, over every n tried, negligible
(``CHANCE``). Accuracies that are no count (averaged over batches, weighted, a multi-label
mean) fit no small lattice and give no size; a multi-label count over n x labels gives a
larger n, the safe side (a larger set makes less noise).
"""
from __future__ import annotations

import math
from collections.abc import Iterable

ORIGIN = "the validation accuracies"  # where such a size comes from, as facts say it
MAX_ROWS = 5000  # lattices tried: 1/1 to 1/MAX_ROWS
MIN_VALUES = 4  # distinct accuracies needed before a lattice says anything
CHANCE = 1e-4  # the most chance may have of putting every value on some lattice tried
FLOAT32 = 1e-6  # a value stored as float32 and printed in full is this close to k/n


def counted_rows(accuracies: Iterable[float], most: int = MAX_ROWS) -> int | None:
    """The validation set's size the accuracies show (fractions or percentages), ``most``
    rows at most, or None where they do not show one beyond chance."""
    values = sorted({v for v in accuracies if math.isfinite(v) and v >= 0})
    if not values:
        return None
    if values[-1] > 1:  # percentages
        if values[-1] > 100:
            return None
        values = sorted({v / 100 for v in values})
    interior = [v for v in values if 0 < v < 1]  # 0 and 1 sit on every lattice
    if len(interior) < MIN_VALUES:
        return None
    # the print's precision is its most precise value's (0.8000 is stored as 0.8)
    precision = min(_precision(v) for v in interior)
    for n in range(2, most + 1):
        slack = n * precision
        if slack >= 0.5:
            return None  # coarser than the print: every value fits from here on
        if all(abs(v * n - round(v * n)) <= slack for v in interior):
            luck = min(1.0, 2 * slack) ** len(interior) * n
            return n if luck <= CHANCE else None
    return None


def _precision(value: float) -> float:
    """Half a unit of the last digit the value was printed with (to 8 decimals), or what
    float32 keeps where it was printed in full."""
    for decimals in range(1, 9):
        if abs(round(value, decimals) - value) < 1e-12:
            return 0.5 * 10.0 ** -decimals + 1e-12
    return FLOAT32 * max(value, 1e-3)
