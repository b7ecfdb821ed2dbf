"""TensorBoard exports of more than one run in one folder: TensorBoard names a Keras run's
halves ``<run>/train`` and ``<run>/validation``, so the files are
``run-<run>_train-tag-epoch_loss.csv``. Two real runs' exports from ../shared's labelled
corpus, put in one folder under their run names as TensorBoard would name them."""
from __future__ import annotations

import shutil

from tests.conftest import LABELED, needs_shared
from valgap.parsers import read

RUNS = ("k-noise_tiny_val-s1", "k-augmentation_pipeline-s1")


def _together(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for run in RUNS:
        for path in (needs_shared(LABELED / run / "tb_export")).glob("*.csv"):
            shutil.copy(path, folder / path.name.replace("run-", f"run-{run}_", 1))
    return folder


def test_two_runs_exported_into_one_folder_are_two_runs(tmp_path):
    runs = read(str(_together(tmp_path)))
    assert sorted(r.info.name for r in runs) == sorted(RUNS)
    for run in runs:
        alone = read(str(LABELED / run.info.name / "tb_export"))[-1]
        assert run.epochs == alone.epochs
        assert run.table["val_loss"].tolist() == alone.table["val_loss"].tolist()
        assert not run.table["train_loss"].isna().any()  # not one table with gaps
        assert run.info.run_count == 2


def test_one_run_named_before_its_split_is_still_one_run(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for path in needs_shared(LABELED / RUNS[0] / "tb_export").glob("*.csv"):
        shutil.copy(path, folder / path.name.replace("run-", "run-20240101-120000_", 1))
    runs = read(str(folder))
    assert len(runs) == 1 and runs[0].info.name == ""
    alone = read(str(LABELED / RUNS[0] / "tb_export"))[-1]
    assert runs[0].table["val_loss"].tolist() == alone.table["val_loss"].tolist()


def test_a_batch_analyses_both_runs_and_names_them(tmp_path):
    from click.testing import CliRunner

    from valgap.cli import main

    out = CliRunner().invoke(main, ["analyze", str(_together(tmp_path)), "--no-plot"]).output
    assert all(f"exports [{run}]" in out for run in RUNS), out
    assert "2 runs analysed" in out
