"""What the scripts that drive the Hugging Face ``Trainer`` share: a data set of
(features, label) rows in the dict form the Trainer passes to a model's ``forward``."""
from __future__ import annotations


class Rows:
    """Rows of ``x`` and ``y`` as ``{key: x[i], "labels": y[i]}`` (any object with a length
    and an index is a data set to the Trainer)."""

    def __init__(self, x, y, key: str = "features") -> None:
        self.x, self.y, self.key = x, y, key

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        return {self.key: self.x[i], "labels": self.y[i]}
