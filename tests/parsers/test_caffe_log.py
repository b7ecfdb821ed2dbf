"""Caffe's solver logs (glog), real ones committed with a GoogLeNet training study
(tests/data/public, JirenJin/training-experiments)."""
from __future__ import annotations

import pytest

from tests.conftest import DATA
from valgap.model import EVALUATION
from valgap.parsers import caffe_log, detect, read
from valgap.parsers._text import Source

PUBLIC = DATA / "public"
GOOGLENET = PUBLIC / "JirenJin+training-experiments__caffe.INFO"
LONGER = PUBLIC / "JirenJin+training-experiments__caffe.jin-PC.jin.log.INFO.20150703-200139.21340"


def test_a_test_every_n_iterations_is_a_row_its_loss_the_weighted_heads():
    run = read(str(GOOGLENET))[-1]
    assert run.info.format == caffe_log.NAME and run.info.row == EVALUATION
    assert len(run.table) == 150  # a test every 240 iterations
    second = run.table.iloc[1]
    # the test at iteration 480: its three heads as the net weighs them (0.3, 0.3, 1)
    assert second["val_loss"] == pytest.approx(1.59863 + 1.61663 + 5.37761)
    # the training losses displayed at 280 ... 480 (the solver prints 480's after the test)
    shown = [8.48078, 8.46794, 8.45032, 8.46692, 8.46228, 8.44994]
    assert second["train_loss"] == pytest.approx(sum(shown) / len(shown))
    assert second["val_accuracy"] == 0.009  # the first head's top-1


def test_the_printed_nets_and_solver_state_the_facts():
    info = read(str(GOOGLENET))[-1].info
    assert info.layers["Dropout"] and "xavier" not in info.layers  # a filler is no layer
    assert info.facts["augmentation"] is True  # the training data layer mirrors and crops
    assert info.facts["weight_penalty"] is False  # weight_decay acts on the gradients
    assert "gradients" in info.fact_origins["weight_penalty"]


def test_iterations_that_start_over_are_another_run(tmp_path):
    path = tmp_path / "caffe.log"
    path.write_bytes(GOOGLENET.read_bytes() + LONGER.read_bytes())
    runs = read(str(path))
    assert [len(r.table) for r in runs] == [150, len(read(str(LONGER))[-1].table)]


def test_a_log_whose_nets_fill_the_head_is_found():
    # GoogLeNet's two nets are printed over the first 100 KiB, before the first iteration
    assert detect(Source(str(GOOGLENET))) == caffe_log.NAME
    assert caffe_log.sniff("Epoch 1/10 - loss: 0.5 - val_loss: 0.6\n" * 5) == 0.0


def test_a_log_that_never_tested_has_no_validation():
    path = PUBLIC / "JirenJin+training-experiments__caffe.jin-PC.jin.log.INFO.20150704-174847.25106"
    run = read(str(path))[-1]
    assert "val_loss" not in run.table and run.info.row != EVALUATION
