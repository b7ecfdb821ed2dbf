"""The one sentence a person reads first."""
from __future__ import annotations

from valgap.model import FAMILIES, Result, row_unit
from valgap.phrases import CAUSE_PHRASES, FIT_PHRASES, UNFINISHED_PHRASE

CONFIDENT = 0.5


SEPARATING_CHECK = {
    "train-mode": "evaluating the training set in inference mode",
    "data-split": "re-splitting with another seed",
    "timing": "evaluating the training set at each epoch's end",
}


def sentence(result: Result) -> str:
    if result.error is not None:
        return f"Could not analyse: {result.error.message}"
    fit = result.fit
    if fit is None or fit.fit is None:
        fault = next((c for c in result.causes if FAMILIES[c.rule] == "bug"), None)
        because = f" Most likely {CAUSE_PHRASES[fault.rule]} ({fault.confidence:.2f})." \
            if fault else ""
        return f"Cannot judge the fit: {fit.evidence if fit else 'no curves'}.{because}"
    head = FIT_PHRASES[fit.fit]
    unit = row_unit(result.run.info.row) if result.run is not None else "epoch"
    if fit.unfinished:
        head = UNFINISHED_PHRASE
    if fit.few_epochs:
        head = (f"A good fit as far as {fit.few_epochs} {unit}s show: both losses fell, too "
                "few to see them settle")
    if fit.resumed:
        head = ("A good fit as far as the log shows: both losses settled together (the log "
                "starts mid-training)")
    if fit.fit == "overfit" and fit.onset_epoch:
        head += f" (from {unit} {fit.onset_epoch})"
    causes = [c for c in result.causes if c.rule != "overfitting-onset"]
    if fit.fit == "good-fit":
        head += _small_turn(result, unit)
    if fit.fit == "diverged":
        spike = next((c for c in causes if c.rule == "loss-spike"), None)
        before = f" Before that, {spike.evidence.split(', ')[0]}." if spike else ""
        return f"{head}: {fit.evidence}.{before}"
    if not causes:
        return head + "; no cause fired." if fit.fit == "val-below-train" else head + "."
    first = causes[0]
    if fit.fit == "good-fit" and first.family_confidence is not None:
        return f"{head}; where the curves differ, {_family_measured(first, causes)}."
    if fit.fit == "good-fit":
        why = "most likely" if first.confidence >= CONFIDENT else "possibly"
        return (f"{head}; where the curves differ, {why} because of "
                f"{CAUSE_PHRASES[first.rule]} ({first.confidence:.2f}).")
    if fit.fit != "val-below-train" and FAMILIES[result.causes[0].rule] == "bug" and \
            result.causes[0].confidence >= CONFIDENT:
        # ranked before what the curve's shape says: the printed loss is not the loss
        fault = result.causes[0]
        return (f"{head}, as the curves are printed; most likely because of "
                f"{CAUSE_PHRASES[fault.rule]} ({fault.confidence:.2f}), not the model.")
    if fit.fit != "val-below-train":
        # overfit, underfit, ...: the fit is the story; only a problem worth a look is added
        worth = [c for c in causes if c.confidence >= CONFIDENT
                 and FAMILIES[c.rule] in ("bug", "data-split", "instability")]
        if worth:
            return (f"{head}; also {CAUSE_PHRASES[worth[0].rule]} "
                    f"({worth[0].confidence:.2f}).")
        return head + "."
    if first.family_confidence is not None:
        return head + ", " + _family_measured(first, causes) + "."
    if first.confidence >= CONFIDENT:
        text = (f"{head}, most likely because of {CAUSE_PHRASES[first.rule]} "
                f"({first.confidence:.2f})")
        also = [c for c in causes[1:] if c.confidence >= 0.3]
        if also:
            text += f"; {CAUSE_PHRASES[also[0].rule]} may add to it ({also[0].confidence:.2f})"
        return text + "."
    return head + ", " + _undecided(first, causes[1:]) + "."


def _small_turn(result: Result, unit: str) -> str:
    """A good fit whose validation edged up after its lowest epoch, or stayed level while
    training fell, too little to call it overfit: said beside the fit, as the possibility it
    is."""
    sign = next((c for c in result.causes if c.rule == "overfitting-onset"
                 and ("turn" in c.marks or "level" in c.marks)), None)
    if sign is None:
        return ""
    what = (f"validation edged up after {unit} {sign.marks['turn']}" if "turn" in sign.marks
            else f"validation stayed level from {unit} {sign.marks['level']} while training fell")
    return f"; {what}, possibly the start of overfitting ({sign.confidence:.2f})"


def _family_measured(first, causes) -> str:
    """The family is measured, the mechanism is not named: say so, not a guess."""
    family = FAMILIES[first.rule]
    names = [SHORT.get(c.rule, c.rule) for c in causes
             if FAMILIES[c.rule] == family and c.family_confidence is not None]
    return (f"because of a {family} cause (measured, {first.family_confidence:.2f}); the log "
            f"cannot say which ({', '.join(names)}): "
            f"{SEPARATING_MECHANISM.get(family, 'the recommended checks')} would tell")


SHORT = {"batchnorm": "batch norm", "regularization-penalty": "a weight penalty",
         "loss-weighting": "loss weighting"}
SEPARATING_MECHANISM = {
    "train-mode": "one run with each of them switched off (or a model summary in the log)",
}


def _undecided(first, rest) -> str:
    """Several weak candidates: name them and the check that would separate them."""
    close = [c for c in rest if c.confidence >= first.confidence - 0.15]
    text = f"possibly because of {CAUSE_PHRASES[first.rule]} ({first.confidence:.2f})"
    if not close:
        return text
    family = FAMILIES[first.rule]
    same = [c.rule for c in close if FAMILIES[c.rule] == family]
    other = [c for c in close if FAMILIES[c.rule] != family]
    if same:
        text += f" or another {family} cause ({', '.join(same)})"
    if other:
        text += f", or {CAUSE_PHRASES[other[0].rule]} ({other[0].confidence:.2f})"
    separating = SEPARATING_CHECK.get(family, "the first recommended check")
    return text + f"; the log cannot tell them apart, {separating} can"
