"""Make a held-out labelled corpus of real Keras runs, to check the heuristics on runs they
were not developed on (other seeds, other sizes than ../shared/corpus/labeled).

    /tmp/tfenv/bin/python scripts/make_validation_runs.py /tmp/valruns --seeds 2 3
    python ../shared/tools/grade.py /tmp/valruns --valgap .venv/bin/valgap -v

Each run folder gets run.log (stdout, redirected), history.csv (CSVLogger), label.yaml in the
shared label schema, and a valgap.yaml when the scenario says what the log cannot show.
TensorFlow is needed only here.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import yaml

# scenario -> (expected fit, fit alternatives, causes, family, run facts for valgap.yaml or None,
#              print the model summary)
SCENARIOS = {
    "healthy": ("good-fit", [], [], None, None, True),
    "dropout_heavy": ("val-below-train", [], ["dropout"], "train-mode", None, False),
    "dropout_summary": ("val-below-train", [], ["dropout"], "train-mode", None, True),
    "augmentation_layer": ("val-below-train", [], ["augmentation"], "train-mode", None, False),
    "batchnorm_smallbatch": ("val-below-train", [], ["batchnorm"], "train-mode", None, True),
    "easy_validation": ("val-below-train", [], ["easy-validation"], "data-split", None, False),
    "loss_weighting": ("val-below-train", [], ["loss-weighting"], "train-mode", None, False),
    "leakage": ("good-fit", ["val-below-train"], ["leakage"], "data-split", None, False),
    "overfit": ("overfit", [], ["overfitting-onset"], "fit", None, False),
    "noise_tiny_val": ("good-fit", ["val-below-train"], ["noise"], "noise",
                       {"model": {"dropout": False, "batchnorm": False, "augmentation": False,
                                  "loss_weighting": False},
                        "data": {"n_val": 30, "split": "random"}}, True),
    "underfit": ("underfit", [], [], None, None, True),
    "diverged": ("diverged", [], [], None, None, False),
    "pre_update_fullbatch": ("val-below-train", [], ["pre-update-loss"], "timing",
                             {"model": {"dropout": False, "batchnorm": False}}, True),
}


def _data(scenario: str, seed: int):
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(seed)
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    if scenario == "loss_weighting":  # keep a tenth of the classes 5-9: imbalanced
        keep = (y < 5) | (rng.random(len(y)) < 0.1)
        x, y = x[keep], y[keep]
    x_tr, x_val, y_tr, y_val = train_test_split(x, y, test_size=0.2, random_state=seed)
    if scenario == "easy_validation":
        flip = rng.random(len(y_tr)) < 0.3
        y_tr = np.where(flip, rng.integers(0, 10, len(y_tr)), y_tr)
    if scenario == "overfit":
        x_tr, y_tr = x_tr[:200], y_tr[:200]
    if scenario == "leakage":
        pick = rng.choice(len(x_tr), 300, replace=False)
        x_val = x_tr[pick] + rng.normal(0, 0.01, x_tr[pick].shape)
        y_val = y_tr[pick]
    if scenario == "noise_tiny_val":
        x_val, y_val = x_val[:30], y_val[:30]
    if scenario == "diverged":
        y_tr, y_val = x_tr.sum(axis=1) / 10, x_val.sum(axis=1) / 10
    return x_tr, x_val, y_tr, y_val


def train(scenario: str, seed: int, out: Path) -> None:
    import keras
    import numpy as np
    from keras import layers

    keras.utils.set_random_seed(seed)
    x_tr, x_val, y_tr, y_val = _data(scenario, seed)
    stack: list = [keras.Input(shape=(64,))]
    if scenario == "augmentation_layer":
        stack.append(layers.GaussianNoise(0.6))
    width = {"overfit": 512, "underfit": 2}.get(scenario, 64)
    for _ in range(2):
        stack.append(layers.Dense(width, activation=None if "batchnorm" in scenario else "relu"))
        if "batchnorm" in scenario:
            stack += [layers.BatchNormalization(), layers.Activation("relu")]
        if scenario.startswith("dropout"):
            stack.append(layers.Dropout(0.6))
    regression = scenario == "diverged"
    stack.append(layers.Dense(1 if regression else 10,
                              activation=None if regression else "softmax"))
    model = keras.Sequential(stack)
    optimizer = keras.optimizers.SGD(5.0) if regression else keras.optimizers.Adam(
        1e-4 if scenario == "underfit" else 1e-2 if scenario == "pre_update_fullbatch" else 1e-3)
    model.compile(optimizer=optimizer, loss="mse" if regression else
                  "sparse_categorical_crossentropy")
    if SCENARIOS[scenario][5]:
        model.summary()
    epochs = {"overfit": 150, "batchnorm_smallbatch": 6, "underfit": 12, "leakage": 60,
              "pre_update_fullbatch": 20, "diverged": 15}.get(scenario, 25)
    batch = {"batchnorm_smallbatch": 4, "pre_update_fullbatch": len(x_tr)}.get(scenario, 32)
    weights = None
    if scenario == "loss_weighting":
        counts = np.bincount(y_tr, minlength=10)
        weights = {c: len(y_tr) / (10 * max(n, 1)) for c, n in enumerate(counts)}
    model.fit(x_tr, y_tr, validation_data=(x_val, y_val), epochs=epochs, batch_size=batch,
              class_weight=weights, verbose=2 if scenario == "pre_update_fullbatch" else 1,
              callbacks=[keras.callbacks.CSVLogger(str(out / "history.csv"))])


def write_labels(scenario: str, seed: int, folder: Path) -> None:
    fit, alternatives, causes, family, facts, _ = SCENARIOS[scenario]
    label = {"scenario": scenario, "seed": seed, "framework": "keras 3 (valgap held-out)",
             "files": {"keras_stdout": "run.log", "keras_csv": "history.csv"},
             "expected": {"fit": fit, "fit_alternatives": alternatives, "causes": causes,
                          "family": family}}
    (folder / "label.yaml").write_text(yaml.safe_dump(label, sort_keys=False))
    if facts:
        (folder / "valgap.yaml").write_text(yaml.safe_dump(facts, sort_keys=False))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--seeds", type=int, nargs="+", default=[2])
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        scenario, seed, folder = args.child
        train(scenario, int(seed), Path(folder))
        return 0
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="-1", TF_CPP_MIN_LOG_LEVEL="1")
    for seed in args.seeds:
        for scenario in SCENARIOS:
            folder = args.out / f"v-{scenario}-s{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / "run.log", "wb") as log:
                subprocess.run([sys.executable, __file__, str(args.out), "--child", scenario,
                                str(seed), str(folder)], stdout=log, stderr=subprocess.STDOUT,
                               env=env, check=True)
            write_labels(scenario, seed, folder)
            print(f"{folder.name} done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
