"""HF Trainer, plain loop text, TensorBoard events and exports, notebooks, odd bytes."""
from __future__ import annotations

import bz2
import codecs
import gzip
import json
import lzma
import math

import pytest

from tests.conftest import DATA, SAMPLES
from valgap import config, engine
from valgap.model import InputError
from valgap.parsers import Options, _table, detect, read
from valgap.parsers._text import Source, segments


def test_trainer_state_one_row_per_evaluation():
    state = json.loads((DATA / "hf" / "trainer_state.json").read_text())
    evals = [e for e in state["log_history"] if "eval_loss" in e]
    run = read(str(DATA / "hf" / "trainer_state.json"))[-1]
    assert run.info.format == "hf-trainer-state"
    assert run.epochs == len(evals)
    assert list(run.table["val_loss"]) == pytest.approx([e["eval_loss"] for e in evals])
    first_train = [e["loss"] for e in state["log_history"]
                   if "loss" in e and e["step"] <= evals[0]["step"]]
    assert run.table.loc[1, "train_loss"] == pytest.approx(sum(first_train) / len(first_train))
    assert any("mean of the training logs" in n for n in run.info.notes)


def test_trainer_folder_and_printed_dicts_agree_with_the_state():
    state = read(str(DATA / "hf"))[-1]  # the output folder holding trainer_state.json
    printed = read(str(DATA / "hf" / "stdout.log"))[-1]
    assert printed.info.format == "hf-trainer-stdout"
    assert printed.epochs == state.epochs
    # the printed dicts round to 4 significant digits
    assert (printed.table["val_loss"] - state.table["val_loss"]).abs().max() < 1e-3


def _notebook_of(path, outputs: list[str]) -> str:
    path.write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["run()"], "metadata": {}, "execution_count": i,
         "outputs": [{"output_type": "stream", "name": "stdout",
                      "text": text.splitlines(True)}]}
        for i, text in enumerate(outputs)], "metadata": {}, "nbformat": 4,
        "nbformat_minor": 5}))
    return str(path)


def test_a_notebook_lends_a_run_the_model_printed_before_it_not_after(tmp_path):
    # the seventh way's dropout CNN: print(model), then one line an epoch
    log = (DATA / "seventhway" / "dropout-s1" / "train.log").read_text()
    model, epochs = log.split("\nEpoch", 1)
    before = read(_notebook_of(tmp_path / "a.ipynb", [model, "Epoch" + epochs]))[-1]
    assert {"Dropout", "Dropout2d"} <= set(before.info.layers)
    after = read(_notebook_of(tmp_path / "b.ipynb", ["Epoch" + epochs, model]))[-1]
    assert after.info.layers == {}


def test_trainer_validation_size_from_its_evaluation_speed():
    # digits split 80/20 (360 rows) and a sixth-way run with 24 validation rows: the Trainer
    # prints no size, but eval_samples_per_second x eval_runtime gives it back
    assert read(str(DATA / "hf" / "trainer_state.json"))[-1].info.n_val == 360
    assert read(str(DATA / "hf" / "stdout.log"))[-1].info.n_val == 360
    tiny = DATA / "sixthway" / "tiny_val-s1" / "trainer_state.json"
    assert read(str(tiny))[-1].info.n_val == 24


def test_trainer_steps_per_epoch_from_its_step_and_epoch():
    # 1437 digits rows in batches of 64: 23 steps an epoch; the sixth way's batch-norm runs
    # take 1800 rows in batches of 4: 450
    assert read(str(DATA / "hf" / "trainer_state.json"))[-1].info.steps_per_epoch == 23
    state = DATA / "sixthway" / "batchnorm_tiny_batch-s1" / "trainer_state.json"
    assert read(str(state))[-1].info.steps_per_epoch == 450


def test_a_trainer_console_states_the_model_it_printed():
    # the twentieth way's consoles: print(model) of a BERT with dropout 0.3, and one whose
    # config set every dropout to 0 (its Dropout(p=0.0) rows drop nothing)
    way = DATA / "twentiethway"
    shown = read(str(way / "hf_dropout_shown-s1" / "train.log.gz"))[-1].info
    assert shown.format == "hf-trainer-stdout"
    assert shown.layers["Dropout"] == 5 and shown.layers["LayerNorm"] == 3
    off = read(str(way / "hf_epoch_logged-s1" / "train.log.gz"))[-1].info
    assert "Dropout" not in off.layers and off.layers["Linear"] == 8
    facts = engine.analyze_input(str(way / "hf_dropout_shown-s1" / "train.log.gz"),
                                 config.Config())[-1]
    assert facts.causes[0].rule == "dropout"


def test_a_trainer_console_gives_steps_an_epoch_from_its_bar_or_its_account():
    # 3,000 rows in batches of 32: 94 steps an epoch. With no INFO account, the training
    # bar's total (752 over 8 epochs; the evaluation bar's 7 is no whole number of epochs);
    # at INFO level, the Trainer's own account, with both split sizes and the batch size
    way = DATA / "twentiethway"
    bar = read(str(way / "hf_dropout_steps-s1" / "train.log.gz"))[-1].info
    assert (bar.steps_per_epoch, bar.n_train, bar.batch_size) == (94, None, None)
    told = read(str(way / "hf_regression-s1" / "train.log.gz"))[-1].info
    assert (told.steps_per_epoch, told.n_train, told.n_val, told.batch_size) == \
        (94, 3000, 800, 32)


def test_a_trainer_console_stopped_mid_epoch_gives_no_steps_an_epoch(tmp_path):
    # a run cut short by max_steps ends at a fractional epoch: its bar's total is no whole
    # number of epochs' steps
    path = tmp_path / "train.log"
    path.write_text("  5%|5         | 10/200 [00:01<00:19, 9.9it/s]\n"
                    "{'loss': '0.9', 'grad_norm': '1.0', 'learning_rate': '1e-4', "
                    "'epoch': '0.5'}\n"
                    "{'eval_loss': '0.8', 'eval_runtime': '0.1', 'epoch': '0.5'}\n"
                    "{'loss': '0.7', 'grad_norm': '1.0', 'learning_rate': '1e-4', "
                    "'epoch': '1.25'}\n"
                    "{'eval_loss': '0.6', 'eval_runtime': '0.1', 'epoch': '1.25'}\n"
                    "100%|##########| 200/200 [00:20<00:00, 9.9it/s]\n")
    assert read(str(path))[-1].info.steps_per_epoch is None


def test_a_trainer_run_of_many_steps_is_not_read_as_a_pre_update_loss():
    # a dropout network, 23 updates an epoch: a one-epoch shift that happens to fit is not
    # the loss taken before the epoch's only update
    result = engine.analyze_input(str(DATA / "hf" / "trainer_state.json"), config.Config())[-1]
    assert "pre-update-loss" not in [c.rule for c in result.causes]


def test_trainer_validation_size_needs_both_figures(tmp_path):
    state = json.loads((DATA / "hf" / "trainer_state.json").read_text())
    for entry in state["log_history"]:
        entry.pop("eval_samples_per_second", None)
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps(state))
    assert read(str(path))[-1].info.n_val is None


def test_loop_text_reads_epoch_lines_and_split_sizes():
    run = read(str(DATA / "loop" / "train.log"))[-1]
    assert run.info.format == "loop-text"
    assert (run.info.n_train, run.info.n_val) == (1437, 360)
    assert run.epochs == 12
    line = next(text for text in (DATA / "loop" / "train.log").read_text().splitlines()
                if text.startswith("epoch  12"))
    assert run.table.loc[12, "val_loss"] == float(line.split()[-1])
    assert "Dropout" not in run.info.layers  # Dropout(p=0.0) drops nothing


@pytest.mark.parametrize("text", [
    "Epoch 1: train loss: 2.25 - validation loss: 2.13\nEpoch 2: train loss: 2.03 - "
    "validation loss: 1.76\n",
    "epoch   1 | train_loss 2.25 | val_loss 2.13 | lr 1e-3\nepoch   2 | train_loss 2.03 | "
    "val_loss 1.76 | lr 1e-3\n",
    "[1/20] loss=2.25 val_loss=2.13\n[2/20] loss=2.03 val_loss=1.76\n",
    "2025-04-24 21:16:20,207 - INFO - Epoch [1/50], Train Loss: 2.25, Val Loss: 2.13\n"
    "2025-04-24 21:18:20,207 - INFO - Epoch [2/50], Train Loss: 2.03, Val Loss: 1.76\n",
    "Epoch [1/100] - Time: 0.66s\n  Train Loss: 2.25, Train Acc: 41%\n  Val Loss: 2.13, "
    "Val Acc: 64%\nEpoch [2/100] - Time: 0.61s\n  Train Loss: 2.03, Train Acc: 50%\n"
    "  Val Loss: 1.76, Val Acc: 70%\n",
    "| Epoch | Train Loss | Val Loss |\n|---|---|---|\n| 1 | 2.25 | 2.13 |\n| 2 | 2.03 | 1.76 |\n",
    "Epoch 1/2: 100%|██████| 5/5 [00:01<00:00, loss=2.9]\nEpoch 1/2 Train Loss: 2.25, "
    "Val Loss: 2.13, Test Loss: 9.9\nEpoch 2/2 Train Loss: 2.03, Val Loss: 1.76, Test Loss: 9.9\n",
])
def test_loop_text_shapes(text):
    run = read("-", data=text.encode())[-1]
    assert run.info.format == "loop-text"
    assert list(run.table["train_loss"]) == [2.25, 2.03]
    assert list(run.table["val_loss"]) == [2.13, 1.76]  # never the test loss


def test_a_number_with_a_unit_of_time_is_no_metric():
    # detectron2's evaluation: "Inference done 11/548. Dataloading: 0.0012 s/iter. ...
    # Eval: 0.0005 s/iter" is how long each iteration took, not a validation loss
    path = DATA / "public" / "Xiang108+csie2103-cascaded-zoomin-repro__train.log"
    assert "Eval: 0.0005 s/iter" in path.read_text(encoding="utf-8", errors="replace")
    run = read(str(path))[-1]
    assert "val_loss" not in run.table and run.table["train_loss"].notna().all()
    text = "Epoch 1 loss: 2.25 val: 2.13 eval: 0.4 s\nEpoch 2 loss: 2.03 val: 1.76 eval: 0.5 s\n"
    assert list(read("-", data=text.encode())[-1].table["val_loss"]) == [2.13, 1.76]


def test_a_banner_names_the_set_and_the_epoch_of_the_lines_under_it():
    # "=====training epoch 2=====" then "Epoch 1 | loss = 0.018 | current = 0.952", and
    # "=====validate epoch 2=====" then the same line shape with the validation's loss
    path = DATA / "public" / "Jia-Baos+LeNet__log.txt"
    lines = path.read_text().splitlines()
    runs = read(str(path))
    assert len(runs) == 2
    second = max(i for i, t in enumerate(lines) if "training epoch 1=" in t)
    valid = [t for t in lines[second:] if t.startswith("Epoch")][1::2]  # after each banner
    val = [float(t.split("loss = ")[1].split()[0]) for t in valid]
    assert list(runs[-1].table["val_loss"]) == val[:runs[-1].epochs]
    assert runs[-1].table["train_loss"].iloc[0] == 0.018


def test_a_metric_printed_as_its_value_is_that_metric():
    # Megatron-LM: " iteration 60/ 1000 | ... | lm loss: 8.638345E+00 | loss scale: 4096.0 |"
    # every 10 iterations and " validation loss at iteration 50 | lm loss value: 8.889540E+00
    # | lm loss PPL: ..." every 50 (an excerpt of a public GPT-2 pretraining log, as printed)
    path = DATA / "loop" / "megatron_gpt2_excerpt.log"
    lines = path.read_text().splitlines()
    val = [float(t.split("lm loss value: ")[1].split()[0]) for t in lines
           if "lm loss value" in t]
    run = read(str(path))[-1]
    assert len(val) == 4 and list(run.table["val_loss"]) == val
    # each evaluation's training loss the mean of the iterations since the one before
    first = [float(t.split("lm loss: ")[1].split()[0]) for t in lines[:lines.index(
        next(t for t in lines if "validation loss at iteration 50" in t))] if "lm loss: " in t]
    assert run.table["train_loss"].iloc[0] == pytest.approx(sum(first) / len(first))


def test_a_validation_perplexity_is_read_as_the_logarithm_of_its_loss():
    # OpenNMT-py: "Step 450/ 1000; acc: 16.00; ppl: 524.51; xent: 6.26; ..." every 50 steps,
    # "Validation perplexity: 276.766" every 500: no validation loss is printed, but a
    # perplexity is e to the mean cross-entropy, and xent (its training loss) is on that
    # scale, as its own perplexity shows
    path = DATA / "loop" / "opennmt_library_example.log"
    lines = path.read_text().splitlines()
    run = read(str(path))[-1]
    ppl = [float(t.split("Validation perplexity: ")[1]) for t in lines if "perplexity" in t]
    assert list(run.table["val_loss"]) == pytest.approx([math.log(p) for p in ppl])
    xent = [float(t.split("xent: ")[1].split(";")[0]) for t in lines if "xent" in t]
    assert run.table["train_loss"].iloc[0] == pytest.approx(sum(xent[:10]) / 10)
    assert run.info.columns["train_loss"] == "xent"
    assert any("logarithm of its perplexity" in w for w in run.info.warnings)
    # a loss in bits beside its perplexity (fairseq's: ppl = 2 ** loss) is not on e's scale:
    # both sets' perplexities are read instead
    bits = "".join(f"Epoch {e} loss: {x:.3f} ppl: {2 ** x:.2f} val_ppl: {2 ** (x + .1):.2f}\n"
                   for e, x in enumerate((7.0, 6.2, 5.9, 5.8), 1))
    run = read("-", data=bits.encode())[-1]
    assert list(run.table["train_loss"]) == pytest.approx(
        [x * math.log(2) for x in (7.0, 6.2, 5.9, 5.8)], rel=1e-3)


def test_a_table_of_set_columns_gives_its_epoch_each_sets_values():
    # AllenNLP: after "Epoch 3/39", its bars and "Validating", a table whose columns are the
    # sets and whose rows the metrics, a logger's name before each row:
    # "... tensorboard_writer - loss          |     1.389  |     1.198"
    path = DATA / "loop" / "allennlp_simple_tagger_excerpt.log"
    rows = [line.split(" - ")[-1].split("|") for line in path.read_text().splitlines()
            if line.split(" - ")[-1].startswith("loss ")]
    run = read(str(path))[-1]
    assert run.epochs == len(rows) == 6
    assert list(run.table["train_loss"]) == [float(r[1]) for r in rows]
    assert list(run.table["val_loss"]) == [float(r[2]) for r in rows]
    assert list(run.table["val_accuracy"])[-1] == 0.827  # "N/A" cells are no value
    assert "val_cpu_memory_mb" not in run.table
    # with no epoch line, each table is the next epoch
    lines = [line for line in path.read_text().splitlines() if "Epoch 4/39" not in line]
    run = read("-", data="\n".join(lines).encode())[-1]
    assert list(run.table["val_loss"]) == [float(r[2]) for r in rows]


def test_a_cell_of_the_sets_table_that_is_no_number_ends_the_table():
    # found by the fuzzer: a byte gone bad in a value ("\ufffd.231") raised from the number
    # reader; such a line is no row of the table (its epoch keeps no loss), and the log
    # is read all the same
    path = DATA / "loop" / "allennlp_simple_tagger_excerpt.log"
    text = path.read_text().replace("|     3.231", "|     \ufffd.231", 1)
    run = read("-", data=text.encode())[-1]
    assert list(run.table["val_loss"]) == [2.489, 1.612, 1.198, 0.942, 0.769]


def test_a_boxed_table_of_the_sets_values_is_read_either_way_round():
    # Ludwig: "│ loss │ 0.4619 │ 0.5039 │ 0.4488 │" under "│ │ train │ validation │ test │"
    # (its own example), after each "Epoch N" it logs; older versions put the sets in rows
    # ("│ train │ 0.7351 │", "│ vali │ ...") under a feature's "│ Survived │ loss │ ... │"
    table = (DATA / "loop" / "ludwig_metrics_table.txt").read_text()
    row = next(line for line in table.splitlines() if line.startswith("│ loss "))
    train, val, _ = (float(c) for c in row.strip("│ ").split("│")[1:])
    text = "".join(f"Epoch {e}\n{table}" for e in (1, 2, 3))
    run = read("-", data=text.encode())[-1]
    assert run.epochs == 3 and list(run.table["train_loss"]) == [train] * 3
    assert list(run.table["val_loss"]) == [val] * 3 and "val_specificity" in run.table
    rows = ("Epoch {e}\n╒══════════╤════════╤════════════╕\n│ Survived │   loss │   accuracy │\n"
            "╞══════════╪════════╪════════════╡\n│ train    │ {t:.4f} │     0.7712 │\n"
            "├──────────┼────────┼────────────┤\n│ vali     │ {v:.4f} │     0.7500 │\n"
            "╘══════════╧════════╧════════════╛\n")
    text = "".join(rows.format(e=e, t=1 / e, v=1 / e + 0.1) for e in (1, 2, 3, 4))
    run = read("-", data=text.encode())[-1]
    assert list(run.table["val_loss"].round(4)) == [round(1 / e + 0.1, 4) for e in (1, 2, 3, 4)]


def test_an_epoch_printed_as_epochs_numbers_its_line():
    # five BERT fine-tunes after each other, each "Epochs: 1 | Train Loss:  0.218 | ... |
    # Val Loss:  0.047 | ..." to "Epochs: 5": five runs of 5 epochs, not one of 25 (a
    # fraction after the word is no epoch: "Total epochs: 0.1021")
    path = DATA / "public" / "douglascastrorj+fakenews-mestrado__exp.log"
    starts = [line for line in path.read_text().splitlines() if line.startswith("Epochs: 1 ")]
    runs = read(str(path))
    assert len(runs) == len(starts) == 10 and {r.epochs for r in runs} == {5}
    run = read("-", data=b"Total epochs: 0.1021\nstep 1 loss 2.5\nstep 2 loss 2.4\n")[-1]
    assert run.epochs == 2


def test_a_held_out_set_is_read_where_a_log_has_no_validation():
    # "[pretrain] epoch   3/40  train=14.9218  heldout=13.1910": the held-out set is the
    # only one beside training; a held-out set beside a validation set is the test set
    path = DATA / "public" / "bjorvack+lorcana-training__pretrain.log"
    rows = [line.split() for line in path.read_text().splitlines()
            if line.startswith("[pretrain] epoch")]
    run = read(str(path))[-1]
    assert run.info.columns["val_loss"] == "heldout" and run.epochs == len(rows) == 28
    assert list(run.table["val_loss"]) == [float(r[4].split("=")[1]) for r in rows]
    for name in ("heldout", "held_out_loss", "Held-out loss", "holdout_loss", "loss_holdout"):
        assert _table.canonical(name) == ("test", "loss")
    assert _table.canonical("threshold_out") == ("train", "threshold_out")
    both = "Epoch 1 loss: 2.2 val_loss: 2.1 holdout_loss: 2.4\nEpoch 2 loss: 2.0 val_loss: 1.9 " \
           "holdout_loss: 2.3\n"
    assert list(read("-", data=both.encode())[-1].table["val_loss"]) == [2.1, 1.9]


def test_a_loss_named_for_its_set_outranks_a_bare_one_of_the_same_epoch():
    # "Epoch 1 [IMPR] loss = 0.502" (the validation loss that improved) then "Training
    # loss: 0.433, Valid loss: 0.502": the bare "loss" is training's only by default
    path = DATA / "public" / "Haodan2401+densenet__results_train.log"
    pairs = [line.split(", ") for line in path.read_text().splitlines()
             if line.startswith("Training loss:")]
    run = read(str(path))[-1]
    assert run.info.columns == {"train_loss": "Training loss", "val_loss": "Valid loss"}
    assert list(run.table["train_loss"]) == [float(p[0].split()[-1]) for p in pairs[-3:]]
    assert list(run.table["val_loss"]) == [float(p[1].split()[-1]) for p in pairs[-3:]]


def test_tensorboard_lightning_events_match_metrics_csv():
    events = read(str(DATA / "lightning" / "tb"))[-1]
    csv = read(str(DATA / "lightning" / "metrics.csv"))[-1]
    assert events.info.format == "tb-events"
    assert events.epochs == csv.epochs
    assert (events.table["val_loss"] - csv.table["val_loss"]).abs().max() < 1e-6
    assert (events.table["train_loss"] - csv.table["train_loss"]).abs().max() < 1e-6


def _event_points(folder) -> dict[str, list[tuple[int, float]]]:
    """Every scalar as TensorBoard itself reads it (no sampling)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)]
            for tag in events.Tags()["scalars"]}


def test_tensorboard_training_steps_meet_validation_epochs():
    # a SummaryWriter loop: Loss/train every 5 steps, Loss/val once an epoch, both at the
    # global step, no epoch scalar: a row per validation point, training averaged up to it
    folder = DATA / "seventhway" / "augment-s1" / "runs"
    points = _event_points(folder)
    run = read(str(folder))[-1]
    val_steps = [step for step, _ in points["Loss/val"]]
    assert run.epochs == len(val_steps) == 40
    assert run.info.row == "evaluation"
    assert list(run.table["val_loss"]) == pytest.approx([v for _, v in points["Loss/val"]])
    previous = 0
    for row, step in enumerate(val_steps, start=1):
        since = [v for s, v in points["Loss/train"] if previous < s <= step]
        assert run.table.loc[row, "train_loss"] == pytest.approx(sum(since) / len(since))
        previous = step


def test_add_scalars_run_folders_are_the_sets_of_one_run():
    # SummaryWriter.add_scalars("Loss", {"train": t, "val": v}, epoch): each set's curve in
    # a run folder of its own (Loss_train/, Loss_val/) under the tag "Loss"; the values
    # are the ones the loop logged (numbers.json), one run, no restart
    folder = DATA / "tensorboard" / "add_scalars"
    numbers = json.loads((folder / "numbers.json").read_text())
    runs = read(str(folder))
    assert len(runs) == 1
    run = runs[0]
    assert run.epochs == len(numbers) == 15 and not run.info.warnings
    for column in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        assert list(run.table[column]) == pytest.approx([n[column] for n in numbers],
                                                        rel=1e-6), column


@pytest.mark.parametrize(("run", "tag", "name"), [
    ("Loss_train", "Loss", "Loss"), ("Loss_val", "Loss", "val_Loss"),
    ("Loss_validation", "Loss", "val_Loss"), ("loss_test", "loss", "test_loss"),
    ("loss_kl", "loss", "loss_kl"), ("exp/Loss_train", "Loss", "Loss"),
    ("train", "epoch_loss", "loss"), ("validation", "epoch_loss", "val_loss"),
    ("", "val_loss", "val_loss"), ("valid", "loss/total", "val_loss_total")])
def test_a_run_folder_and_tag_name_the_series(run, tag, name):
    from valgap.parsers._series import metric_name

    assert metric_name(run, tag) == name


def test_keras_batch_level_tensorboard_scalars_leave_one_row_per_epoch():
    # keras.callbacks.TensorBoard(update_freq="batch"): batch_loss at the batch counter
    # beside epoch_loss at the epoch number; the epoch means are the script's own numbers
    folder = DATA / "eighthway" / "keras_tb-dropout-s1"
    numbers = json.loads((folder / "numbers.json").read_text())
    run = read(str(folder / "logs"))[-1]
    assert run.epochs == len(numbers) == 20
    assert list(run.table["train_loss"]) == pytest.approx([t for t, _ in numbers], rel=1e-6)
    assert list(run.table["val_loss"]) == pytest.approx([v for _, v in numbers], rel=1e-6)


def test_tensorboard_export_pair_from_file_names(tmp_path):
    csv = read(str(SAMPLES / "healthy.csv"))[-1]
    for run, col in (("train", "train_loss"), ("validation", "val_loss")):
        lines = ["Wall time,Step,Value"] + [f"{1.7e9 + i},{i},{v}"
                                            for i, v in enumerate(csv.table[col])]
        (tmp_path / f"run-{run}-tag-epoch_loss.csv").write_text("\n".join(lines))
    run = read(str(tmp_path))[-1]
    assert run.info.format == "tb-export"
    assert list(run.table["val_loss"]) == pytest.approx(list(csv.table["val_loss"]))


@pytest.mark.parametrize("opener", [gzip.compress, bz2.compress, lzma.compress])
def test_compressed_logs(tmp_path, opener):
    path = tmp_path / "run.log.z"
    path.write_bytes(opener((SAMPLES / "dropout.log").read_bytes()))
    assert read(str(path))[-1].epochs == 30


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_bom_encodings_and_crlf(tmp_path, encoding):
    text = (SAMPLES / "dropout.csv").read_text().replace("\n", "\r\n")
    path = tmp_path / "history.csv"
    path.write_bytes(text.encode(encoding))
    run = read(str(path))[-1]
    assert run.epochs == 30 and run.info.format == "keras-csv"


def test_stray_bytes_do_not_stop_the_reader(tmp_path):
    data = (SAMPLES / "healthy.log").read_bytes().replace(b"Epoch 3/15", b"\xff\xfeEpoch 3/15")
    path = tmp_path / "run.log"
    path.write_bytes(data)
    assert read(str(path))[-1].epochs == 15


def test_notebook_outputs(tmp_path):
    log = (SAMPLES / "healthy.log").read_text()
    nb = {"cells": [{"cell_type": "code", "source": "model.fit(...)",
                     "outputs": [{"output_type": "stream", "name": "stdout",
                                  "text": log.splitlines(keepends=True)}]}],
          "nbformat": 4, "nbformat_minor": 5, "metadata": {}}
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps(nb))
    run = read(str(path))[-1]
    assert run.epochs == 15 and run.info.format == "keras-stdout"


def test_detection_ignores_the_file_name(tmp_path):
    path = tmp_path / "history.csv"
    path.write_bytes((SAMPLES / "dropout.log").read_bytes())
    assert detect(Source(str(path))) == "keras-stdout"


def test_input_format_overrides_detection():
    with pytest.raises(InputError):
        read(str(SAMPLES / "dropout.log"), Options(input_format="csv"))


def test_binary_and_unrelated_files_are_refused(tmp_path):
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "notes.txt").write_text("shopping list\nmilk\neggs\n")
    for name in ("blob.bin", "notes.txt"):
        with pytest.raises(InputError) as err:
            read(str(tmp_path / name))
        assert err.value.code == "unrecognised"
    with pytest.raises(InputError, match="no such file"):
        read(str(tmp_path / "missing.log"))


def test_utf16_without_bom_is_decoded():
    text = (SAMPLES / "dropout.csv").read_text()
    run = read("-", data=text.encode("utf-16-le"))[-1]
    assert run.epochs == 30
    assert codecs.BOM_UTF16_LE not in text.encode("utf-16-le")[:2]


def test_lightning_tqdm_progress_bars_match_metrics_csv():
    bars = read(str(DATA / "lightning" / "progress.log"))[-1]
    csv = read(str(DATA / "lightning" / "metrics.csv"))[-1]
    assert bars.info.format == "lightning-progress"
    assert bars.epochs == csv.epochs
    for column in ("train_loss", "val_loss"):  # the bar rounds to 3 significant digits
        assert ((bars.table[column] - csv.table[column]).abs() / csv.table[column]).max() < 5e-3


def test_lightning_bar_cut_mid_epoch():
    text = (DATA / "lightning" / "progress.log").read_text()
    cut = text[: text.index("Epoch 7:") + 200]
    run = read("-", data=cut.encode())[-1]
    assert run.epochs == 7
    assert any("epoch 7 was cut" in w for w in run.info.warnings)


def test_tensorboard_exports_given_together_are_one_run(cli, tmp_path):
    import json as json_module

    csv = read(str(SAMPLES / "overfit.csv"))[-1]
    paths = []
    for run, col in (("train", "train_loss"), ("validation", "val_loss")):
        points = [[1.7e9 + i, i, v] for i, v in enumerate(csv.table[col])]
        path = tmp_path / f"run-{run}-tag-epoch_loss.json"
        path.write_text(json_module.dumps(points))
        paths.append(str(path))
    res = cli("analyze", "--format", "json", *paths)
    docs = [json_module.loads(line) for line in res.stdout.splitlines()]
    assert len(docs) == 1 and docs[0]["format"] == "tb-export"
    assert docs[0]["epochs"] == 60 and docs[0]["fit"] == "overfit"


def test_missing_tensorboard_extra_says_how_to_install(cli, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("tensorboard"):
            raise ImportError("no tensorboard")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    res = cli("analyze", str(DATA / "lightning" / "tb" / "version_0"))
    assert res.exit_code == 2
    assert "pip install 'valgap[tensorboard]'" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


# Notebook outputs that exist only as HTML, after a first cell that fills the head
# (layouts of fastai's and the Trainer's progress tables, built here: valgap's test set-up
# installs neither library)

def _table_html(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return (f'<table border="1" class="dataframe">\n<thead><tr style="text-align: left;">'
            f"{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>")


def _notebook(tmp_path, html: str):
    import json

    listing = ["Archive:  data.zip\n"] + [f"  inflating: data/img_{i:05d}.png\n"
                                          for i in range(6000)]
    doc = {"cells": [
        {"cell_type": "code", "outputs": [{"output_type": "stream", "name": "stdout",
                                           "text": listing}]},
        {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {
            "text/html": [html], "text/plain": ["<IPython.core.display.HTML object>"]}}]}],
        "nbformat": 4, "nbformat_minor": 5, "metadata": {}}
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps(doc))
    return path


def test_fastai_html_table_after_a_long_first_cell(tmp_path):
    rows = [[str(e), f"{1 / (e + 1):.6f}", f"{1.1 / (e + 1):.6f}", "0.9", "00:05"]
            for e in range(4)]
    html = _table_html(["epoch", "train_loss", "valid_loss", "accuracy", "time"], rows)
    run = read(str(_notebook(tmp_path, html)))[-1]
    assert run.epochs == 4
    assert run.table["train_loss"].tolist() == [1.0, 0.5, 0.333333, 0.25]
    assert run.table["val_loss"].iloc[-1] == pytest.approx(0.275)


def test_trainer_notebook_table_with_no_log_cells(tmp_path):
    rows = [[str(e), "No log" if e == 1 else f"{1 / e:.6f}", f"{1.2 / e:.6f}", "0.8"]
            for e in range(1, 6)]
    html = ("<div><progress value='500' max='500'></progress> [500/500 00:30, Epoch 5/5]"
            "</div>" + _table_html(["Epoch", "Training Loss", "Validation Loss", "Accuracy"],
                                   rows))
    run = read(str(_notebook(tmp_path, html)))[-1]
    assert run.epochs == 5 and math.isnan(run.table["train_loss"].iloc[0])
    assert run.table["train_loss"].iloc[-1] == pytest.approx(0.2)
    assert run.table["val_loss"].iloc[0] == pytest.approx(1.2)


def test_tensorboard_step_counter_reset_reads_the_last_run(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    def write_run(writer, scale):
        for step in range(5):
            for tag, value in (("train_loss", scale / (step + 1)), ("val_loss", scale)):
                summary = Summary(value=[Summary.Value(tag=tag, simple_value=value)])
                writer.add_event(Event(step=step, wall_time=float(step), summary=summary))

    writer = EventFileWriter(str(tmp_path))
    write_run(writer, 1.0)
    write_run(writer, 3.0)  # the same folder written again from step 0
    writer.close()
    run = read(str(tmp_path))[-1]
    assert run.epochs == 5
    assert run.table["val_loss"].tolist() == [3.0] * 5
    assert any("starts over" in w for w in run.info.warnings)


@pytest.mark.parametrize("indent", [None, 2])
def test_a_history_saved_as_json_reads_as_its_run(tmp_path, indent):
    # json.dump(history.history, f) of a real run (its values from the sample CSV logger)
    run = read(str(SAMPLES / "dropout.csv"))[-1]
    saved = {"loss": run.table["train_loss"].tolist(), "val_loss": run.table["val_loss"].tolist(),
             "accuracy": run.table["train_accuracy"].tolist()}
    path = tmp_path / "history.json"
    path.write_text(json.dumps(saved, indent=indent))
    got = read(str(path))[-1]
    assert got.info.format == "history-json"
    assert got.table["val_loss"].tolist() == saved["val_loss"]
    records = tmp_path / "records.json"  # a list of epoch records
    records.write_text(json.dumps([{"epoch": i + 1, "loss": t, "val_loss": v} for i, (t, v) in
                                   enumerate(zip(saved["loss"], saved["val_loss"]))]))
    assert read(str(records))[-1].table["train_loss"].tolist() == saved["loss"]


def test_a_saved_history_with_a_summary_beside_its_curves_is_read(tmp_path):
    # a public seq2seq log's shape: the curves as lists, a best epoch, a score and the
    # config beside them (refused as "'best_epoch' holds no list" before)
    path = tmp_path / "training_log.json"
    path.write_text(json.dumps({"epochs": [1, 2, 3], "train_loss": [4.36, 3.03, 2.57],
                                "val_loss": [6.57, 5.96, 5.73], "best_epoch": 3,
                                "best_bleu": 23.4, "config": {"dropout": 0.1}}))
    run = read(str(path))[-1]
    assert run.table["val_loss"].tolist() == [6.57, 5.96, 5.73]
    assert "best_epoch" not in run.table.columns


def test_a_history_whose_keys_say_losses_is_read():
    # a public CNN-LSTM's train_history.json: {"train_losses": [...], "val_losses": [...],
    # "train_accs": [...], "val_accs": [...]} (refused as no training log before)
    run = read(str(DATA / "public" / "Amber016020+EmotionTrack-CNNLSTM__train_history.json"))[-1]
    assert run.info.format == "history-json" and run.epochs == 8
    assert run.table["val_loss"].iloc[2] == pytest.approx(0.90758697)
    assert run.table["train_loss"].iloc[-1] == pytest.approx(0.16365949)


def test_two_models_in_one_history_are_named_not_summed(tmp_path):
    # a public repository's dict: an LSTM regressor's history (30 epochs) and a classifier's
    # (19) under prefixes; summed as parts of one loss, the shorter one's end read as NaN
    path = DATA / "public" / "065010-AmanMalhi+hdfc-lstm-predictor__training_history.json"
    run = read(str(path))[-1]
    assert "train_loss" not in run.table.columns and "val_loss" not in run.table.columns
    assert any("cls_val_loss, reg_val_loss" in w and "--train-col" in w
               for w in run.info.warnings)
    chosen = read(str(path), Options(train_col="reg_loss", val_col="reg_val_loss"))[-1]
    saved = json.loads(path.read_text())
    assert chosen.table["val_loss"].tolist() == saved["reg_val_loss"]
    assert chosen.table["train_loss"].tolist() == saved["reg_loss"]
    with pytest.raises(InputError, match="no 'nope' in the input") as err:
        read(str(path), Options(train_col="nope"))
    assert err.value.code == "bad-column"


def test_chosen_keys_name_the_losses_of_json_lines(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(json.dumps({"epoch": e, "ce": 1 / e, "holdout_ce": 1.2 / e,
                                        "loss": 9.0}) + "\n" for e in range(1, 6)))
    run = read(str(path), Options(train_col="ce", val_col="holdout_ce"))[-1]
    assert run.table["train_loss"].tolist() == [1 / e for e in range(1, 6)]
    assert run.table["val_loss"].tolist() == [1.2 / e for e in range(1, 6)]
    with pytest.raises(InputError, match="no 'cee'"):
        read(str(path), Options(train_col="cee"))


def test_a_trainer_state_is_not_taken_for_a_saved_history():
    assert read(str(DATA / "hf" / "trainer_state.json"))[-1].info.format == "hf-trainer-state"


def _cells(tmp_path, *texts: str):
    import json

    doc = {"cells": [{"cell_type": "code", "execution_count": i, "source": ["..."],
                      "outputs": [{"output_type": "stream", "name": "stdout",
                                   "text": text.splitlines(True)}]}
                     for i, text in enumerate(texts, start=1)],
           "nbformat": 4, "nbformat_minor": 5, "metadata": {}}
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps(doc))
    return path


def test_evaluate_after_fit_in_the_next_cell_is_no_epoch_and_no_run(tmp_path):
    fit = (SAMPLES / "dropout.log").read_text()  # a real Keras 3 fit's output
    evaluate = ("\r 1/32 ━━━━━━━━━━━━━━━━━━━━ 0s 9ms/step - accuracy: 0.9 - loss: 0.3"
                "\r32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.8950 - loss: 0.3512\n")
    old_style = "32/32 [==============================] - 0s 2ms/step - loss: 0.3512\n"
    runs = read(str(_cells(tmp_path, fit, evaluate, old_style)))
    alone = read(str(SAMPLES / "dropout.log"))[-1]
    assert len(runs) == 1 and runs[0].epochs == alone.epochs == 30
    assert runs[0].table["train_loss"].tolist() == alone.table["train_loss"].tolist()


def test_fold_summaries_beside_keras_bars_leave_the_bars_as_the_log(tmp_path):
    fit = (SAMPLES / "dropout.log").read_text()
    cell = "".join(f"{fit}Fold: {k} | Loss: nan | Accuracy: 0.91\n" for k in (1, 2, 3))
    runs = read(str(_cells(tmp_path, cell)))
    assert [r.epochs for r in runs] == [30, 30, 30]  # one run per fold, each the bars' run
    assert runs[-1].table["val_loss"].tolist() == \
        read(str(SAMPLES / "dropout.log"))[-1].table["val_loss"].tolist()


def test_a_history_printed_into_a_log_reads_as_its_run(tmp_path):
    # print(history.history) after fit, of a real run (the sample CSV logger's values), in a
    # log with other lines, printed twice (training was resumed): the last is the run
    run = read(str(SAMPLES / "dropout.csv"))[-1]
    history = {"loss": run.table["train_loss"].tolist(), "val_loss":
               run.table["val_loss"].tolist(), "accuracy": run.table["train_accuracy"].tolist()}
    first = {k: v[:5] for k, v in history.items()}
    path = tmp_path / "train.log"
    path.write_text(f"Epoch 1/30 ...\n{first}\nresuming\n{history}\nsaved model.keras\n")
    runs = read(str(path))
    assert runs[-1].info.format == "history-print"
    assert [r.epochs for r in runs] == [5, 30]
    assert runs[-1].table["val_loss"].tolist() == history["val_loss"]


def test_a_history_printed_with_numpy_2_scalars_is_read(tmp_path):
    path = tmp_path / "train.log"
    path.write_text("{'loss': [np.float32(0.91), np.float32(0.62), np.float64(0.48)], "
                    "'val_loss': [np.float32(0.72), np.float32(0.55), np.float32(0.5)]}\n")
    run = read(str(path))[-1]
    assert run.table["train_loss"].tolist() == pytest.approx([0.91, 0.62, 0.48])


def test_a_printed_dict_that_is_no_literal_is_code_never_run(tmp_path):
    # ast.literal_eval reads literals only: a call in the dict is refused, not evaluated
    path = tmp_path / "train.log"
    path.write_text("{'loss': [__import__('os').getcwd()], 'val_loss': [0.5]}\n"
                    "{'loss': [" + "[" * 500 + "]" * 500 + "], 'val_loss': [0.5]}\n")
    with pytest.raises(InputError):
        read(str(path))


def test_a_printed_history_past_the_line_limit_is_refused_saying_so(tmp_path):
    # ast parsing costs ~30x a line's size: past 1 MiB a printed dict is not read
    path = tmp_path / "train.log"
    values = ", ".join(["0.123456789"] * 80_000)
    path.write_text(f"{{'loss': [{values}], 'val_loss': [{values}]}}\n")
    with pytest.raises(InputError, match="longer than 1 MiB") as err:
        read(str(path))
    assert err.value.line == 1


def test_escape_codes_in_caret_notation_are_dropped_as_the_codes_are():
    # a ResNet's print log pasted from a terminal's scrollback (tests/data/public): the
    # cursor moves the terminal did not interpret stand as "^[[A^[[B" before epoch lines
    pasted = DATA / "public" / "ahmedasif1969+car_classification_ML__training_logs.txt"
    assert "^[[A^[[BEpoch 30/50" in pasted.read_text()
    run = read(str(pasted))[-1]
    # 29 epochs before (29 and 30 lost); 29 still is: a code cut across two lines precedes it
    assert 30 in run.table.index and len(run.table) == 30
    assert segments("^[[A^[[BEpoch 3/9 | loss 0.5^[[0m") == ["Epoch 3/9 | loss 0.5"]


def test_a_web_page_saved_as_a_notebook_is_refused_as_a_web_page():
    # public: GitHub's HTML page for a notebook, saved under the notebook's name
    page = DATA / "public" / ("06Aditya+Face-Mask-detection-using-CNN-Convolutional-Neural-"
                              "Network-__training.ipynb")
    with pytest.raises(InputError, match=r"a web page \(HTML\), not a training log.*raw file"):
        read(str(page))


def test_timm_console_reads_each_epochs_running_means_and_not_its_result_summary():
    # timm's train.py: "Train: 3 [  36/37 (100%)]  Loss: 1.21 (1.30)", its evaluation's
    # "Test: [  18/18] ... Loss:   0.912 ( 0.954)" (the mean padded inside its parentheses),
    # then "--result" and a JSON list of its best epochs sorted by accuracy: the epochs are
    # summary.csv's (numbers.json), and the criterion it names is a fact
    run_dir = DATA / "thirtyfifthway" / "tm_default-s1"
    want = json.loads((run_dir / "numbers.json").read_text())
    (run,) = read(str(run_dir / "train.log"))
    assert len(run.table) == len(want["train_loss"]) == 25
    assert all(abs(a - b) <= 0.006 * b for a, b in
               zip(run.table["train_loss"], want["train_loss"]))  # printed to 3 digits
    assert all(abs(a - b) <= 0.0006 for a, b in zip(run.table["val_loss"], want["val_loss"]))
    assert run.info.facts["loss_weighting"] is True
    # what the script does unless told otherwise is a fact of its runs: its default
    # transforms augment the training images (RandomResizedCrop, flips, colour jitter)
    assert run.info.framework == "pytorch" and run.info.facts["augmentation"] is True
    assert "timm's train.py" in run.info.fact_origins["augmentation"]

