"""CSV loggers: Keras CSVLogger (sample_logs/), Lightning metrics.csv (tests/data/lightning)."""
from __future__ import annotations

import pytest

from tests.conftest import DATA, SAMPLES
from valgap.model import InputError
from valgap.parsers import csv_log, read
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


def test_bad_number_names_its_line():
    text = keras_csv().splitlines()
    text[3] = "2,0.5,oops,0.9,0.3"
    with pytest.raises(InputError) as err:
        parse_text("\n".join(text))
    assert err.value.line == 4


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
    assert "12345 epochs averaged in blocks of 7" in result["run"]["reduction"]
    assert result["fit"] == "good-fit"
    run = read(str(path))[-1]
    from valgap.parsers._table import MAX_POINTS, downsample

    small = downsample(run)
    assert small.epochs <= MAX_POINTS and small.table.index[-1] == 12_345
    assert small.table["train_loss"].iloc[0] == pytest.approx(
        run.table["train_loss"].iloc[:7].mean())
