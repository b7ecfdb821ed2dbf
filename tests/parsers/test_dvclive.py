"""DVCLive folders (a TSV file per metric), read from real runs people committed
(tests/data/public): the Hugging Face callback's, a Lightning logger's, a script stepping
after each loss, DVCLive 2's ``scalars/``, ``loss/val.tsv`` layouts."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from tests.conftest import DATA
from valgap import discover
from valgap.cli import main
from valgap.model import EVALUATION, InputError
from valgap.parsers import Options, read

PUBLIC = DATA / "public"
HF = PUBLIC / "alex000kim+ML-Pipeline-With-DVC-SkyPilot-HuggingFace__dvclive"
ALTERNATE = PUBLIC / "p-omahony+dvc-demo__dvclive"
LIGHTNING = PUBLIC / "michaelvay+lightning-hydra-template__dvclive"


def _column(folder, name):
    """(step, value) of one metric file, as DVCLive wrote it."""
    rows = [line.split("\t") for line in folder.read_text().splitlines()[1:]]
    return [(int(r[0]), float(r[-1])) for r in rows]


def test_the_trainer_callbacks_folder_is_a_row_per_evaluation():
    # the callback steps after every log: the training loss at even steps, the evaluation
    # at odd ones; "train/loss" is the Trainer's one-point summary of the whole run
    (run,) = read(str(HF))
    train = _column(HF / "plots/metrics/loss.tsv", "loss")
    val = _column(HF / "plots/metrics/eval/loss.tsv", "loss")
    assert run.info.row == EVALUATION and run.epochs == len(val) == 107
    assert run.table["train_loss"].iloc[0] == pytest.approx(train[0][1])
    assert run.table["val_loss"].tolist() == pytest.approx([v for _, v in val])
    assert any("train_loss left out" in n for n in run.info.notes)
    assert any("fractional" in n for n in run.info.notes)


def test_losses_logged_at_alternate_steps_are_paired():
    (run,) = read(str(ALTERNATE))
    train = _column(ALTERNATE / "plots/metrics/train_loss.tsv", "train_loss")
    val = _column(ALTERNATE / "plots/metrics/val_loss.tsv", "val_loss")
    assert [s for s, _ in train] == [0, 2, 4, 6, 8, 10] and val[0][0] == 1
    assert run.table["train_loss"].tolist() == pytest.approx([v for _, v in train])
    assert run.table["val_loss"].tolist() == pytest.approx([v for _, v in val])


def test_a_lightning_loggers_steps_are_mapped_to_its_epochs():
    (run,) = read(str(LIGHTNING))
    assert run.epochs == 10 and run.info.row != EVALUATION
    val = _column(LIGHTNING / "plots/metrics/val/loss.tsv", "loss")
    assert run.table["val_loss"].tolist() == pytest.approx([v for _, v in val])


@pytest.mark.parametrize("folder, epochs", [
    ("maltempi+dvc-experiments__dvclive", 5),            # DVCLive 2: scalars/, timestamps
    ("m-loay+fashion-mnist-mlops__dvclive", 10),         # loss/train.tsv, loss/val.tsv
    ("Sayuri201+MLOP__dvclive", 42),                     # train_loss.tsv, val_loss.tsv
])
def test_each_layout_gives_both_losses(folder, epochs):
    (run,) = read(str(PUBLIC / folder))
    assert run.epochs == epochs and run.info.format == "dvclive"
    assert not run.table[["train_loss", "val_loss"]].isna().any().any()


def test_the_metrics_folder_given_itself_is_the_same_run():
    whole = read(str(LIGHTNING))[-1]
    inner = read(str(LIGHTNING / "plots" / "metrics"))[-1]
    assert inner.table["val_loss"].tolist() == whole.table["val_loss"].tolist()


def test_the_params_file_states_run_facts():
    folder = PUBLIC / "AsimWattoo+SentimentAnalysis_AmazonReviews_Python__dvclive"
    for given in (folder, folder / "plots" / "metrics"):  # its metrics folder given alone
        (run,) = read(str(given))
        assert run.info.facts["dropout"] == 0.5  # "Dropout: 0.5" in params.yaml
        assert "params.yaml" in run.info.facts_origin


def test_a_project_folder_holds_one_run_per_dvclive_folder(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(LIGHTNING, project / "dvclive")
    shutil.copytree(ALTERNATE, project / "exp2" / "dvclive")
    found = discover.discover([str(project)])
    assert sorted(t.path for t in found.targets) == [str(project / "dvclive"),
                                                     str(project / "exp2" / "dvclive")]
    result = CliRunner().invoke(main, ["analyze", str(project), "--no-plot",
                                       "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    assert result.output.count('"fit"') == 2


def test_a_bad_value_names_its_file_and_line(tmp_path):
    folder = tmp_path / "dvclive"
    shutil.copytree(ALTERNATE, folder)
    path = folder / "plots/metrics/val_loss.tsv"
    path.write_text(path.read_text().replace("0.501208494758606", "oops"))
    with pytest.raises(InputError) as caught:
        read(str(folder))
    assert caught.value.code == "bad-value" and caught.value.line == 3
    assert caught.value.source.endswith("val_loss.tsv")


def test_training_alone_is_read_without_a_fit():
    (run,) = read(str(PUBLIC / "iterative+dvclive-exp-tracking__dvclive"))
    assert "val_loss" not in run.table or run.table["val_loss"].isna().all()


def test_a_listed_dvclive_folder_is_one_run():
    # a URL prefix is walked from listings: DVCLive's folders beside its metrics.json
    assert discover._run_folder_names("s3://bucket/exp/dvclive", ["plots"], ["metrics.json"])
    assert not discover._run_folder_names("s3://bucket/exp/docs", ["plots"], ["index.md"])


def test_the_trainers_closing_evaluation_and_summary_end_no_curve():
    # a run the Trainer logged through DVCLive (tests/data/thirtythirdway): 30 training
    # logs, 31 evaluations (the closing one straight after the last), then the run's
    # summary (runtime, FLOPs) at a step of its own: a row per evaluation that training
    # led up to (the closing one, a repeat with nothing before it, is left out as the
    # Trainer's own state is read)
    folder = DATA / "thirtythirdway" / "hf_dropout-s1" / "dvclive"
    val = _column(folder / "plots/metrics/eval/loss.tsv", "loss")
    (run,) = read(str(folder))
    assert run.info.row == EVALUATION and len(val) == 31 and run.epochs == 30
    assert run.table["val_loss"].tolist() == pytest.approx([v for _, v in val[:30]])
    assert not run.table[["train_loss", "val_loss"]].isna().all(axis=1).any()


def test_the_losses_can_be_named_by_their_files():
    # a sound event detector logs no plain loss: its strong-label losses are chosen
    folder = PUBLIC / "ArturMakowski+Sound_event_detection_system__dvclive"
    (run,) = read(str(folder), Options(train_col="train/loss_strong",
                                       val_col="val/synth/loss_strong.tsv"))
    val = _column(folder / "plots/metrics/val/synth/loss_strong.tsv", "loss_strong")
    assert run.table["val_loss"].dropna().tolist() == pytest.approx([v for _, v in val])
    assert not run.info.warnings
    (run,) = read(str(folder), Options(train_col="train/nothing"))
    assert "no metric file 'train/nothing'" in " ".join(run.info.warnings)
