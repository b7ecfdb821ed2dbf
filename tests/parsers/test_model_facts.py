"""What a log tells about the model and the split beyond Keras summaries: Flax's NNX repr and
linen tabulate() table (made by scripts/make_flax_fixtures.py with the real Flax), the
"[train]/[test] step: N, loss:" pairs of Flax's examples, a dropout rate among printed
hyperparameters (Ultralytics' argument line), and split sizes printed as "N train / M
validation samples" or "train N, val M" (tests/data/thirdway, real runs)."""
from __future__ import annotations

import gzip

from tests.conftest import DATA
from valgap import config, engine
from valgap.model import Run, RunInfo
from valgap.parsers import read
from valgap.parsers._table import empty_table, scan_facts, summary_ends, summary_starts
from valgap.parsers._text import clean


def test_a_flax_nnx_run_is_read_with_its_layers():
    run = read(str(DATA / "flax" / "nnx_dropout.log"))[-1]
    assert run.epochs == 20 and run.info.layers == {"Linear": 2, "Dropout": 1}
    # the first and last "[train]" and "[test]" lines of the log
    assert round(run.table["train_loss"].iloc[0], 4) == 2.0544
    assert round(run.table["val_loss"].iloc[0], 4) == 1.7423
    assert round(run.table["train_loss"].iloc[-1], 4) == 0.1663
    assert round(run.table["val_loss"].iloc[-1], 4) == 0.3163
    facts = engine.merge_facts(run, config.Config().facts)
    assert facts.dropout is True and facts.batchnorm is False


def test_a_flax_tabulate_table_names_batch_norm_and_dropout():
    info = RunInfo("tabulate", "test")
    for line in (DATA / "flax" / "linen_tabulate.txt").read_text().splitlines():
        scan_facts(clean(line), info, in_summary=False)
    assert info.layers == {"Dense": 2, "BatchNorm": 1, "Dropout": 1}


def test_a_printed_dropout_rate_of_zero_says_the_model_drops_nothing():
    run = read(str(DATA / "libs" / "yolo-train.log"))[-1]  # "... dropout=0.0, ..."
    assert run.info.facts["dropout"] == 0.0


def test_split_sizes_printed_beside_each_other():
    sk = read(str(DATA / "thirdway" / "sk_tinyval-s1" / "run.log"))[-1]
    assert (sk.info.n_train, sk.info.n_val) == (1347, 30)
    steps = read(str(DATA / "thirdway" / "st_dropout-s1" / "run.log"))[-1]
    assert (steps.info.n_train, steps.info.n_val) == (1347, 450)


def test_loss_prints_are_not_split_sizes():
    info = RunInfo("x", "test")
    for line in ("epoch 3 train 0.5, val 0.4", "step 100 | train loss 12 | val loss 10",
                 "train 12, val 10.5"):
        scan_facts(line, info, in_summary=False)
    assert (info.n_train, info.n_val) == (None, None)


def test_a_stated_label_smoothing_is_a_term_in_the_training_loss_only():
    # nanoGPT-style "Overriding:" lines of a real run (tests/data/tenthway) with dropout 0.3
    # and label smoothing 0.2; YOLOv5's hyperparameter line saying label_smoothing=0.0
    run = read(str(DATA / "tenthway" / "gpt_dropout_smoothing-s1" / "train.log"))[-1]
    facts = engine.merge_facts(run, config.Config().facts)
    assert facts.loss_weighting is True and facts.dropout == 0.3
    result = engine.analyze_input(str(DATA / "tenthway" / "gpt_dropout_smoothing-s1" /
                                      "train.log"), config.Config())[-1]
    assert {c.rule for c in result.causes[:2]} == {"dropout", "loss-weighting"}
    assert not any(c.guess for c in result.causes[:2])  # both stated, neither guessed
    info = RunInfo("yolo", "test")
    scan_facts(clean("hyperparameters: lr0=0.01, fl_gamma=0.0, label_smoothing=0.0, mosaic=1"),
               info, False)
    assert info.facts.get("loss_weighting") is False
    # the Trainer's arguments printed whole: its label_smoothing_factor smooths the
    # evaluation loss too, so it states nothing of a training-only weighting
    trainer = RunInfo("trainer", "test")
    scan_facts(clean("TrainingArguments(label_smoothing_factor=0.1, learning_rate=5e-05)"),
               trainer, False)
    assert "loss_weighting" not in trainer.facts


def _printed_arguments(scenario: str) -> str:
    # the first line of a run of scripts/make_nineteenthway_runs.py: print(args)
    return (DATA / "nineteenthway" / scenario / "train.log").read_text().splitlines()[0]


def test_a_scripts_printed_arguments_state_the_recipes_run_facts():
    # "Namespace(batch_size=64, ..., drop=0.0, ..., mixup=0.0, smoothing=0.2, ...)": the
    # vision recipes' names, --drop, --smoothing, --mixup
    line = _printed_arguments("vt_smoothing-s1")
    info = RunInfo(source="", format="loop-text")
    scan_facts(line, info, in_summary=False)
    assert info.facts == {"dropout": False, "loss_weighting": True}
    assert info.batch_size == 64 and info.facts_origin == "the script's printed arguments"
    info = RunInfo(source="", format="loop-text")
    scan_facts(_printed_arguments("vt_mixup-s1"), info, in_summary=False)
    assert info.facts["augmentation"] is True and info.facts["loss_weighting"] is False


def test_printed_arguments_name_the_cause_where_the_curves_alone_point_elsewhere():
    # smoothed labels leave the training loss 3.4x validation's, as steady as a summed loss
    # would: read without the arguments, a reduction mismatch came first at 0.80
    result = engine.analyze_input(str(DATA / "nineteenthway" / "vt_smoothing-s1" /
                                      "train.log"), config.Config())[-1]
    first = result.causes[0]
    assert first.rule == "loss-weighting" and first.confidence >= 0.9
    assert first.evidence.startswith("the script's printed arguments show ")


def test_namespace_values_keep_their_commas_and_brackets():
    from valgap.parsers._params import namespace

    line = ("Namespace(aa='rand-m9-mstd0.5-inc1', batch_size=128, betas=(0.9, 0.999), "
            "lr_noise=[0.5, 0.8], model='deit_tiny_patch16_224', smoothing=0.1)")
    assert namespace(line) == {"aa": "rand-m9-mstd0.5-inc1", "batch_size": "128",
                               "betas": "(0.9, 0.999)", "lr_noise": "[0.5, 0.8]",
                               "model": "deit_tiny_patch16_224", "smoothing": "0.1"}
    assert namespace("args: Namespace(x=1)") == {}


def _facts(path):
    return engine.merge_facts(read(str(path))[-1], config.Config().facts)


def test_a_printed_pytorch_model_rules_dropout_out_only_where_it_prints_it_off():
    # a graph network dropping out in forward (F.dropout): print(model) lists two GCNConv
    # and no Dropout, which is no evidence either way (tests/data/twentyfirstway)
    gcn = _facts(DATA / "twentyfirstway" / "gcn_many_labels_printed-s1" / "train.log")
    assert gcn.dropout is None
    # a BERT whose config set every dropout to 0: its Dropout(p=0.0) rows say it is off
    off = _facts(DATA / "twentiethway" / "hf_epoch_logged-s1" / "train.log.gz")
    assert off.dropout == 0.0 and off.origin["dropout"] == "the printed model"
    # fastai's tabular model: "(emb_drop): Dropout(p=0.0)" first, then two Dropout(p=0.5)
    fastai = _facts(DATA / "thirteenthway" / "fa_dropout-s2" / "train.log")
    assert fastai.dropout is True


def test_a_printed_nn_sequential_of_torch_modules_is_the_whole_model():
    # Catalyst's runs (tests/data/thirtysixthway) print an nn.Sequential of Linear and ReLU:
    # its forward is those modules in turn, so no F.dropout can hide in it
    plain = DATA / "thirtysixthway" / "ct_easy_val-s1" / "train.log.gz"
    assert read(str(plain))[-1].info.modules_whole is True
    facts = _facts(plain)
    assert facts.dropout is False and facts.origin["dropout"] == "the model summary"
    # the same print with Dropout layers in it: dropout, as before
    assert _facts(DATA / "thirtysixthway" / "ct_dropout_printed-s1" / "train.log.gz").dropout
    # a module of its own class (a GCN, its forward calling F.dropout) is no whole print
    gcn = DATA / "twentyfirstway" / "gcn_many_labels_printed-s1" / "train.log"
    assert read(str(gcn))[-1].info.modules_whole is False
    # an nn.Sequential holding a module of another class is none either
    info = RunInfo("print", "test")
    for line in ("Sequential(", "  (0): Linear(in_features=8, out_features=8, bias=True)",
                 "  (1): Block(", "    (fc): Linear(in_features=8, out_features=2)", "  )",
                 ")"):
        scan_facts(line, info, in_summary=False)
    assert info.modules_whole is False and info.layers == {"Linear": 2, "Block": 1}


def test_a_keras_summary_rules_out_only_what_its_rows_would_show():
    # Keras sequence models on TensorFlow (tests/data/twentysecondway): the summary lists a
    # recurrent layer whose dropout is an argument, a custom layer or a nested model as one
    # row each, so what it lacks is not ruled out
    way = DATA / "twentysecondway"
    lstm = _facts(way / "kr_lstm_dropout-s1" / "train.log")  # LSTM(dropout=0.3, ...)
    assert lstm.dropout is None and lstm.batchnorm is False
    gru = _facts(way / "kr_gru_dropout-s1" / "train.log")  # Bidirectional(GRU(...))
    assert gru.dropout is None and gru.batchnorm is False
    block = _facts(way / "kr_transformer-s1" / "train.log.gz")  # a TransformerBlock layer
    assert block.dropout is None and block.batchnorm is None
    nested = _facts(way / "kr_backbone_bn-s1" / "train.log")  # "backbone (Sequential)"
    assert nested.dropout is None and nested.batchnorm is None
    # the rows that are whole layers still rule out: two LSTMs, two Dropout layers, a Dense
    listed = _facts(way / "kr_lstm_dropout_layer-s1" / "train.log.gz")
    assert listed.dropout is True and listed.batchnorm is False


def test_a_keras_2_summary_type_cut_short_is_completed():
    # Keras 2 (tf_keras) cuts a long "name (Type)" at its first column and wraps the rest:
    # " batch_normalization (Batch  (None, 36, 32)   128" then " Normalization)"
    run = read(str(DATA / "twentysecondway" / "k2_bn_lstm-s1" / "train.log.gz"))[-1]
    assert run.info.layers == {"Conv1D": 1, "BatchNormalization": 1, "Activation": 1,
                               "LSTM": 1, "Dense": 1}
    assert engine.merge_facts(run, config.Config().facts).batchnorm is True


def test_a_keras_tuner_console_gives_each_trial_its_own_hyperparameters():
    # a RandomSearch of three trials (tests/data/twentythirdway): each trial's table
    # ("Value |Best Value So Far |Hyperparameter", rows "0.5 |0.5 |dropout") comes before
    # its fit; its epochs start over at 1, so each trial is a run with its own facts
    runs = read(str(DATA / "twentythirdway" / "kt_dropout-s1" / "tune.log"))
    assert [run.info.facts.get("dropout") for run in runs] == [0.5, 0.3, 0.3]
    assert runs[-1].info.facts_origin == "the tuner's table of the trial's hyperparameters"
    penalty = read(str(DATA / "twentythirdway" / "kt_l2-s1" / "tune.log.gz"))
    assert all(run.info.facts.get("weight_penalty") is True for run in penalty)


def test_a_keras_regularisers_penalty_is_no_training_only_penalty():
    # the tuner's trials set kernel_regularizer=l2(...): the log states the weight, but
    # Keras's fit adds model.losses to val_loss as to loss, so no term sits in the training
    # loss only (the weight_penalty fact's meaning); valgap.yaml may still say there is one
    (run, *_) = read(str(DATA / "twentythirdway" / "kt_l2-s1" / "tune.log.gz"))
    assert run.info.framework == "keras" and run.info.facts["weight_penalty"] is True
    assert engine.merge_facts(run, config.Config().facts).weight_penalty is None
    told = config.Config(facts=config.Facts(weight_penalty=True)).facts
    assert engine.merge_facts(run, told).weight_penalty is True
    # a smoothing the parameters name is the compiled loss's, which val_loss is scored with
    run.info.facts["loss_weighting"] = True
    assert engine.merge_facts(run, config.Config().facts).loss_weighting is None
    # the same weight in a PyTorch run's parameters is a term its loop adds to the loss
    run.info.framework = "pytorch"
    assert engine.merge_facts(run, config.Config().facts).weight_penalty is True


def _scanned(lines) -> RunInfo:
    """The facts ``scan_facts`` takes from lines, a model summary's rows read as one (what
    the line readers do)."""
    info = RunInfo("lines", "test")
    in_summary = False
    for raw in lines:
        line = clean(raw)
        in_summary = in_summary or summary_starts(line)
        scan_facts(line, info, in_summary)
        in_summary = in_summary and not summary_ends(line)
    return info


def _summary_lines(scenario: str) -> list[str]:
    # the lines of a real Lightning console before its first progress bar
    text = gzip.decompress((DATA / "seventeenthway" / scenario / "train.log.gz").read_bytes())
    return text.decode().split("Sanity Checking")[0].splitlines()


def test_lightnings_model_summary_is_read_in_any_log_as_in_its_progress_bars():
    # the same rows wherever the summary is printed (a loop's own epoch lines after it, a
    # notebook): Rich's table of attributes, "│ 2 │ dropout2 │ Dropout          │ 0 │", its
    # type padded past eight spaces; the plain one; a Sequential's row, the top only
    for scenario in ("lt_dropout-s1", "lt_regression-s1", "lt_dropout_hidden-s1"):
        (run,) = read(str(DATA / "seventeenthway" / scenario / "train.log.gz"))
        info = _scanned(_summary_lines(scenario))
        assert info.layers == run.info.layers and info.framework == "pytorch"
        assert info.summary_partial == run.info.summary_partial
    info = _scanned(_summary_lines("lt_dropout-s1"))
    # "Dropout | 0 |": a count of parameters, not a rate of 0
    assert "dropout" not in info.facts and info.modules_whole is False


def test_torchsummarys_table_is_pytorchs_and_rules_no_functional_dropout_out():
    # torchsummary 1.5.1's table of a module whose forward calls F.dropout: no row shows
    # it, as a PyTorch print shows none (Paddle's table has an input column, "[[1, 64]]")
    table = """\
----------------------------------------------------------------
        Layer (type)               Output Shape         Param #
================================================================
            Conv2d-1            [-1, 8, 26, 26]              80
            Linear-2                   [-1, 10]          54,090
================================================================
Total params: 54,170"""
    info = _scanned(table.splitlines())
    assert info.framework == "pytorch" and info.layers == {"Conv2d": 1, "Linear": 1}
    run = Run(empty_table(), info)
    facts = engine.merge_facts(run, config.Config().facts)
    assert facts.dropout is None and facts.batchnorm is False
    paddle = _scanned(["Layer (type)  Input Shape  Output Shape  Param #",
                       "   Dropout-1         [[1, 120]]            [1, 120]              0"])
    assert paddle.framework == "paddle"


def test_a_printed_table_of_hyperparameters_states_the_dropout_rate():
    # tabulate's "grid" and "github" tables of a script's settings, as printed
    grid = ["+-------------+---------+", "| Parameter   |   Value |",
            "+=============+=========+", "| dropout     |   0.3   |"]
    assert _scanned(grid).facts["dropout"] == 0.3
    github = ["| Parameter   |   Value |", "|-------------|---------|",
              "| lr          |   0.001 |", "| dropout     |   0.25  |"]
    assert _scanned(github).facts["dropout"] == 0.25
    # a value cell written without a point is no rate: a layer's count of parameters
    assert "dropout" not in _scanned(["| 3 | drop | Dropout | 0 | train |"]).facts


def test_a_flax_table_row_is_read_however_wide_its_type_column():
    # a type column padded to a long type's width ("MultiHeadDotProductAttention")
    row = "│ Dropout_0                    │ Dropout                      │ float32[1,64] │"
    assert _scanned([row]).layers == {"Dropout": 1}


def test_torchinfos_tree_names_the_layers_to_its_depth():
    # torchinfo 1.8's summary() of a module with two blocks in a Sequential, to its default
    # depth (3): its layers were not read
    tree = """\
Layer (type:depth-idx)                   Output Shape              Param #
==========================================================================================
Net                                      [1, 10]                   --
├─Conv2d: 1-1                            [1, 8, 26, 26]            80
├─Sequential: 1-2                        [1, 8, 26, 26]            --
│    └─Block: 2-1                        [1, 8, 26, 26]            --
│    │    └─Conv2d: 3-1                  [1, 8, 26, 26]            584
│    │    └─BatchNorm2d: 3-2             [1, 8, 26, 26]            16
│    │    └─Dropout2d: 3-3               [1, 8, 26, 26]            --
├─Sequential: 1-3                        [1, 10]                   --
│    └─Flatten: 2-3                      [1, 5408]                 --
│    └─Dropout: 2-4                      [1, 5408]                 --
│    └─Linear: 2-5                       [1, 10]                   54,090
=========================================================================================="""
    info = _scanned(tree.splitlines())
    assert info.layers == {"Conv2d": 2, "Block": 1, "BatchNorm2d": 1, "Dropout2d": 1,
                           "Flatten": 1, "Dropout": 1, "Linear": 1}
    assert info.framework == "pytorch"
    # a block of the user's, or a container cut at the depth, may hold what it does not list
    assert info.summary_partial
    # the same of an nn.Sequential: "├─Dropout: 1-3" was read as a dropout rate of 1
    flat = _scanned(["Sequential                               [1, 2]                    --",
                     "├─Linear: 1-1                            [1, 64]                   1,344",
                     "├─ReLU: 1-2                              [1, 64]                   --",
                     "├─Dropout: 1-3                           [1, 64]                   --",
                     "├─Linear: 1-4                            [1, 2]                    130"])
    assert flat.layers == {"Linear": 2, "ReLU": 1, "Dropout": 1} and "dropout" not in flat.facts
    no_drop = _scanned(["├─Linear: 1-1                            [1, 64]                   1,344",
                        "├─Linear: 1-2                            [1, 2]                    130"])
    facts = engine.merge_facts(Run(empty_table(), no_drop), config.Config().facts)
    assert facts.batchnorm is False and facts.dropout is None  # F.dropout shows in no tree


def test_a_lightning_runs_hparams_yaml_beside_its_log_states_its_settings(tmp_path):
    # a real CSVLogger version folder whose module saved {"dropout": 0.5, "lr": 0.001}
    # (scripts/make_torch_fixtures.py): its metrics.csv names no model, its hparams.yaml does
    version = DATA / "lightning" / "hparams_run" / "version_0"
    run = read(str(version / "metrics.csv"))[-1]
    facts = engine.merge_facts(run, config.Config().facts)
    assert facts.dropout == 0.5 and facts.origin["dropout"] == "the run's hparams.yaml"
    result = engine.analyze_input(str(version / "metrics.csv"), config.Config())[-1]
    assert result.causes[0].rule == "dropout" and not result.causes[0].guess
    # the log alone, its folder left behind: nothing states the rate, and it is a guess
    alone = tmp_path / "metrics.csv"
    alone.write_bytes((version / "metrics.csv").read_bytes())
    assert "dropout" not in read(str(alone))[-1].info.facts
    assert engine.analyze_input(str(alone), config.Config())[-1].causes[0].guess
