"""What a rule receives and may return."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from valgap import measured as measured_gap
from valgap.model import Facts, Finding, FitResult, Run
from valgap.rules._signals import (
    ACCURACY_ABOVE,
    Curves,
    Shape,
    below_share,
    describe_gap,
    shape,
    wiggle,
)


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

    @cached_property
    def measured(self) -> measured_gap.Decomposition | None:
        """The gap's parts, when the log has the columns valgap's callbacks write."""
        info = self.run.info
        return measured_gap.decompose(
            self.run.table, penalty_in_validation=info.scores_validation_too("weight_penalty"))

    def origin(self, fact: str) -> str:
        return self.facts.origin.get(fact, "valgap.yaml")

    def says(self, fact: str, verb: str) -> str:
        """Where ``fact`` comes from and ``verb`` agreeing with it: "the model summary
        shows", "the MLflow run's parameters show", "valgap.yaml rules out"."""
        origin = self.origin(fact)
        head, _, rest = verb.partition(" ")
        if origin.endswith(("parameters", "arguments", "cells")) and head.endswith("s"):
            head = head[:-1]
        return " ".join(filter(None, (origin, head, rest)))


Outcome = Finding | Skip | None
Options = dict[str, Any]


def clamp(value: float, low: float = 0.05, high: float = 0.95) -> float:
    return max(low, min(high, value))


# checks shared by the train-mode rules: they all vanish when training data is scored in
# inference mode, which is the one measurement that separates them from a data problem
# A check that differs by framework starts with "Keras: ", "PyTorch: " or "Boosting: "; the
# engine keeps the form that fits the run (the networks' both when the log does not tell).
EVAL_TRAIN_KERAS = ("Keras: after training, run model.evaluate(x_train, y_train) (inference "
                    "mode) and compare it with the logged training loss")
EVAL_TRAIN_TORCH = ("PyTorch: after an epoch, call model.eval() and compute the loss over the "
                    "training set under torch.no_grad(); compare it with the logged training loss")


# the fits in which a persistent gap below training is a train-mode guess
BELOW_OR_GOOD = ("val-below-train", "good-fit")
# how a guessed mechanism's confidence moves with the kind of gap (``Shape.gap_kind``):
# a share of the loss (dropout, batch norm, augmentation) or a term added to it (a penalty)
GAP_KIND_BONUS = {"ratio": 0.03, "additive": -0.1}


TRAIN_MODE_FACTS = ("dropout", "batchnorm", "augmentation", "weight_penalty", "loss_weighting")
# mechanisms that change the training loss only, not the predictions it scores
LOSS_ONLY_FACTS = ("weight_penalty", "loss_weighting")
# what the accuracies' word moves a guess by: up where they fit it, further down where they
# speak against it (a guess they rule out should not be named beside the ones they fit)
ACCURACY_FOR = 0.15
ACCURACY_AGAINST = 0.25


def accuracy_word(ctx: Context, loss_only: bool) -> tuple[float, str]:
    """How the accuracies move a mechanism's confidence (a shift for a guess) and what to
    say: a mechanism that changes only the loss is unlikely where validation also predicts
    better, one that worsens the training predictions where the accuracies are level."""
    said = ctx.shape.accuracies_say
    if said is None:
        return 0.0, ""
    points = f"{ctx.shape.accuracy_gap * 100:+.1f} points"
    if said == "loss-only":
        where = "are level" if ctx.shape.accuracy_gap >= -ACCURACY_ABOVE else \
            "put validation below training"
        return (ACCURACY_FOR if loss_only else -ACCURACY_AGAINST,
                f"; the accuracies {where} (validation's minus training's {points} late): "
                "the gap is in the loss, not in the predictions")
    if loss_only:
        return (-ACCURACY_AGAINST, f"; validation's accuracy is above training's too ({points} "
                "late): a term in the loss alone does not make the training predictions worse")
    return 0.0, ""


def presence(ctx: Context, fact: str) -> tuple[bool | None, str]:
    """Whether the run facts (valgap.yaml or the model summary) show a mechanism, and where
    (as "<where> shows", the verb agreeing)."""
    value = getattr(ctx.facts, fact)
    if value is None:
        return None, ""
    return bool(value), ctx.says(fact, "shows")


def unknown_model_reason(fact: str) -> str:
    return (f"nothing in the input says whether the model uses it (a summary does not always "
            f"show it): give model.{fact} in valgap.yaml")


INCONCLUSIVE = ("the measured parts are within their noise (re-score more training "
                "samples); judged from the curves")


# a train-mode mechanism the log does not name, whose family the measurement proves
UNNAMED_MECHANISM = 0.45


def measured_confidence(part: measured_gap.Part,
                        dec: measured_gap.Decomposition) -> float | None:
    """How sure a cause is from its measured part: its share of the gap, when the gap and the
    part are beyond their noise and the part explains at least a fifth of the gap."""
    if not part.explains(dec):
        return None
    if part.share >= 0.5:
        return clamp(0.5 + 0.45 * min(part.share, 1.0))
    return 0.3 + 0.4 * part.share


def from_measurement(ctx: Context, rule: str, part: str, own: Outcome,
                     checks: tuple[str, ...], default: bool) -> Outcome:
    """A timing or data rule's outcome once the gap is measured: the part decides. The
    family's ``default`` cause fires on the part alone; another keeps needing its own
    signature (and then ranks just above the default)."""
    dec = ctx.measured
    if dec is None:
        return own
    found = next(p for p in dec.parts if p.name == part)
    conf = measured_confidence(found, dec)
    if conf is None:
        return None if found.ruled_out(dec) else _inconclusive(own)
    measured = f"the {part} part explains {found.share:.0%} of the gap; {dec.describe()}"
    if default:  # the measurement is the evidence (the curves' guesses are superseded)
        return Finding(rule, conf - 0.01, measured, checks)
    if isinstance(own, Finding):  # its own signature too: ranks just above the default
        return replace(own, confidence=conf, evidence=f"{own.evidence}; {measured}",
                       guess=False)
    return own


def train_mode_check(ctx: Context, rule: str, fact: str, what: str,
                     checks: tuple[str, ...], guess: float, options: Options) -> Outcome:
    """Shared logic of the train-mode rules (dropout, batchnorm, augmentation, ...).

    ``guess`` is the confidence this rule gets when nothing says whether the mechanism is
    there and the curves only show the train-mode signature (validation below training
    from the first epochs on).
    """
    present, origin = presence(ctx, fact)
    if present is False:
        return None
    own = _train_mode_from_curves(ctx, rule, fact, (present, origin), what, checks, guess,
                                  options)
    if ctx.measured is not None:
        return _measured_train_mode(ctx, rule, fact, what, present, origin, checks, guess, own)
    return own


def _train_mode_from_curves(ctx: Context, rule: str, fact: str,
                            shown: tuple[bool | None, str], what: str,
                            checks: tuple[str, ...], guess: float, options: Options) -> Outcome:
    present, origin = shown
    shape = ctx.shape
    below_fit = ctx.fit.fit == "val-below-train"
    if present:
        # even in a good fit, epochs where validation sits below the logged training loss
        # by more than the training curve's own jitter (a loss printed from one batch
        # swings past validation by chance) are, in part, this mechanism's doing
        if not below_fit and _below_beyond_jitter(ctx.curves) < 1 / 3:
            return None
        # measured over every labelled set: named and validation below training through
        # the run, 62 of 62 right at the rule's confidence; named otherwise, 18 of 21
        conf = options["confidence"] * (1.0 if below_fit and shape.persistent else 0.9)
        others = [f for f in TRAIN_MODE_FACTS if f != fact and getattr(ctx.facts, f)]
        if others:  # two mechanisms named: the log cannot say which makes the larger part
            conf *= 0.7
        also = f" (and {', '.join(others)}: which one makes the gap, the log cannot say)" \
            if others else ""
        shift, word = accuracy_word(ctx, fact in LOSS_ONLY_FACTS)
        if shift < 0:  # named, yet the accuracies say another mechanism adds to the gap
            conf *= 0.7
        return Finding(rule, clamp(conf), f"{origin} {what}{also}; validation below "
                       f"training in {shape.below_all:.0%} of epochs (late: "
                       f"{describe_gap(-shape.late_gap)}){word}", checks)
    faded = shape.faded if ctx.fit.fit == "good-fit" else 0.0
    # a persistent gap is the signature whether or not its size clears the fit's noise margin
    # (a jumpy validation below training in nearly every epoch reads as a good fit)
    if not (shape.persistent and ctx.fit.fit in BELOW_OR_GOOD) and not faded:
        return Skip(unknown_model_reason(fact))
    # a guess from the curves' shape stays below 0.5: the input names no mechanism
    how = (f"below training through most of the run ({faded:.0%} of its first two thirds) "
           "and level late, a gap that faded," if faded else
           f"below training through the run ({shape.below_all:.0%} of epochs; late: "
           f"{describe_gap(-shape.late_gap)})")
    shift, word = accuracy_word(ctx, fact in LOSS_ONLY_FACTS)
    return Finding(rule, clamp(guess + shift, high=0.49),
                   f"nothing in the input says whether the model has {what}; validation "
                   f"{how} fits a train-mode cause{word}", checks, guess=True)


def _below_beyond_jitter(c: Curves) -> float:
    """The share of epochs with validation below the logged training loss by more than
    5 % and more than the training curve's epoch-to-epoch jitter. Over every labelled set,
    a mechanism named in a good fit on this share is the label's first cause 18 times in
    21; one-batch prints whose swing carries them past validation no longer count."""
    return below_share(c.log_gap(), max(0.05, wiggle(c.train)))


def _inconclusive(own: Outcome) -> Outcome:
    """The curves' own outcome, saying that the measurement could not decide."""
    if isinstance(own, Finding):
        return replace(own, evidence=f"{own.evidence}; {INCONCLUSIVE}")
    return own


def _measured_train_mode(ctx: Context, rule: str, fact: str, what: str, present: bool | None,
                         origin: str, checks: tuple[str, ...], guess: float,
                         own: Outcome) -> Outcome:
    """A train-mode rule once the gap is measured: the train-mode part (the penalty part for
    the penalty rule, where measured apart) decides; the run facts say which mechanism."""
    dec = ctx.measured
    assert dec is not None
    if fact == "weight_penalty" and dec.penalty_measured and dec.penalty is None:
        return None  # measured: no penalty in the training loss, or one on both sides
    part = dec.penalty if fact == "weight_penalty" and dec.penalty else dec.train_mode
    conf = measured_confidence(part, dec)
    if conf is None:
        return None if part.ruled_out(dec) else _inconclusive(own)
    evidence = f"the {part.name} part explains {part.share:.0%} of the gap; {dec.describe()}"
    # the measurement is the inference-mode evaluation those checks ask for: done
    checks = tuple(c for c in checks if c not in (EVAL_TRAIN_KERAS, EVAL_TRAIN_TORCH))
    if present or part is dec.penalty:
        where = f"{origin} {what}; " if present else ""
        return Finding(rule, conf, where + evidence, checks)
    # the family is measured, the mechanism is not: each candidate stays below the line of
    # a finding (one of several, nothing tells which); the family carries the measurement
    return Finding(rule, UNNAMED_MECHANISM,
                   f"{evidence}; nothing in the input says whether the model has {what}",
                   checks, guess=True, family_confidence=conf)


