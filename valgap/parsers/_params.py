"""Run parameters that are run facts, wherever a log states them: a tracker's logged
parameters (MLflow, W&B), a Ray Tune trial's config, a script's printed arguments
(``print(args)``: ``Namespace(batch_size=64, drop=0.1, smoothing=0.1, mixup=0.8, ...)``).
Read as valgap.yaml would state them (valgap.yaml still wins)."""
from __future__ import annotations

import math
import re
from pathlib import Path

from valgap.model import RunInfo
from valgap.parsers._text import LazyPattern

# logged parameter names -> the run fact they state (not the Hugging Face Trainer's
# label_smoothing_factor: its evaluation loss is smoothed as its training loss is, so no
# weighting sits in the training loss only)
RATE_PARAMS = {"dropout": "dropout", "dropout_rate": "dropout", "drop_rate": "dropout",
               "label_smoothing": "loss_weighting",
               # the vision recipes' names (timm, DeiT and their forks): --drop, --smoothing
               "drop": "dropout", "smoothing": "loss_weighting"}
FLAG_PARAMS = {"batchnorm": "batchnorm", "batch_norm": "batchnorm",
               "augmentation": "augmentation", "augment": "augmentation"}
# an L2 weight by these names is a term the training code adds to its loss (Keras's
# regularizers, a hand-written penalty): the logged training loss carries it. A whole
# number of 1 or more is no such weight: Ray Tune's PyTorch tutorial, much copied, names
# its hidden layers' widths l1 and l2
PENALTY_PARAMS = ("l2", "l2_reg", "l2_lambda", "l2_penalty", "l2_weight", "lambda_l2")
# mixing examples in training only (the recipes' --mixup / --cutmix alphas): above 0 an
# augmentation, whose blended targets the training loss scores; at 0 it rules nothing out
# (other augmentation may run)
MIXING_PARAMS = ("mixup", "cutmix", "mixup_alpha", "cutmix_alpha")
SIZE_PARAMS = {"n_train": "n_train", "train_size": "n_train", "num_train_samples": "n_train",
               "n_val": "n_val", "val_size": "n_val", "num_val_samples": "n_val"}


def param_facts(params: dict[str, str]) -> dict[str, object]:
    """The run facts a run's parameters state, as valgap.yaml would (valgap.yaml still wins).

    A ``weight_decay`` of 0 rules a penalty out; a positive one says nothing, since AdamW
    and most optimisers decay the weights without adding a term to the logged loss. An
    ``l2`` weight (``l2_reg``, ``l2_lambda``, ...) is a term added to the loss: between 0
    and 1 it states a penalty, at 0 rules one out (a larger number is a layer's width)."""
    facts: dict[str, object] = {}
    lowered = {k.lower(): v for k, v in params.items()}
    for key, fact in RATE_PARAMS.items():
        rate = number(lowered.get(key, ""))
        if rate is not None and 0 <= rate < 1:
            facts[fact] = rate if fact == "dropout" and rate else rate > 0
    for key, fact in FLAG_PARAMS.items():
        text = str(lowered.get(key, "")).strip().lower()
        if text in ("true", "false", "1", "0", "yes", "no"):
            facts[fact] = text in ("true", "1", "yes")
    for key, fact in SIZE_PARAMS.items():
        size = whole(lowered.get(key, ""))
        if size:
            facts[fact] = size
    if number(lowered.get("weight_decay", "")) == 0:
        facts["weight_penalty"] = False
    for key in PENALTY_PARAMS:
        weight = number(lowered.get(key, ""))
        if weight is not None and 0 <= weight < 1:
            facts["weight_penalty"] = weight > 0
    if any((number(lowered.get(key, "")) or 0) > 0 for key in MIXING_PARAMS):
        facts["augmentation"] = True
    return facts


def apply(params: dict[str, str], info: RunInfo, origin: str) -> None:
    """Give a run the facts and batch size its parameters state (``origin``: where they
    were read, as a finding names it); what the run already holds stands."""
    facts = param_facts(params)
    for key, value in facts.items():
        info.facts.setdefault(key, value)
    if facts and not info.facts_origin:
        info.facts_origin = origin
    info.batch_size = info.batch_size or whole(params.get("batch_size", ""))


# a script's arguments printed whole: "Namespace(batch_size=64, model='deit_tiny', ...)";
# each value a quoted string, a bracketed list or tuple, or a bare word or number
NAMESPACE_ITEM = re.compile(r"(?:^Namespace\(|, )([A-Za-z_]\w{0,63})="
                            r"('[^']{0,500}'|\"[^\"]{0,500}\"|\[[^\]]{0,500}\]|\([^)]{0,500}\)|"
                            r"[^,()\[\]'\"]{0,100})")


def namespace(line: str) -> dict[str, str]:
    """The arguments of an argparse ``Namespace`` printed on the line (its start), quotes
    kept off strings; {} for any other line."""
    if not line.startswith("Namespace("):
        return {}
    return {key: value.strip("'\"") for key, value in NAMESPACE_ITEM.findall(line)}


def whole(text: object) -> int | None:
    """A logged count (a batch size, a set size): a positive whole number below 10^15, or
    None for anything else (text, a fraction, an infinity, NaN, a number past any size)."""
    value = number(text)
    if value is None or not math.isfinite(value) or not 0 < value < 1e15 or value != int(value):
        return None
    return int(value)


def number(text: object) -> float | None:
    """A logged value as a float (NaN and infinities kept: a loss may be one), or None for
    text, NULL, bytes; an integer beyond the float range is infinite."""
    if isinstance(text, (bool, bytes, bytearray)):
        return None
    try:
        return float(text)
    except OverflowError:
        return math.inf if text > 0 else -math.inf  # type: ignore[operator]
    except (TypeError, ValueError):
        return None


def counter(text: object) -> int | None:
    """A step or epoch counter as logged: a whole, finite, non-negative number below 10^15
    (a counter no run reaches is no counter), else None."""
    value = number(text)
    if value is None or not math.isfinite(value) or not 0 <= value < 1e15:
        return None
    return int(value)


# a run folder's record of the settings it trained with, beside its log: Lightning's
# ``hparams.yaml`` (what ``save_hyperparameters()`` saved, beside ``metrics.csv``)
SETTINGS_BESIDE = ("hparams.yaml",)
PARAMS_MAX_BYTES = 1 << 20
# a YAML line naming one scalar: "dropout: 0.5", "  label_smoothing_factor: 0.1"
PARAM_LINE = LazyPattern(r"^\s*([A-Za-z_][\w .-]{0,63}):[ \t]+"
                        r"([^\s#'\"][^#\n]{0,100}?|'[^'\n]{0,100}'|\"[^\"\n]{0,100}\")"
                        r"\s*(?:#.*)?$", re.MULTILINE)


def apply_beside(info: RunInfo, folder: Path) -> None:
    """Give a run the facts its folder's settings file states (``SETTINGS_BESIDE``, the
    first there), as ``apply`` does."""
    for name in SETTINGS_BESIDE:
        params = read_yaml_scalars(folder / name)
        if params:
            apply(params, info, f"the run's {name}")
            return


def read_yaml_scalars(path: Path) -> dict[str, str]:
    """The scalar parameters of a run's parameters file (DVCLive's ``params.yaml``,
    Ultralytics' ``args.yaml``), by their own (last) key; read line by line, not as YAML (a
    file of anchors cannot blow up, and nothing else is needed of it)."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            text = fh.read(PARAMS_MAX_BYTES)
    except OSError:
        return {}
    return {key.strip(): value.strip("'\"") for key, value in PARAM_LINE.findall(text)}
