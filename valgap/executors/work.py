"""What analysing one target is, wherever it runs (in-process, a local child, a Dask
worker): its URL staged, its CSV twin as the fallback, every failure turned into an error
result. ``analyse_chunk`` is the task both executors run."""
from __future__ import annotations

import functools
import threading
from pathlib import Path

from valgap import config as config_module
from valgap.discover import Target
from valgap.model import InputError, Result
from valgap.parsers._text import Limits

_local = threading.local()


def analyse_chunk(targets: list[Target], job, given) -> list[bytes]:
    """The pickled results of each target, in order, each read in this thread's supervised
    child (a hang is stopped after ``job.timeout`` seconds, a crash costs one input)."""
    from valgap.executors.supervised import Slot

    slot = getattr(_local, "slot", None)
    if slot is None:
        slot = _local.slot = Slot()
    return [slot.analyse(target, job, given, job.timeout) for target in targets]


class _Expired(BaseException):
    """Raised by the alarm in ``analyse_here`` (not an Exception: no reader may catch it)."""


def analyse_here(target: Target, job, given) -> list[Result]:
    """In this process: standard input, or a single input (no child to start and no
    second copy of pandas to load). The timeout is an alarm signal, which stops a reader
    looping in Python; only a batch's children can also be stopped inside C code."""
    import signal

    # standard input comes at the pace of whatever writes it (a training still running)
    if not job.timeout or target.path == "-" or not hasattr(signal, "setitimer") \
            or threading.current_thread() is not threading.main_thread():
        return analyse_target(target, job, given)

    fired: list[bool] = []

    def expire(signum, frame) -> None:
        fired.append(True)
        # raised inside a garbage collector's callback (a WeakSet's), the exception is
        # printed and dropped, and the reader runs on: the alarm rings again until one lands
        signal.setitimer(signal.ITIMER_REAL, REPEAT_ALARM)
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, job.timeout)
    try:
        results = _unless_expired(target, job, given)
    except _Expired:  # an alarm between the reader's end and its disarming
        results = None
    finally:
        _disarm(previous)
    if results is None or fired:
        message = f"reading took longer than {job.timeout:g} s (--timeout); stopped"
        return [Result(source=target.label, error=InputError(message, target.label,
                                                             code="timeout"))]
    return results


REPEAT_ALARM = 0.05  # seconds between alarms once the timeout has passed


def _unless_expired(target: Target, job, given) -> list[Result] | None:
    """``analyse_target``, or None where the alarm stopped it."""
    try:
        return analyse_target(target, job, given)
    except _Expired:
        return None


def _disarm(previous) -> None:
    """The alarm stopped and the previous handler back, whatever alarm rings meanwhile."""
    import signal

    while True:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            return
        except _Expired:
            continue


def analyse_target(target: Target, job, given) -> list[Result]:
    from valgap import remote

    if remote.is_url(target.path):
        return _analyse_url(target.path, job, given)
    if target.group:
        return analyse_one(target.label, job, given, target.named, target.group)
    results = analyse_one(target.path, job, given, target.named, run=target.run)
    if target.store:
        for result in results:
            _name_by_store(result, target)
    if target.also and all(r.error is not None for r in results):
        # the log could not be read: its CSV twin may still tell the story
        results = analyse_one(target.also[0], job, given, target.named)
    elif target.note:
        for result in results:
            if result.run is not None:
                result.run.info.notes.append(target.note)
    return results


def analyse_input(name: str, job, given=None) -> list[Result]:
    """Every run of one input, here: a folder is walked as the CLI walks it."""
    from valgap.discover import Skipped, walk

    results: list[Result] = []
    for item in walk([name]):
        if isinstance(item, InputError):
            results.append(Result(source=item.source, error=item))
        elif not isinstance(item, Skipped):
            results += [r for r in analyse_target(item, job, given)
                        if not left_out(r, item, [name])]
    return results


def _analyse_url(url: str, job, given) -> list[Result]:
    """A URL is staged where it is analysed (never through the client) and walked like a
    local file or folder; its results are named by their URLs."""
    from valgap import remote

    staged = remote.stage([url], job.max_input_bytes)
    try:
        results = [Result(source=e.source, error=e) for e in staged.errors]
        for local in staged.inputs:
            results += analyse_input(local, job, given)
        for result in results:
            _rename(result, staged.url_of)
        return results
    finally:
        staged.cleanup()


def left_out(result: Result, target, named) -> bool:
    """Whether a result is skipped (shown with -v), not reported: a file met while walking
    a folder that turns out not to be a training log (only a file the user named is
    reported), and a run of a store that logged no loss, as reading the store whole leaves
    it out."""
    if not isinstance(target, Target) or result.error is None:
        return False
    if target.store:
        return result.error.code == "no-epochs"
    return result.error.code == "unrecognised" and target.path not in named


def _name_by_store(result: Result, target: Target) -> None:
    """A run of a store read on its own, named as reading the whole store names it: the
    store (the run's own name is shown beside it); a failure also names the run's folder."""
    if result.error is None:
        result.source = target.store
    else:
        result.source = result.error.source = target.label
    if result.run is not None:
        result.run.info.source = target.store


def _rename(result: Result, url_of) -> None:
    result.source = url_of(result.source)
    if result.error is not None:
        result.error.source = url_of(result.error.source)
    if result.run is not None:
        result.run.info.source = url_of(result.run.info.source)
        if result.run.info.tracker:  # a store read from a copy: tags set there would be lost
            result.run.info.tracker = {**result.run.info.tracker, "copy_of": result.source}


def analyse_one(name: str, job, given: config_module.Config | None = None,
                named: str | None = None, group: list[str] | None = None,
                run: str = "") -> list[Result]:
    """The results for one input, with every failure turned into an error result."""
    from valgap import engine
    from valgap.parsers import Options

    found_by = group[0] if group else name
    try:
        path = config_module.find(found_by, named)
        cfg = given if given is not None else _config_at(
            path, path.stat().st_mtime_ns if path else 0)
    except config_module.ConfigError as exc:
        return [Result(source=name, error=InputError(str(exc), code="config"))]
    options = Options(job.input_format, job.train_col, job.val_col,
                      Limits(job.max_input_bytes, job.max_runs), run or None)
    try:
        return engine.analyze_input(name, cfg, options, job.all_runs, group=group)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:  # one bad input must not stop the others
        return internal_error(name, exc)


def warm_up() -> None:
    """Load what every analysis needs (pandas, the parsers, the rules) by analysing a
    tiny run, so that no input's clock counts the imports."""
    from valgap import config, engine
    from valgap.parsers import detect  # noqa: F401

    losses = [1.0, 0.8, 0.7, 0.65, 0.6, 0.58]
    engine.analyze_history({"loss": losses, "val_loss": [v * 1.1 for v in losses]},
                           config.Config(), "<warm-up>")


def slim(result: Result) -> None:
    """Without its epoch table, for a report that draws no curves: what every report
    other than the text one needs is in the result and the run's facts."""
    if result.run is not None and result.run.table is not None:
        result.run.info.reduced_from = result.run.epochs_logged
        result.run.table = None


def internal_error(name: str, exc: Exception) -> list[Result]:
    error = InputError(f"internal error while reading: {type(exc).__name__}: {exc} "
                       "(please report this with the log)", name, code="internal")
    return [Result(source=name, error=error)]


@functools.lru_cache(maxsize=256)
def _config_at(path: Path | None, mtime_ns: int) -> config_module.Config:
    """Loaded once per process (and per version of the file): the logs of one folder share
    their valgap.yaml."""
    return config_module.load(path)
