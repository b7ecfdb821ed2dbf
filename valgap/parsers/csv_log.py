"""CSV loggers: Keras ``CSVLogger``, PyTorch Lightning ``metrics.csv`` and generic tables.

Lightning rows are sparse (training steps, validation results and the training epoch
aggregate sit on different rows), so rows are merged per ``epoch``: a ``*_epoch`` column
wins over its ``*_step`` twin, and a metric logged on several rows of one epoch is
averaged over them (which is what an epoch-level training loss is anyway). A table with no
epoch column whose two losses never share a row (one logged key a row) is paired into
evaluations the same way Lightning's step-logged validation is.
"""
from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
from pathlib import Path

from valgap.model import EVALUATION, EpochLines, InputError, Run, RunInfo
from valgap.parsers import _csv_chunks, _params, _table, _ultralytics
from valgap.parsers._text import NUMBER_REPR, Source, sniff_encoding

NAME = "csv"
LIGHTNING = "lightning-csv"
KERAS = "keras-csv"
YOLO = "yolo-results"  # Ultralytics' results.csv

LOSSY = re.compile(r"loss|acc|mae|mse|error|(?:box|cls|dfl)_o[mo]\b", re.IGNORECASE)


# a column name: words, paths, units, and brackets (a tensor logged as its own key names a
# column "out_tensor([0.])")
# a cell holding a number as its repr (str(loss) of a tensor written into the file)
WRAPPED = re.compile(rf"^[ \t]{{0,8}}{NUMBER_REPR}[ \t]{{0,8}}$")
NAME_CELL = re.compile(r"^[\w./@\- ()%#\[\]]{1,120}$")


TITLE_LINES = 3  # lines a CSV may carry above its header (a title, a blank line)
MAX_STEPS = 10**12  # a first epoch's last global step beyond this is no step count
WANDB_COLUMN = re.compile(r"^(?P<run>.+?) - (?P<metric>.+?)(?P<bound>__MIN|__MAX)?$")


def sniff(head: str) -> float:
    """A header of column names, then a row of the same width that is mostly numbers (a title
    line or two above the header is allowed)."""
    lines = head.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    return 0.8 if header_index(lines) is not None else 0.0


def header_index(lines: list[str]) -> int | None:
    """Where the header is among the first lines: the first line of names followed by a row
    of the same width that is mostly numbers, with a loss-like name. Blank lines between
    the rows (a file written on Windows without ``newline=''``: "\r\r\n") are passed over."""
    for index in range(min(TITLE_LINES + 1, len(lines) - 1)):
        below = next((line for line in lines[index + 1:index + 3] if line.strip()), "")
        if _is_header(lines[index], below):
            return index
    return None


def header_only(head: str) -> bool:
    """A CSV logger's file before its first epoch: one line of column names, a loss among
    them, and nothing under it."""
    lines = [line for line in head.lstrip("\ufeff").splitlines() if line.strip()]
    names = _names(lines[0]) if len(lines) == 1 else None
    return names is not None and any("loss" in n.lower() for n in names)


def _names(line: str) -> list[str] | None:
    """A line's column names, or None where it is no row of two names or more."""
    line = line.strip()
    delim = None if line.startswith(("{", "[", "#")) else _delimiter(line)
    if delim is None:
        return None
    try:
        names = [n.strip().strip('"') for n in next(csv.reader([line], delimiter=delim), [])]
    except csv.Error:  # a field past the csv module's limit, a NUL byte: no header here
        return None
    return names if len(names) >= 2 and all(NAME_CELL.match(n) for n in names if n) else None


def _is_header(first: str, second: str) -> bool:
    names = _names(first)
    if names is None or names[:3] == ["Wall time", "Step", "Value"]:  # (a TensorBoard export)
        return False
    try:
        cells = [c.strip().strip('"') for c in
                 next(csv.reader([second], delimiter=_delimiter(first.strip())), [])]
    except csv.Error:
        return False
    filled = [c for c in cells if c]  # Lightning rows are sparse
    numeric = sum(1 for c in filled if _is_number(_unwrapped(c)))
    if len(cells) != len(names) or not numeric or numeric < len(filled) / 2:
        return False
    # or losses named by the sets' names alone ("ep,train,valid,total"), or with a qualifier
    # ("train_total,val_total": an upscaler's summed L1 and perceptual losses)
    sets = {_set_loss(n) for n in names} - {None}
    return any(LOSSY.search(n) for n in names) or ("train" in sets and len(sets) > 1)


def _set_loss(name: str) -> str | None:
    """The set whose loss a column names by the set's word alone (``valid``, ``val_total``)."""
    if not any(w in _table.SET_WORDS for w in re.split(r"[\W_]+", name.lower())):
        return None
    pair = _table.canonical(name)
    return pair[0] if pair is not None and pair[1] == "loss" else None


def _unwrapped(cell: str) -> str:
    """The number inside a tensor's or array's repr; any other cell as it is."""
    m = WRAPPED.match(cell)
    return m.group(1) if m else cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _delimiter(first_line: str) -> str | None:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def parse(source: Source, train_col: str | None = None, val_col: str | None = None) -> list[Run]:
    """Streamed through pandas' C parser, only the columns needed, in chunks that are
    reduced to one row per (run, epoch) as they come: a file of millions of rows costs
    about what ``pandas.read_csv`` of it costs, in memory that does not grow with it."""
    head = source.head(1 << 16)
    encoding = sniff_encoding(head[:4096])
    with source.open_binary() as raw:
        stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        header, stream = _find_header(stream, source.name)
        if _wandb_export(header.names):
            return _wandb(stream, header, source)
    columns = _choose_columns(header.names, source.name, train_col, val_col)
    setting = _runs_table(head.decode(encoding, "replace"), header)
    if setting and train_col is None and val_col is None:
        raise InputError(f"each row is a separate run, not an epoch: their {setting!r} "
                         "differs from row to row and no column counts epochs or steps "
                         "(a sweep's results)", source.name, line=1, code="no-epochs")
    lower = [h.lower() for h in header.names]
    fmt = _format_of(lower)
    info = RunInfo(source=source.name, format=fmt,
                   framework={LIGHTNING: "pytorch", KERAS: "keras", YOLO: "pytorch"}.get(fmt))
    if fmt == YOLO:
        classify = _ultralytics.is_classify(lower)
        if source.is_plain_file():  # its run folder's settings, where they are beside it
            _ultralytics.state_run_args(info, Path(source.name).parent, classify)
        _ultralytics.state_trainer_defaults(info, classify)
        columns = {name: _ultralytics.metric_column(name, column)
                   for name, column in columns.items()}
    elif source.is_plain_file():  # the run folder's settings (Ultralytics': read above)
        _params.apply_beside(info, Path(source.name).parent)
    if fmt == LIGHTNING:
        info.steps_per_epoch = _lightning_steps(head.decode(encoding, "replace"), header)
    elif "epoch" not in lower:
        _table.note_first_step(info, _first_steps(head.decode(encoding, "replace"), header))
    info.notes.append("columns used: " + ", ".join(f"{c} <- {n}" for n, c in columns.items()))
    named = next((n for n, c in columns.items() if c == "train_loss" and
                  _table.column(n) != "train_loss"), None)
    if named is not None and train_col is None:
        info.warnings.append(f"no plain loss column: {named} (logged for training and "
                             "validation) is read as the loss")
    local = source.is_plain_file()
    threaded = _csv_chunks.can_thread(head, encoding, local,
                                      os.path.getsize(source.name) if local else 0)
    reading = _read(source, encoding, threaded, header, columns)
    if reading.seen.rows_are_epochs():
        # Keras's CSVLogger under model.fit(epochs=1) called in a loop writes "epoch 0" on
        # every row: rows that each hold both losses under one epoch number are epochs
        reading = _read(source, encoding, threaded, header, columns, by_row=True)
        info.notes.append("the epoch column repeats on rows that each hold both losses "
                          "(one fit() call per epoch, each numbered from 0): each row read "
                          "as an epoch")
    # a step-logged table validated several times an epoch (Lightning's val_check_interval);
    # elsewhere an epoch's second validation is a resumed run's repeat, pooled
    val = next((c for c, t in columns.items() if t == "val_loss"), None)
    evaluations = fmt == LIGHTNING and val in reading.seen.averaged and reading
    if evaluations:  # every evaluation paired: the whole table
        reading = _read(source, encoding, threaded, header, columns, by_row=True,
                        stream=False)
    averaged = reading.seen.averaged
    if not reading and not reading.rows:
        raise InputError("CSV has a header but no rows", source.name, code="no-epochs")
    if not reading:
        raise InputError("no row with a loss value", source.name, code="no-epochs")
    if averaged:
        info.notes.append("logged several times per epoch, averaged over the epoch: "
                          + ", ".join(sorted(averaged)))
    info.rows_read = reading.rows  # loss parts are summed with every other reader's, in _table
    if reading.blocks is not None:
        # a per-step log of one run: averaged into the plotted blocks chunk by chunk, never
        # held as a table of millions of rows
        return [reading.blocks.run(reading.parts[0], info)]
    parts = reading.parts
    values = _Epochs.joined(parts, columns)
    if evaluations:
        values = _per_evaluation(values, columns, val)
        info.row = EVALUATION
        info.notes.append(f"{val} is logged several times an epoch (an evaluation every few "
                          "steps): one row per evaluation, each column's other values the "
                          "mean of the rows since the one before")
    elif "epoch" not in lower and _apart(values, columns):
        values = _per_evaluation(values, columns, val)
        info.row = EVALUATION
        info.notes.append(f"{val} and the training loss are logged on rows of their own (a "
                          "row per logged key): one row per evaluation, the training loss the "
                          "mean of its rows since the one before")
    return _table.runs_from_frame(values, info, columns, source.limits.max_runs, source.name)


def _format_of(lower: list[str]) -> str:
    """Which logger wrote the table, from its lower-cased column names."""
    if _ultralytics_results(lower):
        return YOLO
    if "step" in lower and "epoch" in lower:
        return LIGHTNING
    return KERAS if lower and lower[0] == "epoch" else NAME


def _ultralytics_results(lower: list[str]) -> bool:
    """An Ultralytics YOLO ``results.csv`` (v5 to 11, YOLOv10's two heads): box-loss parts for
    training and its ``metrics/`` columns (precision, recall, mAPs); or a classification
    run's (one loss a set, the top-1 and top-5 accuracies)."""
    boxes = any(h.startswith(("train/box_loss", "train/box_om")) for h in lower)
    return (boxes and any(h.startswith("metrics/") for h in lower)) or \
        _ultralytics.is_classify(lower)


def _apart(values: dict, columns: dict[str, str]) -> bool:
    """Whether the training and validation losses never share a row, each on two rows or
    more: a long table that logs each key on a row of its own (W&B's history, a logger's
    ``log(key, value, step)``), whose rows pair into evaluations."""
    import numpy as np

    names = {target: col for col, target in columns.items()}
    if "train_loss" not in names or "val_loss" not in names:
        return False
    train = ~np.isnan(values[names["train_loss"]])
    val = ~np.isnan(values[names["val_loss"]])
    return train.sum() >= 2 and val.sum() >= 2 and not (train & val).any()


def _per_evaluation(values: dict, columns: dict[str, str], val: str) -> dict:
    """Rows (one a logged line) paired into evaluations (``_table.interval_means``): each
    row with ``val`` closes one; a validation value is the closing row's, any other
    column's the mean over the rows since the previous evaluation."""
    import numpy as np

    closing = ~np.isnan(values[val])
    group = np.cumsum(closing) - closing  # the evaluation each row's interval closes with
    count = int(closing.sum())
    out = {"run": values["run"][closing], "epoch": np.arange(1, count + 1, dtype=float),
           "line": values["line"][closing]}
    for col, target in columns.items():
        evaluated = target and target.startswith(("val_", "test_"))
        out[col] = values[col][closing] if evaluated else \
            _table.interval_means(values[col], group, count)
    return out


def _lightning_steps(head: str, header: _Header) -> int | None:
    """Steps per epoch in a Lightning ``metrics.csv``: its first epoch's last global step
    plus one, once the file's head shows the next epoch begin (else unknown)."""
    lower = [n.lower() for n in header.names]
    at_step, at_epoch = lower.index("step"), lower.index("epoch")
    last = None
    try:
        for row in _head_rows(head, header):
            if len(row) != len(lower):
                continue
            try:
                epoch, step = float(row[at_epoch]), float(row[at_step])
            except ValueError:
                continue
            if epoch == 0 and math.isfinite(step):
                last = max(step, last or 0.0)
            elif epoch >= 1:
                return int(last) + 1 if last is not None and 0 <= last < MAX_STEPS else None
    except csv.Error:
        return None
    return None


def _first_steps(head: str, header: _Header) -> tuple[float, ...] | None:
    """The step column's first three values in a table that counts steps and no epochs
    (rows logged every N steps), from the file's head; None where it has no such column."""
    at = next((i for i, n in enumerate(header.names) if n.lower() in _table.STEP_WORDS), None)
    if at is None:
        return None
    steps = []
    try:
        for row in _head_rows(head, header):
            if len(row) == len(header.names) and _is_number(row[at]):
                steps.append(float(row[at]))
            if len(steps) == 3:
                return tuple(steps)
    except csv.Error:
        return None
    return None


def _head_rows(head: str, header: _Header):
    """The rows under the header in the file's head, split as the header is (a reader that
    may raise ``csv.Error`` on a NUL byte or an overlong field)."""
    return csv.reader(head.lstrip("\ufeff").splitlines()[header.skipped + 1:],
                      delimiter=header.delimiter)


def _loss_parts(columns: dict[str, str]) -> dict[str, list[str]]:
    """The columns of a loss's parts when a log has no total loss (they count as its loss
    when choosing columns and rows; ``_table.promote_curves`` sums them)."""
    targets = set(columns.values())
    if {"train_loss", "val_loss"} & targets:
        return {}
    out: dict[str, list[str]] = {}
    for col, target in columns.items():
        split, metric = target.split("_", 1)
        if split in ("train", "val") and metric.endswith(_table.PARTS):
            out.setdefault(split, []).append(col)
    return out


def _find_header(stream, name: str) -> tuple[_Header, io.TextIOBase]:
    """The header (below any title lines) and a stream positioned at the first data row."""
    head = [stream.readline() for _ in range(TITLE_LINES + 2)]
    lines = [h.lstrip("\ufeff").rstrip("\r\n") for h in head]
    index = header_index(lines) or 0
    header = _header(lines[index], name)
    header.skipped = index
    # a space after each delimiter ("epoch, loss"): only then pay for skipping it
    header.spaced = any(header.delimiter + " " in line for line in lines[index:index + 2])
    return header, _Prefixed("".join(head[index + 1:]), stream)


class _Prefixed(io.TextIOBase):
    """Text already read (the lines looked at to find the header), then the rest."""

    def __init__(self, prefix: str, rest) -> None:
        self._prefix, self._rest = prefix, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        if size is None or size < 0:
            out, self._prefix = self._prefix + self._rest.read(), ""
            return out
        if self._prefix:
            out, self._prefix = self._prefix[:size], self._prefix[size:]
            return out
        return self._rest.read(size)

    def readline(self, size: int = -1) -> str:
        if self._prefix:
            line, sep, rest = self._prefix.partition("\n")
            self._prefix = rest
            return line + sep
        return self._rest.readline(size)


def _wandb_export(names: list[str]) -> bool:
    """A chart exported from the W&B UI: ``Step`` then ``<run> - <metric>`` columns."""
    return len(names) >= 2 and names[0] == "Step" and all(
        WANDB_COLUMN.match(n) for n in names[1:])


def _wandb(stream, header: _Header, source: Source) -> list[Run]:
    """One run per W&B run in the export (``__MIN``/``__MAX`` bands left out); each row
    is an evaluation point at its step."""
    import pandas as pd

    try:
        frame = pd.read_csv(stream, header=None, names=header.names, sep=header.delimiter,
                            skipinitialspace=True, on_bad_lines="skip", engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InputError(f"not a readable CSV: {str(exc).splitlines()[0][:120]}",
                         source.name, code="bad-csv") from None
    by_run: dict[str, dict[str, str]] = {}
    for col in header.names[1:]:
        m = WANDB_COLUMN.match(col)
        if m and not m.group("bound") and _table.canonical(m.group("metric")):
            by_run.setdefault(m.group("run"), {})[col] = m.group("metric")
    runs: list[Run] = []
    for run_name, cols in by_run.items():
        values = frame[list(cols)].apply(numeric).rename(columns=cols)
        logged = values.notna().any(axis=1)
        part = values[logged]
        if part.empty or not any(_table.is_curve(c) for c in part.columns):
            continue
        part = part.reset_index(drop=True)
        part.insert(0, "line", (frame.index[logged] + 2 + header.skipped).tolist())
        part.insert(0, "epoch", range(1, len(part) + 1))
        part.insert(0, "run", 0)
        info = RunInfo(source=source.name, format="wandb-export")
        info.notes.append(f"W&B run {run_name!r}; one row per logged step")
        info.rows_read = len(frame)
        mapping = {c: _table.column(c) for c in part.columns if c != "line"}
        runs += _table.runs_from_frame({c: part[c].to_numpy() for c in part.columns}, info,
                                       mapping, source.limits.max_runs, source.name)
    if not runs:
        raise InputError("a W&B chart export with no loss series", source.name,
                         code="no-epochs")
    for index, run in enumerate(runs, start=1):
        run.info.run_index, run.info.run_count = index, len(runs)
    return runs


class _Header:
    def __init__(self, names: list[str], delimiter: str) -> None:
        self.names = names
        self.delimiter = delimiter
        self.skipped = 0  # title lines above it
        self.spaced = False  # a space follows the delimiters


def _header(line: str, name: str) -> _Header:
    delimiter = _delimiter(line) or ","
    try:
        names = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
    except csv.Error as exc:  # a NUL byte, say
        raise InputError(f"not a readable CSV header: {exc}", name, line=1,
                         code="bad-csv") from None
    return _Header([n.strip() for n in names], delimiter)


class _Seen:
    """What reducing the rows to epochs saw: the columns logged several times in an epoch,
    and how many rows with a training loss sat in epochs whose every row also held the
    validation loss (validation is measured once an epoch: such rows are epochs)."""

    def __init__(self) -> None:
        self.averaged: set[str] = set()
        self.loss_rows = 0
        self.complete_repeats = 0

    def rows_are_epochs(self) -> bool:
        return self.complete_repeats > 0 and 2 * self.complete_repeats >= self.loss_rows


def _read(source: Source, encoding: str, threaded: bool, header: _Header,
          columns: dict[str, str], by_row: bool = False, stream: bool = True) -> _Collected:
    """``_reduce``, read again whole where a second run began after the first was summed
    into blocks (``stream``: a long run may be; a table of loss parts is never)."""
    stream = stream and not _loss_parts(columns)
    reading = _reduce(source, encoding, threaded, header, columns, by_row, stream)
    if reading.abandoned:
        reading = _reduce(source, encoding, threaded, header, columns, by_row, stream=False)
    return reading


def _reduce(source: Source, encoding: str, threaded: bool, header: _Header,
            columns: dict[str, str], by_row: bool, stream: bool) -> _Collected:
    """One row per (run, epoch) with a loss: each column's value (the mean of its cells;
    NaN if one was NaN; the infinity if one was infinite), collected (``_Collected``) with
    the rows read and what was seen (``_Seen``). Rows are epochs ``by_row`` (the epoch
    column ignored). The bytes go to the C parser as they are (no decoding into Python text
    and back): from the file itself, on threads, or from the source's stream."""
    import pandas as pd

    name = source.name
    lower = [h.lower() for h in header.names]
    epoch_at = lower.index("epoch") if "epoch" in lower and not by_row else None
    wanted = sorted({header.names.index(c) for c in columns} |
                    ({epoch_at} if epoch_at is not None else set()))
    state = _Carry()
    done = _Collected(columns, stream)
    seen = done.seen
    chunks = None
    carry: _Epochs | None = None  # the last epoch read, which the next chunk may continue
    losses = [c for c, target in columns.items() if target.split("_", 1)[1] in _table.LOSS_LIKE]
    losses += [c for group in _loss_parts(columns).values() for c in group]
    while True:
        try:  # the reader tokenizes its first rows when made: errors come from both
            if chunks is None:
                options = {"sep": header.delimiter, "header": None, "encoding": encoding,
                           "encoding_errors": "replace", "names": range(len(header.names)),
                           "usecols": wanted, "keep_default_na": False, "na_values": [""],
                           "skipinitialspace": header.spaced, "skip_blank_lines": True,
                           "on_bad_lines": "skip", "engine": "c"}
                shape = functools.partial(_shape, columns={
                    c: header.names.index(c) for c in columns}, epoch_at=epoch_at,
                    strict=frozenset(losses))
                chunks = (_csv_chunks.threaded(source.name, options, header.skipped + 1,
                                               source.limits.max_bytes, shape) if threaded
                          else _csv_chunks.streamed(source, options, header.skipped + 1, shape))
            chunk = next(chunks)
        except StopIteration:
            break
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError,
                ValueError) as exc:  # what the C parser raises on a malformed file
            raise InputError(f"not a readable CSV: {str(exc).splitlines()[0][:120]}", name,
                             line=state.rows + 2 + header.skipped, code="bad-csv") from None
        part = _place(chunk, header, state, name)
        if done.abandoned:  # read again whole: the rest is not needed
            chunks.close()
            break
        if not part.size:
            continue
        # an epoch's rows are contiguous (a smaller epoch number starts a new run), so only
        # the last epoch of a chunk can go on in the next: the rest are final
        if carry is not None:
            if carry.continued_by(part):
                head = part.take(slice(0, 1)).full(columns)
                head.absorb(carry)
                part = part.take(slice(1, None))
                if not part.size:  # the whole chunk was that one epoch
                    carry = head
                    continue
                done.append(head.finish(columns, losses, seen))
            else:
                done.append(carry.finish(columns, losses, seen))
        carry = part.take(slice(-1, None)).full(columns)
        done.append(part.take(slice(None, -1)).finish(columns, losses, seen))
    if carry is not None and not done.abandoned:
        done.append(carry.finish(columns, losses, seen))
    done.rows = state.rows
    return done


class _Carry:
    """What one chunk hands to the next: the run counter and the last epoch and row."""

    def __init__(self) -> None:
        self.run = 0
        self.epoch: float | None = None
        self.rows = 0


class _Epochs:
    """Per (run, epoch), as numpy arrays: the last line, and for each value column the sum
    and count of its finite cells, its NaN and present cell counts and its last infinity.
    Rows of one epoch are contiguous, so each epoch is a segment reduced with ``reduceat``
    (no group-by, no index alignment: millions of rows cost what parsing them costs).

    A chunk of one row per epoch and numeric columns only (a CSVLogger) is kept ``final``:
    each column's values as they are, which is what reducing them would give."""

    def __init__(self, arrays: dict, final: bool = False) -> None:
        self.arrays = arrays
        self.final = final

    def full(self, columns: dict[str, str]) -> _Epochs:
        """This table in the partial-sums form (a final one converted: a row of the carry)."""
        import numpy as np

        if not self.final:
            return self
        out = {k: self.arrays[k] for k in ("line", "run", "epoch")}
        for col in columns:
            values = self.arrays[col]
            finite = np.isfinite(values)
            out.update({f"{col}.sum": np.where(finite, values, 0.0),
                        f"{col}.count": finite.astype(np.int64),
                        f"{col}.nan": np.zeros(len(values), dtype=np.int64),
                        f"{col}.inf": np.where(np.isinf(values), values, np.nan),
                        f"{col}.present": (~np.isnan(values)).astype(np.int64)})
        return _Epochs(out)

    @property
    def size(self) -> int:
        return len(self.arrays["line"])

    def take(self, where) -> _Epochs:
        return _Epochs({k: v[where] for k, v in self.arrays.items()}, self.final)

    def continued_by(self, after: _Epochs) -> bool:
        """Whether the next chunk starts with this (one-epoch) carry's epoch."""
        a, b = self.arrays, after.arrays
        return bool(a["run"][0] == b["run"][0] and a["epoch"][0] == b["epoch"][0])

    def absorb(self, carry: _Epochs) -> None:
        """The carry's partial sums added into this chunk's first epoch (in place)."""
        import numpy as np

        for key, value in carry.arrays.items():
            mine = self.arrays[key]
            if key.endswith((".sum", ".count", ".nan", ".present")):
                with np.errstate(over="ignore"):
                    mine[0] = mine[0] + value[0]
            elif key.endswith(".inf") and np.isnan(mine[0]):
                mine[0] = value[0]  # the last infinity: this chunk's if it has one

    def finish(self, columns: dict[str, str], losses: list[str],
               seen: _Seen) -> _Epochs:
        """Final values of complete epochs, those with a loss only; notes in ``seen`` which
        columns were logged several times in an epoch, and epochs whose rows each held both
        losses."""
        import numpy as np

        a = self.arrays
        keep = np.zeros(self.size, dtype=bool)
        if self.final:
            for col in losses:
                keep |= ~np.isnan(a[col])
            return self if keep.all() else self.take(keep)
        for col in losses:
            keep |= a[f"{col}.present"] > 0
        _count_repeats(a, columns, seen)
        out = {k: a[k][keep] for k in ("line", "run", "epoch")}
        for col in columns:
            present = a[f"{col}.present"][keep]
            if (present > 1).any():
                seen.averaged.add(col)
            count = a[f"{col}.count"][keep]
            with np.errstate(invalid="ignore", divide="ignore"):
                value = a[f"{col}.sum"][keep] / np.where(count > 0, count, np.nan)
            inf = a[f"{col}.inf"][keep]
            value = np.where(np.isnan(inf), value, inf)
            value[a[f"{col}.nan"][keep] > 0] = np.nan
            value[present == 0] = np.nan
            out[col] = value
        return _Epochs(out, final=True)

    @staticmethod
    def joined(parts: list[_Epochs], columns: dict[str, str]) -> dict:
        """The finished parts as one array a column, each part's array let go once joined
        (no moment holds the table twice)."""
        import numpy as np

        return {key: np.concatenate([p.arrays.pop(key) for p in parts])
                for key in ("run", "epoch", "line", *columns)}


class _Collected:
    """The finished parts of one reading, in order. Kept whole while they are few or make
    several runs; once they make one run longer than a table to judge needs
    (``_table.MAX_POINTS``), summed into ``_Blocks`` as they come (where ``stream``), the
    last part held back (it may end in an evaluation row that is no epoch). A second run
    after that sets ``abandoned``: the file is read again whole."""

    def __init__(self, columns: dict[str, str], stream: bool) -> None:
        self.columns, self.stream = columns, stream
        self.parts: list[_Epochs] = []
        self.blocks: _Blocks | None = None
        self.abandoned = False
        self.rows = 0
        self.seen = _Seen()

    def append(self, part: _Epochs) -> None:
        if not part.size:
            return
        if self.blocks is not None:
            if not self.blocks.same_run(part):
                self.abandoned = True
                return
            self.blocks.add(self.parts.pop())
        self.parts.append(part)
        if self.blocks is None and self.stream and self.one_long_run():
            self.blocks = _Blocks(self.columns, self.parts[0])
            while len(self.parts) > 1:
                self.blocks.add(self.parts.pop(0))

    def one_long_run(self) -> bool:
        """One run (the epoch numbering never starts over) of more epochs than a table to
        judge needs."""
        first = self.parts[0].arrays["run"][0]
        return sum(p.size for p in self.parts) > _table.MAX_POINTS and all(
            p.arrays["run"][0] == first and p.arrays["run"][-1] == first for p in self.parts)

    def __bool__(self) -> bool:
        return bool(self.parts)


class _Blocks:
    """One long run's values summed in aligned blocks of ``size`` epochs as they are read,
    ``size`` a power of two doubled (neighbours merged) whenever ``CAPACITY`` blocks fill
    up: in the end the blocks ``_table.downsample`` averages (``_table.block_size``), in
    memory that does not grow with the run. Kept beside them, what the whole table would
    tell: each epoch's line, the least epoch number, whether a training loss was missing."""

    CAPACITY = 2 * _table.MAX_POINTS

    def __init__(self, columns: dict[str, str], first: _Epochs) -> None:
        import numpy as np

        self.columns = columns
        self.run_number = first.arrays["run"][0]
        self.first_epoch = int(first.arrays["epoch"][0])
        self.least_epoch = self.first_epoch
        self.size, self.count = 1, 0
        self.sums = {c: np.zeros(self.CAPACITY) for c in columns}
        self.counts = {c: np.zeros(self.CAPACITY, dtype=np.int64) for c in columns}
        self.lines = EpochLines()
        train = _table.training_loss_key(set(columns.values()))
        self.train = next((c for c, t in columns.items() if t == train), None)
        self.train_missing = False

    def same_run(self, part: _Epochs) -> bool:
        runs = part.arrays["run"]
        return runs[0] == self.run_number and runs[-1] == self.run_number

    def add(self, part: _Epochs, keep: int | None = None) -> None:
        """The part's first ``keep`` epochs (all) summed into their blocks."""
        import numpy as np

        keep = part.size if keep is None else keep
        self.least_epoch = min(self.least_epoch, int(part.arrays["epoch"].min()))
        if keep <= 0:
            return
        while (self.count + keep - 1) // self.size >= self.CAPACITY:
            self._double()
        offset, size = self.count, self.size
        # the part's epochs fall in blocks first .. ; a new block starts every size epochs
        starts = np.arange((-offset) % size, keep, size)
        if not len(starts) or starts[0]:
            starts = np.r_[0, starts]
        where = offset // size + np.arange(len(starts))
        lengths = np.diff(starts, append=keep)
        for col in self.columns:
            values = part.arrays[col][:keep]
            logged = ~np.isnan(values)
            whole = bool(logged.all())  # the usual case: no cell missing
            if col == self.train and not whole:
                self.train_missing = True
            # inf + -inf: NaN, as a mean of them is; near the float limit a sum overflows
            # to inf, as downsample's mean does: so be it
            with np.errstate(invalid="ignore", over="ignore"):
                self.sums[col][where] += np.add.reduceat(
                    values if whole else np.where(logged, values, 0.0), starts)
            self.counts[col][where] += lengths if whole else np.add.reduceat(
                logged.astype(np.int64), starts)
        self.lines.extend(part.arrays["line"][:keep])
        self.count += keep

    def _double(self) -> None:
        """Blocks twice the size: each pair of neighbours merged (the count of blocks in
        use is at most ``CAPACITY``, an even number)."""
        import numpy as np

        used = -(-self.count // self.size)
        used += used % 2
        for store in (self.sums, self.counts):
            for values in store.values():
                with np.errstate(invalid="ignore", over="ignore"):
                    merged = values[:used:2] + values[1:used:2]
                values[:] = 0
                values[:len(merged)] = merged
        self.size *= 2

    def closing_evaluation(self, last: _Epochs) -> bool:
        """``_table.closes_with_evaluation`` of the run's last row."""
        import numpy as np

        if self.train is None:
            return False
        a = last.arrays
        return _table.closes_with_evaluation(
            {target: a[col][-1] for col, target in self.columns.items()},
            not self.train_missing and not np.isnan(a[self.train][:-1]).any())

    def run(self, last: _Epochs, info: RunInfo) -> Run:
        """The run's table of block means, each at its block's last epoch, once the held
        last part is added (less an evaluation row closing it)."""
        import numpy as np
        import pandas as pd

        keep = last.size
        if self.closing_evaluation(last):
            info.notes.append(_table.TRAILING_EVALUATION)
            keep -= 1
        self.add(last, keep)
        while self.size < _table.block_size(self.count):
            self._double()
        count, size = self.count, self.size
        n_blocks = -(-count // size)
        logged = [c for c in self.columns if self.counts[c].any()]
        values = {}
        for col in logged:
            sums, counts = self.sums[col][:n_blocks], self.counts[col][:n_blocks]
            with np.errstate(invalid="ignore", divide="ignore"):
                values[self.columns[col]] = np.where(counts > 0, sums / counts, np.nan)
            info.columns.setdefault(self.columns[col], col)
        # numbered from 0 (Keras's CSVLogger) or 1: either starts at the first epoch
        _table.note_first_epoch(info, self.first_epoch + (1 if self.least_epoch == 0 else 0))
        info.epoch_lines = self.lines
        _table.note_reduction(info, count, size, n_blocks)
        values = _table.promote_curves(values, info)
        ends = np.minimum((np.arange(n_blocks) + 1) * size, count)
        return Run(_table.epoch_table(values, index=pd.Index(ends, name="epoch")), info)


def _count_repeats(arrays: dict, columns: dict[str, str], seen: _Seen) -> None:
    """Adds to ``seen`` the rows with a training loss, and those in epochs of several rows
    that each held the validation loss too."""
    train = next((c for c, t in columns.items() if t == "train_loss"), None)
    val = next((c for c, t in columns.items() if t == "val_loss"), None)
    if train is None or val is None:
        return
    rows, val_rows = arrays[f"{train}.present"], arrays[f"{val}.present"]
    seen.loss_rows += int(rows.sum())
    seen.complete_repeats += int(rows[(rows > 1) & (val_rows == rows)].sum())


class _Shaped:
    """A parsed chunk reduced on its own (on a worker thread): its epoch segments, each
    column's values or partial sums per segment, and where each segment ends. What depends on
    the chunks before it (line numbers, run numbers) is added by ``_place``."""

    def __init__(self, rows: int, epochs, ends, arrays: dict, final: bool,
                 numbered: bool = False, bad: tuple[str, str, int] | None = None) -> None:
        self.rows = rows  # rows parsed
        self.epochs, self.ends = epochs, ends  # each segment's epoch, its last row's index
        self.arrays, self.final = arrays, final
        self.numbered = numbered  # no epoch column: the epochs are row positions
        self.bad = bad  # a cell that is not a number: column, text, row index


def _shape(chunk, columns: dict[str, int], epoch_at: int | None,
           strict: frozenset[str] = frozenset()) -> _Shaped:
    """A text cell in a loss column (``strict``) is an error; in any other column (a
    ``stage`` or ``phase`` label, a note) it is read as no value."""
    import numpy as np

    if epoch_at is None:
        epoch = np.arange(len(chunk), dtype=float)  # each row is an epoch
    else:
        epoch = numeric(chunk[epoch_at]).to_numpy()
        with np.errstate(invalid="ignore"):
            epoch = np.floor(np.where(np.isfinite(epoch) & (np.abs(epoch) < 1e12), epoch,
                                      np.nan))
    rows = np.flatnonzero(~np.isnan(epoch))
    epoch = epoch[rows]
    starts = np.flatnonzero(np.r_[True, epoch[1:] != epoch[:-1]]) if len(rows) else rows
    ends = rows[np.r_[starts[1:], len(epoch)] - 1] if len(rows) else rows
    cells = {col: chunk[at] for col, at in columns.items()}
    shaped = _Shaped(len(chunk), epoch[starts], ends, {}, final=True,
                     numbered=epoch_at is None)
    if len(starts) == len(epoch) and all(c.dtype.kind in "fiu" for c in cells.values()):
        for col, values in cells.items():  # one row per epoch, numbers only: final as read
            shaped.arrays[col] = values.to_numpy(dtype=float)[rows]
        return shaped
    shaped.final = False
    for col, values in cells.items():
        parts = _value_columns(values.iloc[rows], col, starts, col in strict)
        if isinstance(parts, tuple):  # a cell that is not a number
            shaped.bad = (col, parts[0], int(rows[parts[1]]))
            return shaped
        shaped.arrays.update(parts)
    return shaped


def _place(shaped: _Shaped, header: _Header, state: _Carry, name: str) -> _Epochs:
    """A shaped chunk numbered after the ones before it: its lines (1-based, after the
    header and any title lines) and its runs (a smaller epoch number starts a new one)."""
    import numpy as np

    first_line = state.rows + 2 + header.skipped
    state.rows += shaped.rows
    if shaped.bad is not None:
        col, text, row = shaped.bad
        raise InputError(f"column {col!r}: {text[:30]!r} is not a number", name,
                         line=first_line + row, code="bad-value")
    epochs = shaped.epochs + (first_line - 1) if shaped.numbered else shaped.epochs
    if not len(epochs):
        return _Epochs({"line": shaped.ends, "run": shaped.ends, "epoch": epochs})
    previous = np.r_[state.epoch if state.epoch is not None else epochs[0], epochs[:-1]]
    run = state.run + np.cumsum(epochs < previous)
    state.run, state.epoch = int(run[-1]), float(epochs[-1])
    return _Epochs({"line": shaped.ends + first_line, "run": run, "epoch": epochs,
                    **shaped.arrays}, shaped.final)


def _value_columns(cells, col: str, starts, strict: bool = True) -> dict | tuple[str, int]:
    """The cells of one value column reduced per epoch segment to sum/count/nan/inf/present
    parts; or, for a cell that is not a number in a ``strict`` column, its text and position
    (elsewhere such a cell counts as absent)."""
    import numpy as np

    if cells.dtype.kind in "fiu":
        values = cells.to_numpy(dtype=float)
        present = ~np.isnan(values)
        explicit_nan = np.zeros(len(values), dtype=bool)
    else:
        text = cells.astype("string").str.strip().fillna("").astype(object)
        present = (text != "").to_numpy()
        explicit_nan = text.str.lower().isin(["nan", "-nan", "+nan"]).to_numpy()
        values = numeric(text.where(text != "")).to_numpy()
        bad = present & np.isnan(values) & ~explicit_nan
        if bad.any() and strict:
            at = int(np.argmax(bad))
            return str(cells.iloc[at]), at
        present = present & ~bad
    finite = np.isfinite(values)
    infinite = np.isinf(values)
    nans = explicit_nan | (present & np.isnan(values))
    if len(starts) == len(values):  # one row per epoch (a CSVLogger): nothing to reduce
        return {f"{col}.sum": np.where(finite, values, 0.0),
                f"{col}.count": finite.astype(np.int64), f"{col}.nan": nans.astype(np.int64),
                f"{col}.inf": np.where(infinite, values, np.nan),
                f"{col}.present": present.astype(np.int64)}
    last_inf = np.maximum.reduceat(np.where(infinite, np.arange(len(values)), -1), starts)
    with np.errstate(over="ignore"):  # values near the float limit sum to inf: the answer
        total = np.add.reduceat(np.where(finite, values, 0.0), starts)
    return {f"{col}.sum": total,
            f"{col}.count": np.add.reduceat(finite.astype(np.int64), starts),
            f"{col}.nan": np.add.reduceat(nans.astype(np.int64), starts),
            f"{col}.inf": np.where(last_inf >= 0, values[np.maximum(last_inf, 0)], np.nan),
            f"{col}.present": np.add.reduceat(present.astype(np.int64), starts)}


def numeric(cells):
    """Cells as floats, NaN where they are not numbers. pandas raises OverflowError on an
    integer past the float range (instead of giving inf): those few cells go one by one."""
    import pandas as pd

    if cells.dtype.kind in "fiu":  # parsed as numbers already: nothing to coerce
        return cells.astype(float)
    if cells.dtype == object:
        first = next((c for c in cells if isinstance(c, str) and c.strip()), "")
        if WRAPPED.match(first):  # str(tensor) written into the file: the numbers inside
            cells = cells.str.replace(WRAPPED, r"\1", regex=True)
    try:
        return pd.to_numeric(cells, errors="coerce").astype(float)
    except OverflowError:
        return cells.map(_float_or_nan).astype(float)


def _float_or_nan(cell) -> float:
    try:
        return float(cell)
    except OverflowError:  # an int past the float range
        return float("inf") if cell > 0 else float("-inf")
    except (TypeError, ValueError):
        return float("nan")


def _choose_columns(header: list[str], name: str, train_col: str | None,
                    val_col: str | None) -> dict[str, str]:
    """Log column -> table column. ``*_epoch`` beats ``*_step``; step-only metrics are used."""
    chosen: dict[str, str] = {}
    by_target: dict[str, str] = {}
    sizes = _sizes_column(header)
    if sizes and train_col is None and val_col is None:
        raise InputError(f"a learning curve over training-set sizes (column {sizes!r}), not "
                         "over epochs: valgap reads a run's losses epoch by epoch", name,
                         line=1, code="no-epochs")
    for col in header:
        if col.lower().endswith("_step") and _epoch_twin(col, header):
            continue
        target = _table.column(re.sub(r"_step$", "", col, flags=re.IGNORECASE))
        if target and (target not in by_target or _table.later_set(col, by_target[target])):
            by_target[target] = col
    for flag, target in ((train_col, "train_loss"), (val_col, "val_loss")):
        if flag is None:
            continue
        if flag not in header:
            raise InputError(f"no column {flag!r} (columns: {', '.join(header)})", name,
                             line=1, code="bad-column")
        if flag.strip().lower() == "epoch":  # the table's index: it counts, it is no loss
            raise InputError(f"{flag!r} is the epoch counter, not a loss: name a loss column "
                             f"(columns: {', '.join(header)})", name, line=1,
                             code="bad-column")
        by_target = {t: c for t, c in by_target.items() if c != flag}
        by_target[target] = flag
    for target, col in by_target.items():
        chosen[col] = target
    plain = any(t.split("_", 1)[1] in _table.LOSS_LIKE for t in by_target)
    named = None if plain or _loss_parts(chosen) else _table.named_loss(by_target)
    if named:
        for split in ("train", "val"):
            chosen[by_target[f"{split}_{named}"]] = f"{split}_loss"
    elif not plain and not _loss_parts(chosen):
        raise InputError(f"no loss column recognised among {', '.join(header)} "
                         "(name them with --train-col / --val-col)", name, line=1,
                         code="no-loss-column")
    return chosen


# a column of training-set sizes: scikit-learn's learning_curve saved as a table, each row
# a model fitted on that many rows (its scores are no epochs' losses)
SIZES = frozenset({"train_size", "train_sizes", "training_size", "training_set_size",
                   "train_samples", "n_train", "n_samples", "num_samples",
                   "training_examples"})
COUNTERS = _table.STEP_WORDS | {"epoch", "epochs", "round", "rounds"}


def _sizes_column(header: list[str]) -> str | None:
    """The column of training-set sizes of a table with no epoch or step column."""
    names = {re.sub(r"[\s\-]+", "_", col.strip().lower()): col for col in header}
    if COUNTERS & names.keys():
        return None
    return next((names[n] for n in names if n in SIZES), None)


# what a run is set up with, the same at each of its epochs: a table whose rows differ in
# one is a table of runs (a sweep's results: forests of 50, 100, 200 trees; batches of 512
# and 256), however its rows look (a learning rate is left out: a schedule changes it)
SETTINGS = frozenset({"n_estimators", "batch_size", "max_depth", "num_layers", "n_layers",
                      "hidden_size", "hidden_dim", "hidden_dims", "embedding_dim",
                      "model_params", "num_leaves", "epochs", "num_epochs", "n_epochs",
                      "max_epochs", "max_iter"})
SETTING_ROWS = 50  # data rows of the file's head looked at


def _runs_table(head: str, header: _Header) -> str | None:
    """The setting column (``SETTINGS``) whose value changes between the first data rows of
    a table with no counter column that counts (an epoch or step column whose values
    change); None for a run's table."""
    names = [re.sub(r"[\s\-]+", "_", n.strip().lower()) for n in header.names]
    if not SETTINGS & set(names):
        return None
    lines = head.splitlines()[header.skipped + 1:header.skipped + 1 + SETTING_ROWS]
    try:
        rows = [r for r in csv.reader(lines, delimiter=header.delimiter)
                if len(r) == len(names)]
    except csv.Error:
        return None
    if len(rows) < 2:
        return None

    def varies(i: int) -> bool:
        return len({r[i].strip() for r in rows}) > 1
    if any(n in COUNTERS and varies(i) for i, n in enumerate(names)):
        return None
    return next((header.names[i] for i, n in enumerate(names) if n in SETTINGS and varies(i)),
                None)


def _epoch_twin(col: str, header: list[str]) -> bool:
    twin = col[: -len("_step")] + "_epoch"
    return any(h.lower() == twin.lower() for h in header)
