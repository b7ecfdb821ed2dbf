"""Saved histories (valgap.parsers.memory) in the shapes public logs take beyond a dict of
lists: an object holding its records beside the run's settings, and records whose sets'
values are objects of their own. Real files: public runs committed to GitHub
(tests/data/public)."""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from valgap import parsers
from valgap.parsers import _table

PUBLIC = DATA / "public"

def _public(name: str) -> tuple:
    """A public history (tests/data/public) as JSON, and the last run valgap reads of it."""
    path = PUBLIC / name
    return json.loads(path.read_text()), parsers.read(str(path))[-1]


def test_a_loss_named_with_its_average_after_it_is_a_loss():
    assert _table.canonical("train_loss_avg") == ("train", "loss")
    assert _table.canonical("val_loss_mean") == ("val", "loss")
    assert _table.canonical("acc_avg") == ("train", "accuracy")


def test_a_sets_epoch_counter_is_no_loss_of_that_set():
    # {"train": [{"epoch": 0, "epoch_loss": ...}], "val": [...]} flattens to train_epoch
    # beside train_epoch_loss; Lightning's train_loss_epoch is still the loss
    assert _table.canonical("train_epoch") is None and _table.canonical("val_epoch") is None
    assert _table.canonical("train_loss_epoch") == ("train", "loss")
    assert _table.canonical("train_epoch_loss") == ("train", "loss")


def test_an_object_holding_its_epoch_records_beside_its_steps_reads_the_epochs():
    # {"config": ..., "steps": [9,500 step losses], "epochs": [{"train_loss_avg": ...,
    # "valid_loss": ...}, ...]}: read as loop prints before, with no training loss
    data, run = _public("ZhujBlmn+dl-assignment2__training_log.json")
    epochs = data["epochs"]
    assert run.info.format == "history-json" and run.epochs == len(epochs) == 10
    assert run.table["train_loss"].tolist() == [e["train_loss_avg"] for e in epochs]
    assert run.table["val_loss"].tolist() == [e["valid_loss"] for e in epochs]


def test_the_settings_beside_the_records_are_the_runs_facts():
    # {"seed": 42, "config": {..., "dropout": 0.1}, "history": [...]}
    run = parsers.read(str(PUBLIC / "aryaa-deshpande+TinyGPT__training_log.json"))[-1]
    assert run.info.format == "history-json" and run.epochs == 5
    assert run.info.facts.get("dropout") == 0.1 and "settings" in run.info.facts_origin


def test_records_whose_sets_are_objects_of_their_own_are_read():
    # [{"epoch": 1, "train": {"total": ..., "keypoint": ...}, "val": {"total": ...}}, ...]:
    # refused before (no key named a loss); a set's total is its loss
    records, run = _public("Aedo119+gcp-pose-estimation__training_log.json")
    assert run.epochs == len(records) == 20
    assert run.table["train_loss"].tolist() == [r["train"]["total"] for r in records]
    assert run.table["val_loss"].tolist() == [r["val"]["total"] for r in records]
    assert "val_keypoint" in run.table  # the parts kept as metrics


def test_a_keras_history_inside_a_report_is_read():
    # {"image_size": 160, ..., "history": {"loss": [...], "val_loss": [...]}, ...}
    data, run = _public("Selvamaribose+CIFAKE-AI-Synthetic-Image-Classification__"
                        "training_metrics.json")
    history = data["history"]
    assert run.epochs == len(history["loss"]) == 10
    assert run.table["val_loss"].tolist() == history["val_loss"]


def test_records_a_set_under_the_sets_names_are_zipped():
    # {"train": [{"total": ..., "bbox": ...}, ...300], "val": [...300]}
    data, run = _public("korbinshen-pixel+efficient_RGBD_0421__loss_history.json")
    assert run.epochs == 300
    assert run.table["train_loss"].tolist() == [r["total"] for r in data["train"]]
    assert run.table["val_loss"].tolist() == [r["total"] for r in data["val"]]


def test_epoch_records_whose_values_sit_in_a_metrics_object_are_read():
    # {"config": ..., "metrics_history": {"step": [...], "loss": [...]}, "epoch_stats":
    # [{"epoch": 0, "metrics": {"loss": ..., "eval_loss": ...}}, ...]}: the epoch records
    # name both sets' losses, the step lists the training loss alone
    data, run = _public("Dolappo+eng_to_hausa_mlt__training_metrics.json")
    stats = data["epoch_stats"]
    assert run.epochs == len(stats) == 10
    assert run.table["val_loss"].tolist() == [e["metrics"]["eval_loss"] for e in stats]


def test_each_sets_loss_under_the_sets_name_alone_is_read():
    # {"train": [0.0878, ...100], "val": [0.0439, ...100]}: a diffusion model's losses, no
    # key naming a loss at all
    data, run = _public("RaniaMostafa0+ddpm-mnist__losses.json")
    assert run.epochs == 100
    assert run.table["train_loss"].tolist() == data["train"]
    assert run.table["val_loss"].tolist() == data["val"]


def test_a_printed_history_saved_as_a_json_string_is_read():
    # json.dump(str(history.history), f): "{'val_loss': [0.22, ...], 'loss': [...], ...}",
    # a dict's repr inside a JSON string; read as a literal, never run
    path = PUBLIC / "alperclk+Video-Event-Detection-With-LSTM__model_history.json"
    run = parsers.read(str(path))[-1]
    assert run.epochs == 5
    assert run.table["val_loss"].iloc[0] == 0.22135592500368753
    assert run.table["train_loss"].iloc[0] == 0.5522921511105129


def test_a_validation_list_shorter_than_trainings_is_paired_by_its_steps():
    # {"train_steps": [100, 200, ...120], "train_losses": [...], "valid_steps": [400, 800,
    # ...30], "valid_losses": [...], "bleu_steps": ..., "valid_ppl": [...30]}: one row per
    # evaluation, its training loss the mean of the four logged since the one before
    data, run = _public("BMIHALKO+tiny-transformer-final__loss_log.json")
    assert run.epochs == 30 and run.info.row == "evaluation"
    assert run.table["val_loss"].tolist() == data["valid_losses"]
    first = [v for s, v in zip(data["train_steps"], data["train_losses"]) if s <= 400]
    assert run.table["train_loss"].iloc[0] == sum(first) / len(first)


def test_validation_values_without_steps_are_spread_over_trainings():
    # {"steps": [0..4999], "train": [...5000], "val": [...50]}: one evaluation every 100
    data, run = _public("wakchu+DanteLLM__loss_log.json")
    assert run.epochs == 50 and run.table["val_loss"].tolist() == data["val"]
    assert abs(run.table["train_loss"].iloc[-1] - sum(data["train"][-100:]) / 100) < 1e-9
    assert any("one every 100 training values" in n for n in run.info.notes)


def test_records_a_set_of_different_lengths_are_paired_by_their_steps():
    # a LoRA fine-tune: {"config": {...}, "training_losses": [{"step", "loss", "time"},
    # ...329], "validation_losses": [...12]}
    data, run = _public("SimonasArliukas+Deep_learning_task2_Simonas__loss_log.json")
    assert run.epochs == 12
    assert run.table["val_loss"].tolist() == [r["loss"] for r in data["validation_losses"]]


def test_loss_lists_among_summary_scores_set_the_rows_not_the_predictions_beside_them():
    # {"num_epochs": 2000, "accuracy": ..., "val_losses": [...2000], "train_losses":
    # [...2000], "y_val_np": [...15947], "y_val_pred_class_np": [...15947]}
    data, run = _public("davialmeida135+Stocks-Machine-Learning__auxiliar_code2_historico_"
                        "treinamento1_train_metrics.json")
    assert run.epochs == 2000 and run.table["val_loss"].tolist() == data["val_losses"]
    assert run.table["train_loss"].tolist() == data["train_losses"]


def test_a_sacred_runs_scalars_are_read_with_their_steps():
    # a real Sacred run (scripts/make_sacred_fixture.py): log_scalar's metrics.json, each
    # name's steps, timestamps and values side by side
    folder = DATA / "sacred"
    expected = json.loads((folder / "expected.json").read_text())
    (run,) = parsers.read(str(folder / "metrics.json"))
    assert run.epochs == expected["epochs"] == 60
    assert run.table["train_loss"].iloc[0] == expected["first"][0]
    assert run.table["val_loss"].iloc[-1] == expected["last"][1]
    assert "validation.accuracy" in run.info.columns.values()



def test_a_public_sacred_run_of_one_step_is_read_without_a_curve():
    # Sacred's metrics.json as committed (aida-ugent/tgne, my_runs/1): one step of a
    # training loss beside its gradients' norms, no validation
    data, run = _public("aida-ugent+tgne__my_runs_1_metrics.json")
    assert run.epochs == 1 and run.table["train_loss"].tolist() == data["loss"]["values"]
    assert "val_loss" not in run.table


HISTORIES = DATA / "histories"  # one real Keras run's history saved four ways


@pytest.mark.parametrize("name", ["history-columns.json", "history-index.json",
                                  "history-split.json"])
def test_a_history_saved_by_pandas_to_json_reads_as_json_dump_does(name):
    # pd.DataFrame(history.history).to_json(f): pandas' orients hold the same numbers
    saved = json.loads((HISTORIES / "history.json").read_text())
    run = parsers.read(str(HISTORIES / name))[-1]
    reference = parsers.read(str(HISTORIES / "history.json"))[-1]
    assert run.info.format == "history-json" and run.epochs == len(saved["loss"]) == 12
    assert run.table["train_loss"].tolist() == pytest.approx(saved["loss"], rel=1e-9)
    assert run.table["val_loss"].tolist() == pytest.approx(saved["val_loss"], rel=1e-9)
    assert run.table.columns.tolist() == reference.table.columns.tolist()


def test_an_object_of_objects_keyed_by_anything_else_is_no_saved_frame():
    from valgap.parsers.memory import _saved_frame

    assert _saved_frame({"train": {"loss": [0.5]}, "val": {"loss": [0.6]}}) is None
    assert _saved_frame({"loss": [0.5, 0.4], "val_loss": [0.6, 0.5]}) is None
    assert _saved_frame({"0": {"loss": [0.5, 0.4]}}) is None  # a fold's lists, no row
    assert _saved_frame({"loss": {"0": 0.5, "1": 0.4}}) == {"loss": [0.5, 0.4]}
    assert _saved_frame({"0": {"loss": 0.5}, "1": {"loss": 0.4}}) == [{"loss": 0.5},
                                                                    {"loss": 0.4}]
