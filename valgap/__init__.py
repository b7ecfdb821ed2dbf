"""valgap: why does validation loss differ from training loss? Reads the run's own logs.

Library use::

    from valgap import analyze
    result = analyze("run.log")[0]
    print(result.fit.fit, [c.rule for c in result.causes], result.verdict)
    analyze(model.fit(...))[0]            # a Keras History, a dict of lists, a DataFrame
"""
from __future__ import annotations

__version__ = "0.1.0"


def report(result, width: int = 100) -> str:
    """A result's terminal report (verdict, evidence, checks, curves) as text, no colour."""
    import io

    from valgap.render import RenderOptions, text

    out = io.StringIO()
    text.render([result], out, RenderOptions(color=False, width=width))
    return out.getvalue()


def analyze(source, config_path: str | None = None, all_runs: bool = False,
            name: str | None = None) -> list:
    """Analyse one run and return its results (``valgap.model.Result``; one per run).

    ``source`` is a path (a log file, a folder, ``'-'`` for standard input), or a run's
    history in memory: a Keras ``History``, a dict of lists (``{"loss": [...],
    "val_loss": [...]}``, one value per epoch) or a pandas DataFrame (one row per epoch).
    ``name`` names an in-memory history in the results. In Jupyter a result shows its
    verdict and curves.
    """
    from os import PathLike
    from pathlib import Path

    from valgap import config, engine

    if isinstance(source, (str, PathLike)):
        cfg = config.load(Path(config_path) if config_path else config.find(str(source)))
        return engine.analyze_input(str(source), cfg, all_runs=all_runs)
    cfg = config.load(Path(config_path)) if config_path else config.Config()
    return engine.analyze_history(source, cfg, name or "<history>", all_runs)


def _install_display() -> None:
    """Results show their report in IPython and Jupyter (the model imports no renderer)."""
    from valgap.model import Result

    Result.show = report


_install_display()
