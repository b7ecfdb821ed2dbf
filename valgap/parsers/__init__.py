"""Readers: one module per log format, chosen from the content, never from the file name.

``read(path)`` returns every run an input holds (one ``Run`` each, oldest first).
Folders are runs too: a TensorBoard log folder, a folder of TensorBoard exports, a
Trainer output folder holding ``trainer_state.json``, CatBoost's ``catboost_info/``,
a DVCLive folder.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import (
    allennlp_metrics,
    boosting,
    caffe_log,
    catboost_info,
    csv_log,
    dvclive,
    hf_state,
    jsonl,
    keras_stdout,
    lightning_progress,
    loop_text,
    memory,
    mlflow_store,
    notebook,
    pickled,
    ray_tune,
    set_csvs,
    tb_events,
    tb_export,
    wandb_run,
    yolo_stdout,
    yolo_text,
)
from valgap.parsers._text import HEAD_BYTES, Limits, Source, decode

# formats whose runs are separate experiments (a tracker's, TensorBoard's), each analysed;
# in a log, more than one run means training restarted, and the last run is analysed
SEPARATE_RUNS = {mlflow_store.NAME, wandb_run.NAME, tb_export.NAME, ray_tune.NAME}

LONG_HEAD_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Options:
    input_format: str | None = None   # a name from FORMATS, or None to detect
    train_col: str | None = None
    val_col: str | None = None
    limits: Limits = field(default_factory=Limits)
    run: str | None = None  # one run of a SQLite store, by id (a batch reads it run by run)


# name -> (sniff(head text) -> 0..1, parse(source, options) -> runs), in tie-break order
FORMATS: dict[str, tuple[Callable[[str], float], Callable[[Source, Options], list[Run]]]] = {
    hf_state.NAME: (hf_state.sniff, lambda s, o: hf_state.parse(s)),
    notebook.NAME: (notebook.sniff, lambda s, o: _read_notebook(s, o)),
    tb_export.NAME: (tb_export.sniff, lambda s, o: tb_export.parse(s)),
    keras_stdout.NAME: (keras_stdout.sniff, lambda s, o: keras_stdout.parse(s)),
    hf_state.STDOUT_NAME: (hf_state.sniff_stdout, lambda s, o: hf_state.parse_stdout(s)),
    catboost_info.NAME: (catboost_info.sniff, lambda s, o: catboost_info.parse(s)),
    jsonl.NAME: (jsonl.sniff, lambda s, o: jsonl.parse(s, o.train_col, o.val_col)),
    memory.JSON_NAME: (memory.sniff, lambda s, o: memory.parse_json(s, o.train_col, o.val_col)),
    memory.PRINT_NAME: (memory.sniff_printed,
                        lambda s, o: memory.parse_printed(s, o.train_col, o.val_col)),
    boosting.NAME: (boosting.sniff, lambda s, o: boosting.parse(s)),
    pickled.NAME: (pickled.sniff, lambda s, o: pickled.parse(s, o.train_col, o.val_col)),
    caffe_log.NAME: (caffe_log.sniff, lambda s, o: caffe_log.parse(s)),
    ray_tune.NAME: (ray_tune.sniff, lambda s, o: ray_tune.parse(s)),
    yolo_text.NAME: (yolo_text.sniff, lambda s, o: yolo_text.parse(s)),
    yolo_stdout.NAME: (yolo_stdout.sniff, lambda s, o: yolo_stdout.parse(s)),
    hf_state.CSV_NAME: (hf_state.sniff_csv, lambda s, o: hf_state.parse_csv(s)),
    csv_log.NAME: (csv_log.sniff, lambda s, o: csv_log.parse(s, o.train_col, o.val_col)),
    lightning_progress.NAME: (lightning_progress.sniff, lambda s, o: lightning_progress.parse(s)),
    loop_text.NAME: (loop_text.sniff, lambda s, o: loop_text.parse(s)),
}
ALL_FORMATS = (*FORMATS, tb_events.NAME)


def read(name: str, options: Options | None = None, data: bytes | None = None,
         group: list[str] | None = None) -> list[Run]:
    """All runs in one input (a file, a folder, or ``-`` for stdin), or in a ``group`` of
    TensorBoard export files read together as one run."""
    options = options or Options()
    if group:
        return tb_export.parse_files([Path(p) for p in group], name)
    path = Path(name)
    if name.startswith(mlflow_store.PREFIX) and data is None:  # --mlflow URI --experiment
        return mlflow_store.parse_tracking(name, name, (options.train_col, options.val_col))
    if name != "-" and data is None:
        if _is_folder(name):
            try:
                return _read_folder(path, name, options)
            except OSError as exc:  # a file or subfolder of it that cannot be read
                raise InputError(f"cannot read {exc.filename or 'this folder'}: "
                                 f"{exc.strerror or exc}", name, code="unreadable") from None
        if tb_events.is_event_file(path) or options.input_format == tb_events.NAME:
            return tb_events.parse_folder(path, name)
        columns, limit = (options.train_col, options.val_col), options.limits.max_bytes
        if mlflow_store.is_sqlite(path):  # an MLflow store, or said why it is none
            return mlflow_store.parse_sqlite(path, name, columns, limit, options.run)
        if path.suffix == ".wandb" and wandb_run.is_log(path):
            return wandb_run.parse_log(path, name, columns, limit)
    return _read_text(Source(name, data, options.limits), options)


def _is_folder(name: str) -> bool:
    """Whether an input is a folder; an input that cannot be looked at is an InputError."""
    try:
        return stat.S_ISDIR(os.stat(name).st_mode)
    except FileNotFoundError:
        raise InputError("no such file or folder", name, code="not-found") from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), name, code="unreadable") from None


def _read_text(source: Source, options: Options) -> list[Run]:
    if source.path is None and options.input_format in (None, tb_events.NAME) and \
            tb_events.is_event_stream(source.head(64)):
        return tb_events.parse_stream(source)
    fmt = options.input_format or detect(source)
    if fmt not in FORMATS:
        raise InputError(f"unknown input format {fmt!r} (choose from {', '.join(ALL_FORMATS)})",
                         source.name, code="usage")
    runs = FORMATS[fmt][1](source, options)
    if not runs:
        runs = _tolerant(source, fmt, options, InputError(
            "no epoch with a training or validation loss found", source.name, code="no-epochs"))
    for run in runs:
        run.info.source = source.name
    return runs


def _tolerant(source: Source, fmt: str, options: Options, error: InputError) -> list[Run]:
    """A log that looked like one format but whose reader found no run in it (Python dicts
    printed by a loop look like the Trainer's, say) is read as loop prints, the most
    tolerant reader; if that finds nothing either, the error stands."""
    if options.input_format or fmt == loop_text.NAME or error.code != "no-epochs":
        raise error
    try:
        runs = loop_text.parse(source)
    except InputError:
        raise error from None
    if not runs:
        raise error
    return runs


def _read_notebook(source: Source, options: Options) -> list[Run]:
    """Each cell's output detected on its own (a cell may print a listing, the next a Keras
    fit, the next a fastai table); neighbouring cells of one format are one log (training
    continued in the next cell). Cells that hold no training log are left out of the
    curves, but what they print of the model (``print(model)``, ``model.summary()`` in a
    cell of its own) is lent to the runs trained after them; if no cell reads on its own,
    the outputs are read together."""
    texts = notebook.cells(source)
    # format, outputs, and what the cells before them said of the model
    groups: list[tuple[str, list[str], RunInfo]] = []
    said = notebook.ModelFacts()
    for text in texts:
        cell = Source(source.name, text.encode("utf-8"), source.limits)
        try:
            fmt = options.input_format or detect(cell)
        except InputError:
            said.scan(text)  # no training log in this cell
            continue
        if groups and groups[-1][0] == fmt:
            groups[-1][1].append(text)
        else:
            groups.append((fmt, [text], said.so_far()))
    runs: list[Run] = []
    for fmt, group, facts in groups:
        try:
            found = FORMATS[fmt][1](notebook.joined(source, group), options)
        except InputError:
            continue
        for run in found:
            notebook.lend(run.info, facts)
        runs += found
    return runs or _read_text(notebook.joined(source, texts), options)


# the most each sniffer can say (1.0 unless its module says less): once a format has
# scored at least what every sniffer after it could, those are not run (the loop-print
# sniffer reads the whole head line by line: most of detection's time on a small CSV)
CEILINGS = {loop_text.NAME: loop_text.SNIFF_CEILING,
            lightning_progress.NAME: lightning_progress.SNIFF_CEILING}
# per format in FORMATS' order: the most it or any sniffer after it can say
_STILL_POSSIBLE = [max(CEILINGS.get(n, 1.0) for n in list(FORMATS)[i:])
                   for i in range(len(FORMATS))]


def _best(head: str) -> tuple[str, float]:
    """The format whose sniffer scores highest (the first in FORMATS' order on a tie)."""
    best, score = next(iter(FORMATS)), -1.0
    for name, possible in zip(FORMATS, _STILL_POSSIBLE):
        if score >= possible:
            break  # nothing after this can score more
        value = FORMATS[name][0](head)
        if value > score:
            best, score = name, value
    return best, score


def detect(source: Source) -> str:
    raw = source.head()
    if pickled.is_pickled(raw):  # bytes, not text: a pickled or saved history
        return pickled.NAME
    head = decode(raw)
    if not head.strip():
        raise InputError("the input is empty", source.name, code="unrecognised")
    if "\x00" in head[:2000]:
        raise InputError("binary file, not a training log valgap can read", source.name,
                         code="unrecognised")
    best, score = _best(head)
    if score <= 0 and len(raw) >= HEAD_BYTES:
        # progress bars can fill the first 64 KiB before the first epoch line: look further
        best, score = _best(decode(source.head(LONG_HEAD_BYTES)))
    if score <= 0 and len(raw) >= HEAD_BYTES:
        best, score = _scan(source)
    if score <= 0:
        if csv_log.header_only(head):
            raise InputError("a CSV header naming loss columns and no row under it: the run "
                             "has logged no epoch yet", source.name, code="no-epochs")
        if _single_column(head):
            raise InputError("a single column of numbers with no header: valgap cannot tell "
                             "a training from a validation loss; add a header line (loss, "
                             "or loss,val_loss with both columns)", source.name,
                             code="unrecognised")
        if _html_page(head):
            raise InputError("a web page (HTML), not a training log: saved from the browser in "
                             "place of the file? Download the raw file (on GitHub: Raw, or "
                             "Download raw file)", source.name, code="unrecognised")
        raise InputError("not a training log valgap recognises (no Keras progress lines, "
                         "CSV loss columns, trainer state or epoch/loss lines found)",
                         source.name, code="unrecognised")
    return best


def _html_page(head: str) -> bool:
    """The input opens as an HTML document (a page saved where the log or notebook was
    meant to be: GitHub's page for a file, not the file)."""
    start = head.lstrip()[:15].lower()
    return start.startswith(("<!doctype html", "<html"))


SCAN_BYTES = 64 * 1024 * 1024   # how far detection reads into an input, at most
WINDOW_LINES = 4000              # lines each window of the scan holds
WINDOW_CHARS = 1 << 20
OVERLAP_LINES = 50               # lines a window hands on to the next, at most
CLUES = ("loss", "mse", "mae")  # a window without one holds no epoch line: not sniffed


def _scan(source: Source) -> tuple[str, float]:
    """Detection beyond the head: windows of lines through the whole input (a notebook whose
    first cell lists 5,000 unzipped files, a capture that starts with megabytes of
    redraws), sniffing only the windows that mention a loss, up to ``SCAN_BYTES``."""
    window: list[str] = []
    size = total = 0
    for _, line in source.numbered():
        window.append(line)
        size += len(line) + 1
        if len(window) >= WINDOW_LINES or size >= WINDOW_CHARS:
            best, score = _sniff_window(window)
            if score > 0:
                return best, score
            total += size
            if total >= SCAN_BYTES:
                break
            window = _overlap(window)
            size = sum(len(w) + 1 for w in window)
    return _sniff_window(window)


def _overlap(window: list[str]) -> list[str]:
    """The lines a window hands on to the next (an epoch's lines cut by the window's end):
    its last 50, at most a quarter of a window's characters. Lines of hundreds of kilobytes
    handed on whole would fill every next window at once, each one line on, and each sniffed
    again: minutes for a file of a few dozen such lines."""
    kept: list[str] = []
    size = 0
    for line in reversed(window[-OVERLAP_LINES:]):
        size += len(line) + 1
        if size > WINDOW_CHARS // 4:
            break
        kept.append(line)
    return kept[::-1]


def _sniff_window(window: list[str]) -> tuple[str, float]:
    text = "\n".join(window)
    lowered = text.lower()
    if not any(clue in lowered for clue in CLUES):
        return "", 0.0
    return _best(text)


def _single_column(head: str) -> bool:
    lines = [line.strip() for line in head.splitlines()[:50] if line.strip()]
    numbers = 0
    for line in lines:
        try:
            float(line)
        except ValueError:
            continue
        numbers += 1
    return len(lines) >= 3 and numbers >= len(lines) - 1


def _read_folder(folder: Path, name: str, options: Options) -> list[Run]:
    columns, limit = (options.train_col, options.val_col), options.limits.max_bytes
    if mlflow_store.is_file_store(folder):
        return mlflow_store.parse_folder(folder, name, columns, limit)
    if wandb_run.is_folder(folder):
        return wandb_run.parse_folder(folder, name, columns, limit)
    state = _trainer_state(folder)
    if state is not None:
        return _read_text(Source(str(state), limits=options.limits), options)
    if (folder / "metrics.csv").is_file():  # Lightning version_N/: same run as its events
        return _read_text(Source(str(folder / "metrics.csv"), limits=options.limits), options)
    if catboost_info.is_folder(folder):
        return catboost_info.parse_folder(folder, name, options.limits)
    if tb_events.event_files(folder):
        return tb_events.parse_folder(folder, name)
    metrics = dvclive.metrics_folder(folder)
    if metrics is not None:
        return dvclive.parse_folder(folder, metrics, name, options.limits, columns)
    epochs = allennlp_metrics.epoch_files(folder)
    if epochs:
        return allennlp_metrics.parse(epochs, name, options.limits)
    per_set = set_csvs.set_files(folder)
    if per_set is not None:
        return set_csvs.parse(per_set, name, options.limits)
    exports = [p for p in sorted(folder.iterdir()) if p.is_file() and tb_export.is_export(p)]
    if exports:
        csvs = [p for p in exports if p.suffix.lower() == ".csv"]
        return tb_export.parse_files(csvs or exports, name)
    raise InputError("this folder holds no training log valgap can read as one run "
                     "(TensorBoard logs, TensorBoard exports, trainer_state.json, an MLflow "
                     "store, W&B runs, CatBoost's catboost_info, a DVCLive folder, one CSV "
                     "a set or AllenNLP's metrics_epoch_N.json files)", name,
                     code="unrecognised")


def _trainer_state(folder: Path) -> Path | None:
    top = folder / "trainer_state.json"
    if top.is_file():
        return top
    checkpoints = sorted(folder.glob("checkpoint-*/trainer_state.json"),
                         key=lambda p: int(p.parent.name.split("-")[-1])
                         if p.parent.name.split("-")[-1].isdigit() else -1)
    return checkpoints[-1] if checkpoints else None


class _Reparse:
    """Formats without a line-by-line reader (CSV, trainer state) are parsed again from the
    text received so far; the file itself is still read only once, incrementally."""

    def __init__(self, name: str, fmt: str, options: Options) -> None:
        self.name, self.fmt, self.options = name, fmt, options
        self.lines: list[str] = []

    def feed(self, raw: str, line_no: int) -> None:
        self.lines.append(raw)

    def runs(self) -> list[Run]:
        data = ("\n".join(self.lines) + "\n").encode()
        try:  # as ``read`` reads the same bytes, so that watch and analyze agree
            return _read_text(Source(self.name, data, self.options.limits), self.options)
        except InputError:
            return []

    finish = runs


class _Lines:
    """Adapter: a line reader (Keras stdout, loop text) that builds runs on demand."""

    def __init__(self, reader) -> None:
        self.reader = reader

    def feed(self, raw: str, line_no: int) -> None:
        self.reader.feed(raw, line_no)

    def runs(self) -> list[Run]:
        from valgap.parsers import _table

        records = self.reader.records()
        return _table.build_runs(records, self.reader.info) if records else []

    def finish(self) -> list[Run]:
        """The runs once the log has ended, as ``read`` gives them (call once)."""
        try:
            return self.reader.finish()
        except InputError:
            return []


def incremental(fmt: str, name: str, options: Options | None = None):
    """A reader for a log that is still being written: ``feed(line, n)`` then ``runs()``."""
    if fmt == keras_stdout.NAME:
        return _Lines(keras_stdout.Incremental(name, (options or Options()).limits))
    if fmt == loop_text.NAME:
        return _Lines(loop_text.Incremental(name, (options or Options()).limits))
    if fmt == jsonl.NAME:
        return _Lines(jsonl.Incremental(name, (options or Options()).limits))
    return _Reparse(name, fmt, options or Options())
