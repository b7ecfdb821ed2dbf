"""The measured gap: its arithmetic, and the rules deciding from it (synthetic columns as
valgap's callbacks write them; tests/frameworks trains real models)."""
from __future__ import annotations

import json
import math

import pytest

from tests.conftest import make_run
from valgap.config import Config
from valgap.engine import analyze_run
from valgap.measured import batch_mean_and_se, decompose, subset_size
from valgap.model import Facts

N = 20


def measured_run(timing=0.0, train_mode=0.0, data=0.0, penalty=0.0, se=0.002, jitter=0.003,
                 layers=None, framework=None):
    """Curves whose gap is made of the given parts (loss units), with epoch-to-epoch jitter."""
    val = [0.4 + 0.6 * math.exp(-i / 4) for i in range(N)]
    wiggle = [jitter * math.sin(2.3 * i) for i in range(N)]
    evaluated = [v + data + w for v, w in zip(val, wiggle)]
    trainmode = [e + train_mode + penalty for e in evaluated]
    logged = [t + timing for t in trainmode]
    extra = {"train_loss_trainmode_end": trainmode, "train_loss_eval_end": evaluated,
             "train_loss_eval_end_se": [se] * N}
    if penalty:
        extra["train_penalty_end"] = [penalty] * N
    run = make_run(logged, val, layers=layers, **extra)
    run.info.framework = framework
    return run


def causes(run, **facts):
    result = analyze_run(run, Config(facts=Facts(**facts)))
    return result, [f.rule for f in result.causes]


def test_the_parts_add_up_to_the_gap():
    dec = decompose(measured_run(timing=0.02, train_mode=0.1, data=0.03, penalty=0.05).table)
    total = dec.timing.value + dec.train_mode.value + dec.penalty.value + dec.data.value
    assert total == pytest.approx(dec.gap)
    assert dec.train_mode.value == pytest.approx(0.1, abs=1e-9)
    assert dec.penalty.value == pytest.approx(0.05)
    assert "train-mode +0.1" in dec.describe()


def test_a_table_without_the_columns_has_no_decomposition():
    assert decompose(make_run([1.0, 0.8, 0.7], [0.9, 0.7, 0.6]).table) is None


@pytest.mark.parametrize(("parts", "dominant"), [
    ({"train_mode": 0.15, "timing": 0.02}, "train-mode"),
    ({"data": 0.15, "timing": 0.02}, "data"),
    ({"timing": 0.15, "data": 0.01}, "timing"),
])
def test_the_part_that_explains_most_is_dominant(parts, dominant):
    assert decompose(measured_run(**parts).table).dominant().name == dominant


def test_a_measured_train_mode_part_puts_a_train_mode_cause_first_without_a_summary():
    result, found = causes(measured_run(train_mode=0.15, timing=0.02))
    assert found[0] in ("dropout", "batchnorm", "augmentation", "regularization-penalty",
                        "loss-weighting")
    assert "train-mode part explains" in result.causes[0].evidence
    assert "easy-validation" not in found


def test_the_summary_names_the_mechanism_of_a_measured_train_mode_part():
    _, found = causes(measured_run(train_mode=0.15, layers={"Dropout": 1}))
    assert found[0] == "dropout"


def test_a_measured_data_part_is_easy_validation_not_a_guess():
    result, found = causes(measured_run(data=0.15), dropout=True)
    assert found[0] == "easy-validation" and not result.causes[0].guess
    assert "dropout" not in found  # the summary shows dropout, the measurement rules it out


def test_a_measured_timing_part_is_epoch_averaging():
    _, found = causes(measured_run(timing=0.15))
    assert found[0] == "epoch-averaging"


def test_a_penalty_measured_apart_is_the_penalty_cause():
    _, found = causes(measured_run(penalty=0.15, timing=0.01))
    assert found[0] == "regularization-penalty"


def test_a_penalty_keras_adds_to_validation_too_is_no_part_of_the_gap():
    run = measured_run(penalty=0.15, timing=0.01, framework="keras")
    run.table["val_loss"] += 0.15  # Keras's val_loss carries model.losses
    dec = decompose(run.table, penalty_in_validation=True)
    assert dec.penalty is None and dec.penalty_both_sides == pytest.approx(0.15)
    assert abs(dec.data.value) < 2 * dec.data.noise  # only the jitter
    _, found = causes(run)
    assert "regularization-penalty" not in found


def test_parts_within_the_subsets_resolution_fall_back_to_the_curves():
    # a gap of 0.05 measured on a subset that resolves only 0.1: the curves decide
    result, _ = causes(measured_run(data=0.03, timing=0.02, se=0.1))
    assert result.causes and "within their noise" in result.causes[0].evidence


def test_validation_above_training_is_not_explained_by_a_negative_data_part():
    _, found = causes(measured_run(data=-0.2))
    assert "easy-validation" not in found


def test_subset_size_and_batch_standard_error():
    assert subset_size(100_000) == 1024 and subset_size(2000) == 100 and subset_size(3) == 1
    mean, se = batch_mean_and_se([1.0, 3.0], [10, 10])
    assert mean == 2.0 and se == pytest.approx(math.sqrt(10 * 2 / 1 / 20))
    assert batch_mean_and_se([1.0], [5]) == (1.0, 0.0)


def test_a_csv_with_the_columns_reads_and_reports_through_the_cli(cli, tmp_path):
    run = measured_run(train_mode=0.15)
    path = tmp_path / "history.csv"
    table = run.table.rename(columns={"train_loss": "loss"}).reset_index()
    table["epoch"] -= 1
    table.to_csv(path, index=False)
    out = cli("analyze", str(path), "--format", "json")
    report = json.loads(out.output.splitlines()[0])
    assert report["causes"][0]["id"] in ("dropout", "batchnorm", "augmentation",
                                         "regularization-penalty", "loss-weighting")
    assert "measured at epoch ends" in report["causes"][0]["evidence"]


@pytest.mark.parametrize(("sample", "dominant", "first"), [
    ("measured-keras.log", "train-mode", "dropout"),  # its summary names the mechanism
    ("measured-keras.csv", "train-mode", None),
    ("measured-lightning.csv", "train-mode", None),  # batch norm, batches of 8
    ("measured-hf.json", "train-mode", None),
    ("measured-torch.log", "data", "easy-validation"),  # training labels 25 % redrawn
])
def test_the_callbacks_sample_logs_read_with_their_parts(sample, dominant, first):
    from tests.conftest import SAMPLES
    from valgap import analyze

    result = analyze(str(SAMPLES / sample))[0]
    dec = decompose(result.run.table, result.run.info.framework == "keras")
    assert dec.dominant().name == dominant, dec.describe()
    assert f"the {dominant} part explains" in result.causes[0].evidence
    if first:
        assert result.causes[0].rule == first


def test_a_batch_table_names_a_measured_family_not_a_tied_mechanism(cli):
    # the Lightning sample is batch norm, measured train-mode with nothing naming it: its
    # mechanisms tie, so the batch table's first cause is the family, at its confidence
    from tests.conftest import SAMPLES

    out = cli("analyze", str(SAMPLES / "measured-lightning.csv"), str(SAMPLES / "dropout.log"))
    rows = {name: line for line in out.output.splitlines()
            for name in ("measured-lightning.csv", "dropout.log") if name in line}
    assert "train-mode, measured (0.95)" in rows["measured-lightning.csv"]
    assert "dropout (0.95)" in rows["dropout.log"]


def test_an_infinite_measured_value_leaves_its_epoch_out_without_a_warning(tmp_path):
    # a fuzzer's finding: the Keras sample measured by the gap callback, one epoch's
    # validation and inference-mode losses past the float range: inf - inf made the parts
    # NaN and numpy warned on stderr
    import warnings

    from tests.conftest import SAMPLES
    from valgap.parsers import read

    lines = (SAMPLES / "measured-keras.csv").read_text().splitlines()
    cells = lines[-3].split(",")
    cells[3] = cells[8] = "1e999"  # train_loss_eval_end and val_loss
    lines[-3] = ",".join(cells)
    path = tmp_path / "measured.csv"
    path.write_text("\n".join(lines) + "\n")
    table = read(str(path))[-1].table
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = decompose(table)
    assert found is not None and all(math.isfinite(p.value) for p in found.parts)
