"""Gradient boosting's own evaluation logs: XGBoost, LightGBM and CatBoost, one row per
boosting round (said in the run's ``row``).

- XGBoost (Python, the scikit-learn wrapper, R): ``[10]\\ttrain-logloss:0.3\\tvalidation-
  logloss:0.4``, any eval names and metrics. The wrapper names its sets ``validation_0``,
  ``validation_1``: the first set passed is taken as the training set (the usual
  ``eval_set=[(X_train, y_train), (X_val, y_val)]``), and the notes say so. R prints rounds
  from ``[1]``; several runs in one log start over and are split. ``xgb.cv`` prints each
  metric's mean over the folds with its spread (``0.47+0.01``): the mean is read.
- LightGBM: ``[5]\\ttraining's binary_logloss: 0.3\\tvalid_1's binary_logloss: 0.4``; the
  round repeated after ``Early stopping, best iteration is:`` is not a round.
- CatBoost: ``0:\\tlearn: 0.65\\ttest: 0.66\\tbest: 0.66 (0)\\ttotal: ...``.
- ``evals_result()`` saved as JSON (``json.dump(model.evals_result(), f)``): an object of
  sets, each an object of metrics, each a list with a value per round: XGBoost's
  ``{"validation_0": {"logloss": [...]}, "validation_1": {...}}``, LightGBM's
  ``{"training": {"binary_logloss": [...]}, "valid_1": {...}}``, CatBoost's
  ``get_evals_result()`` (``{"learn": {...}, "validation": {...}}``); its sets and metrics
  chosen as in the printed lines, rounds numbered from 1.
- scikit-learn's ``HistGradientBoostingClassifier`` / ``Regressor`` at ``verbose=2``:
  ``[3/200] 1 tree, 31 leaves, max depth = 6, train loss: 0.41, val loss: 0.45, in 0.004s``
  (the validation set is the fraction early stopping holds out). Scored by another
  ``scoring`` the lines hold ``train score`` / ``val score``: higher is better, refused.

The loss is the first loss-like metric logged (log loss, RMSE, MAE, an error rate...). A score
where higher is better (AUC, NDCG, MAP, accuracy) is not a loss: it is kept as a metric and,
when the log has nothing else, the log is refused with that reason.
"""
from __future__ import annotations

import re

from valgap.model import BOOSTING_ROUND, InputError, Run, RunInfo
from valgap.parsers import _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import NUMBER, LazyPattern, Source, load_json, to_float

NAME = "boosting"

# a round's line as printed, or pasted into a comment, a README or knitr output ("## ",
# "#> "), spaces for the tab
XGB = LazyPattern(r"^[ \t]{0,8}(?:#{1,2}>?[ \t]{0,4})?\[(\d{1,9})\][ \t]{1,16}(.+)$")
# xgb.cv prints each metric's mean over the folds and its spread: "0.4731+0.0120" (R: "±")
# a value: one well-formed number ("0.99790.99" is none), as every text reader reads it
VALUE = rf"({NUMBER})"
XGB_PAIR = LazyPattern(rf"([\w.@]{{1,64}})-([\w@.:-]{{1,64}}?):{VALUE}"
                      r"(?:[+±][\d.]+(?:e[-+]?\d+)?)?(?=\s|$)", re.IGNORECASE)
LGB_PAIR = LazyPattern(rf"([\w.@]{{1,64}})'s ([\w@.:-]{{1,64}}): {VALUE}(?![\d.])",
                      re.IGNORECASE)
CATBOOST = LazyPattern(rf"^[ \t]{{0,8}}(\d{{1,9}}):[ \t]{{1,8}}learn: {VALUE}(?![\d.])"
                      rf"(?:[ \t]{{1,8}}test: {VALUE}(?![\d.]))?", re.IGNORECASE)
BEST_FOLLOWS = LazyPattern(r"best iteration is:", re.IGNORECASE)
# scikit-learn's histogram gradient boosting: "[3/200] 3 trees, 93 leaves (31 on avg), max
# depth = 8, train loss: 0.94659, val loss: 0.96375, in 0.009s"
HIST_GB = LazyPattern(r"^[ \t]{0,8}(?:#{1,2}>?[ \t]{0,4})?\[(\d{1,9})/\d{1,9}\] \d{1,6} trees?, "
                      r"\d{1,9} leaves(?: \(\d{1,9} on avg\))?, max depth = \d{1,6}, (.{0,200})$")
HIST_GB_PAIR = LazyPattern(rf"\b(train|val) (loss|score): {VALUE}(?![\d.])")

TRAIN_SETS = ("train", "training", "dtrain", "learn")
# metrics where lower is better, most loss-like first (a prefix of the logged name)
LOSSES = ("logloss", "mlogloss", "binary_logloss", "multi_logloss", "cross_entropy",
          "rmse", "l2", "mse", "mae", "l1", "rmsle", "mape", "huber", "poisson", "gamma",
          "tweedie", "error", "merror", "multi_error", "binary_error",
          # CatBoost's names (lowered): MultiClass and CrossEntropy are log losses
          "multiclass", "crossentropy", "quantile", "expectile", "logcosh", "lq")


# the opening of a saved evals_result(): {"validation_0": {"logloss": [
EVALS_RESULT = LazyPattern(r'^\s{0,64}\{\s{0,64}"([^"\n]{1,200})"\s{0,64}:\s{0,64}\{\s{0,64}'
                           r'"([^"\n]{1,200})"\s{0,64}:\s{0,64}\[')
# the names the libraries give an evaluation set: their own (validation_0, valid_1, learn,
# dtrain) or the usual words (train, eval, test)
EVAL_SET = LazyPattern(r"(?:validation|valid|eval|test|train|training|learn|val|dtrain|dval"
                       r"|dtest)(?:_?\d{1,3})?", re.IGNORECASE)
# metrics only a boosting library names so (a network's history says "loss", "accuracy")
SCORES = ("auc", "aucpr", "pr_auc", "ndcg", "map", "pre", "precision", "recall", "f1")


def sniff(head: str) -> float:
    if head.lstrip("\ufeff").lstrip()[:1] == "{":
        return 0.8 if _evals_result_opens(head.lstrip("\ufeff")) else 0.0
    lines = head.splitlines()[:400]
    if "learn:" not in head and not any(_bracketed(line) for line in lines):
        return 0.0  # no "[round]" line and no CatBoost "learn:": no pattern compiled
    hits = sum(1 for line in lines if _round(line.rstrip("\r")) is not None)
    return 0.9 if hits >= 2 else 0.0


def _bracketed(line: str) -> bool:
    """Whether a line starts as an XGBoost or LightGBM round does: ``[12]``."""
    start = line.lstrip(" \t#>")
    return start[:1] == "[" and start[1:2].isdigit()


def _round(line: str) -> tuple[int, dict[str, float], str] | None:
    """(round, {set-metric: value}, library) of one round's line, or None."""
    m = HIST_GB.match(line)
    if m:
        pairs = HIST_GB_PAIR.findall(m.group(2))
        return (int(m.group(1)), {f"{s}-{k}": to_float(v) for s, k, v in pairs},
                "scikit-learn") if pairs else None
    m = XGB.match(line)
    if m:
        library, pairs = "lightgbm", LGB_PAIR.findall(m.group(2))
        if not pairs:
            library, pairs = "xgboost", XGB_PAIR.findall(m.group(2))
        if pairs:
            return int(m.group(1)), {f"{s}-{k}": to_float(v) for s, k, v in pairs}, library
        return None
    m = CATBOOST.match(line)
    if m:
        values = {"learn-loss": to_float(m.group(2))}
        if m.group(3) is not None:
            values["test-loss"] = to_float(m.group(3))
        return int(m.group(1)), values, "catboost"
    return None


def _evals_result_opens(text: str) -> bool:
    """Whether JSON text opens as a saved evals_result(): a set named as the libraries
    name them, holding a metric a boosting library names (not a network's "loss")."""
    m = EVALS_RESULT.match(text)
    if not m or not EVAL_SET.fullmatch(m.group(1)):
        return False
    metric = m.group(2).lower().split("@")[0]
    return metric != "loss" and (loss_like(metric) or metric in SCORES)


def parse(source: Source) -> list[Run]:
    if source.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return parse_evals_result(load_json(source.text(), source.name, "evals_result JSON"),
                                  source.name)
    records: list[EpochRecord] = []
    library: dict[int, str] = {}  # the library whose line format each record's line has
    skip_next = False
    for line_no, line in source.numbered():
        if BEST_FOLLOWS.search(line):
            skip_next = True  # LightGBM repeats the best round: not a new one
            continue
        found = _round(line.rstrip("\r"))
        if found is None:
            continue
        if skip_next:
            skip_next = False
            continue
        records.append(EpochRecord(found[0], found[1], line_no))
        library[line_no] = found[2]
    if not records:
        raise InputError("no boosting round with an evaluation found", source.name,
                         code="no-epochs")
    groups = [g for g in _table.split_restarts(records) if g]
    runs: list[Run] = []
    for index, group in enumerate(groups, start=1):  # each run chooses its own loss
        info = RunInfo(source=source.name, format=NAME, framework=library[group[0].line])
        info.row = BOOSTING_ROUND
        columns = _columns(group, info, source.name)
        if len(groups) > 1:
            info.notes.append(f"the log holds {len(groups)} runs (the round numbering starts "
                              f"over); this is run {index}")
        for run in _table.build_runs(group, info, columns, numbered=True):
            run.info.run_index, run.info.run_count = index, len(groups)
            runs.append(run)
    return runs


def parse_evals_result(evals: object, name: str) -> list[Run]:
    """A saved ``evals_result()``: a record per round, its values named ``set-metric`` as
    a printed round's are; every set's every metric the same number of rounds."""
    sets = evals if isinstance(evals, dict) else {}
    series = {f"{set_name}-{metric}": values for set_name, metrics in sets.items()
              if isinstance(metrics, dict) for metric, values in metrics.items()
              if isinstance(values, list)}
    lengths = {len(values) for values in series.values()}
    if not series or len(lengths) != 1 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool)
            for values in series.values() for v in values):
        raise InputError("not an evals_result() (an object of sets, each an object of "
                         "metrics with one number per round, all as long)", name,
                         code="no-epochs")
    rounds = lengths.pop()
    records = [EpochRecord(i + 1, {key: float(values[i]) for key, values in series.items()})
               for i in range(rounds)]
    info = RunInfo(source=name, format=NAME, framework=_library_of(list(sets)))
    info.row = BOOSTING_ROUND
    info.notes.append("a saved evals_result(): rounds numbered from 1")
    return _table.build_runs(records, info, _columns(records, info, name), numbered=True)


# the names each library's scikit-learn wrapper gives its evaluation sets
LIBRARY_SETS = ((re.compile(r"validation_\d+"), "xgboost"),
                (re.compile(r"training|valid_\d+"), "lightgbm"),
                (re.compile(r"learn|validation(?:_\d+)?"), "catboost"))


def _library_of(sets: list[str]) -> str | None:
    """The library whose own set names an evals_result() uses (none for names a user gave)."""
    for pattern, library in LIBRARY_SETS:
        if sets and all(pattern.fullmatch(s) for s in sets):
            return library
    return None


def _columns(records: list[EpochRecord], info: RunInfo, name: str) -> dict[str, str]:
    """Log name -> table column: which set is training, which validation, which metric
    stands for the loss; the choice said in the notes."""
    names = list(dict.fromkeys(n for r in records[:50] for n in r.values))
    sets = list(dict.fromkeys(n.split("-", 1)[0] for n in names))
    metrics = list(dict.fromkeys(n.split("-", 1)[1] for n in names))
    train = next((s for s in sets if s.lower() in TRAIN_SETS), None)
    if train is None and len(sets) >= 2:
        train = sets[0]
        info.notes.append(f"no set is named for training: the first one logged, {sets[0]}, "
                          "is taken as the training set (eval_set=[(X_train, y_train), "
                          "(X_val, y_val)] is the usual order)")
    others = [s for s in sets if s != train]
    val, test = _held_out(others)
    if test is not None:
        info.notes.append(f"{val} is read as validation (named so) and {test} as a test set "
                          "(the last set logged is early stopping's, but its name says test)")
    loss = next((m for m in metrics if loss_like(m)), None)
    if loss is None:
        scores = ", ".join(metrics)
        hint = ("scoring='loss'" if info.framework == "scikit-learn" else
                "eval_metric=['logloss', 'auc']")
        raise InputError(f"the boosting log has only scores where higher is better "
                         f"({scores[:80]}): not a loss; log a loss-like metric too "
                         f"({hint})", name, code="no-epochs")
    shown = "the objective CatBoost prints (learn / test)" if loss == "loss" else loss
    info.notes.append(f"one row per boosting round; the loss is {shown}"
                      + (f" (the scores {', '.join(m for m in metrics if not loss_like(m))} "
                         "are higher-is-better: kept as metrics)"
                         if any(not loss_like(m) for m in metrics) else ""))
    columns = {}
    for set_name, role in ((train, "train"), (val, "val"), (test, "test")):
        if set_name is None:
            continue
        for metric in metrics:
            column = "loss" if metric == loss else re.sub(r"\W+", "_", metric).strip("_")
            columns[f"{set_name}-{metric}"] = f"{role}_{column}"
    return columns


def _held_out(sets: list[str]) -> tuple[str | None, str | None]:
    """(validation, test) among the sets other than training: the last one logged is
    validation (early stopping watches it), unless another is named for validation and it
    for a test (``evals=[(dtrain, "train"), (dval, "eval"), (dtest, "test")]``)."""
    if not sets:
        return None, None
    role = {s: _table.SET_WORDS.get(re.split(r"[\W_\d]+", s.lower())[0]) for s in sets}
    named = [s for s in sets if role[s] == "val"]
    if not named or role[sets[-1]] != "test":
        return sets[-1], None
    return named[-1], sets[-1]


def loss_like(metric: str) -> bool:
    base = metric.lower().split("@")[0]
    return base == "loss" or base.startswith(LOSSES)
