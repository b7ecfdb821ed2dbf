"""What a rule receives and may return."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from valgap._num import exp_safe
from valgap.model import Facts, Finding, FitResult, Run
from valgap.rules._signals import Curves, Shape, shape


@dataclass(frozen=True)
class Skip:
    """The rule could not judge this run; ``reason`` says what input would let it."""

    reason: str


@dataclass
class Context:
    run: Run
    facts: Facts
    fit: FitResult
    curves: Curves

    @cached_property
    def shape(self) -> Shape:
        return shape(self.curves)

    def origin(self, fact: str) -> str:
        return self.facts.origin.get(fact, "valgap.yaml")


Outcome = Finding | Skip | None
Options = dict[str, Any]


def clamp(value: float, low: float = 0.05, high: float = 0.95) -> float:
    return max(low, min(high, value))


# checks shared by the train-mode rules: they all vanish when training data is scored in
# inference mode, which is the one measurement that separates them from a data problem
# A check that differs by framework starts with "Keras: " or "PyTorch: "; the engine keeps the
# form that fits the run (both when the log does not tell).
EVAL_TRAIN_KERAS = ("Keras: after training, run model.evaluate(x_train, y_train) (inference "
                    "mode) and compare it with the logged training loss")
EVAL_TRAIN_TORCH = ("PyTorch: after an epoch, call model.eval() and compute the loss over the "
                    "training set under torch.no_grad(); compare it with the logged training loss")


def presence(ctx: Context, fact: str) -> tuple[bool | None, str]:
    """Whether the run facts (valgap.yaml or the model summary) show a mechanism, and where."""
    value = getattr(ctx.facts, fact)
    if value is None:
        return None, ""
    return bool(value), ctx.origin(fact)


def unknown_model_reason(fact: str) -> str:
    return (f"nothing in the input says whether the model uses it (a summary does not always "
            f"show it): give model.{fact} in valgap.yaml")


def train_mode_check(ctx: Context, rule: str, fact: str, what: str,
                     checks: tuple[str, ...], guess: float, options: Options) -> Outcome:
    """Shared logic of the train-mode rules (dropout, batchnorm, augmentation, ...).

    ``guess`` is the confidence this rule gets when nothing says whether the mechanism is
    there and the curves only show the train-mode signature (validation below training
    from the first epochs on).
    """
    present, origin = presence(ctx, fact)
    shape = ctx.shape
    below_fit = ctx.fit.fit == "val-below-train"
    if present is False:
        return None
    if present:
        # even in a good fit, epochs where validation sits below training by more than the
        # half-epoch averaging explains are this mechanism's doing
        if not below_fit and shape.below_all < 1 / 3:
            return None
        conf = options["confidence"] * (1.0 if below_fit and shape.persistent else 0.8)
        return Finding(rule, clamp(conf), f"{origin} shows {what}; validation below training "
                       f"in {shape.below_all:.0%} of epochs (late gap {_pct(shape.late_gap)})",
                       checks)
    if not (shape.persistent and ctx.fit.fit == "val-below-train"):
        return Skip(unknown_model_reason(fact))
    # a guess from the curves' shape stays below 0.5: the input names no mechanism
    return Finding(rule, clamp(guess, high=0.49),
                   f"nothing in the input says whether the model has {what}; validation "
                   f"below training through the run ({shape.below_all:.0%} of epochs, "
                   f"late gap {_pct(shape.late_gap)}) fits a train-mode cause",
                   checks, guess=True)


def _pct(log_train_over_val: float) -> str:
    """How far validation sits below training, in percent of training."""
    return f"{(1 - exp_safe(-log_train_over_val)) * 100:.0f}%"
