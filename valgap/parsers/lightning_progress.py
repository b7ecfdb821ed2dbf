"""PyTorch Lightning's progress bars, as captured from a terminal or a notebook.

Both bars redraw in place and show the latest logged values:

- tqdm (Lightning < 2 default): ``Epoch 132: 100%|███| 1590/1590 [04:45<00:00, ...,
  val_loss_epoch=0.0457, train_loss_epoch=0.0468]``
- Rich (``RichProgressBar``): ``Epoch 3/19 ━━━━ 45/45 0:00:00 • ... v_num: 0 val_loss: 0.30``
  with the metrics wrapped onto the following lines.

An epoch's final values (its ``*_epoch`` aggregates and its validation) are shown on the
first state of the next epoch's bar; the last epoch counts only if its bar finished.
A capture that kept only the final redraw (a plain redirect) holds one epoch.

Lightning's model summary, printed before training (plain, ``0 | drop | Dropout | 0 |
train``, or Rich's ``│ 0 │ drop │ Dropout │ 0 │ train │``), names the module's children:
their types are the run's layers. Where a child is a container or a module of its own
(``net | Sequential``, ``encoder | Encoder``) the summary shows the model's top only: what
it names the model has, what it lacks the model may still have.
"""
from __future__ import annotations

import re

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import ANSI, NUMBER, LazyPattern, Source, segments, to_float

NAME = "lightning-progress"

# bounded quantifiers, and names that start only where a word starts, so that matching
# stays linear on hostile lines
TQDM_BAR = LazyPattern(r"^\s{0,64}Epoch (\d{1,9}):\s{0,8}\d{1,3}%\|[^|]{0,400}\|[^/]{0,200}?"
                      r"(?<!\d)(\d{1,12})/(\d{1,12})")
RICH_BAR = LazyPattern(r"^\s{0,64}Epoch (\d{1,9})/\d{1,9}\s{1,8}[━╸╺─][━╸╺─\s]{0,400}?"
                      r"(\d{1,12})/(\d{1,12})\s")
# (\s+ before a number is linear: no number starts with a space)
VALUE = LazyPattern(rf"(?<![\w/.-])([A-Za-z_][\w/.-]{{0,100}})(?:=|:\s+)({NUMBER})(?![\w.])")
SKIP = {"v_num", "loss"}  # the version number; tqdm's smoothed step loss


BANNER = ("GPU available:", "TPU available:")
SNIFF_CEILING = 0.7  # the most sniff says: detection skips it once another said more


def sniff(head: str) -> float:
    text = ANSI.sub("", head)
    bars = sum(1 for line in re.split(r"[\r\n]+", text)[:20000]
               if TQDM_BAR.match(line) or RICH_BAR.match(line))
    banner = all(b in text for b in BANNER)
    # "v_num" is the logger's version on the bar; with no logger, Lightning's banner says
    # whose bars these are ("Epoch 3: 100%|" alone is any loop's tqdm description)
    if bars and ("v_num" in text or banner):
        return SNIFF_CEILING
    return 0.2 if banner else 0.0  # Lightning, bar switched off


class _Frames:
    """Values of each epoch's bar: its first state, its last, and whether it finished."""

    def __init__(self) -> None:
        self.first: dict[int, dict[str, float]] = {}
        self.last: dict[int, dict[str, float]] = {}
        self.done: set[int] = set()
        self.epoch: int | None = None
        self.text: list[str] = []

    def start(self, epoch: int, done: bool, text: str) -> None:
        self.flush()
        self.epoch = epoch
        self.text = [text]
        if done:
            self.done.add(epoch)

    def add(self, text: str) -> None:
        if self.epoch is not None:
            self.text.append(text)

    def flush(self) -> None:
        if self.epoch is None:
            return
        values = {k: to_float(v) for k, v in VALUE.findall(" ".join(self.text))
                  if k not in SKIP and not k.endswith("_step")}
        if values:
            self.first.setdefault(self.epoch, values)
            self.last[self.epoch] = values
        self.epoch = None

    def records(self, info: RunInfo) -> list[EpochRecord]:
        self.flush()
        records = []
        for epoch in sorted(self.last):
            values = self.first.get(epoch + 1)
            if values is None and epoch in self.done:
                values = self.last[epoch]
            if values is None:
                info.warnings.append(f"epoch {epoch} was cut (its progress bar never "
                                     "finished); using the complete epochs")
                continue
            records.append(EpochRecord(epoch, dict(values)))
        return records


def parse(source: Source) -> list[Run]:
    info = RunInfo(source=source.name, format=NAME, framework="pytorch")
    frames = _Frames()
    for raw in source.lines():
        for segment in segments(raw):
            bar = TQDM_BAR.match(segment) or RICH_BAR.match(segment)
            if bar:
                frames.start(int(bar.group(1)), bar.group(2) == bar.group(3), segment)
            elif frames.epoch is None and not frames.last:  # the summary, before any bar
                _table.lightning_layer(segment, info)
            else:
                frames.add(segment)
    records = [r for r in frames.records(info)
               if any(_table.is_curve(k) for k in r.values)]
    if not records and not frames.last:  # Lightning ran with its progress bar switched off
        info.warnings.append("this Lightning log prints no per-epoch values (the progress bar "
                             "was off): read the run's metrics.csv or TensorBoard logs instead")
        return [Run(_table.empty_table(), info)]
    if not records:
        raise InputError("Lightning progress bars found, but no epoch shows a loss",
                         source.name, code="no-epochs")
    info.notes.append("read from Lightning's progress bar (values as rounded on screen)")
    if info.summary_partial:
        info.notes.append("the model summary shows the model's top modules only (some of "
                          "their own layers unlisted)")
    if len(records) == 1:
        info.warnings.append("only one epoch's values are in this capture (the bar redraws in "
                             "place); read the run's metrics.csv or TensorBoard logs instead")
    return _table.build_runs(records, info, numbered=True)
