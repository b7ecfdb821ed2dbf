"""Which logged MLflow parameters are run facts (the stores themselves are tested against the
real mlflow client in tests/trackers)."""
from __future__ import annotations

from valgap.parsers._params import param_facts


def test_rates_flags_and_sizes_become_facts():
    facts = param_facts({"Dropout": "0.3", "label_smoothing": "0.1", "batch_norm": "True",
                         "augment": "false", "train_size": "38140", "val_size": "9520.0"})
    assert facts == {"dropout": 0.3, "loss_weighting": True, "batchnorm": True,
                     "augmentation": False, "n_train": 38140, "n_val": 9520}


def test_a_zero_rate_rules_the_mechanism_out_and_junk_says_nothing():
    assert param_facts({"dropout": "0", "label_smoothing": "0.0"}) == {
        "dropout": False, "loss_weighting": False}
    assert param_facts({"dropout": "high", "train_size": "-5", "augment": "maybe"}) == {}


def test_the_trainers_label_smoothing_factor_is_no_training_only_weighting():
    # the Hugging Face Trainer smooths its evaluation loss as its training loss
    # (tests/data/thirtythirdway/hf_smoothing: no gap), which its logged arguments carry
    assert param_facts({"label_smoothing_factor": "0.2"}) == {}
    assert param_facts({"label_smoothing": "0.2"}) == {"loss_weighting": True}


def test_weight_decay_rules_a_penalty_out_only_at_zero():
    # AdamW decays the weights without a term in the logged loss: a positive decay is silent
    assert param_facts({"weight_decay": "0"}) == {"weight_penalty": False}
    assert param_facts({"weight_decay": "0.01"}) == {}


def test_an_l2_weight_states_a_penalty_and_an_l2_width_says_nothing():
    # a Ray Tune trial's config (scripts/make_sixteenthway_runs.py adds l2 * |w|^2 to its
    # loss); Ray's PyTorch tutorial names its second hidden layer's width "l2"
    assert param_facts({"l2": "0.003"}) == {"weight_penalty": True}
    assert param_facts({"l2_lambda": "0"}) == {"weight_penalty": False}
    assert param_facts({"l1": "128", "l2": "8"}) == {}
