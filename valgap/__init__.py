"""valgap: why does validation loss differ from training loss? Reads the run's own logs.

Library use::

    from valgap import analyze
    result = analyze("run.log")[0]
    print(result.fit.fit, [c.rule for c in result.causes], result.verdict)
"""
from __future__ import annotations

__version__ = "0.1.0"


def analyze(source: str, config_path: str | None = None, all_runs: bool = False) -> list:
    """Analyse one input (file, folder or '-') and return its results (valgap.model.Result)."""
    from pathlib import Path

    from valgap import config, engine

    cfg = config.load(Path(config_path) if config_path else config.find(source))
    return engine.analyze_input(source, cfg, all_runs=all_runs)
