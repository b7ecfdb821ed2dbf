"""Caffe's solver log (``caffe train`` through glog: ``caffe.INFO``, or its stderr kept as
``train.log``): the training loss every ``display`` iterations and the test net's outputs
every ``test_interval``, one row per test (an evaluation every N iterations, said in the
run's ``row``)::

  I0712 22:29:15 32223 solver.cpp:270] Iteration 240, Testing net (#0)
  I0712 22:29:19 32223 solver.cpp:319]   Test net output #0: loss1/loss1 = 5.34 (* 0.3 = 1.60 loss)
  I0712 22:29:19 32223 solver.cpp:319]   Test net output #1: loss1/top-1 = 0.007
  I0712 22:29:19 32223 solver.cpp:189] Iteration 240, loss = 8.47431

The validation loss is the test net's total: its loss outputs as the net weighs them (the
``(* w = x loss)`` part; GoogLeNet's auxiliary heads count 0.3), as the solver's
``Iteration N, loss = X`` is the training net's total. A row's training loss is the mean of
the losses displayed since the test before, up to and including the test's iteration (the
solver prints that iteration's loss just after the test). An ``accuracy`` or ``top-1``
output is the validation accuracy. Only the first test net (``#0``) is read; a log whose
iterations start over holds several runs.

Facts, from the solver's and nets' parameters the log prints: the nets' layer types
(``Dropout``, ``BatchNorm``: the whole net is printed, so a type it lacks the model lacks);
a training data layer that mirrors or crops (``mirror: true``, ``crop_size``) augments,
the test net taking the centre crop; and ``weight_decay`` is applied to the gradients,
never added to the printed loss, so the training loss holds no penalty term.
"""
from __future__ import annotations

from dataclasses import dataclass

from valgap.model import EVALUATION, InputError, Run, RunInfo
from valgap.parsers import _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import NUMBER, LazyPattern, Source, to_float

NAME = "caffe"

_NUM = rf"({NUMBER})(?![\d.])"
# "solver.cpp:189] Iteration 240, loss = 8.47" (newer: "Iteration 240 (2.9 iter/s, ...),")
TRAIN = LazyPattern(r"\] Iteration (\d{1,12})(?: \([^)\n]{0,200}\))?, loss = " + _NUM)
TESTING = LazyPattern(r"\] Iteration (\d{1,12}), Testing net \(#(\d{1,3})\)")
# "Test net output #0: loss1/loss1 = 5.34335 (* 0.3 = 1.60301 loss)"
OUTPUT = LazyPattern(r"Test net output #\d{1,4}: ([^\s=]{1,200}) = " + _NUM +
                     r"(?: \(\* " + _NUM + r" = " + _NUM + r" loss\))?")
# a layer's type in a net's printed parameters, two spaces in ("    type: "xavier"" deeper
# in is a filler's); the old prototxt names it by an enum ("  type: DROPOUT")
LAYER_TYPE = LazyPattern(r'^ {0,2}type: "?(\w{1,64})"?\s{0,8}$')
ACCURACY = ("accuracy", "top-1", "top1", "acc")
NO_PENALTY = ("Caffe's solver, whose weight_decay acts on the gradients: the printed loss "
              "holds no penalty term")
TRAIN_AUGMENTS = "the training net's data layer (mirror or crop_size)"


def sniff(head: str) -> float:
    """A glog solver log: its solver lines with iterations, or the solver's opening."""
    if "solver.cpp:" not in head:
        return 0.0
    iterations = sum(1 for line in head.splitlines()[:5000]
                     if "solver.cpp:" in line and (TRAIN.search(line) or TESTING.search(line)))
    opening = "Initializing solver from parameters" in head
    return 0.95 if iterations >= 2 or (opening and iterations) else (0.6 if opening else 0.0)


@dataclass
class _Test:
    """One test of the first test net: where, its weighted losses' total and how many, its
    accuracy where it reports one."""

    iteration: int
    line: int
    loss: float = 0.0
    losses: int = 0
    accuracy: float | None = None


class _Reader:
    """One pass over the log: the runs' training points and tests, and the facts."""

    def __init__(self, info: RunInfo) -> None:
        self.info = info
        self.runs: list[tuple[list, list]] = []  # per run: (train points, tests)
        self.train: list[tuple[int, float, int]] = []  # (iteration, loss, line)
        self.tests: list[_Test] = []
        self.test: _Test | None = None  # the test being read
        self.last = -1  # the run's last iteration seen
        self.net = ""  # "train" or "test": whose parameters are being printed

    def line(self, text: str, line_no: int) -> None:
        if "] " in text and "Iteration" in text:
            self._iteration(text, line_no)
        elif self.test is not None and "Test net output" in text:
            self._output(text)
        elif "Creating training net" in text or "Creating test net" in text:
            self.net = "train" if "training" in text else "test"
        elif "type:" in text:
            m = LAYER_TYPE.match(text)
            if m:
                kind = m.group(1)
                kind = kind if '"' in text else kind.title().replace("_", "")  # DROPOUT
                self.info.layers[kind] = self.info.layers.get(kind, 0) + 1
        elif self.net == "train" and ("mirror: true" in text or "crop_size:" in text):
            self.info.default_fact("augmentation", True, TRAIN_AUGMENTS)

    def _iteration(self, text: str, line_no: int) -> None:
        m = TESTING.search(text)
        if m:
            self.test = None
            if m.group(2) == "0":
                self._restart_at(int(m.group(1)))
                self.test = _Test(int(m.group(1)), line_no)
                self.tests.append(self.test)
            return
        m = TRAIN.search(text)
        if m:
            self._restart_at(int(m.group(1)))
            self.train.append((int(m.group(1)), to_float(m.group(2)), line_no))
            self.test = None

    def _restart_at(self, iteration: int) -> None:
        """Iterations going back: the solver started again (a new run)."""
        if iteration < self.last:
            self.close()
        self.last = iteration

    def _output(self, text: str) -> None:
        m = OUTPUT.search(text)
        if not m or self.test is None:
            return
        name, value, contribution = m.group(1), to_float(m.group(2)), m.group(4)
        if contribution is not None:
            self.test.loss += to_float(contribution)
            self.test.losses += 1
        elif self.test.accuracy is None and name.rsplit("/", 1)[-1].lower() in ACCURACY:
            self.test.accuracy = value

    def close(self) -> None:
        if self.train or self.tests:
            self.runs.append((self.train, self.tests))
        self.train, self.tests, self.test, self.last = [], [], None, -1


def parse(source: Source) -> list[Run]:
    info = RunInfo(source=source.name, format=NAME, framework="caffe")
    reader = _Reader(info)
    for line_no, text in source.numbered():
        reader.line(text, line_no)
    reader.close()
    records = []
    for train, tests in reader.runs:
        records += _records(train, [t for t in tests if t.losses], info)
    if not records:
        raise InputError("no Caffe iteration with a loss found", source.name, code="no-epochs")
    info.default_fact("weight_penalty", False, NO_PENALTY)
    columns = {k: k for k in ("train_loss", "val_loss", "val_accuracy")}
    return _table.build_runs(records, info, columns)


def _records(train: list, tests: list[_Test], info: RunInfo) -> list[EpochRecord]:
    """One run's rows: one per test, its training loss the mean of the points displayed
    since the test before (to its iteration); a run never tested, one per displayed point."""
    if not tests:
        return [EpochRecord(i, {"train_loss": loss}, line)
                for i, (_, loss, line) in enumerate(train, 1)]
    info.row = EVALUATION
    if len(tests) > 1 and not any("a test every" in n for n in info.notes):
        every = tests[1].iteration - tests[0].iteration
        info.notes.append(f"Caffe: a test every {every:,} iterations, one row each; the "
                          "training loss is the mean of the losses displayed since the test "
                          "before")
    records, at, before = [], 0, -1
    for number, test in enumerate(tests, 1):
        points = []
        while at < len(train) and train[at][0] <= test.iteration:
            if train[at][0] > before:
                points.append(train[at][1])
            at += 1
        values = {"val_loss": test.loss}
        if points:
            values["train_loss"] = sum(points) / len(points)
        if test.accuracy is not None:
            values["val_accuracy"] = test.accuracy
        records.append(EpochRecord(number, values, test.line))
        before = test.iteration
    return records
