"""From parsed records to the one epoch table every rule reads.

Parsers hand over ``EpochRecord``s (epoch number + metric name -> value, names as the
log wrote them); this module names the columns the same way for every format and
splits restarted runs.
"""
from __future__ import annotations

import functools
import math
import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from valgap import layer_kinds
from valgap._num import log_ratio
from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _params
from valgap.parsers._text import Limits, to_int

VAL_PREFIXES = ("validation", "valid", "val", "va", "eval", "dev")
TRAIN_PREFIXES = ("training", "train", "trn", "tr")
TEST_PREFIXES = ("test", "testing", "heldout", "holdout")  # a held-out set, when not the
# validation set, is the test set: used for validation only where a log has no validation
# the sets' names as whole words, each with the split it names: read in the middle of a
# metric's name (reg_val_loss), before a line's bare metrics, as a CSV's bare column
# names. The short prefixes ("va", "tr") are only read at a name's ends, where they cannot
# be part of a longer word; "trn" and "dev" not in the middle of one (a device, a run).
SET_WORDS = {"train": "train", "training": "train", "trn": "train",
             "val": "val", "valid": "val", "validation": "val", "eval": "val",
             "evaluation": "val", "dev": "val", "test": "test", "testing": "test",
             "heldout": "test", "holdout": "test"}
MIDDLE_SPLITS = {w: s for w, s in SET_WORDS.items() if w not in ("trn", "dev")}
METRIC_ALIASES = {"acc": "accuracy", "losses": "loss", "err": "error"}
# whole names of a loss under another name (MXNet's Train-cross-entropy, log loss, a
# language model's val_mean_ce, a negative log-likelihood, a course's "Train Objective")
LOSS_NAMES = {"cross_entropy": "loss", "crossentropy": "loss", "logloss": "loss",
              "log_loss": "loss", "ce": "loss", "nll": "loss", "objective": "loss",
              "xent": "loss"}  # OpenNMT's and TensorFlow's short name for cross-entropy
# a set's name and a loss or an accuracy in one word, nothing between them (the short
# prefixes "va" and "t" left out: glued, they are the start of other words)
GLUED_SET = re.compile(r"(training|train|trn|tr|validation|valid|val|eval|dev|testing|test)"
                       r"(loss|acc|accuracy)$")
# words that qualify a loss without changing what it is: avg_loss, total_loss, mean loss
QUALIFIERS = ("avg", "average", "mean", "total", "running", "epoch")
SET_SIZES = ("mini", "small", "sub")  # words for a part of a set, before the set's name
SET_PREFIXES = VAL_PREFIXES + TRAIN_PREFIXES + TEST_PREFIXES
# curves that can stand for the loss when a log prints no loss (regression loops)
LOSS_LIKE = ("loss", "mse", "rmse", "mae")
# endings of a loss's parts, summed when no total is logged (YOLO box/cls/dfl losses;
# YOLOv10's one-to-many and one-to-one heads)
PARTS = ("_loss", "_om", "_oo")
# the sets' and the metrics' words in Chinese logs ("训练损失: 4.61 | 验证损失: 6.00"); 集,
# "set", is dropped (训练集损失: the training set's loss)
CJK_WORDS = {"训练": "train", "验证": "val", "测试": "test", "损失": "loss", "准确率": "accuracy",
             "准确度": "accuracy", "精度": "accuracy", "集": ""}
# a loss or accuracy glued to the word before it in camelCase (TrainLoss, valAcc); other
# humps are left as they are (mAP50, rougeL, DiarizationErrorRate name no split)
CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=(?:Loss|Losses|Acc|Accuracy|Mse|Mae)(?![a-z]))")
# "held out" written as two words (held_out_loss, "Held-out loss", hold_out): one set's name
HELD_OUT = re.compile(r"(?<![a-z])(?:held|hold)_out(?![a-z])")
# a column or key that counts steps, not a metric (a step's, an iteration's number)
STEP_WORDS = frozenset({"step", "steps", "iteration", "iterations", "iter", "iters"})
WIDE_TABLE = 32  # columns past which a run's table is consolidated into one block


@dataclass
class EpochRecord:
    epoch: int
    values: dict[str, float] = field(default_factory=dict)
    line: int | None = None


@functools.lru_cache(maxsize=4096)
def canonical(name: str) -> tuple[str, str] | None:
    """('train' | 'val' | 'test', metric) for a metric name as logged; None for bookkeeping.

    ``loss`` -> train/loss (Keras names training metrics bare), ``val_acc`` -> val/accuracy,
    ``Validation Loss`` -> val/loss, ``train_loss_epoch`` -> train/loss, ``eval_loss`` ->
    val/loss, ``Loss_test`` -> test/loss, ``avg_loss`` / ``total_loss`` / ``train_loss_avg``
    -> train/loss, a bare ``valid`` -> val/loss, ``test_loss`` -> test/loss (used for
    validation only when a log has no validation).
    """
    key = CAMEL_HUMP.sub("_", name.strip())
    if not key.isascii():
        for word, english in CJK_WORDS.items():
            key = key.replace(word, f"_{english}_")
    key = re.sub(r"[\s/\-.]+", "_", key.lower()).strip("_")
    key = HELD_OUT.sub("heldout", key)
    metric_key = re.sub(r"_epoch$", "", key)  # Lightning's train_loss_epoch
    if metric_key != key and metric_key in (*TRAIN_PREFIXES, *VAL_PREFIXES, *TEST_PREFIXES):
        return None  # a set's epoch counter (train_epoch), not that set's loss
    key = metric_key
    words = [w for w in key.split("_") if w]
    glued = GLUED_SET.match(words[0]) if len(words) == 1 else None
    if glued:  # a set's name written against its metric: trloss, valloss, trainacc
        words = [glued.group(1), glued.group(2)]
    while len(words) > 1 and words[0] in QUALIFIERS:
        words = words[1:]
    if len(words) > 2 and words[0] in SET_SIZES and words[1] in SET_PREFIXES:
        words = words[1:]  # a set's subset is that set's: Deformable DETR's mini_val_loss
    if not words or words[0] in ("epoch", "step", "lr", "learning", "time", "runtime", "iter",
                                 "iteration"):
        return None
    split = "train"
    if len(words) > 2 and words[0] in SET_PREFIXES and \
            words[1].isdigit() and len(words[1]) <= 2:
        words = [words[0], *words[2:]]  # an eval set's index: TabNet's val_0_logloss
    if len(words) == 2 and words[0] in ("t", "v") and words[1] in (*LOSS_LIKE, "acc"):
        words = ["val" if words[0] == "v" else "train", words[1]]  # t_loss, v_loss
    if words[0] in VAL_PREFIXES:
        split, words = "val", words[1:]
    elif words[0] in TRAIN_PREFIXES:
        words = words[1:]
    elif words[0] in TEST_PREFIXES:
        split, words = "test", words[1:]
    elif words[-1] in VAL_PREFIXES and len(words) > 1:  # loss_val, loss_valid
        split, words = "val", words[:-1]
    elif words[-1] in TRAIN_PREFIXES and len(words) > 1:
        words = words[:-1]
    elif words[-1] in TEST_PREFIXES and len(words) > 1:  # Loss_test
        split, words = "test", words[:-1]
    else:  # a split word after a model's or output's name: reg_val_loss, cls_valid_acc
        middle = [i for i, w in enumerate(words[1:-1], 1) if w in MIDDLE_SPLITS]
        if middle:
            split = MIDDLE_SPLITS[words[middle[0]]]
            words = words[:middle[0]] + words[middle[0] + 1:]
    while words and words[0] in QUALIFIERS:
        words = words[1:]
    while len(words) > 1 and words[-1] in QUALIFIERS:  # after it too: train_loss_avg
        words = words[:-1]
    if not words:  # a split word alone ("valid 0.32") names that split's loss
        words = ["loss"]
    if words[0] in ("lr", "learning", "time", "runtime"):
        return None
    metric = "_".join(METRIC_ALIASES.get(w, w) for w in words)
    return split, LOSS_NAMES.get(metric, metric)


@functools.lru_cache(maxsize=4096)
def bare_name(name: str) -> bool:
    """A metric name that says no split (``loss``, ``Acc@1``): read as training by default."""
    pair = canonical(name)
    return pair is not None and pair[0] == "train" and not re.match(
        r"(?i)(?:avg|average|mean|total|running)?[ _]?tr(?:ain(?:ing)?|n)?\b|tr_", name)


def _outranks(name: str, than: str) -> bool:
    """Whether ``name`` gives a column's value in place of ``than``, another name of that
    column in one record: a later evaluation set's (``later_set``), or a name that says its
    set over one that says none ("Training loss: 0.43" over the "loss = 0.50" of the line
    before it, which a log may print for validation)."""
    return later_set(name, than) or (bare_name(than) and not bare_name(name))


# an indexed evaluation set's name: TabNet's val_0_logloss, val_1_logloss
EVAL_SET = re.compile(r"(?:val|valid|validation|eval)_(\d{1,2})_", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _eval_set(name: str) -> int | None:
    m = EVAL_SET.match(name)
    return int(m.group(1)) if m else None


def later_set(name: str, than: str) -> bool:
    """Whether ``name`` is a later indexed evaluation set's (``val_1_logloss``) than the name
    ``than`` (``val_0_logloss``). Where the first name of a column wins, such a name wins
    over it, so that the last set is the validation set: TabNet and the boosting libraries'
    scikit-learn wrappers stop early on the last set they are given, and their tutorials
    give the training set first."""
    later, earlier = _eval_set(name), _eval_set(than)
    return later is not None and earlier is not None and later > earlier


def note_last_set(info: RunInfo) -> None:
    """Says which evaluation set is read as validation, where the log evaluates several."""
    name = info.columns.get("val_loss", "")
    m = EVAL_SET.match(name)
    if m and int(m.group(1)) > 0 and not any("evaluation sets" in n for n in info.notes):
        info.notes.append(f"several evaluation sets: the last, {name}, is read as validation "
                          "(TabNet and the scikit-learn wrappers of XGBoost and LightGBM stop "
                          "early on the last set; the first is often the training set)")


@functools.lru_cache(maxsize=4096)
def column(name: str) -> str | None:
    pair = canonical(name)
    return None if pair is None else f"{pair[0]}_{pair[1]}"


def is_curve(name: str) -> bool:
    """A loss, or a metric that can stand for it (MSE/MAE of a regression loop)."""
    pair = canonical(name)
    return pair is not None and pair[1] in LOSS_LIKE


def named_losses(columns) -> list[str]:
    """The losses logged for training and validation under longer names (a GAN's ``loss_G``
    beside ``val_loss_G``, its ``loss_D`` logged for training only; two models' ``reg_loss``
    and ``cls_loss``): their metric names (``loss_g``), sorted."""
    metrics = {c.split("_", 1)[1] for c in columns if c.startswith("train_")}
    return sorted(m for m in metrics if "loss" in m.split("_") and f"val_{m}" in columns)


def named_loss(columns) -> str | None:
    """The one loss ``named_losses`` finds, or None when there is none or several."""
    found = named_losses(columns)
    return found[0] if len(found) == 1 else None


class ChosenColumns:
    """Log name -> table column with the user's choice of losses (``--train-col``,
    ``--val-col``) applied: a chosen name is that loss whatever it is called, and a name
    that would have been that loss is left out."""

    def __init__(self, train: str | None, val: str | None) -> None:
        self.chosen = {n: c for n, c in ((train, "train_loss"), (val, "val_loss")) if n}

    def get(self, name: str) -> str | None:
        if name in self.chosen:
            return self.chosen[name]
        col = column(name)
        return None if col in self.chosen.values() else col

    def check(self, names, source: str) -> None:
        """An error naming the input's names when a chosen one is not among them."""
        names = list(names)
        for name in self.chosen:
            if name not in names:
                listed = ", ".join(str(n)[:40] for n in names[:20])
                raise InputError(f"no {name!r} in the input (names: {listed})", source,
                                 code="bad-column")

    def check_runs(self, runs: list[Run], source: str) -> None:
        """``check`` of the names the runs were read from (a chosen name read is always
        its loss's column: ``get``)."""
        self.check(dict.fromkeys(n for run in runs for n in run.info.columns.values()), source)


def chosen_columns(train: str | None, val: str | None) -> ChosenColumns | None:
    return ChosenColumns(train, val) if train or val else None


def note_first_epoch(info: RunInfo, first: int, renumbered: bool = True,
                     printed: bool = False) -> None:
    """A log whose first row is numbered past 1 (0 and 1 both start a run): said in the
    notes, and kept (``RunInfo.first_epoch``: a run resumed from a checkpoint). A text log
    that ``printed`` its epochs from 0, its rows renumbered: said too, as the epochs valgap
    names (the best one, the turn) count from 1 and a reader of the log must add one."""
    if first not in (0, 1):
        info.notes.append(f"the log starts at epoch {first}" +
                          ("; rows are renumbered from 1" if renumbered else ""))
        info.first_epoch = first
    elif first == 0 and renumbered and printed:
        info.notes.append("the log numbers its epochs from 0; here they count from 1 (the "
                          "log's epoch 0 is epoch 1)")


def note_first_step(info: RunInfo, steps: tuple[float, ...] | None) -> None:
    """A log of rows every N steps (its first three ``steps`` evenly spaced: a counter, not
    a count measured per row, such as an episode's steps) whose first row is more than two
    intervals past step 0 (step 70,250 of rows every 250): the run's start is not in it,
    as in a log resumed from a checkpoint (``RunInfo.continues``), said in the notes."""
    if steps is None:
        return
    first, second, third = steps
    interval = second - first
    if interval > 0 and third - second == interval and math.isfinite(first) and \
            first > 2 * interval:
        info.continues = True
        info.notes.append(f"the log starts at step {first:,.0f} (a row every {interval:,.0f} "
                          "steps): the start of training is not in it")


def spaced_epochs(numbers: Sequence[float], info: RunInfo):
    """The table's index where the log numbers its epochs with gaps between them (a line
    every tenth epoch: 1, 10, 20, ...): its own numbers, so that the epochs valgap names
    (the best one, the turn) are the ones the log shows; None (rows 1, 2, 3, ...) where
    each follows the one before."""
    import numpy as np
    import pandas as pd

    numbers = np.asarray(numbers, dtype=float)
    steps = np.diff(numbers)
    if len(numbers) < 2 or not (steps > 0).all() or (steps == 1).all() \
            or (numbers != np.round(numbers)).any():
        return None
    info.notes.append(f"the log prints epochs {numbers[0]:.0f}, {numbers[1]:.0f}, ... "
                      f"{numbers[-1]:.0f}: rows keep its numbers")
    return pd.Index(numbers.astype("int64"), name="epoch")


def finish_columns(values: dict, info: RunInfo, printed: bool = False) -> dict:
    """The last touches every table gets, on its columns (name -> float array, one row an
    epoch) before it is one: a trailing evaluation dropped, the curves named. Columns with
    no value are dropped, except, when every column was ``printed`` (text and JSON logs: a
    column exists only where a value was written), a loss printed as NaN in every epoch:
    that run diverged in its first epoch. Plain arrays: a 30-epoch log pays no pandas
    call per column."""
    import numpy as np

    values = drop_trailing_evaluation(values, info)
    values = {c: v for c, v in values.items()
              if not np.isnan(v).all() or (printed and is_curve(c) and len(v))}
    return promote_curves(values, info)


TRAILING_EVALUATION = ("the last row holds only an evaluation (a separate validate/test call "
                       "after training): not an epoch, left out")


def training_loss_key(columns) -> str | None:
    """The column of a table that is its training loss, or will be read as one: the loss
    itself, else an MSE, RMSE or MAE (named ``train_loss`` only later, by
    ``promote_curves``)."""
    return next((key for key in (f"train_{m}" for m in LOSS_LIKE) if key in columns), None)


def closes_with_evaluation(last: dict, trained_before: bool) -> bool:
    """Whether a table's last row (column -> value) is a separate ``validate()`` /
    ``test()`` / ``evaluate()`` call: a validation or test loss and no training loss,
    after rows that all had one (``trained_before``)."""
    key = training_loss_key(last)
    train = None if key is None else last[key]
    return trained_before and train is not None and math.isnan(train) and any(
        c.startswith(("val_", "test_")) and c.split("_", 1)[1] in LOSS_LIKE
        and not math.isnan(v) for c, v in last.items())


def drop_trailing_evaluation(values: dict, info: RunInfo) -> dict:
    """A last row that closes with an evaluation (``closes_with_evaluation``) is no epoch
    (a run that logs its training loss every other epoch keeps its last row)."""
    import numpy as np

    key = training_loss_key(values)
    train = None if key is None else values[key]
    if train is None or len(train) < 2:
        return values
    if closes_with_evaluation({c: v[-1] for c, v in values.items()},
                              not np.isnan(train[:-1]).any()):
        info.notes.append(TRAILING_EVALUATION)
        if info.epoch_lines and len(info.epoch_lines) == len(train):
            info.epoch_lines = info.epoch_lines[:-1]
        return {c: v[:-1] for c, v in values.items()}
    return values


def interval_means(values, group, count: int):
    """A log that evaluates every few steps is read one row per evaluation, a value logged
    at each step being the mean over the interval the evaluation closes (as the Trainer's
    state is read): the mean of ``values`` (numpy, NaN for none logged) per ``group`` (the
    evaluation each value's step falls before, 0 to ``count - 1``; ``count`` or more for
    steps after the last), NaN where an interval logged none."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    group = np.asarray(group)
    inside = (group < count) & ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.bincount(group[inside], values[inside], count) /
                np.bincount(group[inside], minlength=count))


def has_loss(names) -> bool:
    """Whether a record's values include a loss: one, or its parts (box, cls, dfl losses)."""
    return _has_loss(tuple(names))


@functools.lru_cache(maxsize=1024)
def _has_loss(names: tuple[str, ...]) -> bool:
    pairs = [canonical(n) for n in names]
    if any(p is not None and p[1] in LOSS_LIKE for p in pairs):
        return True
    # a loss under a longer name logged for both sets ("loss_nats_per_byte", "loss_G")
    named = named_loss_metrics(names)
    if named.get("train", set()) & named.get("val", set()):
        return True
    return sum(1 for p in pairs if p is not None and p[1].endswith(PARTS)) >= 2


def named_loss_metrics(names) -> dict[str, set[str]]:
    """The metrics with "loss" among their words (``loss_nats_per_byte``, ``loss_g``,
    ``reg_loss``) that ``names`` log, per set: {"train": {...}, "val": {...}}."""
    found: dict[str, set[str]] = {}
    for pair in map(canonical, names):
        if pair is not None and "loss" in pair[1].split("_"):
            found.setdefault(pair[0], set()).add(pair[1])
    return found


def _unlike_parts(values: dict, split_parts: dict[str, list[str]]) -> bool:
    """Whether both sets log a loss only as parts, and no part is logged for both (a GAN's
    generator and discriminator losses beside validation's MAE, PSNR and SSIM): their sums
    would be two different quantities, not one loss measured twice."""
    if "train_loss" in values or "val_loss" in values or \
            min(len(p) for p in split_parts.values()) < 2:
        return False
    names = [{c.split("_", 1)[1] for c in parts} for parts in split_parts.values()]
    return not names[0] & names[1]


def promote_curves(values: dict, info: RunInfo) -> dict:
    """The columns' train_loss/val_loss, when the log named them otherwise: test losses
    where no validation was logged, an MSE/MAE pair where no loss was. Says so in a note."""
    import numpy as np

    split_parts = {split: sorted(c for c in values if c.startswith(f"{split}_")
                                 and c.endswith(PARTS)) for split in ("train", "val")}
    if _unlike_parts(values, split_parts):
        info.warnings.append("the training and validation losses are logged as different "
                             f"parts ({', '.join(split_parts['train'])}; "
                             f"{', '.join(split_parts['val'])}): no sum of them is one loss")
        split_parts = {}
    for split, parts in split_parts.items():  # parts and no total (YOLO's box, cls, dfl)
        if f"{split}_loss" in values or len(parts) < 2:
            continue
        # parts of one loss are logged together: losses logged at different epochs (two
        # models' histories in one file) are not summed
        missing = np.isnan(np.vstack([values[c] for c in parts]))
        if (missing.all(axis=0) | ~missing.any(axis=0)).all():
            values = {**values, f"{split}_loss": np.sum([values[c] for c in parts], axis=0)}
            info.notes.append(f"{split} loss = the sum of its parts: {', '.join(parts)}")
    renames: dict[str, str] = {}
    if "train_loss" not in values and "val_loss" not in values:
        for metric in LOSS_LIKE[1:]:
            if {f"train_{metric}", f"val_{metric}", f"test_{metric}"} & values.keys():
                renames = {f"{split}_{metric}": f"{split}_loss"
                           for split in ("train", "val", "test")}
                info.warnings.append(f"no loss printed: {metric.upper()} is read as the loss")
                break
    if not renames and "train_loss" not in values and "val_loss" not in values:
        renames = _named_pair(set(values), info)
    if not renames and "val_loss" not in values and "test_loss" not in values:
        values = _perplexity_pair(values, info)
    if not renames and "val_loss" not in values and "test_loss" not in values:
        values, renames = _error_pair(values, info)
    if not renames and "val_loss" not in values and "test_loss" not in values:
        renames = _validation_error(values, info)
    values = {renames.get(c, c): v for c, v in values.items()}
    if "val_loss" not in values and "test_loss" in values:
        tests = {c: "val_" + c[len("test_"):] for c in values if c.startswith("test_")}
        tests = {c: new for c, new in tests.items() if new not in values}
        values = {tests.get(c, c): v for c, v in values.items()}
        info.warnings.append("no validation loss: the test loss is read as the validation "
                             "loss (if the test set steered training, it is one)")
        renames.update(tests)
    for old, new in renames.items():
        if old in info.columns:
            info.columns[new] = info.columns.pop(old)
    note_last_set(info)
    return values


def epoch_table(values: dict, count: int = 0, index=None):
    """The run's table: its columns as floats, the losses first, rows numbered from 1 (or
    by the ``index`` given); ``count`` rows where no column is left."""
    import pandas as pd

    ordered = [c for c in ("train_loss", "val_loss") if c in values]
    ordered += sorted(c for c in values if c not in ordered)
    count = len(values[ordered[0]]) if ordered else count
    if index is None:
        index = pd.RangeIndex(1, count + 1, name="epoch")
    # uncopied, one block a column: a long table is not held twice; a wide one is
    # consolidated (pandas slows down, and warns, on a frame of hundreds of blocks)
    return pd.DataFrame({c: values[c].astype(float, copy=False) for c in ordered},
                        index=index, copy=len(ordered) > WIDE_TABLE)


def _error_pair(values: dict, info: RunInfo) -> tuple[dict, dict[str, str]]:
    """Where a training loss is printed and no validation loss, but an error (MSE, RMSE or
    MAE) is printed for both sets ("Train Loss: 37.1, Train RMSE: 6.1, Val RMSE: 26.5"):
    the values without that training loss, and the renames that make the error pair the
    run's curves (the loss alone has nothing to be compared with)."""
    if "train_loss" not in values:
        return values, {}
    for metric in LOSS_LIKE[1:]:
        if f"train_{metric}" in values and f"val_{metric}" in values:
            info.warnings.append(f"no validation loss printed: the {metric.upper()} of both "
                                 "sets is read as their loss (the training loss printed is "
                                 "left out)")
            info.columns.pop("train_loss", None)
            return ({c: v for c, v in values.items() if c != "train_loss"},
                    {f"{split}_{metric}": f"{split}_loss" for split in ("train", "val")})
    return values, {}


PERPLEXITY = ("ppl", "perplexity")
NATURAL_LOG = (0.9, 1.3)  # log(perplexity) / printed loss: a natural-log cross-entropy's


def _perplexity_pair(values: dict, info: RunInfo) -> dict:
    """Where validation prints a perplexity and no loss (OpenNMT: "Step 50/ 400; acc: 11.54;
    ppl: 1714.07; xent: 7.45", then "Validation perplexity: 208.73"): the validation loss
    is the logarithm of its perplexity (a perplexity is e to the mean cross-entropy). The
    training loss printed stays where the training perplexity shows it is on that scale
    (its logarithm within ``NATURAL_LOG`` of the loss, a mean of perplexities over an
    interval sitting above e to the mean loss); otherwise the training perplexity's
    logarithm is the training loss too. Said in a warning."""
    import numpy as np

    names = {split: next((f"{split}_{m}" for m in PERPLEXITY if f"{split}_{m}" in values),
                         None) for split in ("train", "val")}
    if None in names.values():
        return values

    def log(split: str) -> Any:
        ppl = np.asarray(values[names[split]], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(ppl > 0, np.log(ppl), np.nan)

    logs = {"val_loss": log("val")}
    kept = "train_loss" in values and _natural(values["train_loss"], log("train"))
    if not kept:
        logs["train_loss"] = log("train")
    info.warnings.append("no validation loss printed: the validation loss is read as the "
                         "logarithm of its perplexity" + (
                             "" if kept else ", and the training loss as that of its own"))
    for loss in logs:
        printed = info.columns.get(names[loss.split("_")[0]])
        if printed:
            info.columns[loss] = f"log({printed})"
    return {**values, **logs}


def _natural(loss: Any, log_ppl: Any) -> bool:
    """Whether a printed loss is the cross-entropy whose perplexity is printed beside it
    (not one in bits, whose ratio would be log 2, or another loss)."""
    import numpy as np

    loss = np.asarray(loss, dtype=float)
    both = np.isfinite(loss) & np.isfinite(log_ppl) & (loss > 0)
    if not both.any():
        return False
    ratio = float(np.median(log_ppl[both] / loss[both]))
    return NATURAL_LOG[0] <= ratio <= NATURAL_LOG[1]


def _validation_error(values: dict, info: RunInfo) -> dict[str, str]:
    """Where a training loss is printed and, for validation, an MSE or an MAE alone (TabNet's
    regressor: "loss: 0.23 | val_0_mse: 0.26"): the rename that makes that error the
    validation loss, said in a warning (a regressor's loss is that error by default; an
    RMSE, on another scale than a squared loss, is not taken)."""
    import numpy as np

    if "train_loss" not in values:
        return {}
    errors = [m for m in ("mse", "mae") if f"val_{m}" in values and f"train_{m}" not in values]
    if len(errors) != 1:
        return {}
    both = ~np.isnan(values["train_loss"]) & ~np.isnan(values[f"val_{errors[0]}"])
    if both.sum() < 0.5 * (~np.isnan(values[f"val_{errors[0]}"])).sum():
        return {}  # a training loss logged at few of the error's epochs is no pair for it
    info.warnings.append(f"no validation loss printed: the validation {errors[0].upper()} is "
                         f"compared with the training loss (the same where the loss is the "
                         f"{errors[0].upper()}, as a regressor's is by default)")
    return {f"val_{errors[0]}": "val_loss"}


def _named_pair(columns: set[str], info: RunInfo) -> dict[str, str]:
    """The renames that make the one loss logged under a longer name the run's loss; where
    several are (two models' histories in one file), none, and a warning naming them."""
    found = named_losses(columns)
    if len(found) == 1:
        info.notes.append(f"the loss is {found[0]} (no plain loss is logged)")
        return {f"train_{found[0]}": "train_loss", f"val_{found[0]}": "val_loss"}
    if len(found) > 1:
        names = ", ".join(info.columns.get(f"val_{m}", m) for m in found)
        info.warnings.append(f"several losses are logged with a validation loss ({names}) "
                             "and none is plain: choose one with --train-col and --val-col")
    return {}


class Records:
    """Epoch records in log order, held compactly: a log of 400 k epochs keeps a few arrays,
    not 400 k objects. The last record stays an ``EpochRecord`` (a loop may still add values
    to it); each earlier one is frozen into columns through ``keep``, which may change it or
    drop it (None). Iterating gives the records as kept, the last one included.

    The runs (the epoch numbering starting over) are counted as records arrive: an input
    holding more than ``Limits.max_runs`` is refused at once, before it can fill memory."""

    def __init__(self, name: str, limits: Limits | None = None,
                 keep: Callable[[EpochRecord], EpochRecord | None] | None = None) -> None:
        self.name = name
        self.max_runs = (limits or Limits()).max_runs
        self.keep = keep or (lambda record: record)
        self.runs = 0
        self.last: EpochRecord | None = None
        self.epochs, self.lines, self.shapes = array("q"), array("q"), array("q")
        self.names: list[tuple[str, ...]] = []  # each distinct set of names, in log order
        self._shape_of: dict[tuple[str, ...], int] = {}
        self.values: dict[str, array] = {}  # name -> values (shorter: NaN for the rest)
        self._columns: list[list[array]] = []  # per set of names: the arrays of its names

    def append(self, record: EpochRecord) -> None:
        if self.last is None or record.epoch <= self.last.epoch:
            self.runs += 1
            if self.runs > self.max_runs:
                raise InputError(f"more than {self.max_runs} runs in one input (the epoch "
                                 "numbering starts over each time): over the runs limit; "
                                 "raise it with --max-runs", self.name, line=record.line,
                                 code="limit")
        if self.last is not None:
            self._freeze(self.last)
        self.last = record

    def _freeze(self, record: EpochRecord) -> None:
        kept = self.keep(record)
        if kept is None:
            return
        at = len(self.epochs)
        self.epochs.append(int(kept.epoch))
        self.lines.append(-1 if kept.line is None else kept.line)
        values = kept.values
        names = tuple(values)
        shape = self._shape_of.get(names)
        if shape is None:
            shape = self._shape_of[names] = len(self.names)
            self.names.append(names)
            self._columns.append([self.values.setdefault(n, array("d")) for n in names])
        self.shapes.append(shape)
        for column, value in zip(self._columns[shape], values.values()):
            if len(column) != at:  # NaN where the name was absent
                column.extend([math.nan] * (at - len(column)))
            column.append(value)

    def __len__(self) -> int:
        """The records as kept."""
        return len(self.epochs) + (self.last is not None and self.keep(self.last) is not None)

    def __bool__(self) -> bool:
        """Whether any record arrived (kept or not)."""
        return self.last is not None

    def __getitem__(self, index: int) -> EpochRecord:
        """Record ``-1`` is the last one as it stands (not as kept); others as frozen."""
        if index == -1 and self.last is not None:
            return self.last
        return self._record(range(len(self.epochs))[index])

    def _record(self, at: int) -> EpochRecord:
        line = self.lines[at]
        return EpochRecord(self.epochs[at], {n: self.values[n][at]
                                             for n in self.names[self.shapes[at]]},
                           None if line < 0 else line)

    def __iter__(self) -> Iterator[EpochRecord]:
        for at in range(len(self.epochs)):
            yield self._record(at)
        kept = self.keep(self.last) if self.last is not None else None
        if kept is not None:
            yield kept

    def columns(self) -> _Columns:
        """The records as kept, as numpy columns (the last one included)."""
        import numpy as np

        last = self.keep(self.last) if self.last is not None else None
        extra = [] if last is None else [last]
        count = len(self.epochs) + len(extra)
        names, shape_of = list(self.names), dict(self._shape_of)
        shapes = np.frombuffer(self.shapes, dtype=np.int64) if self.shapes else np.zeros(0, int)
        epochs = np.array([*self.epochs, *(int(r.epoch) for r in extra)], dtype=np.int64)
        lines = np.array([*self.lines, *(-1 if r.line is None else r.line for r in extra)],
                         dtype=np.int64)
        values = {}
        for name, column in self.values.items():
            values[name] = np.full(count, np.nan)
            values[name][:len(column)] = np.frombuffer(column, dtype=np.float64)
        for record in extra:
            key = tuple(record.values)
            if key not in shape_of:
                shape_of[key] = len(names)
                names.append(key)
            shapes = np.append(shapes, shape_of[key])
            for name, value in record.values.items():
                values.setdefault(name, np.full(count, np.nan))[-1] = value
        return _Columns(epochs, lines, shapes, names, values)


@dataclass
class _Columns:
    epochs: Any          # per record: its epoch number
    lines: Any           # per record: its line, -1 if unknown
    shapes: Any          # per record: the index of its names in ``names``
    names: list[tuple[str, ...]]
    values: dict[str, Any]  # per log name: its value in each record, NaN where absent


def split_restarts(records: list[EpochRecord]) -> list[list[EpochRecord]]:
    """Cut a record list where the epoch numbering starts over (a restarted run)."""
    runs: list[list[EpochRecord]] = []
    current: list[EpochRecord] = []
    for rec in records:
        if current and rec.epoch <= current[-1].epoch:
            runs.append(current)
            current = []
        current.append(rec)
    if current:
        runs.append(current)
    return runs


def build_runs(records: list[EpochRecord] | Records, info: RunInfo,
               columns: dict[str, str] | None = None, numbered: bool = False) -> list[Run]:
    """One Run per training run found in the records (restarts split them). ``numbered``:
    each record's epoch is the number the log printed on its line (a text log's), kept
    where the log leaves gaps (``spaced_epochs``)."""
    if isinstance(records, Records):
        return _joined_blocks(_runs_from_columns(records.columns(), info, columns, numbered))
    groups = [g for g in split_restarts(records) if g]
    runs = []
    for index, group in enumerate(groups, start=1):
        run_info = _copy_info(info, index, len(groups))
        if len(groups) > 1:
            run_info.notes.append(_runs_note(index, len(groups)))
        runs.append(Run(_frame(group, columns, run_info, numbered), run_info))
    return _joined_blocks(runs)


def _joined_blocks(runs: list[Run]) -> list[Run]:
    """A log that prints its metrics one after another (every epoch's validation loss, then
    every epoch's training loss) numbers the same epochs again for each: neighbouring
    "runs" of the same epochs whose metrics do not overlap are one run, joined."""
    joined: list[Run] = []
    for run in runs:
        last = joined[-1] if joined else None
        if last is not None and len(run.table) >= 2 \
                and list(run.table.index) == list(last.table.index) \
                and not set(run.table.columns) & set(last.table.columns):
            last.info.columns.update(run.info.columns)
            if JOINED_NOTE not in last.info.notes:
                last.info.notes.append(JOINED_NOTE)
            joined[-1] = Run(last.table.join(run.table), last.info)
        else:
            joined.append(run)
    if len(joined) == len(runs):
        return runs
    for index, run in enumerate(joined, start=1):
        # its note on the runs the log holds, counted again (none where one run is left)
        was = _runs_note(run.info.run_index, len(runs))
        now = [_runs_note(index, len(joined))] if len(joined) > 1 else []
        run.info.notes = [m for n in run.info.notes for m in (now if n == was else [n])]
        run.info.run_index, run.info.run_count = index, len(joined)
    return joined


def _runs_note(index: int, count: int) -> str:
    """The note on a run of a log that holds ``count`` runs."""
    return (f"the log holds {count} runs (the epoch numbering starts over); this is run "
            f"{index}")


JOINED_NOTE = ("metrics printed one after another, each numbering the same epochs again: "
               "read as one run")


def _runs_from_columns(data: _Columns, info: RunInfo, columns: dict[str, str] | None,
                       numbered: bool) -> list[Run]:
    """``build_runs`` of compact records: restarts found and tables filled with numpy, each
    set of names mapped to table columns once."""
    import numpy as np

    epochs = data.epochs
    starts = np.flatnonzero(np.r_[True, epochs[1:] <= epochs[:-1]]) if len(epochs) else []
    bounds = [*starts, len(epochs)]
    mapping = [_first_names(names, columns) for names in data.names]
    runs = []
    for index in range(1, len(starts) + 1):
        low, high = bounds[index - 1], bounds[index]
        run_info = _copy_info(info, index, len(starts))
        if len(starts) > 1:
            run_info.notes.append(_runs_note(index, len(starts)))
        shapes = data.shapes[low:high]
        order = np.argsort(shapes, kind="stable")
        cuts = np.flatnonzero(np.r_[True, np.diff(shapes[order]) != 0])
        # each set of names with its rows, in the order it first shows in the log
        groups = sorted(zip(order[cuts], cuts, np.r_[cuts[1:], len(order)]))
        table: dict[str, np.ndarray] = {}
        for first, cut, end in groups:
            rows = order[cut:end]
            for col, name in mapping[shapes[first]]:
                if col not in table:
                    table[col] = np.full(high - low, np.nan)
                    run_info.columns.setdefault(col, name)
                table[col][rows] = data.values[name][low:high][rows]
        lines = data.lines[low:high]
        run_info.epoch_lines = array("q", lines[lines >= 0].tobytes())
        runs.append(Run(_run_table(table, high - low, epochs[low:high], run_info,
                                   numbered=numbered), run_info))
    return runs


def _first_names(names: tuple[str, ...], columns: dict[str, str] | None) -> list[tuple[str, str]]:
    """(table column, log name) of a record's names: the first name of a column wins
    unless a later one outranks it (``_outranks``)."""
    out: dict[str, str] = {}
    for name in names:
        col = columns.get(name) if columns is not None else column(name)
        if col and (col not in out or _outranks(name, out[col])):
            out[col] = name
    return list(out.items())


def runs_from_frame(table: dict, info: RunInfo, columns: dict[str, str], max_runs: int,
                    name: str) -> list[Run]:
    """Runs from columns already reduced to one row per (run, epoch): ``run`` and ``epoch``
    arrays (each run's rows together, in order), a ``line`` array and one array per log
    name. The vectorised twin of ``build_runs``."""
    import numpy as np

    run_ids = table["run"]
    starts = np.flatnonzero(np.r_[True, run_ids[1:] != run_ids[:-1]]) if len(run_ids) else []
    if len(starts) > max_runs:
        raise InputError(f"more than {max_runs} runs in one input (the epoch numbering starts "
                         "over each time): over the runs limit; raise it with --max-runs",
                         name, code="limit")
    base = 1 if len(run_ids) and table["epoch"].min() == 0 else 0
    bounds = [*starts, len(run_ids)]
    runs = []
    for index in range(1, len(starts) + 1):
        low, high = bounds[index - 1], bounds[index]
        run_info = _copy_info(info, index, len(starts))
        if len(starts) > 1:
            run_info.notes.append(_runs_note(index, len(starts)))
        # compact: a log of millions of epochs keeps 8 bytes a line, not a Python int
        run_info.epoch_lines = array("q", table["line"][low:high].astype("int64").tobytes())
        values = {}
        for col, target in columns.items():
            if target is None or col in ("line", "run", "epoch"):
                continue
            logged = np.asarray(table[col][low:high], dtype=float)
            if target not in values and not np.isnan(logged).all():
                values[target] = logged
                run_info.columns.setdefault(target, col)
        numbers = np.asarray(table["epoch"][low:high]) + base
        runs.append(Run(_run_table(values, high - low, numbers, run_info, printed=False),
                        run_info))
    return runs


def _copy_info(info: RunInfo, index: int, count: int) -> RunInfo:
    return RunInfo(**{**info.__dict__, "warnings": list(info.warnings), "notes": list(info.notes),
                      "layers": dict(info.layers), "columns": dict(info.columns),
                      "facts": dict(info.facts),
                      "epoch_lines": [], "run_index": index, "run_count": count})


def _frame(group: list[EpochRecord], columns: dict[str, str] | None, info: RunInfo,
           numbered: bool = False):
    """The table of one run's records, built a column at a time (a log of 400 k epochs
    makes no row dicts); the first log name of a column in a record gives its value unless
    a later one outranks it (``_outranks``)."""
    import numpy as np

    named: dict[str, str | None] = {}  # log name -> table column, looked up once a name
    values: dict[str, np.ndarray] = {}
    lines = []
    for position, rec in enumerate(group):
        seen: dict[str, str] = {}  # column -> the name that gave its value in this record
        for name, value in rec.values.items():
            if name not in named:
                named[name] = columns.get(name) if columns is not None else column(name)
            col = named[name]
            if not col:
                continue
            if col not in seen:
                if col not in values:
                    values[col] = np.full(len(group), np.nan)
                    info.columns.setdefault(col, name)
            elif _outranks(name, seen[col]):
                info.columns[col] = name
            else:
                continue
            seen[col] = name
            values[col][position] = value
        if rec.line is not None:
            lines.append(rec.line)
    info.epoch_lines = array("q", lines)
    return _run_table(values, len(group), [rec.epoch for rec in group], info,
                      numbered=numbered)


def _run_table(values: dict, count: int, numbers: Sequence[float], info: RunInfo,
               printed: bool = True, numbered: bool = False):
    """The epoch table of one run from its columns, finished: numbered from 1, or, where
    its ``numbers`` are the epochs a log printed (``numbered``; a tracker's steps are no
    epochs), as the log numbers them where it leaves gaps (``spaced_epochs``)."""
    finished = finish_columns(values, info, printed)
    # the rows left (a trailing evaluation is dropped): their numbers
    rows = len(next(iter(finished.values()))) if finished else count
    index = spaced_epochs(numbers[:rows], info) if numbered else None
    note_first_epoch(info, int(numbers[0]) if len(numbers) else 1, renumbered=index is None,
                     printed=numbered)
    return epoch_table(finished, count, index)


MAX_POINTS = 2000  # the rules and the plots judge a curve's shape: more points add nothing


def block_size(count: int, max_points: int = MAX_POINTS) -> int:
    """The epochs a point averages in a run of ``count``: the least power of two that leaves
    at most ``max_points`` points (between half that and that many). A power of two, so that
    a reader summing blocks as it reads can double them (merging neighbours) whenever they
    fill up and end with these very blocks, in memory that does not grow with the run."""
    size = 1
    while count > size * max_points:
        size *= 2
    return size


def downsample(run: Run, max_points: int = MAX_POINTS) -> Run:
    """A run of more epochs than ``max_points`` averaged in consecutive blocks of equal size
    (``block_size``; vectorised), each block standing at its last epoch: the rules and the
    plots then cost the same for a million epochs as for two thousand."""
    import numpy as np

    count = len(run.table)
    if count <= max_points:
        return run
    size = block_size(count, max_points)
    blocks = np.arange(count) // size
    with np.errstate(over="ignore"):  # values near the float limit average to inf: so be it
        table = run.table.groupby(blocks).mean()
    ends = np.minimum((np.arange(len(table)) + 1) * size, count) - 1
    table.index = run.table.index[ends]
    table.index.name = "epoch"
    note_reduction(run.info, count, size, len(table))
    return Run(table, run.info)


def note_reduction(info: RunInfo, count: int, size: int, points: int) -> None:
    """Says in the run's facts and notes that ``count`` epochs became ``points`` block
    means of ``size`` epochs each."""
    info.reduced_from = count
    info.reduction = (f"{count} epochs averaged in blocks of {size} into {points} points "
                      "(each at the block's last epoch)")
    info.notes.append(info.reduction)


def empty_table():
    """The table of a log that holds no epoch values."""
    import pandas as pd

    return pd.DataFrame(index=pd.RangeIndex(1, 1, name="epoch"))


def mark_continuations(runs: list[Run]) -> None:
    """A run whose first losses sit nearer where the run before it ended than where that
    one started continues it (``RunInfo.continues``): a second ``fit()`` call on the
    trained model, a fine-tuning phase, a resume after a crash. Runs restarted from scratch
    start where the first one started."""
    before = None
    for run in runs:
        if not run.epochs:
            continue
        if before is not None and not run.info.continues and _starts_where_ended(before, run):
            run.info.continues = True
            run.info.notes.append("this run starts where the run before it ended (a second "
                                  "fit() call, a fine-tuning phase): its first epoch is no "
                                  "untrained model's")
        before = run


def _starts_where_ended(before: Run, run: Run) -> bool:
    """In log units, summed over the losses both runs log: the run's first values nearer the
    previous run's last values than its first, the previous run having moved."""
    to_end = to_start = moved = 0.0
    for col in ("train_loss", "val_loss"):
        if col not in before.table or col not in run.table:
            continue
        prev = [v for v in before.table[col].tolist() if math.isfinite(v) and v > 0]
        now = [v for v in run.table[col].tolist() if math.isfinite(v) and v > 0]
        if len(prev) < 2 or not now:
            continue
        to_end += abs(log_ratio(now[0], prev[-1]))
        to_start += abs(log_ratio(now[0], prev[0]))
        moved += abs(log_ratio(prev[0], prev[-1]))
    return moved >= 0.2 and to_end < to_start


def pick_run(runs: list[Run], source: str) -> Run:
    """The run analysed by default: the last one that has any epochs."""
    if not runs:
        raise InputError("no epoch with a loss value in the input", source, code="no-epochs")
    for run in reversed(runs):
        if run.epochs:
            note = (f"training restarted: {len(runs)} runs in the log, analysing the last "
                    "(use --all-runs for every one)")
            if len(runs) > 1 and note not in run.info.warnings:  # watch picks at each epoch
                run.info.warnings.append(note)
            return run
    return runs[-1]


# ---- facts a text log may state -------------------------------------------------------------

_UNITS = r"(?:samples?|rows|examples|images|sequences)"
TRAIN_ON = re.compile(rf"\bTrain(?:ing)? on (\d[\d,]{{0,20}}) {_UNITS}"
                      rf"(?:,? (?:and )?validat(?:e|ing) on (\d[\d,]{{0,20}}) {_UNITS})?",
                      re.IGNORECASE)
# "1347 train / 450 validation samples", "train 1347, val 450", "train size: 1347 | val
# size: 450": both counts on one line, the training set's first
_N = r"(\d[\d,]{0,20})"
_VAL = r"(?:val|valid|validation)"
SPLIT_SIZES = re.compile(
    rf"\b{_N} train(?:ing)?(?: {_UNITS})?[ \t]{{0,4}}[/,;|][ \t]{{0,4}}{_N} {_VAL}\b"
    rf"|\btrain(?:ing)?(?: set| size| samples)?[ \t]{{0,4}}[:=]?[ \t]{{0,4}}{_N}[ \t]{{0,4}}"
    rf"[/,;|][ \t]{{0,4}}{_VAL}(?: set| size| samples)?[ \t]{{0,4}}[:=]?[ \t]{{0,4}}{_N}"
    r"\b(?![.\d])",
    re.IGNORECASE)
BATCH_SIZE = re.compile(r"\bbatch[_ ]size[ \t]{0,8}[:=][ \t]{0,8}(\d{1,20})", re.IGNORECASE)

# "name (Type)" in a Keras summary, "(0): Type(" in a PyTorch module print
KERAS_LAYER = re.compile(r"\(([A-Z][A-Za-z0-9]{0,63})\)")
# a row of Paddle's summary() table, "   Dropout-1         [[1, 64]]     [1, 64]     0",
# or of torchsummary's (PyTorch), "           Dropout-2           [-1, 32, 26, 26]       0":
# the input's shape, a list of lists, is Paddle's (its group)
PADDLE_LAYER = re.compile(r"^[ \t]{0,16}([A-Z][A-Za-z0-9]{0,63})-\d{1,6}[ \t]{2,64}\[(\[)?")
# a row of Lightning's model summary, plain or drawn by rich: its index, the module's name,
# its class and its count of parameters, "1 | drop    | Dropout          | 0      | train",
# "│ 2 │ bn      │ BatchNorm1d      │    128 │ train │", "0 | model | ResNet | 11.2 M"
LIGHTNING_LAYER = re.compile(r"^[ \t]{0,8}[│|]?[ \t]{0,8}\d{1,6}[ \t]{0,8}[│|][ \t]{0,8}"
                             r"[\w.\-]{1,128}[ \t]{0,64}[│|][ \t]{0,8}([A-Z]\w{0,63})"
                             r"[ \t]{0,64}[│|][ \t]{0,16}\d{1,4}(?:\.\d{1,3})?(?: [KMBT])?"
                             r"[ \t]{0,16}(?:[│|]|$)")
# a row of torchinfo's summary, a tree of the modules to its depth (3 unless told):
# "├─Conv2d: 1-1   [1, 8, 26, 26]   80", "│    │    └─Dropout2d: 3-3   [1, 8, 26, 26]   --"
TORCHINFO_LAYER = re.compile(r"^[│ \t]{0,256}[├└]─([A-Z]\w{0,63}): \d{1,3}-\d{1,6}(?!\S)")
# Paddle's evaluation, at its end: "Eval samples: 480"
EVAL_SAMPLES = re.compile(r"^Eval samples: (\d{1,15})[ \t]{0,8}$")
TORCH_LAYER = re.compile(r"^[ \t]{0,64}\([\w.]{1,64}\):[ \t]{0,8}([A-Z][A-Za-z0-9]{0,63})\(")
TORCH_ROOT = re.compile(r"([A-Z][A-Za-z0-9_]{0,63})\(")  # a printed model's first line, whole
# Flax NNX's module repr, "dropout=Dropout(rate=0.5, ...", and Flax's tabulate() rows,
# "│ bn1 │ BatchNorm │ ...": layer types where they are named, recognised by their names
NNX_LAYER = re.compile(r"^[ \t]{0,64}[A-Za-z_]\w{0,63}=([A-Z][A-Za-z0-9]{0,63})\(")
TABULATE_LAYER = re.compile(r"[│|][^│|]{1,64}[│|][ \t]{0,8}"
                            r"([A-Z][A-Za-z0-9]{0,63})[ \t]{0,64}[│|]")
LAYERISH = re.compile(r"(?:Linear|Dense|Conv\w{0,8}|Dropout\w{0,8}|BatchNorm\w{0,8}|LayerNorm|"
                      r"GroupNorm|RMSNorm|Embed\w{0,8}|LSTM\w{0,8}|GRU\w{0,8}|"
                      r"MultiHeadAttention|MultiHeadDotProductAttention)")
# a rate from 0 to 1 given to a hyperparameter: "name = 0.5", "name": 0.1, name=0.1, or
# in the next cell of a printed table of them, "| name     | 0.1   |" (written with its
# point there: a layer's count of parameters follows its type's cell, "| Dropout | 0 |")
_RATE = (r"(?:['\"]?[ \t]{0,4}[:=]|[ \t]{0,64}[|│](?=[ \t]{0,64}\d?\.\d))[ \t]{0,64}"
         r"(0?\.\d{1,8}|0|1(?:\.0{1,8})?)(?![\d.]|-\d)")  # not torchinfo's "Dropout: 1-2"
# a dropout rate stated as a hyperparameter: "dropout = 0.5", "hidden_dropout_prob": 0.1
DROPOUT_RATE = re.compile(r"\b(?:dropout|dropout_rate|drop_rate|dropout_prob|hidden_dropout_prob|"
                          r"resid_pdrop|p_dropout)" + _RATE, re.IGNORECASE)
# label smoothing stated as a hyperparameter ("label_smoothing = 0.1",
# CrossEntropyLoss(label_smoothing=0.1)): a term in the training loss that validation,
# scored without it, does not carry (not the Hugging Face Trainer's label_smoothing_factor,
# which smooths its evaluation loss too)
LABEL_SMOOTHING = re.compile(r"\blabel_smoothing" + _RATE, re.IGNORECASE)
# a training criterion named in the log (timm's "ClassificationTask: criterion=
# LabelSmoothingCrossEntropy"): smoothed targets, or mixed ones (mixup, cutmix), scored in
# training only; validation is scored with plain cross-entropy
TRAIN_CRITERION = re.compile(r"\b(LabelSmoothingCrossEntropy|SoftTargetCrossEntropy)\b")
CRITERION_FACTS = {"LabelSmoothingCrossEntropy": "loss_weighting",
                   "SoftTargetCrossEntropy": "augmentation"}
ZERO_RATE = re.compile(r"\((?:p|rate)=0(?:\.0*)?[,)]")
# what KERAS_LAYER also finds in a summary row that names no layer: "(None)", "(type)"
NOT_TYPES = ("None", "type")
NOT_LAYERS = {*NOT_TYPES, "Model", "Sequential", "Functional", "Layer"}
# a row of the old Keras summary whose type its 29-column first field cut short, the shape
# after it: "batch_normalization (BatchNo (None, 180, 128)", " conv2d_transpose (Conv2DTra
# (None, 14, 14, 32)" (Keras 2.9 and later wrap the rest, "nspose)", onto the next line)
KERAS_CUT_LAYER = re.compile(r"^[ \t]{0,4}[\w.]{1,64} \(([A-Z][A-Za-z0-9]{0,63})[ \t]{1,64}[\[(]")


# TabNet's epoch line ("epoch 3  | loss: 0.55305 | val_0_logloss: 0.61831 |  0:00:01s"):
# its network drops nothing out
TABNET_EPOCH = re.compile(r"^epoch \d{1,7} {1,8}\| loss: [-\d.e+]{1,24} +\|.{0,4000}\| {1,4}"
                          r"\d{1,5}:\d\d:\d\ds\s*$")


def _tabnet(line: str) -> bool:
    return line.startswith("epoch ") and "| loss: " in line and bool(TABNET_EPOCH.match(line))


def states_a_fact(line: str) -> bool:
    """Whether ``scan_facts`` could take anything from the line (outside a model summary)."""
    return bool(line.startswith("Namespace(") or _tabnet(line)
                or TRAIN_ON.search(line) or SPLIT_SIZES.search(line) or BATCH_SIZE.search(line)
                or EVAL_SAMPLES.match(line)
                or TORCH_LAYER.match(line) or LIGHTNING_LAYER.match(line)
                or TORCHINFO_LAYER.match(line)
                or _flax_layers(line) or DROPOUT_RATE.search(line)
                or LABEL_SMOOTHING.search(line)
                or ("CrossEntropy" in line and TRAIN_CRITERION.search(line)))


def scan_facts(line: str, info: RunInfo, in_summary: bool) -> None:
    """Fill split sizes, batch size and layer types from one clean line. Each pattern is
    searched only in a line holding its key word: most lines of a log state no fact, and a
    substring test costs a fraction of a case-blind search."""
    if line.startswith("Namespace("):  # a script's arguments printed whole: print(args)
        _params.apply(_params.namespace(line), info, "the script's printed arguments")
    if info.framework != "tabnet" and _tabnet(line):
        # its network has no dropout. It always has ghost batch norm, too small a part of
        # most of its gaps to be named for one (1 of 5 right when it was, on the
        # twenty-fifth way's runs): left unknown
        info.framework = "tabnet"
        info.facts.setdefault("dropout", 0.0)
        info.facts_origin = info.facts_origin or "TabNet's epoch lines (its network has no dropout)"
    lower = line.lower()
    trains = "train" in lower
    m = TRAIN_ON.search(line) if trains and " on " in lower else None
    if m:  # a count beyond any real data set is not a fact (to_int gives None)
        info.n_train = to_int(m.group(1))
        if m.group(2):
            info.n_val = to_int(m.group(2))
    m = SPLIT_SIZES.search(line) if trains and "val" in lower else None
    if m:
        n_train, n_val = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        info.n_train, info.n_val = to_int(n_train), to_int(n_val)
    m = BATCH_SIZE.search(line) if "batch" in lower else None
    if m and info.batch_size is None:
        info.batch_size = to_int(m.group(1))
    types = _keras_types(line, info) if in_summary else []
    m = PADDLE_LAYER.match(line) if in_summary and not types else None
    if m:
        types.append(m.group(1))
        info.framework = info.framework or ("paddle" if m.group(2) else "pytorch")
    m = EVAL_SAMPLES.match(line) if line.startswith("Eval samples") else None
    if m:
        info.n_val = to_int(m.group(1))
    if types and info.framework is None:
        info.framework = "keras"
    m = TORCH_ROOT.fullmatch(line.rstrip()) if line.endswith(("(", "( ")) else None
    if m:  # print(model): a Sequential's print is its forward; another class's forward is code
        whole = m.group(1) == "Sequential"
        info.modules_whole = whole if info.modules_whole is None else info.modules_whole and whole
    m = TORCH_LAYER.match(line) if "):" in line else None
    if m and m.group(1) not in layer_kinds.TORCH:
        info.modules_whole = False
    dropout_module = m is not None and m.group(1).startswith("Dropout")
    if m and ZERO_RATE.search(line):
        if dropout_module and not any(t.startswith("Dropout") for t in info.layers):
            # printed, and off (what a list of modules alone cannot say: F.dropout is none)
            info.facts.setdefault("dropout", 0.0)
            info.facts_origin = info.facts_origin or "the printed model"
        m = None  # Dropout(p=0.0) drops nothing
    elif dropout_module and info.facts.get("dropout") == 0.0:
        del info.facts["dropout"]  # another of its modules drops out: the layers say so
    if m:
        types.append(m.group(1))
        info.framework = info.framework or "pytorch"
    else:
        types += _tabled_layers(line, info)
    m = DROPOUT_RATE.search(line) if "drop" in lower else None
    if m:  # a rate above 0 anywhere in the log means the model drops out
        rate = float(m.group(1))
        if rate > 0 or "dropout" not in info.facts:
            info.facts["dropout"] = max(rate, info.facts.get("dropout") or 0.0)
            info.facts_origin = info.facts_origin or "the log's hyperparameters"
    m = LABEL_SMOOTHING.search(line) if "smoothing" in lower else None
    if m:  # as a tracker's label_smoothing parameter states it
        info.facts["loss_weighting"] = info.facts.get("loss_weighting") or float(m.group(1)) > 0
        info.facts_origin = info.facts_origin or "the log's hyperparameters"
    m = TRAIN_CRITERION.search(line) if "CrossEntropy" in line else None
    if m:
        fact = CRITERION_FACTS[m.group(1)]
        info.facts[fact] = True
        info.fact_origins[fact] = "the training criterion the log names"
    for t in types:
        if t not in NOT_LAYERS:
            info.layers[t] = info.layers.get(t, 0) + 1


def _keras_types(line: str, info: RunInfo) -> list[str]:
    """The layer types a line of a Keras summary names, a cut one completed. A row whose
    type is not all of its layer (a nested model, a custom layer, a wrapper) marks the
    summary partial: what it lacks, the model may still have."""
    types = KERAS_LAYER.findall(line)
    m = None if types else KERAS_CUT_LAYER.match(line)
    if m:
        whole = layer_kinds.complete_keras(m.group(1))
        types = [whole or m.group(1)]
    if any(t not in NOT_TYPES and not layer_kinds.keras_whole(t) for t in types):
        info.summary_partial = True
    return types


def _tabled_layers(line: str, info: RunInfo) -> list[str]:
    """The layer types a row of a model's table or tree names: torchinfo's, Lightning's
    (counted as it is read), Flax's tabulate() or NNX repr."""
    m = TORCHINFO_LAYER.match(line) if "─" in line else None
    if m:  # the tree's root is the user's module: its forward may drop out unseen
        kind = m.group(1)
        info.summary_partial = info.summary_partial or not layer_kinds.torch_whole(kind)
        info.framework = info.framework or "pytorch"
        info.modules_whole = False
        return [kind]
    if lightning_layer(line, info):
        return []
    return _flax_layers(line) if "=" in line or "│" in line or "|" in line else []


def lightning_layer(line: str, info: RunInfo) -> bool:
    """A row of Lightning's model summary: its type is counted among the run's layers.
    The rows are the module's children: one of a container or a class of the user's (a
    ``Sequential``, a ``ResNet``) holds layers it does not list, and the LightningModule's
    own forward may drop out (``F.dropout``) where no row shows it."""
    m = LIGHTNING_LAYER.match(line) if "|" in line or "│" in line else None
    if not m:
        return False
    kind = m.group(1)
    info.layers[kind] = info.layers.get(kind, 0) + 1
    info.summary_partial = info.summary_partial or not layer_kinds.torch_whole(kind)
    info.framework = info.framework or "pytorch"
    info.modules_whole = False
    return True


def _flax_layers(line: str) -> list[str]:
    """Layer types named the way Flax prints a model (a NNX repr, a tabulate() table)."""
    m = NNX_LAYER.match(line) or TABULATE_LAYER.search(line)
    if not m or not LAYERISH.fullmatch(m.group(1)) or ZERO_RATE.search(line):
        return []
    return [m.group(1)]


def summary_starts(line: str) -> bool:
    return line.startswith('Model: "') or "Layer (type)" in line


def summary_ends(line: str) -> bool:
    return "Total params" in line
