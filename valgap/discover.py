"""From the paths a user gives to the runs to analyse: walk folders, group the files of one run.

A folder is one run when it is a TensorBoard log folder (``train/`` + ``validation/`` or
event files of its own), a Lightning ``version_N/`` (``metrics.csv``), a Trainer output
folder (``trainer_state.json``), CatBoost's ``catboost_info/``, a DVCLive folder or a
folder of TensorBoard exports. An MLflow file store (``mlruns/`` or an experiment's
folder) and a W&B ``wandb/`` folder of local runs are one input per run, each analysed on
its own (its results named by the store); an MLflow SQLite store (``mlflow.db``) is one
input of all its runs.
A Keras log and the CSVLogger file of the same run, side by side, are analysed once, from
the log (which also shows the model summary and the split sizes). Files that are not
training logs are skipped.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from valgap.model import InputError
from valgap.parsers import (
    allennlp_metrics,
    catboost_info,
    dvclive,
    mlflow_store,
    set_csvs,
    tb_events,
    tb_export,
    wandb_run,
)
from valgap.parsers._text import LOG_SUFFIXES
from valgap.remote import is_url, listing

SKIP_DIRS = {".git", "__pycache__", ".venv", "venv", "node_modules", ".ipynb_checkpoints"}
SKIP_NAMES = {"valgap.yaml", "hparams.yaml", "label.yaml", "config.json", "README.md"}


@dataclass
class Target:
    """One run to analyse: a file or a run folder, and the files it stands for."""

    path: str
    also: list[str] = field(default_factory=list)  # files of the same run not read
    note: str = ""
    named: str = ""  # the path the user gave that led here
    group: list[str] = field(default_factory=list)  # files read together as one run
    store: str = ""  # a run of a store read on its own: the store its results are named by
    run: str = ""  # the id of a SQLite store's run (a file store's run is its folder)

    @property
    def label(self) -> str:
        """The name its results carry (a failed run of a store: the store and the run)."""
        if self.group:
            return " + ".join(self.group)
        return f"{self.store} [{self.run or Path(self.path).name}]" if self.store \
            else self.path


@dataclass
class Discovery:
    targets: list[Target] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not training logs (shown with -v)
    # folders and files that could not be looked at: reported, never dropped silently
    errors: list[InputError] = field(default_factory=list)


@dataclass(frozen=True)
class Skipped:
    """A file found by walking that is no training log (shown with -v)."""

    path: str


def discover(paths: list[str]) -> Discovery:
    """Everything at once (for a handful of inputs; batches use ``walk``)."""
    found = Discovery()
    for item in walk(paths):
        if isinstance(item, Target):
            found.targets.append(item)
        elif isinstance(item, Skipped):
            found.skipped.append(item.path)
        else:
            found.errors.append(item)
    return found


def walk(paths: list[str]) -> Iterator[Target | Skipped | InputError]:
    """The runs under ``paths`` as they are found, folder by folder, so that a tree of a
    million logs is never listed whole (each folder is, by the file system)."""
    exports = [p for p in paths if not is_url(p) and Path(p).is_file()
               and tb_export.is_export(Path(p))]
    if len(exports) >= 2:  # TensorBoard exports given together: one run, paired by file name
        yield Target(exports[0], named=exports[0], group=exports)
        paths = [p for p in paths if p not in exports]
    for name in paths:
        path = Path(name)
        try:
            single = name == "-" or is_url(name) or not path.is_dir() \
                or _run_folder(path)
        except OSError:  # it cannot be looked at: reading it will say why, as its result
            single = True
        if single and is_url(name):
            found = _walk_url(name)
        elif single:
            yield from _store_runs(path, name) or [Target(name, named=name)]
            continue
        else:
            found = _walk(path)
        for item in found:
            if isinstance(item, Target):
                item.named = name
            yield item


def _run_folder(folder: Path) -> bool:
    names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    if ("meta.yaml" in names or folder.name == "mlruns") and mlflow_store.is_file_store(folder):
        return True  # mlruns/, an experiment's or a run's folder
    if wandb_run.is_folder(folder):  # wandb/, or one run's folder in it
        return True
    if "trainer_state.json" in names or catboost_info.is_folder(folder):
        return True
    if any(tb_events.is_event_file(folder / n) for n in names):
        return True
    runs = tb_events.set_runs(names)
    if runs and all(tb_events.event_files(folder / n) for n in runs):
        return True
    if any(tb_export.FILE_NAME.match(n) for n in names):
        return True
    if set_csvs.set_files(folder, names) is not None:  # train.csv beside valid.csv
        return True
    if allennlp_metrics.epoch_files(folder, names):  # metrics_epoch_0.json, ...
        return True
    return dvclive.may_be_folder(names) and dvclive.metrics_folder(folder) is not None


def _walk(root: Path) -> Iterator[Target | Skipped | InputError]:
    problems: list[InputError] = []

    def unreadable(exc: OSError) -> None:
        problems.append(InputError(f"cannot read this folder: {exc.strerror or exc}; "
                                   "the runs in it were not analysed",
                                   str(exc.filename or root), code="unreadable"))

    for folder, dirs, files in os.walk(root, onerror=unreadable):
        yield from problems
        problems.clear()
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        # a FIFO, socket or device is no log, and opening a FIFO blocks until a writer comes
        kinds = {f: _kind(here / f) for f in files}
        yield from (InputError(f"cannot read: {kind}", str(here / f), code="unreadable")
                    for f, kind in sorted(kinds.items()) if kind not in ("file", "other"))
        yield from (Skipped(str(here / f)) for f, kind in sorted(kinds.items())
                    if kind == "other")
        files = [f for f in files if kinds[f] == "file"]
        try:
            run_folder = here != root and _run_folder(here)
        except PermissionError as exc:
            unreadable(exc)
            dirs[:] = []
            continue
        if "metrics.csv" in files and "hparams.yaml" in files:  # Lightning version_N/
            events = [str(p) for p in tb_events.event_files(here)]
            yield Target(str(here / "metrics.csv"), also=events, note=(
                "the TensorBoard events beside it hold the same run; read metrics.csv"
                if events else ""))
            dirs[:] = []
            files = [f for f in files if f not in ("metrics.csv",) and "tfevents" not in f]
        elif run_folder:
            yield from _store_runs(here, str(here)) or [_folder_target(here)]
            dirs[:] = []
            continue
        candidates = sorted(f for f in files if _log_like(f) and (
            _suffix(f) != ".db" or mlflow_store.is_sqlite_store(here / f)))
        yield from (Skipped(str(here / f)) for f in sorted(files) if f not in candidates)
        for target in _pair_keras(here, candidates):
            stored = _suffix(target.path) == ".db" and _store_runs(Path(target.path),
                                                                   target.path)
            yield from stored or [target]
    yield from problems


def _store_runs(path: Path, name: str) -> list[Target]:
    """Each run of an MLflow store (a file store's folder, a SQLite file whose runs can be
    read one by one) or of a ``wandb/`` folder as a target of its own (a batch's limits
    bound each run, not a store of thousands), named by the store; none for anything else."""
    try:
        if path.is_dir():
            folders = mlflow_store.run_folders(path) or wandb_run.run_folders(path)
            return [Target(str(run), named=name, store=name) for run in folders]
        ids = mlflow_store.sqlite_runs(path) if mlflow_store.is_sqlite(path) else None
    except OSError:
        return []  # the store cannot be listed: reading it as one input says why
    return [Target(str(path), named=name, store=name, run=run) for run in ids or []]


def _walk_url(url: str) -> Iterator[Target | Skipped]:
    """A URL prefix walked as a local folder is, from its listings (``remote.listing``):
    each log, or each run folder, is one target, read where it is analysed. A URL that is
    no folder, or cannot be listed, is one target: reading it says why."""
    found_any = False
    for folder, dirs, files in listing(url):
        if _run_folder_names(folder, dirs, files):  # the URL itself, or a folder in it
            yield Target(url if not found_any else folder)
            dirs[:] = []
            found_any = True
            continue
        found_any = True
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        if "metrics.csv" in files and "hparams.yaml" in files:  # Lightning version_N/
            yield Target(f"{folder}/metrics.csv")
            dirs[:] = []
            continue
        candidates = [f for f in files if _log_like(f)]  # a .db is looked into where read
        yield from (Skipped(f"{folder}/{f}") for f in files if f not in candidates)
        yield from _pair_keras(folder, candidates)
    if not found_any:
        yield Target(url)


def _run_folder_names(folder: str, dirs: list[str], files: list[str]) -> bool:
    """``_run_folder`` from a listing's names alone (no round trip per file)."""
    name = folder.rstrip("/").rsplit("/", 1)[-1]
    names = set(dirs) | set(files)
    return ("meta.yaml" in files or name in ("mlruns", "wandb")
            or wandb_run.RUN_FOLDER.match(name) is not None
            or "trainer_state.json" in files or catboost_info.JSON_FILE in files
            or catboost_info.TSV_FILES[0] in files or any("tfevents" in f for f in files)
            or bool(tb_events.set_runs(names))
            or any(tb_export.FILE_NAME.match(f) for f in files)
            or dvclive.is_listed_folder(dirs, files)
            or bool(allennlp_metrics.epoch_files(Path(folder), set(files))))


def _kind(path: Path) -> str:
    """"file" (a regular file), "other" (a FIFO, socket, device, dangling link: no log), or
    why the file cannot be looked at."""
    try:
        return "file" if stat.S_ISREG(path.stat().st_mode) else "other"
    except FileNotFoundError:  # vanished, or a link to nowhere
        return "other"
    except OSError as exc:
        return exc.strerror or str(exc)


def _folder_target(folder: Path) -> Target:
    if (folder / "trainer_state.json").is_file():
        checkpoints = sorted(str(p) for p in folder.glob("checkpoint-*/trainer_state.json"))
        return Target(str(folder), also=checkpoints)
    return Target(str(folder))


def _log_like(name: str) -> bool:
    """A file name a walk reads: a log's suffix, or a store's (``.db``)."""
    return name not in SKIP_NAMES and not name.startswith(".") \
        and (_suffix(name) in LOG_SUFFIXES or _suffix(name) == ".db")


def _suffix(name: str) -> str:
    return Path(name).suffix.lower() if "." in name else ""


def _pair_keras(folder: Path | str, names: list[str]) -> list[Target]:
    """A Keras log and a CSV of the same stem (or the only two logs of a folder): one run."""
    logs = [n for n in names if _suffix(n) in (".log", ".txt", ".out")]
    csvs = [n for n in names if _suffix(n) == ".csv"]
    csv_of_stem: dict[str, str] = {}
    for name in csvs:  # one pass: a folder of thousands of logs must not pair in n^2
        csv_of_stem.setdefault(Path(name).stem, name)
    pairs = {log: csv_of_stem[Path(log).stem] for log in logs if Path(log).stem in csv_of_stem}
    if not pairs and len(logs) == 1 and len(csvs) == 1 and len(names) == 2:
        pairs[logs[0]] = csvs[0]
    targets = []
    for name in names:
        if name in pairs.values():
            continue
        if name in pairs:
            targets.append(Target(_join(folder, name), also=[_join(folder, pairs[name])],
                                  note=f"{pairs[name]} beside it is the same run's CSV log; "
                                       f"read {name}, which also shows the model and split"))
        else:
            targets.append(Target(_join(folder, name)))
    return targets


def _join(folder: Path | str, name: str) -> str:
    """A path in a local folder, or a key under a URL (which Path would mangle)."""
    return f"{folder}/{name}" if isinstance(folder, str) else str(folder / name)
