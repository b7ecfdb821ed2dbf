"""What an Ultralytics YOLO run's logs do not say but its trainer always does, for every
reader of them (``results.csv``, YOLOv5's ``results.txt``, the console): the training
images go through mosaic, HSV, flip, scale and translation augmentation (unless the run
turned each off), and its detection, segmentation, pose and box models have no dropout
layer. Stated as run facts with that origin; a ``valgap.yaml`` beside the log overrides
them. The run folder's ``args.yaml`` (beside ``results.csv``) says what the run did: its
training augmentations' strengths (``mosaic``, ``hsv_*``, ``fliplr``, ...), all 0 where
the run turned augmentation off. Its ``augment`` is test-time augmentation and its
``dropout`` the classification head's: neither says anything of a detector's training.

A classification run (``yolo classify``: ``train/loss``, ``val/loss`` and the top-1 and
top-5 accuracies) augments its training images too (random resized crops, flips,
RandAugment, erasing), and its head drops out only where the run's ``dropout`` says (0 by
default). Before Ultralytics 8.3.39 its model returned probabilities in evaluation mode and
the loss took them for logits, a softmax applied twice (ultralytics/ultralytics#16428,
fixed by #17851): the validation loss of such a run is a cross-entropy of probabilities,
which can fall no lower than ln(1 + (C - 1)/e) for C classes (0.313 for two), however right
the model is. Which version wrote a ``results.csv`` it does not say: the run fact says only
that its validation loss may be of that kind, and ``broken-metric`` tells from its values
whether it is. Every ``metrics/`` column is the validation set's."""
from __future__ import annotations

from pathlib import Path

from valgap.model import RunInfo
from valgap.parsers import _params

AUGMENTATION = ("Ultralytics' trainer (by default it augments the training images only: "
                "mosaic, HSV, flips, scale, translation)")
NO_DROPOUT = "Ultralytics' YOLO detection model (it has no dropout layer)"
CLASSIFY_AUGMENTATION = ("Ultralytics' classification trainer (by default it augments the "
                         "training images only: random resized crops, flips, RandAugment, "
                         "erasing)")
CLASSIFY_NO_DROPOUT = ("Ultralytics' classification model (its head drops out only where the "
                       "run sets dropout, 0 by default)")
PROBABILITIES = ("Ultralytics' classification trainer (before 8.3.39 its validation loss was "
                 "a cross-entropy of the model's probabilities)")
# a results.csv's columns that only a classification run writes
CLASSIFY_COLUMNS = ("train/loss", "val/loss", "metrics/accuracy_top1")
ARGS_FILE = "args.yaml"
# the trainer's augmentations of training images, by their settings in args.yaml
TRAINING_AUGMENTATIONS = ("mosaic", "mixup", "cutmix", "copy_paste", "hsv_h", "hsv_s",
                          "hsv_v", "degrees", "translate", "scale", "shear", "perspective",
                          "flipud", "fliplr")
# a classification run's (mosaic and the rest do not touch its images)
CLASSIFY_AUGMENTATIONS = ("scale", "fliplr", "flipud", "hsv_h", "hsv_s", "hsv_v", "erasing")


def state_trainer_defaults(info: RunInfo, classify: bool = False) -> None:
    """The trainer's defaults as run facts, where the log said nothing of them."""
    if classify:
        info.default_fact("augmentation", True, CLASSIFY_AUGMENTATION)
        info.default_fact("dropout", False, CLASSIFY_NO_DROPOUT)
        info.default_fact("val_probabilities", True, PROBABILITIES)
        return
    info.default_fact("augmentation", True, AUGMENTATION)
    info.default_fact("dropout", False, NO_DROPOUT)


def is_classify(lower_names: list[str]) -> bool:
    """Whether a results.csv's lower-cased column names are a classification run's."""
    return all(name in lower_names for name in CLASSIFY_COLUMNS)


def metric_column(name: str, column: str | None) -> str | None:
    """The table column of a results.csv column: its ``metrics/`` are the validation set's
    (the top-1 accuracy is the validation accuracy)."""
    if column is None or not name.lower().startswith("metrics/"):
        return column
    if name.lower() == "metrics/accuracy_top1":
        return "val_accuracy"
    return "val_" + column.split("_", 1)[1] if column.startswith("train_") else column


def state_run_args(info: RunInfo, folder: Path, classify: bool = False) -> None:
    """What the run folder's ``args.yaml`` says of training augmentation, where it says
    anything: on if any of its augmentations has a strength above 0, off if all are 0; and,
    for a classification run, of its head's dropout."""
    args = _params.read_yaml_scalars(folder / ARGS_FILE)
    if classify and "dropout" in args:
        rate = _params.number(args["dropout"])
        if rate is not None:
            info.default_fact("dropout", rate if rate > 0 else False,
                              f"the run's {ARGS_FILE} (dropout {rate:g})")
    names = CLASSIFY_AUGMENTATIONS if classify else TRAINING_AUGMENTATIONS
    strengths = {name: _params.number(args[name]) for name in names if name in args}
    strengths = {name: value for name, value in strengths.items() if value is not None}
    if not strengths:
        return
    on = {name: value for name, value in strengths.items() if value > 0}
    shown = ", ".join(f"{name} {value:g}" for name, value in list(on.items())[:4])
    info.default_fact("augmentation", bool(on),
                      f"the run's {ARGS_FILE} ({shown})" if on else
                      f"the run's {ARGS_FILE} (every training augmentation at 0)")
