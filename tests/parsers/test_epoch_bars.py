"""A tqdm bar that counts epochs, its postfix the epoch's values, is a log of epochs: Keras's
TqdmCallback (tqdm.keras) and a loop over ``trange(epochs, unit="epoch")`` calling
``set_postfix``, from real runs of scripts/make_tqdm_fixtures.py (tests/data/tqdm)."""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from valgap.parsers import read
from valgap.parsers._text import Limits
from valgap.parsers.loop_text import _Reader

TQDM = DATA / "tqdm"
EXPECTED = json.loads((TQDM / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bar_of_epochs_is_read_epoch_by_epoch(name):
    # the bar shows 3 significant digits ("loss=0.621"): its values are the run's, rounded
    (run,) = read(str(TQDM / name))
    want = EXPECTED[name]
    assert run.info.format == "loop-text" and run.epochs == want["epochs"]
    assert list(run.table.index[:2]) == [1, 2]
    for column, (first, last) in (("train_loss", want["train"]), ("val_loss", want["val"])):
        assert run.table[column].iloc[0] == pytest.approx(first, rel=5e-3)
        assert run.table[column].iloc[-1] == pytest.approx(last, rel=5e-3)


def test_a_loop_that_sets_its_postfix_after_an_epoch_is_read_at_the_right_count():
    # trange draws epoch 2's values at count 1 (set_postfix), then again at count 2 when
    # the loop moves on: the first state at a count is its epoch's
    (run,) = read(str(TQDM / "trange-loop.log"))
    raw = (TQDM / "trange-loop.log").read_text()
    at_two = raw.split("| 2/30 [")[1].split("]")[0]
    assert f"train_loss={run.table['train_loss'].iloc[1]:.3g}" in at_two


def test_a_bar_of_batches_is_no_epoch_whatever_its_postfix():
    # a batch bar (its rate in it/s) showing the last validation loss is a batch's state
    reader = _Reader("", Limits())
    bars = "".join(f"\r 50%|#####     | {k}/20 [00:01<00:01, 9.8it/s, loss=0.{k}, val_loss=0.3]"
                   for k in range(1, 20))
    reader.feed(bars, 1)
    assert not reader.records


def test_a_bar_of_epochs_on_lines_of_its_own_is_skipped_as_every_bare_bar():
    # a logging handler keeps each state on a line (public: a Keras run whose callback also
    # logs the epoch's values unrounded, "val_loss=4.3607"): such bars are skipped, in a
    # file and in watch alike, as any bar line alone is
    reader = _Reader("", Limits())
    reader.feed(" 10%|#         | 1/10 [00:26<04:01, 26.86s/epoch, loss=4.82, val_loss=4.36]", 1)
    assert not reader.records

