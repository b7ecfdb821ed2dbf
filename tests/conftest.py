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
