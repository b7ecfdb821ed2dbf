"""PyTorch Lightning 2 consoles as a redirect keeps them: the model summary (Rich's table or
the plain one) and tqdm's bar redrawn in place, from real runs of
scripts/make_seventeenthway_runs.py (Trainer with no logger: no "v_num" on the bar)."""
from __future__ import annotations

from tests.conftest import DATA, REALWORLD, needs_shared
from valgap.engine import merge_facts
from valgap.model import Facts
from valgap.parsers import lightning_progress, read

RUNS = DATA / "seventeenthway"


def _run(scenario: str):
    (run,) = read(str(RUNS / scenario / "train.log.gz"))
    assert run.info.format == lightning_progress.NAME
    return run


def test_the_rich_summary_table_lists_the_layers():
    # "│ 2 │ dropout2 │ Dropout │ 0 │ train │ 0 │": each layer an attribute of the module
    run = _run("lt_dropout-s1")
    assert run.info.layers == {"Linear": 3, "ReLU": 2, "Dropout": 2}
    assert not run.info.summary_partial
    assert run.epochs == 40
    assert merge_facts(run, Facts()).dropout is True


def test_a_complete_plain_summary_rules_batch_norm_out_but_not_dropout():
    # ModelSummary's plain table, "0 | linear0 | Linear | 1.4 K | train | 0": batch norm
    # is a module or nothing, but a PyTorch model may drop out in forward (F.dropout),
    # which no summary lists
    run = _run("lt_regression-s1")
    assert run.info.layers == {"Linear": 3, "ReLU": 2}
    facts = merge_facts(run, Facts())
    assert facts.dropout is None and facts.batchnorm is False


def test_a_summary_of_a_sequential_rules_nothing_out():
    # "0 | net | Sequential | 70.9 K | train": the Dropout inside is not listed
    run = _run("lt_dropout_hidden-s1")
    assert run.info.layers == {"Sequential": 1} and run.info.summary_partial
    facts = merge_facts(run, Facts())
    assert facts.dropout is None and facts.batchnorm is None
    assert any("top modules only" in note for note in run.info.notes)


def test_bars_without_a_logger_are_lightnings_where_its_banner_says_so():
    # no logger, no "v_num": "GPU available: ... TPU available: ..." names the Trainer, and
    # the plain summary's table is no loop's epoch table
    run = _run("lt_smoothing-s1")
    assert run.epochs == 40 and "val_loss" in run.table


def test_a_rich_bar_redirected_holds_one_epoch():
    run = _run("lt_dropout_rich-s1")
    assert run.epochs == 1
    assert any("only one epoch" in w for w in run.info.warnings)


def test_a_notebooks_print_of_the_model_fills_what_a_partial_summary_hides():
    # a public notebook: Lightning's summary lists "network | Sequential" and two metrics,
    # an earlier cell's print(model) the Linear, ReLU and Dropout layers inside it
    path = needs_shared(REALWORLD / "notebook" / ("MostafaKhaled2017__fashion-mnist-"
                                                   "classification__fashion_mnist_"
                                                   "classification_nn_pytorch.ipynb"))
    run = read(str(path))[-1]
    assert run.info.layers["Sequential"] == 1 and run.info.layers["Dropout"] == 1
    assert merge_facts(run, Facts()).dropout is True
