"""CSV loggers: Keras CSVLogger (sample_logs/), Lightning metrics.csv (tests/data/lightning)."""
from __future__ import annotations

import pytest

from tests.conftest import DATA, SAMPLES
from valgap.model import InputError
from valgap.parsers import _csv_chunks, csv_log, read
from valgap.parsers._text import Source


def parse_text(text: str, **cols):
    return csv_log.parse(Source("inline.csv", text.encode()), **cols)[-1]


def keras_csv() -> str:
    return (SAMPLES / "dropout.csv").read_text()


def test_keras_csvlogger_epochs_become_one_based():
    run = read(str(SAMPLES / "dropout.csv"))[-1]
    assert run.info.format == "keras-csv"
    assert list(run.table.columns[:2]) == ["train_loss", "val_loss"]
    assert set(run.table.columns) == {"train_loss", "val_loss", "train_accuracy", "val_accuracy"}
    assert run.table.index[0] == 1 and run.epochs == 30
    first = keras_csv().splitlines()[1].split(",")  # epoch,accuracy,loss,val_accuracy,val_loss
    assert run.table.loc[1, "train_loss"] == pytest.approx(float(first[2]))
    assert run.table.loc[1, "val_loss"] == pytest.approx(float(first[4]))


def test_old_acc_headers_and_other_separators():
    text = keras_csv().replace("accuracy", "acc").replace(",", ";")
    run = parse_text(text)
    assert {"train_accuracy", "val_accuracy"} <= set(run.table.columns)
    assert run.epochs == 30


@pytest.mark.parametrize(("train", "val"), [("train_loss", "valid_loss"),
                                            ("training_loss", "validation_loss"),
                                            ("Train Loss", "Val Loss")])
def test_generic_column_names(train, val):
    _, *rows = keras_csv().splitlines()
    run = parse_text("\n".join([f"epoch,accuracy,{train},val_accuracy,{val}", *rows]))
    assert run.info.columns["train_loss"] == train
    assert run.info.columns["val_loss"] == val


def test_chosen_columns_win():
    _, *rows = keras_csv().splitlines()
    text = "\n".join(["epoch,a,b,c,d", *rows])
    with pytest.raises(InputError, match="no loss column"):
        parse_text(text)
    run = parse_text(text, train_col="b", val_col="d")
    assert run.table.loc[1, "val_loss"] == pytest.approx(float(rows[0].split(",")[4]))


def test_unknown_chosen_column_is_an_error_with_line():
    with pytest.raises(InputError) as err:
        parse_text(keras_csv(), train_col="nope")
    assert err.value.line == 1 and "nope" in err.value.message


def test_append_mode_restart_keeps_runs_apart():
    header, *rows = keras_csv().splitlines()
    text = "\n".join([header, *rows, *rows[:5]])
    runs = csv_log.parse(Source("x.csv", text.encode()))
    assert [r.epochs for r in runs] == [30, 5]


def test_lightning_sparse_rows_collapse_to_epochs():
    run = read(str(DATA / "lightning" / "metrics.csv"))[-1]
    assert run.info.format == "lightning-csv"
    assert run.epochs == 8
    assert run.info.columns["train_loss"] == "train_loss_epoch"  # not the _step twin
    assert run.table[["train_loss", "val_loss"]].notna().all().all()
    rows = (DATA / "lightning" / "metrics.csv").read_text().splitlines()
    epoch0 = [r.split(",") for r in rows[1:] if r.startswith("0,")]
    assert run.table.loc[1, "val_loss"] == pytest.approx(
        next(float(r[4]) for r in epoch0 if r[4]))
    assert run.table.loc[1, "train_loss"] == pytest.approx(
        next(float(r[2]) for r in epoch0 if r[2]))


def test_a_test_row_after_training_is_no_epoch_where_mse_is_the_loss():
    # a public Lightning run logging train_mse/val_mse (no loss by name): one epoch, then
    # trainer.test()'s row, test_mse at epoch 1. It was read as a second epoch whose
    # losses were NaN (a run that diverged); the closing evaluation is left out whatever
    # the training loss's name
    (run,) = read(str(DATA / "public" / "GregoryTomy+dctaxi__lightning_logs~version_1"
                      / "metrics.csv"))
    assert run.epochs == 1 and run.table["train_loss"].iloc[0] == pytest.approx(11.4706, 1e-4)
    assert any("holds only an evaluation" in note for note in run.info.notes)


def test_bad_number_names_its_line():
    text = keras_csv().splitlines()
    text[3] = "2,0.5,oops,0.9,0.3"
    with pytest.raises(InputError) as err:
        parse_text("\n".join(text))
    assert err.value.line == 4


def test_a_text_column_beside_the_losses_is_no_value_not_an_error():
    # a public log (tests/data/public): a "stage" label per epoch beside the losses
    run = read(str(DATA / "public" /
                   "Asishkumarxo+bone-fracture__training_history.csv"))[-1]
    assert list(run.table["train_loss"].round(3)) == [2.109, 1.619]
    assert list(run.table["val_loss"].round(3)) == [2.271, 1.890]
    assert not any("stage" in c for c in run.table.columns)


def test_text_in_a_loss_column_is_still_an_error():
    text = keras_csv().splitlines()
    names = text[0].split(",")
    row = text[3].split(",")
    row[names.index("val_loss")] = "oops"
    text[3] = ",".join(row)
    with pytest.raises(InputError) as err:
        parse_text("\n".join(text))
    assert err.value.line == 4 and "val_loss" in err.value.message


def test_a_long_csv_is_reduced_for_the_rules_and_reports_what_it_read(cli, tmp_path):
    rows = "".join(f"{e},{2 / (e + 1) ** 0.3:.6f},{2.2 / (e + 1) ** 0.3:.6f}\n"
                   for e in range(12_345))
    path = tmp_path / "long.csv"
    path.write_text("epoch,loss,val_loss\n" + rows)
    import json

    res = cli("analyze", "--format", "json", str(path))
    result = json.loads(res.stdout)
    assert result["epochs"] == 12_345
    assert result["run"]["rows_read"] == 12_345
    # blocks of a power of two epochs: the least that leaves at most MAX_POINTS points
    assert "12345 epochs averaged in blocks of 8 into 1544 points" in result["run"]["reduction"]
    assert result["fit"] == "good-fit"
    run = read(str(path))[-1]  # averaged as it is read: never a table of every epoch
    from valgap.parsers._table import MAX_POINTS

    assert run.epochs <= MAX_POINTS and run.table.index[-1] == 12_345
    assert run.info.reduced_from == 12_345 and len(run.info.epoch_lines) == 12_345
    assert list(run.info.epoch_lines) == list(range(2, 12_347))  # a line per epoch, exact
    first_eight = [float(line.split(",")[1]) for line in rows.splitlines()[:8]]
    assert run.table["train_loss"].iloc[0] == pytest.approx(sum(first_eight) / 8)


# Shapes from public repositories (the layouts Ultralytics and the W&B UI write; made here,
# not by those packages, which valgap's test set-up does not install)

def test_yolo_results_sum_the_loss_parts(tmp_path):
    names = ["epoch", "train/box_loss", "train/cls_loss", "train/dfl_loss",
             "metrics/mAP50(B)", "val/box_loss", "val/cls_loss", "val/dfl_loss", "lr/pg0"]
    rows = [[e, 1.5 / e, 2.0 / e, 1.2 / e, 0.5, 1.6 / e, 2.1 / e, 1.3 / e, 0.01]
            for e in range(1, 11)]
    path = tmp_path / "results.csv"
    path.write_text(",".join(f"{n:>20}" for n in names) + "\n" + "".join(
        ",".join(f"{v:>20.5f}" for v in row) + "\n" for row in rows))
    run = read(str(path))[-1]
    assert run.epochs == 10
    assert run.table["train_loss"].iloc[0] == pytest.approx(4.7)
    assert run.table["val_loss"].iloc[-1] == pytest.approx(0.5)
    assert run.table["train_box_loss"].iloc[0] == pytest.approx(1.5)  # parts kept
    assert any("sum of its parts" in n for n in run.info.notes)


def test_yolov10_one_to_many_and_one_to_one_parts(tmp_path):
    names = ["epoch", "train/box_om", "train/cls_om", "train/box_oo", "train/cls_oo",
             "val/box_om", "val/cls_om", "val/box_oo", "val/cls_oo"]
    path = tmp_path / "results.csv"
    path.write_text(",".join(names) + "\n" + "".join(
        f"{e}," + ",".join(str(1.0 / e) for _ in names[1:]) + "\n" for e in range(1, 6)))
    run = read(str(path))[-1]
    assert run.table["train_loss"].iloc[0] == pytest.approx(4.0)


def test_an_ultralytics_results_file_states_what_its_trainer_does():
    # a real YOLOv8 run's results.csv (runs/detect/train/, 100 epochs): Ultralytics trains
    # with mosaic and colour augmentation by default and its detection model has no dropout,
    # which the file never says; the run states both, with where they come from
    run = read(str(DATA / "public" / "0012223+ADOS_2024.csv"))[-1]
    assert run.info.format == csv_log.YOLO and run.info.framework == "pytorch"
    assert run.info.facts == {"augmentation": True, "dropout": False}
    assert "Ultralytics" in run.info.fact_origins["augmentation"]
    # a Keras CSVLogger file states neither
    keras = read(str(DATA / "public" / "AbijithT+Lung-Cancer-Detection__training_log.csv"))[-1]
    assert keras.info.format == csv_log.KERAS and not keras.info.facts


def test_an_ultralytics_classification_run_is_read_as_one(tmp_path):
    # a real YOLO classification run (runs/classify/train/results.csv): one loss a set and
    # the top-1 and top-5 accuracies, which are the validation set's; its trainer augments,
    # its head drops out only where the run says, and it may have taken its validation loss
    # of probabilities (before Ultralytics 8.3.39)
    name = "JavaKhangNguyen+ACNE11-Classification__runs_classify_train_results.csv"
    run = read(str(DATA / "public" / name))[-1]
    assert run.info.format == csv_log.YOLO
    assert run.table["val_accuracy"].iloc[-1] == 1.0
    assert "val_metrics_accuracy_top5" in run.table
    assert run.info.facts == {"augmentation": True, "dropout": False, "val_probabilities": True}
    # the run folder's args.yaml, where it is beside the file, says the head's dropout
    (tmp_path / "results.csv").write_bytes((DATA / "public" / name).read_bytes())
    (tmp_path / "args.yaml").write_text("task: classify\ndropout: 0.3\nfliplr: 0.0\n"
                                        "hsv_h: 0.0\nscale: 0.0\nerasing: 0.0\nmosaic: 1.0\n")
    run = read(str(tmp_path / "results.csv"))[-1]
    assert run.info.facts["dropout"] == 0.3
    assert run.info.facts["augmentation"] is False  # mosaic does not touch a classifier's


AUGMENTATION_ARGS = ("mosaic", "mixup", "copy_paste", "hsv_h", "hsv_s", "hsv_v", "degrees",
                     "translate", "scale", "shear", "perspective", "flipud", "fliplr")


@pytest.mark.parametrize(("strength", "expected"), [(0.0, False), (0.5, True)])
def test_an_ultralytics_run_folders_args_yaml_says_whether_it_augmented(
        tmp_path, strength, expected):
    # the run folder Ultralytics writes: results.csv beside args.yaml, whose augmentation
    # strengths say what the run did; "augment" (test-time) and "dropout" (a classifier's
    # head) say nothing of a detector's training
    (tmp_path / "results.csv").write_bytes((DATA / "public" / "0012223+ADOS_2024.csv")
                                           .read_bytes())
    lines = ["task: detect", "augment: false", "dropout: 0.3", "close_mosaic: 10"]
    lines += [f"{name}: {strength if name == 'fliplr' else 0.0}" for name in AUGMENTATION_ARGS]
    (tmp_path / "args.yaml").write_text("\n".join(lines) + "\n")
    run = read(str(tmp_path / "results.csv"))[-1]
    assert run.info.facts == {"augmentation": expected, "dropout": False}
    assert "args.yaml" in run.info.fact_origins["augmentation"]
    assert ("fliplr 0.5" in run.info.fact_origins["augmentation"]) is expected


def test_a_detectors_validation_below_training_is_put_down_to_its_augmentation():
    # the same run: validation 0.6-0.78x training all run long; Ultralytics' augmentation,
    # not a guess at dropout (which a YOLO detector does not have), is named
    from valgap import config, engine

    result = engine.analyze_input(str(DATA / "public" / "0012223+ADOS_2024.csv"),
                                  config.Config())[-1]
    assert result.fit.fit == "val-below-train"
    assert result.causes[0].rule == "augmentation" and result.causes[0].confidence > 0.8
    assert "dropout" not in [c.rule for c in result.causes]


def test_a_title_line_above_the_header(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("Training history of model X\n\nepoch,loss,val_loss\n0,1.0,1.1\n"
                    "1,0.8,0.9\n2,0.7,0.85\n")
    run = read(str(path))[-1]
    assert run.epochs == 3 and run.table["val_loss"].tolist() == [1.1, 0.9, 0.85]
    assert run.info.rows_read == 3 and list(run.info.epoch_lines) == [4, 5, 6]


def test_wandb_chart_export_is_one_run_per_wandb_run(tmp_path):
    head = ['"Step"'] + [f'"{r} - {m}{b}"' for r in ("brisk-sun-1", "calm-sky-2")
                         for m in ("loss", "val_loss") for b in ("", "__MIN", "__MAX")]
    rows = []
    for step in range(8):
        cells = [str(step * 100)]
        for scale in (1.0, 2.0):
            for offset in (0.0, 0.1):
                value = scale / (step + 1) + offset
                cells += [str(value)] * 3
        rows.append(",".join(cells))
    path = tmp_path / "wandb_export.csv"
    path.write_text(",".join(head) + "\n" + "\n".join(rows) + "\n")
    runs = read(str(path))
    assert [r.info.run_count for r in runs] == [2, 2]
    assert runs[1].table["train_loss"].iloc[0] == pytest.approx(2.0)
    assert runs[1].table["val_loss"].iloc[0] == pytest.approx(2.1)
    assert "calm-sky-2" in runs[1].info.notes[0]


def test_a_headerless_single_column_is_refused_saying_what_is_missing(tmp_path):
    path = tmp_path / "losses.txt"
    path.write_text("0.9\n0.8\n0.7\n0.65\n")
    with pytest.raises(InputError) as err:
        read(str(path))
    assert "no header" in err.value.message and "add a header line" in err.value.message


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1000])
def test_chunk_boundaries_inside_an_epoch_change_nothing(monkeypatch, chunk):
    # Lightning's sparse rows: several rows per epoch, a restart, an explicit NaN and an inf
    text = (DATA / "lightning" / "metrics.csv").read_text()
    header, *rows = text.splitlines()
    extra = [",".join(["nan" if h == "val_loss" else "" for h in header.split(",")])]
    text = "\n".join([header, *rows, *rows[:9], *extra]) + "\n"
    whole = csv_log.parse(Source("x.csv", text.encode()))
    monkeypatch.setattr(_csv_chunks, "CHUNK_ROWS", chunk)
    chunked = csv_log.parse(Source("x.csv", text.encode()))
    assert len(whole) == len(chunked) == 2
    for a, b in zip(whole, chunked):
        assert a.table.equals(b.table) and a.info.epoch_lines == b.info.epoch_lines
        assert a.info.notes == b.info.notes


@pytest.mark.parametrize("window", [1, 16, 100, 1000, 1 << 20])
def test_windows_parsed_on_threads_read_as_the_one_thread_path(monkeypatch, tmp_path, window):
    # a file on disk takes the threaded path; the same bytes from memory take the other
    text = (DATA / "lightning" / "metrics.csv").read_text()
    header, *rows = text.splitlines()
    text = "Training log\n\n" + "\n".join([header, *rows, *rows[:9]]) + "\n"
    path = tmp_path / "metrics.csv"
    path.write_text(text)
    assert Source(str(path)).is_plain_file() and not Source("x", text.encode()).is_plain_file()
    serial = csv_log.parse(Source(str(path), text.encode()))
    monkeypatch.setattr(_csv_chunks, "WINDOW_BYTES", window)
    threaded = csv_log.parse(Source(str(path)))
    assert len(serial) == len(threaded) == 2
    for a, b in zip(serial, threaded):
        assert a.table.equals(b.table) and a.info.epoch_lines == b.info.epoch_lines


def test_an_epoch_column_stuck_at_0_with_both_losses_on_every_row_counts_rows():
    # a public log (tests/data/public): Keras's CSVLogger in append mode under
    # model.fit(epochs=1) called in a loop writes "epoch 0" on each of its 8 rows
    name = DATA / "public" / "mdhach+digit-recognizer__history.csv"
    run = read(str(name))[-1]
    assert run.epochs == 8
    rows = [r.split(",") for r in name.read_text().splitlines()[1:]]
    assert list(run.table["val_loss"]) == pytest.approx([float(r[4]) for r in rows])
    assert any("each row read as an epoch" in n for n in run.info.notes)


def test_rows_of_one_epoch_holding_one_loss_each_are_still_averaged():
    # steps of an epoch log training only; its one validation row stays the epoch's
    text = "epoch,train_loss,val_loss\n0,1.0,\n0,0.8,\n0,,0.9\n1,0.6,\n1,0.4,\n1,,0.7\n"
    run = parse_text(text)
    assert run.epochs == 2
    assert list(run.table["train_loss"]) == pytest.approx([0.9, 0.5])
    assert not any("each row read as an epoch" in n for n in run.info.notes)


def test_a_gan_generator_loss_logged_for_both_splits_is_the_loss():
    # a public log (tests/data/public): loss_G / val_loss_G, loss_D for training only
    name = DATA / "public" / ("61447093s+Automatic-Image-Colorization-Using-cGANl-Networks-"
                              "with-U-Net-Architecture__logs_training_log.csv")
    run = read(str(name))[-1]
    assert run.info.columns["train_loss"] == "loss_G"
    assert run.info.columns["val_loss"] == "val_loss_G"
    assert run.table.loc[1, "val_loss"] == pytest.approx(7.6645)
    assert any("loss_G" in w for w in run.info.warnings)


def test_two_named_losses_for_both_splits_are_ambiguous_and_refused():
    text = "epoch,loss_a,loss_b,val_loss_a,val_loss_b\n0,1,2,1,2\n1,0.5,1,0.6,1.1\n"
    with pytest.raises(InputError, match="no loss column"):
        parse_text(text)


def test_a_column_named_after_a_logged_tensor_does_not_hide_the_header():
    # a public Lightning CSV (tests/data/public): train_loss beside two columns logged under
    # a tensor's repr, "out_tensor([0.])"; it was refused as "not a training log"
    run = read(str(DATA / "public" /
                    "DiogoFerreira7+LSTM-Implementation__lightning_logs_version_0_metrics.csv"))[-1]
    assert run.epochs == 80 and "train_loss" in run.table and "val_loss" not in run.table
    assert round(run.table["train_loss"].iloc[-1], 4) == 0.2502


@pytest.mark.parametrize("header", ["Epoch,Train_Loss,Train_Accuracy,Val_Loss,Val_Accuracy,LR\n",
                                    "epoch;loss;val_loss\n"])
def test_a_header_with_no_row_says_no_epoch_yet(tmp_path, header):
    # a public PyTorch loop's metrics file committed before its first epoch was written
    path = tmp_path / "training_metrics.csv"
    path.write_text(header)
    with pytest.raises(InputError, match="no epoch yet") as err:
        read(str(path))
    assert err.value.code == "no-epochs"


def test_a_header_naming_no_loss_is_still_not_a_log(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,age,city\n")
    with pytest.raises(InputError, match="not a training log"):
        read(str(path))


def test_a_name_with_the_split_in_the_middle_is_that_split():
    from valgap.parsers._table import canonical

    assert canonical("reg_val_loss") == ("val", "reg_loss")
    assert canonical("cls_valid_acc") == ("val", "cls_accuracy")
    assert canonical("interval_loss") == ("train", "interval_loss")  # no split word in it
    assert canonical("val_loss_G") == ("val", "loss_g")


def test_a_part_of_a_set_is_that_set():
    from valgap.parsers._table import canonical

    assert canonical("mini_val_loss") == ("val", "loss")  # Deformable DETR's small val set
    assert canonical("small_test_acc") == ("test", "accuracy")
    assert canonical("mini_batch_loss") == ("train", "mini_batch_loss")  # no set named


def test_a_set_named_after_the_loss_is_that_set():
    from valgap.parsers._table import canonical

    assert canonical("Loss_test") == ("test", "loss")
    assert canonical("loss_val") == ("val", "loss")
    # "Epoch<TAB>Loss_train<TAB>Loss_test" (tests/data/public): the held-out set's loss
    # stands for validation, as a test loss does where a log has no other
    run = read(str(DATA / "public" / "Lenjis+ID-recognition__loss_log.txt"))[-1]
    assert run.epochs == 40 and run.info.columns["val_loss"] == "Loss_test"
    assert any("test loss is read as the validation loss" in w for w in run.info.warnings)
    assert run.table["val_loss"].iloc[-1] == 2.316208


def test_a_set_written_against_its_metric_is_that_set():
    from valgap.parsers._table import canonical

    assert canonical("trloss") == ("train", "loss") and canonical("valloss") == ("val", "loss")
    assert canonical("testacc") == ("test", "accuracy")
    # glued only where the set's whole name starts the word: not a longer word's start
    assert canonical("deviceloss") == ("train", "deviceloss") and canonical("vloss")[1] != "loss"
    # a public ';' table of 11 models appended (tests/data/public): "model #;model
    # name;trloss;val loss;epoch", each numbering its epochs from 1
    run = read(str(DATA / "public" /
                    "dschappler+clothing_style_evaluator__learning_curves.csv"))[-1]
    assert run.info.columns["train_loss"] == "trloss" and run.info.run_count == 11
    assert run.table["train_loss"].tolist()[-1] == 455 and run.table["val_loss"].iloc[-1] == 432


def test_a_table_of_steps_starting_far_past_zero_does_not_hold_its_start():
    # a public GPT-2 log (tests/data/public): "step,train_loss,dev_loss,learning_rate",
    # its first row at step 70,250 of rows every 250 steps: resumed, not a start
    run = read(str(DATA / "public" / "jaipkapoor99+GPT-2__loss_history.csv"))[-1]
    assert run.info.continues
    assert any("starts at step 70,250 (a row every 250 steps)" in n for n in run.info.notes)
    # its training loss, printed from one batch, bounces about 3.2 with no trend while its
    # dev loss falls 3.27 -> 3.14: not stuck; read as holding its start, it barely
    # improved on it (underfit)
    from valgap.fit import classify
    from valgap.model import Facts

    assert classify(run, Facts()).fit == "good-fit"
    run.info.continues = False
    assert classify(run, Facts()).fit == "underfit"
    # a log of steps from the start is no resumed one
    path = DATA / "public" / "Auro-rium+logsage__results_training_curves.csv"
    assert not read(str(path))[-1].info.continues
    # nor one whose "steps" column counts an episode's steps (98, 99, 462): no counter
    path = DATA / "public" / \
        "20bhayward+5100-Final-Project__trainer_trained_agents_level2_training_results.csv"
    assert not read(str(path))[-1].info.continues


def test_numbers_written_as_tensor_reprs_are_read():
    # a public UNet loop wrote str(loss) of its tensors into its CSV (tests/data/public)
    run = read(str(DATA / "public" / "Andrew-Linville+UNet-SNGP__losses.csv"))[-1]
    assert run.epochs == 100
    assert run.table["train_loss"].iloc[0] == 3.1304 and run.table["val_loss"].iloc[-1] == 1.3101


def test_losses_named_by_a_letter_or_by_the_sets_alone(tmp_path):
    from valgap.parsers._table import canonical

    assert canonical("t_loss") == ("train", "loss") and canonical("v_loss") == ("val", "loss")
    assert canonical("t") == ("train", "t") and canonical("v_max") == ("train", "v_max")
    path = tmp_path / "losses.csv"
    path.write_text(",ep,train,valid,total\n" + "".join(
        f"{i},{i + 1},{2 / (i + 1):.3f},{2.2 / (i + 1):.3f},{4.2 / (i + 1):.3f}\n"
        for i in range(6)))
    run = read(str(path))[-1]
    assert run.table["val_loss"].tolist()[:2] == [2.2, 1.1]


@pytest.mark.parametrize("newline", ["\n\n", "\r\r\n"])
def test_a_camel_case_header_over_blank_lines_is_read(tmp_path, newline):
    # a public loop's CSV (tests/data/public): "Epoch,TrainLoss,ValLoss,ValAcc", each row
    # followed by a blank line, as csv.writer writes on Windows without newline=''
    text = (DATA / "public" / "Faisasa12+plant_disease_classifier__train_log.csv").read_text()
    path = tmp_path / "train_log.csv"
    path.write_bytes(newline.join(line for line in text.split("\n\n")).encode())
    run = read(str(path))[-1]
    assert run.epochs == 10
    assert run.table["train_loss"].iloc[0] == pytest.approx(5.8214068)
    assert run.table["val_loss"].iloc[-1] == pytest.approx(0.3172719)


def test_words_glued_in_camel_case_name_their_split_and_metric():
    from valgap.parsers._table import canonical

    assert canonical("TrainLoss") == ("train", "loss")
    assert canonical("valLoss") == ("val", "loss")
    assert canonical("ValAcc") == ("val", "accuracy")
    assert canonical("train_losses") == ("train", "loss")
    # other humps name no split and are kept whole
    assert canonical("eval_rougeL") == ("val", "rougel")
    assert canonical("metrics/mAP50(B)") == ("train", "metrics_map50(b)")


def test_losses_named_by_their_set_and_a_qualifier_make_a_header():
    # a public upscaler's loss_log.csv: "epoch,train_l1,train_perc,val_l1,val_perc,
    # train_total,val_total,learning_rate" (refused as no training log before)
    run = read(str(DATA / "public" / "ruhalis+upscale-models__loss_log.csv"))[-1]
    assert run.epochs == 450
    assert run.info.columns["train_loss"] == "train_total"
    assert run.info.columns["val_loss"] == "val_total"
    assert not csv_log.sniff("date,total,count\n2024-01-01,3,4\n")


def test_a_lightning_csv_tells_its_steps_per_epoch():
    # a real Lightning metrics.csv: the first epoch's last global step, plus one (the
    # pre-update-loss rule needs it: 45 steps an epoch is no full-batch training)
    import csv as csv_module

    path = DATA / "lightning" / "metrics.csv"
    with path.open() as fh:
        steps = [int(r["step"]) for r in csv_module.DictReader(fh) if r["epoch"] == "0"]
    run = read(str(path))[-1]
    assert run.info.steps_per_epoch == max(steps) + 1 == 45


@pytest.mark.parametrize("step", ["inf", "nan", "1e300", "-5"])
def test_a_lightning_csv_whose_step_is_no_count_gives_no_steps_per_epoch(tmp_path, step):
    # found by scripts/fuzz.py: a step cell of "inf" crashed the count (OverflowError)
    lines = (DATA / "lightning" / "metrics.csv").read_text().splitlines()
    header = lines[0].split(",")
    at = header.index("step")
    rows = [line.split(",") for line in lines[1:]]
    first = [i for i, r in enumerate(rows) if r[header.index("epoch")] == "0"][-1]
    rows[first][at] = step
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n")
    run = read(str(path))[-1]
    assert run.info.steps_per_epoch in (None, 45) and run.epochs == read(
        str(DATA / "lightning" / "metrics.csv"))[-1].epochs


@pytest.mark.parametrize("name, column, first", [
    # a language model's epochs: train_loss beside val_mean_ce (and val_ppl, its exp)
    ("Sudipa45+bangla-braille-next-token-prediction__epoch_log.csv", "val_loss", 2.1682),
    # a course's "Train Objective" / "Testing Objective": the held-out set's loss
    ("FMayi+HW2_Deep_learning__training_results.csv", "val_loss", 0.5685),
])
def test_a_loss_named_by_what_it_computes_is_read_as_the_loss(name, column, first):
    from valgap.parsers._table import canonical

    assert canonical("val_mean_ce") == ("val", "loss")
    assert canonical("Testing Objective") == ("test", "loss")
    assert canonical("val_nll") == ("val", "loss")
    run = read(str(DATA / "public" / name))[-1]
    assert run.table[column].iloc[0] == pytest.approx(first, rel=1e-4)
    assert len(run.table) in (20, 50) and "train_loss" in run.table


def test_lightning_validated_several_times_an_epoch_is_one_row_per_evaluation():
    # val_check_interval=0.25 over 2 epochs (scripts/make_torch_fixtures.py): 8 validation
    # rows, each after the training rows logged since the one before
    import csv as csv_module

    path = DATA / "lightning" / "metrics_val_check_interval.csv"
    rows = list(csv_module.DictReader(path.open()))
    run = read(str(path))[-1]
    assert run.info.row == "evaluation" and run.epochs == 8
    vals = [float(r["val_loss"]) for r in rows if r["val_loss"]]
    assert run.table["val_loss"].tolist() == vals
    first = [float(r["train_loss"]) for r in rows[:next(
        i for i, r in enumerate(rows) if r["val_loss"])] if r["train_loss"]]
    assert run.table["train_loss"].iloc[0] == pytest.approx(sum(first) / len(first))
    assert any("one row per evaluation" in n for n in run.info.notes)


def test_a_long_lightning_log_validated_within_epochs_keeps_its_evaluations(tmp_path):
    # 60 epochs x 4 evaluations after 25 logged steps each: 6,240 rows, more than a table
    # to judge keeps whole; the evaluations are paired first (not averaged in blocks)
    lines, step = ["epoch,step,train_loss,val_loss"], 0
    for epoch in range(60):
        for _ in range(4):
            for _ in range(25):
                step += 1
                lines.append(f"{epoch},{step},{1 / (1 + step / 500):.5f},")
            lines.append(f"{epoch},{step},,{1.1 / (1 + step / 500):.5f}")
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(lines) + "\n")
    run = read(str(path))[-1]
    assert run.info.row == "evaluation" and run.epochs == 240
    assert run.table["val_loss"].iloc[-1] == pytest.approx(1.1 / (1 + 6000 / 500), abs=1e-5)


def test_a_learning_curve_over_training_set_sizes_is_refused_as_no_epochs(tmp_path):
    # scikit-learn's learning_curve saved as a table (public): a row per model and training
    # size, train_mean/val_mean accuracies: no run's epochs
    path = DATA / "public" / "zywczak+spam-detection-models-comparison__learning_curves.csv"
    with pytest.raises(InputError, match="learning curve over training-set sizes") as err:
        read(str(path))
    assert err.value.code == "no-epochs"
    # the same columns under an epoch counter are a run's: read
    rows = path.read_text().splitlines()
    table = tmp_path / "history.csv"
    table.write_text("\n".join(["epoch," + rows[0]] +
                               [f"{i}," + r for i, r in enumerate(rows[1:6], 1)]) + "\n")
    assert len(read(str(table))[-1].table) == 5


def test_a_test_loss_read_as_validation_leaves_validations_own_columns_their_names(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss,test_loss,val_accuracy,test_accuracy\n" + "".join(
        f"{e},{1 / e:.3f},{1.2 / e:.3f},0.{e}0,0.{e}1\n" for e in range(1, 6)))
    run = read(str(path))[-1]
    assert run.info.columns["val_loss"] == "test_loss"
    assert run.info.columns["val_accuracy"] == "val_accuracy"
    assert run.table["val_accuracy"].iloc[-1] == 0.5


@pytest.mark.parametrize("name, setting", [
    # a random forest's n_estimators sweep, one row a forest (public)
    ("ContraInfinito+ml-infrastart__training_logs.csv", "n_estimators"),
    # three one-epoch runs of a two-tower model, batches of 512 and 256 (public)
    ("zoongahn+jodalroB-twoTower__train_results.csv", "batch_size"),
])
def test_a_table_of_runs_differing_in_a_setting_is_refused_as_no_epochs(name, setting,
                                                                        tmp_path):
    path = DATA / "public" / name
    with pytest.raises(InputError, match=f"separate run.*{setting!r}") as err:
        read(str(path))
    assert err.value.code == "no-epochs"
    # the same rows under a counter that counts are a run's epochs: read
    rows = path.read_text().splitlines()
    table = tmp_path / "history.csv"
    table.write_text("\n".join(["epoch," + rows[0]] +
                               [f"{i}," + r for i, r in enumerate(rows[1:], 1)]) + "\n")
    assert len(read(str(table))[-1].table) == len(rows) - 1
    # a setting that stays the same on every row says nothing
    same = tmp_path / "same.csv"
    same.write_text("batch_size,loss,val_loss\n" +
                    "".join(f"64,{1 / e:.3f},{1.1 / e:.3f}\n" for e in range(1, 6)))
    assert len(read(str(same))[-1].table) == 5


def test_losses_logged_as_different_parts_for_each_set_are_not_summed():
    # a GAN's history (public): the generator's and discriminator's training losses beside
    # validation's MAE, PSNR and SSIM, each named *_loss; no part is logged for both sets
    run = read(str(DATA / "public" / "TisonWang-SS+ImgDenoising__train_loss.csv"))[-1]
    assert "train_loss" not in run.table and "val_loss" not in run.table
    assert any("different parts" in w for w in run.info.warnings)
    # parts logged for both sets (YOLO's box, cls and dfl losses) are still summed
    yolo = read(str(DATA / "public" / "1527171+HandRaisingDetector-YOLO12n.csv"))[-1]
    assert {"train_loss", "val_loss"} <= set(yolo.table.columns)


def test_a_long_table_of_one_key_a_row_pairs_into_evaluations():
    # a language model's metrics written one key a row ("step,...,train/running_loss,...,
    # eval/loss"): the training loss every 50 steps and the evaluation every 200 never share
    # a row; each evaluation is a row, with the training loss averaged since the one before
    import csv

    from tests.conftest import DATA
    from valgap.model import EVALUATION

    path = DATA / "public" / "AndyZhao2023+assignment1-basics__logs_metrics.csv"
    rows = list(csv.DictReader(path.open()))
    evals = [float(r["eval/loss"]) for r in rows if r["eval/loss"]]
    run = read(str(path))[-1]
    assert run.info.row == EVALUATION
    assert list(run.table["val_loss"]) == evals
    first = [float(r["train/running_loss"]) for r in rows
             if r["train/running_loss"] and int(r["step"]) <= 200]
    assert run.table["train_loss"].iloc[0] == pytest.approx(sum(first) / len(first))

