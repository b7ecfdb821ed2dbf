"""MLflow tracking stores: a file store (``mlruns/``, one experiment's folder or one run's)
and a SQL store in SQLite (``mlflow.db``, opened read-only), read directly; and any tracking
URI (a server ``http://...``, ``sqlite:///...``, ``postgresql://...``) through the official
client (the optional extra ``valgap[mlflow]``).

The two local stores are plain formats (folders of ``timestamp value step`` lines and YAML;
four SQL tables), so no ``mlflow`` package is needed to read them, and reading them directly
cannot write to them (the client may migrate a SQLite schema when it opens one). Each MLflow
run becomes one valgap run, named by its run name and id. Its metrics become columns the way
CSV columns do (Keras autolog ``loss``/``val_loss``, Lightning ``train_loss``/``val_loss``;
a ``*_epoch`` value over its ``*_step`` one). When an ``epoch`` metric is logged, the values
of each epoch are averaged into its row; otherwise each step is a row (an evaluation point).
The ``batch_size`` parameter, where logged, is a run fact.
"""
from __future__ import annotations

import math
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from valgap.model import InputError, Run
from valgap.parsers import _params, _tracker
from valgap.parsers._text import Limits, too_big

if TYPE_CHECKING:
    import sqlite3

NAME = "mlflow"
DEFAULT_MAX_BYTES = Limits().max_bytes  # --max-input-size's default
PREFIX = "mlflow:"  # an input naming a tracking URI: mlflow:<uri>#<experiment>[/<run id>]
SQLITE_MAGIC = b"SQLite format 3\x00"
TABLES = {"experiments", "runs", "metrics", "params"}

Metrics = _tracker.Metrics


def is_sqlite(path: Path) -> bool:
    """A SQLite database file (by its header). Only a regular file is opened: opening a FIFO
    would block until a writer comes."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False


DEFAULT_DB = "mlflow.db"  # the name MLflow's docs give a SQLite store


def is_sqlite_store(path: Path) -> bool:
    """A SQLite file with MLflow's tables; or one named as MLflow names its store that
    cannot be opened (corrupt, truncated): reading it says so, a walk does not skip it."""
    import sqlite3  # only where a SQLite file is met

    if not is_sqlite(path):
        return False
    try:
        with _connect(path) as db:
            names = {row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except (OSError, sqlite3.Error):
        return path.name == DEFAULT_DB
    return names >= TABLES


def is_file_store(folder: Path) -> bool:
    """An ``mlruns/`` folder, one experiment's folder in it, or one run's folder."""
    return _kind(folder) is not None


def run_folders(folder: Path) -> list[Path]:
    """The folders of the runs a file store holds (``mlruns/`` or one experiment's folder),
    in the order ``parse_folder`` reads them, deleted runs left out: a batch analyses each
    on its own (under its own time limit). A run's folder, or no store: nothing."""
    kind = _kind(folder)
    if kind == "experiment":
        experiments = [folder]
    elif kind == "root":
        experiments = [e for e in sorted(folder.iterdir())
                       if e.is_dir() and _meta_kind(_meta(e)) == "experiment"]
    else:
        return []
    return [run for experiment in experiments for run, meta in _runs_of(experiment)
            if meta.get("lifecycle_stage") != "deleted"]


def _kind(folder: Path) -> str | None:
    kind = _meta_kind(_meta(folder))
    if kind is not None:
        return kind
    try:
        children = [c for c in folder.iterdir() if c.is_dir()]
    except OSError:
        return None
    return "root" if any(_meta_kind(_meta(c)) == "experiment" for c in children) else None


def _meta_kind(meta: dict) -> str | None:
    """What a folder's meta.yaml makes it: a run's, an experiment's, or neither."""
    if "run_id" in meta or "run_uuid" in meta:
        return "run"
    return "experiment" if "experiment_id" in meta else None


def _meta(folder: Path) -> dict:
    """A store's meta.yaml, its plain values only: a name that is a list (an alias bomb
    expands when shown), a date or a nested mapping is no name or id valgap can use."""
    import yaml

    path = folder / "meta.yaml"
    try:
        if not path.is_file() or path.stat().st_size > 1 << 20:
            return {}
        data = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, yaml.YAMLError, ValueError, RecursionError, OverflowError):
        # PyYAML raises ValueError from its int and timestamp constructors (5,000 digits,
        # !!timestamp 2020-02-31), RecursionError from a document nested 50,000 deep
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and (
        v is None or isinstance(v, (bool, float)) or
        (isinstance(v, int) and abs(v) < 10 ** 30) or (isinstance(v, str) and len(v) < 4096))}


def parse_folder(folder: Path, name: str, columns: _tracker.Columns = (None, None),
                 max_bytes: int = DEFAULT_MAX_BYTES) -> list[Run]:
    """Every run of a file store (or of one experiment, or one run); the metrics and
    parameter files read hold at most ``max_bytes`` together (``--max-input-size``)."""
    budget = _Budget(name, max_bytes)
    kind = _kind(folder)
    if kind == "run":
        experiments = [(folder.parent, [(folder, _meta(folder))])]
    elif kind == "experiment":
        experiments = [(folder, _runs_of(folder))]
    else:
        experiments = [(e, _runs_of(e)) for e in sorted(folder.iterdir())
                       if e.is_dir() and _meta_kind(_meta(e)) == "experiment"]
    found = []
    for experiment, run_folders in experiments:
        experiment_name = str(_meta(experiment).get("name", ""))
        for run_folder, meta in run_folders:
            if meta.get("lifecycle_stage") == "deleted" and kind != "run":
                continue  # in a store's walk; a deleted run named itself is read (and said)
            run_id = str(meta.get("run_id") or meta.get("run_uuid") or run_folder.name)
            found.append((str(meta.get("run_name") or ""), run_id, experiment_name,
                          _folder_metrics(run_folder / "metrics", budget),
                          _folder_params(run_folder / "params", budget)))
    root = folder if kind == "root" else (folder.parent if kind == "experiment"
                                          else folder.parent.parent)
    runs = _tracker.runs(found, name, NAME, "MLflow", root.resolve().as_uri(), columns)
    if kind == "run" and experiments[0][1][0][1].get("lifecycle_stage") == "deleted":
        for run in runs:
            run.info.warnings.append("this run is marked deleted in its store "
                                     "(lifecycle_stage: deleted): read because it was named")
    return runs


def _runs_of(experiment: Path) -> list[tuple[Path, dict]]:
    """An experiment's run folders, each with its meta.yaml (read once)."""
    runs = [(r, _meta(r)) for r in sorted(experiment.iterdir()) if r.is_dir()]
    return [(r, meta) for r, meta in runs if _meta_kind(meta) == "run"]


LINE_CHARS = 1 << 16  # a metrics line is "timestamp value step": longer is junk, read in pieces


class _Budget:
    """The bytes a store's files may hold together, charged as each is opened."""

    def __init__(self, name: str, max_bytes: int) -> None:
        self.name, self.limit, self.left = name, max_bytes, max_bytes

    def charge(self, path: Path) -> None:
        try:
            self.left -= path.stat().st_size
        except OSError:
            return
        if self.left < 0:
            raise too_big(self.name, self.limit)


def _folder_metrics(folder: Path, budget: _Budget) -> Metrics:
    metrics: Metrics = {}
    if not folder.is_dir():
        return metrics
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = path.relative_to(folder).as_posix()  # a key with "/" is a nested file
        budget.charge(path)
        points = []
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in iter(lambda h=handle: h.readline(LINE_CHARS), ""):
                parts = line.split()
                if len(parts) < 2:
                    continue
                step = _params.counter(parts[2]) if len(parts) > 2 else 0
                value = _params.number(parts[1])
                if value is not None and step is not None:  # a step no run reaches: dropped
                    points.append((step, value))
        metrics[key] = points
    return metrics


def _folder_params(folder: Path, budget: _Budget) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    params = {}
    for path in folder.iterdir():
        if path.is_file():
            budget.charge(path)
            with open(path, encoding="utf-8", errors="replace") as handle:
                params[path.name] = handle.read(200).strip()  # a parameter is a short value
    return params


def sqlite_runs(path: Path) -> list[str] | None:
    """The ids of a SQLite store's runs, in the order reading the store gives them (deleted
    runs left out), where each can be read on its own cheaply: MLflow indexes metrics by
    run. None where it cannot (a store without that index, where a query per run scans the
    whole table; one that cannot be read, whose reading says why; one run or none)."""
    import sqlite3  # only where a SQLite file is met

    try:
        with _connect(path) as db:
            indexed = any(_first_column(db, index) == "run_uuid" for index in
                          (row[1] for row in db.execute("PRAGMA index_list(metrics)")))
            if not indexed or _generated_columns(db):
                return None
            ids = [row[0] for row in db.execute(
                "SELECT run_uuid FROM runs WHERE lifecycle_stage IS NOT 'deleted' "
                "ORDER BY start_time, run_uuid")]
    except (sqlite3.Error, UnicodeDecodeError):
        return None
    return ids if len(ids) > 1 and all(isinstance(i, str) for i in ids) else None


def _first_column(db: sqlite3.Connection, index: str) -> str | None:
    columns = db.execute("SELECT name FROM pragma_index_info(?)", (index,)).fetchall()
    return columns[0][0] if columns else None


def parse_sqlite(path: Path, name: str, columns: _tracker.Columns = (None, None),
                 max_bytes: int = DEFAULT_MAX_BYTES, run: str | None = None) -> list[Run]:
    """The runs of a SQLite store, or the one run of that id (``sqlite_runs``)."""
    import sqlite3

    _Budget(name, max_bytes).charge(path)
    where, args = (" WHERE run_uuid = ?", (run,)) if run is not None else ("", ())
    try:
        with _connect(path) as db:
            tables = {row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables >= TABLES:
                raise InputError("a SQLite database without MLflow's tables (experiments, "
                                 "runs, metrics, params): not a store valgap reads", name,
                                 code="unrecognised")
            generated = _generated_columns(db)
            if generated:
                raise InputError(f"not MLflow's schema: {generated[0]} is computed when read "
                                 "(a generated column); not a store valgap reads", name,
                                 code="unrecognised")
            experiments = dict(db.execute("SELECT experiment_id, name FROM experiments"))
            rows = db.execute("SELECT run_uuid, name, experiment_id, lifecycle_stage "
                              f"FROM runs{where} ORDER BY start_time, run_uuid",
                              args).fetchall()
            metrics_of, params_of = _sqlite_metrics(db, where, args), \
                _sqlite_params(db, where, args)
            found = [(run_name or "", run_id, experiments.get(experiment_id, ""),
                      metrics_of.get(run_id, {}), params_of.get(run_id, {}))
                     for run_id, run_name, experiment_id, stage in rows if stage != "deleted"]
    except sqlite3.Error as exc:  # locked, corrupt, not MLflow's schema
        raise InputError(f"cannot read this MLflow SQLite store: {exc}", name,
                         code="unreadable") from None
    except UnicodeDecodeError:  # SQLite's own message quoting a damaged schema's bytes
        raise InputError("cannot read this MLflow SQLite store: its schema is damaged (text "
                         "that is not UTF-8)", name, code="unreadable") from None
    return _tracker.runs(found, name, NAME, "MLflow", f"sqlite:///{path.resolve()}", columns)


def _sqlite_metrics(db: sqlite3.Connection, where: str = "", args: tuple = ()
                    ) -> dict[object, Metrics]:
    """Every run's metric histories, in one pass over the table: a query per run costs a
    scan of the whole table each where the store has no index on run_uuid (older and
    hand-made stores), hours for thousands of runs."""
    out: dict[object, Metrics] = {}
    for run_id, key, step, value, is_nan in db.execute(
            f"SELECT run_uuid, key, step, value, is_nan FROM metrics{where} "
            "ORDER BY key, timestamp, step", args):
        at = _params.counter(step or 0)
        number = math.nan if is_nan else _params.number(value)
        if isinstance(key, str) and at is not None and number is not None:
            out.setdefault(run_id, {}).setdefault(key, []).append((at, number))
    return out


def _sqlite_params(db: sqlite3.Connection, where: str = "", args: tuple = ()
                   ) -> dict[object, dict]:
    out: dict[object, dict] = {}
    for run_id, key, value in db.execute(f"SELECT run_uuid, key, value FROM params{where}",
                                         args):
        out.setdefault(run_id, {})[key] = value
    return out


def tracking_input(uri: str, experiment: str, run_id: str | None = None) -> str:
    """The input string that stands for an experiment (or one run) at a tracking URI. The
    experiment's name is percent-encoded: names like ``/Users/me/resnet`` or ``sweep#3``
    hold the very characters that separate the parts."""
    from urllib.parse import quote

    return f"{PREFIX}{uri}#{quote(experiment, safe='')}" + (
        f"/{quote(run_id, safe='')}" if run_id else "")


def parse_tracking(spec: str, name: str,
                   columns: _tracker.Columns = (None, None)) -> list[Run]:
    """The runs of an experiment (or one run) at a tracking URI, through the mlflow client."""
    from urllib.parse import unquote

    uri, _, target = spec[len(PREFIX):].rpartition("#")
    experiment, _, run_id = (unquote(part) for part in target.partition("/"))
    # fail in seconds on a server that is down, not after minutes of retries
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    try:
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise InputError("reading a tracking URI needs the mlflow client: pip install "
                         "'valgap[mlflow]'", name, code="unrecognised") from None
    try:
        client = MlflowClient(tracking_uri=uri)
        found_experiment = client.get_experiment_by_name(experiment)
        if found_experiment is None:
            raise InputError(f"no experiment named {experiment!r} at {uri}", name,
                             code="not-found")
        runs = ([client.get_run(run_id)] if run_id else
                client.search_runs([found_experiment.experiment_id], max_results=10_000))
        found = []
        for run in runs:
            metrics = {key: [(int(m.step), float(m.value))
                             for m in client.get_metric_history(run.info.run_id, key)]
                       for key in run.data.metrics}
            found.append((run.info.run_name or "", run.info.run_id, experiment, metrics,
                          dict(run.data.params)))
    except InputError:
        raise
    except (MlflowException, OSError) as exc:
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read MLflow at {uri}: {first}", name,
                         code="unreadable") from None
    except Exception as exc:  # the client's transport errors (requests, urllib3)
        raise InputError(f"cannot reach MLflow at {uri}: {type(exc).__name__}", name,
                         code="unreadable") from None
    return _tracker.runs(found, name, NAME, "MLflow", uri, columns)


def _connect(path: Path) -> sqlite3.Connection:
    """Read-only (valgap never writes to its inputs), waiting briefly on a writer's lock.
    A WAL-mode store with no ``-shm`` beside it has no writer: SQLite would create the
    ``-shm`` and ``-wal`` files even read-only, so it is opened as immutable instead."""
    import sqlite3  # only where a SQLite file is met

    uri = f"{path.resolve().as_uri()}?mode=ro"
    if _wal_mode(path) and not path.with_name(path.name + "-shm").exists():
        uri += "&immutable=1"
    db = sqlite3.connect(uri, uri=True, timeout=2.0)
    # no value a store holds (a name, a parameter, a number) is a megabyte; a column
    # generated on read could make gigabytes of one from a file of kilobytes
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    # text that is not UTF-8 (a damaged or hand-edited store) is read with replacements,
    # as every other reader reads bytes, instead of raising from inside a query
    db.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    return db


MAX_VALUE_BYTES = 1 << 20


def _generated_columns(db: sqlite3.Connection) -> list[str]:
    """Columns of MLflow's tables that SQLite computes on read (MLflow makes none): a 24 KB
    file could make gigabytes of values, or minutes of work, from them."""
    found = []
    for table in sorted(TABLES):
        # table_xinfo's "hidden": 2 for a virtual generated column, 3 for a stored one
        for row in db.execute(f"PRAGMA table_xinfo({table})"):
            if row[6] in (2, 3):
                found.append(f"{table}.{row[1]}")
    return found


def _wal_mode(path: Path) -> bool:
    """The file's header says WAL (its read and write format versions, bytes 18-19, are 2)."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(20)
    except OSError:
        return False
    return len(header) == 20 and header[18:20] == b"\x02\x02"


