"""Gradient boosting's evaluation logs, as XGBoost, LightGBM and CatBoost print them while
they train (tests/data/boosting, made by scripts/make_boosting_fixtures.py with the real
libraries). The rounds, their first and last values are those of the files' first and last
round lines."""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from valgap.model import InputError
from valgap.parsers import boosting, read
from valgap.parsers._text import Source

BOOSTING = DATA / "boosting"

# file, library, rounds, first/last training loss, first/last validation loss, loss column
EXPECTED = [
    ("xgboost-train.log", "xgboost", 60, 0.4367, 0.00722, 0.45745, 0.05888,
     "train-logloss"),
    ("xgboost-sklearn.log", "xgboost", 80, 74.74617, 32.05923, 67.9266, 60.87612,
     "validation_0-rmse"),
    ("lightgbm-train.log", "lightgbm", 69, 0.583874, 0.003862, 0.584425, 0.057749,
     "training-binary_logloss"),
    ("catboost-train.log", "catboost", 150, 0.574329, 0.006658, 0.581939, 0.065796,
     "learn-loss"),
    # HistGradientBoosting at verbose=2, the validation set split off by early stopping
    ("sklearn-hgb-classifier.log", "scikit-learn", 200, 0.58404, 1e-05, 0.59342, 0.0012,
     "train-loss"),
    ("sklearn-hgb-regressor.log", "scikit-learn", 120, 2474.32236, 39.14393, 2524.42719,
     2226.63452, "train-loss"),
]


@pytest.mark.parametrize("row", EXPECTED, ids=[r[0] for r in EXPECTED])
def test_a_boosting_log_is_one_row_per_round(row):
    name, library, rounds, t0, t1, v0, v1, train_name = row
    runs = read(str(BOOSTING / name))
    assert len(runs) == 1
    run = runs[0]
    assert run.info.format == boosting.NAME and run.info.framework == library
    assert run.info.row == "boosting round" and run.epochs == rounds
    table = run.table
    got = [round(float(table[c].iloc[i]), 6) for c in ("train_loss", "val_loss") for i in (0, -1)]
    assert got == [t0, t1, v0, v1]
    assert run.info.columns["train_loss"] == train_name


def test_the_round_lightgbm_repeats_after_early_stopping_is_not_a_round():
    # the log ends "Early stopping, best iteration is:" then round [49] again
    run = read(str(BOOSTING / "lightgbm-train.log"))[0]
    assert list(run.table.index) == list(range(1, 70))


def test_the_sklearn_wrapper_says_which_set_it_took_for_training():
    run = read(str(BOOSTING / "xgboost-sklearn.log"))[0]
    assert any("validation_0, is taken as the training set" in n for n in run.info.notes)


def test_a_set_named_for_validation_is_validation_and_one_named_test_a_test_set():
    # xgb.train(..., evals=[(dtrain, "train"), (dval, "eval"), (dtest, "test")]): the last
    # set is early stopping's, but the names say which is which
    # (scripts/make_thirtyfirstway_runs.py)
    run = read(str(DATA / "thirtyfirstway" / "gb_xgb_leak-s1" / "train.log"))[0]
    assert run.info.columns == {"train_loss": "train-logloss", "val_loss": "eval-logloss",
                                "test_loss": "test-logloss"}
    assert run.table["val_loss"].iloc[-1] == 0.10960
    assert run.table["test_loss"].iloc[-1] == 0.34975


def test_unnamed_sets_keep_the_last_as_validation():
    log = ("[0]\ttrain-rmse:2.0\ta-rmse:2.1\ttest-rmse:2.2\n"
           "[1]\ttrain-rmse:1.5\ta-rmse:1.8\ttest-rmse:1.9\n")
    run = boosting.parse(Source("x.log", log.encode()))[0]
    assert run.info.columns == {"train_loss": "train-rmse", "val_loss": "test-rmse"}


def test_a_score_is_kept_as_a_metric_not_read_as_the_loss():
    run = read(str(BOOSTING / "xgboost-train.log"))[0]
    assert "train_auc" in run.table and "val_auc" in run.table
    assert any("auc are higher-is-better" in n for n in run.info.notes)


def test_scores_alone_are_refused_with_the_reason():
    log = "".join(f"[{i}]\tvalidation_0-auc:0.{90 + i}\tvalidation_1-auc:0.{80 + i}\n"
                  for i in range(5))
    with pytest.raises(InputError, match="higher is better"):
        boosting.parse(Source("auc.log", log.encode()))


def test_hist_gradient_boosting_scored_by_accuracy_is_refused_with_its_own_remedy():
    with pytest.raises(InputError, match=r"higher is better \(score\).*scoring='loss'"):
        read(str(BOOSTING / "sklearn-hgb-accuracy.log"))


def test_hist_gradient_boosting_is_judged_as_boosting_not_as_a_network(cli):
    # the regressor's validation bottoms at round 6 and rises while training falls 60x:
    # overfit, and no train-mode mechanism is asked about (trees have no dropout)
    doc = json.loads(cli("analyze", str(BOOSTING / "sklearn-hgb-regressor.log"),
                         "--format", "json").stdout)
    assert doc["fit"] == "overfit" and doc["best_epoch"]["epoch"] == 6
    status = {r["id"]: r for r in doc["rules"]}
    assert status["dropout"]["status"] == "skipped"
    checks = " ".join(doc["causes"][0]["checks"])
    assert "n_iter_no_change" in checks


def test_train_mode_and_timing_rules_are_skipped_with_the_reason(cli):
    doc = json.loads(cli("analyze", str(BOOSTING / "xgboost-train.log"),
                         "--format", "json").stdout)
    status = {r["id"]: r for r in doc["rules"]}
    for rule in ("dropout", "batchnorm", "epoch-averaging", "pre-update-loss"):
        assert status[rule]["status"] == "skipped" and "boosting" in status[rule]["reason"]
    assert doc["fit"] == "overfit" and doc["best_epoch"]["epoch"] == 53
    assert doc["run"]["row"] == "boosting round"
    checks = " ".join(doc["causes"][0]["checks"])  # the library's own way to stop in time
    assert "early_stopping_rounds" in checks and "Keras" not in checks and "PyTorch" not in checks


def test_rounds_pasted_into_comments_hold_runs_that_each_choose_their_loss():
    # a public script's comments: three 3-round runs of the scikit-learn wrapper (boston
    # RMSE, wine mlogloss, breast-cancer logloss), numbered from [0] each time
    runs = read(str(BOOSTING / "xgboost-three-runs-pasted.txt"))
    assert [r.epochs for r in runs] == [3, 3, 3]
    assert [r.info.columns["train_loss"] for r in runs] == [
        "validation_0-rmse", "validation_0-mlogloss", "validation_0-logloss"]
    assert [round(float(runs[-1].table[c].iloc[-1]), 5) for c in ("train_loss", "val_loss")] \
        == [0.66696, 0.66858]


def test_the_report_counts_rounds_not_epochs(cli):
    text = cli("analyze", str(BOOSTING / "xgboost-train.log"), "--no-plot").stdout
    assert "· 60 boosting rounds" in text.splitlines()[0]
    assert "best round 53 of 60" in text


# CatBoost's train_dir, from the same run as catboost-train.log: read three ways, one run
CATBOOST_INFO = BOOSTING / "catboost_info"


def _catboost_copy(tmp_path, keep: tuple[str, ...]):
    """The train_dir with only some of what CatBoost writes (older versions, a copy)."""
    import shutil

    folder = tmp_path / "train_dir"
    folder.mkdir()
    for name in keep:
        source = CATBOOST_INFO / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            shutil.copy(source, folder / name)
    return folder


@pytest.mark.parametrize("keep", [
    ("catboost_training.json", "learn_error.tsv", "test_error.tsv", "learn", "test"),
    ("learn_error.tsv", "test_error.tsv"),
    ("learn", "test"),
], ids=["json", "tsv", "events"])
def test_catboost_train_dir_is_the_same_run_as_its_stdout(tmp_path, keep):
    if keep == ("learn", "test"):
        pytest.importorskip("tensorboard")
    folder = _catboost_copy(tmp_path, keep)
    runs = read(str(folder))
    assert len(runs) == 1
    run, printed = runs[0], read(str(BOOSTING / "catboost-train.log"))[0]
    assert run.info.framework == "catboost" and run.info.row == "boosting round"
    assert run.epochs == printed.epochs == 150
    for column in ("train_loss", "val_loss"):
        assert run.table[column].round(6).tolist() == pytest.approx(
            printed.table[column].round(6).tolist(), abs=2e-6)
    assert run.info.columns["train_loss"] == "learn-Logloss"


def test_catboost_json_named_alone_is_read():
    run = read(str(CATBOOST_INFO / "catboost_training.json"))[0]
    assert run.info.format == "catboost-info" and run.epochs == 150


def test_catboost_two_sets_take_the_first_as_validation_and_the_objective_as_loss():
    run = read(str(BOOSTING / "catboost_info_two_sets"))[0]
    # eval_metric AUC is a score (best_value Max): the loss is the Logloss objective
    assert run.info.columns["val_loss"] == "test-Logloss"
    assert "val_auc" in run.table and "train_accuracy" in run.table
    assert any("first, test, is read as validation" in n for n in run.info.notes)


def test_catboost_two_sets_read_the_same_from_the_tsv_files(tmp_path):
    import shutil

    folder = tmp_path / "train_dir"
    folder.mkdir()
    for name in ("learn_error.tsv", "test_error.tsv"):
        shutil.copy(BOOSTING / "catboost_info_two_sets" / name, folder / name)
    from_tsv, from_json = read(str(folder))[0], read(str(BOOSTING / "catboost_info_two_sets"))[0]
    assert from_tsv.epochs == from_json.epochs == 60
    assert from_tsv.table["val_loss"].tolist() == pytest.approx(
        from_json.table["val_loss"].tolist(), abs=2e-6)


def test_a_folder_walk_finds_the_train_dir_as_one_run():
    from valgap.discover import discover

    found = discover([str(BOOSTING)])
    names = sorted(t.path.rsplit("/", 1)[-1] for t in found.targets)
    assert "catboost_info" in names and "catboost_info_two_sets" in names
    parts = [t.path for t in found.targets if "/catboost_info" in t.path and
             not t.path.endswith(("/catboost_info", "/catboost_info_two_sets"))]
    assert not parts  # its parts (learn/, test/, the .tsv and .json files) are no runs
    # a saved evals_result() beside them is a run of its own
    assert "xgboost-evals-result.json" in names


def test_cross_validation_means_and_knitr_output_are_read():
    # xgb.cv's rounds as R prints them in a knitr document (lines from a public R Markdown
    # page): the mean over the folds, then its spread after "±"
    log = ("## Will train until test_rmse hasn't improved in 20 rounds.\n## \n"
           "## [1]\ttrain-rmse:130.776794±0.801606\ttest-rmse:130.791918±3.291658 \n"
           "## [51]\ttrain-rmse:84.624277±0.504391\ttest-rmse:84.965195±3.075515 \n"
           "## [101]\ttrain-rmse:75.047705±0.546247\ttest-rmse:75.505861±2.584350 \n")
    run = read("cv.md", data=log.encode())[-1]
    assert run.table["train_loss"].tolist() == [130.776794, 84.624277, 75.047705]
    python = ("[0]\ttrain-rmse:2.170414+0.073478\ttest-rmse:2.169813+0.289608\n"
              "[1]\ttrain-rmse:2.0+0.07\ttest-rmse:2.1+0.28\n")
    assert read("cv.log", data=python.encode())[-1].table["val_loss"].tolist() == [2.169813, 2.1]


def test_cross_validation_and_the_wrapper_are_three_runs_of_thirty_rounds():
    # lgb.cv (train / valid means), xgb.cv (train / test means), LGBMClassifier (valid_0 is
    # the training set passed first): the last values are those of each run's last line
    runs = read(str(BOOSTING / "boosting-cv-and-wrapper.log"))
    assert [r.epochs for r in runs] == [30, 30, 30]
    assert [r.info.framework for r in runs] == ["lightgbm", "xgboost", "lightgbm"]
    assert [r.info.columns["val_loss"] for r in runs] == [
        "valid-binary_logloss", "test-logloss", "valid_1-binary_logloss"]
    lines = (BOOSTING / "boosting-cv-and-wrapper.log").read_text().splitlines()
    assert runs[1].table["val_loss"].iloc[-1] == pytest.approx(
        float(lines[59].split("test-logloss:")[1].split("+")[0]))


@pytest.mark.parametrize("log", ["lightgbm-train.log", "xgboost-train.log", "catboost-train.log"])
def test_a_value_with_two_decimal_points_is_no_number(log, tmp_path):
    # fuzzing joined two values into "0.9979083.997752": float() refused it and the reader
    # raised; such a round is now not a round, and the rest of the log reads
    path = DATA / "boosting" / log
    lines = path.read_text().splitlines(keepends=True)
    rows = read(str(path))[-1].epochs
    at = next(i for i, line in enumerate(lines) if i > 2 and "0." in line)
    lines[at] = lines[at].replace("0.", "0.9979083.", 1)
    broken = tmp_path / log
    broken.write_text("".join(lines))
    assert read(str(broken))[-1].epochs in (rows, rows - 1)


# evals_result() saved with json.dump: the values are the libraries' own lists
EVALS = [("xgboost-evals-result.json", "validation_0", "validation_1", "rmse", "xgboost"),
         ("lightgbm-evals-result.json", "training", "valid_1", "binary_logloss", "lightgbm"),
         ("catboost-evals-result.json", "learn", "validation", "Logloss", "catboost")]


@pytest.mark.parametrize("row", EVALS, ids=[r[0] for r in EVALS])
def test_a_saved_evals_result_is_a_row_per_round_of_its_lists(row):
    name, train, val, metric, library = row
    evals = json.loads((BOOSTING / name).read_text())
    runs = read(str(BOOSTING / name))
    assert len(runs) == 1
    run = runs[0]
    assert run.info.format == boosting.NAME and run.info.row == "boosting round"
    assert list(run.table["train_loss"]) == pytest.approx(evals[train][metric])
    assert list(run.table["val_loss"]) == pytest.approx(evals[val][metric])
    assert run.info.columns["train_loss"] == f"{train}-{metric}"
    assert run.info.framework == library  # told by the set names each library gives


def test_a_saved_evals_result_keeps_its_scores_as_metrics():
    run = read(str(BOOSTING / "lightgbm-evals-result.json"))[0]
    evals = json.loads((BOOSTING / "lightgbm-evals-result.json").read_text())
    assert list(run.table["val_auc"]) == pytest.approx(evals["valid_1"]["auc"])


@pytest.mark.parametrize("text", [
    '{"history": {"loss": [0.5, 0.4], "val_loss": [0.6, 0.5]}}',  # a network's, wrapped
    '{"train": {"loss": [0.5, 0.4]}, "val": {"loss": [0.6, 0.5]}}',  # a network's, per set
])
def test_a_networks_history_is_no_evals_result(text):
    assert boosting.sniff(text) == 0.0


def test_an_evals_result_of_uneven_lists_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "evals.json"
    path.write_text('{"validation_0": {"logloss": [0.6, 0.5, 0.4]}, '
                    '"validation_1": {"logloss": [0.6, "x"]}}')
    with pytest.raises(InputError, match="not an evals_result"):
        read(str(path))
