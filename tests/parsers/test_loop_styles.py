"""Every print style of hand-written loops seen in public repositories, printed by one real
training loop (scripts/make_loop_fixtures.py): each must read as the same run, with the
epochs and the first and last losses the loop printed."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.conftest import DATA, REALWORLD, SHARED, needs_shared
from valgap.model import InputError
from valgap.parsers import loop_text, read
from valgap.parsers._text import Source

STYLES = DATA / "loop" / "styles"
EXPECTED = json.loads((STYLES / "expected.json").read_text())


@pytest.mark.parametrize("style", sorted(EXPECTED))
def test_style_reads_as_the_run_that_was_printed(style):
    want = EXPECTED[style]
    run = read(str(STYLES / f"{style}.log"))[-1]
    table = run.table
    assert run.epochs == want["epochs"], (style, run.info.notes, table.head())
    tolerance = 0.6 * 10 ** -want["decimals"]
    for column, first, last in (("train_loss", want["train_first"], want["train_last"]),
                                ("val_loss", want["val_first"], want["val_last"])):
        assert column in table, (style, list(table.columns))
        values = table[column]
        if first is None:
            assert values.isna().iloc[0]
        else:
            assert values.iloc[0] == pytest.approx(first, abs=tolerance), (style, column)
        assert values.iloc[-1] == pytest.approx(last, abs=tolerance), (style, column)


def test_curves_printed_as_named_lists_are_a_printed_history():
    # print("Train losses:", losses) and print("Val losses:", val_losses) as a loop ends:
    # the lists at full precision, read as a literal never is run; a named list of one
    # set alone, or of something else, is no history
    run = read(str(STYLES / "named-lists.log"))[-1]
    assert run.info.format == "history-print" and run.epochs == EXPECTED["named-lists"]["epochs"]
    from valgap.parsers import memory

    assert memory.sniff_printed("Train losses: [0.9, 0.7, 0.6]\n") == 0.0
    assert memory.sniff_printed("lr: [0.1, 0.01]\nVal losses: [0.9, 0.7]\n") == 0.0
    assert memory.sniff_printed("train_loss = [0.9 0.7 0.6]\nval_loss = [1.0 0.8 0.7]\n") == 0.7
    assert memory.sniff_printed("train_loss = [0.9, x]\nval_loss = [1.0, 0.8]\n") == 0.0
    # NumPy's print of an array wraps it over lines: joined, as printed
    arrays = read(str(STYLES / "named-arrays.log"))[-1]
    assert arrays.info.format == "history-print" and arrays.epochs == run.epochs
    # a bracket left open by anything else leaves its lines as they are
    unclosed = "train_loss = [0.9 0.7\nEpoch 2 done\nval_loss = [1.0 0.8]\n"
    assert memory.sniff_printed(unclosed) == 0.0


def test_a_line_that_opens_with_its_split_names_its_values():
    # "Test set: Average loss" (pytorch/examples) and "Validation Results - ... Avg loss"
    # (Ignite) are not training values
    for style, warned in (("pytorch-mnist-example", True), ("ignite", False)):
        run = read(str(STYLES / f"{style}.log"))[-1]
        logged = run.info.columns.get("val_loss") or run.info.columns["test_loss"]
        assert logged.lower().startswith(("test_", "val_")) and "val_loss" in run.table
        assert any("test loss" in w for w in run.info.warnings) == warned


def test_test_loss_stands_in_for_validation_and_says_so():
    run = read(str(STYLES / "test-loss.log"))[-1]
    assert any("test" in note for note in run.info.warnings)


def test_a_single_epoch_line_is_a_one_epoch_run(cli):
    res = cli("analyze", "--format", "json", str(STYLES / "single-epoch.log"))
    assert res.exit_code == 0 and json.loads(res.stdout)["fit"] == "too-short"


def test_detectron2_metrics_json_rows_at_each_evaluation(tmp_path):
    # detectron2 writes metrics.json as JSON Lines: training records per iteration
    # (total_loss and its parts), validation records apart when a hook computes them
    lines = []
    for it in range(1, 61):
        lines.append(json.dumps({"iteration": it, "total_loss": 2.0 / it, "loss_cls": 1.0 / it,
                                 "lr": 0.02, "time": 0.3}))
        if it % 20 == 0:
            lines.append(json.dumps({"iteration": it, "validation_loss": 2.2 / it}))
    path = tmp_path / "metrics.json"
    path.write_text("\n".join(lines) + "\n")
    run = read(str(path))[-1]
    assert run.info.format == "jsonl" and run.epochs == 3
    assert run.table["val_loss"].iloc[-1] == pytest.approx(2.2 / 60)
    expected = sum(2.0 / it for it in range(41, 61)) / 20  # mean since the last evaluation
    assert run.table["train_loss"].iloc[-1] == pytest.approx(expected)
    assert "train_loss_cls" in run.table


def test_yolo_stdout_rows_sum_the_loss_parts():
    # Ultralytics prints each epoch's row with its tqdm bar after it, and no validation loss
    # (tests/data/loop/yolo-stdout.log follows its layout; Ultralytics is not installed here)
    run = read(str(DATA / "loop" / "yolo-stdout.log"))[-1]
    assert run.epochs == 3
    assert run.table["train_loss"].tolist() == pytest.approx([4.69, 4.19, 3.89])
    assert "val_loss" not in run.table


def _loop_logs() -> list[Path]:
    own = sorted((DATA / "loop").rglob("*.log"))
    corpus = SHARED / "corpus"  # read when ../shared is there
    return own + (sorted(corpus.rglob("*.log"))[:400] if corpus.exists() else [])


def test_line_shapes_read_every_log_as_the_full_reading_does(monkeypatch):
    # the shape fast path must change nothing: every loop log read with and without it
    checked = 0
    for path in _loop_logs():
        try:
            with_shapes = loop_text.parse(Source(str(path)))
        except InputError:
            continue
        monkeypatch.setattr(loop_text._Templates, "LIMIT", 0)
        without = loop_text.parse(Source(str(path)))
        monkeypatch.undo()
        assert len(with_shapes) == len(without), path
        for a, b in zip(with_shapes, without):
            assert a.table.equals(b.table), path
            assert list(a.info.epoch_lines) == list(b.info.epoch_lines), path
            assert a.info.notes == b.info.notes, path
        checked += 1
    assert checked >= 10


def test_a_line_shape_is_learned_and_used():
    reader = loop_text._Reader("x")
    lines = [f"2025-04-24 21:16:{e:02d},207 - INFO - Epoch [{e}/50], Train Loss: {1 / e:.4f}, "
             f"Val Loss: {1.1 / e:.4f}" for e in range(1, 6)]
    for number, line in enumerate(lines, start=1):
        reader.feed(line, number)
    assert len(reader.templates.known) == 1
    assert reader.templates.apply(lines[2].replace("[3/", "[30/"), 9, reader)
    assert reader.current.epoch == 30 and reader.current.values["Val Loss"] == float(
        f"{1.1 / 3:.4f}")
    # a line of another shape is not taken by it
    assert not reader.templates.apply("Epoch 7: train loss 0.3", 10, reader)


def test_steps_that_report_validation_are_evaluation_points(tmp_path):
    # nanoGPT prints "step N: train loss X, val loss Y" and no epochs at all
    path = tmp_path / "train.log"
    path.write_text("step 0: train loss 4.2874, val loss 4.2823\n"
                    "iter 0: loss 4.2650, time 12.1ms\n"
                    "step 250: train loss 1.9641, val loss 2.0614\n"
                    "iter 250: loss 1.9912, time 11.9ms\n"
                    "step 500: train loss 1.5412, val loss 1.7237\n")
    run = read(str(path))[-1]
    assert run.epochs == 3
    assert run.table["val_loss"].tolist() == [4.2823, 2.0614, 1.7237]
    assert run.table["train_loss"].tolist() == [4.2874, 1.9641, 1.5412]


def test_test_results_alone_are_not_epochs(tmp_path):
    # Lightning's trainer.test() table and the dict it returns, after no epoch at all
    path = tmp_path / "test.log"
    path.write_text("       Test metric             DataLoader 0\n"
                    "        test_acc            0.8718000054359436\n"
                    "        test_loss           0.3801654279232025\n"
                    "[{'test_loss': 0.3801654279232025, 'test_acc': 0.8718000054359436}]\n")
    with pytest.raises(InputError):
        read(str(path))


def test_one_json_line_of_an_epoch_is_a_one_epoch_run(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"epoch": 1, "train_loss": 0.69, "val_loss": 0.61}\n')
    assert read(str(path))[-1].epochs == 1


def test_a_line_opening_with_a_validation_metric_makes_its_bare_names_validation():
    run = read(str(STYLES / "transfer-learning-tutorial.log"))[-1]
    assert {"val_loss", "val_accuracy", "train_accuracy"} <= set(run.table.columns)


def test_epoch_and_minibatch_pairs_are_batch_prints(tmp_path):
    # the PyTorch CIFAR-10 tutorial: "[epoch, mini-batch] loss: running mean of 2000"
    path = tmp_path / "cifar.log"
    path.write_text("[1,  2000] loss: 2.193\n[1,  4000] loss: 1.843\n"
                    "[2,  2000] loss: 1.521\n[2,  4000] loss: 1.456\nFinished Training\n")
    run = read(str(path))[-1]
    assert run.epochs == 2
    assert run.table["train_loss"].tolist() == pytest.approx([2.018, 1.4885])


def test_cross_entropy_under_its_own_name_is_the_loss(tmp_path):
    # MXNet's Module.fit: "Epoch[0] Train-cross-entropy=0.451" / "Validation-cross-entropy"
    path = tmp_path / "mxnet.log"
    path.write_text("INFO:root:Epoch[0] Batch [100]\tSpeed: 12000.1 samples/sec\t"
                    "cross-entropy=0.612\n"
                    "INFO:root:Epoch[0] Train-cross-entropy=0.451\n"
                    "INFO:root:Epoch[0] Validation-cross-entropy=0.331\n"
                    "INFO:root:Epoch[1] Train-cross-entropy=0.262\n"
                    "INFO:root:Epoch[1] Validation-cross-entropy=0.231\n")
    run = read(str(path))[-1]
    assert run.table["train_loss"].tolist() == [0.451, 0.262]
    assert run.table["val_loss"].tolist() == [0.331, 0.231]


def test_evaluation_points_take_the_mean_of_the_steps_before_them(tmp_path):
    # TF Estimator: "loss = ..., step = N" while training, "Saving dict ..." at evaluations
    path = tmp_path / "estimator.log"
    path.write_text("INFO:tensorflow:loss = 2.3012, step = 1\n"
                    "INFO:tensorflow:loss = 0.6124, step = 101 (0.832 sec)\n"
                    "INFO:tensorflow:Saving dict for global step 200: accuracy = 0.8120, "
                    "global_step = 200, loss = 0.5531\n"
                    "INFO:tensorflow:loss = 0.4712, step = 201 (0.801 sec)\n"
                    "INFO:tensorflow:Saving dict for global step 400: accuracy = 0.8610, "
                    "global_step = 400, loss = 0.4411\n")
    run = read(str(path))[-1]
    assert run.table["val_loss"].tolist() == [0.5531, 0.4411]
    assert run.table["train_loss"].tolist() == pytest.approx([(2.3012 + 0.6124) / 2, 0.4712])
    assert any("one row per evaluation" in note for note in run.info.notes)


def test_steps_gone_nan_after_the_last_evaluation_are_divergence(tmp_path):
    path = tmp_path / "train.log"
    path.write_text("step 0: train loss 4.2367, val loss 4.2475\n"
                    "step 100: train loss 3.4633, val loss 3.4987\n"
                    "iter 420: loss 3.5023, time 1445.08ms\n"
                    "iter 425: loss nan, time 1440.31ms\n")
    run = read(str(path))[-1]
    assert run.epochs == 3 and math.isnan(run.table["train_loss"].iloc[-1])


def test_a_line_too_long_to_be_a_print_is_skipped_and_said(tmp_path):
    path = tmp_path / "run.log"
    junk = "loss " + "7 " * 50_000  # 100 kB of one line: a dumped array, not an epoch
    path.write_text(f"epoch 1 train loss 0.9 val loss 0.8\n{junk}\n"
                    "epoch 2 train loss 0.7 val loss 0.6\n")
    run = read(str(path))[-1]
    assert list(run.table.index) == [1, 2]
    assert list(run.table["val_loss"]) == [0.8, 0.6]
    assert any("longer than 65536" in w for w in run.info.warnings)


def test_a_readme_with_one_loss_line_is_no_training_log(cli, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Results\n\nWe trained the model on the usual split of the data.\n"
                      "The training went well and we are happy with how it ended.\n"
                      "Final epoch 10: loss 0.31, val_loss 0.35\n"
                      "See the notebook for all the details of the run and the plots.\n")
    res = cli("analyze", str(readme))
    assert res.exit_code == 2 and "running text" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_bare_numeric_table_under_an_epoch_train_valid_header(tmp_path):
    from valgap.parsers import read

    path = tmp_path / "history.txt"
    path.write_text("epoch train valid\n1 0.9 0.95\n2 0.7 0.8\n3 0.6 0.72\n4 0.5 0.7\n")
    run = read(str(path))[-1]
    assert run.epochs == 4 and run.info.columns == {"train_loss": "train", "val_loss": "valid"}
    assert list(run.table["val_loss"]) == [0.95, 0.8, 0.72, 0.7]


def test_a_script_s_info_lines_beside_its_one_epoch_do_not_make_it_prose(tmp_path):
    from valgap.parsers import read

    path = tmp_path / "train.log"
    path.write_text("Loading the dataset and building the model now\n"
                    "Using the default optimizer for this training run\n"
                    "Starting the training loop for the model now\n"
                    "epoch 1 | train_loss 0.52 | val_loss 0.49\n"
                    + "".join(f"step {i} done\n" for i in range(4)))
    assert read(str(path))[-1].epochs == 1


# real logs whose loops print under tqdm: a bar line every few steps, an epoch line after
BHAEM = REALWORLD / "plain-text" / "BhAem__Weather_Classification__train.log"  # ../shared
TQDM_LOGS = [BHAEM,
             DATA / "public" / "AngeloSunn+Code-Clone-Detection-Neural-Network__train.log",
             DATA / "loop" / "yolo-stdout.log"]


def _read_loop(path: Path) -> list:
    runs = read(str(path))  # as detected: some are YOLO's or Lightning's
    return [(r.info.format, r.table.to_dict(), r.info.n_train, r.info.n_val, r.info.batch_size,
             dict(r.info.layers), r.info.notes, r.info.warnings, r.info.rows_read) for r in runs]


@pytest.mark.parametrize("path", TQDM_LOGS, ids=lambda p: p.name[:40])
def test_bar_lines_skipped_early_read_as_the_full_reading_reads_them(path, monkeypatch):
    # the string tests that skip a bare tqdm line are a shortcut, not a second reading
    fast = _read_loop(needs_shared(path))
    monkeypatch.setattr(loop_text._Reader, "_bar_only", lambda self, raw: False)
    assert fast == _read_loop(path)


def test_a_bar_line_is_skipped_whole_but_what_a_loop_prints_after_its_bar_is_read():
    bar = "Epoch {0}:  {1}%|#####     | {1}/100 [00:05<00:05, 9.8it/s, loss=0.{1}]"
    lines = []
    for epoch in (1, 2, 3):
        lines += [bar.format(epoch, k) for k in (10, 50, 90)]
        lines.append(bar.format(epoch, 100) + f"Epoch {epoch}: train loss 0.{9 - epoch}, "
                     f"val loss 0.{9 - epoch}5")
    run = loop_text.parse(Source("bars.log", "\n".join(lines).encode()))[-1]
    assert run.table["train_loss"].tolist() == [0.8, 0.7, 0.6]
    assert run.table["val_loss"].tolist() == [0.85, 0.75, 0.65]
    assert run.info.rows_read == 12


def test_lines_split_from_blocks_of_any_size_are_the_same_lines():
    from valgap.parsers._text import _split_lines

    text = "Epoch 1\r\nloss 0.5\n\n\rbar\rbar2\nlast line without end"
    want = list(enumerate(text.replace("\r\n", "\n").split("\n"), start=1))
    for size in (1, 2, 3, 7, len(text)):
        blocks = [text[i:i + size] for i in range(0, len(text), size)]
        assert list(_split_lines(iter(blocks))) == want, size
        as_bytes = list(_split_lines(iter(b.encode() for b in blocks)))
        assert as_bytes == [(n, line.encode()) for n, line in want], size


def test_a_model_card_row_with_no_epoch_number_is_not_a_row():
    # the Trainer's model-card table numbered by whole epochs; one row's epoch cell holds
    # a stray byte (fuzzing found it): that row is left out, not an internal error
    card = ("### Training results\n\n"
            "| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n"
            "|:-------------:|:-----:|:----:|:---------------:|:--------:|\n"
            "| No log | 1.0 | 45 | 0.7516 | 0.9 |\n"
            "| 0.7115 | 2.0 | 90 | 0.6538 | 0.9 |\n"
            "| 0.6512 | 3.0 | 135 | 0.6011 | 0.9 |\n"
            "| 0.5851 | 4.0 | 180 | 0.5762 | 0.9 |\n"
            "| 0.5803 | 5.0 \ufffd| 225 | 0.5402 | 0.9 |\n")
    run = loop_text.parse(Source("card.md", card.encode()))[-1]
    assert list(run.table.index) == [1, 2, 3, 4]
    assert run.table["val_loss"].iloc[-1] == pytest.approx(0.5762)


def test_a_printed_dataframe_of_the_history_is_read_row_by_row(tmp_path):
    import pandas as pd

    history = {"loss": [0.91, 0.62, 0.48, 0.41], "accuracy": [0.61, 0.78, 0.83, 0.86],
               "val_loss": [0.72, 0.55, 0.50, 0.52], "val_accuracy": [0.7, 0.8, 0.82, 0.81]}
    log = tmp_path / "run.log"
    log.write_text(f"Training finished.\n{pd.DataFrame(history)}\nSaved model.\n")
    run = read(str(log))[-1]
    assert run.epochs == 4
    assert list(run.table["train_loss"]) == pytest.approx(history["loss"])
    assert list(run.table["val_loss"]) == pytest.approx(history["val_loss"])


def test_hand_made_summary_tables_without_an_epoch_column_are_runs():
    # a public log (tests/data/public): three whitespace tables, headers with spaces in
    # their names ("train loss   va_loss  train_acc   val_acc"), remarks between them
    runs = read(str(DATA / "public" / "10zinten+Indian-Currency-Recognition__logs_train.log"))
    assert [r.epochs for r in runs] == [10, 10, 10]
    last = runs[-1].table
    assert last["train_loss"].iloc[0] == pytest.approx(1.412485)
    assert last["val_loss"].iloc[-1] == pytest.approx(0.58125)


def test_a_table_without_both_losses_named_is_no_frame():
    text = "    accuracy  f1\n0  0.5  0.4\n1  0.6  0.5\n"
    with pytest.raises(InputError):
        read("-", data=text.encode())


@pytest.mark.parametrize("log", [BHAEM,
                                 "public/AngeloSunn+Code-Clone-Detection-Neural-Network__train.log",
                                 "public/DarshilDC05+CNN_BiLSTM_Hangman_AI__train_log.txt",
                                 "loop/yolo-stdout.log",
                                 "loop/styles/tqdm-glued.log"])
def test_bars_skipped_by_the_block_read_as_line_by_line(log):
    # parse passes stretches of bare tqdm bars with one regular expression per block; the
    # incremental reader (watch) feeds every line: both read the same epochs
    path = needs_shared(DATA / log)  # DATA / an absolute path is that path
    source = Source(str(path))
    fast = loop_text.parse(source)
    slow = loop_text.Incremental(str(path))
    for line_no, raw in source.numbered():
        slow.feed(raw, line_no)
    assert [r.table.to_dict() for r in fast] == [r.table.to_dict() for r in slow.finish()]


def test_bars_inside_a_spaced_table_are_fed_not_skipped():
    # Ultralytics prints a row of its table with a bar after it on the same line: inside
    # such a table that line is a row, not a bare bar, as the line-by-line reader reads it
    bar = "  100%|██████████| 10/10 [00:01<00:00,  9.1it/s]\n"
    text = "epoch train_loss val_loss\n" + "".join(
        f"{e} {1 / e:.3f} {1.2 / e:.3f}{bar}" for e in range(1, 6))
    run = loop_text.parse(Source("t.log", text.encode()))[-1]
    assert run.epochs == 5 and run.table["val_loss"].iloc[-1] == pytest.approx(0.24)


def test_a_log_of_training_steps_alone_is_read_and_says_it_has_no_validation(cli):
    # a public Swin-Unet output_dir/log.txt: argument dumps, then "iteration N : loss : X"
    # lines and nothing else (refused as "not a training log" before)
    path = DATA / "public" / "Gnkgo+Swin-Unet__output_dir_log.txt"
    run = read(str(path))[-1]
    assert run.info.row == "training step" and run.epochs == 8
    assert run.table["train_loss"].iloc[0] == pytest.approx(0.707221)
    assert "val_loss" not in run.table.columns
    out = cli("analyze", str(path), "--no-plot")
    assert out.exit_code == 0 and "8 training steps" in " ".join(out.stdout.split())
    assert "no validation loss" in out.stdout


def test_training_steps_before_an_evaluation_are_its_training_values_not_rows():
    steps = "".join(f"step {i}: loss {1 / i:.3f}\n" for i in range(1, 9))
    text = steps + "step 8: train loss 0.125, val loss 0.2\n"
    run = loop_text.parse(Source("steps.log", text.encode()))[-1]
    assert run.info.row == "evaluation" and run.epochs == 1


def test_a_set_named_before_bare_metrics_names_their_split():
    # a public MNIST loop (tests/data/public, PiakoCode): each epoch's training set and test
    # set scored on lines that say which only before their bare "Loss"
    text = "".join(f"**Epoch: {e:03d}/003 | Train. Acc.: 9{e}.0% | Loss: {0.3 / e:.4f}\n"
                   f"**Epoch: {e:03d}/003 | Test. Acc.: 9{e}.5% | Loss: {0.2 / e:.4f}\n"
                   for e in range(1, 4))
    run = loop_text.parse(Source("mnist.out", text.encode()))[-1]
    assert run.table["train_loss"].tolist() == [0.3, 0.15, 0.1]
    assert run.table["val_loss"].tolist() == [0.2, 0.1, 0.0667]  # the test set stands in
    text = "".join(f"Epoch {e} training: loss {0.5 / e:.3f}\nEpoch {e} validation: loss "
                   f"{0.6 / e:.3f}\n" for e in range(1, 4))
    run = loop_text.parse(Source("loop.out", text.encode()))[-1]
    assert run.table["val_loss"].tolist() == [0.6, 0.3, 0.2]


def test_chinese_epoch_summaries_are_read():
    # a public translation model's tmux capture: "Epoch 16 完成 | 训练损失: 4.6130 | 验证损失:
    # 6.0073 | 时间: 385.8s" (training loss, validation loss) among its batch lines
    run = read(str(DATA / "public" / "96966+Transformer-Pytorch__training_log.txt"))[-1]
    assert run.epochs == 15 and run.info.first_epoch == 16
    assert run.table["train_loss"].iloc[0] == 4.6130 and run.table["val_loss"].min() == 5.9431


def test_a_held_out_set_announced_on_the_line_before_names_its_values():
    # Paddle's "epoch: 6,  loss is: 0.167, acc is: 0.94", then "testing in eval mode……" and
    # the test set's line in the same words, for the same epoch
    run = read(str(DATA / "public" / "AIHHU+PaddleCIFAR10__training_log.txt"))[-1]
    assert run.table["train_loss"].iloc[-1] == pytest.approx(0.15723933614)
    assert run.table["val_loss"].iloc[-1] == pytest.approx(0.258656407892)  # test stands in
    # a new epoch after such a line is training as printed
    runs = loop_text.parse(Source(
        "x.log", b"Testing the model now\nepoch: 1, loss: 0.5\nepoch: 2, loss: 0.4\n"))
    assert "val_loss" not in runs[-1].table and "test_loss" not in runs[-1].table


def test_a_test_results_line_with_its_epoch_is_that_epochs_test_loss():
    # Ignite's evaluators print "Test Results - Epoch[3] Avg accuracy: 0.75 Avg loss: 1.31"
    # beside the validation results: an epoch's test values, no summary's header
    run = read(str(DATA / "twelfthway" / "ig_leakage-s1" / "train.log"))[-1]
    text = (DATA / "twelfthway" / "ig_leakage-s1" / "train.log").read_text()
    last = [line for line in text.splitlines() if line.startswith("Test Results")][-1]
    assert run.table["test_loss"].iloc[-1] == float(last.rsplit("Avg loss: ", 1)[1])
    assert run.table["val_loss"].notna().all()


def test_a_fastai_capture_gives_its_steps_per_epoch_from_the_finished_training_bar():
    # fastprogress redraws its bars with \r on the row's own line: "| 100.00% [30/30
    # 00:00<00:00 0.8244]" for training, then "[8/8 ...]" for validation
    folder = DATA / "thirteenthway" / "fa_dropout-s1"
    run = read(str(folder / "train.log"))[-1]
    printed = json.loads((folder / "numbers.json").read_text())["printed_train"]
    assert run.info.steps_per_epoch == 30  # 1,920 training rows in batches of 64
    assert run.table["train_loss"].round(4).tolist() == [round(v, 4) for v in printed]
    bare = loop_text.parse(Source("x.log", b"epoch     train_loss  valid_loss  time\n"
                                  b"0         0.80    0.53    00:00\n"
                                  b"1         0.64    0.42    00:00\n"))
    assert bare[-1].info.steps_per_epoch is None


def test_paddles_fit_log_gives_its_evaluations_its_summary_and_one_batch_losses():
    # paddle.Model.fit, verbose=2 (scripts/make_fourteenthway_runs.py): "step 7/7 - loss:
    # ..." for training, then "Eval begin...", the evaluation's steps and "Eval samples:
    # 480"; the log says each printed loss is the current step's
    log = DATA / "fourteenthway" / "pd_overfit-s1" / "train.log"
    run = read(str(log))[-1]
    lines = log.read_text().splitlines()
    start = lines.index("Epoch 2/60")
    evaluation = lines[start + 3:start + 5]  # the two "step n/15" lines after "Eval begin..."
    assert lines[start + 2] == "Eval begin..." and all(e.startswith("step") for e in evaluation)
    losses = [float(e.split("loss: ")[1].split(" ")[0]) for e in evaluation]
    assert run.table.loc[2, "val_loss"] == pytest.approx(sum(losses) / 2)
    assert run.table.loc[2, "train_loss"] == float(lines[start + 1].split("loss: ")[1][:6])
    assert run.info.n_val == 480 and run.info.val_loss_rows == 32  # 15 steps of it
    summary = read(str(DATA / "fourteenthway" / "pd_dropout-s1" / "train.log"))[-1].info
    assert summary.layers == {"Linear": 3, "ReLU": 2, "Dropout": 2}
    assert summary.framework == "paddle"


def test_a_bare_name_said_for_each_set_follows_the_set_named_before_it():
    # "epoch  40 | train loss 0.5387 acc 0.9379 | val loss 0.4731 acc 0.8307" (scripts/
    # make_fifteenthway_runs.py): the second "acc" is validation's, not training's again
    log = DATA / "fifteenthway" / "fx_penalty-s1" / "train.log"
    run = read(str(log))[-1]
    last = log.read_text().splitlines()[-1].split()
    assert run.table["train_accuracy"].iloc[-1] == float(last[7])
    assert run.table["val_accuracy"].iloc[-1] == float(last[13])
    once = loop_text.parse(Source("x.log", b"epoch 1 | loss 0.5 | val_loss 0.4 acc 0.8\n"
                                  b"epoch 2 | loss 0.4 | val_loss 0.3 acc 0.9\n"))[-1]
    assert "train_accuracy" in once.table and "val_accuracy" not in once.table


def test_a_report_of_the_best_so_far_is_not_an_epochs_line():
    # "最佳验证准确率: 1.0000 (周期 1)" after each epoch's block (a public log, 40 sessions):
    # the epoch it names is the best one's, not a restart; nor "best val loss: 0.6 (epoch 2)"
    runs = loop_text.parse(Source("x.log", b"Epoch 1: train loss 0.9 val loss 0.8\n"
                                  b"best val loss: 0.8 (epoch 1)\n"
                                  b"Epoch 2: train loss 0.7 val loss 0.6\n"
                                  b"best val loss: 0.6 (epoch 2)\n"
                                  b"Epoch 3: train loss 0.6 val loss 0.65\n"
                                  b"best val loss: 0.6 (epoch 2)\n"))
    assert len(runs) == 1 and runs[-1].table["val_loss"].tolist() == [0.8, 0.6, 0.65]
    log = DATA / "public" / "John-299+plant_disease_detection1__logs_training.log"
    last = read(str(log))[-1]
    # its last session: "Epoch 5/30 | Train: loss=0.5795, acc=99.55% | Val: loss=0.5912, .."
    assert last.table["val_loss"].iloc[-1] == 0.5912 and last.table["train_loss"].iloc[-1] == \
        0.5795 and last.table["val_accuracy"].iloc[-1] == pytest.approx(0.9877)


def test_ep_and_va_name_the_epoch_and_validation():
    # "Ep   1/18  lr=2.00e-04  tr_loss=0.4485 tr_acc=0.7483 | va_loss=0.3896 va_acc=0.8221"
    log = DATA / "public" / "MNSTIC+Histopathological-Lung-Cancer-Model__logs_training.log"
    run = read(str(log))[-1]
    text = log.read_bytes().decode("utf-8", "replace")  # a cp1252 dash or two in it
    lines = [line for line in text.splitlines() if "va_loss=" in line]
    assert run.info.columns["val_loss"] == "va_loss" and run.epochs == 13
    assert run.table["val_loss"].iloc[-1] == float(lines[-1].split("va_loss=")[1].split()[0])


def test_a_table_under_a_header_written_as_a_comment():
    # a language model's epochs saved with np.savetxt(header=...) (public, losses.txt):
    # "#epoch train_loss val_loss" over rows numbered from 0
    run = read(str(DATA / "public" / "danis-b+YodaGPT__losses.txt"))[-1]
    assert len(run.table) == 40
    assert run.table["val_loss"].iloc[-1] == pytest.approx(1.2690496)
    # the epochs valgap names count from 1: said, so a reader can find them in the log
    assert any("numbers its epochs from 0" in n for n in run.info.notes)


def test_sets_named_alone_beside_named_losses_are_another_metric_not_losses():
    # PyTorch Geometric's examples print accuracies under the sets' names alone after the
    # losses ("Loss: 1.0872, Val Loss: 1.0717, Train: 0.4822, Val: 0.4967, Test: 0.4333"):
    # "Test" is no test loss (tests/data/twentyfirstway)
    run = read(str(DATA / "twentyfirstway" / "gcn_many_labels-s1" / "train.log"))[0]
    assert "test_loss" not in run.table
    assert run.table["test_score"].iloc[0] == 0.4333
    assert run.info.columns["val_loss"] == "Val Loss"
    # a set's name alone after a named training loss is still that set's loss
    text = "".join(f"epoch {e} loss {1 / e:.3f} val {1.2 / e:.3f}\n" for e in range(1, 6))
    run = loop_text.parse(Source("x.log", text.encode()))[0]
    assert run.table["val_loss"].iloc[-1] == 0.24


def test_flairs_dev_line_after_its_timestamp_is_validation_not_a_loggers_name():
    # Flair's training.log (scripts/make_thirtysecondway_runs.py): "2026-12-06 22:00:14,193
    # EPOCH 1 done: loss 0.7576 - lr: 0.100000", then "... DEV : loss 0.7065... - f1-score
    # (micro avg)  0.4667": "DEV :" is where a logging prefix puts a logger's name, but a
    # set's word there names the set
    log = DATA / "thirtysecondway" / "fl_cls_dropout-s1" / "training.log"
    run = read(str(log))[-1]
    numbers = json.loads((log.parent / "numbers.json").read_text())
    assert run.epochs == 25
    assert run.table["train_loss"].tolist() == pytest.approx(numbers["train"], abs=1e-4)
    assert run.table["val_loss"].tolist() == pytest.approx(numbers["val"], abs=1e-4)
    # a logger's name is still stripped
    text = "".join(f"2024-01-02 10:00:0{e},000 trainer - INFO - epoch {e} loss {1 / e:.3f} "
                   f"val_loss {1.1 / e:.3f}\n" for e in range(1, 6))
    run = loop_text.parse(Source("x.log", text.encode()))[0]
    assert run.epochs == 5 and run.table["val_loss"].iloc[-1] == 0.22


def test_a_spaced_table_whose_columns_are_named_in_words_is_read():
    # a Whisper fine-tune's report (public): "Epoch  Train Loss   Val Loss   WER      WER%
    # LR           Step", two or more spaces between columns, one inside a name
    log = DATA / "public" / "LF-c+Kinyarwanda-speech-to-text-ASR__training_results.txt"
    run = read(str(log))[-1]
    assert run.epochs == 10
    assert run.table["train_loss"].iloc[0] == 0.5128 and run.table["val_loss"].iloc[-1] == 0.398
    # a header of names parted by single spaces is still split on each
    text = "epoch train_loss val_loss\n" + "".join(
        f"{e} {1 / e:.3f} {1.2 / e:.3f}\n" for e in range(1, 6))
    run = loop_text.parse(Source("x.log", text.encode()))[0]
    assert run.epochs == 5 and run.table["val_loss"].iloc[-1] == 0.24
