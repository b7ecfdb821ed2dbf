"""The best epoch of a run: where its validation loss was lowest.

What users ask next after "is it overfitting?": which checkpoint to keep, and how much
training came after it for nothing. Read from the validation curve as logged (every
finite value, whether or not training was logged in that epoch); for a run averaged into
blocks (a very long log), the block that ends at the named epoch.
"""
from __future__ import annotations

import math

from valgap.model import BestEpoch, Run


def find(run: Run) -> BestEpoch | None:
    """The epoch of the lowest validation loss, or None when there is no validation."""
    if "val_loss" not in run.table:
        return None
    points = [(float(v), int(e)) for e, v in zip(run.table.index, run.table["val_loss"])
              if math.isfinite(v)]
    if not points:
        return None
    value, epoch = min(points, key=lambda p: (p[0], p[1]))  # the first of equal minima
    return BestEpoch(epoch, value, points[-1][1], run.info.row)
