"""CSV loggers: Keras ``CSVLogger``, PyTorch Lightning ``metrics.csv`` and generic tables.

Lightning rows are sparse (training steps, validation results and the training epoch
aggregate sit on different rows), so rows are merged per ``epoch``: a ``*_epoch`` column
wins over its ``*_step`` twin, and a metric logged on several rows of one epoch is
averaged over them (which is what an epoch-level training loss is anyway).
"""
from __future__ import annotations

import csv
import io
import re

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _table
from valgap.parsers._text import Source

NAME = "csv"
LIGHTNING = "lightning-csv"
KERAS = "keras-csv"

LOSSY = re.compile(r"loss|acc|mae|mse|error|(?:box|cls|dfl)_o[mo]\b", re.IGNORECASE)


NAME_CELL = re.compile(r"^[\w./@\- ()%]{1,120}$")


TITLE_LINES = 3  # lines a CSV may carry above its header (a title, a blank line)
WANDB_COLUMN = re.compile(r"^(?P<run>.+?) - (?P<metric>.+?)(?P<bound>__MIN|__MAX)?$")


def sniff(head: str) -> float:
    """A header of column names, then a row of the same width that is mostly numbers (a title
    line or two above the header is allowed)."""
    lines = head.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    return 0.8 if header_index(lines) is not None else 0.0


def header_index(lines: list[str]) -> int | None:
    """Where the header is among the first lines: the first line of names followed by a row
    of the same width that is mostly numbers, with a loss-like name."""
    for index in range(min(TITLE_LINES + 1, len(lines) - 1)):
        if _is_header(lines[index], lines[index + 1]):
            return index
    return None


def _is_header(first: str, second: str) -> bool:
    first = first.strip()
    if first.startswith(("{", "[", "#")):
        return False
    delim = _delimiter(first)
    if delim is None:
        return False
    try:
        names = [n.strip().strip('"') for n in next(csv.reader([first], delimiter=delim), [])]
        cells = [c.strip().strip('"') for c in next(csv.reader([second], delimiter=delim), [])]
    except csv.Error:  # a field past the csv module's limit, a NUL byte: no header here
        return False
    if names[:3] == ["Wall time", "Step", "Value"]:
        return False  # a TensorBoard export
    if len(names) < 2 or not all(NAME_CELL.match(n) for n in names if n):
        return False
    filled = [c for c in cells if c]  # Lightning rows are sparse
    numeric = sum(1 for c in filled if _is_number(c))
    if len(cells) != len(names) or not numeric or numeric < len(filled) / 2:
        return False
    return any(LOSSY.search(n) for n in names)


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


CHUNK_ROWS = 500_000  # rows parsed at a time: memory stays flat however long the file


def parse(source: Source, train_col: str | None = None, val_col: str | None = None) -> list[Run]:
    """Streamed through pandas' C parser, only the columns needed, in chunks that are
    reduced to one row per (run, epoch) as they come: a file of millions of rows costs
    about what ``pandas.read_csv`` of it costs, in memory that does not grow with it."""
    with source.open_binary() as raw:
        stream = io.TextIOWrapper(raw, encoding=source.encoding(), errors="replace",
                                  newline="")
        header, stream = _find_header(stream, source.name)
        if _wandb_export(header.names):
            return _wandb(stream, header, source)
        columns = _choose_columns(header.names, source.name, train_col, val_col)
        lower = [h.lower() for h in header.names]
        fmt = LIGHTNING if "step" in lower and "epoch" in lower else (
            KERAS if lower and lower[0] == "epoch" else NAME)
        info = RunInfo(source=source.name, format=fmt,
                       framework={LIGHTNING: "pytorch", KERAS: "keras"}.get(fmt))
        info.notes.append("columns used: " + ", ".join(f"{c} <- {n}"
                                                       for n, c in columns.items()))
        values, rows, averaged = _reduce(stream, header, columns, source.name)
    if values is None and not rows:
        raise InputError("CSV has a header but no rows", source.name, code="no-epochs")
    if values is None or values.empty:
        raise InputError("no row with a loss value", source.name, code="no-epochs")
    if averaged:
        info.notes.append("logged several times per epoch, averaged over the epoch: "
                          + ", ".join(sorted(averaged)))
    info.rows_read = rows  # loss parts are summed with every other reader's, in _table
    return _table.runs_from_frame(values, info, columns, source.limits.max_runs, source.name)


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
        part.index = pd.MultiIndex.from_arrays([[0] * len(part), range(1, len(part) + 1)],
                                               names=["run", "epoch"])
        part.insert(0, "line", (frame.index[logged] + 2 + header.skipped).tolist())
        info = RunInfo(source=source.name, format="wandb-export")
        info.notes.append(f"W&B run {run_name!r}; one row per logged step")
        info.rows_read = len(frame)
        mapping = {c: _table.column(c) for c in part.columns if c != "line"}
        runs += _table.runs_from_frame(part, info, mapping, source.limits.max_runs,
                                       source.name)
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


def _header(line: str, name: str) -> _Header:
    delimiter = _delimiter(line) or ","
    try:
        names = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
    except csv.Error as exc:  # a NUL byte, say
        raise InputError(f"not a readable CSV header: {exc}", name, line=1,
                         code="bad-csv") from None
    return _Header([n.strip() for n in names], delimiter)


def _reduce(stream, header: _Header, columns: dict[str, str], name: str):
    """One row per (run, epoch) with a loss: each column's value (the mean of its cells;
    NaN if one was NaN; the infinity if one was infinite), the rows read, and the columns
    logged several times in an epoch."""
    import pandas as pd

    lower = [h.lower() for h in header.names]
    epoch_at = lower.index("epoch") if "epoch" in lower else None
    wanted = sorted({header.names.index(c) for c in columns} |
                    ({epoch_at} if epoch_at is not None else set()))
    state = _Carry()
    parts = []
    chunks = None
    carry = None  # the partial sums of the last epoch read, which the next chunk may continue
    averaged: set[str] = set()
    losses = [c for c, target in columns.items() if target.split("_", 1)[1] in _table.LOSS_LIKE]
    losses += [c for group in _loss_parts(columns).values() for c in group]
    while True:
        try:  # the reader tokenizes its first rows when made: errors come from both
            if chunks is None:
                chunks = pd.read_csv(stream, sep=header.delimiter, header=None,
                                     names=range(len(header.names)), usecols=wanted,
                                     keep_default_na=False, na_values=[""],
                                     skipinitialspace=True, skip_blank_lines=True,
                                     on_bad_lines="skip", engine="c", chunksize=CHUNK_ROWS)
            chunk = next(chunks)
        except StopIteration:
            break
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError,
                ValueError) as exc:  # what the C parser raises on a malformed file
            raise InputError(f"not a readable CSV: {str(exc).splitlines()[0][:120]}", name,
                             line=state.rows + 2 + header.skipped, code="bad-csv") from None
        part = _reduce_chunk(chunk, header, columns, epoch_at, state, name)
        if not len(part):
            continue
        # an epoch's rows are contiguous (a smaller epoch number starts a new run), so only
        # the last epoch of a chunk can go on in the next: the rest are final, and kept as
        # one value per column (not as their partial sums)
        if carry is not None:
            part = pd.concat([_combine(pd.concat([carry, part.iloc[:1]]), columns),
                              part.iloc[1:]])
        carry = part.iloc[-1:]
        parts.append(_finish(part.iloc[:-1], columns, losses, averaged))
    if carry is not None:
        parts.append(_finish(carry, columns, losses, averaged))
    parts = [p for p in parts if len(p)]
    if not parts:
        return None, state.rows, averaged
    return pd.concat(parts), state.rows, averaged


def _finish(part, columns: dict[str, str], losses: list[str], averaged: set[str]):
    """Final values of complete epochs, those with a loss only; notes which columns were
    logged several times in an epoch."""
    part = part[part[[f"{c}.present" for c in losses]].sum(axis=1) > 0]
    averaged |= {c for c in columns if (part[f"{c}.present"] > 1).any()}
    return _values(part, columns)


class _Carry:
    """What one chunk hands to the next: the run counter and the last epoch and row."""

    def __init__(self) -> None:
        self.run = 0
        self.epoch: float | None = None
        self.rows = 0


def _reduce_chunk(chunk, header: _Header, columns: dict[str, str], epoch_at: int | None,
                  state: _Carry, name: str):
    import numpy as np
    import pandas as pd

    # 1-based, after the header and any title lines above it
    lines = np.arange(state.rows, state.rows + len(chunk)) + 2 + header.skipped
    state.rows += len(chunk)
    frame = pd.DataFrame({"line": lines}, index=chunk.index)
    if epoch_at is None:
        frame["epoch"] = lines - 1  # each row is an epoch
    else:
        epoch = numeric(chunk[epoch_at])
        frame["epoch"] = np.floor(epoch.where(np.isfinite(epoch) & (epoch.abs() < 1e12)))
    frame = frame[frame["epoch"].notna()]
    # a run starts again where the epoch numbering does (a resumed or restarted training)
    previous = frame["epoch"].shift(1)
    if state.epoch is not None and len(frame):
        previous.iloc[0] = state.epoch
    frame["run"] = state.run + (frame["epoch"] < previous).cumsum()
    if len(frame):
        state.run, state.epoch = int(frame["run"].iloc[-1]), float(frame["epoch"].iloc[-1])
    parts: dict = {}  # built whole, then joined once: a frame grown column by column
    for col in columns:  # fragments (and pandas warns about it on stderr)
        parts.update(_value_columns(frame, col, chunk.loc[frame.index,
                                                          header.names.index(col)], name))
    frame = pd.concat([frame, pd.DataFrame(parts, index=frame.index)], axis=1)
    sums = {c: "sum" for c in parts if c.endswith((".sum", ".count", ".nan", ".present"))}
    grouped = frame.groupby(["run", "epoch"], sort=False)
    infinities = grouped[[f"{col}.inf" for col in columns]].last()
    with np.errstate(over="ignore"):  # values near the float limit sum to inf: the answer
        totals = grouped.agg({**sums, "line": "max"})
    return pd.concat([totals, infinities], axis=1)


def _value_columns(frame, col: str, cells, name: str) -> dict:
    """The cells of one value column as sum/count/nan/inf/present parts (a bad cell is an
    InputError naming its line)."""
    import numpy as np
    import pandas as pd

    if cells.dtype.kind == "f" or cells.dtype.kind in "iu":
        values = cells.astype(float)
        explicit_nan = pd.Series(False, index=cells.index)
        present = values.notna()
    else:
        text = cells.astype("string").str.strip().fillna("").astype(object)
        present = text != ""
        explicit_nan = text.str.lower().isin(["nan", "-nan", "+nan"])
        values = numeric(text.where(present))
        bad = present & values.isna() & ~explicit_nan
        if bad.any():
            at = bad.idxmax()
            raise InputError(f"column {col!r}: {str(cells[at])[:30]!r} is not a number", name,
                             line=int(frame.loc[at, "line"]), code="bad-value")
    finite = np.isfinite(values)
    return {f"{col}.sum": values.where(finite, 0.0), f"{col}.count": finite.astype(int),
            f"{col}.nan": (explicit_nan | (present & values.isna())).astype(int),
            f"{col}.inf": values.where(np.isinf(values)), f"{col}.present": present.astype(int)}


def numeric(cells):
    """Cells as floats, NaN where they are not numbers. pandas raises OverflowError on an
    integer past the float range (instead of giving inf): those few cells go one by one."""
    import pandas as pd

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


def _combine(parts, columns: dict[str, str]):
    """Partial rows of the same (run, epoch) merged (an epoch may span two chunks)."""
    import numpy as np
    import pandas as pd

    grouped = parts.groupby(level=["run", "epoch"], sort=True)
    sums = [c for c in parts.columns if c.endswith((".sum", ".count", ".nan", ".present"))]
    infinities = grouped[[f"{col}.inf" for col in columns]].last()
    with np.errstate(over="ignore"):  # values near the float limit sum to inf: the answer
        totals = grouped[sums].sum()
    return pd.concat([totals, grouped["line"].max(), infinities], axis=1)


def _values(table, columns: dict[str, str]):
    """The value of each column per (run, epoch): NaN if any cell was NaN, else the (last)
    infinity if any, else the mean of the cells."""
    import numpy as np
    import pandas as pd

    out = {"line": table["line"]}
    for col in columns:
        count = table[f"{col}.count"]
        mean = table[f"{col}.sum"] / count.where(count > 0)
        value = mean.where(table[f"{col}.inf"].isna(), table[f"{col}.inf"])
        value = value.where(table[f"{col}.nan"] == 0, np.nan)
        out[col] = value.where(table[f"{col}.present"] > 0)
    return pd.DataFrame(out, index=table.index)


def _choose_columns(header: list[str], name: str, train_col: str | None,
                    val_col: str | None) -> dict[str, str]:
    """Log column -> table column. ``*_epoch`` beats ``*_step``; step-only metrics are used."""
    chosen: dict[str, str] = {}
    by_target: dict[str, str] = {}
    for col in header:
        if col.lower().endswith("_step") and _epoch_twin(col, header):
            continue
        target = _table.column(re.sub(r"_step$", "", col, flags=re.IGNORECASE))
        if target and target not in by_target:
            by_target[target] = col
    for flag, target in ((train_col, "train_loss"), (val_col, "val_loss")):
        if flag is None:
            continue
        if flag not in header:
            raise InputError(f"no column {flag!r} (columns: {', '.join(header)})", name,
                             line=1, code="bad-column")
        by_target = {t: c for t, c in by_target.items() if c != flag}
        by_target[target] = flag
    for target, col in by_target.items():
        chosen[col] = target
    if not any(t.split("_", 1)[1] in _table.LOSS_LIKE for t in by_target) and \
            not _loss_parts(chosen):
        raise InputError(f"no loss column recognised among {', '.join(header)} "
                         "(name them with --train-col / --val-col)", name, line=1,
                         code="no-loss-column")
    return chosen


def _epoch_twin(col: str, header: list[str]) -> bool:
    twin = col[: -len("_step")] + "_epoch"
    return any(h.lower() == twin.lower() for h in header)
