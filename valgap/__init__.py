"""valgap: why does validation loss differ from training loss? Reads the run's own logs.

Library use::

    from valgap import analyze
    result = analyze("run.log")[0]
    print(result.fit.fit, [c.rule for c in result.causes], result.verdict)
    analyze(model.fit(...))[0]            # a Keras History, a dict of lists, a DataFrame
    records("run.log")                    # plain dicts, as `--format json` writes them
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

    An input that cannot be read (missing, unreadable, no training log in it, a history
    that is no run) raises ``valgap.InputError``: its ``message``, ``code`` and ``str()``
    are the CLI's one line. (``records`` never raises: it returns the error's JSON.)
    """
    from os import PathLike
    from pathlib import Path

    from valgap import config, engine

    if isinstance(source, (str, PathLike)):
        cfg = config.load(Path(config_path) if config_path else config.find(str(source)))
        results = engine.analyze_input(str(source), cfg, all_runs=all_runs)
    else:
        cfg = config.load(Path(config_path)) if config_path else config.Config()
        results = engine.analyze_history(source, cfg, name or "<history>", all_runs)
    if len(results) == 1 and results[0].error is not None:
        raise results[0].error
    return results


def __getattr__(name: str):
    """``valgap.InputError`` without importing the model at start-up."""
    if name == "InputError":
        from valgap.model import InputError

        return InputError
    raise AttributeError(name)


def records(source: str, config_path: str | None = None, all_runs: bool = False,
            input_format: str | None = None) -> list[dict]:
    """Analyse one input and return what ``valgap analyze --format json`` writes for it:
    one plain dict per run (the JSON Lines object of the spec, ``schema: valgap/1``).

    ``source`` is a path or a URL (``s3://...`` with ``valgap[s3]``): a log, a run folder,
    a folder of runs (walked as the CLI walks it) or a tracker store. Nothing is raised
    for a bad input: its dict has ``error`` set. The dicts hold only str, int, float, bool,
    None, lists and dicts, so they pickle and serialise anywhere; map this function in your
    own Dask bag, Spark job or Ray task::

        import dask.bag, valgap
        verdicts = dask.bag.from_sequence(paths, npartitions=64).map(valgap.records).flatten()
    """
    import json
    from pathlib import Path

    from valgap import config
    from valgap.executors.work import analyse_input
    from valgap.render.json import encode
    from valgap.runner import Job

    job = Job(inputs=[source], fmt="json", all_runs=all_runs, input_format=input_format)
    try:
        given = config.load(Path(config_path)) if config_path else None
    except config.ConfigError as exc:
        from valgap.model import InputError, Result

        error = Result(source=source, error=InputError(str(exc), code="config"))
        return [json.loads(encode(error.to_dict()))]
    return [json.loads(encode(r.to_dict())) for r in analyse_input(source, job, given)]


def _install_display() -> None:
    """Results show their report in IPython and Jupyter (the model imports no renderer)."""
    from valgap.model import Result

    Result.show = report
    Result.show_html = _notebook_html


def _notebook_html(result) -> str:
    from valgap.render.html import notebook_frame

    return notebook_frame(result)


_install_display()
