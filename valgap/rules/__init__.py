"""The causes: one module per spec id, registered here by hand.

Each module declares ``ID``, ``FAMILY``, ``TITLE``, ``DEFAULT`` (its options) and
``check(ctx, options)``, which returns a ``Finding``, a ``Skip`` (cannot judge, and why) or
``None`` (judged: does not apply). Its docstring is the user documentation that
``valgap explain ID`` prints. Adding a rule = a new module + one line below.
"""
from __future__ import annotations

from types import ModuleType

from valgap.rules import (
    augmentation,
    batchnorm,
    broken_metric,
    dropout,
    easy_validation,
    epoch_averaging,
    leakage,
    loss_spike,
    loss_weighting,
    noise,
    overfitting_onset,
    pre_update_loss,
    reduction_mismatch,
    regularization_penalty,
)

RULES: dict[str, ModuleType] = {m.ID: m for m in (
    dropout, batchnorm, augmentation, regularization_penalty, loss_weighting,
    epoch_averaging, pre_update_loss, reduction_mismatch, broken_metric,
    easy_validation, leakage, noise, overfitting_onset, loss_spike,
)}


def get(rule_id: str) -> ModuleType | None:
    return RULES.get(rule_id)


def all_rules() -> list[ModuleType]:
    return list(RULES.values())
