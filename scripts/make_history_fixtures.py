#!/usr/bin/env python3
"""Write tests/data/histories/: one real Keras run's ``history.history`` saved the ways
people save it, to check that each reads as the same run.

  history.json          ``json.dump(history.history, f)``
  history-columns.json  ``pd.DataFrame(history.history).to_json(f)`` (orient "columns",
                        pandas' default: the way the most-quoted answer on saving a Keras
                        history does it)
  history-index.json    the same frame, ``orient="index"``
  history-split.json    the same frame, ``orient="split"``
  history.pkl           ``pickle.dump(history.history, f)`` (as the TensorFlow courses do)
  history.npy           ``np.save("history.npy", history.history)`` (a dict in an object
                        array)
  History-object.pkl    ``pickle.dump(history, f)``: the Keras object itself, which valgap
                        refuses to load (loading an object runs its code)

A small network with dropout on scikit-learn's digits (no download), 12 epochs. Keras and
pandas are needed only here::

    .venv-frameworks/bin/python scripts/make_history_fixtures.py tests/data/histories
"""
from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path


def main() -> int:
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    keras.utils.set_random_seed(1)
    x, y = load_digits(return_X_y=True)
    x_tr, x_val, y_tr, y_val = train_test_split(x / 16.0, y, test_size=0.25, random_state=0)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dropout(0.4), keras.layers.Dense(10)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x_tr, y_tr, validation_data=(x_val, y_val), epochs=12,
                        batch_size=32, verbose=0)
    with open(folder / "history.json", "w") as out:
        json.dump(history.history, out)
    frame = pd.DataFrame(history.history)
    with open(folder / "history-columns.json", "w") as out:
        frame.to_json(out)
    frame.to_json(folder / "history-index.json", orient="index")
    frame.to_json(folder / "history-split.json", orient="split")
    with open(folder / "history.pkl", "wb") as out:
        pickle.dump(history.history, out)
    np.save(folder / "history.npy", history.history)
    history._model = None  # the object without its model (which does not pickle)
    with open(folder / "History-object.pkl", "wb") as out:
        pickle.dump(history, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
