"""Which runs need attention first (the order of batch summaries)."""
from __future__ import annotations

from valgap.model import FAMILIES, Result

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
    if fit == "val-below-train" and first is not None and first.confidence < 0.5:
        return 4  # unexplained: someone should run the recommended check
    return _FIT_ORDER.get(fit, 8)


def ranked(results: list[Result]) -> list[Result]:
    """Most urgent first; the input order breaks ties, so the order never depends on timing."""
    return [r for _, _, r in sorted((attention(r), i, r) for i, r in enumerate(results))]


def first_cause(result: Result) -> str:
    if not result.causes:
        return "-"
    return f"{result.causes[0].rule} ({result.causes[0].confidence:.2f})"
