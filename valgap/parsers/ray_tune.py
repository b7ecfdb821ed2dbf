"""Ray Tune's console: what the driver prints, captured (``python tune.py > tune.log 2>&1``).

One run per trial, its rows the trial's training iterations, its config the parameters that
are run facts (a dropout rate, ``batch_norm``, a smoothing factor, the batch size: as a
tracker's parameters are read). Two shapes:

- Ray 2 at ``verbose=2``: a box per reported result, after "Trial train_fn_1a2b3_00000
  finished iteration 3 at ...", its rows ``│ val_loss   0.4512 │``; the trial's config in
  the box printed when it starts ("Trial ... started with configuration:").
- Ray 2 at the default verbosity: the config box, then only the last result's box, and the
  trainable's own prints, each prefixed with its worker (``(train_fn pid=4242) epoch 3:
  train_loss=...``): those prints are the rows, read as a loop's prints are, a run per
  worker.

The status tables ("Trial status", "== Status ==") hold each trial's last values, one row a
trial: they are no curve and are not read. A trial's ``result.json`` and ``progress.csv`` are
read by the JSON Lines and CSV readers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from valgap.model import InputError, Run
from valgap.parsers import _params, _tracker, loop_text
from valgap.parsers._text import Source, clean

NAME = "ray-tune"

STARTED = re.compile(r"^Trial (\S{1,200}) started with configuration:")
FINISHED = re.compile(r"^Trial (\S{1,200}) (?:finished iteration \d{1,12}|completed after "
                      r"\d{1,12} iterations)\b")
BOX_TITLE = re.compile(r"^[│|] Trial (\S{1,200}) (config|result)[ \t]{0,200}[│|]$")
BOX_ROW = re.compile(r"^[│|] (\S[^│|]{0,200}?)[ \t]{2,200}(\S{1,64})[ \t]{0,8}[│|]$")
# a worker's print: "(train_fn pid=4242) epoch 3 ...", "(pid=4242, ip=10.0.0.2) ..."
WORKER = re.compile(r"^\((?:[\w.<>-]{1,200} )?pid=(\d{1,12})(?:, ip=[\d.:a-f]{1,64})?\) (.*)$")


def sniff(head: str) -> float:
    marks = sum(1 for line in head.splitlines()[:5000]
                if line.startswith("Trial ") and (STARTED.match(line) or FINISHED.match(line)))
    return 0.95 if marks else 0.0


@dataclass
class _Trial:
    name: str
    config: dict[str, str] = field(default_factory=dict)
    metrics: _tracker.Metrics = field(default_factory=dict)
    results: int = 0

    def add_result(self, values: dict[str, str]) -> None:
        self.results += 1
        step = _params.counter(values.get("training_iteration", ""))
        step = step if step is not None and step > 0 else self.results
        for key, text in values.items():
            number = _params.number(text)
            if number is not None and key not in _NOT_METRICS:
                self.metrics.setdefault(key, []).append((step, number))


# what Ray adds to every result: counters, clocks, ids
_NOT_METRICS = {"training_iteration", "timestamp", "time_this_iter_s", "time_total_s", "pid",
                "time_since_restore", "iterations_since_restore", "timesteps_total",
                "episodes_total", "timesteps_since_restore", "done", "node_ip", "hostname",
                "trial_id", "date", "experiment_id", "checkpoint_dir_name"}


class _Reader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.trials: dict[str, _Trial] = {}
        self.box: tuple[_Trial, str] | None = None  # the trial and box being read
        self.values: dict[str, str] = {}
        # worker pid -> its prints, read as they come (a console of prints is never held)
        self.prints: dict[str, loop_text.Incremental] = {}

    def _bounded(self, count: int, line_no: int) -> None:
        if count >= self.source.limits.max_runs:
            raise InputError(f"more than {self.source.limits.max_runs} Ray Tune trials or "
                             "workers in one input: over the runs limit; raise it with "
                             "--max-runs", self.source.name, line=line_no, code="limit")

    def trial(self, name: str, line_no: int) -> _Trial:
        if name not in self.trials:
            self._bounded(len(self.trials), line_no)
            self.trials[name] = _Trial(name)
        return self.trials[name]

    def feed(self, line: str, line_no: int) -> None:
        if self.box is not None:
            self._box_row(line)
            return
        m = BOX_TITLE.match(line) if line[:1] in "│|" else None
        if m:
            self.box, self.values = (self.trial(m.group(1), line_no), m.group(2)), {}
            return
        m = WORKER.match(line) if line.startswith("(") else None
        if m:
            prints = self.prints.get(m.group(1))
            if prints is None:
                self._bounded(len(self.prints), line_no)
                prints = self.prints[m.group(1)] = loop_text.Incremental(
                    self.source.name, self.source.limits)
            prints.feed(m.group(2), line_no)

    def _box_row(self, line: str) -> None:
        trial, kind = self.box  # type: ignore[misc]
        if line.startswith(("╰", "+-", "└")) or not line.strip():
            if kind == "config":
                trial.config.update(self.values)
            else:
                trial.add_result(self.values)
            self.box = None
            return
        m = BOX_ROW.match(line)
        if m:
            self.values[m.group(1).strip()] = m.group(2)

    def finish(self) -> None:
        if self.box is not None:
            self._box_row("")


def parse(source: Source) -> list[Run]:
    reader = _Reader(source)
    for line_no, raw in source.numbered():
        reader.feed(clean(raw).rstrip(), line_no)
    reader.finish()
    trials = list(reader.trials.values())
    if any(t.results >= 2 for t in trials):
        found = [("", t.name, "", t.metrics, t.config) for t in trials if t.results]
        return _tracker.runs(found, source.name, NAME, "Ray Tune")
    runs = _worker_runs(reader, source)
    if not runs:
        raise InputError("a Ray Tune console with no result per iteration and no epoch "
                         "printed by a trial (its status tables hold last values only): keep "
                         "the trial's result.json, or run with verbose=2",
                         source.name, code="no-epochs")
    return runs


def _worker_runs(reader: _Reader, source: Source) -> list[Run]:
    """The trainables' own prints, a run per worker, read as a loop's prints; the trials'
    config where one trial ran, or where every trial's says the same (a worker's print
    does not name its trial)."""
    configs = [t.config for t in reader.trials.values() if t.config]
    shared = dict(set.intersection(*(set(c.items()) for c in configs))) if configs else {}
    runs: list[Run] = []
    for pid, prints in reader.prints.items():
        try:
            found = prints.finish()
        except InputError:
            continue  # this worker printed no epoch
        for run in found:
            run.info.format = NAME
            run.info.notes.append(f"the prints of the Ray worker pid={pid}")
            _params.apply(shared, run.info, "the Ray Tune trial's config")
        runs += found[-1:]
    return runs
