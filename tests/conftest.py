"""Shared test helpers: paths to real logs, a CLI runner, tables built from curves."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from valgap.cli import main
from valgap.model import Run, RunInfo

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"
LABELED = SHARED / "corpus" / "labeled"
REALWORLD = SHARED / "corpus" / "realworld"


def needs_shared(path: Path) -> Path:
    """Skip the calling test cleanly when ../shared (the corpus) is not beside the repo."""
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture
def cli():
    """Run the CLI through click's CliRunner; stderr kept apart from stdout."""
    def run(*args: str, input: str | bytes | None = None, env: dict | None = None):
        return CliRunner().invoke(main, list(args), input=input, env=env or {},
                                  catch_exceptions=False)
    return run


def make_run(train: list[float], val: list[float] | None = None, *,
             layers: dict[str, int] | None = None, n_train: int | None = None,
             n_val: int | None = None, steps: int | None = None, **extra: list[float]) -> Run:
    """A run from curves (synthetic tests of the rules and the fit classifier)."""
    data = {"train_loss": train}
    if val is not None:
        data["val_loss"] = val
    data.update(extra)
    table = pd.DataFrame(data, index=pd.RangeIndex(1, len(train) + 1, name="epoch"))
    info = RunInfo(source="synthetic", format="test", layers=layers or {}, n_train=n_train,
                   n_val=n_val, steps_per_epoch=steps)
    return Run(table.astype(float), info)


# what libraries valgap uses leave in $TMPDIR by their own design (Dask's lock files)
TMPDIR_THEIRS = ("dask-scratch-space",)


@pytest.fixture
def private_tmpdir(tmp_path_factory, monkeypatch):
    """A fresh $TMPDIR for the test (and every process it starts), which must be empty
    again when the test ends: nothing valgap makes there outlives its use, whatever way
    it ended (a timeout, a kill, a crashed child)."""
    import tempfile

    folder = tmp_path_factory.mktemp("tmpdir")
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(name, str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    left = sorted(p.name for p in folder.iterdir() if not p.name.startswith(TMPDIR_THEIRS))
    assert not left, f"left in $TMPDIR: {left}"


def injection_sets(tmp_path: Path) -> dict[str, list[str]]:
    """The hostile inputs of ../shared/reliability/injection_cases.py (set name -> the
    arguments to analyse), built under ``tmp_path``; the test skips when ../shared is absent."""
    import importlib.util
    import os

    path = needs_shared(SHARED / "reliability" / "injection_cases.py")
    spec = importlib.util.spec_from_file_location("injection_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.D = tmp_path / "inj"
    here = os.getcwd()
    os.chdir(ROOT)  # its sample and corpus paths are the repository's
    try:
        return module.build()
    finally:
        os.chdir(here)


# MLflow's SQLite tables as valgap reads them; a test adds its own ``params`` table
MLFLOW_SQLITE_TABLES = """
    CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, name TEXT, experiment_id INTEGER,
                       lifecycle_stage TEXT, start_time INTEGER);
    CREATE TABLE metrics (key TEXT, value FLOAT, timestamp INTEGER, run_uuid TEXT,
                          step INTEGER, is_nan BOOLEAN);
    INSERT INTO experiments VALUES (1, 'exp');
    INSERT INTO runs VALUES ('r1', 'run', 1, 'active', 1);
"""


def mlflow_file_store(root: Path, losses: list[float], val_losses: list[float],
                      experiment_yaml: str = "name: exp\nlifecycle_stage: active",
                      run_yaml: str = "run_name: good",
                      params: dict[str, str] | None = None) -> Path:
    """A minimal MLflow file store at ``root/mlruns``: experiment 1, run ``abc``, one metrics
    line per epoch (``timestamp value step``)."""
    experiment = root / "mlruns" / "1"
    run = experiment / "abc"
    (run / "metrics").mkdir(parents=True)
    (experiment / "meta.yaml").write_text(f"experiment_id: '1'\n{experiment_yaml}\n")
    (run / "meta.yaml").write_text(f"run_id: abc\nexperiment_id: '1'\n{run_yaml}\n")
    for key, values in (("loss", losses), ("val_loss", val_losses)):
        (run / "metrics" / key).write_text("".join(f"0 {v} {i}\n" for i, v in enumerate(values)))
    if params:
        (run / "params").mkdir()
        for key, value in params.items():
            (run / "params" / key).write_text(value)
    return root / "mlruns"
