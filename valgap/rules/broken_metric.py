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
"""
from __future__ import annotations

from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome, Skip

ID = "broken-metric"
ORDER = 90
FAMILY = "bug"
TITLE = "a loss that is zero or constant while the other moves"
MECHANICAL = True  # also judged on diverged runs
DEFAULT: Options = {"min_epochs": 3}
CONFIDENCE = 0.95  # an exact constant, zero or copy is no measurement: rarely anything else
CHECKS = ("compute the validation loss of one batch by hand and compare with the log",
          "check that the validation loader is not empty and that the logged name is the "
          "validation loss")


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
    return None
