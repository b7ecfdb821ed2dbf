"""A loss that is not computed as intended.

What it means
-------------
A validation loss that is exactly 0 or never changes, a loss copied from the wrong
variable, a metric logged once and repeated: the number in the log is not the loss.

Why validation ends up below training
-------------------------------------
Not because of the model: a constant or zero validation loss says nothing about it.

Evidence in the log
-------------------
A loss curve that is exactly constant across epochs (or exactly zero) while the other
moves; identical values across epochs; a validation loss equal to the training loss to the
last digit in every epoch (one value logged under both names).

A validation loss taken of probabilities (softmax applied twice: Ultralytics'
classification trainer before 8.3.39; any model that ends in a softmax and is scored with
a loss that expects logits), where the trainer is known to have done so
(``val_probabilities``). Such a cross-entropy over C classes lies between
ln(1 + (C - 1)/e) and ln(e + C - 1) however the model does: a right prediction costs at
least the first (0.313 for two classes), a wrong one at most the second. It is told from a
real one by the validation accuracy beside it: over the run's second half the accuracy is
``probability_accuracy`` (0.9) or more, every epoch's loss is at or above the two-class
floor, the loss plus the accuracy stays within ``probability_spread`` (0.1): a confident
model's loss is then ln(e + C - 1) minus its accuracy, and that sum, read back as a class
count, is within 10 % of a whole number of 2 or more; and one class count fits every
epoch's bounds. A real cross-entropy of a model that right falls below the floor.

How to check
------------
Print the validation loss of one batch by hand; check that validation really runs (the
loader is not empty, ``validation_step`` returns/logs the loss) and which variable is logged.

How to fix
----------
Log the loss computed on the validation batches, averaged over them.

Options
-------
min_epochs: epochs needed to call a curve constant (default 3).
probability_accuracy: the validation accuracy a run's second half needs for its loss to be
told a cross-entropy of probabilities (default 0.9).
probability_spread: how far the loss plus the accuracy may move over that half (default 0.1).
"""
from __future__ import annotations

import math

from valgap._num import exp_safe
from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome, Skip
from valgap.rules._signals import median

ID = "broken-metric"
ORDER = 90
FAMILY = "bug"
TITLE = ("a loss that is zero or constant while the other moves, copied, or taken of "
         "probabilities")
MECHANICAL = True  # also judged on diverged runs
DEFAULT: Options = {"min_epochs": 3, "probability_accuracy": 0.9, "probability_spread": 0.1}
CONFIDENCE = 0.95  # an exact constant, zero or copy is no measurement: rarely anything else
CHECKS = ("compute the validation loss of one batch by hand and compare with the log",
          "check that the validation loader is not empty and that the logged name is the "
          "validation loss")
PROBABILITY_CONFIDENCE = 0.85  # the values fit one class count's bounds; the version is unsaid
PROBABILITY_CHECKS = (
    "Ultralytics: upgrade to 8.3.39 or later (its classification model returned "
    "probabilities in evaluation mode and the loss took them for logits, ultralytics#16428) "
    "and compare the accuracies meanwhile, not the losses",
    "score the model's logits, not its softmax output, with the loss on validation batches")
PRINT_SLACK = 5e-4  # a printed value's rounding
# the least a cross-entropy of probabilities can be: two classes, the right one certain
FLOOR = math.log(1 + 1 / math.e)
MOST_CLASSES_LOSS = 12.0  # the floor of some 440,000 classes: no classifier's


def check(ctx: Context, options: Options) -> Outcome:
    c = ctx.curves
    if c.n < options["min_epochs"]:
        return Skip(f"needs at least {options['min_epochs']} epochs")
    if c.train == c.val and len(set(c.train)) > 1:
        return Finding(ID, CONFIDENCE, f"the validation loss equals the training loss to the last "
                       f"digit in all {c.n} epochs: one value logged under both names",
                       CHECKS)
    for name, curve, other in (("validation", c.val, c.train), ("training", c.train, c.val)):
        if all(v == 0 for v in curve):
            return Finding(ID, CONFIDENCE, f"{name} loss is exactly 0 in all {c.n} epochs", CHECKS)
        if len(set(curve)) == 1 and len(set(other)) > 1:
            return Finding(ID, CONFIDENCE, f"{name} loss is {curve[0]:.6g} in all {c.n} epochs "
                           "while the other loss moves", CHECKS)
    if ctx.facts.val_probabilities:
        return _of_probabilities(ctx, options)
    return None


def _of_probabilities(ctx: Context, options: Options) -> Outcome:
    """A validation loss that is a cross-entropy of probabilities (module docstring)."""
    c = ctx.curves
    accuracy = c.val_accuracy
    if accuracy is None or c.kind != "loss":
        return None
    late = c.late()
    sums = [v + a for v, a in zip(c.val[late], accuracy[late])]
    classes = exp_safe(median(sums)) - math.e + 1  # ln(e + C - 1) = loss + accuracy
    whole = round(classes)
    confident = min(accuracy[late]) >= options["probability_accuracy"]
    steady = max(sums) - min(sums) <= options["probability_spread"]
    a_class_count = whole >= 2 and abs(classes - whole) <= 0.1 * whole
    if not (confident and steady and a_class_count and min(c.val) >= FLOOR - PRINT_SLACK
            and _fits_bounds(c.val, accuracy) and median(c.train[late]) < min(c.val)):
        return None
    return Finding(ID, PROBABILITY_CONFIDENCE,
                   f"{ctx.says('val_probabilities', 'may take')} the validation loss of "
                   f"probabilities, and its values are such a loss: at or above "
                   f"ln(1 + 1/e) = {FLOOR:.3f} in every epoch while the validation accuracy "
                   f"ends {accuracy[-1]:.0%}, loss plus accuracy steady at "
                   f"{sum(sums) / len(sums):.3f} (ln(e + C - 1) for C = {whole} classes); "
                   "the gap to the training loss is the scale, not the model",
                   PROBABILITY_CHECKS)


def _fits_bounds(val: list[float], accuracy: list[float]) -> bool:
    """Whether one class count C puts every epoch's loss between a right prediction's least,
    ln(1 + (C - 1)/e), and the most its accuracy allows: ln C for a right prediction,
    ln(e + C - 1) for a wrong one."""
    lowest = min(val) + PRINT_SLACK
    if lowest > MOST_CLASSES_LOSS:
        return False
    most = 1 + math.floor(math.e * (math.exp(lowest) - 1))  # the floor passes the lowest beyond
    return any(all(v <= a * math.log(count) + (1 - a) * math.log(math.e + count - 1) +
                   PRINT_SLACK for v, a in zip(val, accuracy))
               for count in range(2, most + 1))
