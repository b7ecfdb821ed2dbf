"""`valgap compare BASELINE RUN...`: what changed between runs, and what it means."""
from __future__ import annotations

from valgap._num import log_ratio
from valgap.model import FAMILIES, Change, Comparison, Result, RunPicture
from valgap.phrases import CAUSE_PHRASES
from valgap.rules._signals import Curves, describe_gap, median

CONFIDENT = 0.5
EXPLAINED = {  # a cause that appears in the new run, and what the reader should take from it
    "train-mode": "the val < train gap it shows is expected, not a problem",
    "timing": "a gap in the early epochs is a measurement effect",
    "bug": "the losses are not comparable until it is fixed",
    "data-split": "the validation numbers no longer measure generalisation",
    "noise": "differences this small are not evidence either way",
    "fit": "stop earlier or regularise more",
    "instability": "look at the epochs around the jump",
}


def picture(result: Result) -> RunPicture:
    curves = Curves.of(result.run) if result.run is not None else None
    if curves is None or curves.n == 0:
        return RunPicture(result, None, None, None)
    late = curves.late()
    gaps = [log_ratio(v, t) for t, v in zip(curves.train[late], curves.val[late])
            if t > 0 and v > 0]
    best = min(range(curves.n), key=lambda i: curves.val[i])
    return RunPicture(result, median(gaps) if gaps else None, curves.val[best],
                      curves.epochs[best])


def compare(baseline: Result, others: list[Result]) -> Comparison:
    base = picture(baseline)
    runs = [picture(r) for r in others]
    return Comparison(base, runs, [changes(base, run) for run in runs])


def _confident(result: Result) -> dict[str, float]:
    return {f.rule: f.confidence for f in result.causes if f.confidence >= CONFIDENT}


def changes(base: RunPicture, run: RunPicture) -> list[Change]:
    out: list[Change] = []
    b, r = base.result, run.result
    b_fit = b.fit.fit if b.fit else None
    r_fit = r.fit.fit if r.fit else None
    if b_fit != r_fit:
        out.append(Change("fit", f"fit changed: {b_fit} -> {r_fit}"))
    b_causes, r_causes = _confident(b), _confident(r)
    findings = {f.rule: f for f in r.causes}
    for rule in r_causes.keys() - b_causes.keys():
        meaning = EXPLAINED.get(FAMILIES.get(rule, ""), "")
        check = findings[rule].checks[0] if findings[rule].checks else ""
        out.append(Change("cause-added", f"the new run shows {CAUSE_PHRASES.get(rule, rule)} "
                          f"({r_causes[rule]:.2f}): {meaning}", check))
    for rule in b_causes.keys() - r_causes.keys():
        out.append(Change("cause-removed", _removed(rule, b_causes[rule], r)))
    out += _gap_change(base, run)
    if base.best_val and run.best_val:
        ratio = run.best_val / base.best_val - 1
        if abs(ratio) >= 0.02:
            out.append(Change("best-val", f"best validation loss {'down' if ratio < 0 else 'up'} "
                              f"{abs(ratio):.0%}: {base.best_val:.4g} (epoch {base.best_epoch}) "
                              f"-> {run.best_val:.4g} (epoch {run.best_epoch})"))
    if b.run is not None and r.run is not None and b.run.epochs_logged != r.run.epochs_logged:
        out.append(Change("epochs", f"epochs: {b.run.epochs_logged} -> "
                                    f"{r.run.epochs_logged}"))
    return out


def _removed(rule: str, before: float, run: Result) -> str:
    """A cause the baseline showed: gone, or only invisible in the new run's input?"""
    phrase = CAUSE_PHRASES.get(rule, rule)
    finding = next((f for f in run.causes if f.rule == rule), None)
    status = next((s for s in run.rules if s.rule == rule), None)
    if finding is not None and finding.guess:
        return (f"{phrase}: the new run's input does not show the model, so it is only "
                f"guessed from the curves there ({finding.confidence:.2f}; baseline "
                f"{before:.2f})")
    if status is not None and status.status == "skipped":
        return f"{phrase}: cannot be judged from the new run's input ({status.reason})"
    return f"the new run no longer shows {phrase} (baseline {before:.2f})"


def _gap_change(base: RunPicture, run: RunPicture) -> list[Change]:
    if base.late_gap is None or run.late_gap is None:
        return []
    before, after = describe_gap(base.late_gap), describe_gap(run.late_gap)
    if (base.late_gap > 0) != (run.late_gap > 0):
        return [Change("gap", f"the gap changed sides: {before} -> {after}")]
    if abs(run.late_gap - base.late_gap) >= 0.1:
        wider = abs(run.late_gap) > abs(base.late_gap)
        return [Change("gap", f"the gap {'widened' if wider else 'narrowed'}: {before} -> "
                              f"{after}")]
    return []
