"""Plain text printed by hand-written training loops.

Tolerant line reader for the usual shapes::

    Epoch 3: train loss: 425.88 - validation loss: 423.35
    epoch 3 | train_loss 0.412 | val_loss 0.397
    [3/20] loss=0.41 val_loss=0.40
    2025-04-24 21:16:20,207 - INFO - Epoch [3/50], Train Loss: 1.93, Val Loss: 1.87
    Epoch [3/100] - Time: 0.66s            (a block: the values follow on the next lines)
      Train Loss: 4.20, Train Acc: 41%
    | Epoch | Train Loss | Val Loss |       (Markdown or ASCII tables)
           loss  val_loss                    (a printed DataFrame of the history: its
    0  0.5234    0.4300                        rows, in order, are the epochs)
    Loss for Iter 51: 0.39, acc = 0.26       (a value named for its step or epoch; the
    Test loss for epoch 0: 0.2198              steps before an epoch's summary are its own)

tqdm bars and other noise are skipped; a ``test`` loss stands for validation only where the
log has no validation loss (said in a warning).
"""
from __future__ import annotations

import math
import re
from collections import Counter

from valgap.model import EVALUATION, TRAINING_STEP, InputError, Run, RunInfo
from valgap.parsers import _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import (
    LONG_LINE,
    NUMBER,
    LazyPattern,
    Limits,
    Skeleton,
    Source,
    cell_float,
    clean,
    segments,
    to_float,
)

NAME = "loop-text"

# Every quantifier is bounded or followed by a character it cannot match, and unanchored
# patterns start with a character class a run of digits or spaces cannot repeat, so that
# matching stays linear on hostile lines (a megabyte of spaces or digits).
# a timestamp, a logger's name and a level; a set's word where the name goes is no logger
# (Flair's "2026-12-06 21:57:48,944 DEV : loss 0.69 - f1-score (micro avg)  0.54")
LOG_PREFIX = LazyPattern(r"^[ \t]{0,64}(?:\[?\d{4}-\d\d-\d\d[ T][\d:,.]{1,32}\]?[ \t]{0,8}"
                        r"(?:[-|][ \t]{0,8})?)"
                        r"(?:(?!(?i:train|training|val|valid|validation|eval|evaluation|dev|test|"
                        r"testing)[ \t]{0,8}[-|:])[\w.]{1,64}[ \t]{0,8}[-|:][ \t]{0,8})?"
                        r"(?:(?:INFO|DEBUG|WARNING)[ \t]{0,8}(?:[-|:][ \t]{0,8})?)?")
TQDM = LazyPattern(r"(?<!\d)\d{1,3}%\||(?<!\d) \d{1,12}/\d{1,12} \[\d{1,6}:\d\d<|it/s\]|s/it\]"
                  r"|batch/s")
# a whole tqdm bar: "100%|█████| 1568/1568 [00:24<00:00, 63.84it/s, loss=0.4]"
TQDM_BAR = LazyPattern(r"(?<!\d)\d{1,3}%\|[^|]{0,400}\|[ \t]{0,8}(?P<done>\d{1,12})/"
                      r"(?P<total>\d{1,12})[ \t]{0,8}\[(?P<post>[^\]]{0,2000})\]")
# the time and rate a tqdm bar of epochs shows before its postfix: "00:05<00:07,
# 1.95epoch/s, " (tqdm.keras's TqdmCallback, a loop's trange(..., unit="epoch"))
EPOCH_RATE = LazyPattern(r"[^,]{0,40},[ \t]{0,8}(?:[\d.]{1,12}epoch/s|[\d.]{1,12}s/epoch|"
                        r"\?epoch/s)(?:,[ \t]{0,8}|$)")
# a stretch of lines that are each a tqdm bar and nothing else, "%|" their last (what
# _Reader._bar_only tells line by line), matched over a block of text at once
BAR_LINES = LazyPattern(r"^(?:[^\n%\r\x1b\x08]{0,200}\d%\|[^|\n\r\x1b\x08]{0,400}\|[ \t]{0,8}"
                       r"\d{1,12}/\d{1,12}[ \t]{0,8}\[[^]|\n\r\x1b\x08]{0,2000}\]\n)+",
                       re.MULTILINE)
# the same stretch found in bytes: each line reduced to the bytes its shape rests on ("%",
# "|", "[", "]", "/", its end; \r, ESC and \b kept as "!"), the rest deleted, a bar's
# line "%||/[/]" after its prefix's brackets or slashes, and "]" its last byte. Looser
# than BAR_LINES only in what the other deleted bytes were (a digit before "%", the
# count's digits, lengths)
_SHAPE = b"%|[]/\n"
BAR_SKELETON = Skeleton(
    bytes(ord("!") if b in b"\r\x1b\x08" else b for b in range(256)),
    bytes(b for b in range(256) if b not in _SHAPE and b not in b"\r\x1b\x08"),
    LazyPattern(rb"^(?:[^\n%!]{0,64}%\|\|/\[/?\]\n)+", re.MULTILINE), b"]", b"%|")
# what follows a bar's closing "|": "| 700/1563 [00:05<00:07, 120.3it/s, loss=0.345]"
BAR_TAIL = LazyPattern(r"[ \t]{0,8}\d{1,12}/\d{1,12}[ \t]{0,8}\[[^\]]{0,2000}\][ \t]{0,8}")
# Ultralytics' own bar (8.3 on), to the end of its line: "100% ━━━━━━━━━━━━ 2/2 7.0it/s 0.3s"
FINISHED_BAR = LazyPattern(r"(?<!\d)100%\|[#█]{1,400}\|?")  # a full bar, closed or not
BAR_TIME = LazyPattern(r"[ \t]{0,8}\[[^\]\n]{0,200}\][ \t]{0,8}$")  # "[00:05<00:00, 9it/s]"
# Paddle's Model.fit says what its losses are: "The loss value printed in the log is the
# current step, and the metric is the average value of previous steps."
ONE_BATCH_LOSSES = LazyPattern(r"(?i)\bloss value printed in the log is the current step\b")
STEP_TOTAL = LazyPattern(r"\bstep[ \t]{1,8}\d{1,9}/(\d{1,9})\b")  # "step 10/15"
# a report of the best so far names the epoch it was at after the word: "Best val acc:
# 0.95 (epoch 3)", "Saved best model at epoch 6", "最佳验证准确率: 1.0000 (周期 1)"
BEST = LazyPattern(r"(?i)\bbest\b|最佳")
SUMMARY_ROWS = 2000  # a model summary that names no end ("Total params") ends here
# fastprogress's console bar finished (fastai): "Epoch 1/4 : |████| 100.00% [25/25 00:00<00:00
# 0.82]"; in a row's redraws the training bar finishes first, then the validation bar
FASTPROGRESS_DONE = LazyPattern(r"\| 100\.00% \[(\d{1,9})/(\d{1,9})[ \t]")
RICH_BAR = LazyPattern(r"(?<!\d)\d{1,3}% [━─╸╺]{1,400} \d{1,12}/\d{1,12}(?: [^\r\n]{0,200})?$")
# a batch counter ("[ 10/782]") and the head of an evaluation's progress line ("Test:  [")
COUNTER = LazyPattern(r"\[[ \t]{0,8}\d{1,9}[ \t]{0,8}/[ \t]{0,8}\d{1,9}[ \t]{0,8}"
                     r"(?:\([ \t]{0,4}\d{1,3}(?:\.\d{1,4})?%\))?[ \t]{0,8}\]")  # "[640/60000 (1%)]"
# a line that opens with the split its values belong to: "Test set: Average loss: 0.05",
# "Validation Results - Epoch: 1  Avg loss: 0.21", "Eval: loss 0.3"
SPLIT_HEAD = LazyPattern(r"(?i)^[ \t*]{0,8}(?P<split>train(?:ing)?|val(?:id(?:ation)?)?|"
                        r"eval(?:uation)?|dev|test(?:ing)?)(?:[ \t]{1,4}(?:set|results?|"
                        r"metrics|stats|summary))?[ \t]{0,4}[:\-|]")
EVAL_HEAD = LazyPattern(r"(?i)^[ \t]{0,16}(?:test|eval(?:uation|uate)?|val(?:id(?:ation)?)?)"
                       r"\b[^\[\n]{0,40}\[")
# the running mean after a value: "loss: 0.41 (0.45)", timm's padded "Loss: 2.476 ( 2.260)"
AVERAGE = LazyPattern(rf"[ \t]{{0,4}}\([ \t]{{0,8}}({NUMBER})\)")
# timm's train.py closes with "--result" and a JSON list of its best epochs, sorted by the
# metric it tracks: a summary, not the curve
RESULT_DUMP = "--result"
DUMP_CHARS = "[]{}\","
STEP = LazyPattern(r"(?i)\b(?:training )?(?:step|iter(?:ation)?|batch)\b[ \t]{0,8}[:#\[=]?"
                  r"[ \t]{0,8}\d")
# TensorFlow's Estimator reports an evaluation so: its values are validation values
# Flax's examples print "[train] step: 800, loss: 0.17" and "[test] step: 800, loss: 0.32":
# the tag names the set its bare metric names belong to
PHASE_TAG = LazyPattern(r"^[ \t]{0,8}\[(train|training|test|val|valid|validation|eval)\][ \t]{0,8}",
                       re.IGNORECASE)
BARE_METRIC = LazyPattern(r"\b(loss|accuracy|acc)\b(?=[ \t]{0,4}[:=])")
# a value named for its epoch or step, the counter after the name: "Test loss for epoch 3:
# 0.21", "Loss for Iter 51: 0.39", "Loss for epoch 3/10: 1.2e-01", "The average loss for
# epoch 4 is 0.52"
FOR_COUNTER = LazyPattern(r"\b(?P<name>[A-Za-z][A-Za-z_ ]{0,40}?) for (?:the )?"
                          r"(?P<counter>epoch|iter|iteration|step)[ \t]{0,4}#?"
                          r"(?P<n>\d{1,9}(?:[ \t]{0,2}/[ \t]{0,2}\d{1,9})?)[ \t]{0,4}"
                          r"(?::|=| is)[ \t]{0,4}(?=[-+.\d])", re.IGNORECASE)
# a line of running text: six words or more, no digit (a sentence, not a print)
PROSE = LazyPattern(r"^[ \t>*-]{0,8}[A-Za-z][^\d\n]{0,400}(?:\s[A-Za-z,.;:'()-]+){5}[^\d]*$")
EVAL_LINE = LazyPattern(r"(?i)\bSaving dict for global step \d{1,12}:")
# tqdm's count form, glued to what the loop prints next: "27it [00:01, 20.1it/s]Epoch: 1 ..."
TQDM_COUNT = LazyPattern(r"(?<!\d)\d{1,12}it \[[^\]]{0,200}\]")
# a model card's closing summary and a Trainer's return value: not epochs
SUMMARY = LazyPattern(r"(?i)results on the (?:evaluation|test|validation) set|"
                     r"^\s{0,8}TrainOutput\(|^\s{0,8}(?:final|test) (?:results|metrics)\b")
# "Epoch 3/20", "Ep 3/18", "Epochs: 3 | Train Loss: ..", Chinese "周期 [3/30]" / "轮次 3"
EPOCH = LazyPattern(r"(?i)\b(?:epochs?|ep|周期|轮次)\b[ \t]{0,16}[:#]?[ \t]{0,16}\[?[ \t]{0,8}"
                   r"(\d{1,9})(?!\d|\.\d)(?:[ \t]{0,8}(?:/|of)[ \t]{0,8}\d{1,9})?[ \t]{0,8}\]?")
# the PyTorch CIFAR-10 tutorial: "[2,  4000] loss: 1.456" (epoch, mini-batch)
PAIR_EPOCH = LazyPattern(r"^[ \t]{0,16}\[[ \t]{0,8}(\d{1,9}),[ \t]{0,8}\d{1,9}[ \t]{0,8}\]")
# timm: "Train: 3 [ 100/312 ( 32%)]  Loss: 5.71 (5.90)": the epoch right after the split
HEAD_EPOCH = LazyPattern(r"^[ \t]{0,16}Train(?:ing)?:[ \t]{0,4}(\d{1,9})[ \t]{1,8}(?=\[)")
# what timm's train.py does unless told otherwise (--no-aug): its training images go through
# RandomResizedCrop (down to 8 % of the image), flips and colour jitter, its validation
# images through a centre crop alone
TIMM_DEFAULTS = "timm's train.py (its default transforms augment the training images)"
BRACKET_EPOCH = LazyPattern(r"^[ \t]{0,64}\[[ \t]{0,8}(\d{1,9})[ \t]{0,8}/[ \t]{0,8}\d{1,9}"
                           r"[ \t]{0,8}\]")
SPLIT_WORD = (r"(?:tr(?:ain(?:ing)?|n)?|val(?:id(?:ation)?)?|eval(?:uation)?|dev|test(?:ing)?|"
              r"(?:held|hold)[-_ ]?out)")  # a held-out set ("heldout=26.87")
# before a metric's name the short "va" names validation too ("va_loss", "Va loss")
SPLIT_PREFIX = rf"(?:{SPLIT_WORD}|va)"
METRIC_WORD = (r"(?:loss|acc(?:uracy)?|mae|mse|rmse|f1|auc|error|ppl|perplexity|xent|"
               r"cross[-_ ]?entropy|log[-_ ]?loss)")
QUALIFIER = r"(?:(?:avg|average|mean|total|running)[ _])?"
# the columns valgap's own measurement prints (valgap.torch.measure_gap)
MEASURED = r"(?:train_loss_(?:trainmode_end|eval_end(?:_se)?)|train_penalty_end)"
# Chinese logs: 训练损失 (training loss), 验证集损失, 测试准确率 (test accuracy), in the
# words _table.CJK_WORDS translates
_CJK_SETS = "|".join(w for w, e in _table.CJK_WORDS.items() if e in ("train", "val", "test"))
_CJK_METRICS = "|".join(w for w, e in _table.CJK_WORDS.items() if e in ("loss", "accuracy"))
CJK_METRIC = rf"(?:(?:{_CJK_SETS})集?)?(?:{_CJK_METRICS})"
# a number with a unit of time after it is a duration, not a metric: detectron2's
# "Inference done 11/548. Dataloading: 0.0012 s/iter. ... Eval: 0.0005 s/iter"
NOT_A_DURATION = r"(?![ \t]{0,2}(?:(?:m?s|secs?|seconds?)(?:/[A-Za-z]{1,8})?|it/s)\b)"
METRIC = LazyPattern(
    rf"(?i)(?<![\w/])({MEASURED}|{CJK_METRIC}|"
    rf"{QUALIFIER}(?:{SPLIT_PREFIX}\.?[ _/-]?(?:\d{{1,2}}[ _/-])?)?{METRIC_WORD}"
    rf"(?:[ _/-]?{SPLIT_WORD})?"
    rf"|{SPLIT_WORD}(?=[ \t]{{0,16}}[:=]?[ \t]{{0,16}}[-+]?(?:\d{{1,40}}\.\d|nan|inf)))"
    rf"['\"]?(?:[ \t]{{1,4}}(?:is|value))?(?:[ \t]*[:=：][ \t]*|[ \t]+)({NUMBER})(%)?(?![\w./])"
    rf"{NOT_A_DURATION}")
# "No log" (a Trainer table's empty cell), "-", "": a cell with no value
NO_VALUE = {"no log", "-", "", "n/a", "none"}
WORD = LazyPattern(r"[A-Za-z]+")
# a set named by a verb ("validate epoch 1"; "[Evaluate] ... on test set" names the test set)
VALIDATING = ("validating", "evaluating", "validate")
TABLE_SEP = LazyPattern(r"[|│┃]")  # cells are stripped: no \\s* around the bar
# a table's rule: under a header, between rows, a box's edges (ASCII, Markdown, box drawing)
RULE_CHARS = frozenset("|-:+ =─┼├┤│╞╪╡╘╧╛╒╤╕═┃━")


SNIFF_CEILING = 0.5  # the most sniff says: detection skips it once another said more


def sniff(head: str) -> float:
    """Read the head as this parser would: two epochs with a loss make it loop text, and so
    does one epoch whose line names its epoch number (a run stopped after one epoch) or one
    evaluation at a named step (nanoGPT's "step 0: train loss .., val loss .." before its
    iterations)."""
    reader = _Reader("", Limits(max_runs=1 << 30))  # a sniff only counts; parse enforces
    # lines as parse splits them: at newlines, a redrawn line whole (str.splitlines would
    # part its states at each \r)
    for line_no, raw in enumerate(head.split("\n", 5000)[:5000], start=1):
        reader.feed(raw[:-1] if raw.endswith("\r") else raw, line_no)
    records = _loss_records(reader)
    if len(records) + reader.banners >= 2:  # a training log, though it may print no loss
        return SNIFF_CEILING
    return 0.3 if records and (reader.numbered_epochs or reader.evaluation_points) else 0.0


def _strip_prefix(line: str) -> str:
    return LOG_PREFIX.sub("", line, count=1)


def _phase_named(line: str) -> str:
    """A line tagged with its set (``[test] step: 8, loss: 0.3``), its bare metrics named
    for it (``step: 8, val_loss: 0.3``)."""
    m = PHASE_TAG.match(line) if line[:12].lstrip().startswith("[") else None
    if not m:
        return line
    rest = line[m.end():]
    if m.group(1).lower() in ("train", "training"):
        return rest
    return BARE_METRIC.sub(lambda b: f"val_{b.group(1)}", rest)


def _counter_first(line: str) -> str:
    """A value named for its epoch or step, its counter moved first as loops print it:
    "Test loss for epoch 3: 0.21, Acc = 0.9" reads as "epoch 3: Test loss: 0.21, Acc = 0.9"."""
    m = FOR_COUNTER.search(line) if " for " in line or " For " in line else None
    if not m:
        return line
    return (f"{line[:m.start()]}{m.group('counter')} {m.group('n')}: {m.group('name')}: "
            f"{line[m.end():]}")


def _cells(line: str, spaced: bool) -> list[str]:
    if spaced:
        return line.split()
    return [c.strip() for c in TABLE_SEP.split(line.strip().strip("|│┃"))]


def _without_row_name(cells: list[str], width: int) -> list[str]:
    """A spaced table's row cells without the row's name (R and pandas print a data frame's
    index as an unnamed first column)."""
    return cells[1:] if len(cells) == width + 1 and cells[0].isdigit() else cells


def _named_in_words(line: str, cells: list[str]) -> list[str]:
    """A spaced header's columns named in words ("Epoch  Train Loss   Val Loss   WER%"),
    where two or more spaces part the columns and one parts a name's words: the names
    joined by "_"; else the cells as split on every space."""
    wide = [c.lower() for c in re.split(r"[ \t]{2,}|\t", line.strip())]
    if len(wide) < 2 or len(wide) == len(cells) or not any(" " in c for c in wide) or \
            not all(re.fullmatch(r"[a-z_][\w/%]{0,40}(?: [a-z_][\w/%]{0,40}){0,3}", c)
                    for c in wide):
        return cells
    return [c.replace(" ", "_") for c in wide]


def _table_header(line: str) -> tuple[list[str], bool] | None:
    """The columns of a table header (Markdown/ASCII with bars, fastai's columns aligned
    by spaces, a printed DataFrame's), and whether its cells are separated by spaces. A
    header written as a comment (``np.savetxt(..., header=...)``, gnuplot data: ``# epoch
    train_loss val_loss``) is a header."""
    if line.startswith("#"):
        line = line.lstrip("# ")
    spaced = line.count("|") + line.count("│") + line.count("┃") < 2
    cells = [c.lower() for c in _cells(line, spaced)]
    if spaced:
        cells = _named_in_words(line, cells)
    if spaced and not any(c in ("epoch", "step") for c in cells):
        return _frame_header(line)
    # the Trainer's tables key their rows by epoch, by step, or by both
    # a loss column, or one a split's name alone heads ("epoch train valid")
    if not any(c in ("epoch", "step") for c in cells) or \
            not any("loss" in c or _table.is_curve(c) for c in cells):
        return None
    if spaced and "epoch" not in cells:
        return None  # fastai's tables always have an epoch column; a step alone is a print
    if spaced and not all(re.fullmatch(r"[a-z_][\w/%]{0,40}", c) for c in cells):
        return None  # a sentence that mentions epoch and loss, not a header
    if "valid_loss" in cells:  # fastai: its metrics are measured on the validation set
        cells = [f"valid_{c}" if _bare_metric(c) else c for c in cells]
    return cells, spaced


FRAME_SEP = LazyPattern(r"\s{2,}|\t")  # a printed table's columns: names may hold one space
FRAME_NAME = LazyPattern(r"[a-z_][\w/]{0,30}(?: [a-z_][\w/]{0,30})?")


def _frame_header(line: str) -> tuple[list[str], bool] | None:
    """The columns of a table with no epoch column (``print(pd.DataFrame(history))``, a
    hand-made summary table), when they name a training and a validation loss: its rows
    are the epochs in order, read by ``_Reader._frame_row``."""
    cells = [c.lower() for c in FRAME_SEP.split(line.strip()) if c]
    if len(cells) < 2 or not all(FRAME_NAME.fullmatch(c) for c in cells):
        return None
    splits = {pair[0] for pair in map(_table.canonical, cells)
              if pair is not None and pair[1] in _table.LOSS_LIKE}
    return (cells, True) if {"train", "val"} <= splits else None


# a table of the sets' values printed at each epoch's end, a set a column and a metric a
# row (AllenNLP's "Training |  Validation", then "loss | 0.190 | 0.293", a logger's name
# before each line) or a set a row and a metric a column (Ludwig's tables: "│ Survived │
# loss │ accuracy │", then "│ train │ 0.5022 │ 0.7712 │", "│ vali │ ...", "│ test │ ...")
SET_TABLE_NAME = LazyPattern(r"[A-Za-z_][\w/@.%-]{0,60}")
SET_ROW_WORDS = {**_table.SET_WORDS, "vali": "val"}  # Ludwig's "vali"
NOT_MEASURED = ("n/a", "na", "-", "")


def _set_table_cells(line: str) -> list[str]:
    """A table line's cells (``_cells``), a logger's name before its first cell dropped."""
    cells = _cells(line, spaced=False)
    cells[0] = cells[0].rsplit(" - ", 1)[-1].strip()
    return cells


def _set_table_header(line: str) -> tuple[bool, list[str]] | None:
    """(sets by column, names) of a table of the sets' values: the sets its columns are
    (``Training |  Validation``), or the metrics its columns are where its rows will be the
    sets (``│ Survived │ loss │ accuracy │``)."""
    if "|" not in line and "│" not in line and "┃" not in line:
        return None
    cells = _set_table_cells(line)
    named = [c for c in cells if c]
    splits = [SET_ROW_WORDS.get(c.lower()) for c in named]
    if len(named) >= 2 and None not in splits and len(set(splits)) == len(splits):
        return True, splits  # type: ignore[return-value]
    metrics = cells[1:]
    # its metrics name no set (the rows will), and no column counts epochs or steps
    if not metrics or cells[0].lower() in _table.STEP_WORDS | {"epoch", "epochs"} or \
            not all(SET_TABLE_NAME.fullmatch(c) and _table.bare_name(c) for c in metrics) or \
            any(c.lower() in ("epoch", "epochs") for c in metrics):
        return None
    pairs = [_table.canonical(c) for c in metrics]
    if not any(p is not None and p[1] in _table.LOSS_LIKE for p in pairs):
        return None
    return False, [c.lower() for c in metrics]


def _set_table_row(line: str, by_column: bool, names: list[str]
                   ) -> list[tuple[str, str, str | None]] | None:
    """A row of a table of the sets' values as metrics named for their sets, [] for a rule
    between rows, None for a line that is no row of it."""
    if set(line.strip()) <= RULE_CHARS:
        return []
    cells = _set_table_cells(line)
    if len(cells) != len(names) + 1:
        return None
    first, values = cells[0], cells[1:]
    if by_column:
        if not SET_TABLE_NAME.fullmatch(first):
            return None
        named = [(f"{split}_{first}", cell) for split, cell in zip(names, values)]
    else:
        split = SET_ROW_WORDS.get(first.lower())
        if split is None:
            return None
        named = [(f"{split}_{name}", cell) for name, cell in zip(names, values)]
    metrics: list[tuple[str, str, str | None]] = []
    for name, cell in named:
        if cell.lower() in NOT_MEASURED:
            continue
        number = _cell_number(cell)
        if number is None:
            return None  # a cell of words: no row of numbers
        metrics.append((name, repr(number), None))
    return metrics


def _accumulate(sums: dict[str, list[float]], metrics: list[tuple[str, str, str | None]],
                running: bool = False) -> None:
    """Metrics' values into [sum, count] per name; a running mean replaces what was."""
    for name, value, pct in metrics:
        if _table.canonical(name) is None:
            continue
        number = to_float(value) / (100 if pct else 1)
        if running:
            sums[name] = [number, 1]
            continue
        entry = sums.setdefault(name, [0.0, 0])
        entry[0] += number
        entry[1] += 1


def _missing_means(sums: dict[str, list[float]], values: dict[str, float]) -> dict[str, float]:
    """The mean of each summed name whose table column ``values`` has no value for."""
    have = {_table.column(n) for n in values}
    return {n: total / count for n, (total, count) in sums.items()
            if _table.column(n) not in have}


def _epoch_states(raw: str) -> list[str]:
    """A line of redraws that shows a bar of epochs, as the epoch lines a loop would print:
    for each count, its first state with values (a loop that calls ``set_postfix`` after an
    epoch draws that epoch's values at the count before, then again as the count moves on:
    its first state at a count is that epoch's; ``TqdmCallback`` draws each count once),
    and the line's last state where it is no bar (a print after it). A bar of epochs on a
    line of its own, no redraw in it, is skipped as every bare bar is (a log that keeps
    each state on a line, as a logging handler does, prints its epochs otherwise too)."""
    lines, seen = [], set()
    parts = segments(raw)
    for part in parts:
        bar = TQDM_BAR.search(part)
        epoch = _epoch_bar(bar) if bar and bar.group("done") not in seen else None
        if epoch is not None:
            seen.add(bar.group("done"))
            lines.append(epoch)
    if parts and not TQDM.search(parts[-1]):
        lines.append(parts[-1])
    return lines


def _epoch_bar(bar: re.Match) -> str | None:
    """A tqdm bar that counts epochs (its rate in epochs: tqdm.keras's ``TqdmCallback``, a
    loop's ``trange(epochs, unit="epoch")`` with ``set_postfix``), read as the epoch line
    a loop prints: its count is the epochs done and its postfix their last epoch's values
    ("3/12 [00:01<00:02, 2.1epoch/s, loss=0.621, val_loss=0.606]" is epoch 3). None for
    any other bar, for one with no values yet, and at a count of 0 (no epoch done: a loop
    that set the first epoch's values there shows them again at 1)."""
    rate = EPOCH_RATE.match(bar.group("post"))
    if rate is None or rate.end() == len(bar.group("post")) or int(bar.group("done")) == 0:
        return None
    return f"epoch {bar.group('done')}/{bar.group('total')}: {bar.group('post')[rate.end():]}"


def _finished_bar(line: str) -> str:
    """A bar at 100 % with metrics after it, outside its time bracket (Ignite's
    ``ProgressBar``: "Epoch [1/30]: [36/36] 100%|##########, loss=1.33 [00:00<00:00]", the
    running average of the epoch's batch losses), as the text around the bar; any other
    progress line as nothing (a plain tqdm bar's postfix is a batch's, not the epoch's)."""
    bar = FINISHED_BAR.search(line)
    if bar is None:
        return ""
    after = BAR_TIME.sub("", line[bar.end():])
    return f"{line[:bar.start()]} {after}" if METRIC.search(after) else ""


def _announced(line: str, before: str | None) -> str | None:
    """The held-out set a short line of words alone names ("testing in eval mode......",
    "Evaluating on the validation set"); none where it names training; else as before."""
    if len(line.strip()) > 80:
        return before
    named = _set_named(line)
    if named:
        return None if named == "train" else named
    return before


def _set_named(line: str) -> str | None:
    """The set the first set word of a line names ("testing in eval mode": test), if any."""
    for word in WORD.findall(line):
        named = _table.SET_WORDS.get(word.lower()) or (
            "val" if word.lower() in VALIDATING else None)
        if named:
            return named
    return None


def _split_groups(line: str, found: list[re.Match]) -> dict[int, str]:
    """Where a bare name comes twice in a line ("train loss 0.54 acc 0.94 | val loss 0.47
    acc 0.83", "Train: loss=0.58, acc=99.5% | Val: loss=0.59, acc=98.5%"), each of its
    metrics belongs to the set last named before it, by a set's word or a metric's name:
    {index in ``found``: set}. A bare name said once keeps the default (training)."""
    names = [m.group(1).lower() for m in found]
    counts = Counter(names)  # (a line of thousands of metrics: no count per name)
    repeated = {n for n, times in counts.items() if times > 1 and _table.bare_name(n)}
    if not repeated:
        return {}
    groups, current, at = {}, None, 0
    for i, m in enumerate(found):
        for word in WORD.findall(line, at, m.start()):
            current = _table.SET_WORDS.get(word.lower(), current)
        at = m.end()
        pair = _table.canonical(m.group(1))
        if not _table.bare_name(m.group(1)) and pair is not None:
            current = pair[0]
        elif names[i] in repeated and current is not None:
            groups[i] = current
    return groups


def _set_words_scored(metrics: list[tuple[str, str, str | None]]
                      ) -> list[tuple[str, str, str | None]]:
    """A set's word alone names that set's loss ("loss 0.52 val 0.61"), unless the line
    names that set's loss otherwise too: then every set's word alone on it is another
    metric, one a set ("Loss: 1.08, Val Loss: 1.07, Train: 0.48, Val: 0.50, Test: 0.43",
    PyTorch Geometric's examples printing accuracies), renamed "<set> score"."""
    alone = {i for i, (name, _, _) in enumerate(metrics)
             if name.strip().lower() in _table.SET_WORDS}
    if not alone:
        return metrics
    named = {_table.SET_WORDS[metrics[i][0].strip().lower()] for i in alone}
    losses = {pair[0] for i, (name, _, _) in enumerate(metrics) if i not in alone
              for pair in [_table.canonical(name)] if pair is not None and pair[1] == "loss"}
    if not named & losses:
        return metrics
    return [(f"{name} score", *rest) if i in alone else (name, *rest)
            for i, (name, *rest) in enumerate(metrics)]


def _bare_metric(cell: str) -> bool:
    """A bare metric of a fastai table (its losses are named for their split)."""
    return _table.bare_name(cell) and "loss" not in cell


class Incremental:
    """Feed raw lines as they arrive; ``records()`` gives the epochs with a loss so far,
    ``finish()`` the runs of the whole log (what ``parse`` returns)."""

    def __init__(self, name: str, limits: Limits | None = None) -> None:
        self.reader = _Reader(name, limits)
        self.lines = 0

    @property
    def info(self) -> RunInfo:
        return self.reader.info

    def feed(self, raw: str, line_no: int) -> None:
        self.reader.feed(raw, line_no)
        self.lines = line_no

    def records(self) -> list[EpochRecord]:
        return _loss_records(self.reader)

    def finish(self) -> list[Run]:
        """The log has ended: its runs, with what was noticed on the way."""
        reader = self.reader
        reader.finish()
        reader.info.rows_read = self.lines  # the lines read
        records = _loss_records(reader)
        if not records:
            raise InputError("no epoch with a training or validation loss found in the text",
                             reader.info.source, code="no-epochs")
        # running text, mostly: a training script's few info lines beside its one epoch are
        # not a README
        if len(records) == 1 and reader.prose >= 3 and 2 * reader.prose >= reader.written \
                and not reader.table:
            raise InputError("one loss-like line among running text (a README or notes), no "
                             "epoch lines or table of them: not a training log",
                             reader.info.source, code="no-epochs")
        reader.info.notes.append(f"read lines shaped like: {reader.shape}")
        _one_batch_rows(reader)
        if reader.long_lines:
            reader.info.warnings.append(f"{reader.long_lines} line(s) longer than {LONG_LINE} "
                                        "characters skipped: no epoch print is that long")
        if records is reader.train_steps:
            reader.info.row = TRAINING_STEP
            reader.info.notes.append("no epochs and no evaluation in the log: one row per "
                                     "training step printed")
        elif reader.evaluation_points and not reader.numbered_epochs:
            reader.info.row = EVALUATION
            reader.info.notes.append("no epochs in the log: one row per evaluation (at its "
                                     "step), its training loss as printed there or the mean "
                                     "of the training steps since the one before")
        return _table.build_runs(records, reader.info, numbered=True)


class _Reader:
    def __init__(self, name: str, limits: Limits | None = None) -> None:
        self.info = RunInfo(source=name, format=NAME)
        self.records = _table.Records(name, limits, keep=self._kept)
        self.current: EpochRecord | None = None
        self.table: list[str] | None = None
        self.by_row: bool | None = None  # the table's rows are evaluations, not epochs
        self.last_key: float | None = None  # the step (or fractional epoch) of the last row
        self.spaced = False         # the table's cells are separated by spaces (fastai)
        self.frame_rows = 0         # rows read of a table with no epoch column
        # a table of the sets' values: (sets by column, its names), and what its rows hold
        self.set_table: tuple[bool, list[str]] | None = None
        self.set_values: list[tuple[str, str, str | None]] = []
        self.shape: str | None = None
        self.explicit = False  # the current epoch was opened by an epoch number
        self.numbered_epochs = 0    # epochs opened by an epoch number
        self.in_summary = False     # after a "results on the evaluation set" line
        self.in_dump = False        # inside timm's "--result" JSON list
        self.timm = False           # the log is timm's train.py's
        # per-batch values of each epoch (id of its record -> name -> [sum, count])
        self.batches: dict[int, dict[str, list[float]]] = {}
        self.templates = _Templates()
        self.phase = "train"  # "val" after an evaluation's progress lines (MetricLogger)
        # a line of words alone naming a held-out set ("testing in eval mode......"): the
        # next line's bare metrics, if they belong to the epoch already open, are that set's
        self.announced: str | None = None
        # the epoch a banner named ("=====validate epoch 1=====" before "Epoch 0 | loss = .."):
        # opened by the first metric line after it, unless that line prints its own epoch
        self.banner: int | None = None
        self.banners = 0  # lines that were banners
        self.model_summary = 0  # rows read of a model's summary table, 0 outside one
        self.one_batch_losses = False  # the log says each printed loss is one batch's
        self.eval_steps = 0  # the most steps an announced evaluation counted
        self.pending_val: dict[str, tuple[str, str | None]] = {}  # its running means
        self.interval: dict[str, list[float]] = {}  # steps since the last evaluation point
        # the log prints an epoch's steps before its summary line ("Loss for Iter 51: .."
        # then "Test loss for epoch 0: .."), as its first epoch's line showed: steps after an
        # epoch's line are the next epoch's
        self.steps_first = False
        self.evaluation_points = False  # rows are evaluations at steps, not epochs
        self.long_lines = 0  # lines too long to be a print, skipped
        self.prose = 0  # lines of running text (a README's sentences)
        self.written = 0  # lines with anything on them
        # training steps printed before any epoch or evaluation: the rows of a log that
        # prints nothing else (a training loss by iteration, no validation at all)
        self.train_steps = _table.Records(name, limits)
        self.steps_with_loss = 0

    def _add_interval(self, metrics: list[tuple[str, str, str | None]]) -> None:
        """A training step's values where no epoch is open: the next evaluation point's
        training values, if it prints none (TF Estimator's "loss = 0.61, step = 101")."""
        _accumulate(self.interval, metrics)

    def _keep_step(self, line: str, step: re.Match, metrics: list[tuple[str, str, str | None]],
                   line_no: int) -> None:
        """A training step, kept as a row while the log has shown no epoch: its number is
        the one its step word names."""
        digits = re.match(r"\d{1,12}", line[step.end() - 1:])
        values = {name: to_float(value) / (100 if pct else 1) for name, value, pct in metrics
                  if _table.canonical(name) is not None}
        if digits and values:
            self.train_steps.append(EpochRecord(int(digits.group()), values, line_no))
            self.steps_with_loss += _table.has_loss(values)
            self.shape = self.shape or line.strip()[:100]

    def _interval_means(self, values: dict[str, float]) -> dict[str, float]:
        means, self.interval = _missing_means(self.interval, values), {}
        return means

    def _close_set_table(self, line_no: int) -> None:
        """A table of the sets' values ended: they are the epoch's (the one its "Epoch 4/29"
        opened, or the next one where no epoch number is printed)."""
        values, self.set_table, self.set_values = self.set_values, None, []
        if values:
            self._add(values, values[0][0], line_no)

    def _set_table_line(self, line: str, line_no: int) -> bool:
        """Whether the line is a header or a row of a table of the sets' values (read)."""
        if self.set_table is not None:
            row = _set_table_row(line, *self.set_table)
            if row is not None:
                self.set_values.extend(row)
                return True
        header = _set_table_header(line)
        if header is None:
            if self.set_table is not None:
                self._close_set_table(line_no)
            return False
        if self.set_table is not None and (header[0] or self.set_table[0]):
            self._close_set_table(line_no)
        # (a table of set rows right after another is the same epoch's: Ludwig prints one
        # an output feature, then the "combined" one, whose loss is the one that counts)
        self.set_table = header
        return True

    def finish(self) -> None:
        """The log's end: a table of the sets' values it ends with, an evaluation's last running
        means, and training steps after the last evaluation that went non-finite (a run
        that diverged after its last evaluation shows it only there)."""
        self._close_set_table(0)
        self.flush_evaluation()
        if self.records and any(not math.isfinite(total) for total, _ in self.interval.values()):
            self._start(self.records[-1].epoch + 1, None)
            self.current.values.update(self._interval_means({}))

    def flush_evaluation(self) -> None:
        """An evaluation's last running means, for the names its epoch has no value of."""
        if self.pending_val and self.current is not None:
            have = {_table.column(n) for n in self.current.values}
            for name, (value, pct) in self.pending_val.items():
                if _table.column(name) not in have:
                    self.current.values[name] = to_float(value) / (100 if pct else 1)
        self.pending_val = {}

    def _metric_values(self, line: str, found: list[re.Match], progress: bool,
                       announced: str | None = None
                       ) -> tuple[list[tuple[str, str, str | None]], bool]:
        """(name, value, percent sign) of each metric: the running average where one
        follows in parentheses (``loss: 0.41 (0.45)``: the epoch's mean so far); after an
        evaluation's progress lines, a summary's bare names are validation values
        (``* Acc@1 81.2 loss 0.81``)."""
        out, averaged = [], False
        head = SPLIT_HEAD.match(line)
        split = _table.canonical(f"{head.group('split')}_loss")[0] if head else None
        if split is None and EVAL_LINE.search(line):
            split = "val"
        if split is None and found and not line[:found[0].start()].strip():
            # the line opens with a split's metric ("val Loss: 0.27 Acc: 0.89"): the bare
            # names after it are that split's too
            first = _table.canonical(found[0].group(1))
            if first is not None and first[0] in ("val", "test") and \
                    not _table.bare_name(found[0].group(1)):
                split = first[0]
        if split is None and found and all(_table.bare_name(m.group(1)) for m in found):
            # a set named before the bare metrics ("Epoch: 3 | Test. Acc.: 97.4% | Loss:
            # 0.08", "Epoch 3 validation: loss 0.41"), or on the line before ("testing in
            # eval mode......", see _announced): they are that set's
            named = {_table.SET_WORDS.get(w.lower()) for w in WORD.findall(
                line[:found[0].start()])} & {"val", "test"}
            split = named.pop() if len(named) == 1 else announced
        if split is None and self.phase == "val" and not progress:
            split = "val"
        groups = _split_groups(line, found) if split is None else {}
        for i, m in enumerate(found):
            name, value = m.group(1), m.group(2)
            mean = AVERAGE.match(line, m.end())
            if mean:
                value, averaged = mean.group(1), True
            own = groups.get(i, split)
            if own in ("val", "test") and _table.bare_name(name):
                name = f"{own}_{name}"
            out.append((name, value, m.group(3)))
        return _set_words_scored(out), averaged

    def _timm(self) -> None:
        """The log is timm's train.py's (a PyTorch script): what it does to training images
        by default is a fact of the run unless the log said otherwise."""
        self.timm = True
        self.info.framework = self.info.framework or "pytorch"
        self.info.default_fact("augmentation", True, TIMM_DEFAULTS)

    def _kept(self, record: EpochRecord) -> EpochRecord | None:
        """An epoch as kept: with the mean of its per-batch values where it printed no value
        of that name (as a training loss is: the mean over the epoch's batches); dropped if
        it has no loss."""
        batches = self.batches.get(id(record)) if self.batches else None
        if batches:
            mean = _missing_means(batches, record.values)
            record = EpochRecord(record.epoch, {**mean, **record.values}, record.line)
        return record if _table.has_loss(record.values) else None

    def epoch_line(self, number: int, values: dict[str, float], line_no: int) -> None:
        """What a line naming its epoch and some metrics does (and nothing else)."""
        current = self.current
        if current is None or current.epoch != number:
            self._open(EpochRecord(number, values, line_no))
            self.numbered_epochs += 1
        elif values:
            current.values.update(values)
            current.line = line_no
        self.explicit = True
        self.in_summary = False

    def _bar_only(self, raw: str) -> bool:
        """A line that is a tqdm bar and nothing after it: what the full reading skips,
        told by a few string tests (a tqdm-heavy log is millions of these lines). Not in a
        table whose rows a bar may follow (Ultralytics prints its row, then a bar)."""
        at = raw.rfind("%|")
        if at < 1 or not raw[at - 1].isdigit() or (self.table and self.spaced):
            return False
        close = raw.find("|", at + 2)
        return 0 < close - at <= 402 and BAR_TAIL.fullmatch(raw, close + 1) is not None \
            and "\r" not in raw and "\x1b" not in raw and "\x08" not in raw

    def _fastprogress_steps(self, raw: str) -> None:
        """The steps of an epoch, from the first bar fastprogress finished on a table row's
        line (the training bar's: validation's finishes after it)."""
        done = FASTPROGRESS_DONE.search(raw)
        if done and done.group(1) == done.group(2):
            self.info.steps_per_epoch = int(done.group(1))

    def feed(self, raw: str, line_no: int) -> None:
        if raw[-1:] == "]" and self._bar_only(raw):
            self.written += 1
            return
        if self.in_dump or (raw.startswith(RESULT_DUMP) and raw.rstrip() == RESULT_DUMP):
            stripped = raw.strip()
            self.in_dump = stripped == RESULT_DUMP or not stripped or stripped[0] in DUMP_CHARS
            if self.in_dump:
                return
        if raw.strip():
            self.written += 1
            if PROSE.match(raw):
                self.prose += 1
        if "100.00% [" in raw and self.info.steps_per_epoch is None:
            self._fastprogress_steps(raw)
        if "current step" in raw and ONE_BATCH_LOSSES.search(raw):
            self.one_batch_losses = True
        if "\r" in raw and ("epoch/s" in raw or "s/epoch" in raw):
            for state in _epoch_states(raw):  # a bar of epochs redrawn in place
                self.feed(state, line_no)
            return
        if len(raw) > LONG_LINE:
            raw = clean(raw)  # a redrawn bar: only its last state shows
            if len(raw) > LONG_LINE:
                # no loop prints an epoch in 64 KiB; searching it costs seconds per line
                self.long_lines += 1
                return
        if not self.announced and self.templates.apply(raw, line_no, self):
            return
        line = _counter_first(_phase_named(_strip_prefix(clean(raw))))
        if self.model_summary or _table.summary_starts(line):  # Keras's, Paddle's table
            self.model_summary += 1  # its rows until "Total params" (a bounded count of them)
            if _table.summary_ends(line) or self.model_summary > SUMMARY_ROWS:
                self.model_summary = 0
        _table.scan_facts(line, self.info, in_summary=bool(self.model_summary))
        cut = False
        for bar in (TQDM_BAR, TQDM_COUNT, RICH_BAR):  # a loop printing after its bar
            found = bar.search(line)
            epochs = _epoch_bar(found) if found and bar is TQDM_BAR else None
            if epochs is not None:
                line, found = epochs, None
            while found:
                if self.table and self.spaced and found.start() > 0 and \
                        self._table_row(line[:found.start()], line_no):
                    return  # a table row with its bar after it (Ultralytics YOLO)
                line, cut = line[found.end():], True
                found = bar.search(line)
        if TQDM.search(line):
            line = _finished_bar(line)  # Ignite's bar: its last state holds the epoch's loss
        if not line.strip():
            return
        if SUMMARY.search(line) and not EPOCH.search(line):
            # (Ignite's "Test Results - Epoch[3] Avg loss: 1.15" is an epoch's test line)
            self.in_summary = True
            return
        if self._set_table_line(line, line_no):
            return
        header = _table_header(line)
        if header:
            (self.table, self.spaced), self.in_summary = header, False
            self.by_row = None  # last_key stays: a table shown again continues or restarts
            self.frame_rows = 0  # rows of a table with no epoch column: a new one restarts
            self.shape = "a table with columns " + " | ".join(self.table)
            return
        if self.table and self._table_row(line, line_no):
            return
        if not any(ch.isdigit() for ch in line):
            self.announced = _announced(line, self.announced)
            return
        if self.in_summary and line.lstrip().startswith(("-", "*")):
            return  # "- Loss: 0.31" under "results on the evaluation set": not an epoch
        pair = PAIR_EPOCH.match(line)
        epoch = EPOCH.search(line) or BRACKET_EPOCH.match(line) or HEAD_EPOCH.match(line) or pair
        if epoch is not None and not self.timm and _timm_train_line(line):
            self._timm()
        if epoch is not None and BEST.search(line, 0, epoch.start()):
            return  # "best val loss: 0.6 (epoch 2)": the best so far, not this epoch's line
        if epoch is not None and self._banner(line, int(epoch.group(1))):
            return
        step = STEP.search(line) or pair  # a (epoch, mini-batch) pair is a batch's print
        # MetricLogger/AverageMeter progress ("Epoch: [3]  [ 10/782] ... loss: 0.41 (0.45)",
        # "Test:  [ 0/50] ..."): a counter of batches besides the epoch's own
        counter = COUNTER.search(line, epoch.end() if epoch else 0)
        if counter and EVAL_HEAD.match(line):
            # an evaluation on its way: its running means stand for its result unless a
            # summary line follows (the ImageNet example prints the loss only here)
            self.phase = "val"
            values, _ = self._metric_values(line, list(METRIC.finditer(line)), False)
            self.pending_val = {n: (v, pct) for n, v, pct in values
                                if n.startswith(("val_", "test_"))}
            return
        if counter and epoch:
            self.flush_evaluation()
            step, self.phase = counter, "train"
        found_metrics = list(METRIC.finditer(line))
        announced, self.announced = self.announced, None
        if epoch is not None and (self.current is None or
                                  self.current.epoch != int(epoch.group(1))):
            announced = None  # a new epoch's line is that epoch's, as printed
        metrics, averaged = self._metric_values(line, found_metrics, bool(counter or step),
                                                announced)
        # (a line whose set the line before named is no shape: the same words name training)
        if epoch and metrics and self.phase == "train" and not (
                step or cut or self.table or self.in_summary or averaged or announced):
            self.templates.learn(raw, line, epoch, found_metrics, [m[0] for m in metrics])
        number = self._banner_epoch(metrics) if epoch is None else int(epoch.group(1))
        if epoch is not None:
            self.banner = None  # an epoch's own line: the banner before it is spent
        if number is not None:
            if self.current is None or self.current.epoch != number:
                # decided by the first epoch's line: a summary (metrics of its own) after steps
                self.steps_first = self.steps_first or (
                    not self.records and bool(self.interval) and bool(metrics))
                self._start(number, line_no)
                self.numbered_epochs += 1
                if self.steps_first and self.interval:  # the steps printed before its line
                    self.batches[id(self.current)] = self.interval
            self.explicit, self.in_summary, self.interval = True, False, {}
        evaluated = any(_table.canonical(m[0]) is not None and _table.canonical(m[0])[0] == "val"
                        for m in metrics)
        if step and not (evaluated and not (self.current is not None and self.explicit)):
            # a batch-level print: its values make the epoch's mean, if it has none. With no
            # epoch open, a step that reports validation is an evaluation point (nanoGPT's
            # "step 500: train loss 2.12, val loss 2.23", an L-BFGS loop's iterations)
            if metrics and self.current is not None and self.explicit and (
                    epoch or not self.steps_first):  # (a step of the next epoch, if steps_first)
                self._add_batch(metrics, running=averaged)
                self.shape = self.shape or line.strip()[:100]
                if announced:  # an evaluation's steps follow its announcement (Paddle's
                    self.announced = announced  # "Eval begin..." then "step 10/15 - ...")
                    total = STEP_TOTAL.search(line)
                    self.eval_steps = max(self.eval_steps, int(total.group(1)) if total else 0)
            elif metrics and not evaluated:
                self._add_interval(metrics)  # between two evaluations, with no epochs
                if self.current is None and not self.records and step is not pair:
                    self._keep_step(line, step, metrics, line_no)
            return
        if metrics:
            if (step or EVAL_LINE.search(line)) and not self.explicit:
                self.evaluation_points = True
            self._add(metrics, line, line_no)

    def _banner(self, line: str, number: int) -> bool:
        """A line of an epoch and a set's words alone ("=====validate epoch 1=====",
        "Training epoch 3"): the lines after it are that set's, and the epoch opens with the
        first of them that holds a metric (the epoch it prints, where it prints one)."""
        if len(line.strip()) > 80 or METRIC.search(line):
            return False
        named = _set_named(line)
        if named is None:
            return False
        self.announced, self.banner = (None if named == "train" else named), number
        self.banners += 1
        return True

    def _banner_epoch(self, metrics: list[tuple[str, str, str | None]]) -> int | None:
        """The epoch a banner named, for the first line of metrics after it that prints none
        (which spends the banner)."""
        if not metrics:
            return None
        number, self.banner = self.banner, None
        return number

    def _add_batch(self, metrics: list[tuple[str, str, str | None]],
                   running: bool = False) -> None:
        """A batch's values into its epoch's sums; a running mean (``loss 0.4 (0.45)``)
        already is the epoch's mean so far: the last one replaces the rest."""
        assert self.current is not None
        _accumulate(self.batches.setdefault(id(self.current), {}), metrics, running)

    def _start(self, number: int, line_no: int | None) -> None:
        self._open(EpochRecord(number, {}, line_no))

    def _open(self, record: EpochRecord) -> None:
        """A new current epoch. The one before is frozen (with its batch means) as it is
        appended, and its batch sums let go: a freed record's id may be reused."""
        before = id(self.current)
        self.current = record
        self.records.append(record)
        if self.batches:
            self.batches.pop(before, None)

    def _add(self, metrics: list[tuple[str, str, str | None]], line: str, line_no: int) -> None:
        values = {}
        for name, value, pct in metrics:
            if _table.canonical(name) is None:
                continue
            number = to_float(value)
            values[name] = number / 100 if pct else number
        if not values:
            return
        opens = self.current is None or self._repeats(values)
        if opens and all(_table.canonical(n)[0] == "test" for n in values):
            return  # test results alone (trainer.test(), a final report): not an epoch
        if opens:
            # no epoch numbers: a new training line opens the next epoch
            self._start(self.records[-1].epoch + 1 if self.records else 1, line_no)
            self.explicit = False
            values = {**self._interval_means(values), **values}
        assert self.current is not None
        self.current.values.update(values)
        self.current.line = line_no
        if self.shape is None:
            self.shape = line.strip()[:100]

    def _repeats(self, values: dict[str, float]) -> bool:
        """A value the current epoch has already, where no epoch number opened it."""
        assert self.current is not None
        have = {_table.column(k) for k in self.current.values}
        return not self.explicit and bool(have & {_table.column(k) for k in values})

    def _table_row(self, line: str, line_no: int) -> bool:
        assert self.table is not None
        if self.spaced and "epoch" not in self.table and "step" not in self.table:
            return self._frame_row(line, line_no)
        cells = _cells(line, self.spaced)
        if self.spaced:
            cells = _without_row_name(cells, len(self.table))
        if len(cells) != len(self.table):
            return False
        if set(line.strip()) <= RULE_CHARS:
            return True  # the rule under a header
        row = {name: _cell_number(cell) for name, cell in zip(self.table, cells)}
        number, step = row.pop("epoch", None), row.pop("step", None)
        key = number if number is not None else step
        # a loss by its own name, or one of several a model has ("loss_g", Chainer's
        # "main/loss" beside "validation/main/loss")
        if key is None or not any(v is not None and (_table.is_curve(k) or
                                                     k.endswith(("_loss", "/loss")))
                                  for k, v in row.items()):
            return False  # not a row of this table
        if not (math.isfinite(key) and 0 <= key < 1e9):
            return False  # not an epoch or step number: not a row of this table
        if self.by_row is None:  # decided by the first row: one numbering per table
            self.by_row = number is None or number != int(number)
        if not self.by_row and (number is None or number != int(number)):
            return False  # a table numbered by epochs: a row without a whole one is not its
        if self.by_row:  # evaluations at steps or fractional epochs: one row each, in order;
            self.evaluation_points = True  # a step that goes back starts the table over
            again = self.last_key is None or key <= self.last_key or not self.records
            epoch = 1 if again else self.records[-1].epoch + 1
            self.last_key = key
        else:
            epoch = int(number)
        self._open(EpochRecord(epoch, {k: v for k, v in row.items()
                                       if v is not None and _table.canonical(k)}, line_no))
        return True

    def _frame_row(self, line: str, line_no: int) -> bool:
        """A row of a table with no epoch column: numbers only, one per column, after the
        row's index if printed (pandas, R); the next epoch of the table."""
        assert self.table is not None
        values = [_cell_number(cell)
                  for cell in _without_row_name(line.split(), len(self.table))]
        if len(values) != len(self.table) or any(v is None for v in values):
            return False
        self.frame_rows += 1
        self._open(EpochRecord(self.frame_rows, {name: v for name, v in zip(self.table, values)
                                                  if _table.canonical(name)}, line_no))
        return True


class _Template:
    """A line's shape with its numbers left open: a later line that matches it whole is read
    from the match alone (its epoch and its metrics' values), as the full reading would."""

    def __init__(self, pattern: re.Pattern, roles: list[tuple[str, bool] | None]) -> None:
        self.pattern = pattern
        self.roles = roles  # per group: None for the epoch, else (metric name, is a percent)


class _Templates:
    """The shapes of the epoch lines seen so far. A long log repeats one or two shapes: a
    match of its shape costs one regular expression instead of a dozen searches."""

    LIMIT = 8  # shapes kept (a log that keeps changing shape gets no help from them)
    DIGITS = re.compile(r"\d+")  # whole runs: two digit classes never stand side by side
    LONGEST = 4096  # a shape is learnt from, and matched against, lines up to this long

    def __init__(self) -> None:
        self.known: list[_Template] = []
        self.failed = 0  # lines no shape matched, since the last that one did

    def apply(self, raw: str, line_no: int, reader: _Reader) -> bool:
        if len(raw) > self.LONGEST:
            return False  # no shape was learnt from so long a line: the full reading
        for index, template in enumerate(self.known):
            m = template.pattern.fullmatch(raw)
            if m is None:
                continue
            if index:  # the shape last matched is tried first next time
                self.known.insert(0, self.known.pop(index))
            number, values = 0, {}
            for role, text in zip(template.roles, m.groups()):
                if role is None:
                    number = int(text)
                else:
                    values[role[0]] = float(text) / 100 if role[1] else float(text)
            reader.epoch_line(number, values, line_no)
            return True
        return False

    def learn(self, raw: str, line: str, epoch: re.Match, metrics: list[re.Match],
              names: list[str]) -> None:
        """Keep the shape of ``raw``, a line read as one epoch number and its metrics only
        (``names``: as the full reading named them): no control characters, nothing cut
        out, no run fact."""
        offset = len(raw) - len(line)
        if len(self.known) >= self.LIMIT or len(raw) > self.LONGEST or \
                not raw.endswith(line) or \
                clean(raw) != raw or _table.states_a_fact(line):
            return
        spans = [(epoch.span(1), None)]
        spans += [(m.span(2), (name, m.group(3) is not None)) for m, name in zip(metrics, names)
                  if _table.canonical(name) is not None]
        spans.sort()
        parts, roles, at = [], [], 0
        for (start, end), role in spans:
            start, end = start + offset, end + offset
            if start < at:
                return  # overlapping spans: not a shape this can say
            parts.append(self._literal(raw[at:start]))
            parts.append(r"(\d{1,9})" if role is None else f"({NUMBER})")
            roles.append(role)
            at = end
        parts.append(self._literal(raw[at:]))
        self.known.insert(0, _Template(re.compile("".join(parts)), roles))

    def _literal(self, text: str) -> str:
        """Text as it stands, its digit runs open (a time stamp, a total, a duration)."""
        pieces = self.DIGITS.split(text)
        return r"\d+".join(re.escape(p) for p in pieces)


def _cell_number(cell: str) -> float | None:
    """A table cell's number; None for an empty cell ("No log", "-") or a non-number
    (a time such as 00:05). ``3/10`` (an epoch of a total) is 3; ``640:`` is 640."""
    text = cell.strip().rstrip("%:")
    if re.fullmatch(r"\d{1,9}/\d{1,9}", text):
        text = text.split("/")[0]
    return None if text.lower() in NO_VALUE else cell_float(text)


def _one_batch_rows(reader: _Reader) -> None:
    """Where the log says each printed loss is its step's, validation's is one batch of the
    validation set (its size over its evaluation's steps), not the set's mean."""
    info = reader.info
    if reader.one_batch_losses and info.n_val and reader.eval_steps:
        info.val_loss_rows = math.ceil(info.n_val / reader.eval_steps)
        info.notes.append(f"each printed loss is one batch's, as the log says: validation's "
                          f"one batch of ~{info.val_loss_rows} of its {info.n_val} rows")


def _loss_records(reader: _Reader) -> _table.Records:
    """The epochs with a loss (as ``_Reader._kept`` keeps them); in a log with none, its
    training steps, where two or more print a loss."""
    return reader.train_steps if not reader.records and reader.steps_with_loss >= 2 \
        else reader.records


def parse(source: Source) -> list[Run]:
    reader = Incremental(source.name, source.limits)
    lines = reader.reader
    feed, line_no = lines.feed, 0  # one call per line, not two: logs run to millions
    # stretches of bare tqdm bars are skipped whole, as feed skips each (not in a table
    # whose rows a bar may follow: Ultralytics prints its row, then a bar)
    for line_no, raw in source.numbered_runs(BAR_LINES, BAR_SKELETON,
                                             lambda: not (lines.table and lines.spaced)):
        if raw.__class__ is int:
            lines.written += raw
        else:
            feed(raw, line_no)
    reader.lines = line_no
    return reader.finish()


def _timm_train_line(line: str) -> bool:
    """timm's training progress line: "Train: 3 [ 100/312 ( 32%)]  Loss: 5.71 (5.90)  Time:
    ...  LR: 1.000e-03  Data: 0.012 (0.020)"."""
    return "  LR: " in line and "  Data: " in line and bool(HEAD_EPOCH.match(line))
