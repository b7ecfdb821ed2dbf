"""The boosting fixtures come from the real libraries: scripts/make_boosting_fixtures.py run
again here (XGBoost, LightGBM and CatBoost on scikit-learn's data sets) writes logs that read
as the committed ones, round for round (only CatBoost's timings differ between runs)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import DATA, ROOT
from valgap.parsers import read

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")
pytest.importorskip("catboost")

BOOSTING = DATA / "boosting"
MADE = ("xgboost-train.log", "xgboost-sklearn.log", "lightgbm-train.log",
        "boosting-cv-and-wrapper.log", "catboost-train.log", "catboost_info",
        "catboost_info_two_sets", "xgboost-evals-result.json", "lightgbm-evals-result.json",
        "catboost-evals-result.json")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boosting")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_boosting_fixtures.py"),
                    str(folder)], check=True, timeout=600, capture_output=True,
                   env={"OMP_NUM_THREADS": "2", "PATH": "/usr/bin:/bin"})
    return folder


@pytest.mark.parametrize("name", MADE)
def test_a_regenerated_log_reads_as_the_committed_fixture(made, name):
    fresh, committed = read(str(made / name)), read(str(BOOSTING / name))
    assert [r.epochs for r in fresh] == [r.epochs for r in committed]
    for new, old in zip(fresh, committed):
        assert new.info.columns == old.info.columns
        for column in ("train_loss", "val_loss"):
            assert new.table[column].tolist() == pytest.approx(old.table[column].tolist(),
                                                               rel=1e-4, abs=1e-6)
