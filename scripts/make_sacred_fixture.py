#!/usr/bin/env python3
"""Write a real Sacred run into tests/data/sacred/: an experiment whose ``FileStorageObserver``
keeps ``metrics.json`` (``{"training.loss": {"steps": [...], "timestamps": [...],
"values": [...]}, ...}``, what ``_run.log_scalar`` records), ``config.json`` and
``cout.txt`` beside it, as Sacred's run folders (``my_runs/1/``) are committed.

The run: scikit-learn's ``MLPClassifier`` fitted one epoch at a time (``partial_fit``) on
400 rows of a generated 3-class problem, wide enough to overfit; each epoch's training and
validation log loss logged as ``training.loss`` and ``validation.loss``, and the validation
accuracy as ``validation.accuracy``. Also writes expected.json (epochs, the losses of the
first and last epochs as logged)::

    python -m venv .venv-sacred
    .venv-sacred/bin/pip install sacred scikit-learn
    .venv-sacred/bin/python scripts/make_sacred_fixture.py
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "sacred"
KEPT = ("metrics.json", "config.json", "cout.txt")


def main() -> int:
    from sacred import Experiment
    from sacred.observers import FileStorageObserver

    ex = Experiment("mlp")
    ex.add_config(hidden=256, rows=400, epochs=60, alpha=0.0, seed=3)

    @ex.main
    def fit(_run, hidden, rows, epochs, alpha, seed):
        import numpy as np
        from sklearn.datasets import make_classification
        from sklearn.metrics import accuracy_score, log_loss
        from sklearn.neural_network import MLPClassifier

        x, y = make_classification(n_samples=rows + 1000, n_features=20, n_informative=6,
                                   n_classes=3, flip_y=0.1, random_state=seed)
        xt, yt, xv, yv = x[:rows], y[:rows], x[rows:], y[rows:]
        model = MLPClassifier((hidden, hidden), alpha=alpha, random_state=seed,
                              learning_rate_init=3e-3)
        classes = np.unique(y)
        for epoch in range(epochs):
            model.partial_fit(xt, yt, classes=classes)
            train_loss = log_loss(yt, model.predict_proba(xt), labels=classes)
            val_loss = log_loss(yv, model.predict_proba(xv), labels=classes)
            _run.log_scalar("training.loss", train_loss, epoch)
            _run.log_scalar("validation.loss", val_loss, epoch)
            _run.log_scalar("validation.accuracy", accuracy_score(yv, model.predict(xv)),
                            epoch)
            print(f"epoch {epoch}: train {train_loss:.4f} val {val_loss:.4f}")

    with tempfile.TemporaryDirectory() as where:
        ex.observers.append(FileStorageObserver(where))
        ex.run()
        (run,) = [p for p in Path(where).iterdir() if p.name.isdigit()]
        OUT.mkdir(parents=True, exist_ok=True)
        for name in KEPT:
            shutil.copy(run / name, OUT / name)
    metrics = json.loads((OUT / "metrics.json").read_text())
    train, val = metrics["training.loss"]["values"], metrics["validation.loss"]["values"]
    expected = {"epochs": len(val), "first": [train[0], val[0]], "last": [train[-1], val[-1]]}
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"{OUT}: {len(val)} epochs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
