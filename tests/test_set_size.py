"""The validation set's size read off its accuracies (valgap.set_size), on real logs."""
from __future__ import annotations

import json
import random

from tests.conftest import DATA
from valgap import config, engine
from valgap.engine import SMALL_SET, merge_facts
from valgap.parsers import read
from valgap.set_size import ORIGIN, counted_rows

PUBLIC = DATA / "public"


def test_keras_accuracies_over_30_rows_show_30_rows():
    # a transfer-learning run at chance: val_accuracy 0.533, 0.467, 0.5, 0.567 (16, 14, 15
    # and 17 of 30), stored as float32
    history = json.loads((PUBLIC / "RD-Bhowmik+transfer_learning_p2_code__training_metrics"
                          ".json").read_text())
    assert counted_rows(history["val_accuracy"]) == 30


def test_percentages_over_90_rows_show_90_rows():
    run = read(str(PUBLIC / "AdityaT-19+ISL-LSTM__logs_training_log.csv"))[-1]
    assert counted_rows(run.table["val_accuracy"].tolist()) == 90


def test_a_size_read_off_the_accuracies_is_a_run_fact_with_its_origin():
    run = read(str(PUBLIC / "AdityaT-19+ISL-LSTM__logs_training_log.csv"))[-1]
    facts = merge_facts(run, config.Config().facts)
    assert (facts.n_val, facts.origin["n_val"]) == (90, ORIGIN)
    result = engine.analyze_run(run, config.Config())
    noise = next(f for f in result.causes if f.rule == "noise")
    assert "90 validation samples, as the validation accuracies count them" in noise.evidence


def test_no_size_where_chance_could_put_the_values_on_a_lattice():
    rng = random.Random(7)
    assert all(counted_rows([round(rng.random(), 4) for _ in range(12)]) is None
               for _ in range(200))
    assert counted_rows([0.93, 0.95, 0.91, 0.97, 0.96, 0.92, 0.94]) is None  # two digits
    assert counted_rows([0.25, 0.5, 0.75]) is None  # too few values to tell
    # 2,400 rows printed to 4 decimals: too fine a lattice for seven values to show
    assert counted_rows([round(k / 2400, 4) for k in (1000, 1500, 1800, 2011, 2203, 2317,
                                                       2399)]) is None


def test_a_mean_of_batch_accuracies_shows_no_small_set():
    # the mean of 8 batch accuracies of 32 rows each but the last (of 7) sits on a lattice
    # of 1/1,792 at the finest: never a small set (the only sizes taken as a run fact)
    rng = random.Random(3)
    means = []
    for _ in range(10):
        batches = [rng.randint(20, 32) / 32 for _ in range(7)] + [rng.randint(3, 7) / 7]
        means.append(sum(batches) / len(batches))
    rows = counted_rows(means)
    assert rows is None or rows > SMALL_SET
