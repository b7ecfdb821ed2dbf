"""A loss that jumps far above its local level for an epoch or two, then comes back.

What it means
-------------
One epoch's loss is several times the level of the epochs around it: a bad batch, a
learning-rate warm restart, an exploding gradient that clipping caught, a data-loader bug
that fed garbage for a while.

Why validation ends up below training
-------------------------------------
It need not: a spike in the training curve makes that epoch's average look far worse than
validation, a spike in validation the reverse. Either way the gap at that epoch says
nothing about the fit.

Evidence in the log
-------------------
An epoch whose loss is more than ``factor`` times the median of its neighbours (two on each
side). In a run that diverged, the last finite epoch counts too: it shows where the loss
exploded (reported at confidence 0.45, as a symptom rather than a cause of the gap).

How to check
------------
Look at the batches and the learning rate around the named epoch; log the gradient norm;
check the data of that epoch for corrupt or mislabelled samples.

How to fix
----------
Gradient clipping, a lower or warmed-up learning rate, filtering bad samples.

Options
-------
factor: how many times its local level a loss must jump (default 3.0).
confidence: default 0.55.
"""
from __future__ import annotations

from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome, Skip
from valgap.rules._signals import median

ID = "loss-spike"
ORDER = 140
FAMILY = "instability"
TITLE = "a loss that jumps far above its local level, then recovers"
MECHANICAL = True  # also judged on diverged runs, whose explosion it locates
DEFAULT: Options = {"factor": 3.0, "confidence": 0.55}
CHECKS = ("look at the batches, the learning rate and the gradient norm around the named epoch",
          "clip gradients (Keras: optimizer clipnorm=1.0; PyTorch: "
          "torch.nn.utils.clip_grad_norm_) or lower the learning rate")


def check(ctx: Context, options: Options) -> Outcome:
    c = ctx.curves
    diverged = ctx.fit.fit == "diverged"
    if c.n < (3 if diverged else 5) or not c.positive:
        return Skip("needs at least 5 epochs of positive losses")
    spikes = []
    last = c.n if diverged else c.n - 1  # before a divergence, the last finite epoch counts
    for name, curve in (("training", c.train), ("validation", c.val)):
        for i in range(1, last):
            neighbours = curve[max(0, i - 2):i] + curve[i + 1:i + 3]
            level = median(neighbours)
            # a spike stands above the epoch before it too: a steep fall is no spike
            if level > 0 and curve[i] > options["factor"] * level and curve[i] > curve[i - 1]:
                spikes.append((curve[i] / level, name, c.epochs[i], curve[i], level))
    if not spikes:
        return None
    jump, name, epoch, value, level = max(spikes)
    more = f" (and {len(spikes) - 1} more)" if len(spikes) > 1 else ""
    evidence = (f"{name} loss jumped to {value:.4g} at epoch {epoch}, {jump:.1f}x the level "
                f"of the epochs around it ({level:.4g}){more}")
    marks = {"spikes": [(name, at) for _, name, at, _, _ in spikes]}
    if diverged:  # the symptom that started the divergence, not a cause of a val/train gap
        return Finding(ID, 0.45, evidence + "; the run diverged after it", CHECKS, marks=marks)
    return Finding(ID, options["confidence"], evidence, CHECKS, marks=marks)
