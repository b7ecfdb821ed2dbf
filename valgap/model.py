"""The data valgap passes between its layers: runs, findings, results.

Nothing here imports the rest of valgap, so parsers, rules and renderers can all
depend on it without depending on each other.
"""
from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pandas is imported only by the code that builds tables
    import pandas as pd

SCHEMA = "valgap/1"

FIT_CLASSES = ("underfit", "overfit", "good-fit", "val-below-train", "diverged", "too-short")

FAMILIES = {
    "dropout": "train-mode", "batchnorm": "train-mode", "regularization-penalty": "train-mode",
    "augmentation": "train-mode", "loss-weighting": "train-mode",
    "epoch-averaging": "timing", "pre-update-loss": "timing",
    "reduction-mismatch": "bug", "broken-metric": "bug",
    "easy-validation": "data-split", "leakage": "data-split",
    "noise": "noise", "overfitting-onset": "fit",
    "loss-spike": "instability",  # beyond the spec's vocabulary
}


class InputError(Exception):
    """An input that cannot be read; the message is one line for the user."""

    def __init__(self, message: str, source: str = "", line: int | None = None,
                 code: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.code = code

    def __reduce__(self):  # keep every field across worker processes
        return (InputError, (self.message, self.source, self.line, self.code))

    def __str__(self) -> str:
        where = self.source + (f":{self.line}" if self.line else "")
        return f"{where}: {self.message}" if where else self.message


# what one row of a run's table stands for (``RunInfo.row``)
EPOCH = "epoch"
EVALUATION = "evaluation"  # an evaluation every N steps
BOOSTING_ROUND = "boosting round"
TRAINING_STEP = "training step"  # a log of training steps alone (no epoch, no evaluation)
ROW_PLURALS = {EPOCH: "epochs", EVALUATION: "evaluations", BOOSTING_ROUND: "boosting rounds",
               TRAINING_STEP: "training steps"}
# "an epoch", "epochs", "epoch(s)"; not "epoch-averaging" (a rule's id)
_EPOCH_WORD = re.compile(r"\b(an )?epoch(s|\(s\))?(?![\w-])")


def row_unit(row: str) -> str:
    """The word for one row: "epoch", "evaluation", "round" (of "boosting round")."""
    return row.split()[-1]


def rows_counted(count: int, row: str) -> str:
    """"1 epoch", "30 epochs", "1 evaluation", "60 boosting rounds"."""
    return f"{count} {row if count == 1 else ROW_PLURALS.get(row, 'epochs')}"


def in_rows(text: str, row: str) -> str:
    """A text written of epochs, worded in what a row of the run is ("over the last 21
    epochs" of a log evaluated every N steps says "evaluations"; of boosting, "rounds")."""
    unit = row_unit(row)
    if unit == EPOCH:
        return text
    article = "an " if unit[0] in "aeiou" else "a "
    return _EPOCH_WORD.sub(lambda m: (article if m.group(1) else "") + unit + (m.group(2) or ""),
                           text)

# the training loss as valgap's callbacks re-score it at each epoch's end (``measured``)
MEASURED_TRAINMODE = "train_loss_trainmode_end"
MEASURED_EVAL = "train_loss_eval_end"

# terms of the training loss that Keras's fit adds to val_loss too (it scores both with
# the compiled loss and model.losses): a regulariser's penalty (kernel_regularizer=l2(..)),
# a loss's label smoothing; not class_weight, which is no parameter valgap reads
KERAS_SCORES_BOTH = ("weight_penalty", "loss_weighting")


class EpochLines(Sequence[int]):
    """The line of each epoch in the log, kept as stretches of consecutive lines (a CSV of a
    row per epoch is one stretch): a long run's lines cost the memory of their breaks, not
    eight bytes an epoch. Built by ``extend`` with each part's lines, in order."""

    def __init__(self) -> None:
        self._starts = array("q")  # the epoch index where each stretch starts
        self._firsts = array("q")  # its first line
        self._length = 0

    def extend(self, lines) -> None:
        """Appends the lines of the next epochs (a numpy array of integers)."""
        import numpy as np

        lines = np.asarray(lines, dtype=np.int64)
        if not len(lines):
            return
        starts = np.flatnonzero(np.diff(lines) != 1) + 1
        if not (self._length and int(lines[0]) == self[-1] + 1):
            starts = np.r_[0, starts]  # not the last stretch going on
        self._starts.extend((starts + self._length).tolist())
        self._firsts.extend(lines[starts].tolist())
        self._length += len(lines)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("epoch line index out of range")
        stretch = bisect_right(self._starts, index) - 1
        return self._firsts[stretch] + index - self._starts[stretch]

    def __iter__(self):
        ends = [*self._starts[1:], self._length]
        for start, end, first in zip(self._starts, ends, self._firsts):
            yield from range(first, first + end - start)


@dataclass
class RunInfo:
    """What the log tells about the run besides the curves."""

    source: str
    format: str
    framework: str | None = None   # "keras" or "pytorch" when the log shows it
    n_train: int | None = None
    n_val: int | None = None
    batch_size: int | None = None
    steps_per_epoch: int | None = None
    # rows behind each printed validation loss where fewer than the set's: one batch's, where
    # the log prints its current step's loss (as Paddle says it does)
    val_loss_rows: int | None = None
    layers: dict[str, int] = field(default_factory=dict)   # layer type -> count in the summary
    # the summary shows the model's top only (modules whose layers it does not list): what
    # it names, the model has; what it lacks, the model may still have
    summary_partial: bool = False
    # a printed PyTorch model is an nn.Sequential of torch.nn's own modules (True), whose
    # print is its whole forward pass, or holds a module of another class (False); None
    # where no module was printed
    modules_whole: bool | None = None
    columns: dict[str, str] = field(default_factory=dict)  # table column -> name in the log
    warnings: list[str] = field(default_factory=list)      # met while parsing
    notes: list[str] = field(default_factory=list)         # how the table was built
    epoch_lines: Sequence[int] = field(default_factory=list)  # line of each epoch in the log
    row: str = EPOCH  # what a row of the table is: EPOCH, EVALUATION or BOOSTING_ROUND
    run_index: int = 1
    run_count: int = 1
    name: str = ""  # the run's own name in an input of several (a tracker's, TensorBoard's)
    absent: str = ""  # what the format never prints, and where to find it (YOLO's val loss)
    # the epoch number of the log's first row: later than 1 in a log resumed from a checkpoint
    # (its first epoch is no start of training), and renumbered from 1 in the table
    first_epoch: int = 1
    # the run starts where the run before it in the log ended (a second fit() call on the
    # trained model, a fine-tuning phase): as for a resumed run, its start is no untrained model
    continues: bool = False
    rows_read: int | None = None     # raw rows (lines, records) the table was built from
    reduced_from: int | None = None  # epochs before averaging into at most MAX_POINTS points
    reduction: str | None = None     # how the table was reduced, in words
    facts: dict[str, Any] = field(default_factory=dict)  # run facts a tracker's params state
    facts_origin: str = ""           # where those facts come from, in words
    # where one fact comes from, where that is not facts_origin (a named criterion, a
    # framework's defaults)
    fact_origins: dict[str, str] = field(default_factory=dict)
    tracker: dict[str, str] = field(default_factory=dict)  # MLflow: {"uri", "run_id"}

    def scores_validation_too(self, fact: str) -> bool:
        """Whether the run's framework scores the validation loss with this training-loss
        term as well (``KERAS_SCORES_BOTH``): then it opens no gap and states no fact."""
        return self.framework == "keras" and fact in KERAS_SCORES_BOTH

    def default_fact(self, name: str, value: Any, origin: str) -> None:
        """A run fact the log's framework implies (its defaults), with where it comes from,
        unless the log already stated that fact."""
        if name not in self.facts:
            self.facts[name] = value
            self.fact_origins[name] = origin

    def to_dict(self) -> dict[str, Any]:
        """What the log told about the run (beyond the spec's fields, for people and CI)."""
        keys = ("framework", "n_train", "n_val", "batch_size", "steps_per_epoch", "layers",
                "columns", "warnings", "notes", "row", "run_index", "run_count", "name",
                "rows_read", "reduction")
        return {k: getattr(self, k) for k in keys}


@dataclass
class Run:
    """One training run: the epoch table (1-based index ``epoch``) and what the log says."""

    table: pd.DataFrame
    info: RunInfo

    @property
    def epochs(self) -> int:
        """Rows of the table (points the rules and the plots see)."""
        return len(self.table)

    @property
    def epochs_logged(self) -> int:
        """Epochs in the log, before any reduction of a very long run."""
        if self.info.reduced_from is not None:  # also 0: a run left without its table
            return self.info.reduced_from
        return len(self.table)


@dataclass
class Facts:
    """Run facts from valgap.yaml (model: / data:) merged over what the log showed."""

    dropout: float | bool | None = None
    batchnorm: bool | None = None
    augmentation: bool | None = None
    weight_penalty: bool | None = None
    loss_weighting: bool | None = None
    n_train: int | None = None
    n_val: int | None = None
    split: str | None = None
    val_loss_rows: int | None = None  # rows behind each printed validation loss (one batch)
    # the trainer may take the validation loss of probabilities (softmax applied twice)
    val_probabilities: bool | None = None
    origin: dict[str, str] = field(default_factory=dict)  # fact -> where it came from

    @property
    def loss_rows(self) -> int | None:
        """How many rows each printed validation loss averages: the validation set's, or
        one batch's where the log prints a batch's loss."""
        known = [n for n in (self.n_val, self.val_loss_rows) if n]
        return min(known) if known else None


@dataclass(frozen=True)
class Finding:
    """A cause (or a fit-related observation) that a rule found in a run."""

    rule: str
    confidence: float
    evidence: str
    checks: tuple[str, ...] = ()
    guess: bool = False  # inferred from the curves' shape alone, nothing in the input names it
    # how sure the cause's family is, where that was measured but the mechanism was not
    family_confidence: float | None = None
    # where the evidence sits on the curves, for a renderer that draws it: "spikes" ((curve,
    # epoch) pairs), "band" (the noise band, log units), "shift" (epochs the training curve
    # was shifted by)
    marks: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def headline_confidence(self) -> float:
        """The confidence a summary shows: the family's, where that was measured and the
        mechanism was not (the mechanisms tie there), else the cause's."""
        return self.confidence if self.family_confidence is None else self.family_confidence

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.rule, "confidence": round(self.confidence, 2),
                               "evidence": self.evidence, "checks": list(self.checks)}
        if self.family_confidence is not None:
            out["basis"] = "family measured, mechanism not named"
            out["family_confidence"] = round(self.family_confidence, 2)
        elif self.guess:
            out["basis"] = "curve shape only"
        return out


@dataclass(frozen=True)
class RuleStatus:
    """What became of one rule on one run: fired, clear, skipped (with why) or off."""

    rule: str
    status: str
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.rule, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class BestEpoch:
    """The epoch of the lowest validation loss: the checkpoint to keep, and how much of the
    run came after it without improving it."""

    epoch: int
    val_loss: float
    last_epoch: int
    unit: str = "epoch"  # what a row is: an epoch, an evaluation, a boosting round

    @property
    def epochs_after(self) -> int:
        return self.last_epoch - self.epoch

    def describe(self) -> str:
        unit = self.unit.split()[-1]  # "round" of "boosting round"
        where = (f"best {unit} {self.epoch} of {self.last_epoch}: validation loss "
                 f"{self.val_loss:.4g}")
        if not self.epochs_after:
            return f"{where}, at the last {unit} (still improving)"
        share = self.epochs_after / self.last_epoch
        return (f"{where}; the {self.epochs_after} {unit}(s) after it ({share:.0%} of the run) "
                "did not improve it")

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "val_loss": self.val_loss, "last_epoch": self.last_epoch,
                "epochs_after": self.epochs_after}


@dataclass
class FitResult:
    fit: str | None
    evidence: str
    onset_epoch: int | None = None
    unfinished: bool = False  # underfit because both losses were still falling at the end
    few_epochs: int = 0  # a good fit read off this many epochs: too few to see them settle
    resumed: bool = False  # a good fit read off a log that starts mid-training


@dataclass
class Result:
    """The analysis of one run, or the error that stopped it."""

    source: str
    format: str | None = None
    run: Run | None = None
    fit: FitResult | None = None
    best: BestEpoch | None = None
    causes: list[Finding] = field(default_factory=list)
    rules: list[RuleStatus] = field(default_factory=list)
    verdict: str = ""
    error: InputError | None = None

    @property
    def label(self) -> str:
        """The input, and the run's own name when the input holds several runs."""
        name = self.run.info.name if self.run is not None else ""
        return f"{self.source} [{name}]" if name else self.source

    @property
    def fired(self) -> set[str]:
        ids = {f.rule for f in self.causes}
        if self.fit and self.fit.fit:
            ids.add(self.fit.fit)
        return ids

    # how a result shows itself (set by the package: the model imports nothing of valgap)
    show: ClassVar[Callable[[Result], str] | None] = None
    show_html: ClassVar[Callable[[Result], str] | None] = None

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython and Jupyter show a result as its terminal report (no colour)."""
        printer.text(repr(self) if cycle or Result.show is None else Result.show(self))

    def _repr_html_(self) -> str | None:
        """Jupyter shows a result as the HTML report, curves drawn (None: the text one)."""
        return Result.show_html(self) if Result.show_html is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "source": self.source,
            "format": self.format,
            "epochs": self.run.epochs_logged if self.run is not None else 0,
            "fit": self.fit.fit if self.fit else None,
            "best_epoch": self.best.to_dict() if self.best else None,
            "causes": [f.to_dict() for f in self.causes],
            "verdict": self.verdict,
            "rules": [r.to_dict() for r in self.rules],
            "error": None if self.error is None else
            {"code": self.error.code, "message": str(self.error)},
            "run": None if self.run is None else self.run.info.to_dict(),
        }


@dataclass
class RunPicture:
    """What `valgap compare` shows of one run."""

    result: Result
    late_gap: float | None      # median log(val / train) over the late epochs; > 0: val above
    best_val: float | None
    best_epoch: int | None


@dataclass(frozen=True)
class Change:
    """One difference between a run and the baseline, with what it means and what to check."""

    kind: str        # fit | cause-added | cause-removed | gap | best-val | epochs
    text: str
    check: str = ""


@dataclass
class Comparison:
    baseline: RunPicture
    runs: list[RunPicture]
    changes: list[list[Change]]  # per run, against the baseline
