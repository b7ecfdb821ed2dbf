"""What the framework callbacks share beyond the measurement: the verdict printed at the end
of training."""
from __future__ import annotations

import sys


def print_verdict(source, what: str) -> None:
    """Analyse ``source`` (a path or a history in memory) and print its report; a failure is
    one line on stderr, since the verdict is a courtesy and must never fail the training."""
    from valgap import analyze, report

    try:
        results = analyze(source)
    except Exception as exc:
        print(f"valgap: could not analyse {what}: {exc}", file=sys.stderr)
        return
    for result in results:
        print(report(result))
