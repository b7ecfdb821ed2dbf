"""Chainer's logs (and pytorch-pfn-extras', which writes the same): LogReport's ``log``
file, a JSON list of records keyed ``main/loss`` and ``validation/main/loss``, and
PrintReport's console table. Real files: public runs committed to GitHub
(tests/data/public) and the twenty-fourth way's runs (tests/data/twentyfourthway)."""
from __future__ import annotations

import json

from tests.conftest import DATA
from valgap import parsers
from valgap.model import EVALUATION

PUBLIC = DATA / "public"
PFE = DATA / "twentyfourthway"


def test_a_logreport_file_by_epoch_is_read_with_its_chainer_keys():
    # Chainer's MNIST example: 15 records, one an epoch, "main/loss" its training loss
    path = PUBLIC / "chakio+handwrite_num_classifer__result_log"
    records = json.loads(path.read_text())
    run = parsers.read(str(path))[-1]
    assert run.info.format == "history-json" and run.epochs == len(records) == 15
    assert run.table["train_loss"].tolist() == [r["main/loss"] for r in records]
    assert run.table["val_loss"].tolist() == [r["validation/main/loss"] for r in records]
    assert run.info.row != EVALUATION


def test_a_logreport_file_by_iterations_is_a_row_per_evaluation():
    # LogReport(trigger=(150, 'iteration')): the epoch (those completed) repeats six or
    # seven times while the iteration climbs; each record is an evaluation, not an epoch
    path = PUBLIC / "YusukeKanai+LTHLearning__experiments_original_performance_result_log"
    records = json.loads(path.read_text())
    run = parsers.read(str(path))[-1]
    assert run.epochs == len(records) == 104
    assert run.info.row == EVALUATION
    assert any("one every 150 iterations" in note for note in run.info.notes)
    assert run.table["val_loss"].tolist() == [r["validation/main/loss"] for r in records]


def test_records_reported_every_few_epochs_keep_their_numbers(tmp_path):
    # LogReport(trigger=(5, 'epoch')): the real file's records, every fifth kept, as such
    # a trigger writes them; the table is indexed by the epochs the file names
    records = json.loads((PUBLIC / "EbichanOO+chainer_learn__result_log").read_text())
    sparse = [r for r in records if r["epoch"] % 5 == 0]
    path = tmp_path / "log"
    path.write_text(json.dumps(sparse, indent=4))
    run = parsers.read(str(path))[-1]
    assert list(run.table.index) == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]


def test_pfn_extras_printreport_console_is_read_as_its_table():
    # PrintReport's aligned columns, each row after an ESC[J, the model printed above
    folder = PFE / "pf_dropout_model-s1"
    numbers = json.loads((folder / "numbers.json").read_text())
    run = parsers.read(str(folder / "train.log"))[-1]
    assert run.info.format == "loop-text" and run.epochs == len(numbers["val"])
    # printed to six significant digits
    assert all(abs(a - b) < 1e-5 * b for a, b in zip(run.table["val_loss"], numbers["val"]))
    assert run.info.layers.get("Dropout") == 2  # print(model) names Dropout(p=0.5) twice
