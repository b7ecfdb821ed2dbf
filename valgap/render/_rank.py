"""Which runs need attention first (the order of batch summaries)."""
from __future__ import annotations

from dataclasses import dataclass

from valgap.model import FAMILIES, Finding, Result

# lower = more urgent
_FIT_ORDER = {"diverged": 1, "overfit": 3, "val-below-train": 5, "underfit": 6,
              "too-short": 7, None: 8, "good-fit": 9}


def attention(result: Result) -> int:
    if result.error is not None:
        return 0
    fit = result.fit.fit if result.fit else None
    first = next((c for c in result.causes if c.rule != "overfitting-onset"), None)
    if first is not None and FAMILIES.get(first.rule) == "bug" and first.confidence >= 0.5:
        return 2  # a bug in how the loss is computed beats any fit judgement
    if fit == "val-below-train" and first is not None and \
            first.headline_confidence < 0.5:
        return 4  # unexplained: someone should run the recommended check
    return _FIT_ORDER.get(fit, 8)


def ranked(results: list[Result]) -> list[Result]:
    """Most urgent first; the input order breaks ties, so the order never depends on timing."""
    return [r for _, _, r in sorted((attention(r), i, r) for i, r in enumerate(results))]


def first_cause(result: Result) -> str:
    """The first cause and its confidence (see ``cause_name``)."""
    if not result.causes:
        return "-"
    first = result.causes[0]
    return f"{cause_name(first)} ({first.headline_confidence:.2f})"


def cause_name(finding: Finding) -> str:
    """A cause's id; where its family is measured and no mechanism is named, the family
    (the mechanisms tie there: naming the first of them would be a guess)."""
    if finding.family_confidence is not None:
        return f"{FAMILIES[finding.rule]}, measured"
    return finding.rule


@dataclass(frozen=True)
class Row:
    """What a batch summary shows of one run: kept instead of the result, so that a summary
    of a million runs holds its 50 most urgent rows and not their tables."""

    attention: int
    index: int
    source: str
    fit: str          # the fit class, "not judged" or "unreadable"
    cause: str        # the first cause with its confidence, or "-"
    epochs: str
    verdict: str      # the verdict, or why the log could not be read
    check: str = ""   # the first cause's first check
    cause_id: str = ""
    best: str = "-"   # the epoch of the lowest validation loss, "12 (8 after)"

    @classmethod
    def of(cls, result: Result, index: int) -> Row:
        if result.error is not None:
            return cls(0, index, result.source, "unreadable", "-", "-", result.error.message)
        first = result.causes[0] if result.causes else None
        return cls(attention(result), index, result.label,
                   result.fit.fit if result.fit and result.fit.fit else "not judged",
                   first_cause(result), str(result.run.epochs_logged), result.verdict,
                   first.checks[0] if first is not None and first.checks else "",
                   cause_name(first) if first is not None else "",
                   f"{result.best.epoch} ({result.best.epochs_after} after)"
                   if result.best is not None else "-")

    @property
    def key(self) -> tuple[int, int]:
        return self.attention, self.index
