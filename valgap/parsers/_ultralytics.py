"""What an Ultralytics YOLO run's logs do not say but its trainer always does, for every
reader of them (``results.csv``, YOLOv5's ``results.txt``, the console): the training
images go through mosaic, HSV, flip, scale and translation augmentation (unless the run
turned each off), and its detection, segmentation, pose and box models have no dropout
layer. Stated as run facts with that origin; a ``valgap.yaml`` beside the log overrides
them. The run folder's ``args.yaml`` (beside ``results.csv``) says what the run did: its
training augmentations' strengths (``mosaic``, ``hsv_*``, ``fliplr``, ...), all 0 where
the run turned augmentation off. Its ``augment`` is test-time augmentation and its
``dropout`` the classification head's: neither says anything of a detector's training."""
from __future__ import annotations

from pathlib import Path

from valgap.model import RunInfo
from valgap.parsers import _params

AUGMENTATION = ("Ultralytics' trainer (by default it augments the training images only: "
                "mosaic, HSV, flips, scale, translation)")
NO_DROPOUT = "Ultralytics' YOLO detection model (it has no dropout layer)"
ARGS_FILE = "args.yaml"
# the trainer's augmentations of training images, by their settings in args.yaml
TRAINING_AUGMENTATIONS = ("mosaic", "mixup", "cutmix", "copy_paste", "hsv_h", "hsv_s",
                          "hsv_v", "degrees", "translate", "scale", "shear", "perspective",
                          "flipud", "fliplr")


def state_trainer_defaults(info: RunInfo) -> None:
    """The trainer's defaults as run facts, where the log said nothing of them."""
    info.default_fact("augmentation", True, AUGMENTATION)
    info.default_fact("dropout", False, NO_DROPOUT)


def state_run_args(info: RunInfo, folder: Path) -> None:
    """What the run folder's ``args.yaml`` says of training augmentation, where it says
    anything: on if any of its augmentations has a strength above 0, off if all are 0."""
    args = _params.read_yaml_scalars(folder / ARGS_FILE)
    strengths = {name: _params.number(args[name]) for name in TRAINING_AUGMENTATIONS
                 if name in args}
    strengths = {name: value for name, value in strengths.items() if value is not None}
    if not strengths:
        return
    on = {name: value for name, value in strengths.items() if value > 0}
    shown = ", ".join(f"{name} {value:g}" for name, value in list(on.items())[:4])
    info.default_fact("augmentation", bool(on),
                      f"the run's {ARGS_FILE} ({shown})" if on else
                      f"the run's {ARGS_FILE} (every training augmentation at 0)")
