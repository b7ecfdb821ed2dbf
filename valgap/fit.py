"""The one fit class of a run (spec: underfit, overfit, good-fit, val-below-train, diverged,
too-short), read from the curves as the log prints them.

Kept apart from ``rules/``: a run has exactly one fit class but any number of causes.
Decided in order, each test on ratios (log units) so that it means the same at every loss
scale:

1. ``diverged``: both losses non-finite to the end, or one ends ``explode_factor`` times
   its minimum, above where it began and the square root of ``explode_factor`` times its
   median (a curve that jumps over that range all run long has not exploded at its end).
2. ``too-short``: fewer than 2 epochs with both losses.
3. ``underfit``: neither loss improved by ``underfit_gain`` of where it started (a curve
   that never moves included: ``broken-metric`` says why among the causes). Not asked of a
   log resumed from a checkpoint (its first epoch numbered past 1): its start is not in it.
   Or, asked of every log, a classifier at chance at its end (``_at_chance``): validation
   accuracy within ``chance_accuracy`` of 1/C and both losses within ``chance_loss`` of
   ln C, a uniform guess's cross-entropy, for one whole number of classes C.
4. ``val-below-train``: validation below training late in the run, beyond the larger of
   ``below_margin``, twice the validation curve's jitter and the standard error a known
   validation size implies; or, for a jumpy validation curve, below training in
   ``sign_share`` of ``sign_epochs`` or more epochs and in every late one (at the epochs'
   ends), by more than ``below_margin`` and the standard error: a symmetric jitter would
   cross training in half of them. A validation that crossed over at its last two epochs, or
   met training over the run's last tenth (within half the margin), has not stayed below.
   Checked before the shape tests: a noisy validation curve that rises from one dip while
   it stays below training is not overfitting.
5. ``overfit`` by shape: validation rose from its minimum by more than ``overfit_rise``,
   ``overfit_noise_sigmas`` times its jitter and twice its standard error, while training
   kept falling; or it stalled while training fell (``stall_*``); or the gap opened by
   ``gap_growth`` while training improved.
6. ``overfit`` by size: late in the run (the last third, at least 3 epochs) validation
   stays ``wide_gap`` (2) times training or more, whatever its last epochs do. One
   exception: two losses near zero that still go down together (a gap under
   ``material_gap`` of the first validation loss, and validation's late fall at least
   ``track_share`` of training's, in log units: validation tracking a memorised training
   set, as leakage makes it) are not "validation error high". A validation that slowed
   there while training fell on is overfitting, however small the gap.
7. ``overfit`` by a validation that never followed training: over the run training fell
   ``underfit_gain`` or more, validation less than ``follow_share`` of that (log units),
   and the gap ends ``plateau_gap`` (1.5) times training or more, grown ``plateau_growth``
   times since the run's first fifth (at least its first 2 epochs, against its last 3: a
   run of 4 epochs or more) (``_plateau_gap`` is the same test over the second
   half, for a validation that stalled later: there ``stalled_gap`` (1.3) times training
   is enough, as validation's stall within its noise, while training still falls beyond
   its own, is shown rather than inferred; a validation still falling there, but by less
   than ``follow_share`` of training's fall, needs ``plateau_gap``). The gap must be a
   material share of the first validation loss only where validation still tracks
   training down over the last third (as in the size test) or still reaches new lows in
   the last two epochs: one that stopped improving near zero long before the end, while
   training fell on, is overfitting however small the gap.
8. ``underfit`` by an unfinished run: both losses still fall over the run's last fifth
   by ``steep_fall`` (10 %) or more, at half or more of their average rate over the run
   (``steep_share``), plainly: by ``unfinished_clarity`` (5) times the curve's own scatter
   about its late trend, and its epoch-to-epoch jitter over the run, or more, as a reader
   of the curve would see it (a noisy validation
   drifting down 1 % an epoch under swings of 15 %, as a detector's long run does, has
   settled as far as its curve can show) (or by half ``steep_fall`` where they fall at least
   as fast at the end as on average: a curve that has not begun to bend has not settled,
   however short the run's last fifth; and where they have come less than a third of the
   way down from where they started: a run that has barely begun is not a fit), while
   the gap did not open by more than ``unfinished_gap_growth`` over the run (validation
   lagging more and more is overfitting starting, and training longer would widen it):
   training stopped before they settled. A run of 2 to 5 epochs has no late trend: it is
   unfinished where both losses fell at each of its last two steps, by ``steep_fall`` or
   more at the last.
9. ``underfit`` by a training loss stuck after its first epochs (``_stuck``; in a log
   resumed from a checkpoint, not while its validation loss still falls).
10. ``good-fit``: both fell and settled, validation at or slightly above training.

Losses that are not all positive have no ratios: they are judged on differences
(``_on_differences``): below training or not, and an upturn of validation by
``overfit_rise_share`` of its own fall while training kept falling.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from valgap._num import exp_safe, log_ratio, times
from valgap.model import Facts, FitResult, Run, in_rows
from valgap.rules._signals import (
    Curves,
    below_share,
    describe_gap,
    late_fall,
    levelled,
    median,
    robust_spread,
    smoothed,
    val_standard_error,
    validation_minimum,
    wiggle,
)


@dataclass(frozen=True)
class FitConfig:
    explode_factor: float = 10.0     # a loss this many times its minimum has exploded
    underfit_gain: float = 0.15      # both losses improved less than this share: underfit
    overfit_rise: float = 0.05       # validation this much above its minimum at the end
    overfit_noise_sigmas: float = 3.0
    overfit_rise_share: float = 0.1  # losses not all positive: a rise this share of the fall
    below_margin: float = 0.05       # log-ratio validation must sit below training by
    below_share: float = 0.6         # ... in this share of the late epochs
    sign_epochs: int = 10            # or, with this many epochs or more, below training in
    sign_share: float = 0.9          # ... this share of them and every late one (jumpy curves)
    stall_train_fall: float = 0.5    # log fall of training loss over the late epochs, and
    stall_gap: float = 0.7           # log(val/train) at the end, for a stalled validation
    wide_gap: float = 2.0            # validation this many times training late in the run
    gap_growth: float = 1.5          # the gap grew by this factor while training improved
    steep_share: float = 0.5         # a late fall rate this share of the run's, and
    steep_fall: float = 0.1          # ... this log fall over the run's last fifth: unfinished
    unfinished_gap_growth: float = 1.15  # ... unless the gap grew this much over the run
    unfinished_clarity: float = 5.0  # ... and a late fall this many times the curve's scatter
    material_gap: float = 0.05       # a wide gap is material: this share of the first loss
    track_share: float = 2 / 3       # ... unless validation fell this share of training's fall
    stuck_gain: float = 0.02         # training improved less than this over most of the run
    plateau_gap: float = 1.5         # validation this many times training at the end, and
    plateau_growth: float = 1.25     # ... the gap grown this much since the run's first fifth
    plateau_train_fall: float = 0.1  # ... while training fell this (log) over the second half
    follow_share: float = 1 / 3      # validation fell less than this share of training's fall
    stalled_gap: float = 1.3         # plateau_gap where validation stalled over the second half
    chance_accuracy: float = 0.05    # validation accuracy this near 1/C, and
    chance_loss: float = 0.05        # ... both losses this near ln C (relative): at chance


def classify(run: Run, facts: Facts, conf: FitConfig = FitConfig()) -> FitResult:
    """The run's fit class, its evidence worded in what a row of the run is (an epoch, an
    evaluation every N steps, a boosting round)."""
    result = _classify(run, facts, conf)
    result.evidence = in_rows(result.evidence, run.info.row)
    return result


def _classify(run: Run, facts: Facts, conf: FitConfig) -> FitResult:
    table = run.table
    names = {"train_loss": "training loss", "val_loss": "validation loss"}
    empty = [c for c in names if c in table and len(table) and
             all(math.isnan(v) for v in table[c].tolist())]
    if len(empty) == 1:  # e.g. Keras 3.8 writes val_* = nan when there is no validation data
        table = table.drop(columns=empty)
    missing = [names[c] for c in names if c not in table or not len(table)]
    if missing:
        hint = f" ({run.info.warnings[-1]})" if not run.epochs and run.info.warnings else ""
        why = run.info.absent or f"nothing to compare{hint}"
        return FitResult(None, f"the log has no {' and no '.join(missing)}: {why}")
    diverged = _diverged(run, conf)
    if diverged:
        return FitResult("diverged", diverged)
    curves = Curves.of(run)
    assert curves is not None
    if curves.n < 2:
        return FitResult("too-short", f"{curves.n} epoch(s) with both losses: nothing to judge")
    if not curves.positive:
        return _on_differences(curves, conf)
    checks = [_underfit, _at_chance, _val_below, _overfit, _wide_late_gap, _plateau_gap,
              _never_improved, _unfinished, _stuck]
    resumed = run.info.first_epoch > 1 or run.info.continues  # its start is not in it
    if resumed:
        checks.remove(_underfit)
        checks[checks.index(_stuck)] = functools.partial(_stuck, resumed=True)
    for check in checks:
        result = check(curves, facts, conf)
        if result:
            return result
    gap = median(curves.log_gap(shifted=True)[curves.late()])
    late = f"late gap {describe_gap(-gap)} (validation vs training at epoch end)"
    if curves.n < SETTLING_SHOWN:
        return FitResult("good-fit", f"both losses fell over {curves.n} epochs, too few to show "
                         f"them settle; {late}", few_epochs=curves.n)
    # a log that continues a run before it (a second fit() call, a table of steps from far
    # past 0): whether the losses fell before it began, it cannot show
    if run.info.continues:
        return FitResult("good-fit", f"both losses settled together as far as the log shows "
                         f"(it starts mid-training); {late}", resumed=True)
    return FitResult("good-fit", f"both losses fell and settled; {late}")


# the fewest epochs with a late stretch to show the losses settled (a shorter run's
# unfinished test has only its last steps, ``_unfinished_short``)
SETTLING_SHOWN = 6


def _on_differences(c: Curves, conf: FitConfig) -> FitResult:
    """Losses that are not all positive (a log-likelihood, a Dice loss taken as a log) have
    no ratios: validation below training or not, from their differences, and an upturn
    measured against validation's own fall: after its (smoothed) lowest epoch it ends
    ``overfit_rise_share`` of that fall above it, beyond three times its scatter about
    the smoothed curve, its last two epochs above the lowest, while training fell a tenth
    of its own range further. Neither ever below its first value (zeros throughout
    included) is underfitting, as on ratios."""
    if min(c.train) >= c.train[0] and min(c.val) >= c.val[0]:
        return FitResult("underfit", "losses are not all positive: judged on differences "
                         "only; neither loss ever fell below its first value")
    if median(_diff(c)) < 0:
        return FitResult("val-below-train", "losses are not all positive: judged on "
                         "differences only (validation below training)")
    val = smoothed(c.val)
    best, low = validation_minimum(c, val)
    fall, rise = c.val[0] - val[best], val[-1] - val[best]
    scatter = median([abs(v - s) for v, s in zip(c.val, val)])
    train_fell = c.train[best] - c.train[-1] > 0.1 * (max(c.train) - min(c.train))
    if best < c.n - 2 and fall > 0 and rise > conf.overfit_rise_share * fall and \
            rise > 3 * scatter and train_fell and all(v > c.val[low] for v in c.val[-2:]):
        return FitResult("overfit", f"losses are not all positive: judged on differences "
                         f"only; validation loss bottomed at epoch {c.epochs[low]} "
                         f"({c.val[low]:.4g}) and rose {rise / fall:.0%} of its fall by the "
                         f"end while training loss kept falling ({c.train[low]:.4g} -> "
                         f"{c.train[-1]:.4g})", onset_epoch=c.epochs[low])
    return FitResult("good-fit", "losses are not all positive: judged on differences only "
                     "(validation at or above training)")


def _wide_late_gap(c: Curves, facts: Facts, conf: FitConfig) -> FitResult | None:
    """Validation at ``wide_gap`` times training or more late in the run: the seed's
    "validation error high, training error low", whatever shape the curve has."""
    late = c.last_third()
    ratio = median([log_ratio(v, t) for t, v in zip(c.train[late], c.val[late])])
    # a ratio of two losses near zero that still fall together (training memorised,
    # validation tracking it) is not "validation error high"
    gap = median(c.val[late]) - median(c.train[late])
    if ratio < math.log(conf.wide_gap) or \
            (gap < conf.material_gap * c.val_start and _tracking(c, late, conf)):
        return None
    # the last epoch alone neither makes nor hides a minimum
    best, low = validation_minimum(c, smoothed(c.val)[:-1])
    where = (f"validation was lowest at epoch {c.epochs[low]}{_lower_alone(c, low)}"
             if best < c.n - 2 else "validation still at its lowest")
    return FitResult("overfit", f"late in the run validation stays {times(ratio)} "
                     f"training (median of the last {len(c.train[late])} epochs: "
                     f"{median(c.val[late]):.4g} against {median(c.train[late]):.4g}); "
                     f"{where}", onset_epoch=c.epochs[low] if best < c.n - 2 else None)


def _tracking(c: Curves, late: slice, conf: FitConfig) -> bool:
    """Over the late epochs validation fell ``track_share`` or more of training's fall (log
    units, the medians of their first and last thirds): their ratio nearly held while both
    went down, as two losses tending to zero do where validation shares training's examples
    (the spec's leakage signature). A validation that slowed there while training fell on
    is what overfitting looks like, however small the gap."""
    val, train = c.val[late], c.train[late]
    k = max(1, len(val) // 3)
    train_fall = log_ratio(median(train[:k]), median(train[-k:]))
    val_fall = log_ratio(median(val[:k]), median(val[-k:]))
    return train_fall > 0 and val_fall >= conf.track_share * train_fall


def _lower_alone(c: Curves, low: int) -> str:
    """Where one epoch elsewhere is lower than the smoothed minimum named: said, so that the
    fit and the best-epoch finding (which reads single epochs) do not seem to disagree."""
    lowest = min(range(c.n), key=lambda i: c.val[i])
    if c.val[lowest] >= c.val[low]:
        return ""
    return (f" (three epochs at a time; epoch {c.epochs[lowest]} alone is lower, "
            f"{c.val[lowest]:.4g})")


def _plateau_gap(c: Curves, facts: Facts, conf: FitConfig) -> FitResult | None:
    """Validation has stopped following training down while training still clearly improves,
    and the gap this opened is material: the spec's "validation stalls while training keeps
    falling; the gap grows", below the 2x line. Over the run's second half training falls
    ``plateau_train_fall`` or more (beyond three times its own noise) and validation either
    stalls (its fall within its noise: the gap must end ``stalled_gap`` times training or
    more) or falls less than ``follow_share`` of training's fall (log units: the gap must
    end ``plateau_gap`` times training or more); in both the gap has grown
    ``plateau_growth`` times since the run's first fifth, or over the second half, and is a
    material share of the first validation loss. Converging runs are spared: their training
    loss flattens with validation's."""
    if c.n < 8:
        return None
    val_fall, val_noise = late_fall(c.val)
    train_fall, train_noise = late_fall(c.train)
    if train_fall < max(conf.plateau_train_fall, 3 * train_noise):
        return None
    stalled = val_fall <= max(2 * val_noise, 0.02)
    if not stalled and val_fall >= conf.follow_share * train_fall:
        return None
    gap = _opened_gap(c, conf, conf.stalled_gap if stalled else conf.plateau_gap,
                      half_growth=train_fall - val_fall)
    if gap is None:
        return None
    early, late = gap
    best, low = validation_minimum(c)
    how = (f"validation stopped improving (its fall over the second half, {val_fall:+.1%} "
           "in log units, is within its noise)" if stalled else
           f"validation no longer followed training down (over the second half it fell "
           f"{1 - exp_safe(-val_fall):.0%})")
    grew = (f"the gap grew from {exp_safe(early):.2g}x to {exp_safe(late):.2g}x training"
            if late - early >= math.log(conf.plateau_growth) else
            f"the gap grew {exp_safe(train_fall - val_fall):.2g}x over the second half, to "
            f"{exp_safe(late):.2g}x training")
    return FitResult("overfit", f"{how} while training still fell "
                     f"{1 - exp_safe(-train_fall):.0%}; {grew}",
                     onset_epoch=c.epochs[low] if best < c.n - 2 else c.epochs[c.n // 2])


def _never_improved(c: Curves, facts: Facts, conf: FitConfig) -> FitResult | None:
    """Validation did not follow training down: over the run (its first fifth against its
    last third, in log units) training fell ``underfit_gain`` or more while validation fell
    less than ``follow_share`` of that, and the gap this opened ends ``plateau_gap`` times
    training or more, grown ``plateau_growth`` times since the first fifth, a material share
    of the first validation loss. The spec's "validation stalls while training keeps
    falling; the gap grows", where the stall began at the start (a model that fitted its
    training set from the first epochs on, learning nothing that carries to validation) and
    training may since have flattened too, which ``_plateau_gap``'s second-half test misses."""
    if c.n < 4:
        return None
    k, late = max(2, c.n // 5), c.last_third()
    val_fall = log_ratio(median(c.val[:k]), median(c.val[late]))
    train_fall = log_ratio(median(c.train_at_end[:k]), median(c.train[late]))
    gap = _opened_gap(c, conf, conf.plateau_gap)
    if train_fall < conf.underfit_gain or val_fall > conf.follow_share * train_fall or \
            gap is None:
        return None
    early, end = gap
    best, low = validation_minimum(c)
    return FitResult("overfit", f"validation did not follow training down: over the run "
                     f"training fell {1 - exp_safe(-train_fall):.0%} and validation "
                     f"{1 - exp_safe(-val_fall):.0%}; the gap grew from {exp_safe(early):.2g}x "
                     f"to {exp_safe(end):.2g}x training",
                     onset_epoch=c.epochs[low] if best < c.n - 2 else None)


def _opened_gap(c: Curves, conf: FitConfig, least: float,
                half_growth: float = 0.0) -> tuple[float, float] | None:
    """The gap's log(val / train) over the run's first fifth and its last third, when it
    opened: ending ``least`` times training or more, grown ``plateau_growth`` times, and a
    material share (``material_gap``) of the first validation loss unless validation
    stopped tracking training down over the last third and was lowest before its last two
    epochs; else None. A growth of
    ``half_growth`` (log units) over the second half counts as well (the gap a stall there
    opens: a detector's first validations, jumping tenfold, leave no trustworthy early gap
    to grow from)."""
    early, late = _gap_early_late(c)
    end = c.last_third()
    material = median(c.val[end]) - median(c.train[end]) >= conf.material_gap * c.val_start \
        or (not _tracking(c, end, conf) and validation_minimum(c)[0] < c.n - 2)
    grown = max(late - early, half_growth) >= math.log(conf.plateau_growth)
    if late < math.log(least) or not grown or not material:
        return None
    return early, late


def _gap_early_late(c: Curves) -> tuple[float, float]:
    """log(val / train) at the epochs' ends, over the run's first fifth and its last third
    (medians; > 0: validation above training)."""
    gaps = [-g for g in c.log_gap(shifted=True)]
    return median(gaps[:max(2, c.n // 5)]), median(gaps[c.last_third()])


def _unfinished(c: Curves, facts: Facts, conf: FitConfig) -> FitResult | None:
    """Both losses still fall at the end about as fast as they fell on average: the run
    stopped before they settled, so whatever fit it reached is not its last word."""
    if c.n < SETTLING_SHOWN:
        return _unfinished_short(c, conf)
    k = max(3, c.n // 5)  # the run's last fifth: its last k epochs, k steps from the one before
    falls = []
    for curve in (c.val, c.train):
        total = log_ratio(curve[0], curve[-1])
        overall = total / (c.n - 1)
        late, scatter = _log_trend(curve[-(k + 1):])
        # a few late points may line up by chance on a jumpy curve: its own epoch-to-epoch
        # jitter over the run is the least scatter its late fall must clear
        scatter = max(scatter, wiggle(curve))
        fall = -late * k
        # no slowing at all (late rate at or above the average), or a curve that has come
        # less than a third of the way down from where it started: half the fall says it
        barely = total < -math.log(1 - 1 / 3)
        enough = conf.steep_fall / 2 if -late >= overall or barely else conf.steep_fall
        if overall <= 0 or -late < conf.steep_share * overall or fall < enough \
                or fall < conf.unfinished_clarity * scatter:
            return None
        falls.append((fall, -late / overall))
    (fall, share), _ = falls
    if _lagging(*_gap_early_late(c), conf):
        return None
    return FitResult("underfit", f"both losses are still falling at the end: validation fell "
                     f"{1 - exp_safe(-fall):.0%} over the last {k} epochs, at {share:.0%} of "
                     "its average rate; training stopped before they settled (train longer)",
                     unfinished=True)


def _unfinished_short(c: Curves, conf: FitConfig) -> FitResult | None:
    """A run of 2 to 5 epochs is too short for a late trend: it is unfinished where both
    losses fell at each of its last steps (the last two, or the one a 2-epoch run has) and
    by ``steep_fall`` or more at the last, and the gap did not open by more than
    ``unfinished_gap_growth``. Nothing in such a run says the losses settled."""
    steps = min(2, c.n - 1)
    for curve in (c.val, c.train):
        falls = [log_ratio(curve[i - 1], curve[i]) for i in range(c.n - steps, c.n)]
        if min(falls) <= 0 or falls[-1] < conf.steep_fall:
            return None
    gaps = [-g for g in c.log_gap(shifted=True)]
    if _lagging(gaps[0], gaps[-1], conf):
        return None
    fall = log_ratio(c.val[-2], c.val[-1])
    return FitResult("underfit", f"both losses are still falling at the end of a {c.n}-epoch "
                     f"run: validation fell {1 - exp_safe(-fall):.0%} over the last epoch; "
                     "training stopped before they settled (train longer)", unfinished=True)


def _lagging(early: float, late: float, conf: FitConfig) -> bool:
    """Validation lagging training more and more (log(val / train) from ``early`` to
    ``late``): overfitting starting, which training longer (an unfinished run's advice)
    would widen. Validation still below training and closing on it lags nothing."""
    return late > 0 and late - early > math.log(conf.unfinished_gap_growth)


def _stuck(c: Curves, facts: Facts, conf: FitConfig, resumed: bool = False
           ) -> FitResult | None:
    """The training loss stopped improving after its first evaluations and only bounces:
    over the run after its first tenth it gained less than ``stuck_gain``, less than it moves
    from one evaluation to the next. A model that converged still lowers its training loss,
    slowly and smoothly (it keeps fitting the training set); one stuck (a learning rate too
    high, a dead network) does not. A training loss that does not move at all, neither
    falling nor bouncing by a twentieth of ``stuck_gain``, within ``underfit_gain`` of where
    it began, is frozen: a network that died (its outputs collapsed to one answer) or a loss
    not computed as intended (one that fell to its printed precision's floor, 0.00, is
    memorised, not frozen). Scale-free: shares of the loss and of its own jitter."""
    if c.n < 6:
        return None
    start = max(1, c.n // 10)
    third = max(2, c.n // 3)
    early, late = median(c.train[start:start + third]), median(c.train[-third:])
    gain = (early - late) / early
    jitter = wiggle(c.train[c.n // 3:])
    frozen = max(abs(gain), jitter) < conf.stuck_gain / 20 and \
        (c.train[0] - late) / c.train[0] < conf.underfit_gain
    if frozen:
        return FitResult("underfit", f"training loss has not moved since epoch "
                         f"{c.epochs[start]} ({gain:+.2%}, {jitter:.2%} from one epoch to the "
                         "next): frozen, not converged (a network whose outputs collapsed, "
                         "or a loss not computed as intended)")
    if gain >= conf.stuck_gain or jitter <= max(gain, 0.0) or \
            _still_learning(c, start, third, resumed):
        return None
    return FitResult("underfit", f"training loss stopped improving after epoch "
                     f"{c.epochs[start]}: {gain:+.1%} since, while it moves "
                     f"{jitter:.1%} from one epoch to the next; stuck, not converged (lower "
                     "the learning rate, check the gradients)")


def _still_learning(c: Curves, start: int, third: int, resumed: bool) -> bool:
    """The model kept learning where its training loss stalled: the training accuracy's
    error rate, where the log prints it, fell over the same stretch by more than it moves
    from one epoch to the next (and 2 %); in a log that does not hold its start, the
    validation loss too. A loss creeping up at 97 % accuracy is growing confidence in a few
    mistakes; a training loss printed from one batch hides a slow fall in its bounces that
    a whole validation set shows. A stuck model's validation and accuracy stall with its
    loss. Where the log holds its start, a validation that crept down a few percent from
    where it began is no sign against it: the run barely improved on its start (the spec's
    underfit), which a log resumed from a checkpoint cannot show."""
    curves = [c.val] if resumed else []
    if c.train_accuracy is not None:
        curves.append([max(1 - a, 1e-9) for a in c.train_accuracy])
    for values in curves:
        early, late = median(values[start:start + third]), median(values[-third:])
        if (early - late) / early > max(wiggle(values[c.n // 3:]), 0.02):
            return True
    return False


def _log_trend(values: list[float]) -> tuple[float, float]:
    """Least-squares slope of log(values) per epoch, and the values' scatter about that
    line (the residuals' standard deviation, in log units: 0.1 is swings of ~10 %)."""
    n = len(values)
    xs = range(n)
    ys = [math.log(v) for v in values]
    x_mean, y_mean = (n - 1) / 2, sum(ys) / n
    sxx = sum((x - x_mean) ** 2 for x in xs)
    slope = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys)) / sxx
    residual = sum((y - y_mean - slope * (x - x_mean)) ** 2 for x, y in zip(xs, ys))
    return slope, math.sqrt(residual / max(1, n - 2))


def _diff(c: Curves) -> list[float]:
    return [v - t for t, v in zip(c.train, c.val)]


def _diverged(run: Run, conf: FitConfig) -> str:
    losses = {col: run.table[col].tolist() for col in ("train_loss", "val_loss")}
    nan_from = _non_finite_from(losses["train_loss"], losses["val_loss"])
    epochs = run.table.index
    if nan_from is not None:
        start, value = nan_from
        return f"the losses became {value} at epoch {int(epochs[start])} and stayed so"
    for col, name in (("train_loss", "training loss"), ("val_loss", "validation loss")):
        infinite = _infinite_from(losses[col])  # an infinite loss is never a missing value
        # one epoch's infinite validation beside a finite training loss (a detector that
        # predicted no box yet) is a run too short to judge, not one that blew up
        if infinite is not None and len(epochs) >= 2:
            return f"{name} became infinite at epoch {int(epochs[infinite])} and stayed so"
    for col, values in losses.items():
        finite = [v for v in values if math.isfinite(v)]
        if len(finite) >= 3 and min(finite) > 0:
            low = min(finite)
            low_at = finite.index(low)
            # far above its minimum and above where it began, and above its own typical
            # level by more than it swings: a curve that jumps over that range all run
            # long (a tiny validation set's loss) has not exploded at its end
            typical = median(finite[:-1])
            if finite[-1] > conf.explode_factor * low and finite[-1] > finite[0] and \
                    low_at < len(finite) - 1 and \
                    finite[-1] > math.sqrt(conf.explode_factor) * typical:
                return (f"{col.replace('_', ' ')} exploded: {finite[-1]:.4g} at the end, "
                        f"{finite[-1] / low:.0f}x its minimum {low:.4g}")
    return ""


def _infinite_from(values: list[float]) -> int | None:
    """The row from which a curve is infinite (or missing) to the end, if it ends so."""
    logged = [i for i, v in enumerate(values) if not math.isnan(v)]
    if not logged or math.isfinite(values[logged[-1]]):
        return None
    start = len(logged)
    while start > 0 and not math.isfinite(values[logged[start - 1]]):
        start -= 1
    return logged[start]


def _non_finite_from(train: list[float], val: list[float]) -> tuple[int, float] | None:
    """The row from which both losses are NaN/inf to the end, and the first such value.

    A loss that is merely missing on some rows (sparse logging) is NaN too; requiring both
    curves to be non-finite from some epoch to the end tells divergence from sparsity. Both
    NaN from the first epoch is divergence too (a learning rate far too high).
    """
    start = len(train)
    while start > 0 and not (math.isfinite(train[start - 1]) or
                             math.isfinite(val[start - 1])):
        start -= 1
    if start == len(train):
        return None
    value = next((v for v in (train[start], val[start]) if not math.isnan(v)), float("nan"))
    return start, float(value)


def _underfit(c: Curves, facts: Facts, conf: FitConfig) -> FitResult | None:
    """Neither loss improved much on where it started (the first epoch as logged). A run
    that converged within its first epoch and one stuck from the start look alike here;
    the first epoch's mean training loss, which holds the untrained model's losses, is what
    tells the first from the second."""
    tail = slice(max(c.n - 3, 1), c.n)
    gains = [(curve[0] - min(curve[tail])) / curve[0] for curve in (c.train, c.val)]
    if max(gains) < conf.underfit_gain:
        moved = [f"improved {g:.0%}" if g >= 0 else f"rose {-g:.0%}" for g in gains]
        return FitResult("underfit", f"training loss {moved[0]} and validation loss "
                                     f"{moved[1]} over {c.n} epochs: both stay high")
    return None


def _at_chance(c: Curves, facts: Facts, conf: FitConfig) -> FitResult | None:
    """A classifier no better than a guess at its end: over the last three epochs the
    validation accuracy within ``chance_accuracy`` of 1/C and both losses within
    ``chance_loss`` of ln C (a uniform guess's cross-entropy) for the same whole number of
    classes C. A loss alone near some ln C says nothing (ln 2, ln 3, ... lie close together);
    the accuracy beside it, at that C's chance, does."""
    if c.val_accuracy is None or c.kind != "loss":
        return None
    tail = slice(max(c.n - 3, 0), c.n)
    val, train, accuracy = (median(curve[tail]) for curve in (c.val, c.train, c.val_accuracy))
    if accuracy <= 0:
        return None
    classes = round(1 / accuracy)  # the accuracy names C; ln C lie too close to tell it
    if classes < 2 or abs(accuracy - 1 / classes) > conf.chance_accuracy:
        return None
    guess = math.log(classes)
    if all(abs(loss / guess - 1) <= conf.chance_loss for loss in (val, train)):
        return FitResult("underfit", f"no better than a guess: validation accuracy "
                         f"{accuracy:.0%} and both losses near ln "
                         f"{classes} = {guess:.3f} (training {train:.4g}, validation "
                         f"{val:.4g}) over the last epochs, a uniform guess among {classes} "
                         "classes")
    return None


def _overfit(c: Curves, facts: Facts, conf: FitConfig) -> FitResult | None:
    if below_share(c.log_gap(shifted=True)) >= 0.75:
        return None  # validation below training almost throughout: a rise is not overfitting
    late = c.last_third()
    if median([log_ratio(v, t) for t, v in zip(c.train_at_end[late], c.val[late])]) < 0:
        return None  # still below training at the end: the gap val > train never opened
    val = smoothed(c.val)
    best, low = validation_minimum(c, val)
    if best >= c.n - 2:
        # no rise to judge; a flat, noisy validation may still dip last: a stall can show
        return _stalled(c, conf) if _flat_late(c) else None
    rise = log_ratio(val[-1], val[best])
    noise = wiggle(c.val)
    # a rise within two standard errors of a small validation set is no upturn
    se = val_standard_error(facts.loss_rows, c.val[best], c.kind) or 0.0
    train_fell = c.train[-1] < 0.9 * c.train[best]
    if rise > conf.overfit_rise and rise > conf.overfit_noise_sigmas * noise and \
            rise > 2 * se and train_fell and all(v > c.val[best] for v in c.val[-2:]):
        return FitResult("overfit",
                         f"validation loss bottomed at epoch {c.epochs[low]} "
                         f"({c.val[low]:.4g}){_lower_alone(c, low)} and rose "
                         f"{exp_safe(rise) - 1:.0%} by the end "
                         f"while training loss kept falling ({c.train[low]:.4g} -> "
                         f"{c.train[-1]:.4g})", onset_epoch=c.epochs[low])
    return _stalled(c, conf)


def _stalled(c: Curves, conf: FitConfig) -> FitResult | None:
    """Validation stalls while training keeps falling and the gap keeps opening."""
    late = c.late()
    lt, lv = c.train[late], c.val[late]
    if len(lt) < 3:
        return None
    train_fall = log_ratio(lt[0], lt[-1])
    val_fall = log_ratio(lv[0], min(lv[-2:]))
    gap = log_ratio(c.val[-1], c.train[-1])
    if train_fall > conf.stall_train_fall and val_fall < 0.1 * train_fall \
            and gap > conf.stall_gap:
        # it began where validation stopped improving: its lowest epoch, when that is not
        # the end; else where the stalled stretch starts
        best, low = validation_minimum(c)
        onset = c.epochs[low] if best < c.n - 2 else c.epochs[late][0]
        return FitResult("overfit", f"validation loss stalled over the last {len(lt)} epochs "
                         f"({lv[0]:.4g} -> {lv[-1]:.4g}) while training loss kept falling "
                         f"({lt[0]:.4g} -> {lt[-1]:.4g}); validation ends "
                         f"{exp_safe(gap):.1f}x training", onset_epoch=onset)
    return _widening(c, conf)


def _widening(c: Curves, conf: FitConfig) -> FitResult | None:
    """A large validation-over-training gap that opened while training kept improving is
    overfitting whatever the last few epochs do: early stopping ends a run a few epochs
    after the validation minimum, before any rise shows. Judged on ratios, so the same at
    every loss scale."""
    if c.n < 5:
        return None
    gaps = [log_ratio(v, t) for t, v in zip(c.train_at_end, c.val)]  # > 0: val above
    late = median(gaps[c.late()])
    early = median(gaps[:max(2, c.n // 5)])
    train_fall = log_ratio(c.train[0], median(c.train[c.late()]))
    # training's fall made at least half the gap's growth (validation rising made the rest)
    if late > math.log(conf.wide_gap) and late - early > math.log(conf.gap_growth) \
            and train_fall > 0.5 * (late - early):
        _, best = validation_minimum(c)
        return FitResult("overfit", f"the gap opened while training improved: validation "
                         f"{exp_safe(early):.2g}x training early, {exp_safe(late):.2g}x late "
                         f"(training fell {exp_safe(train_fall):.3g}x); validation was lowest "
                         f"at epoch {c.epochs[best]}", onset_epoch=c.epochs[best])
    return None


def _flat_late(c: Curves) -> bool:
    """Validation has stopped improving over the second half: its late fall is within its
    noise, or under a tenth of training's fall over the same epochs."""
    if c.n < 6 or not c.positive:
        return False
    return levelled(*late_fall(c.val), late_fall(c.train)[0])


def _val_below(c: Curves, facts: Facts, conf: FitConfig) -> FitResult | None:
    late = c.late()
    gaps = c.log_gap()[late]
    # the noise a late gap must clear: the jumpier curve's jitter (a training loss printed
    # from one batch swings far more than validation does), or, where the gap itself holds
    # steadier than that (validation jumping for an epoch here and there while it otherwise
    # follows training at a fixed distance), the gap's own robust scatter
    jitter = max(wiggle(c.val), wiggle(c.train))
    margin = max(conf.below_margin, 2 * min(jitter, robust_spread(gaps)))
    se = val_standard_error(facts.loss_rows, median(c.val[late]), c.kind)
    if se:
        margin = max(margin, se)
    share = below_share(gaps, margin / 2)
    # validation that ends above training (its last two epochs, beyond half the margin)
    # has not stayed below it: the gap crossed over as training caught up; nor has one that
    # met training over the run's last tenth (each of those epochs within half the margin
    # of it, or above: a detector's last epochs trained without mosaic augmentation)
    crossed = len(gaps) >= 2 and (all(g < -margin / 2 for g in gaps[-2:]) or
                                  all(g < margin / 2 for g in gaps[-max(2, c.n // 10):]))
    if median(gaps) > margin and share >= conf.below_share and not crossed:
        return FitResult("val-below-train",
                         f"validation below training in {share:.0%} of the late epochs "
                         f"(median gap: {describe_gap(-median(gaps))}, beyond a noise margin of "
                         f"{margin:.0%})")
    # a jumpy validation curve that never crosses training: its sign, not its size, is
    # beyond noise (chance puts a symmetric jitter above in half the epochs); judged on the
    # end-of-epoch training curve, so an epoch-averaging lag does not count
    ends = c.log_gap(shifted=True)
    below = sum(g > 0 for g in ends)
    floor = max(conf.below_margin, se or 0.0)
    if c.n >= conf.sign_epochs and below >= conf.sign_share * c.n and \
            all(g > 0 for g in ends[late]) and median(ends[late]) > floor:
        return FitResult("val-below-train",
                         f"validation below training in {below} of {c.n} epochs and in every "
                         f"late one (median gap: {describe_gap(-median(ends[late]))}); its "
                         "epoch-to-epoch jitter is large, but it never crosses training")
    return None
