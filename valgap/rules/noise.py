"""The gap is within the noise of the curves or of a small validation set.

What it means
-------------
A validation loss averaged over few examples moves a lot from epoch to epoch; a small
difference between two curves can flip sign from one epoch (or one seed) to the next.

Why validation ends up below training
-------------------------------------
By chance: with 30 validation examples a validation loss 20 % below training is well within
sampling error, and the next epoch may show it above.

Evidence in the log
-------------------
The late gap is smaller than the epoch-to-epoch jitter of the validation curve, or than the
standard error that ``data.n_val`` implies (a small set's size is also read off the
validation accuracies, each a count of its rows: ``valgap.set_size``; or the batch behind
each printed validation loss, where the log says it prints one batch's: Paddle's "the loss
value printed in the log is the current step"), and its sign flips back and forth (a gap that
crosses zero once is a trend, not noise). A one-sided gap is noise only within the
standard error of a validation set known to be small; with a tiny validation set
(``tiny_val``), a one-sided gap within two standard errors is a guess: a fixed validation
set's sampling error is as steady from epoch to epoch as a mechanism's offset, so the log
cannot tell them apart. Validation steadily above
training is the ordinary gap, not noise, unless the validation set is known to be small; a
mechanism the run facts declare outranks noise. The standard error of a mean loss over n samples
is taken as the larger of 1/sqrt(n) and 1/sqrt(n x loss): a low cross-entropy is made of a
few confident mistakes, and behaves like a count of about n x loss of them.

How to check
------------
Enlarge the validation set, or repeat the run with other seeds / splits and look at the
spread of the gap.

How to fix
----------
Use a larger validation set (or k-fold cross-validation) before drawing conclusions.

Options
-------
flip_share: share of late epochs with the minority sign that counts as flipping (default 0.25).
confidence: default 0.8, where the sign flips and the validation set is known to be tiny
(``tiny_val``): 2 of 2 right on every labelled set. Where no tiny set is known, a gap
within the jitter that flips is a guess at ``guess_confidence``: it is as much no gap at
all, a good fit with nothing to explain, as sampling noise (0 of 3 right at 0.8: two runs
whose validation tracked training down through shared near-copies, and a good fit
reported every 40 iterations, its logged loss jumping across a flat validation).
one_sided_confidence: for a one-sided gap within the standard error of a validation set
known to be small (default 0.8: 9 of 11 right on every labelled set; the two wrong were
dropout runs whose gap faded late, which a fixed small set's steady sampling error also
does).
tiny_val: at most this many validation samples make a tiny set (default 100), where a
one-sided gap of one to two standard errors is a guess at ``guess_confidence`` (default
0.45): chance is as likely as a mechanism.
one_sided: where validation stayed below training, beyond the noise band, in this share of
the run's first two thirds or more (default 0.8), a late gap that flips is a mechanism's
gap fading, not chance: noise is then a guess at ``faded_confidence`` (default 0.3), below
the train-mode guesses. (Dropout runs whose validation meets the train-mode training loss
late were called noise at 0.8 before, in two ways of making runs out of two.)
"""
from __future__ import annotations

import itertools

from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome, Skip
from valgap.rules._signals import (
    faded_share,
    known_train_mode,
    median,
    val_standard_error,
    wiggle,
)
from valgap.set_size import ORIGIN

ID = "noise"
ORDER = 120
FAMILY = "noise"
TITLE = "gap within epoch-to-epoch or sampling noise"
DEFAULT: Options = {"flip_share": 0.25, "confidence": 0.8, "one_sided_confidence": 0.8,
                    "tiny_val": 100, "guess_confidence": 0.45, "one_sided": 0.8,
                    "faded_confidence": 0.3}
CHECKS = ("repeat the run with 2-3 other seeds or splits and compare the gaps",
          "enlarge the validation set (or use k-fold cross-validation)")


def check(ctx: Context, options: Options) -> Outcome:
    c = ctx.curves
    if c.n < 4 or not c.positive:
        return Skip("needs at least 4 epochs of positive losses")
    if ctx.fit.fit not in ("good-fit", "val-below-train"):
        return None  # the fit itself is the story; a small gap means nothing here
    gaps = c.log_gap(shifted=True)[c.late()]
    gap = median(gaps)
    jitter = wiggle(c.val)
    se = val_standard_error(ctx.facts.loss_rows, median(c.val[c.late()]), c.kind) or 0.0
    minority = min(sum(g > 0 for g in gaps), sum(g < 0 for g in gaps)) / len(gaps)
    # noise flips the sign back and forth; a gap that drifts across zero once is a trend
    changes = sum(1 for a, b in itertools.pairwise(gaps) if (a > 0) != (b > 0))
    flips = minority >= options["flip_share"] and changes >= 2
    band = max(2 * jitter, se)
    size = f"{_rows(ctx.facts)} (standard error ~{se:.0%})" if se else \
        "validation size unknown"
    tiny = 0 < (ctx.facts.loss_rows or 0) <= options["tiny_val"]
    if gap < 0 and not flips and se < 0.15 and not tiny:
        return None  # validation steadily above training: the ordinary gap, not noise
    conf, guess = 0.0, False
    faded = faded_share(c, band, options["one_sided"])
    if abs(gap) <= band and flips and faded:
        # below training, beyond the band, through most of the run, level only late: a
        # mechanism fading (or met by the generalisation gap), which chance does not make
        conf, guess = options["faded_confidence"], True
    elif abs(gap) <= band and flips and tiny:
        conf = options["confidence"]
    elif abs(gap) <= band and flips:
        # no small validation set known: a gap within the curves' jitter that flips is as
        # much no gap at all (a good fit with nothing to explain) as sampling noise
        conf, guess = options["guess_confidence"], True
    elif abs(gap) <= band and se >= 0.15:
        # one-sided, but within the error of a validation set known to be small
        conf = options["one_sided_confidence"]
    elif tiny and abs(gap) <= 2 * se:
        # a tiny validation set: a one-sided gap of one to two standard errors rules out
        # neither chance nor a mechanism (a fixed set's sampling error is as steady as a
        # mechanism's offset): a guess, below the line, beside the mechanisms' guesses
        conf, band, guess = options["guess_confidence"], 2 * se, True
    if conf and known_train_mode(ctx.facts):
        conf *= 0.6  # a declared mechanism explains a gap better than chance does
    if conf:
        return Finding(ID, conf, f"late gap {gap:+.2f} (log train/val) is within the noise "
                       f"band {band:.2f} (validation jitter {jitter:.2f}; {size}); the sign "
                       f"flips in {minority:.0%} of late epochs" + (
                           f"; but validation stayed below training, beyond that band, "
                           f"in {faded:.0%} of the epochs before: a gap that faded, which "
                           "chance does not make" if faded else ""),
                       CHECKS, marks={"band": band}, guess=guess)
    if abs(gap) < 0.01:  # no gap is no cause: below the epoch-averaging lag that may explain
        return Finding(ID, 0.4, f"the curves differ by less than 1% late in training "
                       f"({gap:+.3f} log units): no real gap", CHECKS)
    return None


def _rows(facts) -> str:
    """What each printed validation loss averages, in words."""
    if facts.loss_rows != facts.n_val:
        return f"each printed validation loss one batch of {facts.loss_rows} rows"
    counted = f", as {ORIGIN} count them" if facts.origin.get("n_val") == ORIGIN else ""
    return f"{facts.n_val} validation samples{counted}"
