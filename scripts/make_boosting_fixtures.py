#!/usr/bin/env python3
"""Make tests/data/boosting/: the evaluation logs XGBoost, LightGBM, CatBoost and
scikit-learn's histogram gradient boosting print while they train, from real training on
data sets that ship with scikit-learn.

    python -m venv /tmp/gbenv && /tmp/gbenv/bin/pip install xgboost lightgbm catboost scikit-learn
    /tmp/gbenv/bin/python scripts/make_boosting_fixtures.py tests/data/boosting \
        [--only sklearn|evals]
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path


def _data(kind: str):
    from sklearn.datasets import load_breast_cancer, load_diabetes
    from sklearn.model_selection import train_test_split

    x, y = (load_breast_cancer if kind == "binary" else load_diabetes)(return_X_y=True)
    return train_test_split(x, y, test_size=0.25, random_state=0)


def _captured(fit) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        fit()
    return out.getvalue()


def xgboost_native() -> str:
    """xgb.train with named sets: train-logloss / validation-logloss, and an AUC."""
    import xgboost as xgb

    x_tr, x_val, y_tr, y_val = _data("binary")
    dtrain, dval = xgb.DMatrix(x_tr, y_tr), xgb.DMatrix(x_val, y_val)
    params = {"objective": "binary:logistic", "eval_metric": ["logloss", "auc"],
              "max_depth": 4, "eta": 0.3}
    return _captured(lambda: xgb.train(params, dtrain, 60, evals=[(dtrain, "train"),
                                                                  (dval, "validation")]))


def xgboost_sklearn() -> str:
    """The scikit-learn wrapper: validation_0 (the training set) and validation_1, RMSE."""
    import xgboost as xgb

    x_tr, x_val, y_tr, y_val = _data("regression")
    model = xgb.XGBRegressor(n_estimators=80, max_depth=3, learning_rate=0.1)
    return _captured(lambda: model.fit(x_tr, y_tr, eval_set=[(x_tr, y_tr), (x_val, y_val)],
                                       verbose=True))


def lightgbm_run() -> str:
    """lgb.train with the log_evaluation callback and early stopping."""
    import lightgbm as lgb

    x_tr, x_val, y_tr, y_val = _data("binary")
    train, val = lgb.Dataset(x_tr, y_tr), lgb.Dataset(x_val, y_val)
    params = {"objective": "binary", "metric": ["binary_logloss", "auc"], "verbose": -1,
              "num_leaves": 31, "learning_rate": 0.1}
    return _captured(lambda: lgb.train(params, train, 300, valid_sets=[train, val],
                                       callbacks=[lgb.log_evaluation(1),
                                                  lgb.early_stopping(20)]))


def cross_validation() -> str:
    """lgb.cv and xgb.cv (means over the folds with their spread), then LightGBM's
    scikit-learn wrapper given the training set first (valid_0, valid_1): three runs."""
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)

    def fit() -> None:
        lgb.cv({"objective": "binary", "metric": "binary_logloss", "verbose": -1},
               lgb.Dataset(x, y), 30, nfold=3, eval_train_metric=True, seed=0,
               callbacks=[lgb.log_evaluation(1)])
        xgb.cv({"objective": "binary:logistic", "eval_metric": "logloss"}, xgb.DMatrix(x, y),
               30, nfold=3, verbose_eval=True, seed=0)
        model = lgb.LGBMClassifier(n_estimators=30, verbose=-1, random_state=0)
        model.fit(x[:400], y[:400], eval_set=[(x[:400], y[:400]), (x[400:], y[400:])],
                  callbacks=[lgb.log_evaluation(1)])

    return "".join(line + "\n" for line in _captured(fit).splitlines()
                   if "Warning" not in line and "eval_set = " not in line)


def catboost_run(folder: Path) -> str:
    """CatBoostClassifier's stdout; its train_dir, catboost_info/, kept beside it."""
    from catboost import CatBoostClassifier

    x_tr, x_val, y_tr, y_val = _data("binary")
    model = CatBoostClassifier(iterations=150, learning_rate=0.1, depth=4, verbose=1,
                               train_dir=str(folder / "catboost_info"), random_seed=0)
    return _captured(lambda: model.fit(x_tr, y_tr, eval_set=(x_val, y_val)))


def catboost_two_sets(folder: Path) -> None:
    """A train_dir with a score as eval metric, a custom metric and two evaluation sets."""
    from catboost import CatBoostClassifier

    x_tr, x_val, y_tr, y_val = _data("binary")
    model = CatBoostClassifier(iterations=60, learning_rate=0.1, depth=4, verbose=0,
                               eval_metric="AUC", custom_metric=["Accuracy"], random_seed=0,
                               train_dir=str(folder / "catboost_info_two_sets"))
    model.fit(x_tr, y_tr, eval_set=[(x_val, y_val), (x_tr[:100], y_tr[:100])])


def sklearn_hist_gradient_boosting(kind: str) -> str:
    """HistGradientBoosting at verbose=2: a line a round, "[3/200] 1 tree, 31 leaves, max
    depth = 6, train loss: 0.41, val loss: 0.45, in 0.004s" (the validation set split off
    by early stopping); the classifier stops itself, the regressor runs all its rounds, and
    scored by accuracy the lines hold scores, not losses."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    x_tr, _, y_tr, _ = _data("regression" if kind == "regressor" else "binary")
    if kind == "regressor":
        model = HistGradientBoostingRegressor(max_iter=120, learning_rate=0.2,
                                              early_stopping=True, n_iter_no_change=200,
                                              verbose=2, random_state=0)
    else:
        model = HistGradientBoostingClassifier(
            max_iter=200, early_stopping=True, n_iter_no_change=10, verbose=2,
            random_state=0, scoring="accuracy" if kind == "accuracy" else "loss")
    return _captured(lambda: model.fit(x_tr, y_tr))


def evals_results(folder: Path) -> None:
    """Each library's evals_result() saved with json.dump, as people keep it beside a model:
    XGBoost's wrapper given the training set first (validation_0, validation_1; RMSE),
    LightGBM's wrapper (training, valid_1; log loss and AUC, the training set named) and
    CatBoost's get_evals_result() (learn, validation)."""
    import json

    import lightgbm as lgb
    import xgboost as xgb
    from catboost import CatBoostClassifier

    x_tr, x_val, y_tr, y_val = _data("regression")
    model = xgb.XGBRegressor(n_estimators=60, max_depth=4, learning_rate=0.1)
    model.fit(x_tr, y_tr, eval_set=[(x_tr, y_tr), (x_val, y_val)], verbose=False)
    (folder / "xgboost-evals-result.json").write_text(json.dumps(model.evals_result()))
    x_tr, x_val, y_tr, y_val = _data("binary")
    classifier = lgb.LGBMClassifier(n_estimators=80, verbose=-1, random_state=0)
    classifier.fit(x_tr, y_tr, eval_set=[(x_tr, y_tr), (x_val, y_val)],
                   eval_metric=["binary_logloss", "auc"])
    (folder / "lightgbm-evals-result.json").write_text(
        json.dumps(classifier.evals_result_, indent=2))
    catboost = CatBoostClassifier(iterations=80, learning_rate=0.1, depth=4, verbose=0,
                                  random_seed=0, allow_writing_files=False)
    catboost.fit(x_tr, y_tr, eval_set=(x_val, y_val))
    (folder / "catboost-evals-result.json").write_text(json.dumps(catboost.get_evals_result()))


def _tidy(train_dir: Path) -> None:
    """What CatBoost leaves that is no log: an empty tmp/ and its time estimates."""
    import shutil

    shutil.rmtree(train_dir / "tmp", ignore_errors=True)
    (train_dir / "time_left.tsv").unlink(missing_ok=True)


def main() -> int:
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    only = sys.argv[3] if sys.argv[2:3] == ["--only"] else None
    if only in (None, "sklearn"):  # "sklearn": scikit-learn alone installed
        for kind in ("classifier", "regressor", "accuracy"):
            (folder / f"sklearn-hgb-{kind}.log").write_text(sklearn_hist_gradient_boosting(kind))
    if only in (None, "evals"):  # "evals": the saved evals_result() files alone
        evals_results(folder)
    if only is not None:
        return 0
    (folder / "xgboost-train.log").write_text(xgboost_native())
    (folder / "xgboost-sklearn.log").write_text(xgboost_sklearn())
    (folder / "lightgbm-train.log").write_text(lightgbm_run())
    (folder / "boosting-cv-and-wrapper.log").write_text(cross_validation())
    (folder / "catboost-train.log").write_text(catboost_run(folder))
    catboost_two_sets(folder)
    for train_dir in ("catboost_info", "catboost_info_two_sets"):
        _tidy(folder / train_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
