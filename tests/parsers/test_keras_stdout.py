"""Keras stdout on real logs (sample_logs/, made by scripts/make_sample_logs.py)."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import DATA, REALWORLD, SAMPLES, needs_shared
from valgap.model import InputError
from valgap.parsers import keras_stdout, read
from valgap.parsers._text import Source

SCENARIOS = ["healthy", "dropout", "batchnorm", "overfit", "augmentation", "underfit"]


def parse_text(text: str, name: str = "inline.log"):
    return keras_stdout.parse(Source(name, text.encode()))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_sample_log_matches_its_csv_logger(scenario):
    run = read(str(SAMPLES / f"{scenario}.log"))[-1]
    history = pd.read_csv(SAMPLES / f"{scenario}.csv")
    assert run.info.format == "keras-stdout"
    assert run.epochs == len(history)
    assert list(run.table.index) == list(range(1, len(history) + 1))
    # the bar prints 4 decimals; the CSVLogger keeps full precision
    assert (run.table["train_loss"] - history["loss"].values).abs().max() < 6e-5
    assert (run.table["val_loss"] - history["val_loss"].values).abs().max() < 6e-5
    assert (run.table["val_accuracy"] - history["val_accuracy"].values).abs().max() < 6e-5


@pytest.mark.parametrize(("scenario", "layer"), [("dropout", "Dropout"),
                                                 ("batchnorm", "BatchNormalization"),
                                                 ("augmentation", "GaussianNoise")])
def test_model_summary_layers(scenario, layer):
    run = read(str(SAMPLES / f"{scenario}.log"))[-1]
    assert run.info.layers.get(layer, 0) >= 1
    assert "Dense" in run.info.layers


def test_steps_per_epoch_from_the_bar():
    run = read(str(SAMPLES / "dropout.log"))[-1]
    assert run.info.steps_per_epoch == 45  # 1437 training rows / batch 32


def test_tf1_era_samples_header():
    text = ("Train on 46580 samples, validate on 1000 samples\nEpoch 1/3\n"
            "46580/46580 [==============================] - 8s 176us/sample - loss: 0.2320 - "
            "accuracy: 0.9216 - val_loss: 0.1581 - val_accuracy: 0.9636\nEpoch 2/3\n"
            "46580/46580 [==============================] - 8s 170us/sample - loss: 0.1110 - "
            "accuracy: 0.9660 - val_loss: 0.1100 - val_accuracy: 0.9700\n")
    run = parse_text(text)[-1]
    assert (run.info.n_train, run.info.n_val) == (46580, 1000)
    assert run.table.loc[1, "train_loss"] == 0.2320
    assert run.table.loc[1, "val_accuracy"] == 0.9636
    assert run.epochs == 2


def test_terminal_capture_with_eta_updates_and_warnings():
    bar = "\r  1/100 [..............................] - ETA: 1:23 - loss: 2.3000 - acc: 0.1000"
    bar += "\r 50/100 [==============>...............] - ETA: 0s - loss: 1.9000 - acc: 0.3000"
    bar += ("\r100/100 [==============================] - 2s 20ms/step - loss: 1.5000 - "
            "acc: 0.4000 - val_loss: 1.2000 - val_acc: 0.5000\n")
    text = ("Epoch 1/2\n" + bar + "2021-05-09 18:27:16.558632: I tensorflow/core/gpu.cc:1720] "
            "Found device 0\nEpoch 2/2\n" + bar.replace("1.5000", "1.1000"))
    run = parse_text("\x1b[1m" + text + "\x1b[0m")[-1]
    assert run.epochs == 2
    assert list(run.table["train_loss"]) == [1.5, 1.1]
    assert list(run.table["val_accuracy"]) == [0.5, 0.5]  # acc is accuracy


def test_run_cut_mid_epoch_keeps_complete_epochs():
    text = (SAMPLES / "healthy.log").read_text(encoding="utf-8")
    cut = text[: text.index("Epoch 15/15") + len("Epoch 15/15\n") + 200]
    run = parse_text(cut)[-1]
    assert run.epochs == 14
    assert any("epoch 15 was cut" in w for w in run.info.warnings)


def test_restarted_training_gives_two_runs_and_the_last_is_analysed():
    text = (SAMPLES / "overfit.log").read_text() + (SAMPLES / "healthy.log").read_text()
    runs = parse_text(text)
    assert [r.epochs for r in runs] == [60, 15]
    from valgap.parsers._table import pick_run
    chosen = pick_run(runs, "x")
    assert chosen is runs[-1]
    assert any("restarted" in w for w in chosen.info.warnings)


def test_no_epoch_is_a_clear_error():
    with pytest.raises(InputError, match="no complete Keras epoch"):
        parse_text("Epoch 1/5\n  3/45 [==>....] - ETA: 3s - loss: 2.2\n")


def test_keras1_verbose2_lines():
    log = needs_shared(REALWORLD / "keras-stdout" /
                       "KyotoSunshine__CNN-for-handwritten-kanji__logs~"
                       "model_for_augmented_dataset_training_log.txt")
    runs = read(str(log))
    assert len(runs) == 3  # the script trains three times in one log
    first = runs[0]
    assert first.epochs == 10
    assert first.table.loc[1, "train_loss"] == 1.7197
    assert first.table.loc[10, "val_loss"] == 0.2883


def test_a_long_line_of_redraws_keeps_its_final_state_even_when_wiped_after():
    from valgap.parsers import keras_stdout
    from valgap.parsers._text import Source

    states = "".join(f"\r{k}/2000 [==>...] - ETA: 1s - loss: 0.9" for k in range(1, 2000))
    final = "\r2000/2000 [==============================] - 3s 1ms/step - loss: 0.5 - val_loss: 0.6"
    text = "Epoch 1/2\n" + states + final + "\r" + " " * 80 + "\nEpoch 2/2\n" + states + \
        final.replace("0.5", "0.4") + "\n"
    run = keras_stdout.parse(Source("x.log", text.encode()))[-1]
    assert run.table["train_loss"].tolist() == [0.5, 0.4]
    assert run.table["val_loss"].tolist() == [0.6, 0.6]


@pytest.mark.parametrize("threshold", [40, 1 << 16])
def test_long_lines_cut_as_bytes_read_as_the_decoded_text_cut(threshold):
    # the capture's long redraw lines are reduced before decoding: the same lines result
    for path in sorted(SAMPLES.glob("*.log")):
        source = Source(str(path))
        as_bytes = list(source.numbered_reduced(keras_stdout._ends, threshold))
        as_text = [(n, keras_stdout._ends(line) if len(line.encode()) > threshold else line)
                   for n, line in source.numbered()]
        assert as_bytes == as_text, path


def test_a_bom_and_crlf_line_ends_are_read_the_same_way_as_bytes():
    text = "Epoch 1/2\r\n\r1/1 - loss: 0.5 - val_loss: 0.6\r\nEpoch 2/2\r\n"
    source = Source("x.log", b"\xef\xbb\xbf" + text.encode())
    assert [line for _, line in source.numbered_reduced(keras_stdout._ends, 4)] == [
        "Epoch 1/2", "\r1/1 - loss: 0.5 - val_loss: 0.6", "Epoch 2/2"]


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.log")), ids=lambda p: p.name)
def test_a_capture_reads_the_same_whether_its_redraw_lines_are_reduced_or_not(path,
                                                                              monkeypatch):
    # reducing every redraw line to its head and final state (REDUCE_OVER) is a shortcut:
    # the epochs, values and facts are those of the capture read state by state
    def read_all():
        try:
            runs = keras_stdout.parse(Source(str(path)))
        except InputError as exc:
            return str(exc)
        return [(r.table.to_dict(), r.info.n_train, r.info.steps_per_epoch, dict(r.info.layers),
                 r.info.notes, r.info.warnings) for r in runs]

    reduced = read_all()
    monkeypatch.setattr(keras_stdout, "REDUCE_OVER", 1 << 40)
    assert reduced == read_all()


def test_a_run_that_starts_where_the_one_before_ended_continues_it():
    # a public PowerShell capture (UTF-16): 8 epochs, then a fine-tuning fit() cut after 2
    # (validation 0.16 where the first ended at 0.144, not 0.43 where it started): its first
    # epoch is no untrained model's, so "barely improved on where it started" is no underfit
    from valgap import config, engine

    path = DATA / "public" / "192210154+ocularsurfaceai__training_log.txt"
    result = engine.analyze_input(str(path), config.Config())[-1]
    assert result.fit.fit == "val-below-train"
    runs = read(str(path))
    engine.chosen_runs(runs, str(path), all_runs=True)
    assert [r.info.continues for r in runs] == [False, True]
    # restarted from scratch: the second run starts where the first started
    text = (SAMPLES / "overfit.log").read_text() + (SAMPLES / "overfit.log").read_text()
    again = parse_text(text)
    engine.chosen_runs(again, "x", all_runs=True)
    assert [r.info.continues for r in again] == [False, False]


def test_epochs_printed_again_with_the_same_values_are_read_once():
    # a public notebook capture (tests/data/public) whose output holds epochs 73-79 again
    # and again, each with the values it had: the same epoch printed twice over is no
    # restart (eight runs were read before); a whole run printed again from its first
    # epoch still is one (test above)
    path = DATA / "public" / "meleknurb+machine_translation__training_history.txt"
    runs = read(str(path))
    assert len(runs) == 3
    assert "27 epoch(s) printed again with the same values (output captured twice over): " \
        "read once" in runs[-1].info.notes
