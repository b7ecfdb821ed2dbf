"""The gap measured while training, read back from a log.

valgap's callbacks (``valgap.keras``, ``valgap.lightning``, ``valgap.hf``) and
``valgap.torch.measure_gap`` re-score a fixed subset of the training data at each epoch's end
and log three more columns beside the usual ones:

- ``train_loss_trainmode_end``: the training loss as configured (penalty, weights) in
  training mode (dropout, augmentation, batch statistics on), no update;
- ``train_loss_eval_end``: the plain, unweighted loss in inference mode, no penalty;
- ``train_penalty_end``: the penalty term on its own, where the framework exposes it;
- ``train_loss_eval_end_se``: the standard error of the subset's mean loss. A fixed subset
  is a little easier or harder than the whole set; that offset moves the timing and data
  parts (not the train-mode part, which compares the subset with itself).

With them the gap ``logged training - validation`` splits into three parts that add up to
it: **timing** (``logged - trainmode_end``: the epoch's mean lags the end-of-epoch model),
**train-mode** (``trainmode_end - eval_end``: dropout, batch norm, augmentation, penalty,
weighting; the penalty part on its own where measured) and **data** (``eval_end - val``:
an easier or leaked validation set, or sampling noise). This module only does the arithmetic;
the rules decide from it.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from valgap.model import MEASURED_EVAL, MEASURED_TRAINMODE

TRAINMODE = MEASURED_TRAINMODE  # the names are the model's: renderers draw these columns
EVAL = MEASURED_EVAL
PENALTY = "train_penalty_end"
SUBSET_SE = "train_loss_eval_end_se"  # standard error of the subset's mean loss
COLUMNS = (TRAINMODE, EVAL, PENALTY, SUBSET_SE)

DEFAULT_SAMPLES = 1024   # the training subset re-scored at each epoch's end, at most ...
DEFAULT_SHARE = 0.05     # ... and at most this share of the training set


def subset_size(n_train: int, samples: int = DEFAULT_SAMPLES,
                share: float = DEFAULT_SHARE) -> int:
    """How many training samples to re-score: 1,024 or 5 % of the set, whichever is smaller
    (at least one)."""
    return max(1, min(samples, math.ceil(share * n_train), n_train))


def batch_mean_and_se(means: list[float], sizes: list[int]) -> tuple[float, float]:
    """The mean over batches of these sizes, and its standard error from the spread of the
    batch means (0 with one batch). Shared by the callbacks of every framework."""
    count = sum(sizes)
    mean = sum(m * n for m, n in zip(means, sizes)) / count
    if len(means) < 2:
        return mean, 0.0
    # batch means of n samples scatter with sd/sqrt(n): the per-sample variance from them
    per_sample_var = sum(n * (m - mean) ** 2 for m, n in zip(means, sizes)) / (len(means) - 1)
    return mean, math.sqrt(per_sample_var / count)


@dataclass(frozen=True)
class Part:
    """One part of the gap: its size in loss units (mean over the late epochs, so that the
    parts add up to the gap), its share of the gap and the standard error of that mean
    (from the epoch-to-epoch variation)."""

    name: str
    value: float
    share: float
    noise: float

    @property
    def beyond_noise(self) -> bool:
        return abs(self.value) > 2 * self.noise

    def explains(self, dec: Decomposition) -> bool:
        """Validation below training by a gap beyond noise, and this part beyond its noise
        on that side and at least a fifth of it. (Where validation is above training, the
        data part is the generalisation gap, not a cause of validation being lower.)"""
        return dec.measurable and dec.gap > 0 and self.value > 0 and self.beyond_noise \
            and self.share >= 0.2

    def ruled_out(self, dec: Decomposition) -> bool:
        """Under a fifth of a val < train gap even at the top of its noise band."""
        return dec.measurable and dec.gap > 0 and self.value + 2 * self.noise < 0.2 * dec.gap

    def describe(self) -> str:
        return f"{self.name} {self.value:+.4g} ({self.share:.0%})"


@dataclass(frozen=True)
class Decomposition:
    """The gap (logged training - validation, > 0 where validation is below) and its parts,
    each a mean over the late epochs."""

    gap: float
    noise: float
    timing: Part
    train_mode: Part      # without the penalty where that is measured apart
    penalty: Part | None
    data: Part
    epochs: int

    @property
    def parts(self) -> list[Part]:
        return [p for p in (self.timing, self.train_mode, self.penalty, self.data) if p]

    subset_se: float = 0.0  # how finely the subset resolves the timing and data parts
    penalty_both_sides: float = 0.0  # a penalty the validation loss carries too (Keras)
    penalty_measured: bool = False   # the penalty column is there (0: there is none)

    @property
    def measurable(self) -> bool:
        """A gap beyond its own noise and beyond what the re-scored subset resolves: only
        then do shares of it mean something."""
        return abs(self.gap) > 2 * max(self.noise, self.subset_se)

    def dominant(self) -> Part | None:
        """The part that explains most of the gap (on the gap's side), if the gap is real."""
        if not self.measurable:
            return None
        return max(self.parts, key=lambda p: p.share)

    def describe(self) -> str:
        parts = " + ".join(p.describe() for p in self.parts)
        both = (f"; the penalty ({self.penalty_both_sides:.4g}) is in the validation loss "
                "too, so no part of the gap") if self.penalty_both_sides else ""
        return (f"measured at epoch ends (mean of the last {self.epochs}): gap "
                f"{self.gap:+.4g} = {parts}{both}")


def decompose(table, penalty_in_validation: bool = False) -> Decomposition | None:
    """The decomposition from a table with the measured columns, None without them.

    ``penalty_in_validation``: the framework adds the penalty to the validation loss too
    (Keras does): then it is on both sides of the gap and no part of it; the data part
    compares like with like (the subset's plain loss plus the penalty against validation).
    """
    if TRAINMODE not in table or EVAL not in table:
        return None
    import numpy as np  # as pandas has: the table is already in memory

    need = ["train_loss", "val_loss", TRAINMODE, EVAL]
    # epochs where every measured value is a number: an infinite loss (a diverged epoch, a
    # value past the float range) would make the parts inf - inf
    rows = table[np.isfinite(table[need].to_numpy(dtype=float)).all(axis=1)]
    if len(rows) < 2:
        return None
    rows = rows.iloc[len(rows) // 2:] if len(rows) >= 4 else rows  # the late epochs
    logged, val = rows["train_loss"], rows["val_loss"]
    trainmode, evaluated = rows[TRAINMODE], rows[EVAL]
    penalty = rows[PENALTY].fillna(0.0) if PENALTY in rows else None
    gap_series = logged - val
    gap, gap_noise = _mean(gap_series), _mean_noise(gap_series)
    scale = gap if abs(gap) > 1e-300 else 1.0
    subset = _mean(rows[SUBSET_SE]) if SUBSET_SE in rows else 0.0

    def part(name: str, series, offset: float = 0.0) -> Part:
        """``offset``: the subset's own sampling error, which a mean over epochs of the
        same subset does not average away."""
        value = _mean(series)
        return Part(name, value, value / scale, math.hypot(_mean_noise(series), offset))

    train_mode = trainmode - evaluated
    penalty_part, both_sides = None, 0.0
    if penalty is not None and penalty.abs().sum() > 0:
        train_mode = train_mode - penalty
        if penalty_in_validation:
            evaluated, both_sides = evaluated + penalty, _mean(penalty)
        else:
            penalty_part = part("penalty", penalty)
    return Decomposition(gap, gap_noise, part("timing", logged - trainmode, subset),
                         part("train-mode", train_mode), penalty_part,
                         part("data", evaluated - val, subset), len(rows), subset,
                         both_sides, penalty is not None)


def _mean(series) -> float:
    """The mean of finite values (a penalty or standard-error column may hold an infinity)."""
    import numpy as np

    values = series.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else 0.0


def _mean_noise(series) -> float:
    """Standard error of a mean of epochs: the epoch-to-epoch scatter (from successive
    differences, so a trend does not count as noise) over the square root of their count."""
    values = list(series)
    if len(values) < 2:
        return 0.0
    diffs = sorted(abs(b - a) for a, b in itertools.pairwise(values))
    mad = diffs[len(diffs) // 2]
    sd = 1.4826 * mad / math.sqrt(2)
    return sd / math.sqrt(len(values))
