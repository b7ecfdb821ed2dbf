"""A run's history as a whole: in memory (a Keras ``History``, its ``.history``; a dict of
lists, one value per epoch, named as a log names them: ``loss``/``val_loss``,
``train_loss``/``val_loss``, ...; a list of per-epoch dicts; a pandas DataFrame, one row per
epoch), saved as JSON (``json.dump(history.history, f)``, a list of epoch records), or
printed into a log (``print(history.history)``: a Python dict on one line), or a tracker's
scalars saved with their steps (Sacred's ``metrics.json``: ``{"training.loss": {"steps":
[...], "timestamps": [...], "values": [...]}}``).

A list of records is also what Chainer's ``LogReport`` writes (``result/log``, as
pytorch-pfn-extras' does): ``{"epoch": 3, "iteration": 1800, "main/loss": ...,
"validation/main/loss": ...}``. Its ``epoch`` counts the epochs completed. Reported every
epoch (or every few: rows keep its numbers), a record is an epoch; reported every N
iterations, the epoch repeats and a record is an evaluation every N steps.

Where validation was logged less often than training (its list shorter: a loss every
step, an evaluation every few hundred), a row is an evaluation, paired by the steps the
history lists for each set, its training loss the mean of those logged since the previous
evaluation."""
from __future__ import annotations

import ast
import bisect
import itertools
import math
import numbers
from collections.abc import Mapping

from valgap.model import EVALUATION, InputError, Run, RunInfo
from valgap.parsers import _params, _series, _table, _tracker
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import (
    LITERAL_LINE_MAX,
    NUMBER_REPR,
    LazyPattern,
    as_number,
    load_json,
    to_float,
)

NAME = "memory"
JSON_NAME = "history-json"
# a JSON object of lists with a loss among its keys, or a list of objects with one
JSON_OBJECT = LazyPattern(r'^\s{0,64}\{\s{0,64}"[^"\n]{1,200}"\s{0,64}:\s{0,64}\[')
JSON_RECORDS = LazyPattern(r'^\s{0,64}\[\s{0,64}\{')
# the sets' names as keys, each followed by what its value opens with
_SET_KEYS = (r'"(?:train|training)"\s{0,64}:\s{0,64}',
             r'"(?:val|valid|validation|eval|dev|test)"\s{0,64}:\s{0,64}')
# records whose sets' values are objects of their own: {"train": {...}, "val": {...}}
SPLIT_OBJECTS = tuple(LazyPattern(key + r'\{') for key in _SET_KEYS)
# records a set, under the sets' names: {"train": [{...}, ...], "val": [{...}, ...]}
SPLIT_LISTS = tuple(LazyPattern(key + r'\[\s{0,64}\{') for key in _SET_KEYS)
# each set's loss under the set's name alone: {"train": [0.09, ...], "val": [0.04, ...]}
SPLIT_NUMBERS = tuple(LazyPattern(key + r'\[\s{0,64}[-\d.]') for key in _SET_KEYS)
# an object of lists under a name: {"image_size": 160, "history": {"loss": [...
NAMED_LISTS = LazyPattern(r'"[^"\n]{1,200}"\s{0,64}:\s{0,64}\{\s{0,64}"[^"\n]{1,200}"\s{0,64}:'
                          r'\s{0,64}\[')
# an object holding its run's records under a name: {"config": {...}, "history": [{...
NAMED_RECORDS = LazyPattern(r'"[^"\n]{1,200}"\s{0,64}:\s{0,64}\[\s{0,64}\{')
# a key ending in loss: "loss", "val_loss", "train_losses", "valLoss"
_LOSS_NAME = r"[\w ./-]{0,40}?(?:loss|Loss|LOSS)(?:es)?"
LOSS_KEY = LazyPattern(rf'"{_LOSS_NAME}"\s{{0,8}}:')
# a loss's list among an object's other keys: {"num_epochs": 2000, ..., "val_losses": [...
LOSS_LIST = LazyPattern(rf'"{_LOSS_NAME}"\s{{0,8}}:\s{{0,8}}\[')
# a DataFrame saved with to_json(): orient "columns" (the default), {"loss": {"0": 0.52, ...
FRAME_COLUMNS = LazyPattern(r'^\s{0,64}\{\s{0,64}"[^"\n]{1,200}"\s{0,64}:\s{0,64}\{\s{0,64}'
                            r'"-?\d{1,12}"\s{0,64}:')
# orient "index": {"0": {"loss": 0.52, ...}, "1": {...}}
FRAME_INDEX = LazyPattern(r'^\s{0,64}\{\s{0,64}"-?\d{1,12}"\s{0,64}:\s{0,64}\{')
# orient "split": {"columns": ["loss", "val_loss"], "index": [0, 1], "data": [[0.52, ...
FRAME_SPLIT = LazyPattern(rf'"columns"\s{{0,64}}:\s{{0,64}}\[[^\]]{{0,2000}}"{_LOSS_NAME}"')
FRAME_SPLIT_DATA = LazyPattern(r'"data"\s{0,64}:\s{0,64}\[\s{0,64}\[')
PRINT_NAME = "history-print"
# a printed dict of lists on one line: {'loss': [0.52, 0.41], 'val_loss': [...]}
PRINTED = LazyPattern(r"""^\s{0,64}\{\s{0,8}(['"])[^'"\n]{1,60}\1\s{0,8}:\s{0,8}\[""")
PRINTED_LOSS = LazyPattern(rf"""(['"]){_LOSS_NAME}\1\s{{0,8}}:\s{{0,8}}\[""")
# a printed history saved as a JSON string: "{'loss': [0.55, ...], ...}"
QUOTED_PRINT = LazyPattern(r"""^\s{0,64}"\{\s{0,8}'[^'\n]{1,60}'\s{0,8}:\s{0,8}\[""")
# NumPy 2 prints its scalars as calls, np.float32(0.52); a tensor too, tensor(0.52)
NUMPY_SCALAR = LazyPattern(rf"\b{NUMBER_REPR}")
# a list printed under its name, one a line, as a loop prints its curves when it ends:
# "Train losses: [0.69, 0.52, ...]", "val_loss = [0.7, 0.6]", NumPy's "[0.69 0.52 0.41]"
NAMED_LIST = LazyPattern(r"^[ \t]{0,64}(?P<name>[A-Za-z][\w .()/-]{0,60}?)[ \t]{0,8}[:=][ \t]{0,8}"
                        r"\[(?P<values>[^\[\]\n]{1,1048576})\][ \t]{0,8}$")
LIST_ITEM_SEP = LazyPattern(r"[ \t]{0,64},[ \t]{0,64}|[ \t]{1,64}")
# the opening line of a NumPy array printed under its name and wrapped over lines ("Train
# losses: [0.907 0.7115 ...", then " 0.5815 0.5803]"), and a line that continues it
NAMED_LIST_OPEN = LazyPattern(r"^[ \t]{0,64}[A-Za-z][\w .()/-]{0,60}?[ \t]{0,8}[:=][ \t]{0,8}"
                             r"\[[^\[\]\n]{0,4096}$")
LIST_CONTINUED = LazyPattern(r"^[ \t]{1,64}[-+\d.eEnaifNA, \t]{1,4096}\]?[ \t]{0,8}$")
WRAPPED_LINES_MAX = 100_000  # lines a wrapped array may span (~800,000 numbers)


def sniff(head: str) -> float:
    """A saved history: ``{"loss": [...], "val_loss": [...]}`` or ``[{"loss": ...}, ...]``
    (the Trainer's state, with its ``log_history``, has a reader of its own)."""
    text = head.lstrip("\ufeff")
    if QUOTED_PRINT.match(text):  # a printed history saved as a JSON string
        return 0.7 if PRINTED_LOSS.search(text) else 0.0
    if text.lstrip()[:1] not in ("{", "["):  # JSON of either shape (cheap before patterns)
        return 0.0
    if '"log_history"' in text:
        return 0.0
    is_object = text.lstrip()[:1] == "{"
    if is_object and FRAME_SPLIT.search(text) and FRAME_SPLIT_DATA.search(text):
        return 0.7
    if not LOSS_KEY.search(text):  # a set's loss may be named for its set alone ("total")
        split_objects = JSON_RECORDS.match(text) and all(p.search(text) for p in SPLIT_OBJECTS)
        split_lists = is_object and all(p.search(text) for p in SPLIT_LISTS)
        split_numbers = is_object and all(p.search(text) for p in SPLIT_NUMBERS)
        return 0.7 if split_objects or split_lists or split_numbers else 0.0
    if JSON_OBJECT.match(text) or JSON_RECORDS.match(text):
        return 0.75
    if FRAME_COLUMNS.match(text) or FRAME_INDEX.match(text):
        return 0.7
    return 0.7 if is_object and (NAMED_RECORDS.search(text) or NAMED_LISTS.search(text) or
                                 LOSS_LIST.search(text)) else 0.0


def sniff_printed(head: str) -> float:
    """A log with ``print(history.history)`` in it (a dict of lists naming a loss), or with
    a training and a validation loss each printed as a named list."""
    if "[" not in head:
        return 0.0
    named: dict[str, list[float]] = {}
    for _, line in _wrapped_joined(enumerate(head.splitlines(), start=1)):
        if "{" in line and PRINTED.match(line) and PRINTED_LOSS.search(line):
            return 0.7
        found = _named_list(line) if "[" in line else None
        if found:
            named[found[0]] = found[1]
    return 0.7 if _named_curves(named) else 0.0


def _wrapped_joined(numbered):
    """(line number, line) with each NumPy array printed under a name and wrapped over lines
    joined into its first line (numbered as that); every other line as it is."""
    pending: tuple[int, list[str]] | None = None
    for line_no, line in numbered:
        if pending is not None:
            if LIST_CONTINUED.match(line) and len(pending[1]) < WRAPPED_LINES_MAX:
                pending[1].append(line)
                if line.rstrip().endswith("]"):
                    yield pending[0], " ".join(pending[1])
                    pending = None
                continue
            yield from ((pending[0], part) for part in pending[1])  # not an array after all
            pending = None
        if "[" in line and not line.rstrip().endswith("]") and NAMED_LIST_OPEN.match(line):
            pending = (line_no, [line])
            continue
        yield line_no, line
    if pending is not None:
        yield from ((pending[0], part) for part in pending[1])


def _named_list(line: str) -> tuple[str, list[float]] | None:
    """A line that is a named list of numbers: its name and numbers; else None."""
    ends = line.rstrip().endswith("]")  # (cheap before the pattern)
    m = NAMED_LIST.match(line) if ends and len(line) <= LITERAL_LINE_MAX else None
    if m is None:
        return None
    try:
        values = [to_float(item.strip("'\"")) for item in
                  LIST_ITEM_SEP.split(NUMPY_SCALAR.sub(r"\1", m.group("values")).strip())]
    except ValueError:  # not a list of numbers
        return None
    return m.group("name").strip(), values


def _named_curves(named: dict[str, list[float]]) -> dict[str, list[float]] | None:
    """Named lists that hold a training and a validation loss, two or more values each (the
    history they make), else None."""
    kinds = {_table.column(name): name for name, values in named.items() if len(values) >= 2}
    if "train_loss" in kinds and "val_loss" in kinds:
        return named
    return None


def _literal(text: str) -> object:
    """A Python literal written as text (a printed history), read with
    ``ast.literal_eval``: a literal, never code; the text itself where it is none."""
    if len(text) > LITERAL_LINE_MAX:
        return text
    try:
        return ast.literal_eval(NUMPY_SCALAR.sub(r"\1", text.strip()))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def parse_printed(source, train_col: str | None = None,
                  val_col: str | None = None) -> list[Run]:
    """Every history printed in a log (one a line), each read as ``parse`` reads a dict;
    the last is the run analysed. Read with ``ast.literal_eval``: a literal, never code."""
    runs: list[Run] = []
    too_long = 0
    named: dict[str, list[float]] = {}
    for line_no, line in _wrapped_joined(source.numbered()):
        found = _named_list(line) if "[" in line else None
        if found:
            named[found[0]] = found[1]  # printed again: the last
            continue
        if not PRINTED.match(line) or not PRINTED_LOSS.search(line[:LITERAL_LINE_MAX]):
            continue
        if len(line) > LITERAL_LINE_MAX:
            too_long = too_long or line_no
            continue
        history = _literal(line)
        if not isinstance(history, dict):  # not all literals (an object's repr in it)
            continue
        try:
            found = parse(history, source.name, train_col, val_col)
        except InputError:
            continue
        for run in found:
            run.info.format = PRINT_NAME
            run.info.notes.append(f"a history printed as a dict at line {line_no}")
        runs += found
    runs += _named_runs(named, source.name, train_col, val_col)
    if not runs and too_long:
        raise InputError(f"the history printed at line {too_long} is longer than "
                         f"{LITERAL_LINE_MAX >> 20} MiB on one line: not read (save it with "
                         "json.dump and give that file)", source.name, line=too_long,
                         code="limit")
    return runs


def _named_runs(named: dict[str, list[float]], name: str, train_col: str | None,
                val_col: str | None) -> list[Run]:
    """The run the named lists a log printed make, where they hold both losses."""
    history = _named_curves(named)
    if history is None:
        return []
    try:
        found = parse(history, name, train_col, val_col)
    except InputError:
        return []
    for run in found:
        run.info.format = PRINT_NAME
        run.info.notes.append("a history printed as named lists: " + ", ".join(history))
    return found


def parse_json(source, train_col: str | None = None, val_col: str | None = None) -> list[Run]:
    """A history saved as JSON; where an object holds its records beside the run's
    settings, those settings are read as a tracker's parameters are (``dropout``, ...)."""
    history = load_json(source.text(), source.name, "history JSON")
    if isinstance(history, str):  # json.dump(str(history.history)): a dict's repr, quoted
        history = _literal(history)
    runs = parse(history, source.name, train_col, val_col)
    settings = _settings(history) if isinstance(history, Mapping) else {}
    for run in runs:
        run.info.format = JSON_NAME
        if settings:
            _params.apply(settings, run.info, "the log's settings")
    return runs


SETTINGS_KEYS = ("config", "args", "hparams", "hyperparameters", "params", "settings")


def _settings(history: Mapping) -> dict[str, str]:
    """The plain values of an object's settings (``{"config": {"dropout": 0.1}}``) and of
    the object itself, named as they are written."""
    found: dict[str, str] = {}
    for block in [history, *(history.get(k) for k in SETTINGS_KEYS)]:
        if isinstance(block, Mapping):
            found.update({str(k): str(v).lower() if isinstance(v, bool) else str(v)
                          for k, v in block.items() if isinstance(v, (int, float, str))})
    return found


def columns_of(history: object, name: str) -> dict[str, list]:
    """The history's values per name, as lists (an ``epoch`` column is only a counter)."""
    if hasattr(history, "history") and isinstance(history.history, Mapping):  # Keras
        history = history.history
    if hasattr(history, "to_dict") and hasattr(history, "columns"):  # a DataFrame
        history = {str(c): list(history[c]) for c in history.columns}
    if isinstance(history, list) and history and all(isinstance(r, Mapping) for r in history):
        history = [_flat(record) for record in history]
        keys = list(dict.fromkeys(k for record in history for k in record))  # epoch records
        history = {k: [record.get(k) for record in history] for k in keys}
    if not isinstance(history, Mapping):
        raise InputError(f"cannot read a {type(history).__name__}: give a path, a Keras "
                         "History, a dict of lists or a pandas DataFrame", name,
                         code="unrecognised")
    out = {}
    for key, values in history.items():
        if str(key).lower() in ("epoch", "epochs"):  # a counter, not a curve
            continue
        # a summary saved beside the curves ("best_epoch": 7, "config": {...}) is no curve
        if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
            continue
        out[str(key)] = list(values)
    if not out and history:
        first = next(iter(history))
        raise InputError(f"{str(first)[:40]!r} holds no list of values per epoch (nor does "
                         "any other name)", name, code="bad-value")
    return out


def parse(history: object, name: str = "<history>", train_col: str | None = None,
          val_col: str | None = None) -> list[Run]:
    """The runs of a history in memory (one, unless its epochs are numbered from scratch);
    ``train_col``/``val_col`` name its losses where their names do not say so."""
    if isinstance(history, Mapping):
        history = _saved_frame(history) or history
    if isinstance(history, Mapping):
        stepped = _stepped_series(history)
        if stepped is not None:
            return _stepped_runs(_tracker.as_losses(stepped, (train_col, val_col)), name)
        # an object wrapping the history: the history
        history = _records_within(history) or history
    columns = columns_of(history, name)
    chosen = _table.chosen_columns(train_col, val_col)
    if chosen:
        chosen.check(columns, name)
    elif not _table.has_loss(columns):
        raise InputError("no loss among " + (", ".join(list(columns)[:12]) or "no names")
                         + " (name them loss/val_loss or train_loss/val_loss)", name,
                         code="no-loss-column")
    info = RunInfo(source=name, format=NAME)
    stepped = _evaluations(columns, info)
    if stepped is not None:
        return _table.build_runs(stepped, info, chosen)
    epochs = _epochs(columns, (train_col, val_col))
    numbers = _record_numbers(history, epochs, info)
    records = _table.Records(name)
    for epoch in range(epochs):
        values = {}
        for key, column in columns.items():
            number = _number(column[epoch]) if epoch < len(column) else None
            # a NaN loss is kept (a run that diverged); a NaN elsewhere means no value
            if number is not None and (not math.isnan(number) or _table.is_curve(key)
                                       or key in (train_col, val_col)):
                values[key] = number
        records.append(EpochRecord(numbers[epoch] if numbers else epoch + 1, values))
    runs = _table.build_runs(records, info, chosen, numbered=bool(numbers))
    if not runs:
        raise InputError("the history holds no epoch", name, code="no-epochs")
    return runs


def _saved_frame(history: Mapping) -> dict | list | None:
    """A DataFrame saved with ``to_json()`` (``pd.DataFrame(history.history).to_json(f)``),
    as the lists or records it holds, in the frame's order: orient "columns", the default
    (``{"loss": {"0": 0.52, "1": 0.41}, ...}``), "index" (``{"0": {"loss": 0.52, ...},
    ...}``) or "split" (``{"columns": [...], "index": [...], "data": [[...], ...]}``). None
    for any other object."""
    columns, data = history.get("columns"), history.get("data")
    if isinstance(columns, list) and isinstance(data, list) and data and all(
            isinstance(row, list) and len(row) == len(columns) for row in data):
        names = [str(c) for c in columns]
        return [dict(zip(names, row)) for row in data]
    values = list(history.values())
    if not values or not all(isinstance(v, Mapping) and v and not any(
            isinstance(cell, (list, Mapping)) for cell in v.values()) for v in values):
        return None  # each object's values are one cell each (a fold's lists are not)
    if all(_index_label(k) for v in values for k in v):  # "columns": a column an object
        return {str(k): list(v.values()) for k, v in history.items()}
    if all(_index_label(k) for k in history):  # "index": a row an object
        return list(values)
    return None


def _index_label(key: object) -> bool:
    """Whether an object's key is a row label pandas wrote for a default index: 0, 1, ..."""
    text = str(key)
    return text.isdigit() or (text[:1] == "-" and text[1:].isdigit())


def _stepped_series(history: Mapping) -> _series.Series | None:
    """A tracker's scalars, each under its name as steps and values beside each other
    (Sacred's ``metrics.json``: ``{"training.loss": {"steps": [...], "timestamps": [...],
    "values": [...]}}``); None for any other object, or one with no loss among them."""
    series: _series.Series = {}
    for key, value in history.items():
        if not isinstance(value, Mapping) or not isinstance(value.get("values"), list):
            continue
        values, steps = value["values"], value.get("steps")
        if not isinstance(steps, list) or len(steps) != len(values):
            steps = list(range(len(values)))
        points = [(_params.counter(step), _number(number))
                  for step, number in zip(steps, values)]
        series[str(key)] = [(s, v) for s, v in points if s is not None and v is not None]
    return series if _table.has_loss(series) else None


def _stepped_runs(series: _series.Series, name: str) -> list[Run]:
    info = RunInfo(source=name, format=NAME)
    info.notes.append("scalars saved with their steps (Sacred's metrics.json)")
    return _series.runs(series, info, "the scalars hold no values")


def _epochs(columns: dict[str, list], chosen: tuple[str | None, ...]) -> int:
    """How many epochs the history holds: its longest loss curve's length. A longer list
    of another name is no curve of the run (the validation set's predictions, saved
    beside the losses)."""
    curves = [len(v) for k, v in columns.items() if _table.is_curve(k) or k in chosen]
    return max(curves or [len(v) for v in columns.values()], default=0)


SPLIT_WORDS = (*_table.TRAIN_PREFIXES, *_table.VAL_PREFIXES, *_table.TEST_PREFIXES)


def _evaluations(columns: dict[str, list], info: RunInfo) -> list[EpochRecord] | None:
    """Where validation's loss list is shorter than training's (a loss logged every step,
    an evaluation every few hundred): one row per evaluation, its training loss the mean
    of those logged since the previous evaluation, as the Trainer's state is read. The
    steps come from step lists of the same lengths (``train_steps``/``valid_steps``, or
    ``steps`` beside training's); without one for validation, its values are spread evenly
    over training's (said in a note). None where the lists are of one length."""
    train = _loss_key(columns, "train")
    val = _loss_key(columns, "val") or _loss_key(columns, "test")
    if train is None or val is None:
        return None
    n_train, n_val = len(columns[train]), len(columns[val])
    if not 2 <= n_val < n_train:
        return None
    steps = {len(v): k for k, v in columns.items() if _is_step(k)}
    train_steps = _numbers(columns[steps[n_train]]) if n_train in steps else None
    val_steps = _numbers(columns[steps[n_val]]) if n_val in steps else None
    if train_steps is None:
        train_steps = list(range(1, n_train + 1))
    if val_steps is None:
        if n_train % n_val:
            return None
        every = n_train // n_val
        val_steps = [train_steps[(i + 1) * every - 1] for i in range(n_val)]
        info.notes.append(f"{n_val} validation values beside {n_train} training ones and no "
                          f"steps for them: one every {every} training values, at the end "
                          "of each")
    if any(b <= a for a, b in itertools.pairwise(val_steps)):
        return None
    info.row = EVALUATION
    info.notes.append("training loss of a row = mean of the training values logged since "
                      "the previous evaluation")
    beside = [k for k, v in columns.items() if len(v) == n_val and k != val
              and not _is_step(k)]
    # a training step falls in the interval of the first evaluation at or after it
    group = [bisect.bisect_left(val_steps, step) for step in train_steps]
    means = _table.interval_means([math.nan if (n := _number(v)) is None else n
                                   for v in columns[train]], group, n_val)
    records = []
    for j in range(n_val):
        values = {k: _number(columns[k][j]) for k in (val, *beside)}
        values = {k: v for k, v in values.items() if v is not None}
        if not math.isnan(means[j]):
            values[train] = float(means[j])
        records.append(EpochRecord(j + 1, values))
    return records


def _loss_key(columns: dict[str, list], split: str) -> str | None:
    """The longest list naming ``split``'s loss."""
    keys = [k for k in columns if _table.is_curve(k) and
            (_table.canonical(k) or ("", ""))[0] == split]
    return max(keys, key=lambda k: len(columns[k]), default=None)


def _is_step(key: str) -> bool:
    return not _table.STEP_WORDS.isdisjoint(key.lower().replace("-", "_").split("_"))


def _numbers(values: list) -> list[float] | None:
    out = [_number(v) for v in values]
    return None if any(v is None for v in out) else out  # type: ignore[return-value]


def _flat(record: Mapping) -> Mapping:
    """A record whose values are objects of their own with those values brought up: a
    set's named for it (``{"train": {"loss": ...}, "val": {"loss": ...}}`` -> ``train_loss``,
    ``val_loss``), any other's as they are named (``{"epoch": 3, "metrics": {"loss": ...,
    "eval_loss": ...}}``) where the record does not name them already."""
    nested = [k for k, v in record.items() if isinstance(v, Mapping)]
    if not nested:
        return record
    flat = {k: v for k, v in record.items() if k not in nested}
    for key in nested:
        split = str(key).lower() in SPLIT_WORDS
        for name, value in record[key].items():
            name = f"{key}_{name}" if split else name
            if not isinstance(value, Mapping):
                flat.setdefault(name, value)
    return flat


def _records_within(history: Mapping) -> list | Mapping | None:
    """Where an object holds its run's history beside other things and no list of values
    is itself a loss curve: the history. It may be a list of records under a name
    (``{"config": {...}, "history": [{"epoch": 1, "train_loss": ...}, ...]}``), a list of
    records a set (``{"train": [{"total": ...}, ...], "val": [...]}``, zipped into one), or
    an object of lists under a name (a Keras history saved inside a report). Of several,
    the one naming losses of both sets, else the longest naming a loss. None if none."""
    if _curves(history):
        return None  # a dict of lists: its curves are the lists
    candidates: list[list | Mapping] = []
    per_set = {k: v for k, v in history.items() if str(k).lower() in SPLIT_WORDS
               and _record_list(v)}
    if len(per_set) >= 2 and len({len(v) for v in per_set.values()}) == 1:
        count = len(next(iter(per_set.values())))
        candidates.append([{k: v[i] for k, v in per_set.items()} for i in range(count)])
    stepped = _set_lists(history)
    if stepped:
        candidates.append(stepped)
    # records under a name, or an object of lists under a name
    candidates += [v for v in history.values() if _record_list(v) or isinstance(v, Mapping)]
    named = [(sets, c) for c in candidates if (sets := _curves(c))]
    if not named:
        return None
    return max(named, key=lambda n: ({"train", "val"} <= n[0], _length(n[1])))[1]


def _set_lists(history: Mapping) -> dict[str, list] | None:
    """Records a set under names that say the set and the loss, of different lengths
    (``{"training_losses": [{"step": 10, "loss": ...}, ...], "validation_losses": [...]}``):
    each set's fields as lists named for the set (``train_loss``, ``train_step``), to be
    paired by their steps. None unless both sets are there."""
    out: dict[str, list] = {}
    for key, value in history.items():
        pair = _table.canonical(str(key)) if _record_list(value) else None
        if pair is None or pair[1] != "loss" or pair[0] not in ("train", "val"):
            continue
        fields = list(dict.fromkeys(f for r in value for f in r))
        for field in fields:
            name = "loss" if _table.is_curve(str(field)) else str(field)
            out.setdefault(f"{pair[0]}_{name}", [r.get(field) for r in value])
    return out if {"train_loss", "val_loss"} <= out.keys() else None


def _record_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, Mapping) for r in value)


def _curves(history: list | Mapping) -> set[str]:
    """The sets whose loss a history names (records, or an object of lists of values)."""
    if isinstance(history, Mapping):
        names = [k for k, v in history.items() if isinstance(v, list) and v
                 and not isinstance(v[0], Mapping)]
    else:
        names = list({k for r in history[:50] for k in _flat(r)})
    return {_table.canonical(str(n))[0] for n in names if _table.is_curve(str(n))}


def _length(history: list | Mapping) -> int:
    if isinstance(history, Mapping):
        return max((len(v) for v in history.values() if isinstance(v, list)), default=0)
    return len(history)


def _record_numbers(history: object, count: int, info: RunInfo) -> list[int] | None:
    """The numbers a list of epoch records gives its rows, where they say more than their
    order: the epochs a log reported every few epochs (5, 10, 15), or, where the epoch
    repeats while the iteration climbs (a report every N iterations), the evaluations'
    order, each row an evaluation. None: rows 1, 2, 3 ..."""
    if not isinstance(history, list) or len(history) != count or count < 2:
        return None
    epochs = _counts(history, "epoch")
    if epochs is None or any(b < a for a, b in itertools.pairwise(epochs)):
        return None
    if len(set(epochs)) == count:
        return epochs  # spaced or not: _table.spaced_epochs decides
    iterations = _counts(history, "iteration")
    if iterations is None or any(b <= a for a, b in itertools.pairwise(iterations)):
        return None
    every = iterations[1] - iterations[0]
    info.row = EVALUATION
    info.notes.append(f"{count} records over {len(set(epochs))} epochs (one every "
                      f"{every:.0f} iterations, its epoch repeated): one row per record")
    return list(range(1, count + 1))


def _counts(records: list, key: str) -> list[int] | None:
    """Each record's ``key`` as a whole number from 0, or None where one is not."""
    values = [as_number(r.get(key)) for r in records]
    if any(v is None or not (0 <= v < 1e12) or v != int(v) for v in values):
        return None
    return [int(v) for v in values]  # type: ignore[arg-type]


def _number(value: object) -> float | None:
    """A value of a history as a float (numpy scalars included); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond the float range
        return math.inf if value > 0 else -math.inf
