"""Keras ``fit`` output, every era: TF1 ``Train on N samples``, tf.keras 2 ``[=====]`` bars,
Keras 3 ``━━━`` bars, ``verbose=1`` and ``verbose=2``, terminal or pipe captures.

The bar redraws with ``\\r`` and backspaces even into files, so each raw line is split into
its states; the epoch's values are the ones on its final state (count == target, or the
``verbose=2`` line), which is also the only state that carries ``val_*``.
"""
from __future__ import annotations

import re

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _params, _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import NUMBER, Limits, Source, segments, to_float

NAME = "keras-stdout"

# Every quantifier is bounded or followed by a character it cannot match, so that matching
# stays linear on hostile lines (a megabyte of spaces or digits).
EPOCH = re.compile(r"(?:^|\W)Epoch (\d{1,12})/(\d{1,12})\s*$")
# a line that is a header and nothing else (most are): read without splitting it into states
HEADER = re.compile(r"Epoch (\d{1,12})/\d{1,12}[ \t]{0,64}")
# "  37/1875 [====>...] - ETA: ..." / "45/45 ━━━ 0s 3ms/step - ..." / "50/50 - 1s - ..."
COUNTER = re.compile(r"^\s{0,64}(\d{1,12})/(\d{1,12}|Unknown)(?:[\s━─╸╺-]|\[[=>.]{0,200}\])")
# Keras 1 verbose=2: "3083s - loss: 1.7 - val_loss: 0.3"
BARE_END = re.compile(r"^\s{0,64}\d{1,9}s\s{1,8}-\s{1,8}\w{1,64}:")
METRIC = re.compile(rf"(?:^|\s)([A-Za-z_][\w/.@]{{0,100}}):\s+({NUMBER})(?=\s|$)")
PER_SAMPLE = re.compile(r"\d(?:us|ms|s)/sample")
# Keras Tuner: "Search: Running Trial #2", then its hyperparameters as a table,
# "Value             |Best Value So Far |Hyperparameter" over rows "0.5   |0.3   |dropout"
TRIAL = re.compile(r"^Search: Running Trial #\d{1,9}")
TRIAL_HEADER = re.compile(r"^Value\s{0,64}\|Best Value So Far\s{0,64}\|Hyperparameter$")
TRIAL_ROW = re.compile(r"^(\S{1,100})\s{0,64}\|\S{0,100}\s{0,64}\|(\w{1,100})$")


def sniff(head: str) -> float:
    """How sure this is Keras output, 0..1: progress lines (bars or verbose=2) with a loss."""
    if "loss:" not in head:  # every progress line with a loss holds it (cheap before patterns)
        return 0.0
    hits = 0
    for raw in head.splitlines()[:2000]:
        for seg in segments(raw):
            text = seg.strip()
            if (COUNTER.match(text) or BARE_END.match(text)) and _has_loss(text):
                hits += 1
        if hits >= 2:
            return 0.9
    return 0.9 if hits else 0.0


def _has_loss(text: str) -> bool:
    return any(name == "loss" for name, _ in METRIC.findall(text))


class _State:
    def __init__(self, source: str, limits: Limits | None = None) -> None:
        self.info = RunInfo(source=source, format=NAME, framework="keras")
        self.records = _table.Records(source, limits)
        self.epoch: int | None = None      # announced by "Epoch i/E"
        self.values: dict[str, float] = {}  # final values of that epoch so far
        self.line: int | None = None
        self.in_summary = False
        self.evaluated = False  # an evaluate() line was seen (noted once)
        # Keras Tuner: each trial's hyperparameters (a run each), and whether its table is
        # being read
        self.trials: list[dict[str, str]] = []
        self.in_trial_table = False
        # each epoch's number and values once read: the same epoch printed again with the
        # same values (a notebook's output captured twice over) is no restart
        self.seen: set[tuple] = set()
        self.repeated = 0
        self.first_epoch = 1  # the number of the current run's first epoch

    def start_epoch(self, number: int) -> None:
        if number == self.epoch and not self.values:
            return  # the same header printed twice (stdout and stderr both captured)
        self.close_epoch()
        self.epoch = number

    def close_epoch(self) -> None:
        if self.values and "loss" in self.values:
            number = self.epoch if self.epoch is not None else (
                self.records[-1].epoch + 1 if self.records else 1)
            if not self.records or number <= self.first_epoch:
                self.seen.clear()  # a run (re)starts: a repeat of its epochs is a new run
                self.first_epoch = number
            key = (number, self.values["loss"], self.values.get("val_loss"))
            if self.epoch is not None and key in self.seen:
                self.repeated += 1
            else:
                self.seen.add(key)
                self.records.append(EpochRecord(number, self.values, self.line))
        self.values = {}
        self.epoch = None

    def final(self, values: dict[str, float], line_no: int) -> None:
        validated = any(k.startswith("val_") for k in self.values)
        if not any(k.startswith("val_") for k in values) and (
                validated or (self.epoch is None and not self.values and self.records
                              and any(k.startswith("val_") for k in self.records[-1].values))):
            # a bar without val_* after an epoch that had them: model.evaluate() (or a
            # test pass) after fit, not the epoch's values
            if not self.evaluated:
                self.info.notes.append(f"line {line_no}: an evaluate() progress line after "
                                       "the epoch's end, not an epoch")
                self.evaluated = True
            return
        if self.epoch is None and self.values and validated:
            self.close_epoch()  # no headers (Keras 3 prints none for epochs=1): one line each
        self.values.update(values)
        self.line = line_no


# a line longer than this with redraws in it is reduced (``_ends``) before it is decoded
# and split: an epoch's bar of 40 steps is already ~10 KiB of states, and a capture of
# 20,000 such epochs would otherwise be split into a million states that carry nothing
REDUCE_OVER = 1024


def _ends(raw):
    """A long line of bar redraws reduced to what can matter: the text before the first
    redraw (an epoch header, a summary line) and the final state. The states in between are
    the bar on its way, which carry no value the final state does not (the epoch's values,
    ``val_*`` included, are on its final state), so they are not split at all."""
    cr, bs = ("\r", "\x08") if isinstance(raw, str) else (b"\r", b"\x08")
    first = min((i for i in (raw.find(cr), raw.find(bs)) if i >= 0), default=-1)
    if first < 0:
        return raw
    end = len(raw)
    while True:  # the last state that shows something (a bar may be wiped with blanks)
        last = max(raw.rfind(cr, 0, end), raw.rfind(bs, 0, end))
        if last < first or raw[last + 1:end].strip():
            break
        end = last
    return raw[:first] + cr + raw[max(last, first) + 1:end]


class Incremental:
    """Feed raw lines as they arrive; ``records()`` gives the epochs complete so far."""

    def __init__(self, name: str, limits: Limits | None = None) -> None:
        self.state = _State(name, limits)
        self.cut: int | None = None
        self.lines = 0

    @property
    def info(self) -> RunInfo:
        return self.state.info

    def feed(self, raw: str, line_no: int) -> None:
        self.lines = line_no
        if raw.startswith("Epoch ") and not self.state.in_summary:
            header = HEADER.fullmatch(raw)
            if header:  # half the lines of a capture: no state, summary row or fact in it
                self.cut = _start(self.state, int(header.group(1)), self.cut)
                return
        for seg in segments(_ends(raw) if len(raw) > REDUCE_OVER else raw):
            self.cut = _feed(self.state, seg, line_no, self.cut)


    def finish(self) -> list[Run]:
        """The log has ended: its runs (what ``parse`` returns)."""
        state = self.state
        state.info.rows_read = self.lines  # the lines read (a redraw line counts once)
        cut = self.cut
        if state.epoch is not None and not state.values:
            cut = state.epoch
        state.close_epoch()
        if not state.records:
            raise InputError("no complete Keras epoch found (no final progress line with "
                             "loss:)", state.info.source, code="no-epochs")
        if state.repeated:
            state.info.notes.append(f"{state.repeated} epoch(s) printed again with the same "
                                    "values (output captured twice over): read once")
        if cut is not None and cut > state.records[-1].epoch:
            state.info.warnings.append(f"epoch {cut} was cut (the log ends mid-epoch); "
                                       f"using the {len(state.records)} complete epochs")
        runs = _table.build_runs(state.records, state.info, numbered=True)
        _trial_facts(runs, state.trials)
        return runs

    def records(self) -> list[EpochRecord]:
        """Closed epochs, plus the current one once its validation values are in."""
        state = self.state
        done = list(state.records)
        if "loss" in state.values and any(k.startswith("val_") for k in state.values):
            number = state.epoch if state.epoch is not None else (
                done[-1].epoch + 1 if done else 1)
            done.append(EpochRecord(number, dict(state.values), state.line))
        return done


def parse(source: Source) -> list[Run]:
    reader = Incremental(source.name, source.limits)
    feed = reader.feed
    for line_no, raw in source.numbered_reduced(_ends, REDUCE_OVER):
        feed(raw, line_no)
    return reader.finish()


def _feed(state: _State, seg: str, line_no: int, cut: int | None) -> int | None:
    text = seg.strip()
    counter = COUNTER.match(text)
    if not counter:  # progress states carry no facts: skip the fact regexes on them
        if state.in_summary or _table.summary_starts(text):
            state.in_summary = not _table.summary_ends(text)
        if "|" in text or text.startswith("Search:"):
            _trial_table(state, text)
        _table.scan_facts(text, state.info, state.in_summary)
    m = EPOCH.search(text) if "Epoch" in text else None  # most states are bars
    if m:
        return _start(state, int(m.group(1)), cut)
    if counter:
        done, target = counter.group(1), counter.group(2)
        if target == "Unknown" or done != target:
            return cut
        _steps(state.info, int(target), text)
        # the values follow the counter and its bar: only the rest is searched
        named = METRIC.findall(text, counter.end() - 1)
    elif not BARE_END.match(text):
        return cut
    else:
        named = METRIC.findall(text)
    values = {k: to_float(v) for k, v in named if k != "ETA"}
    if "loss" in values:
        state.final(values, line_no)
    return cut


def _start(state: _State, number: int, cut: int | None) -> int | None:
    """An epoch's header: the one before it, announced and given no values, was cut."""
    if state.epoch is not None and not state.values:
        cut = state.epoch
    state.start_epoch(number)
    return cut


def _trial_table(state: _State, text: str) -> None:
    """Keras Tuner's banner and table of a trial's hyperparameters, kept per trial."""
    if TRIAL.match(text):
        state.trials.append({})
        state.in_trial_table = False
    elif TRIAL_HEADER.match(text):
        state.in_trial_table = bool(state.trials)
    elif state.in_trial_table:
        row = TRIAL_ROW.match(text)
        if row:
            state.trials[-1][row.group(2)] = row.group(1)
        else:
            state.in_trial_table = False


def _trial_facts(runs: list[Run], trials: list[dict[str, str]]) -> None:
    """Each trial's hyperparameters as its run's facts (a dropout rate, an L2 weight), where
    the runs are the trials, one each in order."""
    if trials and len(trials) == len(runs):
        for run, params in zip(runs, trials):
            _params.apply(params, run.info, "the tuner's table of the trial's hyperparameters")


def _steps(info: RunInfo, target: int, text: str) -> None:
    if "/sample" in text and PER_SAMPLE.search(text):  # TF1's "- 3us/sample -"
        info.n_train = info.n_train or target
    else:
        info.steps_per_epoch = target
