"""What an Ultralytics YOLO run's logs do not say but its trainer always does, for every
reader of them (``results.csv``, YOLOv5's ``results.txt``, the console): the training
images go through mosaic, HSV, flip, scale and translation augmentation (unless the run
turned each off), and its detection, segmentation, pose and box models have no dropout
layer. Stated as run facts with that origin; a ``valgap.yaml`` beside the log overrides
them."""
from __future__ import annotations

from valgap.model import RunInfo

AUGMENTATION = ("Ultralytics' trainer (by default it augments the training images only: "
                "mosaic, HSV, flips, scale, translation)")
NO_DROPOUT = "Ultralytics' YOLO detection model (it has no dropout layer)"


def state_trainer_defaults(info: RunInfo) -> None:
    """The trainer's defaults as run facts, where the log said nothing of them."""
    for name, value, origin in (("augmentation", True, AUGMENTATION),
                                ("dropout", False, NO_DROPOUT)):
        if name not in info.facts:
            info.facts[name] = value
            info.fact_origins[name] = origin
