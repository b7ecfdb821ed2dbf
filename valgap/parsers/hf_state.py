"""Hugging Face Trainer: ``trainer_state.json`` and the ``{'loss': ...}`` lines it prints.

``log_history`` interleaves training entries (``loss`` = mean since the previous log,
fractional ``epoch``), evaluation entries (``eval_*``) and a final run summary
(``train_loss`` = mean over the whole run, dropped here). One row per evaluation; its
training loss is the mean of the training entries logged since the previous evaluation.

The validation set's size is not printed, but each evaluation entry carries
``eval_runtime`` and ``eval_samples_per_second``, which the Trainer computes as rows /
runtime: their product gives the rows back (to the runtime's printed 0.1 ms).

The same log_history saved as a CSV (``pd.DataFrame(trainer.state.log_history)
.to_csv(...)``: one column per key, a row per entry, empty cells where an entry has no such
key) is read the same way: pooled by the integer epoch, as a metrics CSV is, its evaluations
every few steps inside one epoch would be lost.

A console holds more than the dicts: what the script printed (``print(model)``: its layers
and dropout rates), the Trainer's own account at INFO level (``***** Running training
*****``, ``Num examples = 3,000``, ``Total optimization steps = 752``, the evaluation's
``Num examples``), and the training bar, whose total is the run's optimizer steps: over the
last epoch logged, the steps in an epoch.
"""
from __future__ import annotations

import ast
import math
import re

from valgap.measured import COLUMNS as MEASURED
from valgap.model import EVALUATION, InputError, Run, RunInfo
from valgap.parsers import _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import LITERAL_LINE_MAX, Source, as_number, clean, load_json

NAME = "hf-trainer-state"
STDOUT_NAME = "hf-trainer-stdout"
CSV_NAME = "hf-trainer-log-csv"
# the Trainer's keys a log_history CSV's header holds: its losses and bookkeeping
CSV_KEYS = ("loss", "eval_loss", "epoch", "step")
CSV_MARKS = ("eval_runtime", "grad_norm", "learning_rate")
# the columns of such a CSV the state's reader uses (with every eval_* one)
CSV_USED = frozenset({"loss", "epoch", "step", "train_runtime", "train_loss"})

DICT_START = re.compile(r"^\{'(?:loss|eval_loss|train_runtime|eval_\w{1,64})'")
# the Trainer's INFO account of a run: a section's heading, then "  Num examples = 3,000"
RUNNING = re.compile(r"\*{5} Running (training|Evaluation) \*{5}")
ACCOUNT = re.compile(r"(Num examples|Num Epochs|Total optimization steps|"
                     r"Num update steps per epoch|"
                     r"Instantaneous batch size per device) = (\d{1,3}(?:,\d{3}){0,5}|\d{1,18})\b")
# a tqdm bar's "count/total [elapsed": the training bar's total is the run's optimizer steps
BAR_TOTAL = re.compile(r"\d{1,12}/(\d{1,12}) \[\d")
SKIP = {"epoch", "step", "learning_rate", "grad_norm", "total_flos", "num_input_tokens_seen"}


def sniff(head: str) -> float:
    """The trainer state, or its log_history saved alone (a list of the Trainer's entries:
    a step, a fractional epoch, a loss and a learning rate, evaluations apart)."""
    text = head.lstrip("\ufeff").lstrip()
    if text.startswith("{") and '"log_history"' in head:
        return 1.0
    if text.startswith("[") and all(k in head for k in ('"step"', '"epoch"', '"learning_rate"')):
        return 1.0
    return 0.0


def sniff_csv(head: str) -> float:
    """The Trainer's log_history saved as a CSV: a header naming its losses, its epoch and
    step, and one of the keys only the Trainer logs beside them."""
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    if "eval_loss" not in first:  # cheap before splitting
        return 0.0
    names = {n.strip().strip('"') for n in first.split(",")}
    if all(k in names for k in CSV_KEYS) and any(k in names for k in CSV_MARKS):
        return 0.9
    return 0.0


def parse_csv(source: Source) -> list[Run]:
    """The entries of a log_history CSV (empty cells left out, and the columns the state's
    reader does not use), read as the state's are."""
    import csv

    rows = csv.reader(source.lines())
    try:
        names = [n.strip() for n in next(rows, [])]
        used = [i for i, n in enumerate(names) if n in CSV_USED or n.startswith("eval_")
                or n in MEASURED]
        entries = []
        for row in rows:
            entry = {names[i]: _number(row[i]) for i in used if i < len(row) and row[i].strip()}
            if entry:
                entries.append(entry)
    except csv.Error as exc:  # a cell past the csv module's limit, a stray NUL
        raise InputError(f"not a readable CSV: {exc}", source.name, code="bad-csv") from None
    info = RunInfo(source=source.name, format=CSV_NAME, framework="pytorch")
    return _runs(entries, info, source.name)


def sniff_stdout(head: str) -> float:
    if "{'eval_loss'" not in head:  # what an evaluation's line starts with (cheap first)
        return 0.0
    lines = [clean(raw).strip() for raw in head.splitlines()]
    hits = sum(1 for line in lines if _dict_line(line))
    evals = sum(1 for line in lines if line.startswith("{'eval_loss'"))
    printed = any(_history_line(line) and "{'eval_loss'" in line for line in lines)
    return 0.85 if (hits >= 2 and evals) or printed else 0.0


def _dict_line(line: str) -> bool:
    return line.endswith("}") and DICT_START.match(line) is not None


def _history_line(line: str) -> bool:
    """A line that is the whole log_history printed: ``[{'loss': 0.69, ...}, ...]``."""
    return line.startswith("[{") and line.endswith("}]") and \
        DICT_START.match(line[1:80]) is not None


def parse(source: Source) -> list[Run]:
    state = load_json(source.text(), source.name)
    history = state.get("log_history") if isinstance(state, dict) else state
    if not isinstance(history, list):
        raise InputError("no log_history list in the trainer state", source.name,
                         code="no-epochs")
    info = RunInfo(source=source.name, format=NAME, framework="pytorch")
    batch = state.get("train_batch_size") if isinstance(state, dict) else None
    info.batch_size = batch if isinstance(batch, int) and 0 < batch < 10**15 else None
    return _runs([e for e in history if isinstance(e, dict)], info, source.name)


def parse_stdout(source: Source) -> list[Run]:
    """The dicts the Trainer prints (values as strings in newer versions), or its whole
    log_history printed as a list (a notebook's ``print(trainer.state.log_history)``), and
    the facts the rest of the console states."""
    entries, printed_history = [], None
    info = RunInfo(source=source.name, format=STDOUT_NAME, framework="pytorch")
    console = _Console()
    for raw in source.lines():
        line = clean(raw).strip()
        printed = _history_line(line) and len(line) <= LITERAL_LINE_MAX
        if not printed and not _dict_line(line):
            console.read(raw, line, info)
            continue
        try:
            literal = ast.literal_eval(line)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue  # not a literal (or one nested past what Python parses)
        if printed and isinstance(literal, list):  # the whole history: the last one printed
            printed_history = [_entry(e) for e in literal if isinstance(e, dict)]
        elif isinstance(literal, dict):  # a set or tuple literal may start the same way
            entries.append(_entry(literal))
    if printed_history:  # it holds what the dicts printed during training said
        entries = printed_history
        info.notes.append("read from the log_history printed whole")
    info.steps_per_epoch = console.steps_per_epoch(entries)
    return _runs(entries, info, source.name)


class _Console:
    """What a Trainer's console states besides its dicts: the script's prints (a model's
    layers), the INFO account of training and evaluation, the bars' totals."""

    def __init__(self) -> None:
        self.section = ""
        self.account: dict[str, int] = {}
        self.totals: set[int] = set()

    def read(self, raw: str, line: str, info: RunInfo) -> None:
        if "/" in raw and " [" in raw:
            self.totals.update(int(t) for t in BAR_TOTAL.findall(raw))
        if "*****" in line:
            m = RUNNING.search(line)
            self.section = m.group(1) if m else self.section
        m = ACCOUNT.search(line) if " = " in line else None
        if m:
            self._account(m.group(1), int(m.group(2).replace(",", "")), info)
        _table.scan_facts(line, info, in_summary=False)

    def _account(self, key: str, value: int, info: RunInfo) -> None:
        if key != "Num examples":
            self.account.setdefault(key, value)
        elif self.section == "training":
            info.n_train = info.n_train or value
        elif self.section == "Evaluation":
            info.n_val = info.n_val or value
        if key == "Instantaneous batch size per device":
            info.batch_size = info.batch_size or value

    def steps_per_epoch(self, entries: list[dict]) -> int | None:
        """Optimizer steps an epoch: the INFO account's steps over its epochs, else the
        training bar's total over the epoch the last entry reached (the only bar whose
        total is a whole number of epochs' steps: an evaluation bar's is its batches)."""
        if self.account.get("Num update steps per epoch"):  # Transformers 5 says it
            return self.account["Num update steps per epoch"]
        steps, epochs = (self.account.get("Total optimization steps"),
                         self.account.get("Num Epochs"))
        if steps and epochs:
            return max(1, round(steps / epochs))
        reached = [as_number(e.get("epoch")) for e in entries]
        last = max((e for e in reached if e is not None and 1 <= e < 1e9), default=None)
        if last is None or last != round(last):
            return None  # stopped mid-epoch (max_steps): the bar's total is not epochs'
        whole = [t // round(last) for t in self.totals if t % round(last) == 0 and t >= last]
        return max(whole) if whole else None


def _entry(entry: dict) -> dict:
    return {str(k): _number(v) for k, v in entry.items()}


def _number(value: object) -> object:
    """Numbers as floats (newer Trainers print them as strings); anything else as it is."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    number = as_number(value)
    return value if number is None else number


def _runs(history: list[dict], info: RunInfo, name: str) -> list[Run]:
    records: list[EpochRecord] = []
    pending: list[float] = []
    for entry in history:
        if "train_runtime" in entry or "train_loss" in entry:
            continue  # the run summary: its train_loss is a mean over the whole run
        loss = as_number(entry.get("loss"))
        if loss is not None:
            pending.append(loss)
        if "eval_loss" in entry:
            records.append(_record(entry, pending, len(records) + 1))
            pending = []
        elif records and any(key in MEASURED for key in entry):
            # valgap.hf.GapCallback's entry, written right after its evaluation's
            records[-1].values.update({k: v for k, v in entry.items() if k in MEASURED
                                       and as_number(v) is not None})
    records = [r for r in records if r.values]
    info.n_val = info.n_val or _eval_rows(history)
    info.steps_per_epoch = info.steps_per_epoch or _steps_per_epoch(history)
    if not records:
        records = _train_only(history)
        info.warnings.append("no evaluation entries (eval_loss): training loss only, one row "
                             "per epoch")
    if not records:
        raise InputError("no training or evaluation loss in the trainer log", name,
                         code="no-epochs")
    info.notes.append("training loss of a row = mean of the training logs since the previous "
                      "evaluation (itself an average over those steps)")
    evals_per_epoch = _evals_per_epoch(history)
    if evals_per_epoch and abs(evals_per_epoch - 1) > 0.05:
        info.notes.append(f"evaluated every {1 / evals_per_epoch:.2f} epochs: "
                          "one row per evaluation")
        info.row = EVALUATION
    return _table.build_runs(records, info)


def _train_only(history: list[dict]) -> list[EpochRecord]:
    """Rows per (started) epoch from the training entries, when nothing was evaluated."""
    by_epoch: dict[int, list[float]] = {}
    for entry in history:
        loss = as_number(entry.get("loss"))
        if "train_runtime" in entry or loss is None:
            continue
        epoch = as_number(entry.get("epoch"))
        number = math.ceil(epoch) if epoch is not None and 0 < epoch < 1e9 else 1
        by_epoch.setdefault(number, []).append(loss)
    return [EpochRecord(n, {"loss": sum(v) / len(v)}) for n, v in sorted(by_epoch.items())]


def _record(entry: dict, pending: list[float], number: int) -> EpochRecord:
    values: dict[str, float] = {}
    if pending:
        values["loss"] = sum(pending) / len(pending)
    for key, value in entry.items():
        timing = key.endswith(("_runtime", "_per_second"))
        figure = as_number(value)
        if key.startswith("eval_") and figure is not None and not timing:
            values[key] = figure
        elif key == "eval_loss" and value is None:
            values[key] = math.nan
    return EpochRecord(number, values)


def _eval_rows(history: list[dict]) -> int | None:
    """Validation rows: ``eval_samples`` where a script logged it, else the median over the
    evaluations of ``eval_samples_per_second`` x ``eval_runtime`` (the Trainer's speed is
    rows / runtime, and the runtime is printed to 0.1 ms: a median of products, rounded)."""
    counts = []
    for entry in history:
        given = as_number(entry.get("eval_samples"))
        if given is not None and 1 <= given < 1e12:
            return round(given)
        runtime = as_number(entry.get("eval_runtime"))
        rate = as_number(entry.get("eval_samples_per_second"))
        if runtime is not None and rate is not None and runtime > 0 and rate > 0:
            counts.append(runtime * rate)
    import statistics  # here, not at start-up: only a trainer state needs it

    rows = statistics.median(counts) if counts else 0.0
    return round(rows) if 1 <= rows < 1e12 else None


def _steps_per_epoch(history: list[dict]) -> int | None:
    """Optimizer steps in an epoch: the Trainer logs ``step`` beside the fractional
    ``epoch`` (step / steps per epoch); the entry furthest into the run says it best."""
    pairs = [(as_number(e.get("step")), as_number(e.get("epoch"))) for e in history]
    pairs = [(s, e) for s, e in pairs if s is not None and e is not None
             and 0 < s < 1e12 and 0 < e < 1e9]
    if not pairs:
        return None
    step, epoch = max(pairs)
    steps = round(step / epoch)
    return steps if steps >= 1 else None


def _evals_per_epoch(history: list[dict]) -> float | None:
    epochs = [as_number(e.get("epoch")) for e in history if "eval_loss" in e]
    epochs = [e for e in epochs if e is not None and math.isfinite(e)]
    if len(epochs) < 2 or epochs[-1] <= 0:
        return None
    return len(epochs) / epochs[-1]
