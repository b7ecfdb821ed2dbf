"""Findings of the third reliability campaign (../shared/reliability/findings3), each built
here from its reproducer's input: one bad value in an MLflow meta.yaml (G01), a YAML alias
bomb as an experiment's name (G05), a loop print whose digit runs made the line-shape
template backtrack for minutes (G10), unclosed HTML in a notebook fed to html.parser (G11).
Each test checks what used to go wrong did not (an error code and one line, the good run
beside it read), not how long it took."""
from __future__ import annotations

import json

from tests.conftest import MLFLOW_SQLITE_TABLES, SAMPLES, mlflow_file_store
from valgap.parsers.loop_text import _Templates
from valgap.parsers.mlflow_store import _meta
from valgap.parsers.notebook import html_tables


def _store(tmp_path, name_yaml: str):
    return mlflow_file_store(tmp_path, [1.0, 0.8, 0.6, 0.5], [0.9, 0.75, 0.6, 0.55],
                             experiment_yaml=name_yaml)


def test_a_meta_yaml_value_pyyaml_cannot_build_costs_only_that_value(cli, tmp_path):
    for bad in ("name: " + "9" * 5000, "name: !!timestamp 2020-02-31"):
        store = _store(tmp_path / str(len(bad)), bad)
        res = cli("analyze", str(store), "--format", "json")
        assert "Traceback" not in res.stderr and res.exit_code == 0
        assert json.loads(res.stdout.splitlines()[0])["epochs"] == 4


def test_an_alias_bomb_as_a_name_is_not_a_name(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    folder = tmp_path / "exp"
    folder.mkdir()
    (folder / "meta.yaml").write_text("\n".join(levels) + "\nexperiment_id: '1'\nname: *a8\n")
    assert _meta(folder) == {"experiment_id": "1"}


def test_a_shape_is_never_matched_against_a_line_longer_than_those_it_was_learnt_from():
    templates = _Templates()
    assert templates._literal("x 12345678901234567890123456789012345678901234567890 y") \
        .count(r"\d+") == 1  # a digit run is one class, never \d{1,40}\d{1,40}...
    assert not templates.apply("Epoch 1 loss " + "9" * 5000, 1, reader=None)


def test_only_closed_tables_reach_the_html_parser():
    assert html_tables("<table" + "</" * 500_000) == ""
    table = "<table><tr><th>epoch</th><th>loss</th></tr><tr><td>1</td><td>0.5</td></tr></table>"
    assert html_tables("<div>" + table + "<table" + "<!" * 100_000) == \
        "| epoch | loss |\n| 1 | 0.5 |\n"


def test_the_samples_still_read_through_their_templates(cli):
    doc = json.loads(cli("analyze", str(SAMPLES / "measured-torch.log"), "--format",
                         "json").stdout)
    assert doc["epochs"] == 30


BAD_STEPS = ["inf", "nan", "9" * 400, "abc"]


def test_a_metrics_line_whose_step_is_no_counter_is_dropped_not_fatal(cli, tmp_path):
    for i, bad in enumerate(BAD_STEPS):  # G02: one line of an MLflow file store's metrics
        store = _store(tmp_path / str(i), "name: exp")
        with open(store / "1" / "abc" / "metrics" / "loss", "a") as out:
            out.write(f"0 0.4 {bad}\n")
        (store / "1" / "abc" / "metrics" / "epoch").write_text(f"0 {bad} 9\n")
        res = cli("analyze", str(store), "--format", "json")
        assert res.exit_code == 0 and "internal error" not in res.stderr, bad
        assert json.loads(res.stdout.splitlines()[0])["epochs"] == 4


SQL_ROWS = ["'loss', 0.5, 99, 'r1', 'abc', 0", "'loss', 0.5, 99, 'r1', x'00ff', 0",
            "'loss', 0.5, 99, 'r1', 9e999, 0", "'loss', 'not a number', 99, 'r1', 13, 0",
            "'loss', NULL, 99, 'r1', 14, 0", "NULL, 0.5, 99, 'r1', 14, 0"]


def test_a_sqlite_row_of_the_wrong_type_costs_only_that_row(cli, tmp_path):
    import sqlite3

    for i, bad in enumerate(SQL_ROWS):  # G03
        path = tmp_path / f"{i}" / "mlflow.db"
        path.parent.mkdir()
        db = sqlite3.connect(path)
        db.executescript(MLFLOW_SQLITE_TABLES
                         + "CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);")
        for e in range(12):
            db.execute("INSERT INTO metrics VALUES ('loss', ?, ?, 'r1', ?, 0)",
                       (1 / (e + 1) + 0.1, e, e))
            db.execute("INSERT INTO metrics VALUES ('val_loss', ?, ?, 'r1', ?, 0)",
                       (1 / (e + 1), e, e))
        db.execute(f"INSERT INTO metrics VALUES ({bad})")
        db.commit()
        db.close()
        res = cli("analyze", str(path), "--format", "json")
        assert res.exit_code == 0 and "internal error" not in res.stderr, bad
        assert json.loads(res.stdout.splitlines()[0])["epochs"] >= 12, bad


def test_a_run_folder_log_that_is_a_link_to_a_device_or_a_fifo_is_refused(cli, tmp_path):
    import os

    for kind in ("link", "fifo"):  # G08: never read without end, never waited on
        run = tmp_path / kind / "wandb" / "offline-run-20260101_000000-abc123"
        run.mkdir(parents=True)
        log = run / "run-abc123.wandb"
        if kind == "link":
            log.symlink_to("/dev/zero")
        else:
            os.mkfifo(log)
        res = cli("analyze", str(run), "--format", "json")
        assert res.exit_code == 2 and "not a regular file" in res.stderr, kind
        assert len(res.stderr.strip().splitlines()) == 1


def test_a_deleted_run_named_directly_is_read_and_said_to_be_deleted(cli, tmp_path):
    store = _store(tmp_path, "name: exp")
    meta = store / "1" / "abc" / "meta.yaml"
    meta.write_text(meta.read_text() + "lifecycle_stage: deleted\n")
    doc = json.loads(cli("analyze", str(store / "1" / "abc"), "--format", "json").stdout)
    assert doc["epochs"] == 4 and any("marked deleted" in w for w in doc["run"]["warnings"])
    walked = cli("analyze", str(store), "--format", "json")
    assert walked.exit_code == 2  # in the store's walk a deleted run is left out


COUNTS = ["inf", "-inf", "nan", "1e400", "9" * 400, "2.5", "-3", "0", "x", ""]


def test_a_logged_count_that_is_no_whole_number_is_no_fact(cli, tmp_path):
    # found by scripts/fuzz_stores.py: batch_size = inf in a store's parameters raised an
    # OverflowError (int(inf)); every count a tracker logs goes through one check now
    for i, bad in enumerate(COUNTS):
        store = mlflow_file_store(tmp_path / str(i), [1 / (e + 1) + 0.1 for e in range(8)],
                                  [1 / (e + 1) for e in range(8)],
                                  params={"batch_size": bad, "n_val": bad, "n_train": bad})
        res = cli("analyze", str(store), "--format", "json")
        assert res.exit_code == 0 and "internal error" not in res.stderr, bad
        run = json.loads(res.stdout.splitlines()[0])["run"]
        assert run["batch_size"] is None and run["n_val"] is None, bad


def test_a_compressed_log_leaves_no_file_open(tmp_path):
    # found by scripts/fuzz_stores.py: a decompressor does not close the file it reads, so
    # every compressed input left its file to the garbage collector (a ResourceWarning)
    import gc
    import gzip
    import warnings

    from valgap import config, engine

    path = tmp_path / "history.csv.gz"
    path.write_bytes(gzip.compress((SAMPLES / "dropout.csv").read_bytes()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = engine.analyze_input(str(path), config.Config())[-1]
        gc.collect()
    assert result.fit is not None and result.fit.fit
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_a_store_whose_schema_is_not_utf8_is_one_clear_line(cli, tmp_path):
    # found by scripts/fuzz_stores.py: SQLite quotes a damaged schema's bytes in its error,
    # and Python decoding that message raised UnicodeDecodeError out of the reader
    import sqlite3

    path = tmp_path / "mlflow.db"
    db = sqlite3.connect(path)
    db.executescript(MLFLOW_SQLITE_TABLES
                     + "CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);")
    db.execute("PRAGMA writable_schema = ON")
    # CREATE TABLE params (key TEXT) FOR\xd0IGN: SQLite's error quotes the bad byte
    db.execute("UPDATE sqlite_master SET sql = CAST(x'435245415445205441424c4520706172616d73"
               "20286b657920544558542920464f52d049474e' AS TEXT)"
               " WHERE name = 'params'")
    db.commit()
    db.close()
    res = cli("analyze", str(path))
    assert res.exit_code == 2 and "internal error" not in res.stderr
    assert "cannot read this MLflow SQLite store" in res.stderr


def test_a_store_without_the_run_index_is_read_in_one_pass_each_run_its_own(tmp_path):
    # an old or hand-made store has no index on metrics.run_uuid: a query per run scanned
    # the whole table per run (G21); one pass groups the rows, and no run takes another's
    import sqlite3

    from valgap.parsers import read

    path = tmp_path / "mlflow.db"
    db = sqlite3.connect(path)
    db.executescript(MLFLOW_SQLITE_TABLES
                     + "CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);"
                     + "INSERT INTO runs VALUES ('r2', 'other', 1, 'active', 2);")
    for e in range(10):  # the two runs' rows interleaved, as concurrent runs log them
        for run, scale in (("r1", 1.0), ("r2", 3.0)):
            db.execute("INSERT INTO metrics VALUES ('loss', ?, ?, ?, ?, 0)",
                       (scale * (1 / (e + 1) + 0.1), e, run, e))
            db.execute("INSERT INTO metrics VALUES ('val_loss', ?, ?, ?, ?, 0)",
                       (scale / (e + 1), e, run, e))
    db.execute("INSERT INTO params VALUES ('batch_size', '64', 'r2')")
    db.commit()
    db.close()
    runs = {r.info.name: r for r in read(str(path))}
    assert runs["run"].table["val_loss"].tolist() == [1 / (e + 1) for e in range(10)]
    assert runs["other"].table["val_loss"].tolist() == [3 / (e + 1) for e in range(10)]
    assert runs["other"].info.batch_size == 64 and runs["run"].info.batch_size is None
