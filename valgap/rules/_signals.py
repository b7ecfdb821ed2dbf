"""Measurements on the curves that several rules share.

Losses are compared on a log scale (ratios), because a loss that falls from 2.3 to 0.01
spans orders of magnitude and a gap of 0.05 means something different at each end.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from valgap._num import exp_safe, log_ratio, mean, spread, times
from valgap.model import Facts, Run


@dataclass
class Curves:
    """Training and validation loss over the epochs where both are finite."""

    epochs: list[int]
    train: list[float]
    val: list[float]
    rounded: tuple[str, ...] = ()  # curves whose printed zeros stand for "below the print"
    kind: str = "loss"  # what the loss measures (see ``loss_kind``)
    train_accuracy: list[float] | None = None  # where the log prints one for every epoch
    val_accuracy: list[float] | None = None  # the same of validation

    @classmethod
    def of(cls, run: Run) -> Curves | None:
        table = run.table
        if "train_loss" not in table or "val_loss" not in table:
            return None
        rows = [(i, int(e), float(t), float(v)) for i, (e, t, v) in
                enumerate(zip(table.index.tolist(), table["train_loss"].tolist(),
                              table["val_loss"].tolist()))
                if math.isfinite(t) and math.isfinite(v)]
        train, rounded_train = unround([r[2] for r in rows])
        val, rounded_val = unround([r[3] for r in rows])
        rounded = tuple(n for n, r in (("training", rounded_train), ("validation", rounded_val))
                        if r)
        kept = [r[0] for r in rows]
        return cls([r[1] for r in rows], train, val, rounded, loss_kind(run),
                   _accuracy(table, kept, "train_accuracy"),
                   _accuracy(table, kept, "val_accuracy"))

    @property
    def n(self) -> int:
        return len(self.train)

    @cached_property
    def positive(self) -> bool:
        return all(x > 0 for x in self.train + self.val)

    def last_third(self) -> slice:
        """The end of the run: its last third, at least 3 epochs (2 in a 3-epoch run)."""
        return slice(max(1, self.n - max(3, self.n // 3)), self.n)

    def late(self) -> slice:
        """The second half of training (at least 3 epochs when there are that many)."""
        start = min(self.n // 2, max(self.n - 3, 0))
        return slice(start, self.n)

    @cached_property
    def val_start(self) -> float:
        """The validation loss the run started from: its first value, unless that stands
        above both training's first and validation's second (one bad first evaluation,
        far above training and then back beside it, does not set the run's scale)."""
        if self.n < 2:
            return self.val[0]
        return min(self.val[0], max(self.train[0], self.val[1]))

    @cached_property
    def train_at_end(self) -> list[float]:
        """Training loss at each epoch's end, estimated from the epoch means.

        A reported training loss is the mean over the epoch, i.e. about the loss half-way
        through it; the loss at the epoch's end (when validation is measured) lies half-way
        to the next epoch's mean. Geometric interpolation, as losses decay multiplicatively.
        """
        t = self.train
        if self.n < 2 or not self.positive:
            return list(t)
        # the geometric mean through logs: a product of two losses may overflow
        out = [math.exp((math.log(t[i]) + math.log(t[i + 1])) / 2) for i in range(self.n - 1)]
        last_step = min(max(log_ratio(t[-1], t[-2]), math.log(0.5)), math.log(2.0))
        out.append(t[-1] * math.exp(last_step / 2))
        # at the bottom of the float range the estimate may round to 0: keep the epoch mean
        return [o if o > 0 else x for o, x in zip(out, t)]

    def log_gap(self, shifted: bool = False) -> list[float]:
        """log(train / val) per epoch: > 0 where validation is below training."""
        train = self.train_at_end if shifted else self.train
        if not self.positive:
            return [0.0] * self.n
        return [log_ratio(t, v) for t, v in zip(train, self.val)]


# the accuracies are asked why validation's loss is below training's once it is by
# ACCURACY_LOSS_GAP (log; as a persistent gap must be). Within ACCURACY_LEVEL (validation's
# minus training's) they are level, beyond ACCURACY_ABOVE validation predicts better; level
# counts only where training still misses ACCURACY_MISSES or more (a mechanism worsening
# its predictions by a fifth then moves the accuracies a point, twice the level band)
ACCURACY_LOSS_GAP = 0.05
ACCURACY_MISSES = 0.05
ACCURACY_LEVEL = 0.005
ACCURACY_ABOVE = 0.02

PRINT_FLOOR = 0.01  # a curve whose smallest printed value is below this is printed rounded


def unround(values: list[float]) -> tuple[list[float], bool]:
    """A curve printed with few decimals shows ``0.0000`` once it falls below the last digit:
    such zeros (in a curve whose other values are positive and reach below ``PRINT_FLOOR``)
    stand for half the print's resolution, taken as the power of ten of its smallest value.
    A curve that is zero throughout, or drops to zero from large values, is left as it is
    (that is a broken metric, not rounding)."""
    positive = [v for v in values if v > 0]
    if not positive or len(positive) == len(values) or any(v < 0 for v in values):
        return values, False
    smallest = min(positive)
    if smallest > PRINT_FLOOR:  # zeros after 0.01 are a two-decimal print's too
        return values, False
    resolution = 10.0 ** math.floor(math.log10(smallest))
    return [v if v > 0 else resolution / 2 for v in values], True


def loss_kind(run: Run) -> str:
    """What the validation loss measures, from its logged name: ``mse``, ``mae``, ``rmse``,
    or ``loss`` (anything else, most often a mean cross-entropy)."""
    name = str(run.info.columns.get("val_loss", "")).lower()
    for kind in ("rmse", "mse", "mae"):
        if kind in name:
            return kind
    return "loss"


def median(values: list[float]) -> float:
    s = sorted(values)
    if not s:
        return 0.0
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def describe_gap(log_val_over_train: float) -> str:
    """``validation 12% above training`` for a log ratio val / train."""
    pct = (exp_safe(log_val_over_train) - 1) * 100
    if pct >= 100:  # "19683% above" reads better as a ratio
        return f"validation {times(log_val_over_train)} training"
    return f"validation {abs(pct):.0f}% {'above' if pct >= 0 else 'below'} training"


def wiggle(values: list[float]) -> float:
    """Epoch-to-epoch noise of a curve on a log scale (robust, trend removed).

    Each point is compared with the mean of its neighbours; the median absolute residual
    is scaled to a standard deviation. A smooth curve gives ~0, a jumpy one its jitter.
    """
    logs = [math.log(v) for v in values if v > 0]
    if len(logs) < 3:
        return 0.0
    residuals = [abs(logs[i] - (logs[i - 1] + logs[i + 1]) / 2) for i in range(1, len(logs) - 1)]
    # for white noise of sd s the residual has sd s*sqrt(1.5); MAD -> sd factor 1.4826
    return 1.4826 * median(residuals) / math.sqrt(1.5)


def validation_minimum(c: Curves, smooth: list[float] | None = None) -> tuple[int, int]:
    """Where the smoothed validation curve (``smoothed``, or the part of it given) is lowest,
    and the epoch near it that is lowest as logged (``_lowest_near``)."""
    smooth = smoothed(c.val) if smooth is None else smooth
    best = min(range(len(smooth)), key=lambda i: smooth[i])
    return best, _lowest_near(c, best)


def _lowest_near(c: Curves, i: int) -> int:
    """The epoch of the lowest validation loss as logged within one of ``i``: the smoothed
    curve finds the minimum without being fooled by one noisy dip; the epoch named is
    the one a person (and the best-epoch finding) sees in the log."""
    near = range(max(0, i - 1), min(c.n, i + 2))
    return min(near, key=lambda j: c.val[j])


def smoothed(values: list[float]) -> list[float]:
    """Median of three neighbours, so one noisy epoch neither makes nor hides a minimum."""
    if len(values) < 3:
        return list(values)
    mid = [median(values[i - 1:i + 2]) for i in range(1, len(values) - 1)]
    return [values[0], *mid, values[-1]]


def robust_spread(values: list[float]) -> float:
    """Robust standard deviation of values about their median (MAD scaled to a standard
    deviation): one or two outlying epochs among eight do not move it."""
    if len(values) < 3:
        return math.inf
    mid = median(values)
    return 1.4826 * median([abs(v - mid) for v in values])


def val_standard_error(n_val: int | None, mean_loss: float, kind: str = "loss") -> float | None:
    """Relative standard error (log units) of a validation loss averaged over n_val samples.

    At least 1/sqrt(n) (per-sample losses spread about as much as their mean). A mean
    squared error of Gaussian residuals spreads more: sqrt(2/n). A low mean cross-entropy is
    made of a few confident mistakes (loss ~1 each) among many near-zero losses: it behaves
    like a count of about n * mean mistakes, whose relative error is 1/sqrt(n * mean). With
    30 samples and a loss of 0.06 that is ~75 %. That count model is used only for a loss
    that can be a mean cross-entropy (not an MSE/MAE, not above 20, which is a sum).
    """
    if not n_val or n_val <= 0:
        return None
    n_val = min(n_val, 10**15)  # past any real set: keeps the float conversion finite
    base = 1 / math.sqrt(n_val)
    if kind == "mse":
        return math.sqrt(2) * base
    if kind == "loss" and 0 < mean_loss < 1:
        return max(base, 1 / math.sqrt(n_val * mean_loss))
    return base


def below_share(gaps: list[float], margin: float = 0.0) -> float:
    """Share of epochs where validation sits below training by more than ``margin``."""
    return sum(1 for g in gaps if g > margin) / len(gaps) if gaps else 0.0


def known_train_mode(facts: Facts) -> bool | None:
    """True if the facts name a train-mode mechanism, False if they rule all out, else None."""
    values = [facts.dropout, facts.batchnorm, facts.augmentation, facts.weight_penalty,
              facts.loss_weighting]
    if any(v not in (None, False, 0, 0.0) for v in values):
        return True
    if all(v is not None for v in values[:3]) and all(v in (False, 0, 0.0) for v in values[:3]):
        return False
    return None


@dataclass(frozen=True)
class Shape:
    """How validation sits against training over the run (all on the end-of-epoch train curve)."""

    below_all: float      # share of all epochs with validation below training (beyond 5 %)
    late_gap: float       # median log(train/val) over the late epochs
    early_gap: float      # median log(train/val) over the first three epochs
    offset_cv: float      # spread of the late absolute offset (train - val) relative to its size
    train_fall: float       # log fall of training loss over the whole run
    val_fall: float         # log fall of validation loss over the whole run
    train_jitter: float     # epoch-to-epoch noise of the training curve (log units)
    train_late_fall: float = 0.0  # log fall of training over the second half
    val_late_fall: float = 0.0    # log fall of validation over the second half
    late_fall_noise: float = 0.0  # noise of such a fall (from the training jitter)
    offset_late_fall: float | None = None  # log fall of (train - val) over the second half
    train_fall_since_second: float = math.inf  # log fall of training from the second epoch
    val_fall_since_second: float = math.inf    # the same of validation
    faded: float = 0.0  # ``faded_share`` against twice validation's jitter
    accuracy_gap: float | None = None  # late median of validation minus training accuracy

    @property
    def accuracies_say(self) -> str | None:
        """What the accuracies say of validation's loss clearly below training's (late):
        ``loss-only`` where training's accuracy is level with validation's or above it (a
        term in the loss, a penalty, class weights or smoothing, changes the loss, not which
        class wins), ``predictions`` where validation's is above it by ``ACCURACY_ABOVE``
        or more (the training predictions are worse: dropout, batch norm or augmentation in
        training, or unlike sets); None where the log prints no accuracy for both sets,
        training's is near 100 %, or between the two. Measured on the labelled runs below
        95 %: loss-only terms -1.4 to -0.5 points, dropout, batch norm, augmentation and
        easier validation sets +1.1 to +29."""
        if self.accuracy_gap is None or self.late_gap <= ACCURACY_LOSS_GAP:
            return None
        if self.accuracy_gap <= ACCURACY_LEVEL:
            return "loss-only"
        return "predictions" if self.accuracy_gap >= ACCURACY_ABOVE else None

    @property
    def gap_kind(self) -> str | None:
        """How validation sits below training while training still falls: ``additive``
        (the absolute offset stays as the losses fall: a term added to the training loss,
        a penalty) or ``ratio`` (the offset falls with the losses: a share of the loss, as
        dropout, batch norm or augmentation make it); None where training falls too little
        over the second half to tell."""
        fall = self.train_late_fall
        if self.offset_late_fall is None or fall < max(0.1, 3 * self.late_fall_noise):
            return None
        if self.offset_late_fall <= 0.3 * fall:
            return "additive"
        return "ratio" if self.offset_late_fall >= 0.7 * fall else None

    @property
    def only_train_improves(self) -> bool:
        """Over the second half training still falls beyond its noise while validation has
        stopped, and validation stays below training by several times that fall.

        Memorising the training set pulls a train-mode gap shut (the eval-mode loss of
        the training data falls with it and validation would follow); a gap that stays wide
        while only training improves is the two sets being unalike (a harder or noisier
        training set, an easier validation set).
        """
        fall = self.train_late_fall
        return (fall > max(3 * self.late_fall_noise, 0.02)
                and self.val_late_fall < fall / 3
                and self.late_gap > 3 * fall)

    @property
    def gap_from_start(self) -> bool:
        """Validation below training from the first epochs, by much the same margin at the
        end: a property of the two sets, there before the network adapts to anything."""
        return self.early_gap > 0.05 and self.late_gap >= 0.6 * self.early_gap

    @property
    def settled_at_once(self) -> bool:
        """Validation a third or more below training from the first epochs to the end,
        and both curves flat from the second epoch on (each fell less than 15 % since):
        the whole gap there from epoch 1, with a flat validation curve, as the spec says an
        easier validation set shows it. The network learnt what it could in one epoch; a
        gap it leaves so points at the two sets being unlike (a cleaner or easier validation
        set, label noise in the training part). Only points: label smoothing leaves the very
        same floor (smoothing at rate e is, in expectation, labels redrawn at rate e)."""
        return (self.train_fall_since_second < 0.15 and self.val_fall_since_second < 0.15
                and self.early_gap > 0.3 and self.late_gap > 0.3)

    @property
    def train_plateaus(self) -> bool:
        """Training improved clearly less than validation (harder training data)."""
        return self.train_fall < 0.75 * self.val_fall

    @property
    def persistent(self) -> bool:
        """Validation below training in most epochs and still at the end."""
        return self.below_all >= 0.75 and self.late_gap > 0.05


def shape(c: Curves) -> Shape:
    gaps = c.log_gap(shifted=True)
    late = c.late()
    offsets = [t - v for t, v in zip(c.train_at_end[late], c.val[late])]
    mean_off = mean(offsets)
    off_spread = spread(offsets)
    return Shape(
        below_all=below_share(gaps, 0.05),
        late_gap=median(gaps[late]),
        early_gap=median(gaps[:3]),
        offset_cv=off_spread / abs(mean_off) if mean_off else math.inf,
        train_fall=log_ratio(c.train[0], c.train[-1]) if c.positive else 0.0,
        val_fall=log_ratio(c.val[0], c.val[-1]) if c.positive else 0.0,
        train_jitter=wiggle(c.train),
        faded=faded_share(c, 2 * wiggle(c.val)),
        accuracy_gap=_accuracy_gap(c),
        **_late_falls(c),
    )


def _accuracy_gap(c: Curves) -> float | None:
    """The median over the run's last third of validation's accuracy minus training's;
    None where training misses less than ``ACCURACY_MISSES`` late and validation is not
    clearly below it: near 100 % every mechanism leaves the accuracies level, but
    validation predicting worse while its loss is lower says the same at any accuracy."""
    if c.train_accuracy is None or c.val_accuracy is None:
        return None
    if any(max(a) - min(a) <= ACCURACY_LEVEL for a in (c.train_accuracy, c.val_accuracy)):
        return None  # an accuracy that never moves (one class predicted) tells nothing
    late = c.last_third()
    gap = median([v - t for t, v in zip(c.train_accuracy[late], c.val_accuracy[late])])
    if 1 - median(c.train_accuracy[late]) < ACCURACY_MISSES and gap > -ACCURACY_ABOVE:
        return None
    return gap


def late_fall(values: list[float]) -> tuple[float, float]:
    """A curve's log fall over the second half, between the medians of the half's first and
    last sixths of the run, and the noise of such a difference of medians (from the half's
    epoch-to-epoch jitter). Needs positive values."""
    n = len(values)
    k, mid = max(1, n // 6), n // 2
    fall = log_ratio(median(values[mid:mid + k]), median(values[-k:]))
    # a median of k points has about 1.25 sd/sqrt(k); two of them differ by sqrt(2) that
    return fall, 1.25 * wiggle(values[mid:]) * math.sqrt(2 / k)


def levelled(val_fall: float, val_noise: float, train_fall: float) -> bool:
    """Validation has stopped improving over the second half (``late_fall``'s falls): its
    fall is within its noise, or under a tenth of training's over the same epochs."""
    return val_fall <= max(2 * val_noise, 0.1 * train_fall)


def _late_falls(c: Curves) -> dict[str, float]:
    """Both curves' late falls, the noise of training's, and the absolute offset's."""
    if c.n < 5 or not c.positive:
        return {}
    train_fall, noise = late_fall(c.train)
    out = {"train_late_fall": train_fall, "val_late_fall": late_fall(c.val)[0],
           "late_fall_noise": noise}
    if c.n >= 8:  # "from the second epoch" means something once there are enough after it
        out["train_fall_since_second"] = log_ratio(c.train[1], c.train[-1])
        out["val_fall_since_second"] = log_ratio(c.val[1], c.val[-1])
    offsets = [t - v for t, v in zip(c.train_at_end, c.val)]
    if all(o > 0 for o in offsets[c.n // 2:]):
        out["offset_late_fall"] = late_fall(offsets)[0]
    return out


def _accuracy(table, rows: list[int], name: str) -> list[float] | None:
    """An accuracy column at these rows as shares of 1 (a percentage divided by 100), or
    None where the log prints none, an epoch lacks one or a value is no accuracy."""
    if name not in table or not rows:
        return None
    column = table[name]
    if column.dtype.kind == "f":  # as every reader's table is: no conversion to pay for
        values = column.to_numpy()
    else:
        import pandas as pd  # the table is a frame: pandas is loaded

        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    shares = values[rows]
    if not all(math.isfinite(a) and 0 <= a <= 100 for a in shares):
        return None
    return (shares / (100.0 if shares.max() > 1 else 1.0)).tolist()


def faded_share(c: Curves, band: float, one_sided: float = 0.8,
                material: float = 0.1) -> float:
    """The share of the run's first two thirds with validation below training (the shifted
    gaps), where it is ``one_sided`` or more and their median gap is beyond ``band`` and
    ``material`` (10 % in log units); else 0. A gap that held through most of the run and
    is level only late faded: a mechanism's gap (met by the generalisation gap as the model
    fits), which chance does not make; a few per cent early is what a training mean's lag
    leaves after the half-epoch shift."""
    gaps = c.log_gap(shifted=True)
    early = gaps[:max(1, 2 * len(gaps) // 3)]
    below = sum(g > 0 for g in early) / len(early)
    return below if below >= one_sided and median(early) > max(band, material) else 0.0
