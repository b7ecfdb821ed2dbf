"""The terminal report's curves (plotext)."""
from __future__ import annotations


def test_values_near_the_float_limit_leave_the_picture_not_the_report(cli, tmp_path):
    # found by scripts/fuzz_stores.py: losses of +-1e308 beside ordinary ones made plotext's
    # tick arithmetic overflow (ValueError: cannot convert float NaN to integer)
    rows = ["epoch,loss,val_loss"]
    for e in range(1, 13):
        train = "-1e308" if e in (1, 9) else f"{1.2 * 0.85 ** e:.4f}"
        val = "1e308" if e in (2, 7, 12) else f"{1.1 * 0.86 ** e:.4f}"
        rows.append(f"{e},{train},{val}")
    log = tmp_path / "history.csv"
    log.write_text("\n".join(rows) + "\n")
    res = cli("analyze", str(log), env={"COLUMNS": "100"})
    assert res.exit_code in (0, 1) and "internal error" not in res.stderr, res.stderr
    assert "Verdict:" in res.stdout and "┌" in res.stdout  # the report, and its curves


def test_the_curves_axis_names_what_a_row_is(cli):
    from tests.conftest import DATA, SAMPLES

    for log, axis in ((DATA / "boosting" / "xgboost-train.log", "boosting round"),
                      (DATA / "public" / "Gnkgo+Swin-Unet__output_dir_log.txt", "training step"),
                      (SAMPLES / "dropout.log", "epoch")):
        res = cli("analyze", str(log), env={"COLUMNS": "100"})
        # the label under the curves (the report's text may run beside it, on the right)
        assert any(line.lstrip().startswith(axis + " ") or line.strip() == axis
                   for line in res.stdout.splitlines() if line.startswith("   ")), (log, axis)


def test_a_check_another_extends_is_recommended_once_the_longer_way(cli):
    # a graph network whose print hides its dropout (tests/data/twentyfirstway):
    # augmentation's check is dropout's with "with a loader that applies no training
    # transforms" added; both causes are detailed, the check is said once
    from tests.conftest import DATA

    log = DATA / "twentyfirstway" / "gcn_many_labels_printed-s1" / "train.log"
    res = cli("analyze", str(log), "--no-plot", env={"COLUMNS": "100"})
    text = " ".join(res.stdout.split())
    assert "augmentation" in text and "dropout" in text
    assert text.count("call model.eval() and compute the loss over the training set") == 1
    assert "with a loader that applies no training transforms" in text
